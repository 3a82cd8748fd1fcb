"""Library filters shared by the timeline page and the photos API.

Every filter narrows an owner-scoped queryset without joins that multiply rows (person and
theme are EXISTS subqueries), so pagination and counts stay exact and cheap.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from photos.models import Face, PhotoTheme

KM_PER_DEGREE = 111.32


@dataclass
class Near:
    latitude: float
    longitude: float
    radius_km: float = 10.0


def parse_near(text: str) -> Near | None:
    """'48.85,2.35' or '48.85,2.35,5' (radius km) → Near; None when malformed."""
    parts = [p.strip() for p in (text or "").split(",")]
    if len(parts) not in (2, 3):
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if any(math.isnan(n) or math.isinf(n) for n in numbers):
        return None
    lat, lon = numbers[0], numbers[1]
    radius = numbers[2] if len(numbers) == 3 else 10.0
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 20_000):
        return None
    return Near(lat, lon, radius)


def apply(
    qs,
    *,
    taken_after: datetime | None = None,
    taken_before: datetime | None = None,
    person: int | None = None,
    theme: str | None = None,
    has_gps: bool = False,
    near: Near | None = None,
):
    # Compared in UTC: an instant is an instant, whatever offset the client wrote it with
    # (and PostgreSQL refuses offsets past ±16 h).
    if taken_after is not None:
        qs = qs.filter(taken_at__gte=_utc(taken_after))
    if taken_before is not None:
        qs = qs.filter(taken_at__lt=_utc(taken_before))
    if person is not None:
        qs = qs.filter(Exists(Face.objects.filter(photo=OuterRef("pk"), person_id=person)))
    if theme:
        qs = qs.filter(Exists(PhotoTheme.objects.filter(photo=OuterRef("pk"), theme=theme)))
    if has_gps or near is not None:
        qs = qs.filter(latitude__isnull=False, longitude__isnull=False)
    if near is not None:
        qs = qs.filter(_bounding_box(near))
    return qs


def _bounding_box(near: Near) -> Q:
    # A box rather than a circle: it uses the (owner, latitude, longitude) index, and at
    # the scale of "photos near this place" the corners do not matter.
    dlat = near.radius_km / KM_PER_DEGREE
    cos_lat = max(math.cos(math.radians(near.latitude)), 0.01)
    dlon = min(near.radius_km / (KM_PER_DEGREE * cos_lat), 180.0)
    q = Q(latitude__gte=near.latitude - dlat, latitude__lte=near.latitude + dlat)
    west, east = near.longitude - dlon, near.longitude + dlon
    if dlon >= 180:
        return q
    if west < -180:  # the box crosses the antimeridian
        return q & (Q(longitude__gte=west + 360) | Q(longitude__lte=east))
    if east > 180:
        return q & (Q(longitude__gte=west) | Q(longitude__lte=east - 360))
    return q & Q(longitude__gte=west, longitude__lte=east)


def _utc(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # within a day of year 1 or 9999: clamp to the end it falls off
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)
