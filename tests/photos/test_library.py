"""The library pages: timeline grouping, keyset pages, filters, constant queries, deletion."""

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from photos import derivatives, services, views
from photos.models import Face, MediaType, Person, Photo, PhotoTheme, TakenAtSource
from privacy.models import ProcessingRecord
from tests.factories import make_photo

pytestmark = pytest.mark.django_db

LIBRARY = reverse("photos:library")
SERIAL = itertools.count()


def rows(owner, count, *, start=datetime(2024, 6, 30, 12, tzinfo=UTC), step=timedelta(hours=7)):
    """Photo rows without files, for the pages that only read rows."""
    photos = [
        Photo(
            owner=owner,
            sha256=hashlib.sha256(f"{owner.pk}-{next(SERIAL)}".encode()).hexdigest(),
            original=f"u{owner.pk}/originals/x/{i}.jpg",
            thumbnail=f"u{owner.pk}/derived/x/{i}_thumbnail.webp",
            extension="jpg",
            content_type="image/jpeg",
            media_type=MediaType.PHOTO,
            file_size=1000,
            taken_at=start - i * step,
            taken_at_source=TakenAtSource.EXIF,
        )
        for i in range(count)
    ]
    return Photo.objects.bulk_create(photos)


def photo_ids(response):
    return [p.pk for day in response.context["days"] for p in day.photos]


def test_it_groups_by_month_and_day_newest_first(alice, alice_client):
    rows(alice, 10, start=datetime(2024, 5, 2, 10, tzinfo=UTC), step=timedelta(hours=20))
    response = alice_client.get(LIBRARY)
    assert response.status_code == 200
    groups = response.context["days"]
    months = [g.month for g in groups if g.month]
    assert months == [datetime(2024, 5, 1).date(), datetime(2024, 4, 1).date()]
    days = [g.day for g in groups]
    assert days == sorted(days, reverse=True)
    assert len(days) == len(set(days))
    taken = [p.taken_at for g in groups for p in g.photos]
    assert taken == sorted(taken, reverse=True)
    content = response.content.decode()
    assert content.index("May 2024") < content.index("April 2024")


def test_the_day_is_the_day_where_the_photo_was_taken(alice, alice_client):
    # 23:30 in Tokyo on 1 May is 14:30 UTC on 1 May; 01:00 in Tokyo on 2 May is 16:00 UTC 1 May.
    (late,) = rows(alice, 1, start=datetime(2024, 5, 1, 16, 0, tzinfo=UTC))
    Photo.objects.filter(pk=late.pk).update(taken_at_offset=9 * 60)
    response = alice_client.get(LIBRARY)
    (day,) = response.context["days"]
    assert day.day == datetime(2024, 5, 2).date()


def test_it_pages_by_keyset_without_gaps_or_repeats(alice, alice_client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    created = rows(alice, 10, step=timedelta(0))  # equal times: the id breaks ties
    seen, url = [], LIBRARY
    while url:
        response = alice_client.get(url)
        seen.extend(photo_ids(response))
        next_query = response.context["next_query"]
        url = f"{LIBRARY}?{next_query}" if next_query else None
    assert seen == sorted((p.pk for p in created), reverse=True)


def count_queries(get, *args) -> int:
    # Counted at once: the next request clears the connection's query log (reset_queries).
    with CaptureQueriesContext(connection) as queries:
        response = get(*args)
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_10_or_300_photos(alice, alice_client, bob):
    rows(alice, 10)
    alice_client.get(LIBRARY)  # warm the session and content types
    few = count_queries(alice_client.get, LIBRARY)
    # Session, user, the person choices, the photos, the scrubber's months, the albums to
    # add to: nothing per photo.
    assert few == 6
    rows(alice, 290, start=datetime(2020, 1, 1, tzinfo=UTC))
    assert count_queries(alice_client.get, LIBRARY) == few
    assert len(photo_ids(alice_client.get(LIBRARY))) == views.PAGE_SIZE
    person = Person.objects.create(owner=alice, pack="p", face_count=5, name="Ann")
    params = {"person": person.pk, "theme": "food", "has_gps": "on"}
    # Nothing matches: no album menu to fill.
    assert count_queries(alice_client.get, LIBRARY, params) == few - 1
    # The next pages (infinite scroll) need no scrubber.
    next_query = alice_client.get(LIBRARY).context["next_query"]
    assert count_queries(alice_client.get, f"{LIBRARY}?{next_query}") == few - 1


def test_it_filters_by_date_range(alice, alice_client):
    rows(alice, 30, start=datetime(2024, 3, 31, 12, tzinfo=UTC), step=timedelta(days=1))
    response = alice_client.get(LIBRARY, {"date_from": "2024-03-10", "date_to": "2024-03-12"})
    days = sorted(
        p.taken_at.date().isoformat() for p in Photo.objects.filter(pk__in=photo_ids(response))
    )
    assert days == ["2024-03-10", "2024-03-11", "2024-03-12"]
    bad = alice_client.get(LIBRARY, {"date_from": "2024-03-12", "date_to": "2024-03-10"})
    assert bad.context["form"].errors


def test_it_filters_by_person_theme_and_place(alice, bob, alice_client):
    a, b, c = rows(alice, 3)
    ann = Person.objects.create(owner=alice, pack="p", face_count=3, name="Ann")
    for photo in (a, a, b):  # two faces of Ann on one photo: still listed once
        Face.objects.create(
            owner=alice, photo=photo, person=ann, x1=0, y1=0, x2=1, y2=1,
            det_score=0.9, embedding=b"", pack="p", dim=512,
        )  # fmt: skip
    PhotoTheme.objects.create(owner=alice, photo=c, theme="food")
    Photo.objects.filter(pk=b.pk).update(latitude=48.8584, longitude=2.2945)
    Photo.objects.filter(pk=c.pk).update(latitude=40.7128, longitude=-74.0060)

    assert photo_ids(alice_client.get(LIBRARY, {"person": ann.pk})) == [a.pk, b.pk]
    assert photo_ids(alice_client.get(LIBRARY, {"theme": "food"})) == [c.pk]
    assert photo_ids(alice_client.get(LIBRARY, {"has_gps": "on"})) == [b.pk, c.pk]
    assert photo_ids(alice_client.get(LIBRARY, {"near": "48.86,2.29,5"})) == [b.pk]
    assert photo_ids(alice_client.get(LIBRARY, {"near": "40.7,-74.0"})) == [c.pk]
    assert alice_client.get(LIBRARY, {"near": "500,2"}).context["form"].errors
    # Someone else's person is not a choice.
    bobs = Person.objects.create(owner=bob, pack="p", face_count=3)
    assert alice_client.get(LIBRARY, {"person": bobs.pk}).context["form"].errors


def test_the_photo_page_shows_metadata_map_link_and_partials(alice, alice_client, photos_dir):
    photo = make_photo(
        alice, photos_dir / "scenes/ibm_paris.jpg",
        taken_at=datetime(2024, 5, 1, 11, 45, tzinfo=UTC), gps=(48.8584, 2.2945),
        camera_make="Google", camera_model="Pixel 8", taken_at_offset=120,
    )  # fmt: skip
    derivatives.make_derivatives(photo)
    response = alice_client.get(reverse("photos:photo", args=[photo.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "https://www.openstreetmap.org/?mlat=48.858400&amp;mlon=2.294500" in content
    assert "Google Pixel 8" in content
    assert "13:45" in content  # local time at +02:00
    assert reverse("photos:media", args=[photo.pk, "preview"]) in content
    assert '<script src="http' not in content  # no external scripts
    assert response.context["faces"] == []
    assert response.context["steps"] == []
    assert "photos/_faces.html" in [t.name for t in response.templates]
    assert "photos/_steps.html" in [t.name for t in response.templates]


def test_deleting_a_photo_removes_its_files_and_everything_derived(
    alice, alice_client, photos_dir, private_media, django_capture_on_commit_callbacks
):
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    keep = make_photo(alice, photos_dir / "scenes/ibm_city.jpg")
    derivatives.make_derivatives(photo)
    person = Person.objects.create(owner=alice, pack="p", face_count=1)
    face = Face.objects.create(
        owner=alice, photo=photo, person=person, x1=0, y1=0, x2=1, y2=1,
        det_score=0.9, embedding=b"\x00" * 8, pack="p", dim=2,
    )  # fmt: skip
    face.crop.save("crop.jpg", ContentFile(b"\xff\xd8\xff crop"), save=True)
    PhotoTheme.objects.create(owner=alice, photo=photo, theme="animals")
    record = ProcessingRecord.objects.create(
        user=alice, photo_ref=photo.pk, photo_name=photo.original_name, step="faces",
        started_at=datetime.now(UTC), outcome="done",
    )  # fmt: skip
    names = [photo.original.name, photo.thumbnail.name, photo.preview.name, face.crop.name]
    assert all(default_storage.exists(n) for n in names)

    response = alice_client.post(reverse("photos:photo-delete", args=[photo.pk]))
    assert response.status_code == 302
    # First to the trash, whole and restorable; emptying it deletes everything at once.
    assert Photo.objects.in_trash().filter(pk=photo.pk).exists()
    assert all(default_storage.exists(n) for n in names)
    person.refresh_from_db()
    assert person.face_count == 0  # out of the person at once
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("photos:trash-empty"))
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not Face.objects.filter(pk=face.pk).exists()
    assert not PhotoTheme.objects.filter(photo_id=photo.pk).exists()
    assert not any(default_storage.exists(n) for n in names)
    assert default_storage.exists(keep.original.name)
    person.refresh_from_db()
    assert person.face_count == 0
    record.refresh_from_db()  # the log keeps that it ran on a photo, not the photo's name
    assert (record.photo_ref, record.photo_name) == (photo.pk, "")


def test_files_stay_when_the_deletion_rolls_back(alice, photos_dir):
    from django.db import transaction

    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.delete_photos(alice, Photo.objects.filter(pk=photo.pk))
        raise RuntimeError("something later failed")
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert default_storage.exists(photo.original.name)


def test_multi_select_deletes_only_the_selection_of_the_owner(
    alice, bob, alice_client, django_capture_on_commit_callbacks
):
    mine = rows(alice, 4)
    theirs = rows(bob, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("photos:delete-selected"), {"ids": [mine[0].pk, mine[2].pk, theirs[0].pk]}
        )
    assert response.status_code == 302
    left = set(Photo.objects.live().values_list("pk", flat=True))
    assert left == {mine[1].pk, mine[3].pk, theirs[0].pk}
    assert set(Photo.objects.in_trash().values_list("pk", flat=True)) == {mine[0].pk, mine[2].pk}


def test_delete_photos_counts_and_works_in_chunks(alice, bob, monkeypatch):
    monkeypatch.setattr(services, "DELETE_CHUNK", 7)
    rows(alice, 30)
    rows(bob, 3)
    assert services.delete_photos(alice, Photo.objects.all()) == 30
    assert Photo.objects.filter(owner=alice).count() == 0
    assert Photo.objects.filter(owner=bob).count() == 3


def test_the_library_needs_a_login(client):
    response = client.get(LIBRARY)
    assert response.status_code == 302


def test_it_starts_at_the_month_a_scrubber_link_names(alice, alice_client):
    rows(alice, 6, start=datetime(2024, 5, 20, 10, tzinfo=UTC), step=timedelta(days=15))
    response = alice_client.get(LIBRARY)
    scrubber = response.context["scrubber"]
    assert [y.year for y in scrubber] == [2024]
    assert [(m.month, n) for m, n in scrubber[0].months] == [(5, 2), (4, 2), (3, 2)]
    assert 'href="?month=2024-03"' in response.content.decode()
    jumped = alice_client.get(LIBRARY, {"month": "2024-03"})
    first = jumped.context["days"][0].day
    assert (first.year, first.month) == (2024, 3)
    assert jumped.context["is_first_page"] is False
    for bad in ("2024-13", "x", "2024", "-1-1", "99999-01"):
        assert alice_client.get(LIBRARY, {"month": bad}).status_code == 200


def test_each_tile_carries_its_aspect_ratio(alice, alice_client):
    (photo,) = rows(alice, 1)
    Photo.objects.filter(pk=photo.pk).update(width=4000, height=1000)
    content = alice_client.get(LIBRARY).content.decode()
    # A panorama is bounded (timeline.MAX_ASPECT), so it never fills a row a few pixels high.
    assert 'data-a="2.500"' in content
    Photo.objects.filter(pk=photo.pk).update(width=300, height=400)
    assert 'data-a="0.750"' in alice_client.get(LIBRARY).content.decode()
