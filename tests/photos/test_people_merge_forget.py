"""Issue 21 (trust, round three): merges and forgetting, without threads (SQLite and
PostgreSQL). A verb handed people or a merge that another request changed meanwhile (what
the loser of a race holds: tests/photos/test_people_races.py runs the races for real)
is refused with a 404 or 409; two people who share a photo are never merged; forgetting a
person leaves no merge record and no export that holds them."""

from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from photos import people
from photos.models import Face, Person, PersonMerge
from privacy.models import ExportJob, ExportStatus
from tests.photos import test_people as base
from tests.photos.test_people import add_face, make_photo

pytestmark = pytest.mark.django_db
album = base.album  # the fixture: ann and ben, three photos each


def stale(person):
    """The person as a request read them before another request changed them."""
    return Person.objects.get(pk=person.pk)


# --- The loser of a race -------------------------------------------------------------------


def test_a_merge_into_a_person_merged_away_meanwhile_is_refused(alice, album):
    ann, ben = stale(album["ann"]), stale(album["ben"])
    people.merge(album["ann"], album["ben"])
    with pytest.raises(people.PeopleError) as refused:
        people.merge(ben, ann)  # the other direction, with what it read before
    assert (refused.value.code, refused.value.status) == ("gone", 404)
    assert "merged or forgotten" in str(refused.value)
    assert PersonMerge.objects.count() == 1
    assert Face.objects.filter(person_id=ben.pk).count() == 6


def test_a_merge_undone_meanwhile_is_not_undone_twice(alice, album):
    people.merge(album["ben"], album["ann"])
    record = PersonMerge.objects.get()
    held = PersonMerge.objects.get(pk=record.pk)  # read before the other undo
    people.undo_merge(record)
    with pytest.raises(people.PeopleError) as refused:
        people.undo_merge(held)
    assert (refused.value.code, refused.value.status) == ("already_undone", 409)
    assert Person.objects.filter(owner=alice).count() == 2


def test_forgetting_a_person_merged_away_meanwhile_is_refused(alice, album):
    ann = stale(album["ann"])
    people.merge(album["ann"], album["ben"])
    with pytest.raises(people.PeopleError) as refused:
        people.forget(ann)
    assert (refused.value.code, refused.value.status) == ("gone", 404)
    assert Face.objects.filter(person=album["ben"]).count() == 6


def test_the_pages_answer_a_gone_person_and_an_undone_merge_with_4xx(alice_client, album):
    people.merge(album["ben"], album["ann"])
    record = PersonMerge.objects.get()
    undo = reverse("photos:merge-undo", args=[record.pk])
    assert alice_client.post(undo).status_code == 302
    again = alice_client.post(undo)
    assert again.status_code == 409 and "already undone" in again.content.decode()


# --- Two people who share a photo ----------------------------------------------------------


@pytest.fixture
def shared(alice, album, photos_dir):
    """A group photo with ann's face and ben's face: they share it."""
    photo = make_photo(alice, photos_dir / "scenes/ibm_city.jpg", status="done")
    add_face(alice, photo, "ann", person=album["ann"], x=10)
    add_face(alice, photo, "ben", person=album["ben"], x=100)
    people.refresh({album["ann"].pk, album["ben"].pk})
    return photo


def test_two_people_who_share_a_photo_are_not_merged(alice, album, shared):
    ann, ben = album["ann"], album["ben"]
    with pytest.raises(people.PeopleError) as refused:
        people.merge(ben, ann)
    assert (refused.value.code, refused.value.status) == ("same_photo", 409)
    assert "one photo shows a person once" in str(refused.value)
    assert Face.objects.filter(person=ann).count() == 4
    assert Face.objects.filter(person=ben).count() == 4
    assert not PersonMerge.objects.exists()
    # Once the wrong face is taken off, they can be.
    people.reject_face(Face.objects.get(photo=shared, person=ben))
    assert people.merge(ben, ann).face_count == 7


def test_the_merge_preview_says_so_before_the_merge(alice, alice_client, album, shared):
    ann, ben = album["ann"], album["ben"]
    url = reverse("photos:person-merge-confirm", args=[ben.pk]) + f"?into={ann.pk}"
    body = alice_client.get(url).content.decode()
    assert "cannot be merged" in body and "one photo shows a person once" in body
    assert reverse("photos:photo", args=[shared.pk]) in body
    assert reverse("photos:person-merge", args=[ben.pk]) not in body  # no merge button
    response = alice_client.post(reverse("photos:person-merge", args=[ben.pk]), {"into": ann.pk})
    assert response.status_code == 302 and Person.objects.filter(pk=ben.pk).exists()


def test_the_api_preview_says_so_and_the_merge_is_a_409(alice, api_client_for, album, shared):
    api = api_client_for(alice)
    ann, ben = album["ann"], album["ben"]
    preview = api.get(f"/api/v1/people/{ben.pk}/merge/?into={ann.pk}")
    assert preview.status_code == 200
    assert preview.json()["allowed"] is False
    assert preview.json()["shared_photo_ids"] == [shared.pk]
    assert "one photo shows a person once" in preview.json()["refusal"]
    assert Person.objects.filter(pk=ben.pk).exists()  # a GET merges nothing
    merged = api.post(f"/api/v1/people/{ben.pk}/merge/", {"into": ann.pk}, format="json")
    assert merged.status_code == 409 and merged.json()["code"] == "same_photo"
    for query in ("", "?into=abc", f"?into={ben.pk}"):
        assert api.get(f"/api/v1/people/{ben.pk}/merge/{query}").status_code == 400, query


def test_the_api_preview_of_people_who_share_nothing_allows_it(alice, api_client_for, album):
    ann, ben = album["ann"], album["ben"]
    preview = api_client_for(alice).get(f"/api/v1/people/{ben.pk}/merge/?into={ann.pk}")
    assert preview.json() == {"faces": 3, "allowed": True, "shared_photo_ids": [], "refusal": ""}


# --- Forgetting leaves nothing that names them ---------------------------------------------


def test_forgetting_a_person_given_back_by_an_undo_deletes_that_merge_record(
    alice, api_client_for, album
):
    ann, ben = album["ann"], album["ben"]
    people.update_person(ben, name="Ben Secret", birthday=date(1990, 4, 23))
    people.merge(ben, ann)
    back = people.undo_merge(PersonMerge.objects.get())
    assert PersonMerge.objects.get().source_id == back.pk
    api = api_client_for(alice)
    assert api.get(f"/api/v1/people/{back.pk}/forget/").json()["merges"] == 1

    api.post(f"/api/v1/people/{back.pk}/forget/", {}, format="json")
    assert "Ben Secret" not in api.get("/api/v1/people/merges/").content.decode()
    assert not PersonMerge.objects.filter(source_name="Ben Secret").exists()


def test_a_person_given_back_then_merged_again_takes_the_record_along(alice, album, photos_dir):
    ann, ben = album["ann"], album["ben"]
    people.update_person(ben, name="Ben Secret")
    people.merge(ben, ann)
    back = people.undo_merge(PersonMerge.objects.get())
    cat = Person.objects.create(owner=alice, pack=base.PACK, name="Cat")
    add_face(alice, make_photo(alice, photos_dir / "scenes/ibm_city.jpg"), "cat", person=cat)
    people.merge(back, cat)  # Ben Secret's faces (and name in the history) are Cat's now
    people.forget(cat)
    assert not PersonMerge.objects.filter(source_name="Ben Secret").exists()


def test_forgetting_a_person_discards_the_exports_built_earlier(
    alice, alice_client, album, django_capture_on_commit_callbacks
):
    ann = album["ann"]
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("privacy:export-start"))
    job = ExportJob.objects.get(user=alice, status=ExportStatus.READY)
    zip_name = job.file.name
    assert default_storage.exists(zip_name)
    url = reverse("photos:person-forget", args=[ann.pk])
    assert "1 export of your data built earlier" in alice_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(url)
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert "person was forgotten" in job.error
    assert not default_storage.exists(zip_name)
