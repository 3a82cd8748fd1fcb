"""Helpers of the resumable-upload tests (tests/photos/test_tus*.py) and bench/tus_upload.py:
big real videos made cheaply, a raw tus client on Django's test client, and the app served
by gunicorn in its own process, to be killed with SIGKILL and started again."""

import base64
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OCTET = "application/offset+octet-stream"


def metadata(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in values.items())


def padded_mp4(video: bytes, size: int, path: Path) -> Path:
    """A real, playable MP4 of exactly `size` bytes: `video` followed by one `free` box
    (ISO BMFF's padding box, which every reader skips) of zeros, written in chunks."""
    pad = size - len(video)
    assert 8 <= pad < 2**32, "the free box's size must fit its 32-bit field"
    with open(path, "wb") as out:
        out.write(video)
        out.write(struct.pack(">I", pad) + b"free")
        left = pad - 8
        zeros = bytes(4 * 1024 * 1024)
        while left:
            n = min(left, len(zeros))
            out.write(zeros[:n])
            left -= n
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    """The WSGI app under gunicorn (sync workers), as production serves it."""

    def __init__(self, *, env: dict, log_dir: Path, port: int | None = None, workers: int = 2):
        self.env = env
        self.port = port or free_port()
        self.workers = workers
        self.log_path = log_dir / "gunicorn.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by the child's exit
        self.proc = subprocess.Popen(
            [
                str(gunicorn),
                "project.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "300",
                "--graceful-timeout",
                "1",
            ],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # SIGKILL to the group takes the workers too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log()[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/healthz/", timeout=2).close()  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in {timeout}s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, master and workers at once: no request finishes, no cleanup runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        )
        return [int(p) for p in out.stdout.split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# A tuspy client in its own process, to be killed with SIGKILL: prints the upload's URL,
# then uploads (from the server's offset, when given a URL to resume).
CLIENT = """
import sys
from tusclient import client
endpoint, token, path, chunk, url = sys.argv[1:6]
tus = client.TusClient(endpoint, headers={"Authorization": "Token " + token})
uploader = tus.uploader(path, url=url or None, chunk_size=int(chunk),
                        metadata={"filename": "long-video.mp4", "filetype": "video/mp4"})
if not url:
    uploader.set_url(uploader.create_url())
    uploader.offset = 0
print(uploader.url, flush=True)
uploader.upload()
print("done", flush=True)
"""


def start_client(endpoint: str, token: str, path: Path, *, chunk: int, url: str = ""):
    return subprocess.Popen(
        [sys.executable, "-c", CLIENT, endpoint, token, str(path), str(chunk), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def sha256_of(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(4 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
