"""Photo effects on the user's best photos: a new image each time, the original untouched."""

from suggestions.kinds.base import Proposal, SuggestionKind, format_day, register
from suggestions.lib.effects import EFFECTS


@register
class Effect(SuggestionKind):
    name = "effect"
    photos = 6  # the best photos get one effect each, a different one for each photo
    good_share = 0.25  # "good": in the top quarter by quality score

    def propose(self, ctx):
        scored = [p.id for p in ctx.photos if p.quality is not None]
        if not scored:
            return
        # "Good": the top quarter by quality, and at least the best few of a small library.
        top = max(min(len(scored), 3), int(len(scored) * self.good_share))
        best = ctx.best(scored, min(top, self.photos))
        names = list(EFFECTS)
        used: set[str] = set()
        for i, pk in enumerate(best):
            has_faces = bool(ctx.faces.get(pk))
            # A photo with people gets the portrait first; otherwise the effects take turns,
            # so the proposals vary. Deterministic: the same photos give the same keys.
            order = (["portrait"] if has_faces else []) + [
                names[(i + j) % len(names)] for j in range(len(names))
            ]
            usable = [n for n in order if has_faces or not EFFECTS[n][2]]
            name = next((n for n in usable if n not in used), usable[0])
            used.add(name)
            title, _, needs_faces = EFFECTS[name]
            day = ctx.by_id[pk].day
            yield Proposal(
                key=f"effect:{name}:{pk}",
                title=f"{title}: {format_day(day)}",
                photo_ids=[pk],
                period_start=day,
                period_end=day,
                uses_faces=needs_faces,
                effect=name,
                explanation={
                    "reason": f"One of your best photos, with the {title.lower()} effect. "
                    "The original is unchanged.",
                    "places": ctx.top_places([pk]),
                    "dates": [day.isoformat()],
                    "effect": name,
                },
            )
