"""A worker killed mid-photo leaves no photo "running" for ever: a restarted worker picks it
up, the sweep covers the rest within minutes, and the retry button works for it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from photos import tasks
from photos.analysis import queue
from photos.models import AnalysisStatus, AnalysisStep, Photo, Step
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    """analyse_photo.delay() puts the id in a list instead of running it."""
    sent: list[int] = []
    with mock.patch.object(tasks.analyse_photo, "delay", side_effect=sent.append):
        yield sent


FILES = iter(["scenes/ibm_dog.jpg", "scenes/ibm_pizza.jpg", "scenes/dragonfly_taj.jpg"] * 9)


def running_photo(user, photos_dir, *, for_: timedelta):
    """A photo a worker started `for_` ago and never finished (it was killed)."""
    photo = make_photo(user, photos_dir / next(FILES), status=AnalysisStatus.RUNNING)
    queue.ensure_steps([photo.pk])
    AnalysisStep.objects.filter(photo=photo).exclude(step=Step.DERIVATIVES).update(
        status=AnalysisStatus.RUNNING, updated_at=timezone.now() - for_
    )
    AnalysisStep.objects.filter(photo=photo, step=Step.DERIVATIVES).update(
        status=AnalysisStatus.DONE
    )
    Photo.objects.filter(pk=photo.pk).update(queued_at=timezone.now() - for_)
    return photo


def assert_queued_again(photo, broker, times=1):
    assert broker.count(photo.pk) == times
    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.PENDING
    assert not AnalysisStep.objects.filter(photo=photo, status=AnalysisStatus.RUNNING).exists()


def test_a_worker_starting_on_the_filesystem_broker_requeues_what_was_running(
    alice, bob, photos_dir, settings, broker, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "filesystem://"
    killed = running_photo(alice, photos_dir, for_=timedelta(seconds=20))
    other = running_photo(bob, photos_dir, for_=timedelta(seconds=5))
    done = make_photo(alice, photos_dir / "scenes/pelican.jpeg")  # analysed: left alone
    with django_capture_on_commit_callbacks(execute=True):
        tasks.requeue_interrupted(sender=None)
    assert_queued_again(killed, broker)
    assert_queued_again(other, broker)
    assert done.pk not in broker


def test_with_a_real_broker_a_starting_worker_leaves_recent_work_to_redelivery(
    alice, photos_dir, settings, broker, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://localhost:6379/0"
    recent = running_photo(alice, photos_dir, for_=timedelta(seconds=20))
    dead = running_photo(
        alice, photos_dir, for_=timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.requeue_interrupted(sender=None)
    assert broker == [dead.pk]
    recent.refresh_from_db()
    assert recent.analysis_status == AnalysisStatus.RUNNING  # the broker gives it back


def test_the_sweep_requeues_a_photo_running_past_the_time_limit_within_minutes(
    alice, photos_dir, settings, broker, django_capture_on_commit_callbacks
):
    assert timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60) >= queue.RUNNING_STALE_AFTER
    assert timedelta(minutes=15) > queue.RUNNING_STALE_AFTER
    still = running_photo(alice, photos_dir, for_=timedelta(seconds=60))
    dead = running_photo(alice, photos_dir, for_=queue.RUNNING_STALE_AFTER + timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True):
        counts = queue.sweep()
    assert counts["stalled"] >= 1
    assert broker == [dead.pk]
    assert AnalysisStep.objects.filter(photo=still, status=AnalysisStatus.RUNNING).exists()
    # Pending now: the next sweep does not queue it again while it waits for a worker.
    with django_capture_on_commit_callbacks(execute=True):
        queue.sweep()
    assert broker == [dead.pk]


def test_the_retry_button_works_for_a_stuck_photo(
    alice_client, alice, photos_dir, broker, django_capture_on_commit_callbacks
):
    stuck = running_photo(alice, photos_dir, for_=timedelta(minutes=5))
    page = alice_client.get(reverse("photos:photo", args=[stuck.pk]))
    retry_url = reverse("photos:photo-retry", args=[stuck.pk])
    assert retry_url in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(retry_url, follow=True)
    assert "queued again" in response.content.decode()
    assert_queued_again(stuck, broker)


def test_the_retry_button_is_not_offered_for_a_photo_that_just_started(
    alice_client, alice, photos_dir, broker
):
    busy = running_photo(alice, photos_dir, for_=timedelta(seconds=10))
    page = alice_client.get(reverse("photos:photo", args=[busy.pk]))
    assert reverse("photos:photo-retry", args=[busy.pk]) not in page.content.decode()
    alice_client.post(reverse("photos:photo-retry", args=[busy.pk]))
    assert broker == []
