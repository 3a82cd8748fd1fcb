"""One decode of the original per task: the thumbnails come from the image the analysis
decoded, whenever a model looks at the photo."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from photos import ingest, tasks
from photos.derivatives import PREVIEW_SIZE, THUMBNAIL_SIZE, fitted
from photos.models import AnalysisStatus, Photo
from privacy.models import Scope
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def opens(monkeypatch):
    """The files PIL opens, by name (a storage file handle has one)."""
    seen = []
    real_open = Image.open

    def counted(fp, *args, **kwargs):
        seen.append(getattr(fp, "name", type(fp).__name__))
        return real_open(fp, *args, **kwargs)

    monkeypatch.setattr(Image, "open", counted)
    return seen


def _decodes_of(photo, seen) -> int:
    return sum(1 for name in seen if str(name).endswith(photo.original.name))


def _check_derivatives(photo) -> None:
    photo.refresh_from_db()
    for field, box in ((photo.thumbnail, THUMBNAIL_SIZE), (photo.preview, PREVIEW_SIZE)):
        with default_storage.open(field.name, "rb") as fh, Image.open(io.BytesIO(fh.read())) as im:
            assert im.format == "WEBP"
            # Upright (the EXIF orientation applied) and fitted to the box.
            assert im.size == fitted((photo.width, photo.height), box)


def test_it_decodes_the_original_once_for_thumbnails_and_models(alice, grant, photos_dir, opens):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    photo = make_photo(alice, photos_dir / "scenes/insightface_t1.jpg", status="pending")
    opens.clear()

    tasks.analyse_photo(photo.pk)

    photo.refresh_from_db()
    assert photo.analysis_status == AnalysisStatus.DONE
    assert _decodes_of(photo, opens) == 1, opens
    _check_derivatives(photo)


def test_it_keeps_transparency_in_thumbnails_made_from_the_shared_decode(
    alice, grant, tmp_path, opens
):
    grant(alice, Scope.CLOUD_PROCESSING)
    path = tmp_path / "logo.png"
    image = Image.new("RGBA", (600, 400), (200, 30, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 300, 400))
    image.save(path)
    photo = ingest.ingest(alice, SimpleUploadedFile("logo.png", path.read_bytes())).photo
    assert photo.original.name.endswith(".png")
    opens.clear()

    tasks.analyse_photo(photo.pk)

    photo = Photo.objects.get(pk=photo.pk)
    assert _decodes_of(photo, opens) == 1, opens
    with default_storage.open(photo.thumbnail.name, "rb") as fh, Image.open(fh) as thumb:
        assert thumb.mode == "RGBA"
        assert thumb.getpixel((10, 10))[3] == 0 and thumb.getpixel((thumb.width - 10, 10))[3] == 255


def test_without_consent_it_decodes_for_the_thumbnails_only(alice, photos_dir, opens):
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg", status="pending")
    opens.clear()

    tasks.analyse_photo(photo.pk)

    assert _decodes_of(photo, opens) == 1, opens
    _check_derivatives(photo)
