"""Collages: the best 2 to 9 photos of a day, in a grid, a mosaic or one large with small ones."""

from collections import defaultdict

from suggestions.kinds.base import Proposal, SuggestionKind, format_day, register
from suggestions.lib.layout import style_for


@register
class Collage(SuggestionKind):
    name = "collage"
    # Only the newest days: the proposals depend on the photos alone (so a second run
    # proposes the same, and creates nothing), and a large library does not flood the feed.
    max_days = 8
    min_photos = 2
    max_photos = 9

    def propose(self, ctx):
        by_day = defaultdict(list)
        for photo in ctx.photos:
            by_day[photo.day].append(photo.id)
        # Only days that are over: photos of today may still be syncing, and the key names
        # the day, so today's collage would be frozen with its first few photos.
        days = [
            d
            for d in sorted(by_day, reverse=True)
            if d < ctx.today and len(by_day[d]) >= self.min_photos
        ]
        for day in days[: self.max_days]:
            chosen = ctx.best(by_day[day], self.max_photos)
            if len(chosen) < self.min_photos:
                continue
            place = ctx.place_label(chosen, limit=1)
            title = f"{format_day(day)}{f' in {place}' if place else ''}"
            yield Proposal(
                key=f"day:{day.isoformat()}",
                title=title,
                photo_ids=chosen,
                period_start=day,
                period_end=day,
                caption=title,
                style=style_for(len(chosen), seed=day.toordinal()),
                cover_ids=chosen,
                explanation={
                    "reason": f"The {len(chosen)} best photos you took that day.",
                    "places": ctx.top_places(chosen),
                    "dates": [day.isoformat()],
                },
            )
