"""Serving private files: only to their owner, or to whoever holds a fresh signed URL.

There is no public media URL. The owner-checked views and the signed-URL view all end in
`serve()`, which names the photo's file and hands it to project.files.private_file_response
(ETag and 304, private caching, X-Accel-Redirect or X-Sendfile by setting).
"""

import mimetypes

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse

from photos.models import MediaType, Photo
from project.files import private_file_response

KINDS = ("original", "preview", "thumbnail", "poster")
SIGNING_SALT = "photos.media"
_DERIVED_TYPES = {"preview": "image/webp", "thumbnail": "image/webp", "poster": "image/jpeg"}


def file_name(photo: Photo, kind: str) -> str:
    """The storage name of one of the photo's files, or "" if it does not exist (yet)."""
    if kind not in KINDS:
        return ""
    if kind == "thumbnail" and not photo.thumbnail and photo.media_type == MediaType.VIDEO:
        return ""
    return getattr(photo, kind).name or ""


def content_type(photo: Photo, kind: str, name: str) -> str:
    if kind == "original":
        return photo.content_type or "application/octet-stream"
    return _DERIVED_TYPES.get(kind) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def serve(request, photo: Photo, kind: str, *, max_age: int = 3600):
    name = file_name(photo, kind)
    if not name:
        raise Http404("No such file for this photo.")
    # Never rendered inline as a document, whatever the bytes claim to be.
    filename = f"{photo.sha256[:12]}.{photo.extension}" if kind == "original" else None
    # ?download=1: the viewer's Download button saves the original instead of showing it.
    download = kind == "original" and request.GET.get("download") == "1"
    return private_file_response(
        request,
        name,
        content_type(photo, kind, name),
        filename=filename,
        as_attachment=download,
        max_age=max_age,
    )


# --- Signed URLs ------------------------------------------------------------------------


def signed_token(photo: Photo, kind: str) -> str:
    return signing.dumps({"p": photo.pk, "k": kind}, salt=SIGNING_SALT, compress=False)


def signed_url(photo: Photo, kind: str, request=None) -> str | None:
    """A short-lived URL (settings.SIGNED_URL_MAX_AGE seconds) for one of the photo's files.
    None for a photo in the trash: a signed URL serves live photos only (signed_media)."""
    if not file_name(photo, kind) or photo.trashed_at is not None:
        return None
    path = reverse("photos:signed-media", args=[signed_token(photo, kind)])
    return request.build_absolute_uri(path) if request is not None else path


def resolve_token(token: str) -> tuple[int, str]:
    """(photo id, kind) of a valid token; raises signing.BadSignature (expired or forged)."""
    data = signing.loads(token, salt=SIGNING_SALT, max_age=settings.SIGNED_URL_MAX_AGE)
    valid = isinstance(data, dict) and data.get("k") in KINDS and isinstance(data.get("p"), int)
    if not valid:
        raise signing.BadSignature("Malformed media token.")
    return data["p"], data["k"]
