"""Large erasures as background jobs: "delete all my photos" and account deletion.

The erasure itself is privacy.services' (delete_all_photos, delete_account), unchanged;
this module decides where it runs. A library of up to ERASURE_IN_REQUEST_MAX_PHOTOS photos
is erased in the request, as before. A larger one gets an ErasureJob row and a Celery task
(queued after commit), and the page and the API show the job's progress. An account is
deactivated at once when its deletion is queued: its sessions and device tokens stop
working, and no analysis runs for it (runner.granted_scopes sees an inactive owner).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from privacy import services, tasks
from privacy.models import ErasureJob, ErasureKind, ErasureStatus

log = logging.getLogger(__name__)

ACTIVE = (ErasureStatus.PENDING, ErasureStatus.RUNNING)


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
    transaction.on_commit(lambda: tasks.run_erasure.delay(job.pk))
    return job, True


def run(job: ErasureJob) -> None:
    """The erasure itself, in the worker. An account's job is deleted with the account."""
    ErasureJob.objects.filter(pk=job.pk).update(
        status=ErasureStatus.RUNNING, progress=10, started_at=timezone.now()
    )
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
