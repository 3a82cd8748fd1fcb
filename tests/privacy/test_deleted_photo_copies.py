"""One photo deleted (from the trash, by the nightly purge, or at once) takes its copies
with it: the export ZIPs that may hold it are discarded (the user sees the export is gone
and builds a new one) and its records in the "what was analysed" log keep that a step ran,
not the photo's file name nor what was found in it. A photo in the trash is in no list or
manifest, and no signed URL serves it."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from photos import media, services, trash
from photos.derivatives import make_derivatives
from photos.models import Person, Photo
from privacy import export
from privacy.models import ExportJob, ExportStatus, ProcessingRecord

pytestmark = pytest.mark.django_db


def _build(user):
    return export.build(ExportJob.objects.create(user=user))


def _zip_names(job) -> list[str]:
    with default_storage.open(job.file.name, "rb") as fh, zipfile.ZipFile(fh) as zf:
        return zf.namelist()


def _delete_forever(user, photo):
    trash.trash_photos(user, [photo.pk])
    trash.delete_forever(user, [photo.pk])


def _purge(user, photo):
    trash.trash_photos(user, [photo.pk])
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        trash.purge_expired()


def _at_once(user, photo):
    services.delete_photos(user, Photo.objects.filter(pk=photo.pk))


@pytest.mark.parametrize("delete", [_delete_forever, _purge, _at_once])
def test_a_deleted_photo_leaves_no_export_and_no_name_or_finding_in_the_log(
    alice, alice_client, bob, grant, make_analysed, django_capture_on_commit_callbacks, delete
):
    grant(alice, "cloud_processing", "face_analysis")
    gone, kept = make_analysed(alice, 2)
    make_analysed(bob, 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = _build(alice)
        bobs = _build(bob)
    assert any(n.startswith(f"originals/{gone.pk}_") for n in _zip_names(job))
    zip_name = job.file.name

    with django_capture_on_commit_callbacks(execute=True):
        delete(alice, gone)

    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file and "new export" in job.error
    assert not default_storage.exists(zip_name)
    assert alice_client.get(reverse("privacy:export-download", args=[job.pk])).status_code == 410
    records = ProcessingRecord.objects.filter(user=alice, photo_ref=gone.pk)
    assert records.count() == 2  # that the steps ran stays
    for record in records:
        assert record.photo_name == "" and record.details == {}
        assert "seashore" not in record.summary and "face" not in record.summary
        assert record.model_name and record.started_at  # what ran, and when
    # The other photo's records, and another user's export, are left alone.
    assert (
        not ProcessingRecord.objects.filter(user=alice, photo_name=gone.original_name)
        .exclude(photo_ref=kept.pk)
        .exists()
    )
    assert ProcessingRecord.objects.filter(photo_ref=kept.pk, summary__startswith="tags:").exists()
    bobs.refresh_from_db()
    assert bobs.status == ExportStatus.READY and default_storage.exists(bobs.file.name)


def test_an_export_built_after_the_photo_went_to_the_trash_stays_when_it_is_purged(
    alice, grant, make_analysed, django_capture_on_commit_callbacks
):
    grant(alice, "cloud_processing")
    gone, kept = make_analysed(alice, 2)
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        trash.trash_photos(alice, [gone.pk])
    with django_capture_on_commit_callbacks(execute=True):
        job = _build(alice)
    names = _zip_names(job)
    # The trash is out of the export, faces and albums included.
    assert not any(n.startswith(f"originals/{gone.pk}_") for n in names)
    assert any(n.startswith(f"originals/{kept.pk}_") for n in names)
    with default_storage.open(job.file.name, "rb") as fh, zipfile.ZipFile(fh) as zf:
        assert [p["id"] for p in json.loads(zf.read("data/photos.json"))] == [kept.pk]
        assert {f["photo_id"] for f in json.loads(zf.read("data/faces.json"))} == {kept.pk}
        albums = json.loads(zf.read("data/suggestions.json"))["albums"]
        assert [a["photo_ids"] for a in albums] == [[kept.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired()["deleted"] == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.READY and default_storage.exists(job.file.name)


def test_the_training_manifest_leaves_the_trash_out(alice, grant, make_analysed, tmp_path):
    grant(alice, "ai_training")
    trashed, live = make_analysed(alice, 2)
    trash.trash_photos(alice, [trashed.pk])
    path = tmp_path / "manifest.json"
    call_command("training_manifest", "--output", str(path), stdout=io.StringIO())
    assert [p["photo_id"] for p in json.loads(path.read_text())["photos"]] == [live.pk]


def test_a_person_whose_cover_went_to_the_trash_gets_a_cover_from_the_live_photos(
    alice, make_analysed
):
    first, second = make_analysed(alice, 2)
    person = Person.objects.get(owner=alice)
    cover = first.faces.get()
    person.cover_face = cover
    person.save(update_fields=["cover_face"])
    trash.trash_photos(alice, [first.pk])
    person.refresh_from_db()
    assert person.cover_face == second.faces.get()
    trash.trash_photos(alice, [second.pk])
    person.refresh_from_db()
    assert person.cover_face is None and person.face_count == 0
    trash.restore_photos(alice, [first.pk])
    person.refresh_from_db()
    assert person.cover_face == cover and person.face_count == 1


def test_a_signed_url_stops_serving_a_photo_once_it_is_in_the_trash(
    alice, bob, api_client_for, make_analysed
):
    photo, _ = make_analysed(alice, 2)
    make_derivatives(photo)
    signed = media.signed_url(photo, "thumbnail")
    assert Client().get(signed).status_code == 200
    trash.trash_photos(alice, [photo.pk])
    photo.refresh_from_db()
    assert Client().get(signed).status_code == 404  # at once, not when it expires
    assert media.signed_url(photo, "original") is None
    # The companion app's trash list links the owner-checked API action instead.
    api = api_client_for(alice)
    (item,) = [p for p in api.get("/api/v1/photos/trash/").json()["results"] if p["id"] == photo.pk]
    assert item["thumbnail_url"].endswith(f"/api/v1/photos/{photo.pk}/thumbnail/")
    assert api.get(item["thumbnail_url"]).status_code == 200
    assert api_client_for(bob).get(item["thumbnail_url"]).status_code == 404
    assert Client().get(item["thumbnail_url"]).status_code == 401
