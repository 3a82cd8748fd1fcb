"""The one place that decides whether something may be processed.

Every background job calls `allows(user, scope)` when it runs (not only when it was
queued), so a revocation takes effect for jobs that are already waiting in the queue.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery

from privacy import export, signals
from privacy.models import (
    Channel,
    ConsentAction,
    ConsentEvent,
    ConsentTerms,
    RetentionRequest,
    Scope,
)


class ConsentError(ValueError):
    """A grant or revoke that makes no sense (unknown scope, double grant, ...)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ScopeState:
    scope: str
    granted: bool
    terms_version: int | None  # the version the user agreed to (None if never)
    current_version: int | None  # the version in force now
    changed_at: datetime | None
    needs_reconsent: bool  # granted once, but staff published newer terms since
    # Granted, and newer terms that extend the accepted ones are published: what was allowed
    # goes on; accepting them allows what they add (ConsentTerms.extends_previous).
    newer_terms: bool = False


class Granted(frozenset):
    """The scopes the user allows now, and in `current` those granted at the terms in force
    (not at an earlier version these extend): what a step that needs the newest terms asks
    (photos' text step)."""

    current: frozenset

    def __new__(cls, scopes=(), current=()):
        granted = super().__new__(cls, scopes)
        granted.current = frozenset(current) & granted
        return granted


def current_versions() -> dict[str, int]:
    rows = (
        ConsentTerms.objects.filter(published_at__isnull=False)
        .values("scope")
        .annotate(v=Max("version"))
    )
    return {row["scope"]: row["v"] for row in rows}


def _floors() -> dict[str, int]:
    """Per scope, the oldest version whose grant still counts: the newest published version
    that does not extend the one before it. A grant of it or of a later version counts."""
    rows = (
        ConsentTerms.objects.filter(published_at__isnull=False, extends_previous=False)
        .values("scope")
        .annotate(v=Max("version"))
    )
    return {row["scope"]: row["v"] for row in rows}


def _counts(version, current, floor) -> bool:
    """A grant of `version` allows the scope now (`current` in force, `floor` its floor)."""
    return current is not None and version is not None and version >= (floor or 0)


def current_terms(scope: str) -> ConsentTerms | None:
    return (
        ConsentTerms.objects.filter(scope=scope, published_at__isnull=False)
        .order_by("-version")
        .first()
    )


def _validate_scope(scope: str) -> str:
    if scope not in Scope.values:
        raise ConsentError(
            f"Unknown scope {scope!r}. Scopes are: {', '.join(Scope.values)}.", "unknown_scope"
        )
    return scope


def states(user) -> dict[str, ScopeState]:
    """Every scope's state for one user, in two queries."""
    versions, floors = current_versions(), _floors()
    latest: dict[str, ConsentEvent] = {}
    # Newest first, so the first event seen per scope is the one in force.
    for event in (
        ConsentEvent.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .only("scope", "action", "terms_version", "created_at")
    ):
        latest.setdefault(event.scope, event)
    result = {}
    for scope in Scope.values:
        event = latest.get(scope)
        current = versions.get(scope)
        granted_ever = event is not None and event.action == ConsentAction.GRANT
        version = event.terms_version if granted_ever else None
        up_to_date = granted_ever and _counts(version, current, floors.get(scope))
        result[scope] = ScopeState(
            scope=scope,
            granted=up_to_date,
            terms_version=event.terms_version if granted_ever else None,
            current_version=current,
            changed_at=event.created_at if event else None,
            needs_reconsent=granted_ever and not up_to_date,
            newer_terms=up_to_date and version < current,
        )
    return result


def granted(user_id) -> Granted:
    """The scopes that the user allows now, in one query: what `states` calls granted (the
    latest word on the scope is a grant of the terms in force, or of an earlier version
    they extend), and nothing for an inactive or deleted user. For the analysis worker,
    which asks twice per photo; `.current` holds those granted at the terms in force."""
    published = ConsentTerms.objects.filter(scope=OuterRef("scope"), published_at__isnull=False)
    in_force = published.order_by("-version").values("version")[:1]
    floor = published.filter(extends_previous=False).order_by("-version").values("version")[:1]
    rows = (
        ConsentEvent.objects.filter(user_id=user_id, user__is_active=True)
        .order_by("-created_at", "-id")
        .annotate(in_force=Subquery(in_force), floor=Subquery(floor))
        .values_list("scope", "action", "terms_version", "in_force", "floor")
    )
    latest: dict[str, tuple] = {}
    for scope, action, version, current, lowest in rows:
        latest.setdefault(scope, (action, version, current, lowest))
    allowed = {
        scope: version == current
        for scope, (action, version, current, lowest) in latest.items()
        if scope in Scope.values
        and action == ConsentAction.GRANT
        and _counts(version, current, lowest)
    }
    return Granted(allowed, [scope for scope, newest in allowed.items() if newest])


def allows(user, scope: str) -> bool:
    """True when the user's latest word on `scope` is a grant of the terms in force now."""
    _validate_scope(scope)
    if user is None or not getattr(user, "is_active", False):
        return False
    event = (
        ConsentEvent.objects.filter(user=user, scope=scope)
        .order_by("-created_at", "-id")
        .only("action", "terms_version")
        .first()
    )
    if event is None or event.action != ConsentAction.GRANT:
        return False
    terms = current_terms(scope)
    floor = _floors().get(scope)
    return _counts(event.terms_version, terms.version if terms else None, floor)


def users_allowing(scope: str):
    """The active users for whom `allows(user, scope)` is true now, as one queryset."""
    _validate_scope(scope)
    terms = current_terms(scope)
    User = get_user_model()
    if terms is None:
        return User.objects.none()
    latest = ConsentEvent.objects.filter(user=OuterRef("pk"), scope=scope).order_by(
        "-created_at", "-id"
    )
    return (
        User.objects.filter(is_active=True)
        .annotate(
            last_action=Subquery(latest.values("action")[:1]),
            last_version=Subquery(latest.values("terms_version")[:1]),
        )
        .filter(last_action=ConsentAction.GRANT, last_version__gte=_floors().get(scope, 0))
    )


def lock_owner(user_id) -> bool:
    """The owner lock: the user's row, locked until the transaction ends (SQLite's
    IMMEDIATE transactions serialise every write anyway). Consent changes, every deletion
    of a user's data and every job that stores a derived file (privacy.derived) take it
    first, so whichever commits first, the other sees its result. True while the user
    exists and is active."""
    rows = get_user_model().objects.select_for_update().filter(pk=user_id).values_list("is_active")
    return any(active for (active,) in rows)


def _lock_user(user) -> None:
    # Serialise consent changes of one user, so two simultaneous grants cannot both pass
    # the double-grant check.
    lock_owner(user.pk)


def _record(user, scope, action, *, channel, device=None, terms_version=None, note=""):
    return ConsentEvent.objects.create(
        user=user,
        scope=scope,
        action=action,
        terms_version=terms_version,
        channel=channel,
        device=device,
        device_name=device.name if device else "",
        note=note,
    )


@transaction.atomic
def grant(user, scope: str, *, channel: str = Channel.WEB, device=None) -> ConsentEvent:
    _validate_scope(scope)
    terms = current_terms(scope)
    if terms is None:
        raise ConsentError(f"No terms are published for {scope!r} yet.", "no_terms")
    _lock_user(user)
    events = ConsentEvent.objects.filter(user=user, scope=scope)
    last = events.order_by("-created_at", "-id").first()
    # A repeated or concurrent grant (a double-submitted form, an app retrying): the scope is
    # granted under the current terms already; the same answer, no new event. A grant of
    # earlier terms that the ones in force extend still allows the scope, and the user may
    # accept the newer ones (what they add needs it).
    if last is not None and last.terms_version == terms.version and allows(user, scope):
        return last
    event = _record(
        user,
        scope,
        ConsentAction.GRANT,
        channel=channel,
        device=device,
        terms_version=terms.version,
    )
    if scope == Scope.CLOUD_PROCESSING:
        # Granting cloud processing again cancels a purge that has not happened yet.
        RetentionRequest.objects.filter(user=user, purged_at__isnull=True).delete()
    signals.consent_granted.send(sender=ConsentEvent, user=user, scope=scope)
    return event


@transaction.atomic
def revoke(
    user, scope: str, *, channel: str = Channel.WEB, device=None, note: str = ""
) -> ConsentEvent:
    _validate_scope(scope)
    _lock_user(user)
    last = (
        ConsentEvent.objects.filter(user=user, scope=scope).order_by("-created_at", "-id").first()
    )
    if last is None:
        raise ConsentError(f"{scope!r} is not granted, so it cannot be revoked.", "not_granted")
    if last.action != ConsentAction.GRANT:
        return last  # revoked already (a repeat or a concurrent twin): the same answer
    event = _record(user, scope, ConsentAction.REVOKE, channel=channel, device=device, note=note)
    # The apps above act now (face data deleted, suggestions withdrawn), in this transaction.
    signals.consent_revoked.send(sender=ConsentEvent, user=user, scope=scope)
    if scope == Scope.FACE_ANALYSIS:
        # The export's faces.json holds the face embeddings that were just deleted.
        export.discard(user, "Deleted with the face data it held (face_analysis revoked).")
    return event
