"""Together: two named people often photographed together."""

from collections import Counter
from itertools import combinations

from suggestions.kinds.base import Proposal, SuggestionKind, format_range, register


@register
class Together(SuggestionKind):
    name = "together"
    min_photos = 3  # photos in which both appear
    max_pairs = 5
    limit = 12

    def propose(self, ctx):
        if not ctx.allow_faces:
            return
        pairs: Counter = Counter()
        shared: dict[tuple[int, int], list[int]] = {}
        for photo in ctx.photos:
            present = sorted(ctx.person_ids_in(photo.id) - ctx.less_people)
            for pair in combinations(present, 2):
                pairs[pair] += 1
                shared.setdefault(pair, []).append(photo.id)
        for (a, b), count in pairs.most_common(self.max_pairs):
            if count < self.min_photos:
                break
            ids = shared[(a, b)]
            names = [ctx.people[a].name, ctx.people[b].name]
            best = ctx.best(ids, self.limit)
            first, last = ctx.days(ids)
            title = f"{names[0]} & {names[1]}, together"
            yield Proposal(
                # Once per pair: more photos of them later do not make a second card.
                key=f"together:p{a}-p{b}",
                title=title,
                photo_ids=best,
                period_start=first,
                period_end=last,
                uses_faces=True,
                person_ids=[a, b],
                caption=title,
                cover_ids=best[:6],
                explanation={
                    "reason": f"{count} photos of {names[0]} and {names[1]} together, "
                    f"{format_range(first, last)}.",
                    "people": names,
                    "places": ctx.top_places(ids),
                    "dates": [first.isoformat(), last.isoformat()],
                },
            )
