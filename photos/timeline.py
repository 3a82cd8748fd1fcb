"""The timeline's shape: day groups with their month headings, the year/month scrubber and
the month a scrubber link jumps to. The layout itself (justified rows that keep each
photo's aspect ratio, several days side by side) is done by static/js/timeline.js from
the aspect ratio each tile carries."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import groupby

from django.db.models import CharField, Count
from django.db.models.functions import Cast, Substr

# Panoramas and slivers are shown cropped to these bounds, so one never fills a row alone
# at a height of a few pixels, nor makes a row as tall as the screen.
MIN_ASPECT, MAX_ASPECT = 0.5, 2.5


@dataclass
class Day:
    day: date
    photos: list
    month: date | None = None  # set on the first day of a month in the page


@dataclass
class Year:
    year: int
    months: list = field(default_factory=list)  # [(first day of month, photo count)]


def aspect(photo) -> str:
    if not photo.width or not photo.height:
        return "1"
    ratio = min(MAX_ASPECT, max(MIN_ASPECT, photo.width / photo.height))
    return f"{ratio:.3f}"


def day_groups(rows) -> list[Day]:
    """`rows` newest first, each with local_taken_at set: one Day per calendar day where
    the photo was taken, the first of each month marked for its heading."""
    days, month = [], None
    for day, items in groupby(rows, key=lambda p: p.local_taken_at.date()):
        items = list(items)
        for photo in items:
            photo.aspect = aspect(photo)
        first = day.replace(day=1)
        days.append(Day(day=day, photos=items, month=first if first != month else None))
        month = first
    return days


def scrubber(photos) -> list[Year]:
    """Years and months of `photos` (an owner's live photos), newest first, with counts.
    One grouped query on the owner's timeline index."""
    # "YYYY-MM" cut from the stored UTC timestamp's text: the database groups plain
    # strings. TruncMonth in the current time zone made SQLite call a Python function per
    # row (1.7 s at 50,000 photos, bench/timeline.py); near midnight on the last day of a
    # month a photo may count in the next month (UTC), which a scrubber can live with.
    rows = (
        photos.order_by()
        .annotate(month=Substr(Cast("taken_at", output_field=CharField()), 1, 7))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-month")
    )
    years: list[Year] = []
    for row in rows:
        try:
            month = date(int(row["month"][:4]), int(row["month"][5:7]), 1)
        except (TypeError, ValueError):
            continue
        if not years or years[-1].year != month.year:
            years.append(Year(month.year))
        years[-1].months.append((month, row["n"]))
    return years


def month_end(text: str) -> datetime | None:
    """For "2026-08": the first moment after August 2026 (UTC, as the scrubber counts),
    the bound a scrubber link starts the timeline from; None if `text` is no month."""
    try:
        year, month = (int(part) for part in text.split("-", 1))
        if not (1 <= year <= 9998 and 1 <= month <= 12):
            return None
    except ValueError:
        return None
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=UTC)
