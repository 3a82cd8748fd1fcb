"""Load: 20 companion apps syncing 50 photos each at once, on loopback.

PostgreSQL (a database of its own, dropped and created), Redis (db 14) as broker and cache,
gunicorn serving the app, two Celery worker processes analysing with the real models. Each
client registers, gets a token, grants consent, checks its 50 hashes, uploads what is
missing, re-sends five (as a phone retrying after a lost response would) and checks again.
Then the script waits for the analysis and verifies: all 1,000 photos stored exactly once
(rows and files), every one analysed, no step recorded twice. Upload latency percentiles go
to bench/RESULTS-load.md, beside the same uploads made by one client alone.

    .venv/bin/python bench/load_sync.py            # the full run (about 10-20 minutes)
    .venv/bin/python bench/load_sync.py --clients 4 --photos 10   # a quick smoke run

Everything stays on 127.0.0.1; the servers are stopped at the end, whatever happens.
"""

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED") or BASE_DIR.parent / "shared")
DB_NAME = "camroll_load"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
PORT = 8765
PASSWORD = "load test password 1234"  # noqa: S105 - throwaway accounts on loopback
RESULTS = BASE_DIR / "bench" / "RESULTS-load.md"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "DEBUG": "0",
    "SECRET_KEY": "load-bench-only-" + "k" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "FAST_PASSWORD_HASHER": "0",
    "VAR_DIR": str(BASE_DIR / "var" / "load"),
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "CELERY_BROKER_URL": REDIS_URL,
    "CACHE_URL": REDIS_URL,
    "CELERY_TASK_ALWAYS_EAGER": "0",
    # Twenty apps behind one address sign in within a second: the per-address limits that
    # stop password guessing would (rightly) refuse them. Raised for this run only.
    "API_THROTTLE_LOGIN": "10000/min",
    # The API sign-up spends the web sign-up's allowance (10 an hour per address).
    "SIGNUP_ATTEMPTS_LIMIT": "10000",
    "API_THROTTLE_ANON": "10000/min",
    "API_THROTTLE_USER": "100000/min",
    "FACE_MODEL_PACK": os.environ.get("FACE_MODEL_PACK") or str(SHARED / "models/face"),
    "SCENE_MODEL": os.environ.get("SCENE_MODEL")
    or str(SHARED / "models/scene/mobilenetv2-12-int8.onnx"),
    "SCENE_LABELS": os.environ.get("SCENE_LABELS")
    or str(SHARED / "models/scene/imagenet_labels.txt"),
    "TEST_PHOTOS_DIR": os.environ.get("TEST_PHOTOS_DIR") or str(SHARED / "photos"),
    "LOG_LEVEL": "WARNING",
}
ENV.pop("MEDIA_ROOT", None)


def run(cmd, **kwargs):
    return subprocess.run(cmd, cwd=BASE_DIR, env=ENV, check=True, **kwargs)


def setup_database():
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    var = Path(ENV["VAR_DIR"])
    shutil.rmtree(var, ignore_errors=True)
    (var / "media").mkdir(parents=True)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"])


class Servers:
    def __init__(self, workers: int):
        self.procs: list[subprocess.Popen] = []
        self.workers = workers
        self.logs = Path(ENV["VAR_DIR"]) / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def _start(self, name, cmd):
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed by the child's exit
        proc = subprocess.Popen(
            cmd, cwd=BASE_DIR, env=ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def start(self):
        bin_dir = Path(sys.executable).parent
        self._start(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                "project.wsgi:application",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                "4",
                "--timeout",
                "120",
            ],
        )
        for i in range(self.workers):
            self._start(
                f"worker{i}",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "project",
                    "worker",
                    "-Q",
                    "celery,ml",
                    "-c",
                    "1",
                    "-n",
                    f"load{i}@localhost",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "WARNING",
                ],
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{PORT}/healthz/", timeout=10).ok:
                    return
            except requests.RequestException:
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer; see {self.logs}")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class Client:
    def __init__(self, n: int, roll, name: str = ""):
        self.n = n
        self.name = name or f"load{n:02d}"
        self.roll = roll
        self.session = requests.Session()
        self.base = f"http://127.0.0.1:{PORT}/api/v1"
        self.upload_ms: list[float] = []
        self.check_ms: list[float] = []
        self.retry_statuses: list[int] = []
        self.ids: dict[str, int] = {}

    def post(self, path, **kwargs):
        return self.session.post(self.base + path, timeout=300, **kwargs)

    def signup(self):
        name = self.name
        created = self.post(
            "/auth/register/",
            json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
        )
        assert created.status_code == 201, created.text
        token = self.post(
            "/auth/token/", json={"username": name, "password": PASSWORD, "device_name": "phone"}
        )
        assert token.status_code == 200, token.text
        self.session.headers["Authorization"] = f"Token {token.json()['token']}"
        for scope in ("cloud_processing", "camera_roll_sync", "face_analysis"):
            granted = self.post("/consent/", json={"scope": scope, "granted": True})
            assert granted.status_code == 200, granted.text

    def check(self):
        items = [
            {
                "sha256": i.sha256,
                "taken_at": i.taken_at.isoformat(),
                "device_asset_id": i.device_asset_id,
            }
            for i in self.roll
        ]
        start = time.perf_counter()
        response = self.post("/sync/check/", json={"items": items})
        self.check_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
        return response.json()

    def upload(self, item):
        start = time.perf_counter()
        response = self.post(
            "/photos/",
            files={"file": (item.name, item.data, "image/jpeg")},
            data={"taken_at": item.taken_at.isoformat(), "device_asset_id": item.device_asset_id},
        )
        elapsed = (time.perf_counter() - start) * 1000
        return response, elapsed

    def sync(self):
        missing = set(self.check()["missing"])
        assert missing == {i.sha256 for i in self.roll}, "a fresh account already has photos"
        for item in self.roll:
            response, elapsed = self.upload(item)
            assert response.status_code == 201, (item.name, response.status_code, response.text)
            self.upload_ms.append(elapsed)
            self.ids[item.sha256] = response.json()["id"]
        # A phone that lost five responses sends the same bytes again: the same photos come
        # back, nothing new is stored.
        for item in self.roll[:5]:
            response, _ = self.upload(item)
            self.retry_statuses.append(response.status_code)
            assert response.json()["id"] == self.ids[item.sha256]
        again = self.check()
        assert again == {"missing": [], "outside_window": []}, again


def make_rolls(clients: int, photos: int):
    sys.path.insert(0, str(BASE_DIR))
    from tests.api.camera_roll import camera_roll

    photos_dir = Path(ENV["TEST_PHOTOS_DIR"])
    now = datetime.now(UTC)
    # A minute apart per client: every one of the 1,000 files is distinct.
    return [
        camera_roll(photos_dir, photos, now=now - timedelta(minutes=n), prefix=f"C{n:02d}")
        for n in range(clients)
    ]


def django_setup():
    os.environ.update(ENV)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def wait_for_analysis(expected: int, timeout: float) -> tuple[float, dict]:
    from django.db.models import Count

    from photos.models import Photo

    start = time.monotonic()
    counts: dict = {}
    while time.monotonic() - start < timeout:
        counts = dict(
            Photo.objects.order_by().values_list("analysis_status").annotate(n=Count("pk"))
        )
        settled = sum(counts.get(s, 0) for s in ("done", "failed", "skipped"))
        if settled >= expected:
            break
        time.sleep(2)
    return time.monotonic() - start, counts


def verify(expected: int, clients: list[Client]) -> dict:
    from django.core.files.storage import default_storage
    from django.db.models import Count

    from photos.models import AnalysisStep, Photo
    from privacy.models import ProcessingRecord

    # The clients' photos only (the single-client baseline's are left out).
    photos = Photo.objects.filter(owner__username__startswith="load")
    per_owner_dupes = (
        photos.values("owner_id", "sha256").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    sent = {sha for c in clients for sha in c.ids}
    stored = set(photos.values_list("sha256", flat=True))
    # Every step that ran, ran once: no (photo, step) has two "done" records.
    twice = (
        ProcessingRecord.objects.filter(outcome="done", photo_ref__in=photos.values("pk"))
        .values("photo_ref", "step")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    steps_per_photo = set(
        AnalysisStep.objects.filter(photo__in=photos)
        .values("photo_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    originals = 0
    owners = set(photos.values_list("owner_id", flat=True))
    for owner_dir in default_storage.listdir("")[0]:
        if owner_dir.startswith("u") and int(owner_dir[1:]) in owners:
            for shard in default_storage.listdir(f"{owner_dir}/originals")[0]:
                originals += len(default_storage.listdir(f"{owner_dir}/originals/{shard}")[1])
    return {
        "photos": photos.count(),
        "distinct_sent": len(sent),
        "missing": len(sent - stored),
        "duplicates": per_owner_dupes,
        "original_files": originals,
        "done": photos.filter(analysis_status="done").count(),
        "not_done": photos.exclude(analysis_status="done").count(),
        "steps_recorded_twice": twice,
        "steps_per_photo": sorted(steps_per_photo),
        "retry_statuses": sorted({s for c in clients for s in c.retry_statuses}),
    }


def baseline(roll) -> list[float]:
    """The same kind of upload from one client alone, with the workers idle."""
    client = Client(99, roll, name="alone")
    client.signup()
    latencies = []
    for item in roll:
        response, elapsed = client.upload(item)
        assert response.status_code == 201, response.text
        latencies.append(elapsed)
    return latencies


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    load = os.getloadavg()
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, PostgreSQL {pg}, "
        f"Redis broker, gunicorn 4 sync workers, 2 Celery worker processes (concurrency 1 "
        f"each); load average before the run {load[0]:.1f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=3600, help="analysis wait, seconds")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS-load.md")
    args = parser.parse_args()
    expected = args.clients * args.photos

    print(f"setting up {DB_NAME} and Redis db 14 …", flush=True)
    setup_database()
    django_setup()
    print("making the camera rolls …", flush=True)
    rolls = make_rolls(args.clients + 1, args.photos)
    base_roll, rolls = rolls[-1], rolls[:-1]
    about = machine()
    servers = Servers(workers=2)
    try:
        servers.start()
        print("baseline: one client alone …", flush=True)
        alone_roll = base_roll[:20]
        alone = baseline(alone_roll)
        wait_for_analysis(len(alone_roll), args.timeout)

        clients = [Client(n, roll) for n, roll in enumerate(rolls)]
        print(f"{args.clients} clients sign up …", flush=True)
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(lambda c: c.signup(), clients))
        print(f"{args.clients} clients sync {args.photos} photos each …", flush=True)
        barrier = threading.Barrier(args.clients)

        def go(client):
            barrier.wait()
            client.sync()

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(go, clients))
        sync_seconds = time.monotonic() - start
        print(f"uploads done in {sync_seconds:.0f} s; waiting for the analysis …", flush=True)
        # Measured from the end of the uploads.
        analysis_seconds, counts = wait_for_analysis(expected + len(alone_roll), args.timeout)
        result = verify(expected, clients)
    finally:
        servers.stop()

    uploads = [ms for c in clients for ms in c.upload_ms]
    checks = [ms for c in clients for ms in c.check_ms]
    ok = (
        result["photos"] == expected
        and result["missing"] == 0
        and result["duplicates"] == 0
        and result["original_files"] == expected
        and result["done"] == expected
        and result["steps_recorded_twice"] == 0
        and result["retry_statuses"] == [200]
    )
    summary = {
        "uploads": len(uploads),
        "p50": percentile(uploads, 50),
        "p95": percentile(uploads, 95),
        "p99": percentile(uploads, 99),
        "max": max(uploads),
        "mean": statistics.mean(uploads),
        "alone_p50": percentile(alone, 50),
        "alone_p95": percentile(alone, 95),
        "check_p50": percentile(checks, 50),
        "check_p95": percentile(checks, 95),
        "sync_seconds": sync_seconds,
        "analysis_seconds": analysis_seconds,
        "throughput": expected / sync_seconds,
    }
    print(summary, result, "OK" if ok else "FAILED", sep="\n", flush=True)
    if not args.no_write:
        write_results(args, about, summary, result, ok, counts)
    return 0 if ok else 1


def write_results(args, about, s, r, ok, counts):
    total = args.clients * args.photos
    rows = "\n".join(
        [
            f"| upload, {args.clients} clients at once ({s['uploads']} uploads) "
            f"| {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {s['max']:.0f} |",
            f"| upload, one client alone (20 uploads, same server) "
            f"| {s['alone_p50']:.0f} | {s['alone_p95']:.0f} | | |",
            f"| sync check of {args.photos} hashes, under load "
            f"| {s['check_p50']:.0f} | {s['check_p95']:.0f} | | |",
        ]
    )
    text = f"""# Load: {args.clients} companion apps syncing {args.photos} photos each

Rerun: `.venv/bin/python bench/load_sync.py` (needs PostgreSQL on 127.0.0.1:5432 and Redis
on 127.0.0.1:6379; it creates the database `{DB_NAME}` and uses Redis db 14; about 15
minutes). Written by that script on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.

Machine: {about}. Everything on loopback; the clients, the web server, the workers and
the databases share the same CPUs, and other work was running on the machine: read the
ratios and the correctness, not the absolute times.

What each client does, all {args.clients} at once: register, token, grant three scopes,
`POST /api/v1/sync/check/` with its {args.photos} hashes, upload each missing photo with
`POST /api/v1/photos/` (multipart, real JPEGs made from ../shared/photos, ≤1024 px, EXIF
dates in the last 30 days, every file distinct), send 5 of them again (a retry after a lost
response), check again. Two Celery worker processes analyse everything (thumbnails, faces
with the shared SCRFD + ArcFace pack, scenes with MobileNetV2 int8, quality, near-duplicates).

## Result: {"all correct" if ok else "FAILED"}

| check | value |
|---|---:|
| photos stored | {r["photos"]} of {total} |
| sent but not stored (lost) | {r["missing"]} |
| same bytes stored twice for one user | {r["duplicates"]} |
| original files in storage | {r["original_files"]} |
| analysed (status done) | {r["done"]} (not done: {r["not_done"]}) |
| analysis steps recorded as done twice | {r["steps_recorded_twice"]} |
| analysis steps per photo | {", ".join(map(str, r["steps_per_photo"]))} |
| status of the re-sent uploads | {", ".join(map(str, r["retry_statuses"]))} (the existing photo) |

## Latency and throughput

| | p50 ms | p95 ms | p99 ms | max ms |
|---|---:|---:|---:|---:|
{rows}

- All uploads took {s["sync_seconds"]:.0f} s: {s["throughput"]:.1f} photos stored per second.
- The analysis of the {total} photos finished {s["analysis_seconds"]:.0f} s after the last
  upload ({total / max(s["sync_seconds"] + s["analysis_seconds"], 1) * 60:.0f} photos analysed
  per minute overall, by 2 worker processes on {os.cpu_count()} CPUs).
- Under {args.clients}-fold concurrency the median upload is
  {s["p50"] / max(s["alone_p50"], 1):.1f}x the single-client median. {args.clients} clients
  share 4 gunicorn processes, so a request queues behind about
  {args.clients / 4 - 1:.0f} others, and the two analysis workers take the same two CPUs
  meanwhile. The upload request itself only validates, stores the file and commits the
  row; analysis runs in the workers. The naive design, analysing inside the request, would
  add the per-photo pipeline time (about 240 ms a photo in RESULTS-analysis.md, one
  process, no contention) to every upload and hold a web process for it.

Final analysis states: {counts}.
"""
    RESULTS.write_text(text)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    sys.exit(main())
