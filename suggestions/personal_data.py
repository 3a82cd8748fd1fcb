"""Suggestions' personal data for privacy's export, delete pages, retention purge and
erasure: suggestions (with their rendered images) and albums. Registered in
SuggestionsConfig.ready()."""

from privacy.export import dump_json
from privacy.registry import PersonalData
from suggestions import services
from suggestions.models import Album, Suggestion


class SuggestionsData(PersonalData):
    name = "suggestions"
    label = "Suggestions and albums"
    readme = "data/suggestions.json suggestions and albums"

    def counts(self, user, *, derived=False):
        # All of it is derived from the photos: the same with or without `derived`.
        return {
            "suggestions": Suggestion.objects.filter(owner=user).count(),
            "albums": Album.objects.filter(owner=user).count(),
        }

    def export(self, user, zf, progress=None):
        suggestions = (
            Suggestion.objects.for_owner(user)
            .order_by("id")
            .prefetch_related("suggestionphoto_set")
        )
        albums = Album.objects.filter(owner=user).order_by("id").prefetch_related("photos")
        dump_json(
            zf,
            "data/suggestions.json",
            {
                "suggestions": [
                    {
                        "id": s.pk,
                        "kind": s.kind,
                        "title": s.title,
                        "period_start": s.period_start,
                        "period_end": s.period_end,
                        "state": s.state,
                        "explanation": s.explanation,
                        # In the suggestion's own order (SuggestionPhoto.position).
                        "photo_ids": [link.photo_id for link in s.suggestionphoto_set.all()],
                        "created_at": s.created_at,
                    }
                    for s in suggestions
                ],
                "albums": [
                    {
                        "id": a.pk,
                        "title": a.title,
                        "suggestion_id": a.suggestion_id,
                        "photo_ids": [p.pk for p in a.photos.all()],
                        "created_at": a.created_at,
                    }
                    for a in albums
                ],
            },
        )

    def erase_derived(self, user):
        return services.erase_all(user)

    def erase_all(self, user):
        return services.erase_all(user)
