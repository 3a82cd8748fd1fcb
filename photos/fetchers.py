"""The owner-scoped fetchers of photos' models, used by the pages and the API alike.

Each returns the user's own object or raises Http404, for anyone else's id and for an id
that is not one (project.lookups). `queryset` lets a caller add select_related or
annotations; the owner filter is applied on top of it whatever it is.
"""

from photos.models import Album, Face, Person, PersonMerge, Photo, Upload
from project.lookups import get_or_404


def get_photo_for_user(user, pk, queryset=None, *, trashed: bool = False) -> Photo:
    """A photo in the trash is a 404 except where `trashed` asks for one (its files, for
    the trash page; restore and delete forever)."""
    queryset = Photo.objects.all() if queryset is None else queryset
    if not trashed:
        queryset = queryset.live()
    return get_or_404(queryset.filter(owner=user), pk, "photo")


def get_person_for_user(user, pk, queryset=None) -> Person:
    queryset = Person.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "person")


def get_face_for_user(user, pk, queryset=None) -> Face:
    queryset = Face.objects.select_related("person") if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "face")


def get_merge_for_user(user, pk, queryset=None) -> PersonMerge:
    queryset = PersonMerge.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "merge")


def get_album_for_user(user, pk, queryset=None) -> Album:
    queryset = Album.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "album")


def get_upload_for_user(user, pk, queryset=None) -> Upload:
    queryset = Upload.objects.all() if queryset is None else queryset
    return get_or_404(queryset.filter(owner=user), pk, "upload")
