"""Thumbnails and previews: upright, WebP, reduced-scale JPEG decode, idempotent."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageOps, ImageStat
from PIL.JpegImagePlugin import JpegImageFile

from photos import derivatives, ingest
from photos.models import Photo
from tests.factories import heic_bytes, mp4_bytes

pytestmark = pytest.mark.django_db


def add(owner, path, name=None):
    data = path.read_bytes() if hasattr(path, "read_bytes") else path
    return ingest.ingest(owner, SimpleUploadedFile(name or path.name, data)).photo


def opened(field):
    with field.open("rb") as handle:
        im = Image.open(handle)
        im.load()
    return im


def difference(a: Image.Image, b: Image.Image) -> float:
    diff = ImageChops.difference(a.convert("L"), b.convert("L").resize(a.size))
    return sum(ImageStat.Stat(diff).mean)


def test_a_photo_stored_rotated_gets_upright_derivatives(alice, photos_dir):
    source = photos_dir / "scenes/dragonfly_beach.jpg"
    photo = add(alice, source)
    with Image.open(source) as raw:
        stored_size = raw.size
        sideways = raw.convert("RGB")  # the pixels as stored, ignoring the orientation
        upright = ImageOps.exif_transpose(raw).convert("RGB")
    assert photo.orientation == 6
    assert (photo.width, photo.height) == (stored_size[1], stored_size[0])

    names = derivatives.make_derivatives(photo)
    photo.refresh_from_db()
    assert photo.thumbnail.name == names["thumbnail"]
    preview = opened(photo.preview)
    thumbnail = opened(photo.thumbnail)
    assert preview.format == thumbnail.format == "WEBP"
    assert preview.size == (photo.width, photo.height)  # small source: never scaled up
    assert max(thumbnail.size) == 256
    assert thumbnail.size[0] < thumbnail.size[1]  # portrait, like the upright photo
    # The pixels match the upright photo, not the stored (sideways) one.
    assert difference(preview, upright) < 8
    assert difference(preview, sideways) > 3 * difference(preview, upright)


def test_a_large_jpeg_is_decoded_at_reduced_scale(alice, photos_dir):
    photo = add(alice, photos_dir / "scenes/carrotcake_cake.jpg")
    assert (photo.width, photo.height) == (4608, 2592)
    real_draft = JpegImageFile.draft
    with mock.patch.object(JpegImageFile, "draft", autospec=True, side_effect=real_draft) as draft:
        derivatives.make_derivatives(photo)
    (im, mode, requested), _ = draft.call_args
    assert mode == "RGB"
    assert requested == (1440, 810)
    # libjpeg decoded at 1/2 scale: 2304x1296, not 4608x2592.
    assert im.size == (2304, 1296)
    assert opened(photo.preview).size == (1440, 810)
    assert opened(photo.thumbnail).size == (256, 144)


def test_it_is_idempotent(alice, photos_dir, private_media):
    photo = add(alice, photos_dir / "scenes/ibm_dog.jpg")
    first = derivatives.make_derivatives(photo)
    files = sorted(p for p in private_media.rglob("*") if p.is_file())
    second = derivatives.make_derivatives(Photo.objects.get(pk=photo.pk))
    assert first == second
    assert sorted(p for p in private_media.rglob("*") if p.is_file()) == files
    assert len(files) == 3  # original, thumbnail, preview


def test_a_video_gets_derivatives_from_its_poster(alice, photos_dir):
    data = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0, size=(320, 240))
    photo = add(alice, data, "clip.mp4")
    derivatives.make_derivatives(photo)
    thumbnail = opened(photo.thumbnail)
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (256, 192)
    assert difference(thumbnail, opened(photo.poster)) < 8


def test_a_heic_photo_gets_derivatives(alice, photos_dir):
    photo = add(alice, heic_bytes(photos_dir / "scenes/ibm_paris.jpg"), "paris.heic")
    derivatives.make_derivatives(photo)
    preview = opened(photo.preview)
    assert preview.size == (photo.width, photo.height)
    assert max(opened(photo.thumbnail).size) == 256


def test_transparency_survives_in_webp(alice, photos_dir, tmp_path):
    with Image.open(photos_dir / "scenes/ibm_dog.jpg") as im:
        rgba = im.convert("RGBA")
    rgba.putalpha(128)
    path = tmp_path / "glass.png"
    rgba.save(path)
    photo = add(alice, path)
    derivatives.make_derivatives(photo)
    thumbnail = opened(photo.thumbnail)
    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((10, 10))[3] == pytest.approx(128, abs=2)
