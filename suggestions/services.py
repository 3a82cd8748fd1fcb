"""Suggestion verbs. Generation is filled in by the suggestions work."""

from privacy.models import Scope
from suggestions.models import Suggestion


def withdraw_for_scope(user, scope: str) -> int:
    """Delete the suggestions that depended on a scope the user just revoked."""
    qs = Suggestion.objects.for_owner(user)
    if scope == Scope.FACE_ANALYSIS:
        qs = qs.filter(uses_faces=True)
    elif scope == Scope.OLDER_PHOTOS:
        qs = qs.filter(uses_older_photos=True)
    elif scope != Scope.CLOUD_PROCESSING:
        return 0
    deleted, _ = qs.exclude(state="saved").delete()
    return deleted
