"""Export: a background job builds a ZIP of everything; owner-only, limited-time download."""

import base64
import io
import json
import zipfile
from datetime import timedelta

import numpy as np
import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from photos.models import Face, Photo
from privacy import consent
from privacy.models import ConsentEvent, ExportJob, ExportStatus, ProcessingRecord
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def alice_data(alice, grant, make_analysed):
    grant(alice, "cloud_processing", "face_analysis")
    consent.revoke(alice, "face_analysis")
    consent.grant(alice, "face_analysis")
    return make_analysed(alice, 3)


def build_via_web(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:export-start"))
    assert response.status_code == 302
    return ExportJob.objects.latest("created_at")


def test_the_zip_holds_the_originals_and_json_matching_the_database(
    alice_client, alice, bob, alice_data, make_analysed, django_capture_on_commit_callbacks
):
    make_analysed(bob, 1)
    job = build_via_web(alice_client, django_capture_on_commit_callbacks)
    assert job.user == alice
    assert job.status == ExportStatus.READY and job.progress == 100
    assert job.expires_at is not None and job.expires_at > timezone.now()

    response = alice_client.get(reverse("privacy:export-download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    assert archive.testzip() is None
    names = set(archive.namelist())

    photos = list(Photo.objects.filter(owner=alice).order_by("taken_at", "id"))
    exported = json.loads(archive.read("data/photos.json"))
    assert [p["id"] for p in exported] == [p.pk for p in photos]
    for row, photo in zip(exported, photos, strict=True):
        assert row["file"] in names
        with default_storage.open(photo.original.name, "rb") as fh:
            assert archive.read(row["file"]) == fh.read()
        assert row["sha256"] == photo.sha256
        assert row["width"] == photo.width and row["height"] == photo.height
        assert [t["label"] for t in row["tags"]] == list(photo.tags.values_list("label", flat=True))
        assert [t["theme"] for t in row["themes"]] == ["beach"]
        face = photo.faces.get()
        assert row["faces"] == [
            {
                "id": face.pk,
                "photo_id": photo.pk,
                "box": face.box,
                "det_score": face.det_score,
                "person_id": face.person_id,
                "person_name": face.person.name,
                "pack": "buffalo_l",
                "assigned_by_user": False,
                "frame_time": None,
                "clear": True,
                "sharpness": None,
                "embedding_norm": None,
                "not_a_face": False,
                "unrecognised": False,
            }
        ]
    originals = [n for n in names if n.startswith("originals/")]
    assert len(originals) == 3

    faces = json.loads(archive.read("data/faces.json"))
    assert len(faces) == Face.objects.filter(owner=alice).count() == 3
    stored = Face.objects.get(pk=faces[0]["id"])
    vector = np.frombuffer(base64.b64decode(faces[0]["embedding_float32_base64"]), "float32")
    assert np.array_equal(vector, np.frombuffer(bytes(stored.embedding), "float32"))

    people = json.loads(archive.read("data/people.json"))
    assert [p["name"] for p in people] == ["Friend of alice"]

    suggestions = json.loads(archive.read("data/suggestions.json"))
    mine = Suggestion.objects.get(owner=alice)
    assert [s["id"] for s in suggestions["suggestions"]] == [mine.pk]
    assert suggestions["suggestions"][0]["photo_ids"] == [p.pk for p in photos]
    assert suggestions["albums"][0]["title"] == "Saved beach"

    ledger = json.loads(archive.read("data/consent.json"))
    assert [(e["scope"], e["action"]) for e in ledger] == list(
        ConsentEvent.objects.filter(user=alice)
        .order_by("created_at", "id")
        .values_list("scope", "action")
    )
    log = json.loads(archive.read("data/processing_log.json"))
    assert len(log) == ProcessingRecord.objects.filter(user=alice).count() == 6
    assert {r["summary"] for r in log} == {
        "1 face detected, 1 embedding stored",
        "tags: seashore 0.73",
    }
    account = json.loads(archive.read("data/account.json"))
    assert account["username"] == "alice"
    # Nothing of bob's.
    assert b"bob" not in b"".join(archive.read(n) for n in names if n.startswith("data/"))


def test_the_download_is_owner_only(
    client, alice, bob, alice_data, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    job = build_via_web(client, django_capture_on_commit_callbacks)
    client.force_login(bob)
    assert client.get(reverse("privacy:export-download", args=[job.pk])).status_code == 404
    assert client.get(reverse("privacy:export-status", args=[job.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("privacy:export-download", args=[job.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_expired_link_answers_410_and_the_file_is_purged(
    alice_client, settings, alice_data, django_capture_on_commit_callbacks
):
    settings.EXPORT_LINK_HOURS = 2
    job = build_via_web(alice_client, django_capture_on_commit_callbacks)
    url = reverse("privacy:export-download", args=[job.pk])
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=59)):
        assert alice_client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        assert alice_client.get(url).status_code == 410
        status = alice_client.get(reverse("privacy:export-status", args=[job.pk])).json()
        assert status["status"] == "expired" and status["download_url"] is None
        from privacy.tasks import purge_due

        purge_due()
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert not default_storage.listdir(f"u{job.user_id}/exports")[1]


def test_the_page_shows_progress_and_polls_a_json_status(alice_client, alice):
    job = ExportJob.objects.create(user=alice, status=ExportStatus.RUNNING, progress=42)
    page = alice_client.get(reverse("privacy:index"))
    assert b'<progress id="export-progress" max="100" value="42">' in page.content
    assert b"js/privacy-export" in page.content
    status_url = reverse("privacy:export-status", args=[job.pk])
    assert f'data-status-url="{status_url}"'.encode() in page.content
    data = alice_client.get(status_url).json()
    assert data == {
        "id": job.pk,
        "status": "running",
        "progress": 42,
        "download_url": None,
        "expires_at": None,
        "size": None,
    }


def test_progress_is_written_while_building(alice, alice_data, monkeypatch):
    from privacy import export

    seen = []
    original = export._set_progress

    def spy(job, percent):
        original(job, percent)
        seen.append(ExportJob.objects.get(pk=job.pk).progress)

    monkeypatch.setattr(export, "_set_progress", spy)
    job = ExportJob.objects.create(user=alice)
    from privacy.tasks import build_export

    build_export(job.pk)
    assert seen == sorted(seen) and len(set(seen)) >= 3
    assert 0 < seen[0] < 100
    job.refresh_from_db()
    assert job.progress == 100 and job.status == ExportStatus.READY


def test_the_api_starts_an_export_and_reports_it(
    alice, bob, alice_data, api_client_for, django_capture_on_commit_callbacks
):
    api = api_client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/privacy/export/")
    assert response.status_code == 202
    created = response.json()
    assert set(created) == {"id", "status"} and created["status"] == "pending"
    detail = api.get(f"/api/v1/privacy/export/{created['id']}/")
    assert detail.status_code == 200
    data = detail.json()
    assert data["status"] == "ready" and data["progress"] == 100
    assert data["download_url"].endswith(f"/api/v1/privacy/export/{created['id']}/download/")
    download = api.get(data["download_url"])
    assert download.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(body_of(download))).read("data/photos.json")

    other = api_client_for(bob)
    assert other.get(f"/api/v1/privacy/export/{created['id']}/").status_code == 404
    assert other.get(f"/api/v1/privacy/export/{created['id']}/download/").status_code == 404
    assert other.get("/api/v1/privacy/export/999999/").json()["code"] == "not_found"


def test_a_second_request_while_building_returns_the_same_job(alice, api_client_for):
    api = api_client_for(alice)
    first = api.post("/api/v1/privacy/export/").json()
    second = api.post("/api/v1/privacy/export/").json()
    assert first["id"] == second["id"]
    assert ExportJob.objects.filter(user=alice).count() == 1


def test_running_the_task_twice_builds_once(alice, alice_data):
    from privacy.tasks import build_export

    job = ExportJob.objects.create(user=alice)
    build_export(job.pk)
    name = ExportJob.objects.get(pk=job.pk).file.name
    build_export(job.pk)
    assert ExportJob.objects.get(pk=job.pk).file.name == name
    assert len(default_storage.listdir(f"u{alice.pk}/exports")[1]) == 1
    build_export(987654)  # gone: returns quietly


def test_the_api_download_expires_with_410(alice, alice_data, api_client_for, settings):
    from privacy.tasks import build_export

    settings.EXPORT_LINK_HOURS = 1
    job = ExportJob.objects.create(user=alice)
    build_export(job.pk)
    api = api_client_for(alice)
    url = f"/api/v1/privacy/export/{job.pk}/download/"
    assert api.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        response = api.get(url)
        assert response.status_code == 410 and response.json()["code"] == "expired"
        assert api.get(f"/api/v1/privacy/export/{job.pk}/").json()["download_url"] is None
