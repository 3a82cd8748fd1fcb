"""Resumable uploads (tus): throughput of one large video, and the web process's peak memory,
for a 100 MB and a 1 GB file: memory must not grow with the file (the body is streamed to
storage in 256 KB reads; nothing holds the whole file).

A throwaway SQLite database and media folder under var/bench-tus/, gunicorn with one sync
worker (so the peak is that of the one process that served every request), tuspy on
loopback in 16 MB PATCH requests. Each file is a real MP4 padded to size with an ISO BMFF
`free` box, so the upload ends as a video through the real ingest (hash, probe, move into
place). The peak is the worker's VmHWM (the kernel's high-water mark of its resident
memory), read after the upload; throughput is bytes over the time from creation to the last
response (the finish included: hashing and probing the file).

    .venv/bin/python bench/tus_upload.py                 # 100 MB and 1 GB
    .venv/bin/python bench/tus_upload.py --sizes 100     # a quick run

Results go to bench/RESULTS-upload.md.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SHARED = Path(os.environ.get("SHARED") or BASE_DIR.parent / "shared")
VAR = BASE_DIR / "var" / "bench-tus"
RESULTS = BASE_DIR / "bench" / "RESULTS-upload.md"
MB = 1024 * 1024
CHUNK = 16 * MB

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "DEBUG": "0",
    "SECRET_KEY": "tus-bench-only-" + "k" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "FAST_PASSWORD_HASHER": "1",
    "VAR_DIR": str(VAR),
    "DATABASE_URL": f"sqlite:///{VAR / 'db.sqlite3'}",
    "MEDIA_ROOT": str(VAR / "media"),
    "CELERY_BROKER_URL": "filesystem://",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "UPLOAD_MAX_BYTES": str(2048 * MB),
}

SETUP = """
import django; django.setup()
from accounts.models import Device, User
from privacy import consent
user = User.objects.create_user("bench", password="bench password 1234")
consent.grant(user, "camera_roll_sync")
print(Device.issue(user, "bench phone")[1])
"""


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def make_video(size: int, path: Path) -> Path:
    from tests.factories import mp4_bytes
    from tests.tus import padded_mp4

    clip = mp4_bytes(SHARED / "photos/scenes/ibm_dog.jpg", seconds=2.0)
    return padded_mp4(clip, size, path)


def run(size_mb: int, token: str, server) -> dict:
    from tusclient import client

    path = make_video(size_mb * MB, VAR / f"video-{size_mb}.mp4")
    worker = server.worker_pids()[0]
    before = vm_hwm_mb(worker)
    tus = client.TusClient(
        f"{server.url}/api/v1/uploads/", headers={"Authorization": f"Token {token}"}
    )
    uploader = tus.uploader(str(path), chunk_size=CHUNK, metadata={"filename": path.name})
    started = time.perf_counter()
    uploader.upload()
    seconds = time.perf_counter() - started
    path.unlink()
    return {
        "size_mb": size_mb,
        "seconds": seconds,
        "mb_per_s": size_mb / seconds,
        "hwm_before": before,
        "hwm_after": vm_hwm_mb(worker),
        "requests": -(-size_mb * MB // CHUNK) + 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1024", help="file sizes in MB, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ.update(ENV)  # the test helpers that make the video import Django's models
    import django

    django.setup()
    from tests.tus import GunicornServer

    shutil.rmtree(VAR, ignore_errors=True)
    for folder in ("queue", "control", "processed"):
        (VAR / "broker" / folder).mkdir(parents=True)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=ENV, check=True)
    token = subprocess.run(
        [python, "-c", SETUP], cwd=BASE_DIR, env=ENV, check=True, capture_output=True, text=True
    ).stdout.split()[-1]

    rows = []
    for size in sizes:
        # A fresh server per size: each peak is that size's own, from the same start.
        server = GunicornServer(env=ENV, log_dir=VAR, workers=1)
        server.start()
        try:
            row = run(size, token, server)
        finally:
            server.stop()
        rows.append(row)
        print(
            f"{size} MB: {row['seconds']:.1f} s, {row['mb_per_s']:.0f} MB/s, worker peak "
            f"{row['hwm_after']:.0f} MB (after start {row['hwm_before']:.0f} MB)",
            flush=True,
        )
    write(rows)
    shutil.rmtree(VAR, ignore_errors=True)


def write(rows) -> None:
    load = os.getloadavg()[0]
    lines = [
        "# Resumable uploads (tus): throughput and peak memory",
        "",
        f"`.venv/bin/python bench/tus_upload.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"load average {load:.1f} on {os.cpu_count()} CPUs. gunicorn, one sync worker, "
        "SQLite, local storage, tuspy on loopback in 16 MB PATCH requests.",
        "",
        "| file | requests | time | throughput | worker peak RSS (VmHWM) | at start |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size_mb']:,} MB video | {r['requests']} | {r['seconds']:.1f} s | "
            f"{r['mb_per_s']:.0f} MB/s | **{r['hwm_after']:.0f} MB** | {r['hwm_before']:.0f} MB |"
        )
    lines += [
        "",
        "Time runs from the creation request to the last PATCH's answer, which includes the "
        "finish: the ingest hashes the whole file (SHA-256), probes it with PyAV and moves "
        "the partial file into place as the original (a rename, no copy).",
        "",
    ]
    RESULTS.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
