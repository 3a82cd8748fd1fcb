"""Monthly recaps: for each past month with enough good distinct photos for this user
(Context.recap_min_photos), its best photos, the people seen most and the places visited.
A trip or an event of the month has its own card: the recap takes at most half of its
photos from them and none for its cover when it has others."""

from collections import defaultdict
from datetime import date

from suggestions.kinds.base import Proposal, SuggestionKind, register
from suggestions.lib.layout import HERO


@register
class MonthlyRecap(SuggestionKind):
    name = "monthly_recap"
    best_count = 12

    def propose(self, ctx):
        this_month = (ctx.today.year, ctx.today.month)
        by_month = defaultdict(list)
        for photo in ctx.photos:
            month = (photo.day.year, photo.day.month)
            if month < this_month:
                by_month[month].append(photo.id)
        min_photos = ctx.recap_min_photos()
        in_moments = {pk for _, ids in ctx.moments() for pk in ids}
        for (year, month), ids in sorted(by_month.items(), reverse=True):
            good = ctx.good(ids)
            if len(good) < min_photos or not ctx.sees_whole_period(date(year, month, 1)):
                continue
            outside = [pk for pk in good if pk not in in_moments]
            if not outside:
                continue  # the month is one trip or event, which has its own card
            inside = [pk for pk in good if pk in in_moments]
            # As many from the month's trips and events as from the rest, at most: the
            # recap is the month, not a second card of its trip.
            best = outside[: self.best_count]
            best += inside[: max(0, min(len(outside), self.best_count - len(best)))]
            if len(best) < min_photos:
                best = good[: max(min_photos, len(best))]
            best = sorted(best, key=good.index)
            cover = [pk for pk in best if pk not in in_moments] or best
            person_ids = ctx.top_person_ids(ids)
            people = ctx.names(person_ids)
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
                person_ids=person_ids,
                caption=title,
                style=HERO,
                cover_ids=cover[:6],
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
