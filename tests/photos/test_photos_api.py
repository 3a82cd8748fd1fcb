"""The library API: sync check, upload, list with cursor and filters, detail, delete, media."""

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from photos import derivatives
from photos.models import Face, MediaType, Person, Photo, PhotoTheme, Source, TakenAtSource
from tests.factories import jpeg_with_exif

pytestmark = pytest.mark.django_db

SYNC = "camera_roll_sync"
SERIAL = itertools.count()


def rows(owner, count, *, start=None, step=timedelta(hours=5)):
    start = start or timezone.now()
    return Photo.objects.bulk_create(
        Photo(
            owner=owner,
            sha256=hashlib.sha256(f"api-{next(SERIAL)}".encode()).hexdigest(),
            original=f"u{owner.pk}/originals/x/{i}.jpg",
            extension="jpg",
            content_type="image/jpeg",
            media_type=MediaType.PHOTO,
            file_size=1,
            taken_at=start - i * step,
            taken_at_source=TakenAtSource.EXIF,
        )
        for i in range(count)
    )


@pytest.fixture
def alice_api(alice, api_client_for, grant):
    grant(alice, SYNC)
    return api_client_for(alice)


def upload(api, data, name="photo.jpg", **fields):
    return api.post(
        "/api/v1/photos/", {"file": SimpleUploadedFile(name, data), **fields}, format="multipart"
    )


def recent_jpeg(photos_dir, name="scenes/ibm_city.jpg", days_ago=1, **exif):
    taken = (datetime.now(UTC) - timedelta(days=days_ago)).replace(tzinfo=None, microsecond=0)
    return jpeg_with_exif(photos_dir / name, taken_at=taken, offset="+00:00", **exif)


# --- Sync check -------------------------------------------------------------------------


def test_sync_check_says_what_is_missing_and_what_is_too_old(alice, alice_api, photos_dir):
    have = rows(alice, 2)
    new = hashlib.sha256(b"new").hexdigest()
    old = hashlib.sha256(b"old").hexdigest()
    undated = hashlib.sha256(b"undated").hexdigest()
    long_ago = (timezone.now() - timedelta(days=45)).isoformat()
    response = alice_api.post(
        "/api/v1/sync/check/",
        {
            "items": [
                {"sha256": have[0].sha256, "taken_at": long_ago},
                {"sha256": have[1].sha256.upper()},
                {"sha256": new, "taken_at": timezone.now().isoformat(), "device_asset_id": "A1"},
                {"sha256": old, "taken_at": long_ago},
                {"sha256": undated},
                {"sha256": new},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"missing": [new, undated], "outside_window": [old]}


def test_sync_check_lets_older_photos_through_with_that_scope(alice, alice_api, grant):
    grant(alice, "older_photos")
    old = hashlib.sha256(b"old").hexdigest()
    response = alice_api.post(
        "/api/v1/sync/check/",
        {"items": [{"sha256": old, "taken_at": "2001-01-01T00:00:00Z"}]},
        format="json",
    )
    assert response.json() == {"missing": [old], "outside_window": []}


def test_sync_needs_the_camera_roll_scope(alice, api_client_for, photos_dir):
    api = api_client_for(alice)
    sha = hashlib.sha256(b"x").hexdigest()
    response = api.post("/api/v1/sync/check/", {"items": [{"sha256": sha}]}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert "camera_roll_sync" in response.json()["detail"]
    response = upload(api, recent_jpeg(photos_dir))
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert Photo.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": "nope"},
        {"items": [{"sha256": "abc"}]},
        {"items": [{"sha256": "g" * 64}]},
        {"items": [{"sha256": "a" * 64, "taken_at": "yesterday"}]},
        {"items": [{"sha256": "a" * 64, "taken_at": 12}]},
        {"items": ["a" * 64]},
        [1, 2],
    ],
)
def test_sync_check_refuses_malformed_bodies_with_a_message(body, alice_api):
    response = alice_api.post("/api/v1/sync/check/", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert response.json()["code"]


def test_sync_check_of_ten_thousand_hashes_uses_a_handful_of_queries(alice, alice_api):
    present = rows(alice, 50)
    items = [{"sha256": hashlib.sha256(str(i).encode()).hexdigest()} for i in range(10_000)]
    items += [{"sha256": p.sha256} for p in present]
    with CaptureQueriesContext(connection) as queries:
        response = alice_api.post("/api/v1/sync/check/", {"items": items}, format="json")
    count = len(queries)
    assert response.status_code == 200
    assert len(response.json()["missing"]) == 10_000
    # Auth and consent, then one query per chunk of hashes: 12 chunks of 900 on SQLite
    # (its parameter limit), 3 of 5,000 on PostgreSQL. Never one per hash.
    assert count <= 20


def test_sync_check_has_an_item_limit(alice_api, settings):
    settings.SYNC_CHECK_MAX_ITEMS = 3
    items = [{"sha256": hashlib.sha256(str(i).encode()).hexdigest()} for i in range(4)]
    response = alice_api.post("/api/v1/sync/check/", {"items": items}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_items"


# --- Upload -----------------------------------------------------------------------------


def test_upload_answers_201_then_200_for_the_same_bytes(alice, alice_api, photos_dir):
    data = recent_jpeg(photos_dir)
    first = upload(alice_api, data, device_asset_id="PH-1")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert {"id", "sha256", "taken_at", "media_type", "width", "height", "analysis_status"} <= set(
        body
    )
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["media_type"] == "photo"
    assert body["analysis_status"] == "pending"
    photo = Photo.objects.get(pk=body["id"])
    assert (photo.owner, photo.source, photo.device_asset_id) == (alice, Source.SYNC, "PH-1")

    second = upload(alice_api, data)
    assert second.status_code == 200
    assert second.json()["id"] == body["id"]
    assert Photo.objects.count() == 1


def test_upload_keeps_the_client_time_when_exif_has_none(alice_api, photos_dir):
    data = (photos_dir / "scenes/ibm_coffee.jpg").read_bytes()
    when = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    response = upload(alice_api, data, taken_at=when.isoformat(), device_asset_id="X")
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert photo.taken_at == when
    assert photo.taken_at_source == TakenAtSource.CLIENT


def test_upload_refuses_what_the_window_refuses(alice, alice_api, photos_dir, grant):
    old = recent_jpeg(photos_dir, days_ago=40)
    response = upload(alice_api, old)
    assert response.status_code == 403
    assert response.json()["code"] == "outside_window"
    assert "older_photos" in response.json()["detail"]
    assert Photo.objects.count() == 0
    grant(alice, "older_photos")
    assert upload(alice_api, old).status_code == 201


def test_the_browser_upload_takes_any_age(alice_client, photos_dir):
    old = recent_jpeg(photos_dir, days_ago=4000)
    response = alice_client.post("/library/upload/", {"file": SimpleUploadedFile("o.jpg", old)})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("a.jpg", b"plain text", 415, "unsupported_type"),
        ("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "unsupported_type"),
        ("a.jpg", b"", 400, "invalid"),
    ],
)
def test_upload_refuses_bad_files(name, data, status, code, alice_api, private_media):
    response = upload(alice_api, data, name=name)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert list(private_media.rglob("*.*")) == []


def test_upload_refuses_a_bad_client_time(alice_api, photos_dir):
    response = upload(alice_api, recent_jpeg(photos_dir), taken_at="last tuesday")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_taken_at"


def test_upload_without_a_file_is_a_400(alice_api):
    response = alice_api.post("/api/v1/photos/", {"taken_at": "2024-01-01"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("file")


# --- List, detail, delete ---------------------------------------------------------------


def test_the_list_is_cursor_paginated_newest_first(alice, bob, alice_api):
    mine = rows(alice, 7)
    rows(bob, 3)
    seen, url = [], "/api/v1/photos/?page_size=3"
    while url:
        page = alice_api.get(url).json()
        seen.extend(item["id"] for item in page["results"])
        url = page["next"]
    assert seen == [p.pk for p in mine]


def test_the_list_filters_by_time_person_and_theme(alice, bob, alice_api):
    a, b, c = rows(alice, 3, start=datetime(2024, 5, 3, 12, tzinfo=UTC), step=timedelta(days=1))
    person = Person.objects.create(owner=alice, pack="p", face_count=3)
    Face.objects.create(
        owner=alice, photo=b, person=person, x1=0, y1=0, x2=1, y2=1,
        det_score=0.9, embedding=b"", pack="p", dim=512,
    )  # fmt: skip
    PhotoTheme.objects.create(owner=alice, photo=c, theme="beach")

    def ids(**params):
        response = alice_api.get("/api/v1/photos/", params)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert ids(taken_after="2024-05-02") == [a.pk, b.pk]
    assert ids(taken_before="2024-05-02T12:00:00Z") == [c.pk]
    assert ids(taken_after="2024-05-02", taken_before="2024-05-03") == [b.pk]
    assert ids(person=person.pk) == [b.pk]
    other = Person.objects.create(owner=bob, pack="p", face_count=3)
    response = alice_api.get("/api/v1/photos/", {"person": other.pk})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ids(theme="beach") == [c.pk]
    for bad in ({"taken_after": "soon"}, {"person": "x"}, {"theme": "moon"}):
        response = alice_api.get("/api/v1/photos/", bad)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"


def test_the_list_costs_the_same_queries_for_5_or_200_photos(alice, alice_api):
    rows(alice, 5)
    alice_api.get("/api/v1/photos/")
    # Counted at once: the next request clears the connection's query log.
    with CaptureQueriesContext(connection) as queries:
        alice_api.get("/api/v1/photos/?page_size=200")
    few = len(queries)
    assert 1 <= few <= 3  # the device token, (its last-used stamp), the page
    rows(alice, 195, start=timezone.now() - timedelta(days=400))
    with CaptureQueriesContext(connection) as queries:
        response = alice_api.get("/api/v1/photos/?page_size=200")
    many = len(queries)
    assert len(response.json()["results"]) == 200
    assert many == few


def test_detail_and_delete(alice, alice_api, photos_dir, private_media):
    created = upload(alice_api, recent_jpeg(photos_dir)).json()
    url = f"/api/v1/photos/{created['id']}/"
    detail = alice_api.get(url)
    assert detail.status_code == 200
    assert detail.json()["sha256"] == created["sha256"]
    assert detail.json()["thumbnail_url"] is None  # not made yet
    assert detail.json()["original_url"].startswith("http://testserver/library/media/")
    response = alice_api.delete(url)
    assert response.status_code == 204
    # To the trash: gone from the API at once, deleted forever on request.
    assert Photo.objects.in_trash().count() == 1
    assert alice_api.get(url).status_code == 404
    assert alice_api.post(f"{url}forever/").json()["deleted"] is True
    assert not Photo.objects.exists()


def test_media_endpoints_stream_to_the_owner_and_signed_urls_work(alice, alice_api, photos_dir):
    created = upload(alice_api, recent_jpeg(photos_dir)).json()
    photo = Photo.objects.get(pk=created["id"])
    base = f"/api/v1/photos/{photo.pk}"
    assert alice_api.get(f"{base}/thumbnail/").status_code == 404  # not made yet
    derivatives.make_derivatives(photo)
    for kind, content_type in (
        ("thumbnail", "image/webp"),
        ("preview", "image/webp"),
        ("original", "image/jpeg"),
    ):
        response = alice_api.get(f"{base}/{kind}/", HTTP_ACCEPT="image/*")
        assert response.status_code == 200, kind
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"].startswith("private")
        assert response.has_header("ETag")
        signed = alice_api.get(f"{base}/").json()[f"{kind}_url"]
        anonymous = APIClient().get(signed)
        assert anonymous.status_code == 200
        assert b"".join(anonymous.streaming_content) == b"".join(response.streaming_content)
    etag = alice_api.get(f"{base}/thumbnail/")["ETag"]
    assert alice_api.get(f"{base}/thumbnail/", HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- Ownership --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_every_photo_endpoint_is_404_for_other_users(who, request, alice, api_client_for):
    (photo,) = rows(alice, 1)
    api = api_client_for(request.getfixturevalue(who))
    for suffix in ("", "thumbnail/", "preview/", "original/"):
        response = api.get(f"/api/v1/photos/{photo.pk}/{suffix}")
        assert response.status_code == 404, suffix
        assert response.json()["code"] == "not_found"
    assert api.delete(f"/api/v1/photos/{photo.pk}/").status_code == 404
    assert api.get("/api/v1/photos/").json()["results"] == []
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_anonymous_gets_401_everywhere(alice):
    (photo,) = rows(alice, 1)
    api = APIClient()
    for method, url in [
        ("get", "/api/v1/photos/"),
        ("post", "/api/v1/photos/"),
        ("post", "/api/v1/sync/check/"),
        ("get", f"/api/v1/photos/{photo.pk}/"),
        ("delete", f"/api/v1/photos/{photo.pk}/"),
        ("get", f"/api/v1/photos/{photo.pk}/thumbnail/"),
        ("get", f"/api/v1/photos/{photo.pk}/original/"),
    ]:
        response = getattr(api, method)(url)
        assert response.status_code == 401, url
        assert response.json()["code"]


def test_absurd_ids_are_404_not_500(alice_api):
    for pk in ("99999999999999999999999", "abc", "0"):
        assert alice_api.get(f"/api/v1/photos/{pk}/").status_code == 404


def test_the_date_filters_take_any_offset_and_compare_instants(alice, alice_api):
    (photo,) = rows(alice, 1)
    after = (photo.taken_at - timedelta(minutes=1)).astimezone(
        timezone.get_fixed_timezone(23 * 60 + 52)
    )
    response = alice_api.get("/api/v1/photos/", {"taken_after": after.isoformat()})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [photo.pk]
    before = alice_api.get("/api/v1/photos/", {"taken_before": after.isoformat()})
    assert before.status_code == 200
    assert before.json()["results"] == []


def test_an_upload_with_an_impossible_offset_is_refused(alice, alice_api, grant, photos_dir):
    grant(alice, "camera_roll_sync")
    data = (photos_dir / "scenes" / "ibm_dog.jpg").read_bytes()
    response = alice_api.post(
        "/api/v1/photos/",
        {"file": SimpleUploadedFile("dog.jpg", data), "taken_at": "2026-11-20T10:00:00+23:52"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_taken_at"
    assert not Photo.objects.filter(owner=alice).exists()
