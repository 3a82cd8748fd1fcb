"""An export asked for while the broker is down: the request succeeds, the job waits, and
the sweep sends it again; it is never "pending" forever (privacy.export.sweep)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from privacy import export
from privacy.models import ExportJob, ExportStatus
from tests.broker import broker_back

pytestmark = pytest.mark.django_db


def _later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes))


def test_an_export_asked_for_on_the_page_while_the_broker_is_down_waits_for_the_sweep(
    alice_client, alice, broker_down, settings, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("privacy:export-start"))
    assert response.status_code == 302
    assert broker_down == ["privacy.tasks.build_export"]  # it was tried, and refused
    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportStatus.PENDING

    assert export.sweep() == {"lost": 0, "interrupted": 0, "given_up": 0}  # too early
    broker_back(settings, monkeypatch)
    with _later(11):
        assert export.sweep()["lost"] == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.READY and job.attempts == 1


def test_an_export_asked_for_through_the_api_while_the_broker_is_down_is_202(
    alice, api_client_for, broker_down, django_capture_on_commit_callbacks
):
    api = api_client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/privacy/export/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert broker_down == ["privacy.tasks.build_export"]
    detail = api.get(f"/api/v1/privacy/export/{response.json()['id']}/")
    assert detail.status_code == 200 and detail.json()["status"] == "pending"


def test_an_export_whose_worker_died_is_built_again_then_given_up(alice, bob):
    limit = settings_limit()
    mine = ExportJob.objects.create(
        user=alice,
        status=ExportStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(seconds=limit + 60),
    )
    theirs = ExportJob.objects.create(
        user=bob,
        status=ExportStatus.RUNNING,
        attempts=export.MAX_ATTEMPTS,
        started_at=timezone.now() - timedelta(seconds=limit + 60),
    )
    busy = ExportJob.objects.create(
        user=bob, status=ExportStatus.RUNNING, attempts=1, started_at=timezone.now()
    )
    assert export.sweep() == {"lost": 0, "interrupted": 1, "given_up": 1}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    busy.refresh_from_db()
    assert (mine.status, mine.attempts) == (ExportStatus.READY, 2)  # built by the eager worker
    assert theirs.status == ExportStatus.FAILED and "Interrupted 3 times" in theirs.error
    assert busy.status == ExportStatus.RUNNING  # may still be building


def test_another_delivery_of_a_taken_export_does_nothing(alice):
    from privacy import tasks

    job = ExportJob.objects.create(
        user=alice, status=ExportStatus.RUNNING, attempts=1, started_at=timezone.now()
    )
    tasks.build_export(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ExportStatus.RUNNING, 1)


def settings_limit() -> int:
    from django.conf import settings

    return settings.CELERY_TASK_TIME_LIMIT
