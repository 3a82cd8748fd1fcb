"""Privacy verbs that change several rows. Filled in by the privacy-center work."""

from privacy.models import Scope


def on_revoked(user, scope: str) -> None:
    """Consequences of a revocation that must happen at once (not at the next job)."""
    if scope == Scope.FACE_ANALYSIS:
        from photos.services import delete_face_data

        delete_face_data(user)
    from suggestions.services import withdraw_for_scope

    withdraw_for_scope(user, scope)
