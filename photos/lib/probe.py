"""What an uploaded file really is, judged by its bytes, never by its name.

`probe(fileobj, max_pixels=...)` sniffs the magic numbers, then decodes the file (images
at reduced scale, videos up to their first frame) so that a truncated or corrupt file,
a decompression bomb, a text file named .jpg, SVG or HTML are refused before anything is
stored. No Django here.
"""

import io
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pillow_heif
from PIL import Image, ImageFile, UnidentifiedImageError

from photos.lib import exif as exif_lib

pillow_heif.register_heif_opener()

# Never decode a partial file as if it were whole.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ACCEPTED = "JPEG, PNG, WebP, HEIC/HEIF photos and MP4 or MOV videos"


@dataclass(frozen=True)
class Kind:
    name: str
    extension: str
    content_type: str
    media_type: str  # "photo" or "video"


JPEG = Kind("jpeg", "jpg", "image/jpeg", "photo")
PNG = Kind("png", "png", "image/png", "photo")
WEBP = Kind("webp", "webp", "image/webp", "photo")
HEIC = Kind("heic", "heic", "image/heic", "photo")
HEIF = Kind("heif", "heif", "image/heif", "photo")
MP4 = Kind("mp4", "mp4", "video/mp4", "video")
MOV = Kind("mov", "mov", "video/quicktime", "video")
KINDS = {k.name: k for k in (JPEG, PNG, WEBP, HEIC, HEIF, MP4, MOV)}
CONTENT_TYPES = sorted({k.content_type for k in KINDS.values()})

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_HEIF_BRANDS = {b"mif1", b"msf1"}
_MOV_BRANDS = {b"qt  "}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"mp71", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"MSNV", b"dash",
}  # fmt: skip
# Old QuickTime files start with an atom instead of "ftyp".
_MOV_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


class ProbeError(ValueError):
    """A refusal with a message for the person who uploaded the file."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass
class Probed:
    kind: Kind
    width: int  # upright
    height: int
    metadata: exif_lib.Metadata = field(default_factory=exif_lib.Metadata)
    duration: float | None = None
    poster_jpeg: bytes | None = None  # videos: the first frame, upright, as JPEG


def sniff(head: bytes) -> Kind | None:
    """The file kind from its first bytes, or None for anything we do not accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if len(head) >= 12 and head[4:8] == b"ftyp":
        major = head[8:12]
        brands = {major} | {head[i : i + 4] for i in range(16, min(len(head), 64), 4)}
        if major in _HEIC_BRANDS:
            return HEIC
        if major in _HEIF_BRANDS:
            if brands & _HEIC_BRANDS:
                return HEIC
            # AVIF shares the HEIF container; it is not among the accepted types.
            return None if b"avif" in brands or b"avis" in brands else HEIF
        if major in _MOV_BRANDS:
            return MOV
        if major in _MP4_BRANDS:
            return MP4
        return None
    if len(head) >= 8 and head[4:8] in _MOV_ATOMS:
        return MOV
    return None


def unsupported() -> ProbeError:
    return ProbeError(
        f"This file type is not supported. Accepted: {ACCEPTED}.", "unsupported_type", 415
    )


def probe(fileobj, *, max_pixels: int, path: str | None = None) -> Probed:
    """Identify and fully check one file. Raises ProbeError with a readable reason."""
    fileobj.seek(0)
    head = fileobj.read(64)
    fileobj.seek(0)
    if not head:
        raise ProbeError("The file is empty.", "empty")
    kind = sniff(head)
    if kind is None:
        raise unsupported()
    if kind.media_type == "video":
        return _probe_video(fileobj, kind, path=path)
    return _probe_image(fileobj, kind, max_pixels=max_pixels)


def _too_many_pixels(max_pixels: int) -> ProbeError:
    return ProbeError(
        f"The image is too large to process (more than {max_pixels:,} pixels).",
        "too_many_pixels",
    )


def _probe_image(fileobj, kind: Kind, *, max_pixels: int) -> Probed:
    corrupt = ProbeError(
        f"The file looks like {kind.name.upper()} but cannot be read: it is truncated or corrupt.",
        "corrupt",
    )
    try:
        with warnings.catch_warnings():
            # Our own limit (max_pixels) is checked below; Pillow's hard limit still errors.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(fileobj)
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except UnidentifiedImageError:
        raise corrupt from None
    except Exception as exc:  # every decoder has its own idea of a bad header
        raise corrupt from exc
    with im:
        # MPO is a JPEG with extra frames (phones' portrait and burst shots).
        if (im.format or "").lower() not in {"jpeg", "mpo", "png", "webp", "heif", "heic"}:
            raise unsupported()
        width, height = im.size
        if width < 1 or height < 1:
            raise corrupt
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels)
        try:
            raw_exif = im.getexif()
        except Exception:
            raw_exif = None
        try:
            if kind is JPEG:
                # A reduced-scale decode still reads every byte: truncation shows, cheaply.
                im.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            im.load()
        except Exception as exc:
            raise corrupt from exc
    metadata = exif_lib.read(raw_exif)
    upright_w, upright_h = exif_lib.upright_size(width, height, metadata.orientation)
    return Probed(kind=kind, width=upright_w, height=upright_h, metadata=metadata)


def _probe_video(fileobj, kind: Kind, *, path: str | None) -> Probed:
    import av

    corrupt = ProbeError("The video cannot be read: it is truncated or corrupt.", "corrupt")
    try:
        container = av.open(path if path else fileobj, mode="r")
    except Exception as exc:
        raise corrupt from exc
    try:
        streams = container.streams.video
        if not streams:
            raise ProbeError("The video has no picture track.", "corrupt")
        stream = streams[0]
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        try:
            frame = next(container.decode(stream), None)
        except Exception as exc:
            raise corrupt from exc
        if frame is None:
            raise corrupt
        image = frame.to_image()
        rotation = getattr(frame, "rotation", 0) or 0
        if rotation % 360:
            # Display matrix angle is counter-clockwise; PIL's rotate too.
            image = image.rotate(rotation, expand=True)
        poster = io.BytesIO()
        image.convert("RGB").save(poster, "JPEG", quality=88)
        metadata = exif_lib.Metadata()
        created = container.metadata.get("creation_time") or stream.metadata.get("creation_time")
        metadata.taken_at = _video_time(created)
        return Probed(
            kind=kind,
            width=image.width,
            height=image.height,
            metadata=metadata,
            duration=round(duration, 3) if duration is not None else None,
            poster_jpeg=poster.getvalue(),
        )
    finally:
        container.close()


def _video_time(value) -> datetime | None:
    """QuickTime creation_time ('2024-05-01T13:45:10.000000Z', UTC) → aware datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    # 1904 and 1970 are the epochs of clocks that were never set.
    if parsed.year <= 1970 or parsed > datetime.now(UTC):
        return None
    return parsed
