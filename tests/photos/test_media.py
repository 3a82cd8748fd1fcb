"""Private media: owner only (404 for everyone else), ETag, private caching, signed URLs."""

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from photos import derivatives, ingest, media
from photos.models import Photo
from tests.factories import mp4_bytes

pytestmark = pytest.mark.django_db

KINDS = ["original", "preview", "thumbnail", "poster"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def video(alice, photos_dir):
    data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    photo = ingest.ingest(alice, SimpleUploadedFile("clip.mp4", data)).photo
    derivatives.make_derivatives(photo)
    return photo


@pytest.fixture
def picture(alice, photos_dir):
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    photo = ingest.ingest(alice, SimpleUploadedFile("city.jpg", data)).photo
    derivatives.make_derivatives(photo)
    return photo


def login(user):
    client = Client()
    client.force_login(user)
    return client


def urls_of(photo):
    pages = [
        reverse("photos:photo", args=[photo.pk]),
        *(reverse("photos:media", args=[photo.pk, kind]) for kind in KINDS),
    ]
    return pages


def test_the_owner_gets_every_file_with_etag_and_private_caching(alice, video):
    client = login(alice)
    for kind in KINDS:
        response = client.get(reverse("photos:media", args=[video.pk, kind]))
        assert response.status_code == 200, kind
        stored = getattr(video, kind)
        with stored.open("rb") as handle:
            assert body(response) == handle.read(), kind
        assert response["ETag"].startswith('"')
        assert response["Cache-Control"].startswith("private")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("photos:media", args=[video.pk, "original"]))["Content-Type"] == (
        "video/mp4"
    )


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_every_media_url_and_page_is_404_for_anyone_else(who, request, video, picture):
    client = login(request.getfixturevalue(who))
    for photo in (video, picture):
        for url in urls_of(photo):
            response = client.get(url)
            assert response.status_code == 404, url
        response = client.post(reverse("photos:photo-delete", args=[photo.pk]))
        assert response.status_code == 404
    # A bulk delete naming alice's ids deletes nothing.
    client.post(reverse("photos:delete-selected"), {"ids": [video.pk, picture.pk]})
    assert Photo.objects.filter(pk__in=[video.pk, picture.pk]).count() == 2
    # And alice's photos never show in their library.
    page = client.get(reverse("photos:library"))
    assert page.status_code == 200
    assert reverse("photos:photo", args=[picture.pk]).encode() not in page.content


def test_anonymous_visitors_are_sent_to_log_in(video):
    client = Client()
    for url in urls_of(video):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_a_conditional_get_answers_304(alice, picture):
    client = login(alice)
    url = reverse("photos:media", args=[picture.pk, "thumbnail"])
    etag = client.get(url)["ETag"]
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    other = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_the_etag_differs_between_files(alice, picture):
    client = login(alice)
    tags = {
        client.get(reverse("photos:media", args=[picture.pk, kind]))["ETag"]
        for kind in ("original", "preview", "thumbnail")
    }
    assert len(tags) == 3


def test_a_missing_derivative_is_a_404(alice, photos_dir):
    data = (photos_dir / "scenes/ibm_dog.jpg").read_bytes()
    photo = ingest.ingest(alice, SimpleUploadedFile("dog.jpg", data)).photo
    client = login(alice)
    assert client.get(reverse("photos:media", args=[photo.pk, "thumbnail"])).status_code == 404
    assert client.get(reverse("photos:media", args=[photo.pk, "poster"])).status_code == 404
    assert client.get(reverse("photos:media", args=[photo.pk, "secret"])).status_code == 404


def test_nginx_gets_the_transfer_by_x_accel_redirect(alice, picture, settings):
    settings.MEDIA_SENDFILE = "nginx"
    settings.MEDIA_SENDFILE_PREFIX = "/protected-media/"
    response = login(alice).get(reverse("photos:media", args=[picture.pk, "original"]))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{picture.original.name}"
    assert response.content == b""
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")


def test_apache_gets_the_transfer_by_x_sendfile(alice, picture, settings, private_media):
    settings.MEDIA_SENDFILE = "sendfile"
    response = login(alice).get(reverse("photos:media", args=[picture.pk, "preview"]))
    assert response.status_code == 200
    assert response["X-Sendfile"] == str(private_media / picture.preview.name)
    assert response.content == b""


def test_a_signed_url_works_without_a_login_until_it_expires(picture, settings):
    settings.SIGNED_URL_MAX_AGE = 300
    url = media.signed_url(picture, "thumbnail")
    client = Client()
    response = client.get(url)
    assert response.status_code == 200
    with picture.thumbnail.open("rb") as handle:
        assert body(response) == handle.read()
    assert response["Cache-Control"] == "private, max-age=300"
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        assert client.get(url).status_code == 403


def test_a_forged_or_tampered_signed_url_is_refused(picture, video):
    token = media.signed_token(picture, "thumbnail")
    client = Client()
    # Another photo's id under the same timestamp and signature.
    payload = signing.b64_encode(f'{{"p":{video.pk},"k":"thumbnail"}}'.encode()).decode()
    forged = ":".join([payload, *token.split(":")[1:]])
    assert forged != token
    for bad in (token[:-2] + "xx", "garbage", forged, token + "a"):
        response = client.get(reverse("photos:signed-media", args=[bad]))
        assert response.status_code == 403, bad
    assert client.get(reverse("photos:signed-media", args=[token])).status_code == 200


def test_a_signed_url_of_a_deleted_photo_is_a_404(alice, picture):
    url = media.signed_url(picture, "original")
    from photos.services import delete_photos

    delete_photos(alice, Photo.objects.filter(pk=picture.pk))
    assert Client().get(url).status_code == 404
