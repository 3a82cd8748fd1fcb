"""On this day: photos taken on today's calendar day (±1 day) in earlier years."""

from datetime import date

from suggestions.kinds.base import Proposal, SuggestionKind, format_day, register


def same_day_in(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:  # 29 February in a common year
        return date(year, month, day - 1)


def near_anniversary(day: date, anniversary: tuple[int, int], window: int) -> bool:
    return abs((day - same_day_in(day.year, *anniversary)).days) <= window


@register
class OnThisDay(SuggestionKind):
    name = "on_this_day"
    window_days = 1
    limit = 12

    def propose(self, ctx):
        today = ctx.today
        ids = [
            p.id
            for p in ctx.photos
            if p.day.year < today.year
            and near_anniversary(p.day, (today.month, today.day), self.window_days)
        ]
        if not ids:
            return
        best = ctx.best(ids, self.limit)
        years = sorted({ctx.by_id[pk].day.year for pk in ids}, reverse=True)
        ago = today.year - years[0]
        title = f"On this day, {ago} year{'s' if ago > 1 else ''} ago"
        if len(years) > 1:
            title = f"On this day in {', '.join(map(str, sorted(years)))}"
        first, last = ctx.days(ids)
        yield Proposal(
            key=f"day:{today.isoformat()}",
            title=title,
            photo_ids=best,
            period_start=first,
            period_end=last,
            caption=f"{title} · {today.day} {today:%B}",
            cover_ids=best[:6],
            explanation={
                "reason": f"Photos you took around {today.day} {today:%B} in earlier years.",
                "places": ctx.top_places(ids),
                "dates": sorted({format_day(ctx.by_id[pk].day) for pk in ids}),
            },
        )
