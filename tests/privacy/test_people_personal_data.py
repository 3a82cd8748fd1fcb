"""Issue 13's people data in the photos provider: the merge history (which keeps the
merged-away person's name and birthday) and the faces' clarity, "not a face" and
"unrecognised" marks are exported, counted and erased; forgetting a person leaves an entry
in the processing log, which the export holds, without the person's name."""

import io
import json
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from photos import people
from photos.models import Face, Person, PersonMerge
from privacy import services
from privacy.models import ExportJob

pytestmark = pytest.mark.django_db


def export_of(client, django_capture_on_commit_callbacks) -> zipfile.ZipFile:
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("privacy:export-start")).status_code == 302
    job = ExportJob.objects.latest("created_at")
    response = client.get(reverse("privacy:export-download", args=[job.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return zipfile.ZipFile(io.BytesIO(body))


@pytest.fixture
def merged(alice, grant, make_analysed):
    """Alice's three faces: one put on "Ada Secret" (born 1990-04-23) by hand, who is then
    merged into alice's other person; one face dismissed as not a face."""
    grant(alice, "cloud_processing", "face_analysis")
    photos = make_analysed(alice, 3)
    friend = Person.objects.get(owner=alice)
    first, second, third = (photo.faces.get() for photo in photos)
    ada = people.assign_face(first, None, name="Ada Secret")
    people.update_person(ada, birthday=date(1990, 4, 23))
    people.merge(ada, friend)
    people.dismiss_faces([third])
    Face.objects.filter(pk=second.pk).update(sharpness=123.4, embedding_norm=16.5, clear=False)
    return {"friend": friend, "faces": (first, second, third)}


def test_it_exports_the_merge_history_and_the_face_marks(
    alice, alice_client, bob, make_analysed, merged, django_capture_on_commit_callbacks
):
    make_analysed(bob, 1)
    archive = export_of(alice_client, django_capture_on_commit_callbacks)

    (row,) = json.loads(archive.read("data/person_merges.json"))
    assert row["merged_name"] == "Ada Secret" and row["merged_birthday"] == "1990-04-23"
    assert row["into_person_id"] == merged["friend"].pk
    assert row["face_ids"] == [merged["faces"][0].pk] and row["undone_at"] is None
    faces = {f["id"]: f for f in json.loads(archive.read("data/faces.json"))}
    first, second, third = merged["faces"]
    assert faces[second.pk]["sharpness"] == 123.4 and faces[second.pk]["embedding_norm"] == 16.5
    assert faces[second.pk]["clear"] is False and faces[first.pk]["clear"] is True
    assert faces[third.pk]["not_a_face"] is True and faces[first.pk]["not_a_face"] is False
    assert "person_merges.json" in archive.read("README.txt").decode()


def test_it_counts_and_erases_the_merge_history(alice, bob, make_analysed, merged, grant):
    grant(bob, "cloud_processing", "face_analysis")
    make_analysed(bob, 2)
    bob_friend = Person.objects.get(owner=bob)
    bob_other = people.assign_face(Face.objects.filter(owner=bob).first(), None, name="B")
    people.merge(bob_other, bob_friend)

    assert services.derived_counts(alice)["person_merges"] == 1
    assert services.photo_counts(alice)["person_merges"] == 1
    deleted = services.delete_derived_data(alice)
    assert deleted["person_merges"] == 1
    assert not PersonMerge.objects.filter(owner=alice).exists()
    assert PersonMerge.objects.filter(owner=bob).count() == 1


def test_the_delete_page_names_the_merge_history(alice_client, merged):
    page = alice_client.get(reverse("privacy:delete", args=["derived"])).content.decode()
    assert "<td>Merge history entries</td><td><strong>1</strong>" in page


def test_a_forgotten_person_is_in_the_exported_log_without_their_name(
    alice, alice_client, merged, django_capture_on_commit_callbacks
):
    friend = merged["friend"]
    face_ids = list(friend.faces.values_list("pk", flat=True))
    assert face_ids
    people.forget(friend, keep_faces=True)
    # The derived counts no longer count embeddings the kept faces lost.
    counts = services.derived_counts(alice)
    assert counts["embeddings"] == counts["faces"] - len(face_ids)

    archive = export_of(alice_client, django_capture_on_commit_callbacks)
    log = json.loads(archive.read("data/processing_log.json"))
    (entry,) = [r for r in log if r["step"] == "person_forgotten"]
    assert "A person was forgotten" in entry["summary"] and entry["finished_at"]
    faces = {f["id"]: f for f in json.loads(archive.read("data/faces.json"))}
    for pk in face_ids:
        assert faces[pk]["unrecognised"] is True and faces[pk]["person_id"] is None
        assert faces[pk]["embedding_float32_base64"] is None
    data = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("data/"))
    # Forgetting deletes the person and the merge history into them: the names are gone.
    assert b"Ada Secret" not in data and b"Friend of alice" not in data
    assert json.loads(archive.read("data/person_merges.json")) == []
