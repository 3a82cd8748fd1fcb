"""Large erasures as background jobs: "delete all my photos" and account deletion.

The erasure itself is privacy.services' (delete_all_photos, delete_account), unchanged;
this module decides where it runs. A library of up to ERASURE_IN_REQUEST_MAX_PHOTOS photos
is erased in the request, as before. A larger one gets an ErasureJob row and a Celery task
(queued after commit), and the page and the API show the job's progress. An account is
deactivated at once when its deletion is queued: its sessions and device tokens stop
working, and no analysis runs for it (runner.granted_scopes sees an inactive owner).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from privacy import services, tasks
from privacy.models import ErasureJob, ErasureKind, ErasureStatus

log = logging.getLogger(__name__)

ACTIVE = (ErasureStatus.PENDING, ErasureStatus.RUNNING)
# A job pending this long was lost by the broker (or never reached it).
PENDING_STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3


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
    or running; returns (job, created)."""
    job = ErasureJob.objects.filter(user=user, kind=kind, status__in=ACTIVE).first()
    if job is not None:
        return job, False
    job = ErasureJob.objects.create(
        user=user, kind=kind, counts=counts if counts is not None else counts_for(user, kind)
    )
    if kind == ErasureKind.ACCOUNT:
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    transaction.on_commit(lambda: send(job.pk))
    return job, True


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
    """Jobs that no worker is on: pending for a while (the broker lost or never got the
    message), or "running" for longer than a task may run (the worker died; an erasure is
    one transaction, so nothing of it was kept). Each is queued again."""
    now = timezone.now()
    lost = list(
        ErasureJob.objects.filter(
            status=ErasureStatus.PENDING, created_at__lt=now - PENDING_STALE_AFTER
        ).values_list("pk", flat=True)
    )
    stale = ErasureJob.objects.filter(
        status=ErasureStatus.RUNNING, started_at__lt=now - running_stale_after()
    )
    # Interrupted again and again: it does not fit in the task time limit, or something
    # kills its worker. A person has to look (the log has the jobs).
    given_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=ErasureStatus.FAILED,
        error=f"Interrupted {MAX_ATTEMPTS} times: the worker died or the erasure ran past "
        f"CELERY_TASK_TIME_LIMIT ({settings.CELERY_TASK_TIME_LIMIT} s).",
        finished_at=now,
    )
    if given_up:
        log.error("Gave up %d erasure job(s) interrupted %d times", given_up, MAX_ATTEMPTS)
    dead = list(stale.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    ErasureJob.objects.filter(pk__in=dead, status=ErasureStatus.RUNNING).update(
        status=ErasureStatus.PENDING, progress=0
    )
    for pk in lost + dead:
        send(pk)
    return {"lost": len(lost), "interrupted": len(dead), "given_up": given_up}


def running_stale_after() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def run(job: ErasureJob) -> None:
    """The erasure itself, in the worker. An account's job is deleted with the account.
    Only a pending job is taken, by one worker: another delivery of the same message (a
    broker's redelivery, or the sweep's) finds it taken and leaves it."""
    claimed = ErasureJob.objects.filter(pk=job.pk, status=ErasureStatus.PENDING).update(
        status=ErasureStatus.RUNNING,
        progress=10,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return
    try:
        erase_now(job.user, job.kind)
    except Exception as exc:
        log.exception("Erasure job %s failed", job.pk)
        ErasureJob.objects.filter(pk=job.pk).update(
            status=ErasureStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        raise
    ErasureJob.objects.filter(pk=job.pk).update(
        status=ErasureStatus.DONE, progress=100, finished_at=timezone.now()
    )


def status_data(job: ErasureJob) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "counts": job.counts,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
