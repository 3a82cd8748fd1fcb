"""Thresholds from the user's own habits, so that people who take few photos get
memories too (docs/suggestions.md, "Sparse photographers", has the rule with figures)."""

import math
from collections import Counter
from datetime import date
from statistics import median

EVENT_FLOOR = 5  # a 5-photo party is an event for someone who takes a photo a day
EVENT_CAP = 8  # the old fixed rule: never ask more than this
EVENT_FACTOR = 3  # a burst is an event when it has 3x the user's photos on a usual day
RECAP_FLOOR = 4
RECAP_CAP = 8
RECAP_FACTOR = 0.5  # half of a usual month's distinct good photos


def event_min_photos(days: list[date]) -> int:
    """`days`: the local day of every photo. The median number of photos on a day with
    photos, times EVENT_FACTOR, between EVENT_FLOOR and EVENT_CAP."""
    if not days:
        return EVENT_CAP
    usual = median(Counter(days).values())
    return max(EVENT_FLOOR, min(EVENT_CAP, math.ceil(EVENT_FACTOR * usual)))


def recap_min_photos(distinct_per_month: list[int]) -> int:
    """`distinct_per_month`: good distinct photos of each month with photos. Half of the
    median month, between RECAP_FLOOR and RECAP_CAP."""
    if not distinct_per_month:
        return RECAP_CAP
    usual = median(distinct_per_month)
    return max(RECAP_FLOOR, min(RECAP_CAP, math.ceil(RECAP_FACTOR * usual)))
