"""A real worker killed with SIGKILL in the middle of a photo's analysis, then restarted:
the photo ends analysed, with exactly one set of faces and tags (make test-postgres)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from photos import ml, tasks
from photos.analysis import queue
from photos.analysis.media import load_media
from photos.models import AnalysisStatus, AnalysisStep, Face, Photo, Step, Tag
from privacy.models import Outcome, ProcessingRecord, Scope
from tests.factories import make_photo


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_analysis_leaves_one_set_of_faces_and_tags(
    alice, grant, photos_dir, celery_worker_process
):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    # A crowd photo: about a hundred faces make the faces step last long enough to hit.
    photo = make_photo(alice, photos_dir / "scenes/selfie.jpg", status=AnalysisStatus.PENDING)
    expected_faces = len(
        ml.face_model().detect(
            load_media(photo).frames[0].rgb[:, :, ::-1].copy(),
            min_score=0.5,
            min_size=24 / load_media(photo).frames[0].scale,
        )
    )
    assert expected_faces >= 50

    queue.queue_analysis([photo.pk])
    running = AnalysisStep.objects.filter(
        photo=photo, step__in=[Step.FACES, Step.SCENES], status=AnalysisStatus.RUNNING
    )
    wait_for(running.exists, 120, "the faces step to start")
    celery_worker_process.kill()

    photo.refresh_from_db()
    assert photo.analysis_status != AnalysisStatus.DONE  # it really died mid-way

    celery_worker_process.start()
    # The message was never acknowledged. Redis gives it back only after its visibility
    # timeout, so the beat's sweep finds the photo stuck "running" first: make it old enough
    # and run the sweep on the worker, as beat would. RabbitMQ gives the message back as
    # soon as the dead worker's connection drops, so there the photo may be analysed twice
    # (redelivery and sweep): the counts below hold only if that leaves one set of rows.
    Photo.objects.filter(pk=photo.pk).update(
        queued_at=timezone.now() - queue.STALE_AFTER - timedelta(minutes=1)
    )
    tasks.sweep_pending.delay()
    wait_for(
        lambda: Photo.objects.get(pk=photo.pk).analysis_status == AnalysisStatus.DONE,
        180,
        "the analysis to finish after the restart",
    )

    assert Face.objects.filter(photo=photo).count() == expected_faces
    assert Face.objects.filter(owner=alice).count() == expected_faces
    tags = list(Tag.objects.filter(photo=photo).values_list("label", flat=True))
    assert tags and len(tags) == len(set(tags))
    for step in (Step.FACES, Step.SCENES, Step.QUALITY, Step.DUPLICATES):
        done = ProcessingRecord.objects.filter(photo_ref=photo.pk, step=step, outcome=Outcome.DONE)
        assert done.count() == 1, step
