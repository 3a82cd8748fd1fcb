"""Event detection: bursts of many photos within a few hours."""

from datetime import datetime, timedelta


def bursts(
    photos: list[tuple[int, datetime]],
    *,
    max_gap: timedelta = timedelta(hours=2),
    max_span: timedelta = timedelta(hours=12),
    min_photos: int = 8,
) -> list[list[int]]:
    """Split the photos (id, time) where two consecutive shots are more than `max_gap`
    apart; keep the runs with at least `min_photos` photos that last at most `max_span`."""
    ordered = sorted(photos, key=lambda item: (item[1], item[0]))
    runs: list[list[tuple[int, datetime]]] = []
    for item in ordered:
        if runs and item[1] - runs[-1][-1][1] <= max_gap:
            runs[-1].append(item)
        else:
            runs.append([item])
    return [
        [pk for pk, _ in run]
        for run in runs
        if len(run) >= min_photos and run[-1][1] - run[0][1] <= max_span
    ]
