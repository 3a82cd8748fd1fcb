"""Distances and the user's home area, from plain (latitude, longitude) pairs."""

import math
from collections import Counter
from statistics import median

EARTH_RADIUS_KM = 6371.0088


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


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
