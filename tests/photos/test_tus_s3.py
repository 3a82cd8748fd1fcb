"""Resumable uploads on S3 (moto's standalone server, production S3 options): the partial
bytes are an S3 multipart upload plus a small tail object, never a file on the web host; a
cut-off upload resumes from the offset HEAD gives, across part boundaries; the finished
video is one private object of the library; termination and expiry abort the multipart
upload and leave no object behind."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from photos import uploads
from photos.models import Photo, Upload
from photos.upload_store import PART_SIZE
from privacy.models import Scope
from tests.factories import mp4_bytes
from tests.tus import TUS, metadata, padded_mp4

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

URL = "/api/v1/uploads/"
OCTET = "application/offset+octet-stream"


@pytest.fixture
def phone(alice, api_client_for, grant):
    grant(alice, Scope.CAMERA_ROLL_SYNC)
    return api_client_for(alice)


@pytest.fixture
def video(photos_dir, tmp_path, settings) -> bytes:
    # Two whole parts and a bit: the tail and the last part are exercised.
    size = 2 * PART_SIZE + 1_234_567
    settings.UPLOAD_MAX_BYTES = 100 * 1024 * 1024
    clip = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    return padded_mp4(clip, size, tmp_path / "big.mp4").read_bytes()


def create(client, length):
    response = client.generic(
        "POST",
        URL,
        **{**TUS, "HTTP_UPLOAD_LENGTH": str(length)},
        HTTP_UPLOAD_METADATA=metadata(filename="big.mp4", filetype="video/mp4"),
    )
    assert response.status_code == 201, response.content
    return response["Location"]


def patch(client, location, offset, body):
    return client.generic(
        "PATCH", location, body, content_type=OCTET, HTTP_UPLOAD_OFFSET=str(offset), **TUS
    )


def head_offset(client, location) -> int:
    return int(client.generic("HEAD", location, **TUS)["Upload-Offset"])


def cut_off(upload_pk, offset, data, stop_at):
    """A PATCH whose client went away at byte `stop_at` of the file: its body ends early."""
    upload = Upload.objects.get(pk=upload_pk)
    stream = io.BytesIO(data[offset:stop_at])
    return uploads.write(upload, offset=offset, read=stream.read, content_length=len(data) - offset)


def multipart_uploads(bucket) -> list[dict]:
    return bucket.s3.list_multipart_uploads(Bucket=bucket.name).get("Uploads", [])


def test_a_cut_off_upload_resumes_across_parts_and_ends_as_one_private_object(
    alice, phone, video, s3_bucket, private_media
):
    location = create(phone, len(video))
    upload_pk = int(location.rstrip("/").rsplit("/", 1)[1])
    # First cut inside the first part, the second past it (a whole part is in S3 then).
    cut_off(upload_pk, 0, video, 3_000_001)
    assert head_offset(phone, location) == 3_000_001
    cut_off(upload_pk, 3_000_001, video, PART_SIZE + 777)
    assert head_offset(phone, location) == PART_SIZE + 777

    upload = Upload.objects.get(pk=upload_pk)
    assert upload.backend == "s3" and len(upload.parts) == 1
    (multipart,) = multipart_uploads(s3_bucket)
    assert multipart["UploadId"] == upload.s3_upload_id
    parts = s3_bucket.s3.list_parts(
        Bucket=s3_bucket.name, Key=multipart["Key"], UploadId=upload.s3_upload_id
    )["Parts"]
    assert [p["Size"] for p in parts] == [PART_SIZE]
    # The bytes past the part are in one tail object, and nothing is on the web host's disk.
    tails = [k for k in s3_bucket.names() if ".tail-" in k]
    assert tails == [upload.tail_name]
    assert s3_bucket.read(upload.tail_name) == video[PART_SIZE : PART_SIZE + 777]
    assert not [p for p in private_media.rglob("*") if p.is_file()]

    # The rest in 5 MB pieces, as a client resuming from HEAD's offset would send them.
    offset = head_offset(phone, location)
    while offset < len(video):
        response = patch(phone, location, offset, video[offset : offset + 5_000_000])
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
    photo = Photo.objects.get(owner=alice)
    assert response["Upload-Photo-Id"] == str(photo.pk)
    assert photo.media_type == "video" and photo.file_size == len(video)
    assert s3_bucket.read(photo.original.name) == video
    grants = s3_bucket.grants(photo.original.name)
    assert all("AllUsers" not in str(g.get("Grantee", {}).get("URI", "")) for g in grants)
    # Nothing of the upload is left: no multipart upload, no tail, no assembled object.
    assert multipart_uploads(s3_bucket) == []
    assert not [k for k in s3_bucket.names() if "/uploads/" in k]


def test_termination_and_expiry_abort_the_multipart_upload(phone, video, s3_bucket, settings):
    first = create(phone, len(video))
    second = create(phone, len(video))
    for location in (first, second):
        assert patch(phone, location, 0, video[: PART_SIZE + 10]).status_code == 204
    assert len(multipart_uploads(s3_bucket)) == 2
    assert phone.generic("DELETE", first, **TUS).status_code == 204
    assert len(multipart_uploads(s3_bucket)) == 1
    with time_machine.travel(timezone.now() + timedelta(hours=settings.UPLOAD_EXPIRY_HOURS + 1)):
        assert uploads.expire()["removed"] == 1
    assert multipart_uploads(s3_bucket) == []
    assert not [k for k in s3_bucket.names() if "/uploads/" in k]
    assert not Upload.objects.exists()


def test_a_checksum_mismatch_on_s3_keeps_the_offset_and_its_parts(phone, video, s3_bucket):
    import base64
    import hashlib

    location = create(phone, len(video))
    assert patch(phone, location, 0, video[:100]).status_code == 204
    wrong = base64.b64encode(hashlib.sha1(b"no", usedforsecurity=False).digest()).decode()
    response = phone.generic(
        "PATCH",
        location,
        video[100 : PART_SIZE + 50],
        content_type=OCTET,
        HTTP_UPLOAD_OFFSET="100",
        HTTP_UPLOAD_CHECKSUM=f"sha1 {wrong}",
        **TUS,
    )
    assert response.status_code == 460
    upload = Upload.objects.get()
    assert upload.offset == 100 and upload.parts == []
    assert s3_bucket.read(upload.tail_name) == video[:100]
    assert [k for k in s3_bucket.names() if ".tail-" in k] == [upload.tail_name]


def test_a_finish_cut_off_after_s3_completed_the_upload_finishes_on_the_retry(
    alice, phone, video, s3_bucket, monkeypatch
):
    location = create(phone, len(video))
    upload = Upload.objects.get()
    real_ingest = uploads.ingest.ingest

    def dies(*args, **kwargs):
        raise SystemExit("the process went away after S3 completed the multipart upload")

    monkeypatch.setattr(uploads.ingest, "ingest", dies)
    with pytest.raises(SystemExit):
        uploads.write(upload, offset=0, read=io.BytesIO(video).read, content_length=len(video))
    monkeypatch.setattr(uploads.ingest, "ingest", real_ingest)
    upload.refresh_from_db()
    # S3 holds the whole object and no multipart upload; the row still names the old one.
    assert upload.s3_upload_id and multipart_uploads(s3_bucket) == []
    # The client that saw no answer asks again with nothing more to send.
    response = patch(phone, location, len(video), b"")
    assert response.status_code == 204, response.content
    photo = Photo.objects.get(owner=alice)
    assert response["Upload-Photo-Id"] == str(photo.pk)
    assert s3_bucket.read(photo.original.name) == video
    assert not [k for k in s3_bucket.names() if "/uploads/" in k]
