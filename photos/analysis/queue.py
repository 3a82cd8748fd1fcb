"""Handing photos to the analysis worker: ensure steps, queue, retry, requeue, sweep.

Web code (ingest, the photo page, the admin, privacy's grant receiver) imports this module
to queue work, so it imports neither the runner nor the models: the task is sent by name.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from photos.analysis.steps import REGISTRY
from photos.models import AnalysisStatus, AnalysisStep, Photo, Step

log = logging.getLogger(__name__)

ANALYSIS_STEPS = tuple(REGISTRY)
ALL_STEPS = (Step.DERIVATIVES, *ANALYSIS_STEPS)
ANALYSE_TASK = "photos.tasks.analyse_photo"
# A photo queued this long ago and still pending was lost by the broker (a long backlog
# waits longer than the task time limit, so this is not that limit).
STALE_AFTER = timedelta(minutes=30)
# A step running for longer than the task's hard time limit cannot still be running: its
# worker died (SIGKILL, out of memory, power) and, on the filesystem broker, the message
# went with it. The sweep (every 5 minutes) queues it again.
RUNNING_STALE_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
# The retry button and admin action also take a step "running" for this long: the user
# sees it stuck, and a second run of a step that is in fact still going stores only once.
RETRY_RUNNING_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500


def active_steps() -> tuple[str, ...]:
    """ALL_STEPS but those turned off for the whole service by their setting (a photo gets
    no row for them; one it has already is marked skipped when the photo runs)."""
    return tuple(
        step
        for step in ALL_STEPS
        if step == Step.DERIVATIVES
        or not REGISTRY[step].setting
        or getattr(settings, REGISTRY[step].setting, True)
    )


def ensure_steps(photo_ids) -> None:
    steps = active_steps()
    AnalysisStep.objects.bulk_create(
        [AnalysisStep(photo_id=pk, step=step) for pk in photo_ids for step in steps],
        ignore_conflicts=True,
    )


def send_analysis(photo_id: int) -> None:
    app = current_app
    if app.conf.task_always_eager and ANALYSE_TASK not in app.tasks:
        # Eager mode runs the task in this process: load the task modules as a worker does.
        app.loader.import_default_modules()
    task = app.tasks.get(ANALYSE_TASK)
    if task is None:
        # By name, so that a web process never imports the worker's modules.
        app.send_task(ANALYSE_TASK, args=(photo_id,))
    else:
        task.delay(photo_id)


def queue_analysis(photo_ids) -> None:
    """Hand photos to the worker. Call it from transaction.on_commit, after the rows exist.

    A broker that is down is not an error for the caller: the photos stay pending with no
    `queued_at`, and the sweep queues them again."""
    photo_ids = list(photo_ids)
    ensure_steps(photo_ids)
    for pk in photo_ids:
        Photo.objects.filter(pk=pk).update(queued_at=timezone.now())
        try:
            send_analysis(pk)
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            log.exception("Could not queue photo %s; the sweep will queue it again", pk)
            Photo.objects.filter(pk=pk).update(queued_at=None)


def _requeue(steps_qs, ids) -> int:
    steps_qs.update(status=AnalysisStatus.PENDING, message="", updated_at=timezone.now())
    Photo.objects.filter(pk__in=ids).update(analysis_status=AnalysisStatus.PENDING)
    transaction.on_commit(lambda: queue_analysis(ids))
    return len(ids)


def _stuck(older_than: timedelta):
    return Q(status=AnalysisStatus.RUNNING, updated_at__lt=timezone.now() - older_than)


def retryable_steps(photos):
    """The failed steps of `photos`, and those stuck running (RETRY_RUNNING_AFTER)."""
    return AnalysisStep.objects.filter(photo__in=photos).filter(
        Q(status=AnalysisStatus.FAILED) | _stuck(RETRY_RUNNING_AFTER)
    )


def can_retry(steps) -> bool:
    """Whether the retry button has something to do, for steps already fetched."""
    stuck_before = timezone.now() - RETRY_RUNNING_AFTER
    return any(
        s.status == AnalysisStatus.FAILED
        or (s.status == AnalysisStatus.RUNNING and s.updated_at < stuck_before)
        for s in steps
    )


def retry_failed(photos) -> int:
    """Set the failed and stuck steps of `photos` (a queryset) back to pending and queue
    them again. Returns how many photos were queued."""
    steps = retryable_steps(photos)
    ids = sorted(set(steps.values_list("photo_id", flat=True)))
    if not ids:
        return 0
    return _requeue(
        AnalysisStep.objects.filter(pk__in=list(steps.values_list("pk", flat=True))), ids
    )


def requeue_interrupted(*, everything_running: bool) -> int:
    """At worker start: queue again the photos a dead worker left running.

    With `everything_running` (the filesystem broker, which drops a message once fetched,
    so acks_late gives nothing back) every running step is taken: a second worker that is
    alive and busy with one of them only repeats it, and the store keeps one set of rows.
    Otherwise (Redis, RabbitMQ: the broker redelivers) only steps running for longer than
    the hard time limit. Returns how many photos were queued."""
    running = AnalysisStep.objects.filter(status=AnalysisStatus.RUNNING)
    if not everything_running:
        running = running.filter(_stuck(RUNNING_STALE_AFTER))
    ids = sorted(set(running.values_list("photo_id", flat=True)[:SWEEP_BATCH]))
    if not ids:
        return 0
    return _requeue(running.filter(photo_id__in=ids), ids)


def requeue_skipped(owner, steps) -> int:
    """Analyse again the `steps` that were skipped for `owner`'s photos (consent came back).

    The worker checks consent again when it runs, so a step whose scope is still missing
    is simply skipped once more."""
    skipped = AnalysisStep.objects.filter(
        photo__owner=owner, step__in=list(steps), status=AnalysisStatus.SKIPPED
    )
    ids = sorted(set(skipped.values_list("photo_id", flat=True)))
    if not ids:
        return 0
    return _requeue(skipped, ids)


def sweep() -> dict[str, int]:
    """Queue again what would otherwise wait forever (the beat job `sweep_pending`)."""
    # Same app, imported here on purpose: the sweep runs on the ml worker, and the web
    # processes that import this module to queue work must not load the models.
    from photos import ml

    now = timezone.now()
    counts = {"stalled": 0, "model_back": 0, "repack": 0}
    # Never handed over (broker down at upload) or handed over long ago and never finished.
    unfinished = [AnalysisStatus.PENDING, AnalysisStatus.RUNNING]
    never_queued = Q(
        analysis_status=AnalysisStatus.PENDING,
        queued_at__isnull=True,
        uploaded_at__lt=now - timedelta(minutes=1),
    )
    # Running longer than the hard time limit: its worker died. Pending again, so that the
    # next sweep does not queue it a second time while it waits for a worker.
    dead = AnalysisStep.objects.filter(_stuck(RUNNING_STALE_AFTER))
    dead_ids = list(dead.values_list("photo_id", flat=True).distinct()[:SWEEP_BATCH])
    dead.filter(photo_id__in=dead_ids).update(status=AnalysisStatus.PENDING, updated_at=now)
    stalled = Photo.objects.filter(
        never_queued | Q(analysis_status__in=unfinished, queued_at__lt=now - STALE_AFTER)
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    ids = [*stalled, *dead_ids]
    counts["stalled"] = len(ids)
    for spec in REGISTRY.values():
        if not spec.model:
            continue
        waiting = AnalysisStep.objects.filter(step=spec.name, status=AnalysisStatus.WAITING)
        if waiting.exists() and ml.model_available(spec.model):
            photo_ids = list(waiting.values_list("photo_id", flat=True)[:SWEEP_BATCH])
            waiting.filter(photo_id__in=photo_ids).update(status=AnalysisStatus.PENDING, message="")
            counts["model_back"] += len(photo_ids)
            ids += photo_ids
    # A changed face pack: faces made by another pack are made again (never compared).
    if ml.model_available("faces"):
        pack = ml.face_model().pack
        other = AnalysisStep.objects.filter(step=Step.FACES, status=AnalysisStatus.DONE).exclude(
            model_name__in=[pack, ""]
        )
        photo_ids = list(other.values_list("photo_id", flat=True)[:SWEEP_BATCH])
        if photo_ids:
            other.filter(photo_id__in=photo_ids).update(status=AnalysisStatus.PENDING)
            Photo.objects.filter(pk__in=photo_ids).update(analysis_status=AnalysisStatus.PENDING)
            counts["repack"] = len(photo_ids)
            ids += photo_ids
    if ids:
        queue_analysis(sorted(set(ids)))
    return counts
