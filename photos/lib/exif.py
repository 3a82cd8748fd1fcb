"""Reading capture metadata out of EXIF, without Django.

Cameras and phones write every kind of nonsense into EXIF ("0000:00:00 00:00:00",
latitudes of 500, orientation 0). Each field is parsed on its own and a bad one is
dropped, never fatal: the photo is still stored, just without that field.
"""

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from PIL import Image

EXIF_IFD = 0x8769
GPS_IFD = 0x8825

MAKE = 0x010F
MODEL = 0x0110
ORIENTATION = 0x0112
DATETIME = 0x0132
DATETIME_ORIGINAL = 0x9003
DATETIME_DIGITIZED = 0x9004
OFFSET_TIME = 0x9010
OFFSET_TIME_ORIGINAL = 0x9011
OFFSET_TIME_DIGITIZED = 0x9012

_DATETIME_RE = re.compile(
    r"^\s*(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?"
    r"\s*(Z|[+\-]\d{2}:?\d{2})?\s*$"
)
_OFFSET_RE = re.compile(r"^\s*([+\-])(\d{2}):?(\d{2})\s*$")

# Earliest plausible capture time; EXIF zero dates and 1904/1970 epochs are not times.
MIN_YEAR = 1826


@dataclass
class Metadata:
    taken_at: datetime | None = None  # aware when the offset is known, else naive wall time
    offset_minutes: int | None = None  # minutes east of UTC
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    make: str = ""
    model: str = ""
    orientation: int = 1


def _text(value, limit: int = 100) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned[:limit]


def parse_offset(value) -> int | None:
    """'+02:00' → 120; anything outside UTC-14..+14 or malformed → None."""
    text = _text(value, 20)
    if text == "Z":
        return 0
    match = _OFFSET_RE.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 14 * 60:
        return None
    return -total if sign == "-" else total


def parse_datetime(value, *, now: datetime | None = None) -> tuple[datetime | None, int | None]:
    """An EXIF date ('2024:05:01 13:45:10', optionally with an offset) → (datetime, offset).

    The datetime is naive unless the value carries its own offset. Dates before photography
    or in the future (beyond a day of clock skew) are dropped.
    """
    text = _text(value, 40).rstrip("\x00")
    match = _DATETIME_RE.match(text)
    if not match:
        return None, None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        result = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None, None
    if year < MIN_YEAR:
        return None, None
    offset = None
    if match.group(7):
        offset = 0 if match.group(7) == "Z" else parse_offset(match.group(7))
        if offset is None:
            return None, None
        result = result.replace(tzinfo=timezone(timedelta(minutes=offset)))
    now = now or datetime.now(UTC)
    as_utc = result if result.tzinfo else result.replace(tzinfo=UTC)
    if as_utc > now + timedelta(days=1):
        return None, None
    return result, offset


def _rational(value) -> float | None:
    try:
        if isinstance(value, tuple) and len(value) == 2:
            number = float(value[0]) / float(value[1])
        else:
            number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return number


def _dms_to_degrees(value, ref, positive: str, negative: str, limit: float) -> float | None:
    if isinstance(value, tuple) and len(value) == 3:
        parts = [_rational(v) for v in value]
        if any(p is None or p < 0 for p in parts):
            return None
        degrees, minutes, seconds = parts
        if minutes >= 60 or seconds >= 60:
            return None
        number = degrees + minutes / 60 + seconds / 3600
    else:
        number = _rational(value)
        if number is None:
            return None
    ref_text = _text(ref, 4).upper()
    if ref_text == negative:
        number = -number
    elif ref_text and ref_text != positive:
        return None
    if abs(number) > limit:
        return None
    return round(number, 7)


def parse_gps(gps: dict) -> tuple[float | None, float | None, float | None]:
    """GPS IFD → (latitude, longitude, altitude); a half-valid position is no position."""
    lat = _dms_to_degrees(gps.get(2), gps.get(1), "N", "S", 90.0)
    lon = _dms_to_degrees(gps.get(4), gps.get(3), "E", "W", 180.0)
    if lat is None or lon is None or (lat == 0 and lon == 0):
        # (0, 0) is what phones write when they had no fix.
        return None, None, None
    altitude = _rational(gps.get(6)) if gps.get(6) is not None else None
    if altitude is not None:
        ref = gps.get(5)
        if ref in (1, b"\x01", "1"):
            altitude = -altitude
        altitude = round(altitude, 2) if -500.0 <= altitude <= 20_000.0 else None
    return lat, lon, altitude


def read(exif: Image.Exif | None, *, now: datetime | None = None) -> Metadata:
    """Everything we index from one image's EXIF; missing or bad fields stay empty."""
    meta = Metadata()
    if not exif:
        return meta
    try:
        sub = exif.get_ifd(EXIF_IFD)
    except Exception:  # a broken IFD pointer: go on with IFD0 alone
        sub = {}
    try:
        gps = exif.get_ifd(GPS_IFD)
    except Exception:
        gps = {}

    for tag, offset_tag in (
        (DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL),
        (DATETIME_DIGITIZED, OFFSET_TIME_DIGITIZED),
    ):
        taken_at, inline_offset = parse_datetime(sub.get(tag), now=now)
        if taken_at is None:
            continue
        offset = inline_offset if inline_offset is not None else parse_offset(sub.get(offset_tag))
        if offset is not None and taken_at.tzinfo is None:
            taken_at = taken_at.replace(tzinfo=timezone(timedelta(minutes=offset)))
        meta.taken_at, meta.offset_minutes = taken_at, offset
        break

    if gps:
        meta.latitude, meta.longitude, meta.altitude = parse_gps(gps)

    meta.make = _text(exif.get(MAKE))
    meta.model = _text(exif.get(MODEL))
    orientation = exif.get(ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        meta.orientation = orientation
    return meta


def upright_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    """The size as displayed: orientations 5 to 8 swap width and height."""
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)
