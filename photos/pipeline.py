"""Queueing photos for analysis. (The analysis work extends this into the full pipeline.)"""

from django.utils import timezone

from photos.models import Photo


def queue_analysis(photo_ids: list[int]) -> None:
    """Hand photos to the worker. Call it from transaction.on_commit, after the rows exist."""
    from photos import tasks

    Photo.objects.filter(pk__in=photo_ids).update(queued_at=timezone.now())
    for pk in photo_ids:
        tasks.analyse_photo.delay(pk)
