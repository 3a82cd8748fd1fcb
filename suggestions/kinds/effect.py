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
        top = max(1, int(len(scored) * self.good_share))
        best = ctx.best(scored, min(top, self.photos))
        names = list(EFFECTS)
        for i, pk in enumerate(best):
            faces = ctx.faces.get(pk, [])
            for j in range(len(names)):
                name = names[(i + j) % len(names)]
                title, _, needs_faces = EFFECTS[name]
                if needs_faces and not faces:
                    continue
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
                break
