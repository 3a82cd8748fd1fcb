"""Suggestions' personal data for privacy's export, delete pages, retention purge and
erasure: suggestions (with their rendered images), albums and memories settings.
Registered in SuggestionsConfig.ready()."""

from privacy.export import dump_json
from privacy.registry import PersonalData
from suggestions import services
from suggestions.models import Album, MemoryControl, Suggestion


class SuggestionsData(PersonalData):
    name = "suggestions"
    label = "Suggestions, albums and memories settings"
    readme = "data/suggestions.json suggestions, albums and memories settings"
    count_labels = {"memory_settings": "memories settings"}

    def counts(self, user, *, derived=False):
        # Suggestions and albums are derived from the photos; memories settings are the
        # user's own choices, kept when only the derived data goes.
        counts = {
            "suggestions": Suggestion.objects.filter(owner=user).count(),
            "albums": Album.objects.filter(owner=user).count(),
        }
        if not derived:
            counts["memory_settings"] = MemoryControl.objects.filter(owner=user).count()
        return counts

    def export(self, user, zf, progress=None):
        suggestions = (
            Suggestion.objects.for_owner(user)
            .order_by("id")
            .prefetch_related("suggestionphoto_set")
        )
        albums = Album.objects.filter(owner=user).order_by("id").prefetch_related("photos")
        # select_related: each setting's person name without a query each.
        settings = MemoryControl.objects.filter(owner=user).select_related("person").order_by("id")
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
                "memories_settings": [
                    {
                        "id": c.pk,
                        "kind": c.kind,
                        "person_id": c.person_id,
                        "person": c.person.name if c.person else None,
                        "start": c.start,
                        "end": c.end,
                        "city": c.city,
                        "country_code": c.country_code,
                        "created_at": c.created_at,
                    }
                    for c in settings
                ],
            },
        )

    def erase_derived(self, user):
        return services.erase_all(user)

    def erase_all(self, user):
        counts = services.erase_all(user)
        counts["memory_settings"], _ = MemoryControl.objects.filter(owner=user).delete()
        return counts
