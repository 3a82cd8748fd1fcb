"""The pure-Python parts of suggestions: layouts, face-aware crops, trips, events, geodesy.
No database."""

from datetime import date, datetime, timedelta

import pytest

from suggestions.lib import layout
from suggestions.lib.events import bursts
from suggestions.lib.geodesy import haversine_km, infer_home
from suggestions.lib.trips import detect_trips

LYON = (45.7640, 4.8357)
ROME = (41.9028, 12.4964)


@pytest.mark.parametrize("style", layout.STYLES)
@pytest.mark.parametrize("n", range(1, 10))
def test_it_lays_out_n_cells_inside_the_canvas_without_overlap(style, n):
    aspects = [1.5, 0.75, 1.0, 1.33, 0.66, 2.0, 1.5, 1.0, 0.8][:n]
    cells = layout.layout(style, aspects, 1168, 768, gap=8)
    assert len(cells) == n
    for c in cells:
        assert c.w > 40 and c.h > 40
        assert c.x >= 0 and c.y >= 0 and c.x + c.w <= 1168 and c.y + c.h <= 768
    for i, a in enumerate(cells):
        for b in cells[i + 1 :]:
            overlap_w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
            overlap_h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
            assert overlap_w <= 0 or overlap_h <= 0, (a, b)


def test_it_makes_the_first_cell_the_largest_in_the_hero_layout():
    cells = layout.layout(layout.HERO, [1.0] * 5, 1200, 800)
    areas = [c.w * c.h for c in cells]
    assert areas[0] > 2 * max(areas[1:])


def test_it_rejects_empty_and_oversized_collages():
    with pytest.raises(ValueError):
        layout.layout(layout.GRID, [], 100, 100)
    with pytest.raises(ValueError):
        layout.layout(layout.GRID, [1.0] * 10, 100, 100)


@pytest.mark.parametrize(
    "image,faces,cell",
    [
        ((4000, 3000), [(3500, 100, 3900, 600)], (200, 400)),  # face in a corner, tall cell
        ((3000, 4000), [(100, 3500, 600, 3950)], (600, 200)),  # face at the bottom, wide cell
        ((4000, 3000), [(50, 1000, 450, 1500), (3500, 1000, 3950, 1500)], (150, 400)),  # far apart
        ((1000, 800), [(-30, 100, 200, 400)], (300, 300)),  # box pokes past the edge
        ((2000, 1000), [], (300, 300)),
    ],
)
def test_it_crops_so_that_every_face_is_wholly_inside_the_cell(image, faces, cell):
    crop = layout.face_crop(image[0], image[1], faces, cell[0], cell[1])
    assert (crop[2] - crop[0]) / (crop[3] - crop[1]) == pytest.approx(cell[0] / cell[1])
    target = layout.Cell(10, 20, cell[0], cell[1])
    for box in faces:
        mapped = layout.map_box(box, crop, target)
        assert layout.inside(mapped, target), (box, crop, mapped)


def test_it_stays_within_the_photo_when_the_faces_fit():
    crop = layout.face_crop(4000, 3000, [(3500, 100, 3900, 600)], 300, 300)
    assert crop[0] >= 0 and crop[1] >= 0 and crop[2] <= 4000 and crop[3] <= 3000
    assert crop[3] - crop[1] == pytest.approx(3000)  # as large as the photo allows
    assert crop[2] == pytest.approx(4000)  # pushed right, towards the face


def test_it_centres_the_crop_without_faces():
    assert layout.face_crop(2000, 1000, [], 100, 100) == (500, 0, 1500, 1000)


def test_it_measures_distances_on_the_earth():
    assert haversine_km(LYON, ROME) == pytest.approx(755, abs=10)
    assert haversine_km(LYON, LYON) == 0


def test_it_infers_home_where_most_photos_are():
    points = [(LYON[0] + i * 0.001, LYON[1]) for i in range(30)] + [ROME] * 10
    home = infer_home(points)
    assert haversine_km(home, LYON) < 5
    assert infer_home([]) is None


def _roll():
    rows, pk = [], 0
    start = date(2026, 5, 1)
    for offset in range(20):
        day = start + timedelta(days=offset)
        where = ROME if 8 <= offset <= 11 else LYON
        for _ in range(3):
            pk += 1
            rows.append((pk, day, *where))
    pk += 1
    rows.append((pk, date(2026, 5, 10), None, None))  # no GPS, during the trip
    return rows


def test_it_detects_a_trip_as_the_run_of_days_far_from_home():
    trips = detect_trips(_roll(), LYON)
    assert len(trips) == 1
    trip = trips[0]
    assert (trip.start, trip.end) == (date(2026, 5, 9), date(2026, 5, 12))
    assert len(trip.photo_ids) == 13  # 4 days x 3 located + the one without GPS


def test_it_ends_a_trip_on_a_day_at_home_and_ignores_tiny_ones():
    rows = [
        (1, date(2026, 1, 1), *ROME),
        (2, date(2026, 1, 2), *LYON),
        (3, date(2026, 1, 3), *ROME),
    ]
    assert [(t.start, t.end) for t in detect_trips(rows, LYON, min_photos=1)] == [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 1, 3), date(2026, 1, 3)),
    ]
    assert detect_trips(rows, LYON, min_photos=3) == []


def test_it_finds_bursts_of_many_photos_within_a_few_hours():
    t0 = datetime(2026, 6, 6, 18, 0)
    party = [(i, t0 + timedelta(minutes=10 * i)) for i in range(1, 13)]  # 2 hours
    sparse = [(100 + i, t0 + timedelta(days=1, hours=3 * i)) for i in range(6)]
    few = [(200 + i, t0 + timedelta(days=3, minutes=i)) for i in range(3)]
    found = bursts(party + sparse + few, min_photos=8)
    assert found == [list(range(1, 13))]


def test_it_drops_a_burst_that_lasts_too_long():
    t0 = datetime(2026, 6, 6, 0, 0)
    marathon = [(i, t0 + timedelta(hours=i)) for i in range(20)]  # every hour for 20 hours
    assert bursts(marathon, min_photos=8) == []
