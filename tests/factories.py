"""Factories that write real image files (with real EXIF) into media storage."""

import hashlib
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from photos.models import AnalysisStatus, MediaType, Photo, TakenAtSource


def exif_bytes(
    *,
    taken_at: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    altitude: float | None = None,
    orientation: int | None = None,
    make: str | None = None,
    model: str | None = None,
) -> bytes:
    """EXIF as Pillow writes it: DateTimeOriginal, OffsetTimeOriginal, GPS, Orientation."""
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation:
        exif[0x0112] = orientation
    ifd = exif.get_ifd(0x8769)
    if taken_at is not None:
        ifd[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        ifd[0x9004] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if offset:
        ifd[0x9011] = offset
    if gps is not None:
        lat, lon = gps
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N" if lat >= 0 else "S"
        gps_ifd[2] = _dms(abs(lat))
        gps_ifd[3] = "E" if lon >= 0 else "W"
        gps_ifd[4] = _dms(abs(lon))
        if altitude is not None:
            gps_ifd[5] = b"\x00" if altitude >= 0 else b"\x01"
            gps_ifd[6] = abs(altitude)
    return exif.tobytes()


def _dms(value: float):
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 4)
    return (float(degrees), float(minutes), float(seconds))


def jpeg_with_exif(source: Path, **exif) -> bytes:
    """A copy of a real photo re-saved with the given EXIF (original pixels, new metadata)."""
    with Image.open(source) as im:
        rgb = im.convert("RGB")
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=90, exif=exif_bytes(**exif))
    return out.getvalue()


def copy_with_exif(source: Path, dest: Path, **exif) -> Path:
    if not exif:
        shutil.copyfile(source, dest)
    else:
        dest.write_bytes(jpeg_with_exif(source, **exif))
    return dest


def make_photo(
    owner,
    source: Path,
    *,
    taken_at: datetime | None = None,
    gps: tuple[float, float] | None = None,
    status: str = AnalysisStatus.DONE,
    **fields,
) -> Photo:
    """A Photo row with the real file in storage, bypassing ingest (for tests of what
    stands on the library). EXIF is written into the stored copy too."""
    taken_at = taken_at or timezone.now()
    data = jpeg_with_exif(source, taken_at=taken_at.astimezone(UTC).replace(tzinfo=None), gps=gps)
    sha = hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as im:
        width, height = im.size
    photo = Photo(
        owner=owner,
        sha256=sha,
        original_name=source.name,
        extension="jpg",
        content_type="image/jpeg",
        media_type=MediaType.PHOTO,
        file_size=len(data),
        width=width,
        height=height,
        taken_at=taken_at,
        taken_at_source=TakenAtSource.EXIF,
        latitude=gps[0] if gps else None,
        longitude=gps[1] if gps else None,
        analysis_status=status,
        **fields,
    )
    photo.original.save(f"{sha}.jpg", ContentFile(data), save=False)
    photo.save()
    return photo
