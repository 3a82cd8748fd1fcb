"""Events: bursts of photos within a few hours (a party, a wedding), clearly denser than
the user's usual rate (Context.event_min_photos), titled from their themes, people and
place; at home, "at home" and never home's name."""

from datetime import timedelta

from photos.models import Theme
from suggestions.kinds.base import Proposal, SuggestionKind, format_range, register
from suggestions.lib.events import bursts


def theme_titles():
    return dict(Theme.choices)


@register
class Event(SuggestionKind):
    name = "event"
    max_events = 10  # the newest bursts only
    max_gap = timedelta(hours=2)
    max_span = timedelta(hours=12)
    limit = 12

    def propose(self, ctx):
        times = [(p.id, p.taken_at) for p in ctx.photos]
        runs = bursts(
            times,
            max_gap=self.max_gap,
            max_span=self.max_span,
            min_photos=ctx.event_min_photos(),
        )
        labels = theme_titles()
        # Only bursts that are over (the key is their start, so a burst still growing would
        # be frozen with its first photos).
        over = [ids for ids in runs if ctx.by_id[ids[-1]].taken_at < ctx.now - self.max_gap]
        for ids in list(reversed(over))[: self.max_events]:
            start = ctx.by_id[ids[0]]
            themes = [labels.get(theme, theme) for theme in ctx.top_themes(ids, 1)]
            person_ids = _named(ctx, ids)
            people = ctx.names(person_ids)
            place = ctx.place_label(ids, limit=1)
            home = sum(ctx.at_home(pk) for pk in ids) * 2 > len(ids)
            title = themes[0] if themes else _part_of_day(start.local.hour)
            if people:
                title += f" with {' and '.join(people)}"
            if home:
                title += " at home"
            elif place:
                title += f" in {place.split(',')[0]}"
            first, last = ctx.days(ids)
            best = ctx.best(ids, self.limit)
            yield Proposal(
                key=f"event:{start.taken_at:%Y-%m-%dT%H:%M}",
                title=title,
                photo_ids=best,
                period_start=first,
                period_end=last,
                uses_faces=bool(people),
                person_ids=person_ids,
                caption=f"{title} · {format_range(first, last)}",
                cover_ids=best[:6],
                explanation={
                    "reason": f"{len(ids)} photos within "
                    f"{_hours(ctx.by_id[ids[-1]].taken_at - start.taken_at)}.",
                    "people": people,
                    "places": ctx.top_places(ids),
                    "themes": themes,
                    "dates": [start.local.isoformat(timespec="minutes")],
                },
            )


def _named(ctx, ids):
    """Up to two people (ids) to name in the title, not those the user sees less of."""
    counts = ctx.people_counts(ids)
    return [pid for pid, _ in counts.most_common() if pid not in ctx.less_people][:2]


def _part_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "A morning"
    if 12 <= hour < 18:
        return "An afternoon"
    return "An evening"


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return "an hour" if hours <= 1 else f"{round(hours)} hours"
