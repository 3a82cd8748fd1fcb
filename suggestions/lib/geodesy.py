"""Distances and the user's home area, from plain (latitude, longitude) pairs."""

import math
from collections import Counter, defaultdict
from datetime import datetime
from statistics import median

from photos.lib.places import haversine_km  # noqa: F401  (re-exported for the kinds)


def grid_cell(point: tuple[float, float], size_deg: float) -> tuple[int, int]:
    return (math.floor(point[0] / size_deg), math.floor(point[1] / size_deg))


def infer_home(
    points: list[tuple[float, float]], *, cell_deg: float = 0.5
) -> tuple[float, float] | None:
    """Where most photos are taken: the densest grid cell (with its eight neighbours, so a
    city on a cell border is not split), then the median of the points in it."""
    if not points:
        return None
    counts = Counter(grid_cell(p, cell_deg) for p in points)

    def around(cell):
        return sum(
            counts.get((cell[0] + i, cell[1] + j), 0) for i in (-1, 0, 1) for j in (-1, 0, 1)
        )

    best = max(counts, key=lambda cell: (around(cell), counts[cell]))
    near = [
        p
        for p in points
        if abs(grid_cell(p, cell_deg)[0] - best[0]) <= 1
        and abs(grid_cell(p, cell_deg)[1] - best[1]) <= 1
    ]
    return (median(p[0] for p in near), median(p[1] for p in near))


def home_weight(local: datetime) -> float:
    """How much a photo says about home: a night (7 pm to 7 am) counts most, a weekday
    next; a weekend afternoon, when trips and outings happen, least."""
    night = local.hour >= 19 or local.hour < 7
    weekday = local.weekday() < 5
    return (2.0 if night else 1.0) * (1.0 if weekday else 0.5)


def infer_home_from_habits(
    photos: list[tuple[datetime, float, float]], *, cell_deg: float = 0.5
) -> tuple[float, float] | None:
    """Home from (local time, latitude, longitude): the cell (with its neighbours) with the
    most nights and weekdays on which the user took photos there. Each day counts once per
    cell, weighted by its best `home_weight`, so a 300-photo trip day or a party does not
    outweigh the ordinary evenings at home; then the median of the points there."""
    if not photos:
        return None
    day_weight: dict[tuple[tuple[int, int], object], float] = defaultdict(float)
    for local, lat, lon in photos:
        key = (grid_cell((lat, lon), cell_deg), local.date())
        day_weight[key] = max(day_weight[key], home_weight(local))
    weights: Counter = Counter()
    for (cell, _day), weight in day_weight.items():
        weights[cell] += weight

    def around(cell):
        return sum(
            weights.get((cell[0] + i, cell[1] + j), 0) for i in (-1, 0, 1) for j in (-1, 0, 1)
        )

    best = max(weights, key=lambda cell: (around(cell), weights[cell], cell))
    near = [
        (lat, lon)
        for _, lat, lon in photos
        if abs(grid_cell((lat, lon), cell_deg)[0] - best[0]) <= 1
        and abs(grid_cell((lat, lon), cell_deg)[1] - best[1]) <= 1
    ]
    return (median(p[0] for p in near), median(p[1] for p in near))
