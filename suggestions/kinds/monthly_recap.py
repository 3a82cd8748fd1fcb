"""Monthly recaps: for each past month with enough photos, its best photos, the people seen
most and the places visited."""

from collections import defaultdict
from datetime import date

from suggestions.kinds.base import Proposal, SuggestionKind, register
from suggestions.lib.layout import HERO


@register
class MonthlyRecap(SuggestionKind):
    name = "monthly_recap"
    min_photos = 8
    best_count = 12

    def propose(self, ctx):
        this_month = (ctx.today.year, ctx.today.month)
        by_month = defaultdict(list)
        for photo in ctx.photos:
            month = (photo.day.year, photo.day.month)
            if month < this_month:
                by_month[month].append(photo.id)
        for (year, month), ids in sorted(by_month.items(), reverse=True):
            if len(ids) < self.min_photos or not ctx.sees_whole_period(date(year, month, 1)):
                continue
            best = ctx.best(ids, self.best_count)
            people = ctx.top_people(ids)
            places = ctx.top_places(ids)
            first, last = ctx.days(ids)
            title = f"{date(year, month, 1):%B %Y}"
            yield Proposal(
                key=f"month:{year:04d}-{month:02d}",
                title=title,
                photo_ids=best,
                period_start=date(year, month, 1),
                period_end=last.replace(day=_last_day(year, month)),
                uses_faces=bool(people),
                caption=f"{title} · {len(ids)} photos",
                style=HERO,
                cover_ids=best[:6],
                explanation={
                    "reason": f"Your month in {len(ids)} photos: the best of them, "
                    "one per series of similar shots.",
                    "people": people,
                    "places": places,
                    "dates": [first.isoformat(), last.isoformat()],
                    "month_photo_count": len(ids),
                },
            )


def _last_day(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - date(year, month, 1)).days
