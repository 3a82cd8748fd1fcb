"""Privacy verbs that change several rows: stop-all, retention, erasure, export bookkeeping.

The consent functions themselves live in privacy.consent (the apps above react to them
through privacy.signals); this module holds the privacy page's destructive actions, which
reach the other apps' data only through the personal-data registry (privacy.registry).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Device
from privacy import consent, export, files, records, registry
from privacy.models import (
    PROCESSING_SCOPES,
    AccessLog,
    Channel,
    ConsentAction,
    ConsentEvent,
    ExportJob,
    ExportStatus,
    ProcessingRecord,
    RetentionChoice,
    RetentionRequest,
    Scope,
)

# --- Stop all ---------------------------------------------------------------------------


def _last_actions(user) -> dict[str, str]:
    latest: dict[str, str] = {}
    for scope, action in (
        ConsentEvent.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("scope", "action")
    ):
        latest.setdefault(scope, action)
    return latest


@transaction.atomic
def stop_all(user, *, channel: str = Channel.WEB, device=None) -> list[str]:
    """Revoke every processing scope whose latest event is a grant, in one transaction.

    A scope waiting for re-consent (granted under older terms) is revoked too, so the
    ledger says plainly that nothing is allowed any more. Jobs already queued see the
    revocation when they run, because they ask consent.allows() then.
    """
    revoked = []
    for scope in stop_all_scopes(user):
        consent.revoke(user, scope, channel=channel, device=device, note="stop all")
        revoked.append(scope)
    return revoked


def stop_all_scopes(user) -> list[str]:
    """What stop_all would revoke."""
    latest = _last_actions(user)
    return [str(s) for s in PROCESSING_SCOPES if latest.get(s) == ConsentAction.GRANT]


def revocation_preview(user, scopes) -> dict:
    """What revoking `scopes` deletes at once and what stays, from the providers: the
    confirmation step of a revocation and of stop-all (page and API) shows it first."""
    scopes = [str(s) for s in scopes]
    counts = registry.merge(p.revocation_counts(user, scopes) for p in registry.providers())
    if Scope.FACE_ANALYSIS in scopes:
        # The ZIPs hold the face embeddings (consent.revoke discards them).
        counts["exports"] = ExportJob.objects.filter(user=user).exclude(file="").count()
    deleted = {k: v for k, v in counts.items() if not k.endswith("_kept")}
    kept = {k: v for k, v in counts.items() if k.endswith("_kept")}
    return {"scopes": scopes, "deleted": deleted, "kept": kept}


def needs_retention_choice(user, states=None) -> bool:
    """Cloud processing was revoked and the user has not said what happens to the photos."""
    states = states or consent.states(user)
    state = states[Scope.CLOUD_PROCESSING]
    if state.granted or state.changed_at is None:
        return False
    return not RetentionRequest.objects.filter(
        user=user, requested_at__gte=state.changed_at
    ).exists()


@transaction.atomic
def choose_retention(user, choice: str) -> RetentionRequest:
    """Keep the photos stored unprocessed, or purge the cloud copies after the grace period."""
    if choice not in RetentionChoice.values:
        raise consent.ConsentError(
            f"Unknown choice {choice!r}: use keep or delete.", "invalid_choice"
        )
    if consent.allows(user, Scope.CLOUD_PROCESSING):
        raise consent.ConsentError(
            "Cloud processing is still allowed; revoke it first.", "still_granted"
        )
    now = timezone.now()
    purge_after = (
        now + timedelta(days=settings.PURGE_GRACE_DAYS)
        if choice == RetentionChoice.DELETE
        else None
    )
    request, _ = RetentionRequest.objects.update_or_create(
        user=user,
        defaults={
            "choice": choice,
            "requested_at": now,
            "purge_after": purge_after,
            "purged_at": None,
        },
    )
    return request


def purge_due(now=None) -> int:
    """Delete the cloud copies of users whose grace period is over. Returns photos deleted."""
    now = now or timezone.now()
    total = 0
    due = RetentionRequest.objects.filter(
        choice=RetentionChoice.DELETE, purged_at__isnull=True, purge_after__lte=now
    ).select_related("user")
    for request in due:
        # Checked again now: a grant since the choice cancels the purge.
        if consent.allows(request.user, Scope.CLOUD_PROCESSING):
            request.delete()
            continue
        with transaction.atomic():
            total += erase_uploads(request.user).get("photos", 0)
            RetentionRequest.objects.filter(pk=request.pk).update(purged_at=timezone.now())
    return total


# --- Counts and erasure -----------------------------------------------------------------
# Every way a user's data disappears comes through here, and from here through the
# personal-data providers the apps registered (privacy.registry).


def derived_counts(user) -> dict[str, int]:
    """What "delete the analysis" deletes (and keeps)."""
    return registry.merge(p.counts(user, derived=True) for p in registry.providers())


def photo_counts(user) -> dict[str, int]:
    """What "delete all my photos" and the retention purge delete: every provider's data."""
    return registry.merge(p.counts(user) for p in registry.providers())


def own_counts(user) -> dict[str, int]:
    """What privacy and accounts themselves hold, which only goes with the account."""
    return {
        "devices": Device.objects.filter(user=user).count(),
        "consent_events": ConsentEvent.objects.filter(user=user).count(),
        "processing_records": ProcessingRecord.objects.filter(user=user).count(),
        "exports": ExportJob.objects.filter(user=user).count(),
    }


def account_counts(user) -> dict[str, int]:
    return {**photo_counts(user), **own_counts(user)}


def _erase(user, verb: str) -> dict[str, int]:
    # Apps above first (registered last): their rows point at the ones below.
    done = {p.name: getattr(p, verb)(user) for p in reversed(registry.providers())}
    return registry.merge(done[p.name] for p in registry.providers())


@transaction.atomic
def delete_derived_data(user) -> dict[str, int]:
    """Everything computed from the photos (photos kept); nothing then claims they are
    analysed. The "what was analysed" log stays: it is the record of what happened, and
    goes with the account, but no longer says what was found. Export ZIPs, which hold the
    findings, go too."""
    consent.lock_owner(user.pk)  # see erase_uploads
    deleted = _erase(user, "erase_derived")
    _forget_copies(user, "Deleted with the analysis results it held.")
    return deleted


def _forget_copies(user, reason: str) -> None:
    """Data was just deleted: the copies that privacy itself keeps of it go too."""
    steps = {step for p in registry.providers() for step in p.finding_steps}
    records.forget_findings(user, steps)
    export.discard(user, reason)


@transaction.atomic
def erase_uploads(user) -> dict[str, int]:
    """Every provider's data of the user (photos, their files, everything derived); the
    account, its consent ledger and analysis log stay (without what the analysis found);
    export ZIPs, which hold copies of the photos, go. Returns what was there."""
    # First the owner lock: a job storing a file derived from this data (privacy.derived)
    # either committed before (and its file is deleted here) or finds the data gone.
    consent.lock_owner(user.pk)
    before = photo_counts(user)
    _erase(user, "erase_all")
    _forget_copies(user, "Deleted with the photos it held.")
    return before


def delete_all_photos(user) -> dict[str, int]:
    return erase_uploads(user)


def delete_account(user) -> dict[str, int]:
    """The one erasure of a user: the privacy page, the API and the admin (single and bulk
    delete) all come here. Every provider erases its rows (files after commit), then the
    account goes with its ledger, logs, devices and exports; after commit the export ZIPs
    and whatever is left under the user's storage folder are removed, file by file."""
    counts = account_counts(user)
    user_id = user.pk
    with transaction.atomic():
        consent.lock_owner(user_id)  # see erase_uploads
        _erase(user, "erase_all")
        exports = ExportJob.objects.filter(user=user).exclude(file="")
        files.delete_files_on_commit(exports.values_list("file", flat=True))
        _forget_admin_history(user)
        _end_sessions(user_id)
        user.delete()
        transaction.on_commit(lambda: files.delete_user_folder(user_id))
    return counts


def _forget_admin_history(user) -> None:
    """The admin's history of the account itself names it (object_repr is the username)."""
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
    ).delete()


def _end_sessions(user_id: int) -> None:
    """Logged-in sessions hold the user's id; with database sessions, delete them. There is
    no index from a user to their sessions, so each live session is decoded once."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    gone = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get(SESSION_KEY) == str(user_id)
    ]
    Session.objects.filter(pk__in=gone).delete()


# --- Export -----------------------------------------------------------------------------


@transaction.atomic
def request_export(user) -> tuple[ExportJob, bool]:
    """A new export job, or the one already waiting or building. Queued after commit (a
    broker that is down leaves it for the sweep, export.sweep)."""
    active = (
        ExportJob.objects.filter(user=user, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING])
        .order_by("-created_at")
        .first()
    )
    if active is not None:
        return active, False
    job = ExportJob.objects.create(user=user)
    transaction.on_commit(lambda: export.send(job.pk))
    return job, True


def export_is_expired(job: ExportJob, now=None) -> bool:
    now = now or timezone.now()
    return job.status == ExportStatus.EXPIRED or (
        job.expires_at is not None and job.expires_at <= now
    )


def expire_exports(now=None) -> int:
    """Delete the ZIPs whose link lifetime is over; the job row stays, marked expired."""
    now = now or timezone.now()
    jobs = ExportJob.objects.filter(status=ExportStatus.READY, expires_at__lte=now)
    count = 0
    for job in jobs:
        if job.file:
            files.delete_files([job.file.name])
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED, file="")
        count += 1
    return count


# --- Reading ----------------------------------------------------------------------------


def analysis_totals(records) -> dict:
    """Counts by outcome and by step, and skipped-with-reason, of a record queryset."""
    rows = records.order_by().values("step", "outcome", "scope_missing").annotate(n=Count("id"))
    by_outcome: dict[str, int] = {}
    by_step: dict[str, int] = {}
    skipped: dict[str, int] = {}
    total = 0
    for row in rows:
        total += row["n"]
        by_outcome[row["outcome"]] = by_outcome.get(row["outcome"], 0) + row["n"]
        by_step[row["step"]] = by_step.get(row["step"], 0) + row["n"]
        if row["outcome"] == "skipped":
            reason = row["scope_missing"] or "other"
            skipped[reason] = skipped.get(reason, 0) + row["n"]
    return {"total": total, "by_outcome": by_outcome, "by_step": by_step, "skipped": skipped}


def access_log_for(user):
    return AccessLog.objects.filter(subject=user).exclude(actor=user)
