"""Writing the "what was analysed" log. Every analysis step calls `record_step` once per run.

`photo` is any object with `pk` and `original_name` (privacy does not know photos' models):
the log keeps the id and the name, which stay true after the photo is deleted."""

from django.utils import timezone

from privacy.models import Outcome, ProcessingRecord


def record_step(
    user,
    photo,
    step: str,
    *,
    outcome: str,
    started_at=None,
    model_name: str = "",
    model_version: str = "",
    summary: str = "",
    details: dict | None = None,
    scope_missing: str = "",
) -> ProcessingRecord:
    now = timezone.now()
    return ProcessingRecord.objects.create(
        user=user,
        photo_ref=photo.pk if photo is not None else None,
        photo_name=(photo.original_name if photo is not None else "")[:255],
        step=step,
        model_name=model_name,
        model_version=model_version,
        started_at=started_at or now,
        finished_at=now,
        outcome=outcome,
        summary=summary[:500],
        details=details or {},
        scope_missing=scope_missing,
    )


def record_skipped(user, photo, step: str, scope: str) -> ProcessingRecord:
    """A step that did not run because the user has not granted `scope` (now)."""
    return record_step(
        user,
        photo,
        step,
        outcome=Outcome.SKIPPED,
        summary=f"Not analysed: {scope} is not granted.",
        scope_missing=scope,
    )


FINDINGS_DELETED = "Findings deleted."


def forget_findings(user, steps) -> int:
    """The findings of `steps` were deleted: the log keeps that each step ran, when, with
    which model and how it ended, but no longer what it found (a record's summary such as
    "tags: academic gown 0.61", and its details). Skipped records say only why they were
    skipped and stay as they are. Returns how many records were cleared."""
    return (
        ProcessingRecord.objects.filter(user=user, step__in=list(steps))
        .exclude(outcome=Outcome.SKIPPED)
        .update(summary=FINDINGS_DELETED, details={})
    )
