"""A real S3-compatible server for the storage tests: moto's standalone server, run as its
own process on a free local port, spoken to over HTTP by boto3 as production would be."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

# moto accepts any credentials; these only have to be the same on both sides.
ACCESS_KEY = "camroll-test-access"
SECRET_KEY = "camroll-test-secret"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    def __init__(self, *, log_dir: Path):
        self.log_path = log_dir / "moto.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 60) -> None:
        self.port = _free_port()
        moto_server = Path(sys.executable).with_name("moto_server")
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by the child's exit
        self.proc = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited at start:\n{self.log()}")
            try:
                urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1).close()  # noqa: S310
                return
            except urllib.error.HTTPError:
                return  # it answered
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"moto_server did not answer in {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def production_storage(self) -> dict:
        """STORAGES["default"] exactly as project/settings.py builds it for STORAGE_BACKEND=s3
        (read in a fresh process, so the tests exercise the production options)."""
        env = {
            **os.environ,
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "placeholder",
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }
        code = (
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.STORAGES['default']))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])


class Bucket:
    """One test's bucket: its keys, and what an anonymous client gets for an object."""

    def __init__(self, server: MotoServer, name: str):
        self.server = server
        self.name = name
        self.s3 = server.client()

    def names(self) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def grants(self, key: str) -> list[dict]:
        return self.s3.get_object_acl(Bucket=self.name, Key=key)["Grants"]

    def anonymous_get(self, key: str) -> int:
        """The HTTP status of an unsigned GET on the object's URL, as a stranger would try."""
        url = f"{self.server.endpoint_url}/{self.name}/{key}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def destroy(self) -> None:
        for key in self.names():
            self.s3.delete_object(Bucket=self.name, Key=key)
        with contextlib.suppress(Exception):
            self.s3.delete_bucket(Bucket=self.name)
