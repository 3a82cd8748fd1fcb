"""Quality, near-duplicates, progress on the dashboard, retry from the photo page and admin,
and the pure helpers in photos/lib (no database)."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFilter

from photos import tasks
from photos.analysis import queue, runner
from photos.lib import faces as face_maths
from photos.lib import phash as phash_lib
from photos.lib import quality
from photos.models import AnalysisStatus, AnalysisStep, Photo, Step
from privacy.models import Scope
from tests.factories import make_photo


def rgb(path, blur=0):
    with Image.open(path) as im:
        image = im.convert("RGB")
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(image)


# --- photos/lib ---------------------------------------------------------------------------


def test_blur_lowers_sharpness(photos_dir):
    sharp = quality.sharpness(rgb(photos_dir / "scenes/ibm_city.jpg"))
    blurred = quality.sharpness(rgb(photos_dir / "scenes/ibm_city.jpg", blur=6))
    assert blurred < sharp / 5
    assert quality.sharpness_score(blurred) < quality.sharpness_score(sharp)


def test_exposure_prefers_a_well_exposed_photo(photos_dir):
    normal = rgb(photos_dir / "scenes/ibm_city.jpg")
    dark = (normal * 0.1).astype(np.uint8)
    blown = np.clip(normal.astype(np.int32) * 4, 0, 255).astype(np.uint8)
    assert quality.exposure(normal) > quality.exposure(dark)
    assert quality.exposure(normal) > quality.exposure(blown)


def test_quality_score_counts_faces_only_when_they_were_looked_for():
    with_faces = quality.quality_score(500.0, 0.8, 0.9)
    without = quality.quality_score(500.0, 0.8, None)
    assert 0 <= without <= 1 and 0 <= with_faces <= 1
    assert quality.quality_score(500.0, 0.8, 0.1) < with_faces
    cut = quality.face_visibility([(-20, 0, 50, 60, 0.9)], 100, 100)
    whole = quality.face_visibility([(10, 0, 50, 60, 0.9)], 100, 100)
    assert cut < whole


def test_phash_finds_a_resaved_copy_but_not_another_photo(photos_dir):
    with Image.open(photos_dir / "scenes/ibm_city.jpg") as im:
        original = im.convert("RGB")
    out = io.BytesIO()
    original.resize((original.width // 2, original.height // 2)).save(out, "JPEG", quality=60)
    copy = Image.open(out)
    with Image.open(photos_dir / "scenes/ibm_paris.jpg") as other:
        other_hash = phash_lib.phash(other.convert("RGB"))
    value = phash_lib.phash(original)
    assert phash_lib.near(value, [phash_lib.phash(copy), other_hash]) == [0]


def test_embedding_maths():
    a = face_maths.normalise(np.array([1.0, 0.0, 0.0]))
    b = face_maths.normalise(np.array([0.9, 0.1, 0.0]))
    c = face_maths.normalise(np.array([0.0, 1.0, 0.0]))
    assert face_maths.from_bytes(face_maths.to_bytes(a)).tolist() == a.tolist()
    centroids = np.vstack([c, b])
    assert face_maths.nearest(centroids, a, 0.1) == 1
    assert face_maths.nearest(centroids, a, 0.1, excluded=[1]) is None
    labels = face_maths.cluster(np.vstack([a, b, a, c]), eps=0.1, min_samples=2)
    assert labels[0] == labels[1] == labels[2] != -1 and labels[3] == -1
    assert face_maths.pairwise_precision_recall(["x", "x", "y"], [1, 1, 2]) == (1.0, 1.0)
    assert face_maths.pairwise_precision_recall(["x", "x", "y"], [1, 1, 1]) == (1 / 3, 1.0)


def test_status_aggregation():
    done, skipped = AnalysisStatus.DONE, AnalysisStatus.SKIPPED
    assert runner.aggregate(done, [done, skipped, done, done]) == done
    assert runner.aggregate(done, [skipped] * 4) == skipped
    assert runner.aggregate(done, [done, AnalysisStatus.WAITING, done, done]) == "waiting_for_model"
    assert runner.aggregate(done, [AnalysisStatus.FAILED, AnalysisStatus.PENDING]) == "failed"


# --- In the pipeline ----------------------------------------------------------------------


@pytest.mark.django_db
def test_near_duplicates_share_a_group_and_others_do_not(alice, grant, photos_dir, tmp_path):
    grant(alice, Scope.CLOUD_PROCESSING)
    now = timezone.now()
    source = photos_dir / "scenes/ibm_city.jpg"
    smaller = tmp_path / "smaller.jpg"
    with Image.open(source) as im:
        im.convert("RGB").resize((im.width // 2, im.height // 2)).save(smaller, quality=70)
    burst = [
        make_photo(alice, source, taken_at=now, status=AnalysisStatus.PENDING),
        make_photo(alice, smaller, taken_at=now - timedelta(seconds=1), status="pending"),
    ]
    other = make_photo(alice, photos_dir / "scenes/ibm_paris.jpg", status="pending")
    for photo in [*burst, other]:
        tasks.analyse_photo(photo.pk)
    groups = [Photo.objects.get(pk=p.pk).duplicate_group for p in [*burst, other]]
    assert groups[0] is not None and groups[0] == groups[1] == burst[0].pk
    assert groups[2] is None


@pytest.mark.django_db
def test_a_sharp_photo_outscores_its_blurred_copy(alice, grant, photos_dir, tmp_path):
    grant(alice, Scope.CLOUD_PROCESSING)
    blurred = tmp_path / "blurred.jpg"
    with Image.open(photos_dir / "scenes/ibm_city.jpg") as im:
        im.convert("RGB").filter(ImageFilter.GaussianBlur(8)).save(blurred)
    sharp = make_photo(alice, photos_dir / "scenes/ibm_city.jpg", status="pending")
    soft = make_photo(alice, blurred, status="pending")
    for photo in (sharp, soft):
        tasks.analyse_photo(photo.pk)
        photo.refresh_from_db()
    assert sharp.sharpness > soft.sharpness
    assert sharp.quality_score > soft.quality_score


# --- Progress and retry -------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_json_counts_steps_eta_and_failures(alice, alice_client, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    now = timezone.now()
    done = make_photo(alice, photos_dir / "scenes/ibm_pizza.jpg", status="pending")
    tasks.analyse_photo(done.pk)
    waiting = [
        make_photo(alice, photos_dir / "scenes/ibm_dog.jpg", status="pending", taken_at=now),
        make_photo(alice, photos_dir / "scenes/ibm_city.jpg", status="pending", taken_at=now),
    ]
    queue.ensure_steps([p.pk for p in waiting])
    AnalysisStep.objects.filter(photo=waiting[1], step=Step.SCENES).update(
        status=AnalysisStatus.FAILED, message="RuntimeError: boom"
    )
    Photo.objects.filter(pk=waiting[1].pk).update(analysis_status=AnalysisStatus.FAILED)

    response = alice_client.get(reverse("photos:analysis-progress"))

    assert response.status_code == 200
    data = response.json()
    assert (data["total"], data["done"], data["pending"], data["failed"]) == (3, 1, 1, 1)
    assert data["steps"]["faces"]["done"] == 1 and data["steps"]["faces"]["pending"] == 2
    assert data["eta_seconds"] is not None and data["eta_seconds"] > 0
    assert data["failures"] == [
        {
            "photo": waiting[1].pk,
            "name": "ibm_city.jpg",
            "step": "scenes",
            "message": "RuntimeError: boom",
        }
    ]


@pytest.mark.django_db
def test_progress_is_the_users_own(alice, bob, client, photos_dir):
    make_photo(alice, photos_dir / "scenes/ibm_pizza.jpg", status="failed")
    client.force_login(bob)
    assert client.get(reverse("photos:analysis-progress")).json()["total"] == 0
    client.logout()
    assert client.get(reverse("photos:analysis-progress")).status_code == 302


@pytest.mark.django_db
def test_the_dashboard_includes_the_live_progress(alice_client):
    body = alice_client.get(reverse("accounts:dashboard")).content.decode()
    assert reverse("photos:analysis-progress") in body
    assert "js/progress." in body  # hashed by the manifest storage


@pytest.mark.django_db
def test_a_failed_step_is_retried_from_the_photo_page(
    alice, alice_client, grant, photos_dir, django_capture_on_commit_callbacks
):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = make_photo(alice, photos_dir / "scenes/ibm_pizza.jpg", status="pending")
    tasks.analyse_photo(photo.pk)
    AnalysisStep.objects.filter(photo=photo, step=Step.QUALITY).update(
        status=AnalysisStatus.FAILED, message="MemoryError: out of memory"
    )
    Photo.objects.filter(pk=photo.pk).update(analysis_status=AnalysisStatus.FAILED)
    page = alice_client.get(reverse("photos:photo", args=[photo.pk])).content.decode()
    assert "MemoryError: out of memory" in page
    assert reverse("photos:photo-retry", args=[photo.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("photos:photo-retry", args=[photo.pk]))

    assert response.status_code == 302
    assert AnalysisStep.objects.get(photo=photo, step=Step.QUALITY).status == AnalysisStatus.DONE
    assert Photo.objects.get(pk=photo.pk).analysis_status == AnalysisStatus.DONE


@pytest.mark.django_db
def test_staff_retry_failed_steps_from_the_admin(
    alice, admin_client, grant, photos_dir, django_capture_on_commit_callbacks
):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = make_photo(alice, photos_dir / "scenes/ibm_pizza.jpg", status="pending")
    tasks.analyse_photo(photo.pk)
    AnalysisStep.objects.filter(photo=photo, step=Step.SCENES).update(status="failed")
    Photo.objects.filter(pk=photo.pk).update(analysis_status="failed")
    step = AnalysisStep.objects.get(photo=photo, step=Step.SCENES)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:photos_analysisstep_changelist"),
            {"action": "retry_failed_steps", "_selected_action": [step.pk]},
        )
    assert response.status_code == 302
    assert Photo.objects.get(pk=photo.pk).analysis_status == AnalysisStatus.DONE
