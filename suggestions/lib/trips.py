"""Trip detection: runs of days whose photos were taken far from home."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from suggestions.lib.geodesy import haversine_km


@dataclass
class Trip:
    start: date
    end: date
    photo_ids: list[int] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def detect_trips(
    photos: list[tuple[int, date, float | None, float | None]],
    home: tuple[float, float],
    *,
    min_km: float = 100.0,
    max_gap_days: int = 1,
    min_photos: int = 3,
) -> list[Trip]:
    """`photos` are (id, local date, latitude, longitude). A day is away when most of its
    located photos are at least `min_km` from home; consecutive away days (allowing up to
    `max_gap_days` days without any located photo between them) form one trip. Photos
    without GPS taken on an away day belong to the trip too."""
    by_day: dict[date, list[tuple[int, float | None, float | None]]] = {}
    for pk, day, lat, lon in photos:
        by_day.setdefault(day, []).append((pk, lat, lon))

    located_days: list[tuple[date, bool]] = []  # (day, away?) for days with GPS
    for day in sorted(by_day):
        located = [(lat, lon) for _, lat, lon in by_day[day] if lat is not None and lon is not None]
        if located:
            far = sum(1 for p in located if haversine_km(p, home) >= min_km)
            located_days.append((day, far * 2 > len(located)))

    trips: list[Trip] = []
    current: Trip | None = None
    for day, away in located_days:
        if not away:  # a day at home ends any trip
            current = _close(current, trips, min_photos)
            continue
        if current is not None and (day - current.end).days > max_gap_days + 1:
            current = _close(current, trips, min_photos)
        if current is None:
            current = Trip(start=day, end=day)
        current.end = day
        for pk, lat, lon in by_day[day]:
            current.photo_ids.append(pk)
            if lat is not None and lon is not None and haversine_km((lat, lon), home) >= min_km:
                current.points.append((lat, lon))
    _close(current, trips, min_photos)
    # Days without located photos inside a trip: their photos were taken on the trip too.
    for trip in trips:
        day = trip.start + timedelta(days=1)
        while day < trip.end:
            for pk, lat, _lon in by_day.get(day, []):
                if lat is None and pk not in trip.photo_ids:
                    trip.photo_ids.append(pk)
            day += timedelta(days=1)
    return trips


def _close(current: Trip | None, trips: list[Trip], min_photos: int) -> None:
    if current is not None and len(current.photo_ids) >= min_photos:
        trips.append(current)
    return None
