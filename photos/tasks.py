"""Thin Celery tasks around photos.analysis and photos.people (queue `ml`).

Web code queues `analyse_photo` by name (photos.analysis.queue) and never imports this
module, which loads the runner and, through it, the models."""

import gc
import logging

from celery import shared_task
from celery.signals import worker_init, worker_ready
from django.conf import settings
from django.db import connection, connections

from photos import people, trash, uploads
from photos.analysis import queue, runner
from photos.models import Photo

log = logging.getLogger(__name__)


# No result row: the outcome is in the photo's step rows and the processing records; a
# stored result per photo would be a write per photo and a row per photo in the results
# table, holding photo ids after the photos are gone.
@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=runner.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def analyse_photo(photo_id: int) -> str | None:
    photo = Photo.objects.select_related("owner").filter(pk=photo_id).first()
    if photo is None:
        return None  # deleted since it was queued
    return runner.analyse(photo)


# The sweep and the clustering run beside the analysis: the ml worker has the models loaded.
@shared_task(queue="ml", acks_late=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def sweep_pending() -> dict:
    return queue.sweep()


@shared_task(queue="ml", acks_late=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def cluster_faces_all() -> dict:
    return people.cluster_all()


@worker_ready.connect(dispatch_uid="photos.requeue_interrupted")
def requeue_interrupted(sender=None, **kwargs):
    """A worker that starts picks up the photos a dead worker left running (see
    queue.requeue_interrupted): with the filesystem broker all of them, since the message
    died with the worker; with a real broker only those past the hard time limit."""
    try:
        count = queue.requeue_interrupted(
            everything_running=settings.CELERY_BROKER_URL.startswith("filesystem")
        )
        if count:
            log.warning("Queued again %d photo(s) left running by a stopped worker", count)
    except Exception:  # a database not reachable yet must not stop the worker
        log.exception("Could not look for photos left running by a stopped worker")
    finally:
        # Not shared with anything forked later. Inside a transaction (a test's) closing
        # would throw away its pending on_commit work, and nothing forks there.
        if not connection.in_atomic_block:
            connections.close_all()


@shared_task(acks_late=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def purge_trash() -> dict:
    return trash.purge_expired()


@shared_task(acks_late=True, time_limit=settings.CELERY_TASK_TIME_LIMIT)
def expire_uploads() -> dict:
    return uploads.expire()


@worker_init.connect
def import_clustering(**kwargs):
    """Face clustering's libraries (scikit-learn, SciPy), imported once in the worker's main
    process before the pool forks: imported lazily instead, each pool process paid for the
    import (seconds; 12 s on a loaded machine, bench/README.md) on its first drained queue.
    Web processes never import them.

    Then everything imported so far, which lives as long as the worker, is frozen out of the
    garbage collector's scans: a pool process's collections no longer walk the ~185,000
    objects of Django, SciPy and scikit-learn (1 ms a photo, bench/RESULTS-analysis.md), and
    do not touch the forked pages they sit on."""
    from photos.lib import faces

    faces.import_clustering()
    gc.collect()
    gc.freeze()
