"""Factories that write real image files (with real EXIF) into media storage."""

import hashlib
import io
import shutil
from datetime import UTC, datetime, timedelta
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
    explicit_time = taken_at is not None
    taken_at = taken_at or timezone.now()
    data = jpeg_with_exif(source, taken_at=taken_at.astimezone(UTC).replace(tzinfo=None), gps=gps)
    sha = hashlib.sha256(data).hexdigest()
    # Two copies of one source made in the same second would be the same file (EXIF has
    # whole seconds): without an explicit time, the later copy is taken a second earlier.
    while not explicit_time and Photo.objects.filter(owner=owner, sha256=sha).exists():
        taken_at -= timedelta(seconds=1)
        exif_time = taken_at.astimezone(UTC).replace(tzinfo=None)
        data = jpeg_with_exif(source, taken_at=exif_time, gps=gps)
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


# --- Files for ingest tests (real pixels, real containers) ------------------------------


def heic_bytes(source: Path, *, max_side: int = 480, **exif) -> bytes:
    """A real photo written as HEIC by pillow-heif (scaled to max_side: HEVC encodes slowly)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    with Image.open(source) as im:
        rgb = im.convert("RGB")
        rgb.thumbnail((max_side, max_side))
        out = io.BytesIO()
        extra = {"exif": exif_bytes(**exif)} if exif else {}
        rgb.save(out, "HEIF", quality=80, **extra)
    return out.getvalue()


def image_bytes(source: Path, fmt: str, **exif) -> bytes:
    """A real photo re-encoded as PNG or WEBP (with EXIF if given)."""
    with Image.open(source) as im:
        out = io.BytesIO()
        extra = {"exif": exif_bytes(**exif)} if exif else {}
        im.convert("RGB").save(out, fmt, **extra)
    return out.getvalue()


def mp4_bytes(
    source: Path,
    *,
    seconds: float = 1.0,
    fps: int = 10,
    size=(320, 240),
    creation_time=None,
    container_format: str = "mp4",
) -> bytes:
    """A short H.264 MP4 (or MOV) made with PyAV from a real photo (slowly panning)."""
    import av

    with Image.open(source) as im:
        frame_src = im.convert("RGB").resize((size[0] * 2, size[1] * 2))
    out = io.BytesIO()
    with av.open(out, mode="w", format=container_format) as container:
        if creation_time is not None:
            container.metadata["creation_time"] = creation_time
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        frames = max(1, round(seconds * fps))
        for i in range(frames):
            box = (i * 4, i * 2, i * 4 + size[0], i * 2 + size[1])
            frame = av.VideoFrame.from_image(frame_src.crop(box))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG whose header declares width x height pixels (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A few rows of zeros: enough to be a plausible start of the pixel stream.
    idat = zlib.compress(b"\x00" * (width * 3 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def garbage_exif_jpeg(source: Path) -> bytes:
    """A real photo whose EXIF holds nonsense: a bad date, impossible GPS, orientation 99."""
    exif = Image.Exif()
    exif[0x0112] = 99
    exif[0x010F] = "Garbage Cam"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = "0000:00:00 00:00:00"
    ifd[0x9011] = "+99:99"
    gps = exif.get_ifd(0x8825)
    gps[1] = "Q"
    gps[2] = (500.0, 0.0, 0.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 0.0)
    with Image.open(source) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()
