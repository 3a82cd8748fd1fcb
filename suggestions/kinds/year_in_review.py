"""The year in review, in early January: the best of last year, its trips, its people and
its months."""

from collections import defaultdict
from datetime import date

from suggestions.kinds.base import Proposal, SuggestionKind, register
from suggestions.lib.layout import HERO


@register
class YearInReview(SuggestionKind):
    name = "year_in_review"
    last_day_of_january = 15  # proposed from 1 to 15 January
    min_photos = 12
    limit = 24

    def propose(self, ctx):
        if ctx.today.month != 1 or ctx.today.day > self.last_day_of_january:
            return
        year = ctx.today.year - 1
        if not ctx.sees_whole_period(date(year, 1, 1)):
            return
        ids = [p.id for p in ctx.photos if p.day.year == year]
        good = ctx.good(ids)
        if len(good) < self.min_photos:
            return
        chosen: list[int] = []
        trips = [t for kind, t in ctx.moments() if kind == "trip" and t[0] in set(ids)]
        trip_names = []
        for trip in trips:
            chosen += ctx.best(trip, 2)
            label = ctx.place_label(trip, limit=1)
            if label:
                trip_names.append(label.split(",")[0])
        by_month = defaultdict(list)
        for pk in good:
            by_month[ctx.by_id[pk].day.month].append(pk)
        for month in sorted(by_month):
            chosen += [pk for pk in by_month[month][:2] if pk not in chosen]
        person_ids = [
            pid for pid, _ in ctx.people_counts(ids).most_common(5) if pid not in ctx.less_people
        ][:3]
        people = ctx.names(person_ids)
        chosen = sorted(dict.fromkeys(chosen), key=lambda pk: ctx.by_id[pk].taken_at)
        chosen = chosen[: self.limit]
        title = f"Your {year}"
        reason = f"The best of {len(ids)} photos from {len(by_month)} months of {year}"
        if trip_names:
            reason += f", with your trips to {', '.join(dict.fromkeys(trip_names))}"
        yield Proposal(
            key=f"year:{year}",
            title=title,
            photo_ids=chosen,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            uses_faces=bool(people),
            person_ids=person_ids,
            caption=title,
            style=HERO,
            cover_ids=ctx.best(chosen, 6),
            explanation={
                "reason": reason + ".",
                "people": people,
                "places": ctx.top_places(ids),
                "dates": [date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()],
                "year_photo_count": len(ids),
            },
        )
