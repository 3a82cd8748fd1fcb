"""Writing the "what was analysed" log: one record per analysis step and run.

`photo` is any object with `pk` and `original_name` (privacy does not know photos' models):
the log keeps the id and the name, which stay true after the photo is deleted. A caller that
stores several steps in one transaction builds their records with `new_record` and writes
them with one `save_records`; `record_step` builds and saves one."""

from django.utils import timezone

from privacy.models import Outcome, ProcessingRecord


def new_record(
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
    """An unsaved record of one step's run (see `save_records`)."""
    now = timezone.now()
    return ProcessingRecord(
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


def skipped_record(user, photo, step: str, scope: str) -> ProcessingRecord:
    """An unsaved record of a step that did not run because the user has not granted
    `scope` (now)."""
    return new_record(
        user,
        photo,
        step,
        outcome=Outcome.SKIPPED,
        summary=f"Not analysed: {scope} is not granted.",
        scope_missing=scope,
    )


def save_records(records: list[ProcessingRecord]) -> None:
    """Records built with `new_record`, in one INSERT."""
    ProcessingRecord.objects.bulk_create(records)


def record_step(user, photo, step: str, **fields) -> ProcessingRecord:
    """Build and save one record (`new_record`'s arguments)."""
    record = new_record(user, photo, step, **fields)
    record.save()
    return record


def record_skipped(user, photo, step: str, scope: str) -> ProcessingRecord:
    """Build and save the record of a skipped step (`skipped_record`)."""
    record = skipped_record(user, photo, step, scope)
    record.save()
    return record


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


PHOTO_DELETED = "Photo deleted; what was found went with it."


def forget_photos(user, photo_refs) -> int:
    """Photos were deleted: their records keep that a step ran on a photo, when, with which
    model and how it ended (the log is the record of what happened), but no longer the
    photo's file name nor what the step found in it. Returns how many records were
    cleared."""
    refs = [int(r) for r in photo_refs]
    records = ProcessingRecord.objects.filter(user=user, photo_ref__in=refs)
    cleared = records.exclude(outcome=Outcome.SKIPPED).update(
        photo_name="", summary=PHOTO_DELETED, details={}
    )
    # A skipped record says only why the step did not run; its file name goes all the same.
    return cleared + records.filter(outcome=Outcome.SKIPPED).update(photo_name="")
