"""A forgotten person's faces kept as "unrecognised" get no crop and no embedding back when
the photo is analysed again, with the same face pack or another one, and no crop file is
left behind for them (the crops are written outside the store transaction)."""

from unittest import mock

import pytest

from photos import people, tasks
from photos.analysis.steps import faces as faces_step
from photos.models import AnalysisStatus, AnalysisStep, Face, Person, Step
from privacy.models import ProcessingRecord, Scope
from tests.factories import make_photo
from tests.photos.conftest import crop_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def forgotten(alice, grant, photos_dir, private_media, django_capture_on_commit_callbacks):
    """Biden and Obama in one photo; Obama's face named by hand, then forgotten with the
    face kept as unrecognised."""
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    photo = make_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg", status="pending")
    tasks.analyse_photo(photo.pk)
    one, other = Face.objects.filter(photo=photo).order_by("x1")
    person = people.assign_face(one, None, name="Someone")
    with django_capture_on_commit_callbacks(execute=True):
        people.forget(person, keep_faces=True)
    one.refresh_from_db()
    assert one.unrecognised and not one.crop and bytes(one.embedding) == b""
    assert crop_files(private_media, alice) == {other.crop.name}
    return {"photo": photo, "face": one, "other": other}


def reanalyse(photo):
    AnalysisStep.objects.filter(photo=photo, step=Step.FACES).update(status=AnalysisStatus.PENDING)
    tasks.analyse_photo(photo.pk)


def the_unrecognised_face(photo) -> Face:
    (face,) = Face.objects.filter(photo=photo, unrecognised=True)
    return face


def test_it_writes_no_crop_for_a_forgotten_face_on_reanalysis(
    alice, forgotten, private_media, crop_writes, django_capture_on_commit_callbacks
):
    photo, other = forgotten["photo"], forgotten["other"]
    with django_capture_on_commit_callbacks(execute=True):
        reanalyse(photo)

    face = the_unrecognised_face(photo)
    assert face.pk == forgotten["face"].pk
    assert not face.crop and bytes(face.embedding) == b"" and face.embedding_norm is None
    assert not face.clear and face.person_id is None
    # Not even written: the other face's crop is the same file as before, reused.
    assert crop_writes == []
    assert crop_files(private_media, alice) == {other.crop.name}
    record = ProcessingRecord.objects.filter(photo_ref=photo.pk, step=Step.FACES).latest("id")
    assert record.summary.startswith("2 faces detected, 1 embeddings stored")


def test_a_pack_change_gives_a_forgotten_face_no_crop_back(
    alice, forgotten, private_media, crop_writes, django_capture_on_commit_callbacks
):
    photo = forgotten["photo"]
    Face.objects.filter(photo=photo).update(pack="buffalo_l@old")
    Person.objects.filter(owner=alice).update(pack="buffalo_l@old")
    with django_capture_on_commit_callbacks(execute=True):
        reanalyse(photo)

    face = the_unrecognised_face(photo)
    assert face.pk != forgotten["face"].pk  # made again by the new pack
    assert not face.crop and bytes(face.embedding) == b"" and not face.clear
    # The other face made again shows the same crop (same model version, box and pixels):
    # reused, nothing written, and nothing written for the forgotten one.
    assert crop_writes == []
    shown = {f.crop.name for f in Face.objects.filter(photo=photo).exclude(crop="")}
    assert crop_files(private_media, alice) == shown == {forgotten["other"].crop.name}


def test_a_crop_written_before_the_person_was_forgotten_is_removed_after_the_store(
    alice, forgotten, private_media, crop_writes, django_capture_on_commit_callbacks
):
    """Forgotten while the model ran: the compute wrote a crop for the face, the store (the
    authority, under the owner's lock) leaves it off the face and removes the file."""
    photo, other = forgotten["photo"], forgotten["other"]
    with (
        mock.patch.object(faces_step, "_unrecognised_boxes", return_value=[]),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reanalyse(photo)

    face = the_unrecognised_face(photo)
    assert not face.crop and bytes(face.embedding) == b""
    assert len(crop_writes) == 1  # written for the forgotten face, outside the transaction
    assert crop_writes[0][0] != other.crop.name
    assert crop_files(private_media, alice) == {other.crop.name}
