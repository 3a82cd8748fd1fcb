"""Byte ranges in project.files.private_file_response: a video seeks (and Safari plays at
all) only when a `Range` request gets a 206 with exactly the bytes asked for."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from photos import ingest
from project.files import etag_for, private_file_response
from tests.factories import mp4_bytes

pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 40  # 10,240 distinct-enough bytes


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def stored(private_media):
    return default_storage.save("u1/clip.mp4", ContentFile(DATA))


def _get(name, **headers):
    request = RequestFactory().get("/", **{f"HTTP_{k.upper()}": v for k, v in headers.items()})
    return private_file_response(request, name, "video/mp4")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(DATA) - 1),
        ("bytes=-10", len(DATA) - 10, len(DATA) - 1),
        ("bytes=10000-99999", 10000, len(DATA) - 1),  # past the end: up to the end
    ],
)
def test_it_answers_one_range_with_206_and_those_bytes(stored, header, start, end):
    response = _get(stored, range=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert _body(response) == DATA[start : end + 1]
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == etag_for(stored)
    assert response["Cache-Control"].startswith("private")


def test_it_answers_an_unsatisfiable_range_with_416(stored):
    response = _get(stored, range=f"bytes={len(DATA)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-9", "lines=1-2", "bytes=x-y", "bytes=9-2", "bytes=-"]
)
def test_it_sends_the_whole_file_for_a_range_it_does_not_serve(stored, header):
    response = _get(stored, range=header)
    assert response.status_code == 200
    assert _body(response) == DATA


def test_it_sends_the_whole_file_when_if_range_names_an_older_version(stored):
    stale = _get(stored, range="bytes=0-9", if_range='"older"')
    assert stale.status_code == 200 and _body(stale) == DATA
    fresh = _get(stored, range="bytes=0-9", if_range=etag_for(stored))
    assert fresh.status_code == 206 and _body(fresh) == DATA[:10]


def test_nginx_gets_the_range_header_itself(stored, settings):
    settings.MEDIA_SENDFILE = "nginx"
    response = _get(stored, range="bytes=0-9")
    assert response.status_code == 200
    assert response.has_header("X-Accel-Redirect")


def test_a_video_seeks_for_its_owner_and_is_a_404_for_others(alice, bob, photos_dir):
    data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    photo = ingest.ingest(alice, SimpleUploadedFile("clip.mp4", data)).photo
    url = f"/library/photo/{photo.pk}/file/original/"
    owner, other = Client(), Client()
    owner.force_login(alice)
    other.force_login(bob)
    response = owner.get(url, HTTP_RANGE="bytes=4-1003")
    assert response.status_code == 206
    assert _body(response) == data[4:1004]
    assert response["Content-Range"] == f"bytes 4-1003/{len(data)}"
    assert other.get(url, HTTP_RANGE="bytes=0-9").status_code == 404
