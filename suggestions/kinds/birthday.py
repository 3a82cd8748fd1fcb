"""Birthdays: for each named person with a birthday (and the user's own), the photos of
that person around that date, and of that day in earlier years."""

from suggestions.kinds.base import Proposal, SuggestionKind, format_day, register
from suggestions.kinds.on_this_day import near_anniversary, same_day_in


@register
class Birthday(SuggestionKind):
    name = "birthday"
    around_days = 3  # photos this close to the date count as the birthday's
    earlier_days = 1  # and this close to it in earlier years
    limit = 12

    def propose(self, ctx):
        if not ctx.photos:
            return
        celebrated = []  # (key part, whose, birthday, person id or None)
        if ctx.user.birthday:
            celebrated.append(("me", "Your", ctx.user.birthday, None))
        if ctx.allow_faces:
            for person in ctx.people.values():
                if person.birthday and person.id not in ctx.less_people:
                    celebrated.append(
                        (f"p{person.id}", f"{person.name}'s", person.birthday, person.id)
                    )
        first_year = ctx.photos[0].day.year
        for part, whose, birthday, person_id in celebrated:
            if person_id is None:
                candidates = ctx.photos
            else:
                candidates = [p for p in ctx.photos if person_id in ctx.person_ids_in(p.id)]
            # Nothing from before they were born (an old photo of the place, a wrong date).
            candidates = [p for p in candidates if p.day >= birthday]
            for year in range(ctx.today.year, first_year - 1, -1):
                date = same_day_in(year, birthday.month, birthday.day)
                if date > ctx.today:
                    continue
                around = [p.id for p in candidates if abs((p.day - date).days) <= self.around_days]
                if not around:
                    continue
                earlier = [
                    p.id
                    for p in candidates
                    if p.day.year < year
                    and near_anniversary(p.day, (birthday.month, birthday.day), self.earlier_days)
                ]
                chosen = ctx.best(around, self.limit) + ctx.best(earlier, self.limit)
                earlier_years = sorted({ctx.by_id[pk].day.year for pk in earlier})
                title = f"{whose} birthday, {format_day(date)}"
                first, last = ctx.days(around)
                # The card's dates include the day its title names.
                first, last = min(first, date), max(last, date)
                of = f"of {whose[:-2]} " if person_id else ""
                reason = f"Photos {of}taken around the birthday"
                if earlier_years:
                    reason += f", and on that day in {', '.join(map(str, earlier_years))}"
                yield Proposal(
                    key=f"birthday:{part}:{year}",
                    title=title,
                    photo_ids=chosen,
                    period_start=first,
                    period_end=last,
                    uses_faces=person_id is not None,
                    person_ids=[person_id] if person_id else [],
                    caption=title,
                    cover_ids=chosen[:6],
                    explanation={
                        "reason": reason + ".",
                        "people": [whose[:-2]] if person_id else [],
                        "places": ctx.top_places(around),
                        "dates": [date.isoformat()],
                    },
                )
