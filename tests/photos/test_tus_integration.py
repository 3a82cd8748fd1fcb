"""A 300 MB video through tus, the way a phone on a bad connection sends it: tuspy in its
own process against gunicorn in its own, the client killed with SIGKILL part-way, a new
client resuming from the server's offset, then the whole server killed with SIGKILL
mid-PATCH, started again, and the upload finished by a third client. It ends as one video,
byte for byte, and nothing of the upload is left.

Needs a database another process can see: PostgreSQL (make test-postgres) or a SQLite file
(SQLITE_TEST_NAME)."""

import os
import signal
import time

import pytest
from django.db import connection

from photos.models import MediaType, Photo, Upload
from privacy.models import Scope
from tests.factories import mp4_bytes
from tests.tus import GunicornServer, padded_mp4, sha256_of, start_client
from tests.worker import _database_url

SIZE = 300 * 1024 * 1024
CHUNK = 16 * 1024 * 1024

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def wait_for_offset(at_least: int, server, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload = Upload.objects.first()
        if upload is not None and upload.offset >= at_least:
            return upload.offset
        time.sleep(0.05)
    pytest.fail(f"the upload did not reach {at_least} bytes:\n{server.log()[-3000:]}")


def kill(proc) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture
def big_video(photos_dir, tmp_path):
    clip = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=2.0)
    return padded_mp4(clip, SIZE, tmp_path / "long-video.mp4")


@pytest.fixture
def web(settings, private_media, tmp_path):
    if connection.vendor == "sqlite" and not settings.DATABASES["default"]["TEST"].get("NAME"):
        pytest.skip("the web server cannot see an in-memory SQLite test database")
    var_dir = tmp_path / "var"
    for folder in ("queue", "control", "processed"):
        (var_dir / "broker" / folder).mkdir(parents=True)
    env = {
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(private_media),
        "UPLOAD_MAX_BYTES": str(SIZE + 1024 * 1024),
        # Analysis is queued on a broker of its own nobody reads: this test is the upload.
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "VAR_DIR": str(var_dir),
    }
    connection.close()  # the server must see committed rows
    server = GunicornServer(env=env, log_dir=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_300_mb_video_killed_twice_on_the_way_ends_as_one_video(
    alice, api_token_for, grant, big_video, web, private_media
):
    grant(alice, Scope.CAMERA_ROLL_SYNC)
    token = api_token_for(alice)
    endpoint = f"{web.url}/api/v1/uploads/"

    # 1. The client dies (SIGKILL) in the middle of a PATCH.
    first = start_client(endpoint, token, big_video, chunk=CHUNK)
    url = first.stdout.readline().strip()
    assert url.startswith(endpoint), first.stderr.read()
    wait_for_offset(60 * 1024 * 1024 + 1, web)
    kill(first)
    time.sleep(1)  # the server reads to the cut and keeps what came
    after_client = Upload.objects.get().offset
    assert 60 * 1024 * 1024 < after_client < SIZE
    assert Upload.objects.get().writer == ""

    # 2. A new client resumes from the server's offset; the server dies (SIGKILL) mid-PATCH.
    second = start_client(endpoint, token, big_video, chunk=CHUNK, url=url)
    assert second.stdout.readline().strip() == url
    wait_for_offset(after_client + 100 * 1024 * 1024, web)
    web.kill()
    second.wait(timeout=60)
    assert second.returncode != 0  # its connection was cut under it
    after_server = Upload.objects.get()
    assert after_client + 100 * 1024 * 1024 <= after_server.offset < SIZE
    # The dead worker's claim is on the row if the kill came mid-PATCH (between two
    # PATCHes there is none): either way the restarted server must take the upload on.
    assert Photo.objects.count() == 0

    # 3. The server starts again on the same port; a third client finishes the upload.
    web.start()
    third = start_client(endpoint, token, big_video, chunk=CHUNK, url=url)
    out, err = third.communicate(timeout=600)
    assert third.returncode == 0, f"{err}\n{web.log()[-3000:]}"
    assert out.splitlines() == [url, "done"]

    photo = Photo.objects.get(owner=alice)
    assert photo.media_type == MediaType.VIDEO
    assert photo.file_size == SIZE
    assert photo.sha256 == sha256_of(big_video)
    assert photo.duration and photo.duration > 1.5
    upload = Upload.objects.get()
    assert upload.finished and upload.photo_id == photo.pk and upload.writer == ""
    # The partial file became the original (moved, not copied): no upload bytes are left.
    assert not list((private_media / f"u{alice.pk}" / "uploads").glob("*.part"))
    assert (private_media / photo.original.name).stat().st_size == SIZE
