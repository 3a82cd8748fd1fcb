"""The trash: what "delete" does to a photo on the library pages, the viewer and the API.

A trashed photo keeps its rows and files for settings.TRASH_DAYS days and can be restored;
meanwhile it is gone from every list, search, person, album and suggestion (the apps above
hear `photos_trashed`). "Delete forever", "empty trash" and the nightly beat job end in
services.delete_photos, the one path that removes photos and everything derived from them.
The privacy page's deletions do not pass through here: they are immediate.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from photos import services
from photos.models import Face, Photo
from photos.signals import photos_trashed
from privacy import consent


def _people_of(photo_ids) -> set[int]:
    return set(
        Face.objects.filter(photo__in=photo_ids)
        .exclude(person=None)
        .values_list("person_id", flat=True)
    )


@transaction.atomic
def trash_photos(owner, photo_ids) -> int:
    """Move `owner`'s photos among `photo_ids` to the trash. Returns how many moved."""
    consent.lock_owner(owner.pk)  # a job storing what it made from them sees them trashed
    ids = list(
        Photo.objects.for_owner(owner)
        .live()
        .filter(pk__in=list(photo_ids))
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    Photo.objects.filter(pk__in=ids).update(trashed_at=timezone.now())
    services.recount_faces(_people_of(ids))
    photos_trashed.send(sender=Photo, user=owner, photo_ids=ids)
    return len(ids)


@transaction.atomic
def restore_photos(owner, photo_ids) -> int:
    ids = list(
        Photo.objects.for_owner(owner)
        .in_trash()
        .filter(pk__in=list(photo_ids))
        .values_list("pk", flat=True)
    )
    Photo.objects.filter(pk__in=ids).update(trashed_at=None)
    services.recount_faces(_people_of(ids))
    return len(ids)


def preview(photos) -> dict[str, int]:
    """What deleting these photos forever removes, shown before it is done."""
    agg = photos.aggregate(photos=Count("pk"), bytes=Sum("file_size"))
    return {
        "photos": agg["photos"],
        "bytes": agg["bytes"] or 0,
        "faces": Face.objects.filter(photo__in=photos.values("pk")).count(),
    }


def delete_forever(owner, photo_ids) -> int:
    """Delete photos that are in the trash now (not live ones: those go to the trash first)."""
    return services.delete_photos(
        owner, Photo.objects.for_owner(owner).in_trash().filter(pk__in=list(photo_ids))
    )


def empty_trash(owner) -> int:
    return services.delete_photos(owner, Photo.objects.for_owner(owner).in_trash())


def keep_days() -> int:
    return settings.TRASH_DAYS


def keep_for() -> timedelta:
    return timedelta(days=settings.TRASH_DAYS)


def expiry_cutoff(now=None):
    return (now or timezone.now()) - keep_for()


def purge_expired(now=None) -> dict[str, int]:
    """The beat job: photos in the trash for longer than TRASH_DAYS go, owner by owner."""
    expired = Photo.objects.filter(trashed_at__lt=expiry_cutoff(now))
    owners = expired.order_by().values_list("owner", flat=True).distinct()
    deleted = 0
    for owner in get_user_model().objects.filter(pk__in=list(owners)):
        deleted += services.delete_photos(owner, expired.filter(owner=owner))
    return {"deleted": deleted}
