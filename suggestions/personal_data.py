"""Suggestions' personal data for privacy's export, delete pages, retention purge and
erasure: suggestions (with their rendered images), albums and memories settings.
Registered in SuggestionsConfig.ready()."""

import shutil
import zipfile

from django.core.files.storage import default_storage
from django.db.models import Q

from privacy.export import dump_json
from privacy.models import Scope
from privacy.registry import PersonalData
from suggestions import services, stories
from suggestions.models import Album, MemoryControl, State, StoryVideo, Suggestion


class SuggestionsData(PersonalData):
    name = "suggestions"
    label = "Suggestions, albums and memories settings"
    readme = """\
data/suggestions.json suggestions, albums, memories settings and story videos
suggestions/videos/   the story videos you rendered (MP4)"""
    count_labels = {
        "memory_settings": "memories settings",
        "story_videos": "story videos",
        "albums_renamed": "saved albums named after a person (renamed to their dates)",
        "albums_kept": "albums kept",
    }

    def counts(self, user, *, derived=False):
        # Suggestions and albums are derived from the photos; memories settings are the
        # user's own choices, kept when only the derived data goes.
        counts = {
            "suggestions": Suggestion.objects.filter(owner=user).count(),
            "albums": Album.objects.filter(owner=user).count(),
            "story_videos": StoryVideo.objects.filter(owner=user).count(),
        }
        if not derived:
            counts["memory_settings"] = MemoryControl.objects.filter(owner=user).count()
        return counts

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

    def person_counts(self, person):
        return services.forget_person(person, dry_run=True)

    def forget_person(self, person):
        return services.forget_person(person)

    def export(self, user, zf, progress=None):
        suggestions = (
            Suggestion.objects.for_owner(user)
            .order_by("id")
            .prefetch_related("suggestionphoto_set")
        )
        albums = Album.objects.filter(owner=user).order_by("id").prefetch_related("photos")
        # select_related: each setting's person name without a query each.
        settings = MemoryControl.objects.filter(owner=user).select_related("person").order_by("id")
        videos = self._export_videos(user, zf)
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
                        "photo_ids": [p.pk for p in a.photos.all() if p.trashed_at is None],
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
                "story_videos": videos,
            },
        )

    def _export_videos(self, user, zf) -> list[dict]:
        """The rendered story videos, as files in the ZIP, and their rows."""
        rows = []
        for video in StoryVideo.objects.filter(owner=user).order_by("id"):
            path = None
            if video.file and default_storage.exists(video.file.name):
                path = f"suggestions/videos/story-{video.suggestion_id}-{video.pk}.mp4"
                # Already compressed: stored as is.
                with (
                    default_storage.open(video.file.name, "rb") as src,
                    zf.open(zipfile.ZipInfo(path), "w", force_zip64=True) as dst,
                ):
                    shutil.copyfileobj(src, dst, 1024 * 1024)
            rows.append(
                {
                    "id": video.pk,
                    "suggestion_id": video.suggestion_id,
                    "status": video.status,
                    "frames": video.frames,
                    "file": path,
                    "created_at": video.created_at,
                }
            )
        return rows

    def erase_derived(self, user):
        videos = stories.erase_videos(user)
        return {**services.erase_all(user), "story_videos": videos}

    def erase_all(self, user):
        videos = stories.erase_videos(user)
        counts = {**services.erase_all(user), "story_videos": videos}
        counts["memory_settings"], _ = MemoryControl.objects.filter(owner=user).delete()
        return counts
