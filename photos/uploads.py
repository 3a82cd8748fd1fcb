"""Resumable uploads (tus 1.0.0; the HTTP side is photos/tus.py): create, write at an
offset, finish through the one ingest, terminate, expire.

Who may write: a PATCH first takes the upload's *claim* with one conditional UPDATE (the
offset it starts from must be the row's, nobody else may hold a live claim); PostgreSQL
runs it under the row's lock and SQLite one writer at a time, so of two concurrent PATCH
requests exactly one gets it, the other a 423. Every checkpoint (a whole S3 part, 8 MB of a
local file, or CHECKPOINT_SECONDS) advances the offset with an UPDATE that names the claim,
so a writer that lost it (its lease ran out) can never move the offset. A claim ends with
its request; one left by a killed process is free once its lease (LEASE) has run out, or at
once when its process, on this host, is gone.
"""

import base64
import binascii
import hashlib
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import UnreadablePostError
from django.utils import timezone

from photos import ingest
from photos.models import Source, Upload
from photos.upload_store import PART_SIZE, store_for

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "expiration", "checksum")
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
# A claim not renewed for this long is free: its writer died or hangs.
LEASE = timedelta(seconds=30)
# How often a writer renews its claim (and, on local storage, saves its offset).
CHECKPOINT_SECONDS = 5.0
READ_CHUNK = 256 * 1024
METADATA_MAX_BYTES = 4096


@dataclass
class UploadError(Exception):
    """A refusal with its HTTP status (tus: 409, 412, 413, 415, 423, 460...)."""

    message: str
    code: str
    status: int = 400
    headers: dict = field(default_factory=dict)

    def __str__(self):
        return self.message


def expiry(now=None):
    return (now or timezone.now()) + timedelta(hours=settings.UPLOAD_EXPIRY_HOURS)


# --- Parsing the tus headers ------------------------------------------------------------


def parse_length(value, header: str) -> int:
    if value is None or not value.isascii() or not value.isdigit():
        raise UploadError(f"{header} must be a non-negative integer.", "invalid_header")
    return int(value)


def parse_metadata(raw: str) -> dict[str, str]:
    """Upload-Metadata: `key base64value` pairs, comma-separated; a key may have no value."""
    if len(raw.encode()) > METADATA_MAX_BYTES:
        raise UploadError("Upload-Metadata is too long.", "invalid_metadata")
    result: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, _, value = pair.partition(" ")
        if not key.isascii() or not key.isprintable() or " " in key or key in result:
            raise UploadError("Upload-Metadata has a bad or repeated key.", "invalid_metadata")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise UploadError(
                f"Upload-Metadata {key!r} is not base64 of UTF-8 text.", "invalid_metadata"
            ) from None
        result[key] = decoded
    return result


def parse_checksum(value: str | None):
    """Upload-Checksum: `<algorithm> <base64 digest>` → (algorithm, digest bytes)."""
    if not value:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise UploadError(
            f"Checksum algorithm {algorithm[:20]!r} is not supported: use sha1 or sha256.",
            "unsupported_checksum",
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise UploadError("Upload-Checksum is not base64.", "invalid_checksum") from None
    if len(digest) != CHECKSUMS[algorithm]().digest_size:
        raise UploadError("Upload-Checksum has the wrong length.", "invalid_checksum")
    return algorithm, digest


def _as_upload_error(exc: ingest.IngestError) -> UploadError:
    return UploadError(exc.message, exc.code, exc.status)


def _client_time(source: str, value):
    """The client's capture time: refused when wrong from a phone, dropped from a browser
    (the file's date there is only a hint, as in the web upload)."""
    try:
        return ingest.parse_client_time(value)
    except ingest.IngestError as exc:
        if source == Source.SYNC:
            raise _as_upload_error(exc) from None
        return None


# --- Create -----------------------------------------------------------------------------


def create(owner, *, source: str, length: int, raw_metadata: str = "") -> Upload:
    """A new upload of `length` bytes. The sync rules are checked now (consent, and the
    window when the client says when the item was taken) and again at the end, by ingest."""
    if length == 0:
        raise UploadError("The file is empty.", "empty")
    if length > settings.UPLOAD_MAX_BYTES:
        limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
        raise UploadError(
            f"The file is larger than the limit of {limit_mb:g} MB.", "too_large", 413
        )
    metadata = parse_metadata(raw_metadata)
    name = metadata.get("filename", metadata.get("name", ""))
    try:
        name = ingest.clean_name(name)
        if source == Source.SYNC:
            ingest.require_sync_consent(owner)
    except ingest.IngestError as exc:
        raise _as_upload_error(exc) from None
    filetype = metadata.get("filetype", "").strip().lower()
    if filetype and not filetype.startswith(("image/", "video/")):
        raise UploadError(
            f"This file type is not supported. Accepted: {ingest.probe_lib.ACCEPTED}.",
            "unsupported_type",
            415,
        )
    taken_at = _client_time(source, metadata.get("taken_at"))
    if (
        source == Source.SYNC
        and taken_at is not None
        and taken_at < ingest.window_start()
        and not ingest.may_sync_older(owner)
    ):
        raise UploadError(
            f"This item was captured more than {settings.SYNC_WINDOW_DAYS} days ago; syncing "
            "older photos needs the 'older_photos' scope.",
            "outside_window",
            403,
        )
    metadata["filename"] = name
    store = store_for()
    upload = Upload.objects.create(
        owner=owner,
        source=source,
        length=length,
        raw_metadata=raw_metadata,
        metadata=metadata,
        backend=store.name,
        storage_name="",
        expires_at=expiry(),
    )
    try:
        store.start(upload)
    except BaseException:
        upload.delete()
        raise
    upload.save(update_fields=["storage_name", "s3_upload_id"])
    return upload


# --- Write ------------------------------------------------------------------------------


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


def _writer_is_gone(writer: str) -> bool:
    """A claim of a process of this host that no longer runs (killed, restarted)."""
    host, _, rest = writer.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A killed process nobody has reaped yet (a zombie: a web worker whose master died
    # with it) still answers the signal check, and will never write again.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _claim(upload: Upload, offset: int) -> str:
    me = _me()
    now = timezone.now()
    free = Q(writer="") | Q(writer_seen_at__lt=now - LEASE)
    if upload.writer and _writer_is_gone(upload.writer):
        free |= Q(writer=upload.writer)
    taken = (
        Upload.objects.filter(pk=upload.pk, offset=offset, completed_at__isnull=True)
        .filter(free)
        .update(writer=me, writer_seen_at=now)
    )
    if taken:
        return me
    current = Upload.objects.filter(pk=upload.pk).first()
    if current is None:
        raise UploadError("No such upload of yours.", "not_found", 404)
    if current.offset != offset:
        raise UploadError(
            f"Upload-Offset {offset} is not the upload's offset ({current.offset}).",
            "offset_mismatch",
            409,
            {"Upload-Offset": str(current.offset)},
        )
    raise UploadError("Another request is writing this upload; try again shortly.", "locked", 423)


def _commit(upload: Upload, me: str, **fields) -> None:
    now = timezone.now()
    moved = Upload.objects.filter(pk=upload.pk, writer=me).update(
        **fields, writer_seen_at=now, updated_at=now, expires_at=expiry(now)
    )
    if not moved:
        raise UploadError("This upload was taken over by another request.", "locked", 423)
    for name, value in fields.items():
        setattr(upload, name, value)


def _release(upload: Upload, me: str) -> None:
    Upload.objects.filter(pk=upload.pk, writer=me).update(writer="")


def write(upload: Upload, *, offset: int, read, content_length: int, checksum=None) -> Upload:
    """Write `content_length` bytes, read with `read(n)`, at `offset`; finish the upload
    once it has all its bytes. Returns the upload as it is now.

    Bytes arriving before a cut (the client went away) are kept, up to where they stopped,
    unless the request carried Upload-Checksum: then a cut PATCH keeps nothing, since its
    bytes cannot be verified. A checksum that does not match keeps nothing either (460).
    """
    if upload.finished:
        if offset == upload.length and content_length == 0:
            return upload  # asked again after the end: the same answer
        raise UploadError("This upload is finished.", "finished", 409)
    if offset + content_length > upload.length:
        raise UploadError(f"The body goes past Upload-Length ({upload.length}).", "too_large", 413)
    me = _claim(upload, offset)
    try:
        _stream(upload, me, read, content_length, checksum)
        if upload.offset == upload.length:
            _finish(upload, me)
    finally:
        _release(upload, me)
    upload.refresh_from_db()
    return upload


def _stream(upload: Upload, me: str, read, content_length: int, checksum) -> None:
    store = store_for(upload)
    upload.refresh_from_db()
    writer = store.writer(upload)
    digest = CHECKSUMS[checksum[0]]() if checksum else None
    remaining = content_length
    renewed = time.monotonic()
    try:
        while remaining > 0:
            # Never across a part boundary: a checkpoint lands exactly on one.
            room = PART_SIZE - (writer.offset % PART_SIZE)
            try:
                chunk = read(min(READ_CHUNK, remaining, room))
            except (UnreadablePostError, OSError):
                chunk = b""
            if not chunk:
                break  # the client went away
            writer.write(chunk)
            remaining -= len(chunk)
            if digest is not None:
                digest.update(chunk)
                if time.monotonic() - renewed > CHECKPOINT_SECONDS:
                    _commit(upload, me)  # renew the claim; the offset waits for the check
                    renewed = time.monotonic()
            elif writer.wants_checkpoint() or time.monotonic() - renewed > CHECKPOINT_SECONDS:
                if writer.wants_checkpoint() or store.name == "local":
                    _commit(upload, me, **writer.checkpoint())
                    writer.committed()
                else:
                    _commit(upload, me)
                renewed = time.monotonic()
        if digest is not None:
            if remaining:
                writer.discard()
                return  # cut off: nothing to verify, nothing kept
            if digest.digest() != checksum[1]:
                writer.discard()
                raise UploadError(
                    "The body does not match Upload-Checksum; nothing of it was kept.",
                    "checksum_mismatch",
                    460,
                )
            fields = writer.checkpoint()
            _commit(upload, me, **fields, last_checksum=f"{checksum[0]} verified")
            writer.committed()
        elif writer.offset != upload.offset:
            _commit(upload, me, **writer.checkpoint())
            writer.committed()
    except BaseException:
        writer.discard()
        raise
    finally:
        writer.close()


# --- Finish -----------------------------------------------------------------------------


def _finish(upload: Upload, me: str) -> None:
    """All bytes are here: the one ingest decides (type, size, pixels, dedupe, consent,
    sync window, EXIF, analysis). A refusal is kept on the row for a later HEAD."""
    store = store_for(upload)
    meta = upload.metadata
    name = meta.get("filename", "")
    now = timezone.now()
    try:
        with store.complete(upload, name) as partial:
            result = ingest.ingest(
                upload.owner,
                partial,
                source=upload.source,
                name=name,
                client_taken_at=_client_time(upload.source, meta.get("taken_at")),
                device_asset_id=str(meta.get("device_asset_id", ""))[:200],
            )
    except ingest.IngestError as exc:
        store.delete(upload)
        _commit(
            upload,
            me,
            completed_at=now,
            error_code=exc.code,
            error_message=exc.message[:500],
            error_status=exc.status,
            s3_upload_id="",
            parts=[],
            tail_name="",
        )
        raise _as_upload_error(exc) from None
    # Whatever the ingest did not take (all of it for a photo we had already).
    store.delete(upload)
    _commit(
        upload,
        me,
        completed_at=now,
        photo=result.photo,
        photo_created=result.created,
        s3_upload_id="",
        parts=[],
        tail_name="",
    )


# --- Terminate, expire, erase -----------------------------------------------------------


def terminate(upload: Upload) -> None:
    """DELETE: the upload and its bytes (the photo it became, if any, stays)."""
    now = timezone.now()
    live = upload.writer and upload.writer_seen_at and upload.writer_seen_at >= now - LEASE
    if live and not _writer_is_gone(upload.writer):
        raise UploadError("A request is writing this upload; try again shortly.", "locked", 423)
    if not upload.finished:
        store_for(upload).delete(upload)
    upload.delete()


def expire(now=None) -> dict:
    """The beat's sweep: uploads past their expiry, with their bytes. One being written
    right now waits for the next sweep."""
    now = now or timezone.now()
    removed = skipped = 0
    for upload in Upload.objects.expired(now).iterator(chunk_size=200):
        try:
            terminate(upload)
            removed += 1
        except UploadError:
            skipped += 1
        except Exception:
            log.exception("Could not remove the expired upload %s", upload.pk)
            skipped += 1
    return {"removed": removed, "skipped": skipped}


def erase_for_user(user) -> int:
    """Every upload of `user`; their bytes after commit (account deletion, "delete all my
    photos"). Returns how many were unfinished."""
    unfinished = list(Upload.objects.for_owner(user).unfinished())
    Upload.objects.for_owner(user).delete()

    def remove_bytes():
        for upload in unfinished:
            try:
                store_for(upload).delete(upload)
            except Exception:  # the local files go with the user's folder anyway
                log.exception("Could not remove the bytes of upload %s", upload.pk)

    transaction.on_commit(remove_bytes)
    return len(unfinished)
