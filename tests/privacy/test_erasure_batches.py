"""The background erasure works in committed batches: a failure, a dead worker or the end
of a run's time loses at most one batch, the next run goes on, a failed job retries by
itself, and a job that needs a person says so to the user, the moderators and the admin
(privacy.erasures; docs/privacy.md "Erasure of any size")."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from photos.models import Face, Photo
from photos.personal_data import PhotosData
from privacy import erasures, tasks
from privacy.models import ErasureJob, ErasureStatus, ProcessingRecord
from tests.conftest import PASSWORD
from tests.privacy.test_deletion import all_files

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def batches(settings):
    """Every library goes to the worker, two photos a batch."""
    settings.ERASURE_IN_REQUEST_MAX_PHOTOS = 1
    settings.ERASURE_BATCH_SIZE = 2


@pytest.fixture
def fails_after(monkeypatch):
    """The photos' batches go through `n` times, then raise (a storage or database error)."""

    def arm(n):
        real = PhotosData.erase_batch
        calls = {"n": 0}

        def flaky(self, user, limit):
            calls["n"] += 1
            if calls["n"] > n:
                raise OSError("database went away")
            return real(self, user, limit)

        monkeypatch.setattr(PhotosData, "erase_batch", flaky)
        return lambda: monkeypatch.setattr(PhotosData, "erase_batch", real)

    return arm


def _originals(media, user) -> list[str]:
    return [f for f in all_files(media) if f.startswith(f"u{user.pk}/originals")]


@pytest.mark.django_db(transaction=True)  # real commits: files go after each batch's
def test_a_failed_batch_keeps_the_batches_before_it_and_the_retry_goes_on(
    alice, bob, make_analysed, private_media, batches, fails_after
):
    make_analysed(alice, 5)
    make_analysed(bob, 1)
    repair = fails_after(2)
    job, _ = erasures.queue(alice, "photos")  # sent after commit: the test runs the worker

    tasks.run_erasure(job.pk)
    job.refresh_from_db()
    # Two batches of two were committed, files and all; the third rolled back.
    assert job.status == ErasureStatus.FAILED and "database went away" in job.error
    assert (job.erased, job.failures) == (4, 1)
    assert Photo.objects.filter(owner=alice).count() == 1
    assert len(_originals(private_media, alice)) == 1
    assert 0 < job.progress < 100
    assert job.retry_at - job.finished_at == erasures.RETRY_DELAYS[0]

    repair()
    assert erasures.sweep()["retried"] == 0  # not due yet
    with time_machine.travel(job.retry_at + timedelta(seconds=1)):
        assert erasures.sweep()["retried"] == 1  # eager here: the worker runs it now
    job.refresh_from_db()
    assert (job.status, job.progress, job.erased, job.attempts) == (ErasureStatus.DONE, 100, 5, 2)
    assert not Photo.objects.filter(owner=alice).exists()
    assert not Face.objects.filter(owner=alice).exists()
    assert not _originals(private_media, alice)
    assert Photo.objects.filter(owner=bob).count() == 1
    # The log stays, without what was found (as in the request: test_deleting_copies.py).
    assert ProcessingRecord.objects.filter(user=alice).exists()
    assert (
        not ProcessingRecord.objects.filter(user=alice, outcome="done")
        .exclude(summary="Findings deleted.")
        .exists()
    )


def test_a_run_hands_over_to_a_fresh_task_before_the_time_limit(
    alice, make_analysed, batches, monkeypatch
):
    make_analysed(alice, 5)
    clock = iter(range(0, 10_000, 10))  # ten seconds pass between two looks at the clock
    monkeypatch.setattr(erasures, "clock", lambda: next(clock))
    monkeypatch.setattr(erasures.settings, "ERASURE_RUN_SECONDS", 5)
    sent = []
    monkeypatch.setattr(erasures, "send", sent.append)

    job, _ = erasures.queue(alice, "photos")
    tasks.run_erasure(job.pk)
    job.refresh_from_db()
    # One batch, then the run's time was up: handed on, not failed, not counted a failure.
    # (Time is looked at after each batch that did something: every run gets on.)
    assert (job.status, job.erased, job.failures) == (ErasureStatus.PENDING, 2, 0)
    assert sent == [job.pk]
    while job.status == ErasureStatus.PENDING:
        tasks.run_erasure(job.pk)
        job.refresh_from_db()
    assert job.status == ErasureStatus.DONE and job.attempts >= 3
    assert not Photo.objects.filter(owner=alice).exists()


def test_three_failures_in_a_row_wait_for_a_person_and_the_user_can_retry(
    alice_client, alice, make_analysed, batches, fails_after, django_capture_on_commit_callbacks
):
    make_analysed(alice, 3)
    repair = fails_after(0)
    job, _ = erasures.queue(alice, "photos")
    for _ in range(erasures.MAX_FAILURES):
        tasks.run_erasure(job.pk)
        job.refresh_from_db()
        if job.retry_at:
            with time_machine.travel(job.retry_at + timedelta(seconds=1)):
                erasures.sweep()
            job.refresh_from_db()
    assert (job.status, job.failures, job.retry_at) == (ErasureStatus.FAILED, 3, None)
    assert erasures.sweep() == {"lost": 0, "interrupted": 0, "retried": 0, "given_up": 0}

    page = alice_client.get(reverse("privacy:erasure", args=[job.pk])).content.decode()
    assert 'data-needs-help="yes"' in page and 'id="erasure-retry"' in page
    assert "http-equiv" not in page  # nothing will change by itself
    index = alice_client.get(reverse("privacy:index")).content.decode()
    assert 'id="erasure-banner" data-status="failed"' in index

    repair()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("privacy:erasure", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ErasureStatus.DONE and not Photo.objects.filter(owner=alice).exists()


def test_a_locked_account_follows_its_erasure_on_a_signed_page_and_can_retry(
    client, alice, make_analysed, batches, fails_after, django_capture_on_commit_callbacks
):
    make_analysed(alice, 3)
    client.force_login(alice)
    repair = fails_after(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:delete", args=["account"]), {"confirm": "yes", "password": PASSWORD}
        )
    page = response.content.decode()
    status_url = page.split('id="status-link" href="')[1].split('"')[0]
    assert f'url={status_url}"' in page  # the page reloads itself onto the signed link

    # The worker ran (eagerly) and failed after one batch; the user is logged out and locked.
    job = ErasureJob.objects.get(user_id=alice.pk)
    assert (job.status, job.erased) == (ErasureStatus.FAILED, 2)
    assert not User.objects.get(pk=alice.pk).is_active
    assert client.get(reverse("privacy:index")).status_code == 302
    status = client.get(status_url).content.decode()
    assert 'data-status="failed"' in status and 'id="erasure-retry-at"' in status
    assert "database went away" not in status  # the details are for the admin
    assert "2 of" in status

    # Someone else's signature, or none, shows nothing.
    assert client.get(status_url[:-3] + "xyz/").status_code == 404
    assert client.get(reverse("privacy:erasure-status", args=[str(job.pk)])).status_code == 404

    repair()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(status_url).status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Photo.objects.filter(owner_id=alice.pk).exists()
    assert not ProcessingRecord.objects.filter(user_id=alice.pk).exists()
    gone = client.get(status_url)
    assert gone.status_code == 200 and "have been deleted" in gone.content.decode()


def test_an_account_is_erased_in_batches_log_entries_included(
    alice, make_analysed, batches, settings
):
    make_analysed(alice, 3)
    log_entries = ProcessingRecord.objects.filter(user=alice).count()
    assert log_entries > 2
    job, _ = erasures.queue(alice, "account")
    tasks.run_erasure(job.pk)
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not ProcessingRecord.objects.filter(user_id=alice.pk).exists()
    assert not ErasureJob.objects.filter(pk=job.pk).exists()


def test_each_batch_is_committed_on_its_own(alice, make_analysed, batches, monkeypatch):
    """What makes the job bounded at any size: no transaction spans two batches."""
    from django.db import connection

    make_analysed(alice, 5)
    seen = []
    real = PhotosData.erase_batch

    def watched(self, user, limit):
        # Inside the job's batch transaction, and in no outer one (tests run in one: skip it).
        seen.append(len(connection.savepoint_ids))
        return real(self, user, limit)

    monkeypatch.setattr(PhotosData, "erase_batch", watched)
    base = len(connection.savepoint_ids)
    job, _ = erasures.queue(alice, "photos")
    tasks.run_erasure(job.pk)
    # 3 batches with photos, 1 that finds none: each one savepoint deep, none nested.
    assert seen == [base + 1] * 4


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1234")


def test_moderators_see_erasure_jobs_and_only_a_superuser_retries(
    client,
    moderator,
    superuser,
    alice,
    make_analysed,
    batches,
    fails_after,
    django_capture_on_commit_callbacks,
):
    make_analysed(alice, 2)
    repair = fails_after(0)
    job, _ = erasures.queue(alice, "photos")
    tasks.run_erasure(job.pk)
    job.refresh_from_db()
    assert job.status == ErasureStatus.FAILED
    repair()
    listing_url = reverse("admin:privacy_erasurejob_changelist")
    retry = {"action": "retry", "_selected_action": [job.pk]}

    client.force_login(moderator)
    listing = client.get(listing_url)
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "database went away" in body and "Failed" in body
    detail = client.get(reverse("admin:privacy_erasurejob_change", args=[job.pk]))
    assert detail.status_code == 200 and b"Save" not in detail.content
    client.post(listing_url, retry)
    job.refresh_from_db()
    assert job.status == ErasureStatus.FAILED  # a moderator only looks

    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(listing_url, retry).status_code == 302
    job.refresh_from_db()
    assert job.status == ErasureStatus.DONE
    assert not Photo.objects.filter(owner=alice).exists()


def test_the_api_shows_how_far_an_erasure_got_and_when_it_retries(
    alice, make_analysed, api_client_for, batches, fails_after
):
    make_analysed(alice, 3)
    fails_after(1)
    job, _ = erasures.queue(alice, "photos")
    tasks.run_erasure(job.pk)
    body = api_client_for(alice).get(f"/api/v1/privacy/erasures/{job.pk}/").json()
    assert (body["status"], body["erased"], body["needs_help"]) == ("failed", 2, False)
    assert body["retry_at"] and body["attempts"] == 1
