"""The WebDAV drop, /dav/: phone sync apps (PhotoSync, FolderSync, rclone) put photos
here with an app password, and see them listed so that the next sync skips them.

Class 1 of RFC 4918, the subset those clients use, written here rather than mounting a
WebDAV server (docs/sync.md, "WebDAV drop", says why). Every file PUT goes through
photos.ingest like `POST /api/v1/photos/` (sync consent and window, SHA-256 dedupe, size,
pixel and type checks, EXIF, analysis). The drop keeps names only (accounts.DropEntry):
DELETE and MOVE change the drop's names and never a photo of the library.

Signed in with HTTP Basic: the username and an app password from the devices page. The
session cookie is ignored (no CSRF surface), and the account password is never accepted.
"""

import base64
import binascii
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.urls import get_script_prefix
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts import ratelimit
from accounts.models import Device, DeviceKind, DropEntry, hash_token
from photos import ingest, media
from photos.fetchers import get_photo_for_user
from photos.lib import davxml
from photos.lib.davxml import DavError
from photos.models import Photo, Source
from privacy import consent
from privacy.models import Scope
from project.files import etag_for
from project.net import client_ip

ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE"
REALM = 'Basic realm="Camroll WebDAV drop", charset="UTF-8"'
CHUNK = 64 * 1024
MAX_XML_BYTES = 64 * 1024  # a PROPFIND or PROPPATCH body
XML = 'application/xml; charset="utf-8"'


def prefix() -> str:
    return get_script_prefix() + "dav/"


def _text(status: int, message: str, **headers) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


# --- Who is asking ---------------------------------------------------------------------


def _challenge(message="Sign in with your username and an app password from the devices page."):
    return _text(401, message, WWW_Authenticate=REALM)


def authenticate(request):
    """The user an app password signs in, or the 401/429 response to send instead. A
    failure counts in the sign-in lock-out, per username and address (accounts.ratelimit)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None, _challenge()
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, _challenge("The Authorization header is not valid Basic credentials.")
    username, sep, password = decoded.partition(":")
    if not sep or not username or not password:
        return None, _challenge()
    ip = client_ip(request)
    if ratelimit.is_locked(username, ip):
        return None, _text(
            429,
            "Too many failed attempts. Try again later.",
            Retry_After=str(settings.LOGIN_ATTEMPTS_WINDOW),
        )
    device = (
        Device.objects.active()
        .select_related("user")
        .filter(token_hash=hash_token(password), kind=DeviceKind.APP_PASSWORD)
        .first()
    )
    user = device.user if device is not None else None
    if (
        user is None
        or not user.is_active
        or ratelimit.identity(user.get_username()) != ratelimit.identity(username)
    ):
        ratelimit.record_failure(username, ip)
        return None, _challenge("Wrong username or app password (the account password is not one).")
    now = timezone.now()
    # One write a minute is plenty for the devices page's "last used".
    if device.last_used_at is None or (now - device.last_used_at).total_seconds() > 60:
        Device.objects.filter(pk=device.pk).update(last_used_at=now)
    return user, None


def _require_upload_consent(user) -> None:
    if not consent.allows(user, Scope.CLOUD_PROCESSING):
        raise DavError(
            403,
            "Nothing is stored without your consent to cloud processing: grant "
            "'cloud_processing' on the privacy page first.",
        )
    try:
        ingest.require_sync_consent(user)
    except ingest.IngestError as exc:
        raise DavError(exc.status, exc.message) from None


# --- The drop's names ------------------------------------------------------------------


def entries(user):
    """The user's drop names whose photo is still in the library (or its trash): a photo
    deleted for good is gone from the drop too, so a sync app may put it again."""
    photos = Photo.objects.filter(owner=user, sha256=OuterRef("sha256"))
    return (
        DropEntry.objects.for_owner(user)
        .annotate(
            original=Subquery(photos.values("original")[:1]),
            content_type=Subquery(photos.values("content_type")[:1]),
        )
        .filter(Q(is_folder=True) | Q(original__isnull=False))
    )


def _find(user, path: str):
    """The entry at `path` ("" is the drop itself, returned as None), or DavError 404."""
    if not path:
        return None
    entry = entries(user).filter(path=path).first()
    if entry is None:
        raise DavError(404, "Nothing by that name in your drop.")
    return entry


def _resource(entry) -> davxml.Resource:
    if entry is None:
        return davxml.Resource(path="", folder=True)
    return davxml.Resource(
        path=entry.path,
        folder=entry.is_folder,
        size=entry.size,
        modified=entry.modified_at,
        created=entry.created_at,
        # The ETag GET answers with (project.files.etag_for of the stored original).
        etag="" if entry.is_folder else etag_for(entry.original),
        content_type=entry.content_type or "",
    )


def _require_folder(user, path: str) -> None:
    """RFC 4918 9.7.1 and 9.3.1: a name is made only inside a folder that exists."""
    if path and not entries(user).filter(path=path, is_folder=True).exists():
        raise DavError(409, "The folder it would be in does not exist: make it first (MKCOL).")


def _subtree(user, path: str):
    return DropEntry.objects.for_owner(user).filter(Q(path=path) | Q(path__startswith=path + "/"))


def _client_mtime(request):
    """X-OC-Mtime (seconds since the epoch), which ownCloud-style clients send with a PUT."""
    raw = request.headers.get("X-OC-Mtime", "")
    try:
        seconds = float(raw)
        return datetime.fromtimestamp(seconds, tz=UTC) if raw else None
    except (ValueError, OverflowError, OSError):
        return None


# --- Methods ---------------------------------------------------------------------------


def options(request, user, path):
    response = HttpResponse(status=200)
    response["Content-Length"] = "0"
    return response


def propfind(request, user, path):
    depth = request.headers.get("Depth", "infinity").strip().lower()
    if depth not in ("0", "1", "infinity"):
        raise DavError(400, "Depth must be 0, 1 or infinity.")
    props = davxml.parse_propfind(_small_body(request))
    entry = _find(user, path)
    found = [_resource(entry)]
    # Depth infinity is answered as Depth 1 (RFC 4918 9.1 lets a server limit it; sabre/dav,
    # Nextcloud's server, does the same), so the apps written against Nextcloud work.
    if depth != "0" and (entry is None or entry.is_folder):
        children = entries(user).filter(parent=path).order_by("path")
        found.extend(_resource(child) for child in children)
    body = davxml.multistatus(prefix(), found, props)
    return HttpResponse(body, status=207, content_type=XML)


def proppatch(request, user, path):
    names = davxml.parse_proppatch(_small_body(request))
    entry = _find(user, path)
    folder = entry is None or entry.is_folder
    body = davxml.forbidden_props(prefix(), path, folder, names)
    return HttpResponse(body, status=207, content_type=XML)


def mkcol(request, user, path):
    if request.META.get("CONTENT_LENGTH") not in (None, "", "0"):
        raise DavError(415, "MKCOL takes no body.")
    if not path or entries(user).filter(path=path).exists():
        raise DavError(405, "Something by that name is there already.")
    _require_upload_consent(user)
    parent = davxml.parent_of(path)
    _require_folder(user, parent)
    try:
        with transaction.atomic():
            DropEntry.objects.create(user=user, path=path, parent=parent, is_folder=True)
    except IntegrityError:  # made a moment ago by a parallel request, or a stale name
        raise DavError(405, "Something by that name is there already.") from None
    return HttpResponse(status=201)


def put(request, user, path):
    if not path:
        raise DavError(405, "The drop itself is a folder: put files into it.")
    entry = entries(user).filter(path=path).first()
    if entry is not None and entry.is_folder:
        raise DavError(405, "That name is a folder.")
    _require_upload_consent(user)
    parent = davxml.parent_of(path)
    _require_folder(user, parent)
    raw_length = request.META.get("CONTENT_LENGTH") or ""
    if not raw_length.isdigit():
        raise DavError(411, "Send the file with a Content-Length.")
    length = int(raw_length)
    if length > settings.UPLOAD_MAX_BYTES:
        limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
        raise DavError(413, f"The file is larger than the limit of {limit_mb:g} MB.")
    name = davxml.basename(path)
    upload = _receive(request, name, length)
    try:
        result = ingest.ingest(user, upload, source=Source.SYNC, name=name)
    except ingest.IngestError as exc:
        raise DavError(exc.status, exc.message) from None
    finally:
        upload.close()
    photo = result.photo
    mtime = _client_mtime(request)
    fields = {
        "parent": parent,
        "is_folder": False,
        "sha256": photo.sha256,
        "size": length,
        "modified_at": mtime or timezone.now(),
    }
    created = _store_name(user, path, fields)
    response = HttpResponse(status=201 if created else 204)
    response["ETag"] = etag_for(photo.original.name)
    if mtime is not None:
        response["X-OC-Mtime"] = "accepted"
    return response


def _receive(request, name: str, length: int) -> TemporaryUploadedFile:
    """The body into a temporary file, a chunk at a time: memory stays bounded."""
    upload = TemporaryUploadedFile(name or "upload", "application/octet-stream", 0, None)
    received = 0
    try:
        while received < length:
            chunk = request.read(min(CHUNK, length - received))
            if not chunk:
                break
            upload.write(chunk)
            received += len(chunk)
    except BaseException:
        upload.close()
        raise
    if received != length:
        upload.close()
        raise DavError(400, "The body ended before its Content-Length.")
    upload.size = received
    upload.seek(0)
    return upload


def _store_name(user, path: str, fields: dict) -> bool:
    for _ in range(2):  # a parallel PUT of the same name may insert it between the two
        try:
            with transaction.atomic():
                _, created = DropEntry.objects.update_or_create(
                    user=user, path=path, defaults=fields
                )
            return created
        except IntegrityError:
            continue
    raise DavError(409, "Another upload of that name is under way; try again.")


def get(request, user, path):
    entry = _find(user, path)
    if entry is None or entry.is_folder:
        children = entries(user).filter(parent=path).order_by("path")
        names = [c.path.rpartition("/")[2] + ("/" if c.is_folder else "") for c in children]
        return HttpResponse("".join(f"{n}\n" for n in names), content_type="text/plain")
    pk = Photo.objects.for_owner(user).filter(sha256=entry.sha256).values_list("pk", flat=True)
    try:
        # The library's fetcher: the owner's photo only, in the trash too (it is theirs).
        photo = get_photo_for_user(user, pk.first(), trashed=True)
        response = media.serve(request, photo, "original")
    except Http404:
        raise DavError(404, "Nothing by that name in your drop.") from None
    if request.method == "HEAD":
        head = HttpResponse(status=response.status_code)
        for header, value in response.items():
            head[header] = value
        # The file only: response.close() would also send request_finished mid-request.
        stream = getattr(response, "file_to_stream", None)
        if stream is not None:
            stream.close()
        return head
    return response


def delete(request, user, path):
    """Removes the name (a folder: with every name in it) from the drop. The photos stay
    in the library: delete them there."""
    if not path:
        raise DavError(403, "The drop itself cannot be deleted.")
    _find(user, path)
    _subtree(user, path).delete()
    return HttpResponse(status=204)


def move(request, user, path):
    return _transfer(request, user, path, keep_source=False)


def copy(request, user, path):
    return _transfer(request, user, path, keep_source=True)


def _destination(request) -> str:
    raw = request.headers.get("Destination", "")
    if not raw:
        raise DavError(400, "A Destination header is required.")
    parts = urlsplit(raw)
    if parts.netloc and parts.netloc != request.get_host():
        raise DavError(502, "The destination is on another server.")
    target = unquote(parts.path)
    base = prefix()
    if not (target + "/").startswith(base):
        raise DavError(502, "The destination is outside the drop.")
    return davxml.clean_path(target[len(base) :])


def _transfer(request, user, path, *, keep_source: bool):
    if not path:
        raise DavError(403, "The drop itself cannot be moved or copied.")
    source = _find(user, path)
    target = _destination(request)
    if not target or target == path or target.startswith(path + "/"):
        raise DavError(403, "A name cannot be moved or copied onto or into itself.")
    _require_upload_consent(user)
    target_parent = davxml.parent_of(target)
    _require_folder(user, target_parent)
    existing = entries(user).filter(path=target).exists()
    if existing and request.headers.get("Overwrite", "T").strip().upper() == "F":
        raise DavError(412, "Something by that name is there and Overwrite is F.")
    with transaction.atomic():
        _subtree(user, target).delete()
        moved = list(_subtree(user, path).order_by("path"))
        if source.is_folder and keep_source and request.headers.get("Depth", "") == "0":
            moved = [m for m in moved if m.path == path]
        for item in moved:
            new_path = target + item.path[len(path) :]
            fields = {
                "path": new_path,
                "parent": davxml.parent_of(new_path),
                "is_folder": item.is_folder,
                "sha256": item.sha256,
                "size": item.size,
                "modified_at": item.modified_at,
            }
            if keep_source:
                DropEntry.objects.create(user=user, **fields)
            else:
                DropEntry.objects.filter(pk=item.pk).update(**fields)
        if not keep_source and not source.is_folder:
            # A sync app that puts "IMG_1.jpg.part" and renames it: the library shows the
            # final name, if the photo still had the temporary one.
            Photo.objects.for_owner(user).filter(
                sha256=source.sha256, original_name=davxml.basename(path)
            ).update(original_name=davxml.basename(target)[:255])
    return HttpResponse(status=204 if existing else 201)


def _small_body(request) -> bytes:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    if not raw.isdigit():
        raise DavError(400, "Bad Content-Length.")
    if int(raw) > MAX_XML_BYTES:
        raise DavError(413, "The request body is too large.")
    return request.read(int(raw)) if int(raw) else b""


METHODS = {
    "OPTIONS": options,
    "PROPFIND": propfind,
    "PROPPATCH": proppatch,
    "MKCOL": mkcol,
    "PUT": put,
    "GET": get,
    "HEAD": get,
    "DELETE": delete,
    "MOVE": move,
    "COPY": copy,
}


@csrf_exempt
def drop(request, path=""):
    handler = METHODS.get(request.method)
    if handler is None:
        # LOCK and UNLOCK among them: a class 1 server has no locks (RFC 4918 18.1).
        response = _text(405, f"{request.method} is not supported here.")
    elif request.method == "OPTIONS":
        response = options(request, None, path)
    else:
        user, refused = authenticate(request)
        if refused is not None:
            response = refused
        else:
            try:
                response = handler(request, user, davxml.clean_path(path))
            except DavError as exc:
                response = _text(exc.status, exc.message)
    response["DAV"] = "1"
    response["Allow"] = ALLOW
    response["MS-Author-Via"] = "DAV"
    return response
