"""Resumable uploads with real clients over real sockets: tuspy (the Python tus client)
against the live server, a connection cut at an arbitrary byte, and two PATCH requests of
one upload racing for real (threads, each with its own database connection)."""

import hashlib
import http.client
import io
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.db import connection
from tusclient import client as tus_client

from photos import uploads
from photos.models import Photo, Upload
from privacy.models import Scope
from tests.factories import mp4_bytes
from tests.tus import OCTET, padded_mp4

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def token(alice, api_token_for, grant):
    grant(alice, Scope.CAMERA_ROLL_SYNC)
    return api_token_for(alice)


@pytest.fixture
def video_file(photos_dir, tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 100 * 1024 * 1024
    clip = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    return padded_mp4(clip, 12 * 1024 * 1024 + 4321, tmp_path / "clip.mp4")


def test_tuspy_uploads_stops_and_resumes_from_the_servers_offset(
    alice,
    token,
    video_file,
    server,
):
    tus = tus_client.TusClient(
        f"{server}/api/v1/uploads/", headers={"Authorization": f"Token {token}"}
    )
    first = tus.uploader(
        str(video_file), chunk_size=3 * 1024 * 1024, metadata={"filename": "clip.mp4"}
    )
    first.upload(stop_at=5 * 1024 * 1024 + 17)  # a stop inside a chunk
    assert first.offset == 5 * 1024 * 1024 + 17
    assert Upload.objects.get().offset == first.offset
    assert not Photo.objects.exists()

    # A new client that knows only the URL: it asks the server (HEAD) where to go on.
    second = tus.uploader(str(video_file), url=first.url, chunk_size=4 * 1024 * 1024)
    assert second.offset == first.offset
    second.upload()
    photo = Photo.objects.get(owner=alice)
    assert photo.media_type == "video"
    assert photo.sha256 == hashlib.sha256(video_file.read_bytes()).hexdigest()
    head = _request(server, "HEAD", urlsplit(first.url).path, token)
    assert head.getheader("Upload-Photo-Id") == str(photo.pk)


def test_tuspy_sends_sha1_checksums_that_the_server_verifies(alice, token, server, photos_dir):
    data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    tus = tus_client.TusClient(
        f"{server}/api/v1/uploads/", headers={"Authorization": f"Token {token}"}
    )
    uploader = tus.uploader(file_stream=io.BytesIO(data), chunk_size=10_000, upload_checksum=True)
    uploader.upload()
    upload = Upload.objects.get()
    assert upload.last_checksum == "sha1 verified"
    assert Photo.objects.get(owner=alice).file_size == len(data)


def _request(base, method, path, token, headers=None, body=None):
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request(
        method,
        path,
        body=body,
        headers={"Tus-Resumable": "1.0.0", "Authorization": f"Token {token}", **(headers or {})},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.parametrize("cut", [1, 65_537, 300_001])
def test_a_connection_cut_at_any_byte_keeps_the_bytes_that_arrived(
    alice,
    token,
    server,
    video_file,
    cut,
):
    data = video_file.read_bytes()
    created = _request(server, "POST", "/api/v1/uploads/", token, {"Upload-Length": str(len(data))})
    path = urlsplit(created.getheader("Location")).path
    # The PATCH announces the whole file, sends `cut` bytes, and the connection drops.
    parts = urlsplit(server)
    sock = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    sock.putrequest("PATCH", path)
    for name, value in {
        "Tus-Resumable": "1.0.0",
        "Authorization": f"Token {token}",
        "Content-Type": OCTET,
        "Upload-Offset": "0",
        "Content-Length": str(len(data)),
    }.items():
        sock.putheader(name, value)
    sock.endheaders()
    sock.send(data[:cut])
    sock.sock.shutdown(2)
    sock.close()
    deadline = time.monotonic() + 30
    while True:
        offset = int(_request(server, "HEAD", path, token).getheader("Upload-Offset"))
        if offset == cut or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert offset == cut
    rest = _request(
        server,
        "PATCH",
        path,
        token,
        {"Content-Type": OCTET, "Upload-Offset": str(cut)},
        body=data[cut:],
    )
    assert rest.status == 204
    photo = Photo.objects.get(owner=alice, pk=rest.getheader("Upload-Photo-Id"))
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


class SlowBody:
    """A request body that arrives slowly, so that two writers overlap for real."""

    def __init__(self, data: bytes, delay: float):
        self.stream = io.BytesIO(data)
        self.delay = delay

    def read(self, n):
        time.sleep(self.delay)
        return self.stream.read(n)


# Threads cannot share the in-memory SQLite test database: a race test runs on PostgreSQL
# or on the SQLite file make test gives race tests.
@pytest.mark.race
def test_two_concurrent_patches_of_one_upload_cannot_both_write(alice, token):
    length = 4 * uploads.READ_CHUNK
    upload = uploads.create(alice, source="sync", length=length * 2)
    bodies = {"a": b"a" * length, "b": b"b" * length}
    results, start = {}, threading.Barrier(2)

    def patch(name):
        try:
            start.wait()
            row = Upload.objects.get(pk=upload.pk)
            uploads.write(
                row, offset=0, read=SlowBody(bodies[name], 0.1).read, content_length=length
            )
            results[name] = 204
        except uploads.UploadError as exc:
            results[name] = exc.status
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(n,)) for n in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == [204, 423], results
    winner = next(n for n, status in results.items() if status == 204)
    upload.refresh_from_db()
    assert upload.offset == length and upload.writer == ""
    from django.core.files.storage import default_storage

    with default_storage.open(upload.storage_name, "rb") as f:
        assert f.read() == bodies[winner]


def test_a_claim_left_by_a_killed_process_is_free_at_once_and_a_live_one_after_its_lease(
    alice, token
):
    import subprocess
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    upload = uploads.create(alice, source="sync", length=10)
    # A process of this host that is gone: its claim is no one's.
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = uploads.socket.gethostname()
    Upload.objects.filter(pk=upload.pk).update(
        writer=f"{host}:{dead.pid}:x", writer_seen_at=timezone.now()
    )
    upload.refresh_from_db()
    done = uploads.write(upload, offset=0, read=io.BytesIO(b"12345").read, content_length=5)
    assert done.offset == 5
    # A writer on another host, alive as far as we can tell: 423 until its lease runs out.
    Upload.objects.filter(pk=upload.pk).update(
        writer="elsewhere:1:y", writer_seen_at=timezone.now()
    )
    upload.refresh_from_db()
    with pytest.raises(uploads.UploadError) as refused:
        uploads.write(upload, offset=5, read=io.BytesIO(b"67890").read, content_length=5)
    assert refused.value.status == 423
    with time_machine.travel(timezone.now() + uploads.LEASE + timedelta(seconds=1)):
        upload.refresh_from_db()
        with pytest.raises(uploads.UploadError) as not_a_photo:
            uploads.write(upload, offset=5, read=io.BytesIO(b"67890").read, content_length=5)
    # It got the claim and wrote: the ten bytes are no photo, which the ingest then says.
    assert not_a_photo.value.status == 415
    upload.refresh_from_db()
    assert upload.offset == 10 and upload.finished
