"""The analysis pipeline on real photos and the shared models: steps, consent, idempotency."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from photos import ml, tasks
from photos.analysis import queue
from photos.analysis.progress import progress
from photos.models import AnalysisStatus, AnalysisStep, Face, Photo, PhotoTheme, Step, Tag
from privacy import consent
from privacy.models import Outcome, ProcessingRecord, Scope
from tests.factories import make_photo

pytestmark = pytest.mark.django_db

ALL = (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)


def pending_photo(owner, path, **fields):
    return make_photo(owner, path, status=AnalysisStatus.PENDING, **fields)


def statuses(photo):
    return dict(AnalysisStep.objects.filter(photo=photo).values_list("step", "status"))


def snapshot(photo):
    faces = sorted(
        (round(f.x1), round(f.y1), f.person_id, bytes(f.embedding), f.crop.name)
        for f in Face.objects.filter(photo=photo)
    )
    tags = sorted(Tag.objects.filter(photo=photo).values_list("label", "score"))
    themes = sorted(PhotoTheme.objects.filter(photo=photo).values_list("theme", "score"))
    photo.refresh_from_db()
    return faces, tags, themes, photo.phash, photo.quality_score, photo.duplicate_group


def test_it_runs_every_step_and_records_each_one(alice, grant, photos_dir):
    grant(alice, *ALL)
    photo = pending_photo(alice, photos_dir / "scenes/insightface_t1.jpg")

    tasks.analyse_photo(photo.pk)

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.DONE
    assert set(statuses(photo).values()) == {AnalysisStatus.DONE}
    assert photo.thumbnail.name and photo.preview.name
    assert Face.objects.filter(photo=photo).count() == 6
    assert photo.quality_score is not None and 0 <= photo.quality_score <= 1
    assert len(photo.phash) == 16
    records = {r.step: r for r in ProcessingRecord.objects.filter(photo_ref=photo.pk)}
    assert set(records) == {Step.FACES, Step.SCENES, Step.QUALITY, Step.DUPLICATES}
    assert all(r.outcome == Outcome.DONE for r in records.values())
    assert records[Step.FACES].summary.startswith("6 faces detected, 6 embeddings stored")
    assert records[Step.FACES].model_name == ml.face_model().pack
    assert records[Step.SCENES].summary.startswith("tags: ")
    assert records[Step.SCENES].model_version
    assert records[Step.SCENES].finished_at >= records[Step.SCENES].started_at


def test_it_leaves_the_same_rows_when_run_twice(alice, grant, photos_dir):
    grant(alice, *ALL)
    photo = pending_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg")
    tasks.analyse_photo(photo.pk)
    first = snapshot(photo)
    assert len(first[0]) == 2 and first[1]

    # Every step again, as after a redelivery of a message whose worker died.
    AnalysisStep.objects.filter(photo=photo).update(status=AnalysisStatus.RUNNING)
    tasks.analyse_photo(photo.pk)

    assert snapshot(photo) == first
    assert Face.objects.filter(owner=alice).count() == 2


def test_it_skips_everything_without_consent_and_ends_skipped(alice, photos_dir):
    photo = pending_photo(alice, photos_dir / "scenes/ibm_dog.jpg")

    tasks.analyse_photo(photo.pk)

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.SKIPPED
    steps = statuses(photo)
    assert steps.pop(Step.DERIVATIVES) == AnalysisStatus.DONE  # display, not analysis
    assert set(steps.values()) == {AnalysisStatus.SKIPPED}
    assert not Tag.objects.filter(photo=photo).exists()
    assert photo.phash == "" and photo.quality_score is None
    records = ProcessingRecord.objects.filter(photo_ref=photo.pk)
    assert records.count() == 4
    assert set(records.values_list("outcome", "scope_missing")) == {
        (Outcome.SKIPPED, Scope.CLOUD_PROCESSING)
    }


def test_it_skips_faces_without_face_analysis_but_runs_the_rest(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = pending_photo(alice, photos_dir / "scenes/insightface_t1.jpg")

    tasks.analyse_photo(photo.pk)

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.DONE
    assert statuses(photo)[Step.FACES] == AnalysisStatus.SKIPPED
    assert not Face.objects.filter(owner=alice).exists()
    assert Tag.objects.filter(photo=photo).exists()
    record = ProcessingRecord.objects.get(photo_ref=photo.pk, step=Step.FACES)
    assert (record.outcome, record.scope_missing) == (Outcome.SKIPPED, Scope.FACE_ANALYSIS)


def test_it_writes_nothing_when_consent_is_revoked_while_a_model_runs(alice, grant, photos_dir):
    """Queued (and even started) before the revocation: no faces, tags or themes after."""
    grant(alice, *ALL)
    photo = pending_photo(alice, photos_dir / "scenes/insightface_t1.jpg")
    real = ml.FaceModel.detect

    def revoke_midway(self, *args, **kwargs):
        found = real(self, *args, **kwargs)
        consent.revoke(alice, Scope.CLOUD_PROCESSING)
        return found

    with mock.patch.object(ml.FaceModel, "detect", revoke_midway):
        tasks.analyse_photo(photo.pk)

    photo.refresh_from_db()
    assert not Face.objects.filter(owner=alice).exists()
    assert not Tag.objects.filter(photo=photo).exists()
    assert not PhotoTheme.objects.filter(photo=photo).exists()
    assert photo.phash == "" and photo.quality_score is None
    assert photo.analysis_status == AnalysisStatus.SKIPPED
    outcomes = set(
        ProcessingRecord.objects.filter(photo_ref=photo.pk).values_list("outcome", flat=True)
    )
    assert outcomes == {Outcome.SKIPPED}


def test_it_waits_for_a_missing_model_and_resumes_when_it_is_there(
    alice, grant, photos_dir, settings, tmp_path
):
    grant(alice, *ALL)
    real_pack = settings.FACE_MODEL_PACK
    settings.FACE_MODEL_PACK = str(tmp_path / "no-such-pack")
    photo = pending_photo(alice, photos_dir / "people/obama/obama_1.jpg")

    tasks.analyse_photo(photo.pk)

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.WAITING
    step = AnalysisStep.objects.get(photo=photo, step=Step.FACES)
    assert step.status == AnalysisStatus.WAITING
    assert "FACE_MODEL_PACK" in step.message
    assert statuses(photo)[Step.SCENES] == AnalysisStatus.DONE
    record = ProcessingRecord.objects.get(photo_ref=photo.pk, step=Step.FACES)
    assert record.outcome == Outcome.WAITING
    # What the owner is shown names the setting, not the server's folders.
    shown = [step.message, record.summary, *progress(alice)["waiting_messages"]]
    assert all(str(tmp_path) not in text and "FACE_MODEL_PACK" in text for text in shown)

    assert queue.sweep()["model_back"] == 0  # still missing: nothing queued

    settings.FACE_MODEL_PACK = real_pack
    assert tasks.sweep_pending()["model_back"] == 1

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.DONE
    assert Face.objects.filter(photo=photo).count() == 1


def test_it_waits_for_a_missing_scene_model_naming_the_setting(
    alice, grant, photos_dir, settings, tmp_path
):
    grant(alice, *ALL)
    settings.SCENE_MODEL = str(tmp_path / "missing.onnx")
    photo = pending_photo(alice, photos_dir / "scenes/ibm_pizza.jpg")

    tasks.analyse_photo(photo.pk)

    step = AnalysisStep.objects.get(photo=photo, step=Step.SCENES)
    assert step.status == AnalysisStatus.WAITING and "SCENE_MODEL" in step.message


def test_the_sweep_queues_photos_the_broker_never_got(alice, grant, photos_dir):
    grant(alice, *ALL)
    lost = pending_photo(alice, photos_dir / "scenes/ibm_coffee.jpg")
    stuck = pending_photo(alice, photos_dir / "scenes/ibm_taxis.jpg")
    fresh = pending_photo(alice, photos_dir / "scenes/ibm_city.jpg")
    now = timezone.now()
    Photo.objects.filter(pk=lost.pk).update(uploaded_at=now - timedelta(minutes=5))
    Photo.objects.filter(pk=stuck.pk).update(
        analysis_status=AnalysisStatus.RUNNING, queued_at=now - timedelta(hours=2)
    )
    Photo.objects.filter(pk=fresh.pk).update(queued_at=now)

    assert tasks.sweep_pending()["stalled"] == 2

    assert Photo.objects.get(pk=lost.pk).analysis_status == AnalysisStatus.DONE
    assert Photo.objects.get(pk=stuck.pk).analysis_status == AnalysisStatus.DONE
    assert Photo.objects.get(pk=fresh.pk).analysis_status == AnalysisStatus.PENDING


def test_a_broker_that_is_down_leaves_the_photo_for_the_sweep(alice, photos_dir, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    photo = pending_photo(alice, photos_dir / "scenes/ibm_coffee.jpg")
    with mock.patch.object(tasks.analyse_photo, "delay", side_effect=ConnectionError("down")):
        queue.queue_analysis([photo.pk])
    photo.refresh_from_db()
    assert photo.queued_at is None and photo.analysis_status == AnalysisStatus.PENDING
    assert AnalysisStep.objects.filter(photo=photo).count() == 5


def test_a_failed_step_is_recorded_and_can_be_retried(
    alice, grant, photos_dir, django_capture_on_commit_callbacks
):
    grant(alice, *ALL)
    photo = pending_photo(alice, photos_dir / "scenes/ibm_burger.jpg")
    with mock.patch.object(ml.SceneModel, "probabilities", side_effect=RuntimeError("boom")):
        tasks.analyse_photo(photo.pk)
    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.FAILED
    step = AnalysisStep.objects.get(photo=photo, step=Step.SCENES)
    assert step.status == AnalysisStatus.FAILED and "boom" in step.message
    assert (
        ProcessingRecord.objects.get(photo_ref=photo.pk, step=Step.SCENES).outcome == Outcome.FAILED
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert queue.retry_failed(Photo.objects.filter(pk=photo.pk)) == 1

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.DONE
    assert Tag.objects.filter(photo=photo, label="cheeseburger").exists()


def test_it_queues_suggestions_when_the_owners_queue_drains(
    alice, grant, photos_dir, django_capture_on_commit_callbacks
):
    grant(alice, *ALL)
    first = pending_photo(alice, photos_dir / "scenes/ibm_pizza.jpg")
    second = pending_photo(alice, photos_dir / "scenes/ibm_burger.jpg")
    with mock.patch("suggestions.tasks.generate_for_user.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.analyse_photo(first.pk)
        assert delay.call_count == 0  # the second photo is still waiting
        with django_capture_on_commit_callbacks(execute=True):
            tasks.analyse_photo(second.pk)
        delay.assert_called_once_with(alice.pk)


def test_it_ignores_a_photo_deleted_before_it_ran(alice, grant, photos_dir):
    grant(alice, *ALL)
    photo = pending_photo(alice, photos_dir / "scenes/ibm_pizza.jpg")
    pk = photo.pk
    photo.delete()
    assert tasks.analyse_photo(pk) is None


def test_it_analyses_skipped_photos_once_consent_is_granted(
    alice, grant, photos_dir, django_capture_on_commit_callbacks
):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = pending_photo(alice, photos_dir / "people/groups/biden_and_obama.jpg")
    tasks.analyse_photo(photo.pk)
    assert statuses(photo)[Step.FACES] == AnalysisStatus.SKIPPED
    assert not Face.objects.filter(photo=photo).exists()

    with django_capture_on_commit_callbacks(execute=True):
        consent.grant(alice, Scope.FACE_ANALYSIS)

    assert statuses(photo)[Step.FACES] == AnalysisStatus.DONE
    assert Face.objects.filter(photo=photo).count() == 2
    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.DONE


def test_it_does_not_analyse_again_when_an_unrelated_scope_is_granted(
    alice, grant, photos_dir, django_capture_on_commit_callbacks
):
    photo = pending_photo(alice, photos_dir / "scenes/ibm_dog.jpg")
    tasks.analyse_photo(photo.pk)
    before = ProcessingRecord.objects.filter(photo_ref=photo.pk).count()
    assert before > 0

    with django_capture_on_commit_callbacks(execute=True):
        consent.grant(alice, Scope.CAMERA_ROLL_SYNC)

    assert ProcessingRecord.objects.filter(photo_ref=photo.pk).count() == before
    assert set(statuses(photo).values()) - {AnalysisStatus.DONE} == {AnalysisStatus.SKIPPED}
