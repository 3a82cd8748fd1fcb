"""The same consent invariant as test_enforcement.py, with the real pipeline and models:
jobs sit in a (captured) queue while consent changes, then a "worker" runs them."""

import random
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from photos import tasks
from photos.analysis import queue as analysis_queue
from photos.analysis.steps import REGISTRY
from photos.models import AnalysisStatus, Face, Photo, PhotoTheme, Tag
from privacy import consent, services
from privacy.models import Outcome, ProcessingRecord, Scope
from tests.factories import make_photo
from tests.privacy.test_enforcement import granted_at

pytestmark = pytest.mark.django_db

FILES = ["people/obama/obama_1.jpg", "scenes/ibm_dog.jpg", "people/biden/biden_1.jpg"]


@pytest.fixture
def broker():
    """analyse_photo.delay() puts the id in a list instead of running it."""
    queue: list[int] = []
    with mock.patch.object(tasks.analyse_photo, "delay", side_effect=queue.append):
        yield queue


def upload(user, path):
    photo = make_photo(user, path, status=AnalysisStatus.PENDING)
    analysis_queue.queue_analysis([photo.pk])
    return photo


def assert_pipeline_respected_consent():
    done = ProcessingRecord.objects.filter(outcome=Outcome.DONE).select_related("user")
    assert ProcessingRecord.objects.exists()
    for record in done:
        for scope in REGISTRY[record.step].scopes:
            assert granted_at(record.user, scope, record.started_at), (
                f"{record} at {record.started_at} without {scope}"
            )


def test_jobs_queued_before_stop_all_create_no_analysis_output(
    alice, bob, grant, photos_dir, broker
):
    grant(alice, "cloud_processing", "face_analysis")
    grant(bob, "cloud_processing")
    photos = [upload(alice, photos_dir / f) for f in FILES[:2]]
    bob_photo = upload(bob, photos_dir / "scenes/ibm_pizza.jpg")
    assert len(broker) == 3

    services.stop_all(alice)
    for pk in list(broker):
        tasks.analyse_photo(pk)

    for photo in photos:
        assert not Face.objects.filter(photo=photo).exists()
        assert not Tag.objects.filter(photo=photo).exists()
        assert not PhotoTheme.objects.filter(photo=photo).exists()
        photo.refresh_from_db()
        assert photo.analysis_status == AnalysisStatus.SKIPPED
        assert not photo.phash and photo.quality_score is None
    mine = ProcessingRecord.objects.filter(user=alice)
    # The analysis steps the service runs (thumbnails are not one; the text step is off in
    # the tests' environment).
    assert mine.count() == 2 * (len(analysis_queue.active_steps()) - 1)
    assert set(mine.values_list("outcome", flat=True)) == {Outcome.SKIPPED}
    assert set(mine.values_list("scope_missing", flat=True)) == {"cloud_processing"}
    # Bob's job in the same queue ran normally.
    assert Tag.objects.filter(photo=bob_photo).exists()
    assert_pipeline_respected_consent()


@pytest.mark.parametrize("seed", range(6))
def test_random_sequences_with_the_real_pipeline(seed, alice, photos_dir, broker):
    rng = random.Random(seed)
    scopes = [Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(24):
            clock.shift(timedelta(seconds=1))
            op = rng.choices(
                ["grant", "revoke", "upload", "run", "requeue", "stop"], [3, 2, 2, 3, 1, 1]
            )[0]
            if op == "grant":
                scope = rng.choice(scopes)
                if not consent.allows(alice, scope):
                    consent.grant(alice, scope)
            elif op == "revoke":
                scope = rng.choice(scopes)
                if consent.allows(alice, scope):
                    consent.revoke(alice, scope)
            elif op == "upload":
                upload(alice, photos_dir / rng.choice(FILES))
            elif op == "run" and broker:
                tasks.analyse_photo(broker.pop(0))
            elif op == "requeue":
                # A retry or the sweep: queued again, the pipeline runs what is not done.
                ids = list(Photo.objects.filter(owner=alice).values_list("pk", flat=True))
                if ids:
                    analysis_queue.queue_analysis([rng.choice(ids)])
            elif op == "stop":
                services.stop_all(alice)
        clock.shift(timedelta(seconds=1))
        while broker:
            tasks.analyse_photo(broker.pop(0))
    assert_pipeline_respected_consent()
    # Faces exist only if face_analysis is granted now (a revocation deletes them).
    if not consent.allows(alice, Scope.FACE_ANALYSIS):
        assert not Face.objects.filter(owner=alice).exists()
