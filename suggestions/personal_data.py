"""Suggestions' personal data for privacy's export, delete pages, retention purge and
erasure: suggestions (with their rendered images) and albums. Registered in
SuggestionsConfig.ready()."""

from django.db.models import Q

from privacy.export import dump_json
from privacy.models import Scope
from privacy.registry import PersonalData
from suggestions import services
from suggestions.models import Album, State, Suggestion


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

    count_labels = {
        "albums_renamed": "saved albums named after a person (renamed to their dates)",
        "albums_kept": "albums kept",
    }

    def revocation_counts(self, user, scopes):
        """As services.withdraw_for_scope does it, for each of `scopes` in turn."""
        scopes = set(scopes)
        if not scopes & {Scope.FACE_ANALYSIS, Scope.OLDER_PHOTOS, Scope.CLOUD_PROCESSING}:
            return {}
        withdrawn = Q(pk__in=[])
        if Scope.FACE_ANALYSIS in scopes:
            withdrawn |= Q(uses_faces=True)
        if Scope.CLOUD_PROCESSING in scopes:
            withdrawn |= ~Q(state=State.SAVED)
        if Scope.OLDER_PHOTOS in scopes:
            withdrawn |= Q(uses_older_photos=True) & ~Q(state=State.SAVED)
        counts = {"suggestions": Suggestion.objects.filter(withdrawn, owner=user).count()}
        if Scope.FACE_ANALYSIS in scopes:
            counts["albums_renamed"] = services.face_named_albums(user).count()
        counts["albums_kept"] = Album.objects.filter(owner=user).count()
        return counts

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
