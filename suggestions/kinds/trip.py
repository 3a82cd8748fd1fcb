"""Trips: runs of days with photos far from home (home: where the user's photos are taken
on nights and weekdays, see Context.home), named by their main city, or the two main
cities, or their region."""

from datetime import timedelta

from suggestions.kinds.base import Proposal, SuggestionKind, format_range, register
from suggestions.lib.geodesy import haversine_km
from suggestions.lib.layout import HERO
from suggestions.lib.trips import detect_trips


@register
class Trip(SuggestionKind):
    name = "trip"
    min_km = 100.0
    best_count = 12

    def propose(self, ctx):
        home = ctx.home
        if home is None:
            return
        rows = [(p.id, p.day, p.latitude, p.longitude) for p in ctx.photos]
        for trip in reversed(detect_trips(rows, home, min_km=self.min_km)):
            # A trip seen from its first in-window day may have begun earlier.
            if not ctx.sees_whole_period(trip.start - timedelta(days=1)):
                continue
            far_ids = [
                pk
                for pk in trip.photo_ids
                if ctx.by_id[pk].located
                and haversine_km((ctx.by_id[pk].latitude, ctx.by_id[pk].longitude), home)
                >= self.min_km
            ]
            place = ctx.place_label(far_ids) or "somewhere new"
            dates = format_range(trip.start, trip.end)
            best = ctx.best(trip.photo_ids, self.best_count)
            title = f"Trip to {place}"
            yield Proposal(
                key=f"trip:{trip.start.isoformat()}",
                title=title,
                photo_ids=best,
                period_start=trip.start,
                period_end=trip.end,
                caption=f"{title} · {dates}",
                style=HERO,
                cover_ids=best[:6],
                explanation={
                    "reason": f"{trip.days} day{'s' if trip.days > 1 else ''} with photos "
                    "far from where you usually take them.",
                    "places": ctx.top_places(far_ids),
                    "dates": [trip.start.isoformat(), trip.end.isoformat()],
                    "trip_photo_count": len(trip.photo_ids),
                },
            )
