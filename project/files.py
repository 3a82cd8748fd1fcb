"""The one response that serves a private file (photos, derivatives, face crops, renders,
export ZIPs), after the caller has checked who may have it.

It answers conditional GETs with 304, answers a single byte range with 206 (a video seeks,
Safari plays nothing without it), marks every response private, never lets a browser
sniff the type, and (by setting) hands the transfer to nginx (X-Accel-Redirect) or Apache
(X-Sendfile) instead of streaming the bytes through Django. A file missing from storage
is a 404, not a 500.
"""

import hashlib
import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header, parse_etags


def etag_for(name: str) -> str:
    # Stored names are unique per content (photos: sha256 of the original plus the kind;
    # crops, renders and exports: a fresh name per file), so the name is a sound validator.
    return '"' + hashlib.sha256(name.encode()).hexdigest()[:32] + '"'


def private_file_response(
    request,
    name: str,
    content_type: str,
    *,
    filename: str | None = None,
    as_attachment: bool = False,
    max_age: int | None = 3600,
):
    """The file `name` of the default storage, to a caller already allowed to have it.

    `max_age=None` forbids storing the response at all (an export ZIP); `filename` names
    the file in Content-Disposition (inline unless `as_attachment`).
    """
    if not name:
        raise Http404("No such file.")
    etag = etag_for(name)
    cache_control = f"private, max-age={max_age}" if max_age is not None else "private, no-store"
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and (etag in parse_etags(if_none_match) or if_none_match.strip() == "*"):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        return response

    response = _handed_to_web_server(name, content_type)
    if response is None:
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404("The file is missing from storage.") from None
        response = _ranged(request, handle, name, etag, content_type)
        if response is None:
            response = FileResponse(handle, content_type=content_type)
        # The web server answers ranges itself when the transfer is handed to it.
        response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    response["Vary"] = "Cookie, Authorization"
    if filename or as_attachment:
        disposition = content_disposition_header(as_attachment, filename or "")
        if disposition:
            response["Content-Disposition"] = disposition
    elif "Content-Disposition" in response:
        del response["Content-Disposition"]
    return response


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def _ranged(request, handle, name: str, etag: str, content_type: str):
    """A 206 (or 416) for a request with one satisfiable byte range, else None (the whole
    file). Several ranges, a malformed header or an If-Range that no longer matches get
    the whole file, as RFC 9110 allows."""
    header = request.headers.get("Range", "")
    if request.method not in ("GET", "HEAD") or not header:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() != etag:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    size = default_storage.size(name)
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None  # invalid: ignore the header
    if start >= size or end < start:
        handle.close()
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        return response
    handle.seek(start)
    length = end - start + 1
    response = StreamingHttpResponse(_read(handle, length), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    return response


def _read(handle, length: int):
    try:
        while length > 0:
            chunk = handle.read(min(_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _handed_to_web_server(name: str, content_type: str) -> HttpResponse | None:
    mode = settings.MEDIA_SENDFILE
    if mode == "nginx":
        response = HttpResponse(content_type=content_type)
        prefix = settings.MEDIA_SENDFILE_PREFIX.rstrip("/")
        response["X-Accel-Redirect"] = quote(f"{prefix}/{name}")
        return response
    if mode == "sendfile":
        try:
            path = default_storage.path(name)
        except NotImplementedError:  # remote storage has no local path: Django streams it
            return None
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = path
        return response
    return None
