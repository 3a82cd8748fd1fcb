"""The timeline's shape: day groups with their month headings, the year/month scrubber and
the month a scrubber link jumps to. The layout itself (justified rows that keep each
photo's aspect ratio, several days side by side) is done by static/js/timeline.js from
the aspect ratio each tile carries."""

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

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
    rows = (
        photos.order_by()
        .annotate(month=TruncMonth("taken_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-month")
    )
    years: list[Year] = []
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        if not years or years[-1].year != month.year:
            years.append(Year(month.year))
        years[-1].months.append((month, row["n"]))
    return years


def month_end(text: str) -> datetime | None:
    """For "2026-08": the first moment after August 2026 (current time zone), the bound a
    scrubber link starts the timeline from; None if `text` is no month."""
    try:
        year, month = (int(part) for part in text.split("-", 1))
        if not (1 <= year <= 9998 and 1 <= month <= 12):
            return None
    except ValueError:
        return None
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return timezone.make_aware(datetime(year, month, 1))
