"""Privacy verbs that change several rows: stop-all, retention, erasure, export bookkeeping.

The consent functions themselves live in privacy.consent; this module holds what follows
from them (the consequences of a revocation) and the privacy page's destructive actions.
"""

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from privacy import consent
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


def on_revoked(user, scope: str) -> None:
    """Consequences of a revocation that must happen at once (not at the next job)."""
    if scope == Scope.FACE_ANALYSIS:
        from photos.models import AnalysisStatus, AnalysisStep, Step
        from photos.services import delete_face_data

        delete_face_data(user)
        # The faces are gone: no photo page may still say they were found.
        AnalysisStep.objects.filter(
            photo__owner=user, step=Step.FACES, status=AnalysisStatus.DONE
        ).update(
            status=AnalysisStatus.SKIPPED,
            message="face_analysis was revoked; faces deleted.",
            updated_at=timezone.now(),
        )
    from suggestions.services import withdraw_for_scope

    withdraw_for_scope(user, scope)


def on_granted(user, scope: str) -> None:
    """Granting cloud processing again cancels a purge that has not happened yet; granting
    an analysis scope analyses the photos whose steps were skipped for the lack of it."""
    from photos import pipeline
    from photos.models import Step

    if scope == Scope.CLOUD_PROCESSING:
        RetentionRequest.objects.filter(user=user, purged_at__isnull=True).delete()
        pipeline.requeue_skipped(user, pipeline.ANALYSIS_STEPS)
    elif scope == Scope.FACE_ANALYSIS:
        pipeline.requeue_skipped(user, [Step.FACES])


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
    latest = _last_actions(user)
    for scope in PROCESSING_SCOPES:
        if latest.get(scope) == ConsentAction.GRANT:
            consent.revoke(user, scope, channel=channel, device=device, note="stop all")
            revoked.append(str(scope))
    return revoked


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
    from photos.models import Photo
    from photos.services import delete_photos

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
            total += delete_photos(request.user, Photo.objects.for_owner(request.user))
            RetentionRequest.objects.filter(pk=request.pk).update(purged_at=timezone.now())
    return total


# --- Counts and erasure -----------------------------------------------------------------


def derived_counts(user) -> dict[str, int]:
    from photos.models import Face, Person, Photo, PhotoTheme, Tag
    from suggestions.models import Album, Suggestion

    faces = Face.objects.filter(owner=user).count()
    return {
        "faces": faces,
        "embeddings": faces,
        "people": Person.objects.filter(owner=user).count(),
        "tags": Tag.objects.filter(photo__owner=user).count(),
        "themes": PhotoTheme.objects.filter(owner=user).count(),
        "suggestions": Suggestion.objects.filter(owner=user).count(),
        "albums": Album.objects.filter(owner=user).count(),
        "photos_kept": Photo.objects.filter(owner=user).count(),
    }


def _delete_files_on_commit(names) -> None:
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


@transaction.atomic
def delete_derived_data(user) -> dict[str, int]:
    """Everything computed from the photos (photos kept); nothing then claims they are analysed.

    The "what was analysed" log stays: it is the record of what happened, and goes with
    the account.
    """
    from photos.models import AnalysisStatus, AnalysisStep, Photo, PhotoTheme, Step, Tag
    from photos.services import delete_face_data
    from suggestions.models import Album, Suggestion

    face_counts = delete_face_data(user)
    tags, _ = Tag.objects.filter(photo__owner=user).delete()
    themes, _ = PhotoTheme.objects.filter(owner=user).delete()
    albums = Album.objects.filter(owner=user)
    album_count = albums.count()
    albums.delete()
    suggestions = Suggestion.objects.filter(owner=user)
    images = list(suggestions.exclude(image="").values_list("image", flat=True))
    suggestion_count = suggestions.count()
    suggestions.delete()
    _delete_files_on_commit(images)
    photos = Photo.objects.filter(owner=user)
    # Thumbnails are how the library shows the photo, not analysis: they stay.
    AnalysisStep.objects.filter(photo__owner=user).exclude(step=Step.DERIVATIVES).update(
        status=AnalysisStatus.SKIPPED,
        message="Results deleted at your request.",
        updated_at=timezone.now(),
    )
    photos.update(
        analysis_status=AnalysisStatus.SKIPPED,
        sharpness=None,
        exposure=None,
        quality_score=None,
        phash="",
        duplicate_group=None,
    )
    return {
        **face_counts,
        "tags": tags,
        "themes": themes,
        "suggestions": suggestion_count,
        "albums": album_count,
        "photos_kept": photos.count(),
    }


def photo_counts(user) -> dict[str, int]:
    from django.db.models import Sum

    from photos.models import Photo

    agg = Photo.objects.filter(owner=user).aggregate(n=Count("id"), size=Sum("file_size"))
    counts = derived_counts(user)
    return {
        "photos": agg["n"] or 0,
        "bytes": agg["size"] or 0,
        "faces": counts["faces"],
        "tags": counts["tags"],
        "suggestions": counts["suggestions"],
    }


def delete_all_photos(user) -> dict[str, int]:
    from photos.models import Photo
    from photos.services import delete_photos

    before = photo_counts(user)
    with transaction.atomic():
        deleted = delete_photos(user, Photo.objects.for_owner(user))
    return {
        "photos": deleted,
        "bytes": before["bytes"],
        "faces": before["faces"],
        "tags": before["tags"],
    }


def account_counts(user) -> dict[str, int]:
    from accounts.models import Device

    counts = photo_counts(user)
    derived = derived_counts(user)
    return {
        "photos": counts["photos"],
        "bytes": counts["bytes"],
        "faces": derived["faces"],
        "people": derived["people"],
        "tags": derived["tags"],
        "suggestions": derived["suggestions"],
        "albums": derived["albums"],
        "devices": Device.objects.filter(user=user).count(),
        "consent_events": ConsentEvent.objects.filter(user=user).count(),
        "processing_records": ProcessingRecord.objects.filter(user=user).count(),
        "exports": ExportJob.objects.filter(user=user).count(),
    }


def delete_account(user) -> dict[str, int]:
    """The user, every row that hangs off it, and every file in storage."""
    from photos.models import Photo
    from photos.services import delete_photos

    counts = account_counts(user)
    with transaction.atomic():
        delete_derived_data(user)
        delete_photos(user, Photo.objects.for_owner(user))
        exports = list(
            ExportJob.objects.filter(user=user).exclude(file="").values_list("file", flat=True)
        )
        _delete_files_on_commit(exports)
        user.delete()
    return counts


# --- Export -----------------------------------------------------------------------------


@transaction.atomic
def request_export(user) -> tuple[ExportJob, bool]:
    """A new export job, or the one already waiting or building. Queued after commit."""
    from privacy import tasks

    active = (
        ExportJob.objects.filter(user=user, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING])
        .order_by("-created_at")
        .first()
    )
    if active is not None:
        return active, False
    job = ExportJob.objects.create(user=user)
    transaction.on_commit(lambda: tasks.build_export.delay(job.pk))
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
            default_storage.delete(job.file.name)
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
