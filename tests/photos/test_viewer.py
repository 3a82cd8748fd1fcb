"""The viewer's data (/library/photo/<id>/info/): owner-only, plain words with scores only
under details, the date in the photo's own zone, a place name, face boxes as fractions,
and what to do with a video a browser cannot play."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from photos import albums, ingest
from photos.models import Face, Person, PhotoTheme, Tag
from tests.factories import make_photo, mp4_bytes

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def photo(alice, photos_dir):
    photo = make_photo(
        alice, photos_dir / "scenes/ibm_city.jpg", gps=(38.7139, -9.1394),
        taken_at=datetime(2026, 8, 3, 10, 30, tzinfo=UTC),
        taken_at_offset=60, camera_make="Apple", camera_model="iPhone 12",
    )  # fmt: skip
    person = Person.objects.create(owner=alice, name="Ana", pack="p", face_count=1)
    Face.objects.create(
        owner=alice, photo=photo, person=person, x1=photo.width / 4, y1=0,
        x2=photo.width / 2, y2=photo.height / 2, det_score=0.9, embedding=b"\x00" * 8,
        pack="p", dim=2,
    )  # fmt: skip
    Tag.objects.create(photo=photo, label="Windsor tie", score=0.12, model_name="m")
    Tag.objects.create(photo=photo, label="tabby, tabby cat", score=0.61, model_name="m")
    PhotoTheme.objects.create(owner=alice, photo=photo, theme="city")
    return photo


def test_it_tells_the_viewer_everything_in_plain_words(alice, photo):
    albums.create_album(alice, "Summer")
    data = _client(alice).get(reverse("photos:photo-info", args=[photo.pk])).json()
    # 10:30 UTC is 11:30 where the photo was taken (UTC+1).
    assert (data["date"], data["time"], data["zone"]) == (
        "Monday 3 August 2026",
        "11:30",
        "UTC+01:00",
    )
    assert data["place"] == "Lisbon, Portugal"
    assert data["camera"] == "Apple iPhone 12"
    assert data["size"].endswith("KB") and str(photo.width) in data["dimensions"]
    assert data["themes"] == ["City & buildings"]
    # Plain words without scores; a weak guess is not named; the scores are under details.
    assert data["objects"] == ["tabby"]
    assert {"label": "Windsor tie", "score": 0.12} in data["details"]
    person_url = f"/library/people/{photo.faces.get().person_id}/"
    assert data["faces"] == [
        {"box": [0.25, 0.0, 0.5, 0.5], "name": "Ana", "person_url": person_url}
    ]
    assert data["privacy_log_url"] == f"/privacy/?photo={photo.pk}#analysis"
    assert data["download_url"].endswith("/file/original/?download=1")
    assert [a["title"] for a in data["albums"]] == ["Summer"]
    assert data["display_url"] == f"/library/photo/{photo.pk}/file/original/"


def test_it_is_a_404_for_anyone_else(bob, charlie, photo):
    for user in (bob, charlie):
        assert _client(user).get(reverse("photos:photo-info", args=[photo.pk])).status_code == 404
    response = Client().get(reverse("photos:photo-info", args=[photo.pk]))
    assert response.status_code == 302


def test_the_download_link_is_an_attachment(alice, photo):
    client = _client(alice)
    url = reverse("photos:media", args=[photo.pk, "original"])
    assert client.get(url)["Content-Disposition"].startswith("inline")
    assert client.get(url + "?download=1")["Content-Disposition"].startswith("attachment")


def test_a_video_plays_and_one_a_browser_cannot_play_gets_its_poster(alice, photos_dir):
    mp4 = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    video = ingest.ingest(alice, SimpleUploadedFile("clip.mp4", mp4)).photo
    data = _client(alice).get(reverse("photos:photo-info", args=[video.pk])).json()
    assert data["kind"] == "video"
    assert data["display_url"] == f"/library/photo/{video.pk}/file/original/"
    assert data["poster_url"] == f"/library/photo/{video.pk}/file/poster/"

    mov = mp4_bytes(photos_dir / "scenes/ibm_city.jpg", seconds=1.0, container_format="mov")
    quicktime = ingest.ingest(alice, SimpleUploadedFile("clip.mov", mov)).photo
    assert quicktime.content_type == "video/quicktime"
    data = _client(alice).get(reverse("photos:photo-info", args=[quicktime.pk])).json()
    assert data["display_url"] is None  # no <video> for it: its poster and a download
    assert data["poster_url"] and data["download_url"]


def test_the_photo_page_names_the_place_and_deletes_to_the_trash(alice, photo):
    client = _client(alice)
    html = client.get(reverse("photos:photo", args=[photo.pk])).content.decode()
    assert "Lisbon, Portugal · 38.71390" in html
    assert "Move this photo to the trash?" in html and "30 days" in html
    client.post(reverse("photos:photo-delete", args=[photo.pk]))
    photo.refresh_from_db()
    assert photo.trashed_at is not None
