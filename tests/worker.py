"""Start and stop a real Celery worker process for integration tests."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from project.celery import app as celery_app


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class WorkerProcess:
    def __init__(
        self, *, media_root: Path, log_dir: Path, concurrency: int = 2, env: dict | None = None
    ):
        """`env`: more environment for the worker; with CELERY_BROKER_URL=filesystem:// in
        it, readiness is read from the log (that transport answers no ping)."""
        self.extra_env = env or {}
        self.media_root = media_root
        self.log_path = log_dir / "worker.log"
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None
        self.name = ""
        self._eager = celery_app.conf.task_always_eager

    def start(self, *, timeout: float = 60) -> None:
        # The test process must send to the broker, not run tasks in-process.
        celery_app.conf.task_always_eager = False
        connection.close()  # the worker must see committed rows, not a test transaction
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": str(self.media_root),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            **self.extra_env,
        }
        ready_line = f"{self.name} ready."
        start_at = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by the child's exit
        self.proc = subprocess.Popen(
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
                str(self.concurrency),
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited at start:\n{self.log()}")
            if self.extra_env.get("CELERY_BROKER_URL", "").startswith("filesystem"):
                if ready_line in self.log()[start_at:]:
                    return
                time.sleep(0.2)
            elif celery_app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise RuntimeError(f"worker did not become ready in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _pool(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its pool children), mid-job."""
        if self.proc and self.proc.poll() is None:
            children = self._pool()
            for pid in [self.proc.pid, *children]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self._wait_until_gone(children)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            children = self._pool()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self._wait_until_gone(children)
        celery_app.conf.task_always_eager = self._eager

    def _wait_until_gone(self, pids: list[int], timeout: float = 30) -> None:
        """The pool processes have exited, and the database sessions they kept open between
        tasks have ended (the test database is dropped at the end of the run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.05)
        if connection.vendor != "postgresql":
            return
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if cursor.fetchone()[0] == 0:
                    return
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by the init process) is gone for our purposes.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    return False
