"""User albums: the verbs the pages, the viewer and the API apply to them.

Every function takes an album the caller already fetched for its owner
(photos.fetchers.get_album_for_user) and photo ids from the request; ids of photos that are
not the owner's are ignored, never added. Deleting an album deletes the album only: its
photos stay in the library.
"""

from django.db import transaction
from django.utils import timezone

from photos.models import Album, AlbumPhoto, Photo

TITLE_MAX = 200
MAX_PHOTOS_PER_REQUEST = 1000


class AlbumError(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def clean_title(title) -> str:
    if not isinstance(title, str):
        raise AlbumError("An album title is text.", "invalid_title")
    title = " ".join(title.split())
    if not title:
        raise AlbumError("Give the album a title.", "invalid_title")
    if len(title) > TITLE_MAX:
        raise AlbumError(f"An album title has at most {TITLE_MAX} characters.", "invalid_title")
    return title


def _own_photo_ids(owner, photo_ids) -> list[int]:
    ids = list(photo_ids)[:MAX_PHOTOS_PER_REQUEST]
    own = Photo.objects.for_owner(owner).live().filter(pk__in=ids).order_by()
    return list(own.values_list("pk", flat=True))


def _touch(album):
    album.updated_at = timezone.now()
    album.save(update_fields=["updated_at"])


@transaction.atomic
def create_album(owner, title, photo_ids=()) -> Album:
    album = Album.objects.create(owner=owner, title=clean_title(title))
    if photo_ids:
        add_photos(album, photo_ids)
    return album


def rename_album(album, title) -> Album:
    album.title = clean_title(title)
    album.updated_at = timezone.now()
    album.save(update_fields=["title", "updated_at"])
    return album


@transaction.atomic
def add_photos(album, photo_ids) -> int:
    """Add the owner's photos among `photo_ids`; returns how many were not in it yet."""
    ids = set(_own_photo_ids(album.owner, photo_ids))
    present = set(
        AlbumPhoto.objects.filter(album=album, photo_id__in=ids).values_list("photo_id", flat=True)
    )
    new = sorted(ids - present)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo_id=pk) for pk in new])
    if new:
        _touch(album)
    return len(new)


@transaction.atomic
def remove_photos(album, photo_ids) -> int:
    """Take photos out of the album (they stay in the library); returns how many."""
    ids = list(photo_ids)[:MAX_PHOTOS_PER_REQUEST]
    removed, _ = AlbumPhoto.objects.filter(album=album, photo_id__in=ids).delete()
    if album.cover_id in ids:
        album.cover = None
        album.save(update_fields=["cover"])
    if removed:
        _touch(album)
    return removed


def set_cover(album, photo_id) -> Album:
    """Make one of the album's photos its cover (None: back to the newest photo)."""
    if (
        photo_id is not None
        and not AlbumPhoto.objects.filter(album=album, photo_id=photo_id).exists()
    ):
        raise AlbumError("The cover must be a photo of the album.", "not_in_album")
    album.cover_id = photo_id
    album.save(update_fields=["cover"])
    return album


def deletion_preview(album) -> dict[str, int]:
    """What delete_album removes, shown before asking: the album, and no photo."""
    return {"albums": 1, "photos_in_album": album.photos.live().count(), "photos_deleted": 0}


@transaction.atomic
def delete_album(album) -> dict[str, int]:
    counts = deletion_preview(album)
    album.delete()
    return counts


def cover_photo(album):
    """The chosen cover, else the newest photo of the album, else None."""
    if album.cover_id:
        return album.cover
    return album.photos.live().order_by("-taken_at", "-id").first()
