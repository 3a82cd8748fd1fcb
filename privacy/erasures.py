"""Large erasures as background jobs: "delete all my photos" and account deletion.

A library of up to ERASURE_IN_REQUEST_MAX_PHOTOS photos is erased in the request, in one
transaction (privacy.services' delete_all_photos, delete_account). A larger one gets an
ErasureJob row and a Celery task (queued after commit), and the page and the API show the
job's progress. An account is deactivated at once when its deletion is queued: its
sessions and device tokens stop working, and no analysis runs for it
(runner.granted_scopes sees an inactive owner).

The worker erases in batches, each its own committed transaction: every provider's
`erase_batch` (privacy.registry) until it has nothing left, then privacy's own rows, then
what little is left in one transaction (the account itself, for an account). Files go
after the batch that deleted their rows commits. So no transaction grows with the library,
progress is real (`erased` rows so far), and a run that dies, fails or hands over after
ERASURE_RUN_SECONDS loses at most one batch: the next run goes on from there. A failed job
is retried by itself (RETRY_DELAYS), and after MAX_FAILURES runs in a row without a batch
going through it waits, visibly, for a person (the admin's retry, or the user's button).
"""

import functools
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from privacy import export, records, registry, services, tasks
from privacy.models import ErasureJob, ErasureKind, ErasureStatus

log = logging.getLogger(__name__)

ACTIVE = (ErasureStatus.PENDING, ErasureStatus.RUNNING)
# A job pending this long was lost by the broker (or never reached it).
PENDING_STALE_AFTER = timedelta(minutes=10)
# Runs in a row that fail or are interrupted before a batch commits; then a person decides.
MAX_FAILURES = 3
# After the first and the second failure, the sweep queues the job again this much later.
RETRY_DELAYS = (timedelta(minutes=2), timedelta(minutes=15))
clock = time.monotonic  # how a run knows its time is up (a test turns it faster)


def counts_for(user, kind: str) -> dict[str, int]:
    if kind == ErasureKind.PHOTOS:
        return services.photo_counts(user)
    return services.account_counts(user)


def in_request(counts: dict[str, int]) -> bool:
    return counts.get("photos", 0) <= settings.ERASURE_IN_REQUEST_MAX_PHOTOS


def erase_now(user, kind: str) -> dict[str, int]:
    if kind == ErasureKind.PHOTOS:
        return services.delete_all_photos(user)
    return services.delete_account(user)


@transaction.atomic
def queue(user, kind: str, counts: dict[str, int] | None = None) -> tuple[ErasureJob, bool]:
    """The user's erasure job of `kind`, made and queued now unless one is already waiting
    or running (or failed: it is tried again now); returns (job, created)."""
    job = (
        ErasureJob.objects.filter(user=user, kind=kind, status__in=(*ACTIVE, ErasureStatus.FAILED))
        .order_by("-created_at")
        .first()
    )
    if job is not None and job.status == ErasureStatus.FAILED:
        retry(job)
        job.refresh_from_db()
    if job is not None:
        return job, False
    job = ErasureJob.objects.create(
        user=user, kind=kind, counts=counts if counts is not None else counts_for(user, kind)
    )
    if kind == ErasureKind.ACCOUNT:
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    transaction.on_commit(lambda: send(job.pk))
    return job, True


@transaction.atomic
def retry(job: ErasureJob) -> bool:
    """A failed job tried again now (the user's button, the admin's action, a new request):
    it goes on from where it stopped. False if it was not failed."""
    retried = ErasureJob.objects.filter(pk=job.pk, status=ErasureStatus.FAILED).update(
        status=ErasureStatus.PENDING,
        failures=0,
        retry_at=None,
        error="",
        finished_at=None,
        updated_at=timezone.now(),
    )
    if retried:
        transaction.on_commit(lambda: send(job.pk))
    return bool(retried)


def send(job_id: int) -> None:
    """Hand the job to a worker. A broker that is down is not the user's error: the job
    stays pending and the sweep (every few minutes) sends it again."""
    try:
        tasks.run_erasure.delay(job_id)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.exception("Could not queue erasure job %s; the sweep will queue it again", job_id)


def sweep() -> dict[str, int]:
    """Jobs that no worker is on, each queued again: pending for a while (the broker lost
    or never got the message); "running" with no batch committed for longer than a task
    may run (the worker died: it goes on from its last batch, or after MAX_FAILURES such
    runs in a row waits for a person); failed and due for its automatic retry."""
    now = timezone.now()
    lost = list(
        ErasureJob.objects.annotate(since=Coalesce("updated_at", "created_at"))
        .filter(status=ErasureStatus.PENDING, since__lt=now - PENDING_STALE_AFTER)
        .values_list("pk", flat=True)
    )
    stale = ErasureJob.objects.annotate(since=Coalesce("updated_at", "started_at")).filter(
        status=ErasureStatus.RUNNING, since__lt=now - running_stale_after()
    )
    given_up = stale.filter(failures__gte=MAX_FAILURES - 1).update(
        status=ErasureStatus.FAILED,
        failures=F("failures") + 1,
        retry_at=None,
        error=f"Interrupted {MAX_FAILURES} times in a row: the worker died, or one batch ran "
        f"past CELERY_TASK_TIME_LIMIT ({settings.CELERY_TASK_TIME_LIMIT} s).",
        finished_at=now,
    )
    if given_up:
        log.error("Gave up %d erasure job(s) interrupted %d times", given_up, MAX_FAILURES)
    dead = list(stale.values_list("pk", flat=True))
    ErasureJob.objects.filter(pk__in=dead, status=ErasureStatus.RUNNING).update(
        status=ErasureStatus.PENDING, failures=F("failures") + 1, updated_at=now
    )
    due = list(
        ErasureJob.objects.filter(
            status=ErasureStatus.FAILED, retry_at__isnull=False, retry_at__lte=now
        ).values_list("pk", flat=True)
    )
    ErasureJob.objects.filter(pk__in=due, status=ErasureStatus.FAILED).update(
        status=ErasureStatus.PENDING, retry_at=None, finished_at=None, updated_at=now
    )
    for pk in lost + dead + due:
        send(pk)
    return {"lost": len(lost), "interrupted": len(dead), "retried": len(due), "given_up": given_up}


def running_stale_after() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def run(job: ErasureJob) -> None:
    """The erasure itself, in the worker, batch after batch until it is done or its run
    time is up (then a fresh task goes on). Only a pending job is taken, by one worker:
    another delivery of the same message (a broker's redelivery, or the sweep's) finds it
    taken and leaves it. An account's job is deleted with the account."""
    now = timezone.now()
    claimed = ErasureJob.objects.filter(pk=job.pk, status=ErasureStatus.PENDING).update(
        status=ErasureStatus.RUNNING,
        progress=Greatest("progress", 1),
        started_at=Coalesce("started_at", Value(now)),
        updated_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return
    job.refresh_from_db()
    deadline = clock() + settings.ERASURE_RUN_SECONDS
    try:
        finished = _erase(job, deadline)
    except Exception as exc:
        _failed(job, exc)
        return
    if not finished:
        # Handed on to a fresh task, well inside the time limit (if the broker is down
        # now, the sweep sends it).
        ErasureJob.objects.filter(pk=job.pk, status=ErasureStatus.RUNNING).update(
            status=ErasureStatus.PENDING, updated_at=timezone.now()
        )
        send(job.pk)
        return
    ErasureJob.objects.filter(pk=job.pk).update(
        status=ErasureStatus.DONE, progress=100, finished_at=timezone.now(), error=""
    )


def _erase(job: ErasureJob, deadline: float) -> bool:
    """True once everything is erased; False if the run time was up first."""
    user, size = job.user, settings.ERASURE_BATCH_SIZE
    total = max(1, _total(job))
    # (batch, whether its rows count as erased): each returns how many rows it did, 0 when
    # none is left. Apps above first (registered last): their rows point at the ones below.
    batches = [
        (functools.partial(provider.erase_batch, user, size), True)
        for provider in reversed(registry.providers())
    ]
    if job.kind == ErasureKind.PHOTOS:
        # The log stays, without what was found (services.erase_uploads does the same).
        steps = sorted({step for p in registry.providers() for step in p.finding_steps})
        batches += [(_forgetting(user, step, size), False) for step in steps]
    else:
        batches.append((functools.partial(records.delete_batch, user, size), True))
    for batch, counted in batches:
        while True:
            with transaction.atomic():
                n = batch()
                if counted:
                    job.erased += n
                # A batch that did something: the run is not stuck, whatever failed before.
                failures = {"failures": 0} if n else {}
                ErasureJob.objects.filter(pk=job.pk).update(
                    erased=job.erased,
                    progress=min(95, 1 + 94 * job.erased // total),
                    updated_at=timezone.now(),
                    **failures,
                )
            if n == 0:
                break
            # Time is looked at after a batch that did something: a run always gets on.
            if clock() > deadline:
                return False
    if job.kind == ErasureKind.PHOTOS:
        with transaction.atomic():
            export.discard(user, "Deleted with the photos it held.")
    else:
        # What is left is small (devices, consent ledger, exports): one transaction, the
        # one erasure path, which takes the job row with the account.
        services.delete_account(user)
    return True


def _forgetting(user, step: str, size: int):
    cursor = None

    def batch() -> int:
        nonlocal cursor
        n, cursor = records.forget_findings_batch(user, step, size, cursor)
        return n

    return batch


def _total(job: ErasureJob) -> int:
    total = job.counts.get("photos", 0)
    if job.kind == ErasureKind.ACCOUNT:
        total += job.counts.get("processing_records", 0)
    return total


def _failed(job: ErasureJob, exc: Exception) -> None:
    """The batch that failed was rolled back; the ones before it stay done. The job is
    retried by itself later, unless it failed MAX_FAILURES times in a row."""
    log.exception("Erasure job %s failed", job.pk)
    failures = (
        ErasureJob.objects.filter(pk=job.pk).values_list("failures", flat=True).first() or 0
    ) + 1
    now = timezone.now()
    retry_at = now + RETRY_DELAYS[failures - 1] if failures < MAX_FAILURES else None
    ErasureJob.objects.filter(pk=job.pk).update(
        status=ErasureStatus.FAILED,
        failures=failures,
        retry_at=retry_at,
        error=f"{type(exc).__name__}: {exc}"[:500],
        finished_at=now,
        updated_at=now,
    )


def status_data(job: ErasureJob) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "counts": job.counts,
        "erased": job.erased,
        "attempts": job.attempts,
        "retry_at": job.retry_at,
        "needs_help": job.status == ErasureStatus.FAILED and job.retry_at is None,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def total(job: ErasureJob) -> int:
    """The rows the job counts as it erases them (photos; an account's log entries too)."""
    return _total(job)


STATUS_SALT = "privacy.erasure-status"


def status_token(job: ErasureJob) -> str:
    """The signed id of the job, for the status link of a logged-out, locked owner."""
    return signing.dumps(job.pk, salt=STATUS_SALT)


def job_for_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=STATUS_SALT, max_age=STATUS_LINK_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError):
        return None


STATUS_LINK_MAX_AGE = timedelta(days=30)
