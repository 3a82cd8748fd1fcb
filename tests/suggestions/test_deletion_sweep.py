"""Every way data is deleted, run while a suggestion generation, a story video and an
export are in flight (real threads, held after their slow work started and let go once the
deletion committed), then the database and the storage are searched: nothing of the
deleted data is left, and no file is left that no row names. On SQLite (a file, see
tests/races.py) and PostgreSQL."""

import io
import json
import zipfile
from datetime import timedelta

import numpy as np
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from photos import people, trash
from photos import services as photo_services
from photos.derivatives import make_derivatives
from photos.models import Face, Person, Photo, PhotoTheme, Tag
from photos.personal_data import PhotosData
from privacy import consent, export
from privacy import services as privacy_services
from privacy.models import ExportJob, ExportStatus, Outcome, ProcessingRecord
from privacy.records import FINDINGS_DELETED
from suggestions import services, stories, tasks
from suggestions.models import StoryVideo, Suggestion
from tests.factories import make_photo
from tests.races import Gate, files_under, fresh, race, start
from tests.suggestions.conftest import yesterday

SCOPES = ("cloud_processing", "camera_roll_sync", "face_analysis", "older_photos", "ai_training")


def _face(photo, person, i):
    vector = np.random.default_rng(photo.pk).standard_normal(512).astype("float32")
    face = Face.objects.create(
        owner=photo.owner, photo=photo, person=person, x1=10 + i, y1=20, x2=110, y2=140,
        det_score=0.9, embedding=(vector / np.linalg.norm(vector)).tobytes(), pack="p", dim=512,
    )  # fmt: skip
    face.crop.save(f"crop-{face.pk}.jpg", ContentFile(b"\xff\xd8 a face crop"), save=True)
    return face


def _library(user, photos_dir, make_suggestion):
    """Photos with thumbnails, faces (with crops) of a named person, tags, themes and
    records, and a suggestion naming the person, whose story will be rendered."""
    person = Person.objects.create(owner=user, name="Ada", pack="p")
    photos = []
    for i, name in enumerate(("ibm_dog.jpg", "pelican.jpeg", "ibm_city.jpg", "ibm_pizza.jpg")):
        photo = make_photo(
            user, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.7
        )
        make_derivatives(photo)
        if i < 2:
            _face(photo, person, i)
        Tag.objects.create(photo=photo, label="seashore", score=0.7, model_name="m")
        PhotoTheme.objects.create(photo=photo, owner=user, theme="beach", score=0.7)
        ProcessingRecord.objects.create(
            user=user, photo_ref=photo.pk, photo_name=photo.original_name, step="scenes",
            model_name="m", started_at=timezone.now(), finished_at=timezone.now(),
            outcome=Outcome.DONE, summary="tags: seashore 0.70",
        )  # fmt: skip
        photos.append(photo)
    photo_services.recount_faces([person.pk])
    story = make_suggestion(user)  # explanation people: ["Ada"], as generation marks it:
    Suggestion.objects.filter(pk=story.pk).update(uses_faces=True)
    story.people.add(person)  # and the card's people, which forgetting reads
    return photos, person, story


def _hold_after(monkeypatch, owner, name, gate):
    original = getattr(owner, name)

    def held(*args, **kwargs):
        done = original(*args, **kwargs)
        gate.hold()
        return done

    monkeypatch.setattr(owner, name, held)


def _hold_before_frames(monkeypatch, gate):
    frames = stories._frames

    def held(*args, **kwargs):
        gate.hold()
        yield from frames(*args, **kwargs)

    monkeypatch.setattr(stories, "_frames", held)


def _in_flight(user, story, monkeypatch):
    """Start the three jobs and return once each is held: generation after rendering its
    first image, the video at its first frame, the export after the photos went into it."""
    gate = Gate(parties=3)
    _hold_after(monkeypatch, services, "_render", gate)
    _hold_before_frames(monkeypatch, gate)
    _hold_after(monkeypatch, PhotosData, "export", gate)
    video = StoryVideo.objects.create(owner=user, suggestion=story)
    job = ExportJob.objects.create(user=user)
    jobs = [
        start(services.generate, fresh(user)),
        start(tasks.render_story_video, video.pk),
        start(export.build, ExportJob.objects.get(pk=job.pk)),
    ]
    gate.reached()
    return gate, jobs


# --- The deletions: each returns what must be gone ------------------------------------------


def _delete_photo(user, photos, person, story):
    photo_services.delete_photos(user, Photo.objects.filter(pk=story.photos.first().pk))


def _purge_trash(user, photos, person, story):
    trash.trash_photos(user, [story.photos.first().pk])
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        trash.purge_expired()


def _forget_person(user, photos, person, story):
    people.forget(person)


def _delete_analysis(user, photos, person, story):
    privacy_services.delete_derived_data(user)


def _delete_all(user, photos, person, story):
    privacy_services.delete_all_photos(user)


def _delete_account(user, photos, person, story):
    privacy_services.delete_account(user)


def _revoker(scope):
    def revoke(user, photos, person, story):
        consent.revoke(user, scope)

    revoke.__name__ = f"_revoke_{scope}"
    return revoke


DELETIONS = [_delete_photo, _purge_trash, _forget_person, _delete_analysis, _delete_all,
             _delete_account, *(_revoker(s) for s in SCOPES)]  # fmt: skip


def _named_files(user_id) -> set[str]:
    names = set()
    for row in Photo.objects.filter(owner_id=user_id).values_list(
        "original", "thumbnail", "preview", "poster"
    ):
        names.update(row)
    names.update(Face.objects.filter(owner_id=user_id).values_list("crop", flat=True))
    names.update(Suggestion.objects.filter(owner_id=user_id).values_list("image", flat=True))
    names.update(StoryVideo.objects.filter(owner_id=user_id).values_list("file", flat=True))
    names.update(ExportJob.objects.filter(user_id=user_id).values_list("file", flat=True))
    return {n for n in names if n}


def _ready_exports(user_id):
    for job in ExportJob.objects.filter(user_id=user_id, status=ExportStatus.READY):
        with default_storage.open(job.file.name, "rb") as fh, zipfile.ZipFile(fh) as zf:
            yield (
                {name: zf.read(name) for name in zf.namelist() if name.startswith("data/")},
                [n for n in zf.namelist() if n.startswith("originals/")],
            )


@race
@pytest.mark.parametrize("deletion", DELETIONS, ids=lambda d: d.__name__.strip("_"))
def test_every_deletion_leaves_nothing_while_jobs_run(
    alice, grant, photos_dir, make_suggestion, monkeypatch, private_media, small_videos, deletion
):
    grant(alice, *SCOPES)
    photos, person, story = _library(alice, photos_dir, make_suggestion)
    user_id, story_photo = alice.pk, story.photos.first()
    gate, jobs = _in_flight(alice, story, monkeypatch)
    try:
        deletion(alice, photos, person, story)
    finally:
        gate.open()
    for job in jobs:
        job.finish()

    # No file that no row names, whatever the path (an orphan is deleted data left behind).
    assert files_under(private_media, user_id) <= _named_files(user_id)
    # What is left is consistent: no suggestion or video shows a photo that is gone or in
    # the trash, no record names a photo that is gone, no export holds one.
    live = set(Photo.objects.filter(owner_id=user_id, trashed_at=None).values_list("pk", flat=True))
    for suggestion in Suggestion.objects.filter(owner_id=user_id):
        assert set(suggestion.photos.values_list("pk", flat=True)) <= live
    for video in StoryVideo.objects.filter(owner_id=user_id).exclude(file=""):
        assert set(video.suggestion.photos.values_list("pk", flat=True)) <= live
    assert (
        not ProcessingRecord.objects.filter(user_id=user_id)
        .exclude(photo_ref__in=live)
        .exclude(photo_name="")
        .exists()
    )
    for data, originals in _ready_exports(user_id):
        assert {int(n.split("/")[1].split("_")[0]) for n in originals} <= live
        assert {p["id"] for p in json.loads(data["data/photos.json"])} <= live

    name = deletion.__name__
    if name in ("_delete_photo", "_purge_trash"):
        assert not Photo.objects.filter(pk=story_photo.pk).exists()
        assert not [n for n in files_under(private_media, user_id) if story_photo.sha256 in n]
        assert not StoryVideo.objects.filter(
            owner_id=user_id, suggestion__photos=story_photo
        ).exists()
    if name == "_forget_person":
        assert not Person.objects.filter(pk=person.pk).exists()
        assert not Face.objects.filter(owner_id=user_id, person_id=person.pk).exists()
        for suggestion in Suggestion.objects.filter(owner_id=user_id):
            assert "Ada" not in suggestion.title
            assert "Ada" not in (suggestion.explanation or {}).get("people", [])
    if name in ("_delete_analysis", "_revoke_face_analysis"):
        assert not Face.objects.filter(owner_id=user_id).exists()
        assert not Person.objects.filter(owner_id=user_id).exists()
        assert not [n for n in files_under(private_media, user_id) if "/faces/" in n]
        assert not ExportJob.objects.filter(user_id=user_id, status=ExportStatus.READY).exists()
        assert not Suggestion.objects.filter(owner_id=user_id, uses_faces=True).exists()
    if name == "_delete_analysis":
        assert not Tag.objects.filter(photo__owner_id=user_id).exists()
        assert not PhotoTheme.objects.filter(owner_id=user_id).exists()
        assert not Suggestion.objects.filter(owner_id=user_id).exists()
        assert not StoryVideo.objects.filter(owner_id=user_id).exists()
        assert set(
            ProcessingRecord.objects.filter(user_id=user_id).values_list("summary", flat=True)
        ) <= {FINDINGS_DELETED}
    if name in ("_delete_all", "_delete_account"):
        assert files_under(private_media, user_id) == set()
        for model in (Photo, Face, Person, Suggestion, StoryVideo):
            assert not model.objects.filter(owner_id=user_id).exists(), model
        assert not ExportJob.objects.filter(user_id=user_id).exclude(file="").exists()
    if name == "_delete_account":
        assert not get_user_model().objects.filter(pk=user_id).exists()
        assert not ProcessingRecord.objects.filter(user_id=user_id).exists()
    if name == "_revoke_cloud_processing":
        assert not StoryVideo.objects.filter(owner_id=user_id).exists()
        assert not Suggestion.objects.filter(owner_id=user_id).exclude(state="saved").exists()
        assert not [n for n in files_under(private_media, user_id) if "/suggestions/" in n]
    if name == "_revoke_older_photos":
        assert not Suggestion.objects.filter(owner_id=user_id, uses_older_photos=True).exists()
    if name == "_revoke_ai_training":
        out = io.StringIO()
        call_command("training_manifest", "--dry-run", stdout=out)
        assert out.getvalue().startswith("0 photos")
