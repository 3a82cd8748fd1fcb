"""Ingest through the browser upload: real photos, EXIF written by the test, bad inputs."""

import io
from datetime import UTC, datetime, timedelta, timezone
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone as dj_timezone
from PIL import Image

from photos import ingest
from photos.models import MediaType, Photo, Source, TakenAtSource
from tests.factories import (
    garbage_exif_jpeg,
    heic_bytes,
    image_bytes,
    jpeg_with_exif,
    mp4_bytes,
    png_bomb,
)

pytestmark = pytest.mark.django_db

UPLOAD = reverse("photos:upload")


def stored_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def post(client, *files, **fields):
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    return client.post(UPLOAD, {"file": uploads, **fields})


def test_it_reads_capture_time_zone_gps_and_camera_from_exif(alice, alice_client, photos_dir):
    data = jpeg_with_exif(
        photos_dir / "scenes/ibm_paris.jpg",
        taken_at=datetime(2024, 5, 1, 13, 45, 10),
        offset="+02:00",
        gps=(48.858370, 2.294481),
        altitude=35.0,
        make="Google",
        model="Pixel 8",
    )
    response = post(alice_client, ("paris.jpg", data), taken_at="2020-01-01T00:00:00Z")
    assert response.status_code == 201, response.json()
    result = response.json()["results"][0]
    assert result["ok"] and result["created"]
    photo = Photo.objects.get(pk=result["id"])
    assert photo.owner == alice
    assert photo.taken_at == datetime(2024, 5, 1, 11, 45, 10, tzinfo=UTC)
    assert photo.taken_at_offset == 120
    assert photo.taken_at_source == TakenAtSource.EXIF
    assert photo.latitude == pytest.approx(48.85837, abs=1e-5)
    assert photo.longitude == pytest.approx(2.294481, abs=1e-5)
    assert photo.altitude == pytest.approx(35.0)
    assert (photo.camera_make, photo.camera_model) == ("Google", "Pixel 8")
    with Image.open(photos_dir / "scenes/ibm_paris.jpg") as im:
        assert (photo.width, photo.height) == im.size
    assert photo.file_size == len(data)
    assert photo.content_type == "image/jpeg"
    assert photo.source == Source.WEB
    assert photo.original_name == "paris.jpg"
    assert photo.original.name == f"u{alice.pk}/originals/{photo.sha256[:2]}/{photo.sha256}.jpg"
    assert photo.original.read() == data


def test_it_falls_back_to_the_client_time_then_the_upload_time(alice_client, photos_dir):
    data = (photos_dir / "scenes/ibm_coffee.jpg").read_bytes()  # no EXIF date
    response = post(alice_client, ("coffee.jpg", data), taken_at="2024-03-02T10:00:00-05:00")
    photo = Photo.objects.get(pk=response.json()["results"][0]["id"])
    assert photo.taken_at == datetime(2024, 3, 2, 15, 0, tzinfo=UTC)
    assert photo.taken_at_offset == -300
    assert photo.taken_at_source == TakenAtSource.CLIENT

    before = dj_timezone.now()
    other = (photos_dir / "scenes/ibm_burger.jpg").read_bytes()
    response = post(alice_client, ("burger.jpg", other))
    photo = Photo.objects.get(pk=response.json()["results"][0]["id"])
    assert photo.taken_at_source == TakenAtSource.UPLOAD
    assert before <= photo.taken_at <= dj_timezone.now()
    assert photo.taken_at_offset is None


def test_a_bad_file_date_from_the_browser_is_ignored_not_fatal(alice_client, photos_dir):
    data = (photos_dir / "scenes/ibm_coffee.jpg").read_bytes()
    response = post(alice_client, ("coffee.jpg", data), taken_at="2999-01-01T00:00:00Z")
    assert response.status_code == 201
    assert Photo.objects.get().taken_at_source == TakenAtSource.UPLOAD


def test_it_stores_the_same_bytes_once(alice_client, photos_dir, private_media):
    data = (photos_dir / "scenes/ibm_pizza.jpg").read_bytes()
    first = post(alice_client, ("pizza.jpg", data))
    second = post(alice_client, ("pizza-copy.jpg", data))
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["results"][0]["created"] is False
    assert second.json()["results"][0]["id"] == first.json()["results"][0]["id"]
    assert Photo.objects.count() == 1
    assert len(stored_files(private_media)) == 1


def test_it_keeps_one_photo_per_owner_not_per_server(alice, bob, photos_dir):
    data = (photos_dir / "scenes/ibm_pizza.jpg").read_bytes()
    a = ingest.ingest(alice, SimpleUploadedFile("p.jpg", data))
    b = ingest.ingest(bob, SimpleUploadedFile("p.jpg", data))
    assert a.created and b.created
    assert a.photo.pk != b.photo.pk
    assert a.photo.original.name != b.photo.original.name


def test_it_answers_a_lost_race_with_the_winner(alice, photos_dir, private_media):
    data = (photos_dir / "scenes/ibm_pizza.jpg").read_bytes()
    winner = ingest.ingest(alice, SimpleUploadedFile("p.jpg", data)).photo
    # The second upload does not see the first one (it checked before the commit) and
    # runs into the unique constraint instead.
    with mock.patch.object(ingest, "_find_existing", return_value=None):
        result = ingest.ingest(alice, SimpleUploadedFile("p.jpg", data))
    assert result.created is False
    assert result.photo.pk == winner.pk
    assert stored_files(private_media) == [winner.original.name]


BAD_INPUTS = {
    "text named .jpg": ("holiday.jpg", b"this is not a photo, it is text\n" * 10, 415),
    "zero bytes": ("empty.jpg", b"", 400),
    "svg": ("vector.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', 415),
    "html": ("page.png", b"<!doctype html><html><script>alert(1)</script></html>", 415),
    "pdf": ("doc.heic", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", 415),
}


@pytest.mark.parametrize("case", BAD_INPUTS.keys())
def test_it_refuses_what_is_not_a_photo_and_stores_nothing(case, alice_client, private_media):
    name, data, status = BAD_INPUTS[case]
    response = post(alice_client, (name, data))
    assert response.status_code == status, response.json()
    body = response.json()
    assert body["results"][0]["ok"] is False
    assert body["detail"]
    if status == 415:
        assert "JPEG, PNG, WebP, HEIC" in body["detail"]
    assert Photo.objects.count() == 0
    assert stored_files(private_media) == []


def test_it_refuses_a_truncated_jpeg(alice_client, photos_dir, private_media):
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    response = post(alice_client, ("cut.jpg", data[: len(data) // 2]))
    assert response.status_code == 400
    assert response.json()["code"] == "corrupt"
    assert "truncated" in response.json()["detail"]
    assert Photo.objects.count() == 0
    assert stored_files(private_media) == []


def test_it_refuses_a_decompression_bomb(alice_client, private_media):
    response = post(alice_client, ("bomb.png", png_bomb(40_000, 40_000)))
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_pixels"
    assert Photo.objects.count() == 0
    assert stored_files(private_media) == []


def test_it_refuses_a_file_over_the_size_limit(alice_client, photos_dir, private_media, settings):
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    response = post(alice_client, ("big.jpg", data))
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert stored_files(private_media) == []


def test_it_refuses_a_body_over_the_limit_before_reading_it(alice_client, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = alice_client.post(
        UPLOAD, data=b"x" * 10, content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )  # fmt: skip
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_it_stores_a_photo_with_garbage_exif_without_the_bad_fields(alice_client, photos_dir):
    data = garbage_exif_jpeg(photos_dir / "scenes/ibm_city.jpg")
    response = post(alice_client, ("garbage.jpg", data))
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert photo.taken_at_source == TakenAtSource.UPLOAD
    assert photo.latitude is None and photo.longitude is None
    assert photo.orientation == 1
    assert photo.taken_at_offset is None
    assert photo.camera_make == "Garbage Cam"


def test_it_never_lets_a_path_in_the_file_name_reach_storage(alice, photos_dir, private_media):
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    for name in ("../../etc/passwd.jpg", "..\\..\\boot.jpg", "a/b.jpg"):
        with pytest.raises(ingest.IngestError) as refused:
            ingest.ingest(alice, io.BytesIO(data), name=name)
        assert refused.value.status == 400
        assert refused.value.code == "bad_filename"
    assert stored_files(private_media) == []


def test_it_stores_a_browser_upload_by_hash_whatever_its_name(
    alice, alice_client, photos_dir, private_media
):
    # Django's multipart parser already cuts the directories off; storage uses the hash.
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    response = post(alice_client, ("../../../../tmp/evil.jpg", data))
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert photo.original_name == "evil.jpg"
    assert stored_files(private_media) == [photo.original.name]
    assert photo.original.name.startswith(f"u{alice.pk}/originals/")


def test_a_batch_with_one_bad_file_stores_all_the_good_ones(alice_client, photos_dir):
    good = [
        ("dog.jpg", (photos_dir / "scenes/ibm_dog.jpg").read_bytes()),
        ("bad.jpg", b"not an image at all"),
        ("lin.png", (photos_dir / "people/lin_manuel_miranda/lin_1.png").read_bytes()),
    ]
    response = post(alice_client, *good)
    assert response.status_code == 201
    body = response.json()
    assert [r["ok"] for r in body["results"]] == [True, False, True]
    assert body["results"][1]["code"] == "unsupported_type"
    assert (body["stored"], body["failed"]) == (2, 1)
    assert sorted(Photo.objects.values_list("original_name", flat=True)) == ["dog.jpg", "lin.png"]


def test_it_removes_the_file_when_the_database_refuses_the_row(
    alice_client, photos_dir, private_media
):
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    failing = mock.patch.object(Photo, "save", side_effect=DatabaseError("disk I/O error"))
    with failing, pytest.raises(DatabaseError):
        post(alice_client, ("city.jpg", data))
    assert Photo.objects.count() == 0
    assert stored_files(private_media) == []


def test_it_queues_analysis_only_after_commit(
    alice, photos_dir, django_capture_on_commit_callbacks
):
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    with mock.patch("photos.analysis.queue.queue_analysis") as queue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            photo = ingest.ingest(alice, SimpleUploadedFile("c.jpg", data)).photo
        queue.assert_not_called()
        assert len(callbacks) == 1
        callbacks[0]()
    queue.assert_called_once_with([photo.pk])


def test_it_does_not_queue_a_duplicate_again(alice, photos_dir, django_capture_on_commit_callbacks):
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    ingest.ingest(alice, SimpleUploadedFile("c.jpg", data))
    with django_capture_on_commit_callbacks() as callbacks:
        ingest.ingest(alice, SimpleUploadedFile("c.jpg", data))
    assert callbacks == []


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_it_accepts_png_and_webp(fmt, alice, photos_dir):
    data = image_bytes(photos_dir / "scenes/ibm_dog.jpg", fmt, taken_at=datetime(2022, 2, 2))
    photo = ingest.ingest(alice, SimpleUploadedFile(f"dog.{fmt.lower()}", data)).photo
    assert photo.content_type == f"image/{fmt.lower()}"
    assert photo.extension == fmt.lower()
    assert photo.media_type == MediaType.PHOTO
    assert photo.width > 0 and photo.height > 0


def test_a_multi_picture_jpeg_from_a_phone_is_a_jpeg(alice, photos_dir):
    with Image.open(photos_dir / "scenes/ibm_dog.jpg") as im:
        first = im.convert("RGB")
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[first.rotate(10)])
    photo = ingest.ingest(alice, SimpleUploadedFile("portrait.jpg", out.getvalue())).photo
    assert (photo.content_type, photo.extension) == ("image/jpeg", "jpg")
    assert (photo.width, photo.height) == first.size


def test_heic_written_by_pillow_heif_round_trips(alice, photos_dir):
    source = photos_dir / "scenes/ibm_paris.jpg"
    data = heic_bytes(
        source, taken_at=datetime(2023, 7, 14, 22, 0, 0), offset="+02:00", gps=(48.8584, 2.2945)
    )
    photo = ingest.ingest(alice, SimpleUploadedFile("IMG_0001.HEIC", data)).photo
    assert (photo.content_type, photo.extension) == ("image/heic", "heic")
    with Image.open(source) as original:
        original.thumbnail((480, 480))
        assert (photo.width, photo.height) == original.size
    assert photo.taken_at == datetime(2023, 7, 14, 20, 0, tzinfo=UTC)
    assert photo.taken_at_offset == 120
    assert photo.latitude == pytest.approx(48.8584, abs=1e-4)
    assert photo.original.read() == data


def test_a_short_mp4_made_with_pyav_gets_a_poster_and_duration(alice, photos_dir):
    data = mp4_bytes(
        photos_dir / "scenes/ibm_dog.jpg", seconds=2.0, fps=10, creation_time="2024-06-01T08:30:00Z"
    )
    photo = ingest.ingest(alice, SimpleUploadedFile("clip.mp4", data)).photo
    assert photo.media_type == MediaType.VIDEO
    assert (photo.content_type, photo.extension) == ("video/mp4", "mp4")
    assert photo.duration == pytest.approx(2.0, abs=0.15)
    assert (photo.width, photo.height) == (320, 240)
    assert photo.taken_at == datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
    assert photo.poster.name.endswith("_poster.jpg")
    with Image.open(photo.poster.open("rb")) as poster:
        assert poster.format == "JPEG"
        assert poster.size == (320, 240)


def test_a_quicktime_mov_is_accepted(alice, photos_dir):
    data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0, container_format="mov")
    assert data[4:12] == b"ftypqt  "
    photo = ingest.ingest(alice, SimpleUploadedFile("IMG_0002.MOV", data)).photo
    assert (photo.content_type, photo.extension) == ("video/quicktime", "mov")
    assert photo.duration == pytest.approx(1.0, abs=0.15)
    assert photo.poster


def test_an_avif_is_refused_as_unsupported(alice):
    avif_head = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf" + b"\x00" * 64
    with pytest.raises(ingest.IngestError) as refused:
        ingest.ingest(alice, SimpleUploadedFile("a.avif", avif_head))
    assert refused.value.status == 415


def test_large_uploads_spooled_to_disk_are_stored_too(
    alice_client, photos_dir, private_media, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # every file goes through a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = None
    photo = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    video = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    response = post(alice_client, ("city.jpg", photo), ("clip.mp4", video))
    assert response.status_code == 201, response.json()
    stored = {p.media_type: p for p in Photo.objects.all()}
    assert stored[MediaType.PHOTO].original.read() == photo
    assert stored[MediaType.VIDEO].original.read() == video
    assert stored[MediaType.VIDEO].poster
    again = post(alice_client, ("clip.mp4", video))
    assert again.status_code == 200
    assert len(stored_files(private_media)) == 3


def test_a_truncated_video_is_refused(alice_client, photos_dir, private_media):
    data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    response = post(alice_client, ("clip.mp4", data[:200]))
    assert response.status_code == 400
    assert response.json()["code"] == "corrupt"
    assert stored_files(private_media) == []


def test_the_upload_page_needs_a_login_and_names_the_accepted_types(alice_client):
    from django.test import Client

    assert Client().get(UPLOAD).status_code == 302
    response = alice_client.get(UPLOAD)
    assert response.status_code == 200
    assert b"HEIC" in response.content
    assert b'id="dropzone"' in response.content


def test_the_plain_form_without_javascript_redirects_with_messages(alice_client, photos_dir):
    good = (photos_dir / "scenes/ibm_dog.jpg").read_bytes()
    response = alice_client.post(
        UPLOAD,
        {
            "html": "1",
            "file": [SimpleUploadedFile("d.jpg", good), SimpleUploadedFile("x.jpg", b"x")],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("photos:library")
    texts = [str(m) for m in response.context["messages"]]
    assert "Stored 1, already had 0." in texts
    assert any(t.startswith("x.jpg: This file type is not supported") for t in texts)


def test_the_upload_endpoint_checks_csrf(alice, photos_dir):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    data = (photos_dir / "scenes/ibm_city.jpg").read_bytes()
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("c.jpg", data)})
    assert response.status_code == 403
    assert Photo.objects.count() == 0


def test_client_times_in_the_future_are_refused(alice):
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    with pytest.raises(ingest.IngestError):
        ingest.parse_client_time(later)
    assert ingest.parse_client_time("2024-01-02") == datetime(2024, 1, 2, tzinfo=UTC)
    assert ingest.parse_client_time("2024-01-02T03:04:05+01:00").utcoffset() == timedelta(hours=1)
    assert timezone  # the module's aware times compare as UTC
