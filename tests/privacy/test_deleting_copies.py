"""Deletion that really deletes: the copies privacy keeps of data that was just deleted (the
export ZIPs, the analysis log's findings) go with it, not at the next purge."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from privacy import consent, services, tasks
from privacy.models import ExportJob, ExportStatus, Outcome, ProcessingRecord
from privacy.records import FINDINGS_DELETED, record_skipped

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(alice, alice_client, grant, make_analysed, django_capture_on_commit_callbacks):
    """Alice's analysed photos and a ready export of them; returns the job."""
    grant(alice, "cloud_processing", "face_analysis")
    make_analysed(alice, 2)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("privacy:export-start"))
    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportStatus.READY and default_storage.exists(job.file.name)
    return job


def assert_export_gone(client, job, name):
    assert not default_storage.exists(name)
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file and job.error
    assert client.get(reverse("privacy:export-download", args=[job.pk])).status_code == 410


def test_it_removes_the_export_when_the_analysis_is_deleted(
    alice_client, built, django_capture_on_commit_callbacks
):
    name = built.file.name
    with django_capture_on_commit_callbacks(execute=True):
        done = alice_client.post(reverse("privacy:delete", args=["derived"]), {"confirm": "yes"})
    assert done.status_code == 200
    assert_export_gone(alice_client, built, name)


def test_it_removes_the_export_when_all_photos_are_deleted(
    alice_client, built, django_capture_on_commit_callbacks
):
    name = built.file.name
    with django_capture_on_commit_callbacks(execute=True):
        done = alice_client.post(reverse("privacy:delete", args=["photos"]), {"confirm": "yes"})
    assert done.status_code == 200
    assert_export_gone(alice_client, built, name)


def test_it_removes_the_export_when_face_analysis_is_revoked(
    alice, alice_client, built, django_capture_on_commit_callbacks
):
    name = built.file.name
    with django_capture_on_commit_callbacks(execute=True):
        consent.revoke(alice, "face_analysis")
    assert_export_gone(alice_client, built, name)


def test_it_keeps_the_export_when_another_scope_is_revoked(
    alice, alice_client, built, grant, django_capture_on_commit_callbacks
):
    grant(alice, "older_photos")
    with django_capture_on_commit_callbacks(execute=True):
        consent.revoke(alice, "older_photos")
    built.refresh_from_db()
    assert built.status == ExportStatus.READY and default_storage.exists(built.file.name)


def test_it_removes_the_export_with_the_account(alice, built, django_capture_on_commit_callbacks):
    name = built.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_account(alice)
    assert not default_storage.exists(name)
    assert not ExportJob.objects.filter(pk=built.pk).exists()


def test_an_export_waiting_when_the_data_is_deleted_stores_nothing(
    alice, grant, make_analysed, django_capture_on_commit_callbacks
):
    grant(alice, "cloud_processing", "face_analysis")
    make_analysed(alice, 1)
    job = ExportJob.objects.create(user=alice)  # queued, not built yet
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_derived_data(alice)
    tasks.build_export(job.pk)  # the worker gets to it afterwards
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    assert (
        not default_storage.exists(f"u{alice.pk}/exports")
        or not (default_storage.listdir(f"u{alice.pk}/exports")[1])
    )


def test_it_clears_what_the_log_found_once_the_analysis_is_deleted(
    alice, bob, grant, make_analysed
):
    photos = make_analysed(alice, 2)
    make_analysed(bob, 1)
    record_skipped(alice, photos[0], "faces", "face_analysis")
    ProcessingRecord.objects.filter(user=alice, step="scenes").update(
        details={"tags": [["seashore", 0.73]]}
    )
    before = list(
        ProcessingRecord.objects.filter(user=alice, outcome=Outcome.DONE).values_list(
            "pk", "step", "model_name", "started_at"
        )
    )
    assert ProcessingRecord.objects.filter(user=alice, summary__contains="seashore").exists()

    services.delete_derived_data(alice)

    done = ProcessingRecord.objects.filter(user=alice, outcome=Outcome.DONE)
    # Still there: that each step ran, when and with which model; not what it found.
    assert list(done.values_list("pk", "step", "model_name", "started_at")) == before
    assert set(done.values_list("summary", flat=True)) == {FINDINGS_DELETED}
    assert list(done.values_list("details", flat=True)) == [{}] * len(before)
    skipped = ProcessingRecord.objects.get(user=alice, outcome=Outcome.SKIPPED)
    assert "face_analysis" in skipped.summary
    # Bob's log is his.
    assert ProcessingRecord.objects.filter(user=bob, summary__contains="seashore").count() == 1


def test_it_clears_what_the_log_found_after_all_photos_are_deleted(alice, make_analysed):
    make_analysed(alice, 1)
    services.delete_all_photos(alice)
    assert ProcessingRecord.objects.filter(user=alice).count() == 2
    assert not ProcessingRecord.objects.filter(user=alice, summary__contains="seashore").exists()


def test_revoking_face_analysis_clears_the_face_steps_findings_only(alice, grant, make_analysed):
    grant(alice, "face_analysis")
    make_analysed(alice, 1)
    consent.revoke(alice, "face_analysis")
    faces = ProcessingRecord.objects.get(user=alice, step="faces")
    scenes = ProcessingRecord.objects.get(user=alice, step="scenes")
    assert faces.summary == FINDINGS_DELETED and faces.outcome == Outcome.DONE
    assert scenes.summary == "tags: seashore 0.73"
