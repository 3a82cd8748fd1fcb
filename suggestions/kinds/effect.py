"""Photo effects on the user's best photos: a new image each time, the original untouched.

Each photo gets the effect that suits it (suggestions/lib/effects.suited: people get the
portrait blur, night scenes black and white, food vivid colour, landscapes a watercolour,
streets a pencil sketch), so different photos get different effects; within one run the
same effect is not proposed twice while another that suits the photo is left."""

from suggestions.kinds.base import Proposal, SuggestionKind, format_day, register
from suggestions.lib.effects import EFFECTS, PHOTO_TYPES, photo_type, suited


@register
class Effect(SuggestionKind):
    name = "effect"
    photos = 6  # the best photos get one effect each
    good_share = 0.25  # "good": in the top quarter by quality score

    def propose(self, ctx):
        scored = [p.id for p in ctx.photos if p.quality is not None]
        if not scored:
            return
        # "Good": the top quarter by quality, and at least the best few of a small library.
        top = max(min(len(scored), 3), int(len(scored) * self.good_share))
        best = ctx.best(scored, min(top, self.photos))
        used: set[str] = set()
        for pk in best:
            info = ctx.by_id[pk]
            traits = {
                "themes": ctx.themes.get(pk, []),
                "has_faces": bool(ctx.faces.get(pk)),
                "hour": info.local.hour,
            }
            # Deterministic: the same photos give the same keys.
            order = suited(**traits)
            name = next((n for n in order if n not in used), order[0])
            used.add(name)
            effect = EFFECTS[name]
            day = info.day
            yield Proposal(
                key=f"effect:{name}:{pk}",
                title=f"{effect.title}: {format_day(day)}",
                photo_ids=[pk],
                period_start=day,
                period_end=day,
                uses_faces=effect.needs_faces,
                effect=name,
                explanation={
                    "reason": f"One of your best photos, with the {effect.title.lower()} "
                    f"effect, which suits {PHOTO_TYPES[photo_type(**traits)]}. "
                    "The original is unchanged.",
                    "places": ctx.top_places([pk]),
                    "dates": [day.isoformat()],
                    "effect": name,
                },
            )
