"""Serving private files: only to their owner, or to whoever holds a fresh signed URL.

There is no public media URL. The owner-checked views and the signed-URL view all end in
`serve()`, which answers conditional GETs with 304, marks every response private, and
(by setting) hands the transfer to nginx (X-Accel-Redirect) or Apache (X-Sendfile).
"""

import hashlib
import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.http import parse_etags

from photos.models import MediaType, Photo

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


def etag_for(name: str) -> str:
    # Names are content-addressed (sha256 of the original plus the kind), so the name is
    # a sound validator; derivatives keep their name when regenerated from the same bytes.
    return '"' + hashlib.sha256(name.encode()).hexdigest()[:32] + '"'


def serve(request, photo: Photo, kind: str, *, max_age: int = 3600):
    name = file_name(photo, kind)
    if not name:
        raise Http404("No such file for this photo.")
    etag = etag_for(name)
    cache_control = f"private, max-age={max_age}"
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and (etag in parse_etags(if_none_match) or if_none_match.strip() == "*"):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        return response

    mode = settings.MEDIA_SENDFILE
    if mode in ("nginx", "sendfile"):
        response = HttpResponse(content_type=content_type(photo, kind, name))
        if mode == "nginx":
            prefix = settings.MEDIA_SENDFILE_PREFIX.rstrip("/")
            response["X-Accel-Redirect"] = quote(f"{prefix}/{name}")
        else:
            try:
                response["X-Sendfile"] = default_storage.path(name)
            except NotImplementedError:  # remote storage has no local path
                response = None
        if response is not None:
            _headers(response, etag, cache_control, photo, kind)
            return response

    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(handle, content_type=content_type(photo, kind, name))
    _headers(response, etag, cache_control, photo, kind)
    return response


def _headers(response, etag, cache_control, photo, kind):
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    if kind == "original":
        # Never rendered inline as a document, whatever the bytes claim to be.
        filename = f"{photo.sha256[:12]}.{photo.extension}"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Vary"] = "Cookie, Authorization"


# --- Signed URLs ------------------------------------------------------------------------


def signed_token(photo: Photo, kind: str) -> str:
    return signing.dumps({"p": photo.pk, "k": kind}, salt=SIGNING_SALT, compress=False)


def signed_url(photo: Photo, kind: str, request=None) -> str | None:
    """A short-lived URL (settings.SIGNED_URL_MAX_AGE seconds) for one of the photo's files."""
    if not file_name(photo, kind):
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
