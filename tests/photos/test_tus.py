"""Resumable uploads, tus 1.0.0 (photos/tus.py, photos/uploads.py), through the API as a
client speaks it: discovery, creation (with and without a body), PATCH at an offset, HEAD,
checksums, termination, expiry, and every refusal as the protocol's 4xx."""

import base64
import hashlib
import io
import os
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from photos import uploads
from photos.models import Photo, Source, Upload
from privacy import consent, services
from privacy.models import Scope
from tests.factories import jpeg_with_exif, mp4_bytes
from tests.tus import OCTET, TUS, metadata

pytestmark = pytest.mark.django_db

URL = "/api/v1/uploads/"


@pytest.fixture
def phone(alice, api_client_for, grant):
    grant(alice, Scope.CAMERA_ROLL_SYNC)
    return api_client_for(alice)


@pytest.fixture
def jpeg(photos_dir):
    taken = (timezone.now() - timedelta(days=2)).replace(tzinfo=None)
    return jpeg_with_exif(photos_dir / "scenes/ibm_dog.jpg", taken_at=taken)


def create(client, length, *, meta=None, body=b"", **headers):
    extra = {**TUS, "HTTP_UPLOAD_LENGTH": str(length), **headers}
    if meta is not None:
        extra["HTTP_UPLOAD_METADATA"] = meta
    if body:
        return client.generic("POST", URL, body, content_type=OCTET, **extra)
    return client.generic("POST", URL, **extra)


def patch(client, location, offset, body, **headers):
    headers = {**TUS, "HTTP_UPLOAD_OFFSET": str(offset), **headers}
    return client.generic("PATCH", location, body, content_type=OCTET, **headers)


def head(client, location, **headers):
    return client.generic("HEAD", location, **{**TUS, **headers})


def upload_whole(client, data, *, chunk, name="photo.jpg"):
    created = create(client, len(data), meta=metadata(filename=name))
    assert created.status_code == 201, created.content
    location = created["Location"]
    offset = 0
    while offset < len(data):
        response = patch(client, location, offset, data[offset : offset + chunk])
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
    return location, response


def test_it_announces_the_protocol_and_its_extensions_to_anyone(client):
    response = client.options(URL)
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    }
    assert response["Tus-Max-Size"] == str(200 * 1024 * 1024)
    assert response["Tus-Checksum-Algorithm"] == "sha1,sha256"


def test_it_uploads_in_pieces_and_ends_as_one_photo_named_in_the_last_response(alice, phone, jpeg):
    location, last = upload_whole(phone, jpeg, chunk=7000)
    photo = Photo.objects.get(owner=alice)
    assert last["Upload-Photo-Id"] == str(photo.pk)
    assert last["Upload-Photo-Created"] == "true"
    assert last["Tus-Resumable"] == "1.0.0"
    assert photo.sha256 == hashlib.sha256(jpeg).hexdigest()
    assert photo.original.read() == jpeg
    assert photo.source == Source.SYNC
    assert photo.original_name == "photo.jpg"
    # HEAD after the end tells the same, and the partial bytes are gone.
    after = head(phone, location)
    assert after.status_code == 200
    assert after["Upload-Offset"] == after["Upload-Length"] == str(len(jpeg))
    assert after["Upload-Photo-Id"] == str(photo.pk)
    upload = Upload.objects.get()
    assert upload.finished and upload.photo == photo
    assert not (alice.uploads.get().storage_name and _partial_exists(upload))


def _partial_exists(upload) -> bool:
    from django.core.files.storage import default_storage

    return default_storage.exists(upload.storage_name)


def test_head_reports_the_offset_to_resume_from_and_the_metadata(phone, jpeg):
    meta = metadata(filename="a.jpg", filetype="image/jpeg")
    location = create(phone, len(jpeg), meta=meta)["Location"]
    assert patch(phone, location, 0, jpeg[:1234]).status_code == 204
    response = head(phone, location)
    assert response.status_code == 200
    assert response["Upload-Offset"] == "1234"
    assert response["Upload-Length"] == str(len(jpeg))
    assert response["Upload-Metadata"] == meta
    assert response["Cache-Control"] == "no-store"
    assert "Upload-Expires" in response
    assert "Upload-Photo-Id" not in response


def test_creation_with_upload_keeps_the_body_of_the_post(alice, phone, jpeg):
    response = create(phone, len(jpeg), meta=metadata(filename="x.jpg"), body=jpeg[:5000])
    assert response.status_code == 201
    assert response["Upload-Offset"] == "5000"
    finish = patch(phone, response["Location"], 5000, jpeg[5000:])
    assert finish.status_code == 204
    assert finish["Upload-Photo-Id"] == str(Photo.objects.get(owner=alice).pk)


def test_the_whole_file_in_the_post_is_a_photo_at_once(alice, phone, jpeg):
    response = create(phone, len(jpeg), body=jpeg)
    assert response.status_code == 201
    assert response["Upload-Photo-Id"] == str(Photo.objects.get(owner=alice).pk)


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_a_checksum_that_matches_is_accepted(alice, phone, jpeg, algorithm):
    location = create(phone, len(jpeg))["Location"]
    digest = base64.b64encode(hashlib.new(algorithm, jpeg[:999]).digest()).decode()
    response = patch(phone, location, 0, jpeg[:999], HTTP_UPLOAD_CHECKSUM=f"{algorithm} {digest}")
    assert response.status_code == 204
    assert response["Upload-Offset"] == "999"


def test_a_checksum_that_does_not_match_is_460_and_keeps_nothing(alice, phone, jpeg):
    location = create(phone, len(jpeg))["Location"]
    assert patch(phone, location, 0, jpeg[:100]).status_code == 204
    wrong = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    response = patch(phone, location, 100, jpeg[100:2000], HTTP_UPLOAD_CHECKSUM=f"sha256 {wrong}")
    assert response.status_code == 460
    assert response.json()["code"] == "checksum_mismatch"
    assert head(phone, location)["Upload-Offset"] == "100"
    # The same bytes again, right this time, go on from 100.
    good = base64.b64encode(hashlib.sha256(jpeg[100:2000]).digest()).decode()
    ok = patch(phone, location, 100, jpeg[100:2000], HTTP_UPLOAD_CHECKSUM=f"sha256 {good}")
    assert ok.status_code == 204 and ok["Upload-Offset"] == "2000"
    rest = patch(phone, location, 2000, jpeg[2000:])
    assert rest.status_code == 204
    assert Photo.objects.get(owner=alice).original.read() == jpeg


@pytest.mark.parametrize(
    ("header", "code"),
    [("md5 AAAA", "unsupported_checksum"), ("sha1 not-base64!", "invalid_checksum")],
)
def test_a_bad_checksum_header_is_400(phone, jpeg, header, code):
    location = create(phone, len(jpeg))["Location"]
    response = patch(phone, location, 0, jpeg[:10], HTTP_UPLOAD_CHECKSUM=header)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert head(phone, location)["Upload-Offset"] == "0"


def test_a_wrong_offset_is_409_with_the_real_one(phone, jpeg):
    location = create(phone, len(jpeg))["Location"]
    assert patch(phone, location, 0, jpeg[:10]).status_code == 204
    response = patch(phone, location, 5, jpeg[5:20])
    assert response.status_code == 409
    assert response["Upload-Offset"] == "10"
    assert response.json()["code"] == "offset_mismatch"
    assert head(phone, location)["Upload-Offset"] == "10"


def test_a_wrong_protocol_version_is_412(phone, jpeg):
    response = create(phone, len(jpeg), HTTP_TUS_RESUMABLE="0.2.2")
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    location = create(phone, len(jpeg))["Location"]
    assert patch(phone, location, 0, b"x", HTTP_TUS_RESUMABLE="2.0.0").status_code == 412
    missing = phone.generic("PATCH", location, b"x", content_type=OCTET, HTTP_UPLOAD_OFFSET="0")
    assert missing.status_code == 412
    assert head(phone, location)["Upload-Offset"] == "0"


def test_a_body_of_another_type_is_415(phone, jpeg):
    location = create(phone, len(jpeg))["Location"]
    response = phone.generic(
        "PATCH", location, jpeg[:10], content_type="image/jpeg", HTTP_UPLOAD_OFFSET="0", **TUS
    )
    assert response.status_code == 415
    posted = phone.generic(
        "POST", URL, jpeg, content_type="image/jpeg", HTTP_UPLOAD_LENGTH=str(len(jpeg)), **TUS
    )
    assert posted.status_code == 415
    assert Upload.objects.count() == 1


def test_more_than_the_maximum_size_is_413(phone, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    response = create(phone, 10_001)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Upload.objects.count() == 0


def test_a_body_past_the_upload_length_is_413_and_writes_nothing(phone, jpeg):
    location = create(phone, 100)["Location"]
    response = patch(phone, location, 0, jpeg[:101])
    assert response.status_code == 413
    assert head(phone, location)["Upload-Offset"] == "0"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"HTTP_UPLOAD_LENGTH": "-5"}, "invalid_header"),
        ({"HTTP_UPLOAD_LENGTH": "0"}, "empty"),
        ({"HTTP_UPLOAD_METADATA": "filename ***"}, "invalid_metadata"),
        ({"HTTP_UPLOAD_METADATA": metadata(filename="../x")}, "bad_filename"),
        ({"HTTP_UPLOAD_METADATA": metadata(taken_at="soon")}, "invalid_taken_at"),
    ],
)  # fmt: skip
def test_bad_creation_headers_are_400(phone, headers, code):
    response = phone.generic("POST", URL, **{**TUS, "HTTP_UPLOAD_LENGTH": "100", **headers})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert Upload.objects.count() == 0


def test_without_an_upload_length_it_is_400(phone):
    response = phone.generic("POST", URL, **TUS)
    assert response.status_code == 400


def test_a_file_that_is_not_a_photo_is_refused_at_the_end_and_its_bytes_removed(phone):
    data = b"not a photo at all " * 100
    location, _ = None, None
    created = create(phone, len(data), meta=metadata(filename="notes.jpg"))
    location = created["Location"]
    upload = Upload.objects.get()
    response = patch(phone, location, 0, data)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_type"
    assert not _partial_exists(upload)
    assert Photo.objects.count() == 0
    later = head(phone, location)
    assert later.status_code == 415
    assert later["Upload-Error-Code"] == "unsupported_type"


def test_a_declared_type_that_is_no_photo_is_refused_at_creation(phone):
    response = create(phone, 100, meta=metadata(filename="a.pdf", filetype="application/pdf"))
    assert response.status_code == 415


def test_bytes_already_in_the_library_end_as_that_photo(alice, phone, jpeg):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from photos.ingest import ingest

    existing = ingest(alice, SimpleUploadedFile("first.jpg", jpeg)).photo
    _, last = upload_whole(phone, jpeg, chunk=50_000)
    assert last["Upload-Photo-Id"] == str(existing.pk)
    assert last["Upload-Photo-Created"] == "false"
    assert Photo.objects.filter(owner=alice).count() == 1
    assert not _partial_exists(Upload.objects.get())


def test_a_phone_needs_sync_consent_to_start(alice, api_client_for, jpeg):
    response = create(api_client_for(alice), len(jpeg))
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"


def test_consent_withdrawn_during_the_upload_refuses_it_at_the_end(alice, phone, jpeg):
    location = create(phone, len(jpeg))["Location"]
    assert patch(phone, location, 0, jpeg[:100]).status_code == 204
    consent.revoke(alice, Scope.CAMERA_ROLL_SYNC)
    response = patch(phone, location, 100, jpeg[100:])
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert Photo.objects.count() == 0
    assert not _partial_exists(Upload.objects.get())


def test_the_sync_window_is_checked_at_creation_and_at_the_end(alice, phone, photos_dir):
    old = timezone.now() - timedelta(days=400)
    response = create(phone, 100, meta=metadata(taken_at=old.isoformat()))
    assert response.status_code == 403
    assert response.json()["code"] == "outside_window"
    # Said nothing at creation, but the EXIF date is old: refused at the end.
    data = jpeg_with_exif(photos_dir / "scenes/ibm_dog.jpg", taken_at=old.replace(tzinfo=None))
    location = create(phone, len(data))["Location"]
    refused = patch(phone, location, 0, data)
    assert refused.status_code == 403
    assert refused.json()["code"] == "outside_window"
    assert Photo.objects.count() == 0


def test_the_browser_uploads_with_its_session_and_csrf_token(alice, jpeg):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    refused = browser.generic("POST", URL, **{**TUS, "HTTP_UPLOAD_LENGTH": str(len(jpeg))})
    assert refused.status_code == 403  # no CSRF token
    browser.get("/library/upload/")
    token = browser.cookies["csrftoken"].value
    created = browser.generic(
        "POST", URL, **{**TUS, "HTTP_UPLOAD_LENGTH": str(len(jpeg)), "HTTP_X_CSRFTOKEN": token}
    )
    assert created.status_code == 201
    done = patch(browser, created["Location"], 0, jpeg, HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 204
    photo = Photo.objects.get(owner=alice)
    assert photo.source == Source.WEB  # a browser upload needs no sync consent


def test_nobody_else_can_see_write_or_delete_an_upload(alice, bob, phone, api_client_for, jpeg):
    location = create(phone, len(jpeg))["Location"]
    assert patch(phone, location, 0, jpeg[:10]).status_code == 204
    bobs = api_client_for(bob)
    assert head(bobs, location).status_code == 404
    assert patch(bobs, location, 10, jpeg[10:]).status_code == 404
    deleted = bobs.generic("DELETE", location, **TUS)
    assert deleted.status_code == 404
    assert deleted.json()["code"] == "not_found"
    for bad in ("abc", "-1", "99999999999999999999"):
        assert head(phone, f"{URL}{bad}/").status_code == 404
    assert head(phone, location)["Upload-Offset"] == "10"
    anonymous = patch(phone.__class__(), location, 10, jpeg[10:])
    assert anonymous.status_code == 401
    assert anonymous["Tus-Resumable"] == "1.0.0"


def test_termination_removes_the_upload_and_its_bytes(phone, jpeg):
    location = create(phone, len(jpeg))["Location"]
    patch(phone, location, 0, jpeg[:10])
    upload = Upload.objects.get()
    assert _partial_exists(upload)
    response = phone.generic("DELETE", location, **TUS)
    assert response.status_code == 204
    assert not Upload.objects.exists()
    assert not _partial_exists(upload)
    assert head(phone, location).status_code == 404


def test_unfinished_uploads_expire_with_their_bytes_and_finished_ones_stay_as_photos(
    alice, phone, jpeg, settings
):
    settings.UPLOAD_EXPIRY_HOURS = 6
    stalled = create(phone, len(jpeg))["Location"]
    patch(phone, stalled, 0, jpeg[:10])
    upload = Upload.objects.get()
    upload_whole(phone, jpeg, chunk=len(jpeg))
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert uploads.expire() == {"removed": 0, "skipped": 0}
    with time_machine.travel(timezone.now() + timedelta(hours=6, minutes=1)):
        from photos.tasks import expire_uploads

        assert expire_uploads() == {"removed": 2, "skipped": 0}
    assert not Upload.objects.exists()
    assert not _partial_exists(upload)
    assert Photo.objects.filter(owner=alice).count() == 1
    assert head(phone, stalled).status_code == 404


def test_new_bytes_push_the_expiry_back(phone, jpeg, settings):
    settings.UPLOAD_EXPIRY_HOURS = 6
    location = create(phone, len(jpeg))["Location"]
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        patch(phone, location, 0, jpeg[:10])
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        assert uploads.expire()["removed"] == 0
        assert head(phone, location)["Upload-Offset"] == "10"


def test_the_beat_schedules_the_expiry():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "photos.tasks.expire_uploads" in tasks


def test_the_privacy_page_counts_unfinished_uploads_and_account_deletion_removes_them(
    alice, phone, jpeg, django_capture_on_commit_callbacks
):
    location = create(phone, len(jpeg))["Location"]
    patch(phone, location, 0, jpeg[:10])
    upload_whole(phone, jpeg, chunk=len(jpeg))
    upload = Upload.objects.get(completed_at__isnull=True)
    assert services.account_counts(alice)["unfinished_uploads"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_account(alice)
    assert not Upload.objects.exists()
    assert not _partial_exists(upload)


def test_a_video_upload_goes_through_the_video_ingest(alice, phone, photos_dir):
    data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    _, last = upload_whole(phone, data, chunk=len(data) // 3 + 1, name="clip.mp4")
    photo = Photo.objects.get(pk=last["Upload-Photo-Id"])
    assert photo.media_type == "video"
    assert photo.duration and photo.poster


def test_a_large_body_goes_to_storage_in_pieces_with_bounded_memory(alice, phone):
    import tracemalloc

    size = 48 * 1024 * 1024
    upload = uploads.create(alice, source=Source.SYNC, length=size + 1)

    class Body(io.RawIOBase):
        """48 MB that exist only as they are read."""

        def __init__(self):
            self.left = size

        def read(self, n):
            n = min(n, self.left)
            self.left -= n
            return b"\0" * n

    tracemalloc.start()
    try:
        upload = uploads.write(upload, offset=0, read=Body().read, content_length=size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert upload.offset == size
    # A few 256 KB reads at a time, never the body: a whole-body read would be 48 MB.
    assert peak < 4 * 1024 * 1024, peak
    assert os.path.getsize(default_storage.path(upload.storage_name)) == size


def test_an_empty_patch_at_the_end_finishes_an_upload_whose_finish_was_cut_off(
    alice, phone, jpeg, monkeypatch
):
    location = create(phone, len(jpeg))["Location"]
    upload = Upload.objects.get()
    real_finish = uploads._finish

    def dies(*args, **kwargs):
        raise SystemExit("the process went away during the finish")

    monkeypatch.setattr(uploads, "_finish", dies)
    with pytest.raises(SystemExit):
        uploads.write(upload, offset=0, read=io.BytesIO(jpeg).read, content_length=len(jpeg))
    monkeypatch.setattr(uploads, "_finish", real_finish)
    upload.refresh_from_db()
    assert upload.offset == len(jpeg) and not upload.finished and upload.writer == ""
    assert not Photo.objects.exists()
    # A client that saw no answer asks again with nothing more to send.
    response = patch(phone, location, len(jpeg), b"")
    assert response.status_code == 204
    assert response["Upload-Photo-Id"] == str(Photo.objects.get(owner=alice).pk)


def test_a_claim_of_a_killed_process_is_free_even_before_it_is_reaped():
    # A web worker killed with its master is a zombie until someone reaps it: it answers
    # the signal check but will never write again (the restarted server got 423 for 30 s).
    import signal
    import socket
    import subprocess
    import time

    child = subprocess.Popen(["sleep", "30"])
    claim = f"{socket.gethostname()}:{child.pid}:abc123"
    try:
        assert not uploads._writer_is_gone(claim)
        child.send_signal(signal.SIGKILL)
        for _ in range(50):  # until the kernel has made it a zombie
            if uploads._writer_is_gone(claim):
                break
            time.sleep(0.05)
        assert uploads._writer_is_gone(claim)
    finally:
        child.kill()
        child.wait()
    assert uploads._writer_is_gone(claim)
