"""The trash: delete moves photos there, restorable for TRASH_DAYS; they leave every list,
person, album, suggestion and search at once; delete forever and empty trash act at once
after showing the counts; the beat job empties what is older than TRASH_DAYS."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from photos import albums, trash
from photos.models import Face, Person, Photo
from photos.tasks import purge_trash
from suggestions.models import Kind, Suggestion, SuggestionPhoto
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


def _face(photo, person):
    return Face.objects.create(
        owner=photo.owner, photo=photo, person=person, x1=10, y1=10, x2=60, y2=60,
        det_score=0.9, embedding=b"\x00" * 8, pack="p", dim=2,
    )  # fmt: skip


@pytest.fixture
def three(alice, photos_dir):
    names = ("scenes/ibm_dog.jpg", "scenes/ibm_city.jpg", "scenes/pelican.jpeg")
    return [
        make_photo(alice, photos_dir / name, taken_at=datetime(2026, 8, day, 12, tzinfo=UTC))
        for day, name in enumerate(names, start=1)
    ]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_it_moves_a_deleted_photo_to_the_trash_and_keeps_its_file(alice, three):
    photo = three[0]
    response = _client(alice).post(reverse("photos:photo-delete", args=[photo.pk]))
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.trashed_at is not None
    assert default_storage.exists(photo.original.name)
    # Gone from the library, the photo page, the viewer's data and the API...
    client = _client(alice)
    library = client.get(reverse("photos:library")).content.decode()
    assert f"/library/photo/{photo.pk}/" not in library
    assert f"/library/photo/{three[1].pk}/" in library
    assert client.get(reverse("photos:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("photos:photo-info", args=[photo.pk])).status_code == 404
    # ...but on the trash page, with its thumbnail still served.
    page = client.get(reverse("photos:trash")).content.decode()
    assert f'value="{photo.pk}"' in page
    assert f'value="{three[1].pk}"' not in page


def test_it_restores_only_the_owners_photos(alice, bob, three):
    trash.trash_photos(alice, [three[0].pk, three[1].pk])
    # bob naming alice's ids restores nothing.
    _client(bob).post(reverse("photos:trash-restore"), {"ids": [three[0].pk]})
    assert Photo.objects.in_trash().count() == 2
    response = _client(alice).post(reverse("photos:trash-restore"), {"ids": [three[0].pk]})
    assert response.status_code == 302
    assert list(Photo.objects.in_trash().values_list("pk", flat=True)) == [three[1].pk]
    assert Photo.objects.live().filter(pk=three[0].pk).exists()


def test_delete_forever_shows_the_counts_then_deletes_at_once(
    alice, three, django_capture_on_commit_callbacks
):
    photo = three[0]
    _face(photo, None)
    trash.trash_photos(alice, [photo.pk])
    client = _client(alice)
    preview = client.get(reverse("photos:trash-delete"), {"ids": [photo.pk]})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "<strong>1</strong> photo" in text and "<strong>1</strong> face" in text
    assert Photo.objects.filter(pk=photo.pk).exists()  # a GET deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("photos:trash-delete"), {"ids": [photo.pk], "confirm": "1"})
    assert response.status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not default_storage.exists(photo.original.name)
    assert Photo.objects.filter(pk=three[1].pk).exists()


def test_delete_forever_refuses_a_photo_that_is_not_in_the_trash(alice, three):
    _client(alice).post(reverse("photos:trash-delete"), {"ids": [three[0].pk], "confirm": "1"})
    assert Photo.objects.live().filter(pk=three[0].pk).exists()


def test_empty_trash_shows_the_counts_then_empties_only_the_trash(
    alice, bob, three, photos_dir, django_capture_on_commit_callbacks
):
    theirs = make_photo(bob, photos_dir / "scenes/ibm_dog.jpg")
    trash.trash_photos(bob, [theirs.pk])
    trash.trash_photos(alice, [three[0].pk, three[1].pk])
    client = _client(alice)
    preview = client.get(reverse("photos:trash-empty")).content.decode()
    assert "<strong>2</strong> photos" in preview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("photos:trash-empty"))
    assert list(Photo.objects.filter(owner=alice).values_list("pk", flat=True)) == [three[2].pk]
    assert Photo.objects.filter(pk=theirs.pk).exists()  # bob's trash is bob's


def test_the_beat_job_empties_what_is_older_than_trash_days(alice, three, settings):
    settings.TRASH_DAYS = 30
    with time_machine.travel(datetime(2026, 9, 1, tzinfo=UTC)):
        trash.trash_photos(alice, [three[0].pk])
    with time_machine.travel(datetime(2026, 9, 20, tzinfo=UTC)):
        trash.trash_photos(alice, [three[1].pk])
    with time_machine.travel(datetime(2026, 10, 2, tzinfo=UTC)):
        assert purge_trash() == {"deleted": 1}
    left = set(Photo.objects.values_list("pk", flat=True))
    assert left == {three[1].pk, three[2].pk}
    assert "photos-empty-trash" in settings.CELERY_BEAT_SCHEDULE


def test_trashed_photos_leave_people_albums_and_suggestions_at_once(alice, three):
    person = Person.objects.create(owner=alice, name="Ana", pack="p", face_count=2)
    _face(three[0], person)
    _face(three[1], person)
    album = albums.create_album(alice, "Summer", [three[0].pk, three[1].pk])
    suggestion = Suggestion.objects.create(
        owner=alice, kind=Kind.COLLAGE, key="k", title="Collage", explanation={}
    )
    for i, photo in enumerate(three[:2]):
        SuggestionPhoto.objects.create(suggestion=suggestion, photo=photo, position=i)
    lonely = Suggestion.objects.create(owner=alice, kind=Kind.COLLAGE, key="k2", title="One")
    SuggestionPhoto.objects.create(suggestion=lonely, photo=three[0], position=0)

    trash.trash_photos(alice, [three[0].pk])

    person.refresh_from_db()
    assert person.face_count == 1
    client = _client(alice)
    person_page = client.get(reverse("photos:person", args=[person.pk]))
    if person_page.status_code == 200:  # face analysis may be off for alice: then a 404
        assert f"/library/photo/{three[0].pk}/" not in person_page.content.decode()
    assert list(album.photos.live().values_list("pk", flat=True)) == [three[1].pk]
    assert list(suggestion.photos.values_list("pk", flat=True)) == [three[1].pk]
    assert not Suggestion.objects.filter(pk=lonely.pk).exists()
    trash.restore_photos(alice, [three[0].pk])
    person.refresh_from_db()
    assert person.face_count == 2


def test_the_api_deletes_to_the_trash_and_restores(alice, three, api_client_for):
    api = api_client_for(alice)
    photo = three[0]
    assert api.delete(f"/api/v1/photos/{photo.pk}/").status_code == 204
    assert api.get(f"/api/v1/photos/{photo.pk}/").status_code == 404
    listed = [p["id"] for p in api.get("/api/v1/photos/").json()["results"]]
    assert photo.pk not in listed
    in_trash = [p["id"] for p in api.get("/api/v1/photos/trash/").json()["results"]]
    assert in_trash == [photo.pk]
    preview = api.get(f"/api/v1/photos/{photo.pk}/forever/").json()
    assert preview["photos"] == 1 and preview["deleted"] is False
    assert api.post(f"/api/v1/photos/{photo.pk}/restore/").status_code == 200
    assert api.get(f"/api/v1/photos/{photo.pk}/").status_code == 200
    assert api.get(f"/api/v1/photos/{photo.pk}/forever/").status_code == 404


def test_the_api_empties_the_trash_after_a_preview(alice, bob, three, api_client_for):
    trash.trash_photos(alice, [three[0].pk, three[1].pk])
    api = api_client_for(alice)
    preview = api.get("/api/v1/photos/trash/empty/").json()
    assert (preview["photos"], preview["deleted"]) == (2, False)
    assert Photo.objects.in_trash().count() == 2
    assert api_client_for(bob).post("/api/v1/photos/trash/empty/").json()["photos"] == 0
    assert Photo.objects.in_trash().count() == 2
    done = api.post("/api/v1/photos/trash/empty/").json()
    assert (done["photos"], done["deleted"]) == (2, True)
    assert list(Photo.objects.values_list("pk", flat=True)) == [three[2].pk]


def test_the_trash_page_says_the_privacy_pages_deletions_are_immediate(alice, three):
    trash.trash_photos(alice, [three[0].pk])
    page = _client(alice).get(reverse("photos:trash")).content.decode()
    assert "privacy page" in page and "immediate" in page


def test_the_trash_pages_need_a_login():
    client = Client()
    for name in ("photos:trash", "photos:trash-empty"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_uploading_a_photo_in_the_trash_again_brings_it_back(alice, photos_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from photos import ingest
    from tests.factories import jpeg_with_exif

    data = jpeg_with_exif(photos_dir / "scenes/ibm_dog.jpg")
    photo = ingest.ingest(alice, SimpleUploadedFile("dog.jpg", data)).photo
    trash.trash_photos(alice, [photo.pk])
    again = ingest.ingest(alice, SimpleUploadedFile("dog.jpg", data))
    assert (again.photo.pk, again.created) == (photo.pk, False)
    assert Photo.objects.live().filter(pk=photo.pk).exists()


def test_the_privacy_pages_deletions_say_they_skip_the_trash(alice, three):
    trash.trash_photos(alice, [three[0].pk])
    client = _client(alice)
    page = client.get(reverse("privacy:delete", args=["photos"])).content.decode()
    assert "This is immediate:" in page
    # And they are: the photo in the trash goes with the others, at once.
    response = client.post(reverse("privacy:delete", args=["photos"]), {"confirm": "yes"})
    assert response.status_code in (200, 302)
    assert not Photo.objects.filter(owner=alice).exists()
