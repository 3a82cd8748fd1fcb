"""Over the years: a named person across at least three years, a few photos a year."""

from collections import defaultdict

from suggestions.kinds.base import DASH, Proposal, SuggestionKind, register


@register
class OverTheYears(SuggestionKind):
    name = "over_the_years"
    min_years = 3
    per_year = 3
    max_people = 5

    def propose(self, ctx):
        if not ctx.allow_faces:
            return
        by_person: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for photo in ctx.photos:
            for person_id in ctx.person_ids_in(photo.id) - ctx.less_people:
                by_person[person_id][photo.day.year].append(photo.id)
        ranked = sorted(
            (pid for pid, years in by_person.items() if len(years) >= self.min_years),
            key=lambda pid: (-len(by_person[pid]), pid),
        )
        for person_id in ranked[: self.max_people]:
            years = by_person[person_id]
            name = ctx.people[person_id].name
            # Oldest first: the story runs through the years.
            chosen = [pk for year in sorted(years) for pk in ctx.best(years[year], self.per_year)]
            first, last = min(years), max(years)
            title = f"{name} over the years"
            start, end = ctx.days(chosen)
            yield Proposal(
                # The person and the newest year: a new year with them makes a new card.
                key=f"years:p{person_id}:{last}",
                title=title,
                photo_ids=chosen,
                period_start=start,
                period_end=end,
                uses_faces=True,
                person_ids=[person_id],
                caption=f"{title} · {first}{DASH}{last}",
                cover_ids=[ctx.best(years[year], 1)[0] for year in sorted(years)][-6:],
                explanation={
                    "reason": f"{name} in {len(years)} years of your photos, "
                    f"from {first} to {last}.",
                    "people": [name],
                    "places": ctx.top_places(chosen),
                    "dates": [str(year) for year in sorted(years)],
                },
            )
