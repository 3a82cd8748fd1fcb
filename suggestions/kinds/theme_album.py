"""Theme albums: photos sorted by theme (from the analysis), by person and by place; home
is never a place album, nor is a person the user sees less of."""

from collections import defaultdict

from suggestions.kinds.base import Proposal, SuggestionKind, register
from suggestions.kinds.event import theme_titles


@register
class ThemeAlbum(SuggestionKind):
    name = "theme_album"
    min_photos = 6
    limit = 24

    def propose(self, ctx):
        labels = theme_titles()
        by_theme, by_person, by_place = defaultdict(list), defaultdict(list), defaultdict(list)
        for photo in ctx.photos:
            for theme in ctx.themes.get(photo.id, ()):
                by_theme[theme].append(photo.id)
            for person_id in ctx.person_ids_in(photo.id):
                by_person[person_id].append(photo.id)
            if photo.id in ctx.places and not ctx.at_home(photo.id):
                by_place[ctx.places[photo.id]].append(photo.id)
        for theme, ids in sorted(by_theme.items()):
            yield from self._album(ctx, f"theme:{theme}", labels.get(theme, theme), ids, "theme")
        for person_id, ids in sorted(by_person.items()):
            if person_id in ctx.less_people:
                continue
            name = ctx.people[person_id].name
            yield from self._album(
                ctx, f"person:{person_id}", name, ids, "person", faces=True, of=person_id
            )
        for (city, country, code), ids in sorted(by_place.items()):
            label = ctx.name_place((city, country, code))
            yield from self._album(ctx, f"place:{code}:{city}", label, ids, "place")

    def _album(self, ctx, key, title, ids, by, faces=False, of=None):
        if len(ids) < self.min_photos:
            return
        best = ctx.best(ids, self.limit)
        first, last = ctx.days(ids)
        reason = {
            "theme": f"{len(ids)} photos the analysis found to be about {title.lower()}.",
            "person": f"{len(ids)} photos of {title}.",
            "place": f"{len(ids)} photos taken in {title}.",
        }[by]
        shown = [of] if of is not None else ctx.top_person_ids(ids)
        yield Proposal(
            key=key,
            title=title,
            photo_ids=best,
            period_start=first,
            period_end=last,
            uses_faces=faces,
            person_ids=shown,
            caption=title,
            cover_ids=best[:6],
            explanation={
                "reason": reason,
                "people": ctx.names(shown),
                "places": ctx.top_places(ids),
                "dates": [first.isoformat(), last.isoformat()],
                "album": by,
            },
        )
