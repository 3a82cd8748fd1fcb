"""People: services (assign, merge, reject, by-hand), pages and the people API."""

import io
from datetime import date, timedelta

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from photos import people
from photos.lib import faces as face_maths
from photos.models import AnalysisStatus, Face, FaceRejection, Person
from privacy import consent
from privacy.models import Scope
from tests.factories import make_photo as factory_photo

pytestmark = pytest.mark.django_db
_clock = iter(range(1, 100_000))


def make_photo(owner, source, **fields):
    """A photo with its own capture time, so that copies of one source differ in bytes."""
    taken_at = timezone.now() - timedelta(minutes=next(_clock))
    return factory_photo(owner, source, taken_at=taken_at, **fields)


PACK = "face@test"
rng = np.random.default_rng(7)
ANCHORS = {name: face_maths.normalise(rng.normal(size=128)) for name in ("ann", "ben", "cat")}


def embedding(name):
    """A face of `name`: the person's anchor plus a little noise (cosine distance ~0.1)."""
    return face_maths.normalise(ANCHORS[name] + rng.normal(scale=0.03, size=128))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 150, 120)).save(out, "JPEG")
    return out.getvalue()


def add_face(owner, photo, name, *, pack=PACK, person=None, x=10):
    face = Face(
        owner=owner,
        photo=photo,
        person=person,
        x1=x,
        y1=10,
        x2=x + 50,
        y2=70,
        landmarks=[[20, 20]] * 5,
        det_score=0.9,
        embedding=face_maths.to_bytes(embedding(name)),
        pack=pack,
        dim=128,
    )
    face.crop.save(f"{photo.pk}-{x}.jpg", ContentFile(jpeg()), save=False)
    face.save()
    return face


@pytest.fixture
def album(alice, grant, photos_dir, settings):
    """Alice: three photos each of ann and ben, clustered into two people."""
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    settings.PERSON_MIN_FACES = 3
    src = photos_dir / "scenes/ibm_city.jpg"
    photos = [make_photo(alice, src, status=AnalysisStatus.DONE) for _ in range(6)]
    for i, photo in enumerate(photos):
        add_face(alice, photo, "ann" if i < 3 else "ben")
    people.cluster_user(alice)
    ann = Face.objects.filter(photo=photos[0]).get().person
    ben = Face.objects.filter(photo=photos[3]).get().person
    return {"photos": photos, "ann": ann, "ben": ben}


def test_clustering_makes_one_person_per_face_group(alice, album):
    assert album["ann"] is not None and album["ben"] is not None
    assert album["ann"].pk != album["ben"].pk
    assert Person.objects.for_owner(alice).count() == 2
    ann = Person.objects.get(pk=album["ann"].pk)
    assert ann.face_count == 3 and ann.cover_face_id is not None
    assert len(face_maths.from_bytes(ann.centroid)) == 128


def test_a_rejected_face_never_goes_back(alice, album):
    face = Face.objects.get(photo=album["photos"][0])
    people.reject_face(face)
    face.refresh_from_db()
    assert face.person_id is None
    assert FaceRejection.objects.filter(face=face, person=album["ann"]).exists()
    assert Person.objects.get(pk=album["ann"].pk).face_count == 2

    people.cluster_user(alice)  # the beat job must not put it back
    face.refresh_from_db()
    assert face.person_id != album["ann"].pk


def test_a_face_assigned_by_hand_is_never_moved(alice, album):
    face = Face.objects.get(photo=album["photos"][0])  # an "ann" face
    people.assign_face(face, album["ben"])
    face.refresh_from_db()
    assert face.person_id == album["ben"].pk and face.assigned_by_user
    people.cluster_user(alice)
    face.refresh_from_db()
    assert face.person_id == album["ben"].pk
    assert Person.objects.get(pk=album["ben"].pk).face_count == 4


def test_assign_to_a_new_person_by_name(alice, album):
    face = Face.objects.get(photo=album["photos"][0])
    person = people.assign_face(face, None, name="Annie")
    assert person.name == "Annie" and person.pack == PACK and person.face_count == 1


def test_merge_moves_faces_and_keeps_names(alice, album):
    people.update_person(album["ben"], name="Ben", birthday=date(1990, 4, 23))
    merged = people.merge(album["ben"], album["ann"])
    assert merged.pk == album["ann"].pk
    assert merged.name == "Ben" and merged.birthday == date(1990, 4, 23)
    assert merged.face_count == 6
    assert not Person.objects.filter(pk=album["ben"].pk).exists()


def test_merge_refuses_people_of_different_packs(alice, album):
    other = Person.objects.create(owner=alice, pack="other@1")
    with pytest.raises(people.PeopleError) as exc:
        people.merge(album["ann"], other)
    assert exc.value.code == "different_pack"


# --- Pages ---------------------------------------------------------------------------------


def test_the_people_page_lists_people_with_crops_and_counts(alice_client, album):
    people.update_person(album["ann"], name="Ann Example")
    response = alice_client.get(reverse("photos:people"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ann Example" in body and "3 photos" in body
    ann = Person.objects.get(pk=album["ann"].pk)
    assert reverse("photos:face-crop", args=[ann.cover_face_id]) in body


def test_people_pages_show_nothing_without_face_analysis(alice, alice_client, album):
    consent.revoke(alice, Scope.FACE_ANALYSIS)  # deletes faces and people at once
    response = alice_client.get(reverse("photos:people"))
    assert response.status_code == 200
    assert "Face analysis is off" in response.content.decode()
    assert alice_client.get(reverse("photos:person", args=[album["ann"].pk])).status_code == 404


def test_people_list_page_queries_do_not_grow(alice, alice_client, album, photos_dir):
    with CaptureQueriesContext(connection) as few:
        alice_client.get(reverse("photos:people"))
    for _ in range(3):  # one photo each: faces of one photo are never one person
        add_face(alice, make_photo(alice, photos_dir / "scenes/ibm_city.jpg"), "cat")
    people.cluster_user(alice)
    assert Person.objects.for_owner(alice).count() == 3
    with CaptureQueriesContext(connection) as more:
        alice_client.get(reverse("photos:people"))
    assert len(more) == len(few)


def test_person_page_actions(alice_client, album):
    ann = album["ann"]
    url = reverse("photos:person-update", args=[ann.pk])
    alice_client.post(url, {"name": "Ann", "birthday": "1985-02-01"})
    alice_client.post(url, {"hidden": "1"})
    ann.refresh_from_db()
    assert (ann.name, ann.birthday, ann.hidden) == ("Ann", date(1985, 2, 1), True)
    page = alice_client.get(reverse("photos:person", args=[ann.pk]))
    assert page.status_code == 200 and "Show this person again" in page.content.decode()

    face = Face.objects.filter(person=ann).first()
    alice_client.post(reverse("photos:face-reject", args=[face.pk]))
    assert FaceRejection.objects.filter(face=face, person=ann).exists()
    alice_client.post(reverse("photos:face-assign", args=[face.pk]), {"person": album["ben"].pk})
    face.refresh_from_db()
    assert face.person_id == album["ben"].pk and face.assigned_by_user

    alice_client.post(reverse("photos:person-merge", args=[ann.pk]), {"into": album["ben"].pk})
    assert not Person.objects.filter(pk=ann.pk).exists()


def test_other_users_get_404_for_people_faces_and_crops(bob, client, album):
    client.force_login(bob)
    face = Face.objects.filter(person=album["ann"]).first()
    ann = album["ann"]
    for url, method in [
        (reverse("photos:person", args=[ann.pk]), "get"),
        (reverse("photos:face-crop", args=[face.pk]), "get"),
        (reverse("photos:person-update", args=[ann.pk]), "post"),
        (reverse("photos:person-merge", args=[ann.pk]), "post"),
        (reverse("photos:face-reject", args=[face.pk]), "post"),
        (reverse("photos:face-assign", args=[face.pk]), "post"),
        (reverse("photos:photo-retry", args=[face.photo_id]), "post"),
    ]:
        assert getattr(client, method)(url, {"name": "x", "into": ann.pk}).status_code == 404, url
    ann.refresh_from_db()
    assert ann.name == "" and Face.objects.get(pk=face.pk).person_id == ann.pk


def test_the_face_crop_is_served_to_its_owner(alice_client, album):
    face = Face.objects.filter(person=album["ann"]).first()
    response = alice_client.get(reverse("photos:face-crop", args=[face.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert "private" in response["Cache-Control"]


# --- API -----------------------------------------------------------------------------------


def test_api_lists_people_with_the_contract_fields(alice, api_client_for, album):
    api = api_client_for(alice)
    response = api.get("/api/v1/people/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 2
    assert set(results[0]) == {
        "id", "name", "birthday", "hidden", "face_count", "photo_count", "cover_url",
    }  # fmt: skip
    assert {r["photo_count"] for r in results} == {3}
    cover = api.get(results[0]["cover_url"])
    assert cover.status_code == 200 and cover["Content-Type"] == "image/jpeg"


def test_api_patch_merge_and_photos(alice, api_client_for, album):
    api = api_client_for(alice)
    ann, ben = album["ann"], album["ben"]
    response = api.patch(
        f"/api/v1/people/{ann.pk}/", {"name": "Ann", "birthday": "1980-01-02"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Ann" and response.json()["birthday"] == "1980-01-02"
    bad = api.patch(f"/api/v1/people/{ann.pk}/", {"birthday": "someday"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"

    photos = api.get(f"/api/v1/people/{ann.pk}/photos/")
    assert photos.status_code == 200
    assert {p["id"] for p in photos.json()["results"]} == {p.pk for p in album["photos"][:3]}

    same = api.post(f"/api/v1/people/{ann.pk}/merge/", {"into": ann.pk}, format="json")
    assert same.status_code == 400 and same.json()["code"] == "same_person"
    merged = api.post(f"/api/v1/people/{ben.pk}/merge/", {"into": ann.pk}, format="json")
    assert merged.status_code == 200
    assert merged.json()["id"] == ann.pk and merged.json()["face_count"] == 6


def test_api_people_are_owner_scoped(alice, bob, api_client_for, album):
    api = api_client_for(bob)
    ann = album["ann"]
    assert api.get("/api/v1/people/").json()["results"] == []
    assert api.get(f"/api/v1/people/{ann.pk}/").status_code == 404
    assert api.patch(f"/api/v1/people/{ann.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api.get(f"/api/v1/people/{ann.pk}/photos/").status_code == 404
    assert api.get(f"/api/v1/people/{ann.pk}/cover/").status_code == 404
    mine = api.post(f"/api/v1/people/{ann.pk}/merge/", {"into": album["ben"].pk}, format="json")
    assert mine.status_code == 404
    alices = api_client_for(alice)
    assert (
        alices.post(f"/api/v1/people/{ann.pk}/merge/", {"into": 2**62}, format="json").status_code
        == 404
    )
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/people/").status_code == 401
    assert APIClient().get("/api/v1/processing/status/").status_code == 401


def test_api_people_list_queries_do_not_grow(alice, api_client_for, album, photos_dir):
    api = api_client_for(alice)
    api.get("/api/v1/people/")  # the device's first use writes last_used_at once
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/people/")
    for _ in range(3):  # one photo each: faces of one photo are never one person
        add_face(alice, make_photo(alice, photos_dir / "scenes/ibm_city.jpg"), "cat")
    people.cluster_user(alice)
    with CaptureQueriesContext(connection) as more:
        response = api.get("/api/v1/people/")
    assert len(response.json()["results"]) == 3
    assert len(more) == len(few)


def test_api_processing_status_counts_the_owners_photos(alice, bob, api_client_for, photos_dir):
    src = photos_dir / "scenes/ibm_city.jpg"
    for status in ("done", "done", "pending", "failed", "waiting_for_model"):
        make_photo(alice, src, status=status)
    make_photo(bob, src, status="done")
    response = api_client_for(alice).get("/api/v1/processing/status/")
    assert response.status_code == 200
    assert response.json() == {
        "total": 5, "pending": 1, "running": 0, "done": 2, "failed": 1, "skipped": 0,
        "waiting_for_model": 1,
    }  # fmt: skip


def test_a_persons_page_and_api_cost_the_same_queries_for_more_photos(
    alice, alice_client, api_client_for, album, photos_dir
):
    ann = album["ann"]
    api = api_client_for(alice)
    api.get("/api/v1/people/")  # the device's first use writes last_used_at once
    urls = [
        (alice_client, reverse("photos:person", args=[ann.pk])),
        (api, f"/api/v1/people/{ann.pk}/"),
        (api, f"/api/v1/people/{ann.pk}/photos/"),
        (api, f"/api/v1/people/{ann.pk}/cover/"),
    ]

    def costs():
        counted = []
        for client, url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            counted.append(len(queries))
        return counted

    few = costs()
    for _ in range(5):
        photo = make_photo(alice, photos_dir / "scenes/ibm_city.jpg")
        add_face(alice, photo, "ann", person=ann)
    people.refresh({ann.pk})
    assert Person.objects.get(pk=ann.pk).face_count == 8
    assert costs() == few
