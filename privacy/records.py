"""Writing the "what was analysed" log: one record per analysis step and run.

`photo` is any object with `pk` and `original_name` (privacy does not know photos' models):
the log keeps the id and the name, which stay true after the photo is deleted. A caller that
stores several steps in one transaction builds their records with `new_record` and writes
them with one `save_records`; `record_step` builds and saves one."""

from django.db.models import Q
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


def forget_findings_batch(user, step: str, limit: int, after=None) -> tuple[int, tuple | None]:
    """forget_findings of one step in bounded batches, newest first, for the background
    erasure: clears up to `limit` records older than the cursor `after` (None: from the
    newest), walking the (user, step, started_at) index, and returns (how many it cleared,
    the next cursor, None once none is left)."""
    records = (
        ProcessingRecord.objects.filter(user=user, step=step)
        .exclude(outcome=Outcome.SKIPPED)
        # Cleared by an earlier run of the same erasure: a re-run goes on after them.
        .exclude(summary=FINDINGS_DELETED)
        .order_by("-started_at", "-id")
    )
    if after is not None:
        started_at, pk = after
        records = records.filter(Q(started_at__lt=started_at) | Q(started_at=started_at, pk__lt=pk))
    page = list(records.values_list("pk", "started_at")[:limit])
    if not page:
        return 0, None
    ProcessingRecord.objects.filter(pk__in=[pk for pk, _ in page]).update(
        summary=FINDINGS_DELETED, details={}
    )
    last_pk, last_started = page[-1]
    return len(page), (last_started, last_pk)


def delete_batch(user, limit: int) -> int:
    """Up to `limit` of the user's log entries (the background account erasure; the rest
    goes with the account)."""
    ids = list(
        ProcessingRecord.objects.filter(user=user).order_by().values_list("pk", flat=True)[:limit]
    )
    if ids:
        ProcessingRecord.objects.filter(pk__in=ids).delete()
    return len(ids)
