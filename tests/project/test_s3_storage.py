"""Media on S3 (STORAGE_BACKEND=s3) against a real S3-compatible server: uploads and what is
derived from them land as private objects, only their owner reads them (through the app,
never from the bucket), signed links expire, the export is built and downloaded from the
bucket, and the deletions leave no object of the user behind."""

import hashlib
import io
import os
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from photos.models import AnalysisStatus, Face, MediaType, Photo
from privacy import services
from privacy.models import ExportJob, ExportStatus, Scope
from suggestions.models import Suggestion
from tests.conftest import PASSWORD
from tests.factories import mp4_bytes

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers", "AuthenticatedUsers")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, photos_dir, *names, video=False) -> list[bytes]:
    """Upload real photos (and a real MP4) through the web upload; returns their bytes."""
    files = [
        SimpleUploadedFile(name.rsplit("/", 1)[-1], (photos_dir / name).read_bytes())
        for name in names
    ]
    if video:
        data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
        files.append(SimpleUploadedFile("clip.mp4", data, content_type="video/mp4"))
    response = client.post(reverse("photos:upload"), {"file": files})
    assert response.status_code == 201, response.content
    return [f.file.getvalue() for f in files]


def stored_names(user) -> set[str]:
    """Every file name the database holds for `user`: what must be in the bucket."""
    names = set()
    for photo in Photo.objects.filter(owner=user):
        names.update(f.name for f in (photo.original, photo.thumbnail, photo.preview) if f)
        if photo.poster:
            names.add(photo.poster.name)
    names.update(Face.objects.filter(owner=user).exclude(crop="").values_list("crop", flat=True))
    names.update(
        ExportJob.objects.filter(user=user).exclude(file="").values_list("file", flat=True)
    )
    names.update(
        Suggestion.objects.filter(owner=user).exclude(image="").values_list("image", flat=True)
    )
    return names


def local_files(root) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file()]


def test_it_stores_uploads_and_all_they_derive_as_private_objects_in_the_bucket(
    alice, bob, grant, photos_dir, s3_bucket, private_media, django_capture_on_commit_callbacks
):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    owner = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        sent = upload(
            owner,
            photos_dir,
            "people/obama/obama_1.jpg",
            "scenes/ibm_dog.jpg",
            video=True,
        )

    photos = list(Photo.objects.filter(owner=alice).order_by("pk"))
    assert len(photos) == 3
    # The worker read the originals back from the bucket to analyse them.
    assert all(p.analysis_status == AnalysisStatus.DONE for p in photos), [
        (p.original_name, p.analysis_status) for p in photos
    ]
    assert Face.objects.filter(owner=alice).exclude(crop="").count() >= 2
    video = next(p for p in photos if p.media_type == MediaType.VIDEO)
    assert video.poster and video.thumbnail and video.preview

    keys = s3_bucket.names()
    assert set(keys) == stored_names(alice)
    assert all(key.startswith(f"u{alice.pk}/") for key in keys)
    for photo, data in zip(photos, sent, strict=True):
        assert s3_bucket.read(photo.original.name) == data
    for key in keys:
        assert s3_bucket.anonymous_get(key) == 403, key
        granted_to = [g["Grantee"].get("URI", "") for g in s3_bucket.grants(key)]
        assert not [uri for uri in granted_to if uri.endswith(PUBLIC_GROUPS)], key
    assert local_files(private_media) == []  # nothing went to the web server's disk

    # Face crops and rendered suggestions are read back from the bucket, owner only.
    face = Face.objects.filter(owner=alice).exclude(crop="").first()
    suggestion = Suggestion.objects.filter(owner=alice).exclude(image="").first()
    assert suggestion is not None
    reads = {
        reverse("photos:face-crop", args=[face.pk]): face.crop.name,
        reverse("suggestions:image", args=[suggestion.pk]): suggestion.image.name,
    }
    for url, key in reads.items():
        response = owner.get(url)
        assert response.status_code == 200, url
        assert body(response) == s3_bucket.read(key)
        assert login(bob).get(url).status_code == 404


def test_only_the_owner_reads_the_files_and_through_the_app_not_the_bucket(
    alice,
    bob,
    grant,
    api_client_for,
    photos_dir,
    s3_bucket,
    s3_server,
    settings,
    django_capture_on_commit_callbacks,
):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.CAMERA_ROLL_SYNC)
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    api = api_client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/photos/", {"file": SimpleUploadedFile("city.jpg", data)}, format="multipart"
        )
    assert created.status_code == 201, created.content
    photo = Photo.objects.get(owner=alice)
    assert photo.thumbnail and photo.preview
    assert s3_bucket.read(photo.original.name) == data

    owner = login(alice)
    for kind in ("original", "preview", "thumbnail"):
        response = owner.get(reverse("photos:media", args=[photo.pk, kind]))
        assert response.status_code == 200, kind
        assert body(response) == s3_bucket.read(getattr(photo, kind).name), kind
        assert response["Cache-Control"].startswith("private")
        assert s3_bucket.anonymous_get(getattr(photo, kind).name) == 403

    detail = api.get(f"/api/v1/photos/{photo.pk}/")
    assert detail.status_code == 200
    # The app hands out its own signed links, never a URL of the bucket.
    assert s3_server.endpoint_url.encode() not in detail.content
    assert s3_bucket.name.encode() not in detail.content
    link = detail.json()["thumbnail_url"]
    fetched = Client().get(link)
    assert fetched.status_code == 200
    assert body(fetched) == s3_bucket.read(photo.thumbnail.name)

    assert api_client_for(bob).get(f"/api/v1/photos/{photo.pk}/").status_code == 404
    stranger = login(bob)
    for kind in ("original", "preview", "thumbnail"):
        assert stranger.get(reverse("photos:media", args=[photo.pk, kind])).status_code == 404

    later = timezone.now() + timedelta(seconds=settings.SIGNED_URL_MAX_AGE + 5)
    with time_machine.travel(later, tick=False):
        expired = Client().get(link)
    assert expired.status_code == 403
    assert b"expired" in expired.content

    # An object gone from the bucket behind the app's back is a 404, not a 500.
    s3_bucket.s3.delete_object(Bucket=s3_bucket.name, Key=photo.preview.name)
    assert owner.get(reverse("photos:media", args=[photo.pk, "preview"])).status_code == 404


def test_the_export_is_built_into_the_bucket_and_downloaded_by_its_owner_only(
    alice, bob, photos_dir, s3_bucket, django_capture_on_commit_callbacks
):
    owner = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        sent = upload(owner, photos_dir, "scenes/ibm_dog.jpg", "scenes/ibm_city.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(reverse("privacy:export-start")).status_code == 302
    job = ExportJob.objects.get(user=alice)
    assert job.status == ExportStatus.READY
    assert job.file.name in s3_bucket.names()
    assert s3_bucket.anonymous_get(job.file.name) == 403

    url = reverse("privacy:export-download", args=[job.pk])
    response = owner.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    zipped = body(response)
    assert zipped == s3_bucket.read(job.file.name)
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    originals = [archive.read(n) for n in archive.namelist() if n.startswith("originals/")]
    assert sorted(originals) == sorted(sent)
    assert login(bob).get(url).status_code == 404

    with time_machine.travel(job.expires_at + timedelta(minutes=1), tick=False):
        assert services.expire_exports() == 1
    assert job.file.name not in s3_bucket.names()
    assert owner.get(url).status_code == 410


def test_deleting_all_photos_leaves_no_object_of_the_user(
    alice, bob, grant, photos_dir, s3_bucket, django_capture_on_commit_callbacks
):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    owner = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        upload(owner, photos_dir, "people/obama/obama_1.jpg", video=True)
        upload(login(bob), photos_dir, "scenes/ibm_dog.jpg")
    alices = stored_names(alice)
    assert Face.objects.filter(owner=alice).exclude(crop="").exists()
    assert len(alices) >= 7  # two originals, thumbnails, previews, a poster, face crops
    assert alices <= set(s3_bucket.names())

    url = reverse("privacy:delete", args=["photos"])
    assert owner.get(url).status_code == 200
    assert alices <= set(s3_bucket.names())  # the preview deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(url, {"confirm": "yes"})
    assert done.status_code == 200

    assert not Photo.objects.filter(owner=alice).exists()
    assert set(s3_bucket.names()) == stored_names(bob)  # bob's objects, and nothing else
    assert stored_names(bob)


def test_deleting_the_account_leaves_no_object_of_the_user(
    alice, bob, photos_dir, s3_bucket, django_capture_on_commit_callbacks
):
    owner = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        upload(owner, photos_dir, "scenes/ibm_dog.jpg", video=True)
        upload(login(bob), photos_dir, "scenes/ibm_city.jpg")
        owner.post(reverse("privacy:export-start"))
    assert ExportJob.objects.get(user=alice).file.name in s3_bucket.names()
    assert len(stored_names(alice)) >= 7  # originals, derivatives, poster and the export

    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(
            reverse("privacy:delete", args=["account"]), {"confirm": "yes", "password": PASSWORD}
        )
    assert done.status_code == 200
    assert not User.objects.filter(pk=alice.pk).exists()
    assert set(s3_bucket.names()) == stored_names(bob)
    assert not [k for k in s3_bucket.names() if k.startswith(f"u{alice.pk}/")]


def test_deleting_all_photos_also_removes_the_exports_that_hold_them(
    alice, photos_dir, s3_bucket, django_capture_on_commit_callbacks
):
    owner = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        upload(owner, photos_dir, "scenes/ibm_dog.jpg")
        owner.post(reverse("privacy:export-start"))
    assert ExportJob.objects.get(user=alice).file.name in s3_bucket.names()

    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(reverse("privacy:delete", args=["photos"]), {"confirm": "yes"})
    assert done.status_code == 200
    assert s3_bucket.names() == []


def test_a_large_export_is_streamed_from_a_temporary_file_not_held_in_memory(alice, s3_bucket):
    data = os.urandom(8 * 1024 * 1024)
    name = default_storage.save(f"u{alice.pk}/exports/big.zip", ContentFile(data))
    job = ExportJob.objects.create(
        user=alice,
        status=ExportStatus.READY,
        file=name,
        size=len(data),
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    response = login(alice).get(reverse("privacy:export-download", args=[job.pk]))
    assert response.status_code == 200
    digest = hashlib.sha256()
    for chunk in response.streaming_content:
        digest.update(chunk)
    assert digest.digest() == hashlib.sha256(data).digest()

    # django-storages downloads an object into a SpooledTemporaryFile before the first
    # byte goes out. Past a few megabytes it must be on disk: an export of a whole library
    # is gigabytes, and the default (max_memory_size=0) never leaves memory.
    with default_storage.open(name, "rb") as handle:
        assert handle.read(4) == data[:4]
        assert handle.file._rolled, "the object is held in memory"
