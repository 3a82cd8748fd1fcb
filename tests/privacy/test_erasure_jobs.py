"""A large "delete all my photos" or account deletion runs in a worker, with progress on
the page and in the API; a small one stays in the request (test_deletion.py)."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from photos.models import Face, Photo
from privacy.models import ErasureJob, ErasureStatus
from tests.conftest import PASSWORD
from tests.privacy.test_deletion import all_files, counts_table

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    """Every library counts as large: two photos go to the worker."""
    settings.ERASURE_IN_REQUEST_MAX_PHOTOS = 1


def test_it_deletes_a_large_library_in_a_job_and_shows_its_progress(
    alice_client,
    alice,
    bob,
    make_analysed,
    private_media,
    large,
    django_capture_on_commit_callbacks,
):
    make_analysed(alice, 2)
    make_analysed(bob, 1)
    url = reverse("privacy:delete", args=["photos"])

    with django_capture_on_commit_callbacks() as queued:
        response = alice_client.post(url, {"confirm": "yes"})
    job = ErasureJob.objects.get(user=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:erasure", args=[job.pk])
    # Asked for, not done: the request deleted nothing.
    assert Photo.objects.filter(owner=alice).count() == 2
    page = alice_client.get(response["Location"])
    assert 'data-status="pending"' in page.content.decode()
    assert 'http-equiv="refresh"' in page.content.decode()
    assert counts_table(page, "report")["Photos and videos"] == 2

    # Asking again while it waits gives the same job.
    with django_capture_on_commit_callbacks() as again:
        alice_client.post(url, {"confirm": "yes"})
    assert ErasureJob.objects.filter(user=alice).count() == 1 and not again

    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()  # the worker (tasks run eagerly here)
    job.refresh_from_db()
    assert (job.status, job.progress) == (ErasureStatus.DONE, 100)
    assert job.started_at and job.finished_at >= job.started_at
    assert not Photo.objects.filter(owner=alice).exists()
    assert not Face.objects.filter(owner=alice).exists()
    assert not [f for f in all_files(private_media) if f.startswith(f"u{alice.pk}/originals")]
    assert Photo.objects.filter(owner=bob).count() == 1
    done = alice_client.get(reverse("privacy:erasure", args=[job.pk])).content.decode()
    assert 'data-status="done"' in done and "http-equiv" not in done


def test_only_the_owner_sees_an_erasure(client, alice, bob, make_analysed, large, api_client_for):
    make_analysed(alice, 2)
    job = ErasureJob.objects.create(user=alice, kind="photos", counts={"photos": 2})
    client.force_login(bob)
    assert client.get(reverse("privacy:erasure", args=[job.pk])).status_code == 404
    assert api_client_for(bob).get(f"/api/v1/privacy/erasures/{job.pk}/").status_code == 404
    mine = api_client_for(alice).get(f"/api/v1/privacy/erasures/{job.pk}/")
    assert mine.status_code == 200 and mine.json()["counts"] == {"photos": 2}


def test_the_api_previews_then_queues_a_large_deletion(
    alice, make_analysed, api_client_for, large, django_capture_on_commit_callbacks
):
    make_analysed(alice, 2)
    api = api_client_for(alice)
    preview = api.get("/api/v1/privacy/photos/")
    assert preview.status_code == 200 and preview.json()["will_delete"]["photos"] == 2
    assert Photo.objects.filter(owner=alice).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete("/api/v1/privacy/photos/")
    assert response.status_code == 202
    erasure = response.json()["erasure"]
    assert erasure["kind"] == "photos" and erasure["counts"]["photos"] == 2
    status = api.get(f"/api/v1/privacy/erasures/{erasure['id']}/").json()
    assert (status["status"], status["progress"]) == ("done", 100)
    assert not Photo.objects.filter(owner=alice).exists()


def test_a_small_library_is_still_deleted_in_the_request_by_the_api(
    alice, make_analysed, api_client_for
):
    make_analysed(alice, 1)
    response = api_client_for(alice).delete("/api/v1/privacy/photos/")
    assert response.status_code == 200 and response.json()["deleted"]["photos"] == 1
    assert not Photo.objects.filter(owner=alice).exists() and not ErasureJob.objects.exists()


def test_a_large_account_is_locked_at_once_then_deleted_by_the_worker(
    client, alice, make_analysed, api_token_for, large, django_capture_on_commit_callbacks
):
    make_analysed(alice, 2)
    raw = api_token_for(alice)
    client.force_login(alice)
    url = reverse("privacy:delete", args=["account"])

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url, {"confirm": "yes", "password": PASSWORD})
    assert response.status_code == 200
    assert 'id="erasure"' in response.content.decode()
    assert counts_table(response, "report")["Photos and videos"] == 2
    # Locked now: logged out, the device token refused, no login; rows still there.
    assert not User.objects.get(pk=alice.pk).is_active
    assert client.get(reverse("privacy:index")).status_code == 302
    token = {"HTTP_AUTHORIZATION": f"Token {raw}"}
    assert client.get("/api/v1/consent/", **token).status_code == 401
    assert not client.login(username=alice.username, password=PASSWORD)
    assert Photo.objects.filter(owner=alice).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Photo.objects.filter(owner_id=alice.pk).exists()
    # The job went with the account: nothing about the user is left.
    assert not ErasureJob.objects.exists()


def test_the_api_queues_a_large_account_deletion(
    alice, make_analysed, api_client_for, large, django_capture_on_commit_callbacks
):
    make_analysed(alice, 2)
    api = api_client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete("/api/v1/account/", {"password": PASSWORD}, format="json")
    assert response.status_code == 202
    assert response.json()["erasure"]["counts"]["photos"] == 2
    assert not User.objects.filter(pk=alice.pk).exists()
    assert api.get("/api/v1/consent/").status_code == 401


def test_a_failed_job_says_so_and_is_retried_by_itself(
    alice, make_analysed, large, monkeypatch, django_capture_on_commit_callbacks
):
    from photos.personal_data import PhotosData
    from privacy import erasures, tasks

    make_analysed(alice, 2)

    def broken(self, user, limit):
        raise OSError("storage away")

    monkeypatch.setattr(PhotosData, "erase_batch", broken)
    job, created = erasures.queue(alice, "photos")
    assert created
    tasks.run_erasure(job.pk)  # the task records the failure instead of raising
    job.refresh_from_db()
    assert job.status == ErasureStatus.FAILED and "storage away" in job.error
    assert job.failures == 1 and job.retry_at > timezone.now()
    assert Photo.objects.filter(owner=alice).count() == 2
    # Asking again while it waits for its retry tries the same job again now.
    with django_capture_on_commit_callbacks(execute=True):
        again, created = erasures.queue(alice, "photos")
    assert (again.pk, created) == (job.pk, False)
    again.refresh_from_db()
    # Failed again: a person's retry starts the count of failures in a row again.
    assert (again.status, again.failures, again.attempts) == (ErasureStatus.FAILED, 1, 2)


def test_a_broker_that_is_down_leaves_the_account_deletion_to_the_sweep(
    client, alice, make_analysed, large, settings, django_capture_on_commit_callbacks
):
    from privacy import erasures, tasks

    make_analysed(alice, 2)
    client.force_login(alice)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    down = mock.patch.object(tasks.run_erasure, "delay", side_effect=ConnectionError("down"))
    with down, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:delete", args=["account"]), {"confirm": "yes", "password": PASSWORD}
        )
    assert response.status_code == 200  # asked for: not the user's error
    job = ErasureJob.objects.get(user=alice)
    assert job.status == ErasureStatus.PENDING
    assert not User.objects.get(pk=alice.pk).is_active  # locked all the same

    assert erasures.sweep() == {"lost": 0, "interrupted": 0, "retried": 0, "given_up": 0}
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the broker is back; the worker runs it
    with time_machine.travel(timezone.now() + erasures.PENDING_STALE_AFTER + timedelta(seconds=1)):
        assert erasures.sweep()["lost"] == 1
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Photo.objects.filter(owner_id=alice.pk).exists()


def _running(job, *, minutes_ago: float, attempts: int, failures: int = 0) -> None:
    """Taken by a worker that committed its last batch `minutes_ago`."""
    ErasureJob.objects.filter(pk=job.pk).update(
        status=ErasureStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        updated_at=timezone.now() - timedelta(minutes=minutes_ago),
        attempts=attempts,
        failures=failures,
    )


def test_a_job_whose_worker_died_runs_again_and_is_given_up_after_three_tries(
    alice, bob, make_analysed, large, django_capture_on_commit_callbacks
):
    from privacy import erasures

    make_analysed(alice, 2)
    make_analysed(bob, 1)
    with django_capture_on_commit_callbacks():  # not sent: the worker "died"
        mine, _ = erasures.queue(alice, "photos")
        theirs, _ = erasures.queue(bob, "photos")
    limit = erasures.running_stale_after().total_seconds() / 60
    _running(mine, minutes_ago=limit + 1, attempts=1)
    _running(theirs, minutes_ago=limit - 1, attempts=1)  # may still be running

    assert erasures.sweep() == {"lost": 0, "interrupted": 1, "retried": 0, "given_up": 0}
    mine.refresh_from_db()
    assert (mine.status, mine.attempts) == (ErasureStatus.DONE, 2)
    assert not Photo.objects.filter(owner=alice).exists()
    assert Photo.objects.filter(owner=bob).count() == 1  # left to its worker

    # Interrupted twice before without a batch going through: the third time is the last.
    _running(theirs, minutes_ago=limit + 1, attempts=3, failures=erasures.MAX_FAILURES - 1)
    assert erasures.sweep()["given_up"] == 1
    theirs.refresh_from_db()
    assert theirs.status == ErasureStatus.FAILED and "Interrupted 3 times" in theirs.error
    assert theirs.retry_at is None  # waits for a person (test_erasure_batches.py)
    assert Photo.objects.filter(owner=bob).count() == 1


def test_another_delivery_of_a_taken_job_does_nothing(
    alice, make_analysed, large, django_capture_on_commit_callbacks
):
    from privacy import erasures, tasks

    make_analysed(alice, 2)
    with django_capture_on_commit_callbacks():
        job, _ = erasures.queue(alice, "photos")
    _running(job, minutes_ago=1, attempts=1)  # a worker has it
    tasks.run_erasure(job.pk)  # the broker delivers the message again
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ErasureStatus.RUNNING, 1)
    assert Photo.objects.filter(owner=alice).count() == 2
