"""The photos.analysis package: what web code imports, the step registry, where the face
crops are written (outside the owner's lock), and the drained signal."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection

from photos import ml, people, tasks
from photos.analysis import queue, runner
from photos.analysis.steps import REGISTRY, AnalysisStepSpec, StepResult, register, steps_needing
from photos.models import AnalysisStatus, AnalysisStep, Face, Photo, Step
from photos.signals import analysis_drained
from privacy import consent
from privacy.models import Outcome, ProcessingRecord, Scope
from tests.factories import make_photo
from tests.photos.conftest import crop_files

ALL = (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
WORKER_MODULES = ("onnxruntime", "insightface", "photos.ml", "photos.analysis.runner")


def modules_loaded_after(*imports) -> list[str]:
    """The worker modules loaded in a fresh process by django.setup() and `imports`."""
    code = (
        "import sys, django\n"
        "django.setup()\n"
        + "".join(f"import {name}\n" for name in imports)
        + f"print(','.join(m for m in {WORKER_MODULES!r} if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=os.environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]


def test_it_queues_work_without_importing_the_worker_modules():
    assert modules_loaded_after("photos.analysis.queue") == []


def test_no_page_or_api_imports_the_worker_modules():
    assert modules_loaded_after("photos.analysis.queue", "photos.ingest", "project.urls") == []


def test_the_checker_sees_a_worker_module_when_one_is_imported():
    assert modules_loaded_after("photos.tasks") == ["photos.ml", "photos.analysis.runner"]


def test_the_registry_declares_every_step_with_its_scopes_in_running_order():
    assert queue.ANALYSIS_STEPS == (
        Step.FACES,
        Step.SCENES,
        Step.QUALITY,
        Step.DUPLICATES,
        Step.TEXT,
    )
    # Only the text step needs the cloud_processing terms in force (v2 added it).
    assert [s.name for s in REGISTRY.values() if s.current_terms] == [Step.TEXT]
    assert (Step.DERIVATIVES, *queue.ANALYSIS_STEPS) == queue.ALL_STEPS
    assert REGISTRY[Step.FACES].scopes == (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    assert steps_needing(Scope.FACE_ANALYSIS) == (Step.FACES,)
    assert steps_needing(Scope.CLOUD_PROCESSING) == queue.ANALYSIS_STEPS
    assert steps_needing(Scope.CAMERA_ROLL_SYNC) == ()
    for spec in REGISTRY.values():
        assert callable(runner._function(spec.compute)) and callable(runner._function(spec.store))


def test_it_refuses_a_step_twice_or_without_cloud_processing():
    with pytest.raises(ValueError, match="twice"):
        register(REGISTRY[Step.SCENES])
    with pytest.raises(ValueError, match="cloud_processing"):
        register(AnalysisStepSpec("bad", (Scope.FACE_ANALYSIS,), "m:c", "m:s"))
    assert "bad" not in REGISTRY


# --- A step added by one module and its registration ------------------------------------


def compute_size(photo, media):
    name = f"u{photo.owner_id}/sizes/{photo.pk}.txt"
    return StepResult("size", "1", data=media.width, files={name: str(media.width).encode()})


def store_size(photo, result, granted):
    (name,) = result.saved.values()
    return f"{result.data} pixels wide", {"width": result.data, "file": name}


@pytest.fixture
def size_step(monkeypatch):
    here = __name__
    spec = AnalysisStepSpec(
        "size", (Scope.CLOUD_PROCESSING,), f"{here}:compute_size", f"{here}:store_size"
    )
    monkeypatch.setitem(REGISTRY, "size", spec)
    # What photos.analysis.queue computes from the registry when it is imported.
    monkeypatch.setattr(queue, "ANALYSIS_STEPS", tuple(REGISTRY))
    monkeypatch.setattr(queue, "ALL_STEPS", (Step.DERIVATIVES, *REGISTRY))
    return spec


@pytest.mark.django_db
def test_a_registered_step_runs_records_and_keeps_its_file(alice, grant, photos_dir, size_step):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = make_photo(alice, photos_dir / "scenes/ibm_city.jpg", status=AnalysisStatus.PENDING)

    tasks.analyse_photo(photo.pk)

    assert AnalysisStep.objects.get(photo=photo, step="size").status == AnalysisStatus.DONE
    record = ProcessingRecord.objects.get(photo_ref=photo.pk, step="size")
    assert record.outcome == Outcome.DONE and record.summary == f"{photo.width} pixels wide"
    with default_storage.open(record.details["file"]) as fh:
        assert fh.read() == str(photo.width).encode()
    assert "size" in steps_needing(Scope.CLOUD_PROCESSING)


@pytest.mark.django_db
def test_a_registered_step_is_skipped_without_its_scope(
    alice, photos_dir, private_media, size_step
):
    photo = make_photo(alice, photos_dir / "scenes/ibm_city.jpg", status=AnalysisStatus.PENDING)

    tasks.analyse_photo(photo.pk)

    assert AnalysisStep.objects.get(photo=photo, step="size").status == AnalysisStatus.SKIPPED
    record = ProcessingRecord.objects.get(photo_ref=photo.pk, step="size")
    assert record.scope_missing == Scope.CLOUD_PROCESSING
    assert not (private_media / f"u{alice.pk}" / "sizes").exists()


# --- Face crops: written before the owner is locked, removed when the store fails ---------


@pytest.mark.django_db
def test_face_crops_are_written_in_the_owner_locked_transaction_once_consent_holds(
    alice, grant, photos_dir, private_media, crop_writes
):
    grant(alice, *ALL)
    photo = make_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg", status="pending")
    outside = len(connection.atomic_blocks)  # the test's own transaction

    tasks.analyse_photo(photo.pk)

    assert len(crop_writes) == 2
    # In the store transaction (privacy.derived.write_derived), not before it opened: a
    # deletion or revocation that committed while the model ran leaves no crop written.
    assert [depth for _, depth in crop_writes] == [outside + 1, outside + 1]
    faces = Face.objects.filter(photo=photo)
    assert {f.crop.name for f in faces} == {name for name, _ in crop_writes}
    assert crop_files(private_media, alice) == {f.crop.name for f in faces}


@pytest.mark.django_db
def test_a_second_run_reuses_its_crops_and_leaves_no_orphan_file(
    alice, grant, photos_dir, private_media, django_capture_on_commit_callbacks
):
    grant(alice, *ALL)
    photo = make_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg", status="pending")
    tasks.analyse_photo(photo.pk)
    first = crop_files(private_media, alice)
    assert len(first) == 2

    AnalysisStep.objects.filter(photo=photo).update(status=AnalysisStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.analyse_photo(photo.pk)

    assert crop_files(private_media, alice) == first
    assert {f.crop.name for f in Face.objects.filter(photo=photo)} == first


@pytest.mark.django_db
def test_the_crops_of_a_failed_faces_store_are_removed(
    alice, grant, photos_dir, private_media, crop_writes
):
    grant(alice, *ALL)
    photo = make_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg", status="pending")

    with mock.patch.object(people, "assign_new_faces", side_effect=RuntimeError("boom")):
        tasks.analyse_photo(photo.pk)

    assert len(crop_writes) == 2  # they were written, then removed
    step = AnalysisStep.objects.get(photo=photo, step=Step.FACES)
    assert step.status == AnalysisStatus.FAILED and "boom" in step.message
    assert not Face.objects.filter(photo=photo).exists()
    assert crop_files(private_media, alice) == set()
    # The other steps were stored, and each step has one record of this run.
    assert AnalysisStep.objects.get(photo=photo, step=Step.SCENES).status == AnalysisStatus.DONE
    outcomes = sorted(
        ProcessingRecord.objects.filter(photo_ref=photo.pk).values_list("step", "outcome")
    )
    assert outcomes == [
        (Step.DUPLICATES, Outcome.DONE),
        (Step.FACES, Outcome.FAILED),
        (Step.QUALITY, Outcome.DONE),
        (Step.SCENES, Outcome.DONE),
    ]


@pytest.mark.django_db
def test_the_crops_of_a_rolled_back_store_are_removed(
    alice, grant, photos_dir, private_media, crop_writes
):
    grant(alice, *ALL)
    photo = make_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg", status="pending")
    photo = Photo.objects.select_related("owner").get(pk=photo.pk)

    busy = OperationalError("database is locked")
    failing = mock.patch.object(people, "assign_new_faces", side_effect=busy)
    with failing, pytest.raises(OperationalError):  # the task retries it with backoff
        runner.analyse(photo)

    assert len(crop_writes) == 2
    assert not Face.objects.filter(photo=photo).exists()
    assert crop_files(private_media, alice) == set()
    assert not ProcessingRecord.objects.filter(photo_ref=photo.pk, outcome=Outcome.DONE).exists()


@pytest.mark.django_db
def test_no_crop_is_written_when_consent_is_revoked_while_the_model_runs(
    alice, grant, photos_dir, private_media, crop_writes
):
    grant(alice, *ALL)
    photo = make_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg", status="pending")
    real = ml.FaceModel.detect

    def revoke_midway(self, *args, **kwargs):
        found = real(self, *args, **kwargs)
        consent.revoke(alice, Scope.FACE_ANALYSIS)
        return found

    with mock.patch.object(ml.FaceModel, "detect", revoke_midway):
        tasks.analyse_photo(photo.pk)

    assert crop_writes == []
    assert AnalysisStep.objects.get(photo=photo, step=Step.FACES).status == AnalysisStatus.SKIPPED
    assert crop_files(private_media, alice) == set()


# --- Drained --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_announces_once_that_the_owners_queue_has_drained(alice, bob, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING)
    first = make_photo(alice, photos_dir / "scenes/ibm_pizza.jpg", status="pending")
    second = make_photo(alice, photos_dir / "scenes/ibm_burger.jpg", status="pending")
    make_photo(bob, photos_dir / "scenes/ibm_dog.jpg", status="pending")  # not alice's queue
    heard = []

    def receiver(sender, user, **kwargs):
        heard.append(user.pk)

    analysis_drained.connect(receiver)
    try:
        tasks.analyse_photo(first.pk)
        assert heard == []  # the second photo is still waiting
        tasks.analyse_photo(second.pk)
    finally:
        analysis_drained.disconnect(receiver)
    assert heard == [alice.pk]
