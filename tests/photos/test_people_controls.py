"""People controls: merge undo, multi-select corrections, "not a face", forgetting a person,
the one-face-per-photo rule of assignment and the clear-face gate (synthetic embeddings)."""

from datetime import date

import pytest
from django.urls import reverse

from photos import people
from photos.models import Face, FaceRejection, Person, PersonMerge
from privacy.models import ProcessingRecord
from suggestions.models import Suggestion
from tests.photos import test_people as base
from tests.photos.test_people import add_face, make_photo

pytestmark = pytest.mark.django_db
album = base.album  # the fixture: ann and ben, three photos each


def test_it_undoes_a_merge(alice, album):
    ann, ben = album["ann"], album["ben"]
    people.update_person(ben, name="Ben", birthday=date(1990, 4, 23))
    ben_faces = set(ben.faces.values_list("pk", flat=True))
    merged = people.merge(ben, ann)
    assert merged.name == "Ben" and merged.face_count == 6
    record = PersonMerge.objects.get(owner=alice)
    assert record.into_id == ann.pk and set(record.face_ids) == ben_faces

    back = people.undo_merge(record)
    assert back.name == "Ben" and back.birthday == date(1990, 4, 23)
    assert set(back.faces.values_list("pk", flat=True)) == ben_faces
    ann.refresh_from_db()
    assert ann.name == "" and ann.birthday is None and ann.face_count == 3
    with pytest.raises(people.PeopleError):
        people.undo_merge(PersonMerge.objects.get(pk=record.pk))
    # Nothing from the job puts them together again.
    people.cluster_user(alice)
    assert Person.objects.get(pk=back.pk).face_count == 3


def test_the_people_page_shows_the_merge_history_and_undo(alice_client, album):
    people.merge(album["ben"], album["ann"])
    record = PersonMerge.objects.get()
    page = alice_client.get(reverse("photos:people")).content.decode()
    assert reverse("photos:merge-undo", args=[record.pk]) in page
    response = alice_client.post(reverse("photos:merge-undo", args=[record.pk]))
    assert response.status_code == 302
    assert PersonMerge.objects.get().undone_at is not None
    assert Person.objects.count() == 2


def test_the_merge_confirmation_shows_both_peoples_faces(alice_client, album):
    ann, ben = album["ann"], album["ben"]
    url = reverse("photos:person-merge-confirm", args=[ann.pk]) + f"?into={ben.pk}"
    body = alice_client.get(url).content.decode()
    for face in Face.objects.filter(person__in=[ann, ben]):
        assert reverse("photos:face-crop", args=[face.pk]) in body
    assert Person.objects.count() == 2  # a GET never merges
    assert f'name="into" value="{ben.pk}"' in body


def test_other_users_cannot_undo_merge_forget_or_correct(bob, client, album):
    people.merge(album["ben"], album["ann"])
    record = PersonMerge.objects.get()
    ann = album["ann"]
    face = Face.objects.filter(person=ann).first()
    client.force_login(bob)
    for url, method in [
        (reverse("photos:merge-undo", args=[record.pk]), "post"),
        (reverse("photos:person-forget", args=[ann.pk]), "get"),
        (reverse("photos:person-forget", args=[ann.pk]), "post"),
        (reverse("photos:person-faces", args=[ann.pk]), "post"),
        (reverse("photos:face-dismiss", args=[face.pk]), "post"),
        (reverse("photos:person-merge-confirm", args=[ann.pk]) + f"?into={ann.pk}", "get"),
    ]:
        response = getattr(client, method)(url, {"faces": [face.pk], "action": "dismiss"})
        assert response.status_code == 404, url
    assert PersonMerge.objects.get().undone_at is None
    assert Person.objects.filter(pk=ann.pk).exists()
    assert not Face.objects.get(pk=face.pk).not_a_face


def test_multi_select_takes_faces_off_or_hides_them(alice, alice_client, album):
    ann = album["ann"]
    first, second, third = Face.objects.filter(person=ann).order_by("pk")
    url = reverse("photos:person-faces", args=[ann.pk])
    alice_client.post(url, {"faces": [first.pk, second.pk], "action": "reject"})
    assert set(FaceRejection.objects.values_list("face_id", flat=True)) == {first.pk, second.pk}
    assert Person.objects.get(pk=ann.pk).face_count == 1
    bad = alice_client.post(url, {"faces": ["x"], "action": "explode"})
    assert bad.status_code == 302  # a message, not a 500
    alice_client.post(url, {"faces": [third.pk], "action": "dismiss"})
    third.refresh_from_db()
    assert third.not_a_face and third.person_id is None
    assert not Person.objects.filter(pk=ann.pk).exists()  # unnamed and left with nothing
    people.cluster_user(alice)
    assert Face.objects.get(pk=third.pk).person_id is None


def test_a_second_face_of_one_photo_takes_the_next_person_or_nobody(alice, album, photos_dir):
    ann = album["ann"]
    photo = album["photos"][0]  # already holds one of ann's faces
    twin = add_face(alice, photo, "ann", x=300)
    assert people.assign_new_faces(alice.pk, ann.pack, [twin]) == 0
    twin.refresh_from_db()
    assert twin.person_id is None
    # Two new faces of one fresh photo, both close to ann: the closer one gets her.
    fresh = make_photo(alice, photos_dir / "scenes/ibm_city.jpg")
    a = add_face(alice, fresh, "ann", x=10)
    b = add_face(alice, fresh, "ann", x=300)
    assert people.assign_new_faces(alice.pk, ann.pack, [a, b]) == 1
    assert sorted([Face.objects.get(pk=a.pk).person_id, Face.objects.get(pk=b.pk).person_id],
                  key=str) == sorted([ann.pk, None], key=str)  # fmt: skip


def test_unclear_faces_are_never_grouped_nor_matched(alice, album, photos_dir):
    ann = album["ann"]
    blurred = add_face(alice, make_photo(alice, photos_dir / "scenes/ibm_city.jpg"), "ann")
    Face.objects.filter(pk=blurred.pk).update(clear=False)
    blurred.refresh_from_db()
    assert people.assign_new_faces(alice.pk, ann.pack, [blurred]) == 0
    loose = [add_face(alice, make_photo(alice, photos_dir / "scenes/ibm_city.jpg"), "cat")
             for _ in range(3)]  # fmt: skip
    Face.objects.filter(pk__in=[f.pk for f in loose]).update(clear=False)
    assert people.cluster_user(alice)["people"] == 0
    Face.objects.filter(pk__in=[f.pk for f in loose]).update(clear=True)
    assert people.cluster_user(alice)["people"] == 1


def test_forgetting_a_person_shows_counts_then_deletes(alice, alice_client, album):
    ann = album["ann"]
    people.update_person(ann, name="Ann", birthday=date(1980, 1, 2))
    used = Suggestion.objects.create(
        owner=alice, kind="birthday", key=f"birthday:p{ann.pk}:2025", title="Ann's birthday",
        uses_faces=True, explanation={"people": ["Ann"]},
    )  # fmt: skip
    used.people.add(ann)  # as generation links it (Proposal.person_ids)
    other = Suggestion.objects.create(owner=alice, kind="trip", key="trip:1", title="Trip")
    crops = list(Face.objects.filter(person=ann).values_list("crop", flat=True))
    url = reverse("photos:person-forget", args=[ann.pk])
    preview = alice_client.get(url)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "<strong>3</strong> faces" in body and "<strong>1</strong> suggestion" in body
    assert Person.objects.filter(pk=ann.pk).exists()  # the preview deletes nothing

    alice_client.post(url)
    assert not Person.objects.filter(pk=ann.pk).exists()
    assert not Face.objects.filter(crop__in=crops).exists()
    assert not Suggestion.objects.filter(pk=used.pk).exists()
    assert Suggestion.objects.filter(pk=other.pk).exists()
    record = ProcessingRecord.objects.get(user=alice, step="person_forgotten")
    assert record.details["faces"] == 3 and record.details["suggestions"] == 1
    assert "Ann" not in record.summary


def test_forgetting_can_keep_the_faces_as_unrecognised(alice, album):
    ben = album["ben"]
    ids = set(ben.faces.values_list("pk", flat=True))
    counts = people.forget(ben, keep_faces=True)
    assert counts["kept_faces"] == 3
    kept = Face.objects.filter(pk__in=ids)
    assert kept.count() == 3 and not kept.filter(clear=True).exists()
    assert all(f.unrecognised and bytes(f.embedding) == b"" and not f.crop for f in kept)
    people.cluster_user(alice)
    assert not Face.objects.filter(pk__in=ids).exclude(person=None).exists()


# --- API -----------------------------------------------------------------------------------


def test_api_corrects_faces_undoes_merges_and_forgets(alice, bob, api_client_for, album):
    api = api_client_for(alice)
    ann, ben = album["ann"], album["ben"]
    first, second, _third = Face.objects.filter(person=ann).order_by("pk")
    response = api.post(
        f"/api/v1/people/{ann.pk}/faces/",
        {"faces": [first.pk], "action": "reject"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["face_count"] == 2
    response = api.post(
        f"/api/v1/people/{ann.pk}/faces/",
        {"faces": [second.pk], "action": "dismiss"},
        format="json",
    )
    assert response.status_code == 200 and Face.objects.get(pk=second.pk).not_a_face
    for body in ({"faces": [], "action": "reject"}, {"faces": ["1"], "action": "reject"},
                 {"faces": [first.pk], "action": "explode"}, {"faces": [first.pk]}):  # fmt: skip
        bad = api.post(f"/api/v1/people/{ann.pk}/faces/", body, format="json")
        assert bad.status_code == 400, body

    merged = api.post(f"/api/v1/people/{ben.pk}/merge/", {"into": ann.pk}, format="json")
    assert merged.status_code == 200
    history = api.get("/api/v1/people/merges/").json()
    assert [m["into"] for m in history] == [ann.pk]
    assert api_client_for(bob).get("/api/v1/people/merges/").json() == []
    undo = f"/api/v1/people/{ann.pk}/undo-merge/"
    assert api_client_for(bob).post(undo, {}, format="json").status_code == 404
    assert api.post(undo, {"merge": 2**40}, format="json").status_code == 404
    assert api.post(undo, {"merge": "1"}, format="json").status_code == 400
    undone = api.post(undo, {"merge": history[0]["id"]}, format="json")
    assert undone.status_code == 200 and undone.json()["face_count"] == 3
    again = api.post(undo, {"merge": history[0]["id"]}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_undone"
    assert api.post(undo, {}, format="json").status_code == 404  # none left to undo

    ben_id = undone.json()["id"]
    preview = api.get(f"/api/v1/people/{ben_id}/forget/")
    assert preview.status_code == 200 and preview.json()["faces"] == 3
    assert Person.objects.filter(pk=ben_id).exists()
    assert (
        api_client_for(bob).post(f"/api/v1/people/{ben_id}/forget/", {}, format="json").status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/people/{ben_id}/forget/", {"keep_faces": "yes"}, format="json"
        ).status_code
        == 400
    )
    done = api.post(f"/api/v1/people/{ben_id}/forget/", {"keep_faces": False}, format="json")
    assert done.status_code == 200 and done.json()["faces"] == 3
    assert not Person.objects.filter(pk=ben_id).exists()
