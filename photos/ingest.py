"""Getting a file into the library: the one path used by the browser upload and the sync API.

`ingest()` refuses bad input before anything is stored, deduplicates by SHA-256 per owner,
reads the capture metadata, writes the file through the storage API and the row in one
transaction (the file is removed again if the row cannot be written), and queues analysis
after commit. Consent for *analysis* is checked by the worker when it runs; only the
sync-specific rules (camera-roll scope, 30-day window) are enforced here.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

# The queue only (the task is sent by name): an upload never loads the runner or the models.
from photos import trash as photos_trash
from photos.analysis import queue as analysis_queue
from photos.lib import probe as probe_lib
from photos.models import Photo, Source, TakenAtSource
from privacy import consent
from privacy.models import Scope

log = logging.getLogger(__name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class IngestError(Exception):
    """A refusal the uploader can act on: a message, a stable code and an HTTP status."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass
class IngestResult:
    photo: Photo
    created: bool


# --- Small parsers shared by the views and the API --------------------------------------


def clean_name(name: str | None) -> str:
    """The uploader's file name, for display only. Path separators are refused outright."""
    name = name or ""
    if any(sep in name for sep in ("/", "\\", "\x00")):
        raise IngestError("File names may not contain path separators.", "bad_filename")
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255]


def parse_time(value) -> datetime | None:
    """An ISO 8601 date or date and time; without a zone it is taken as UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = parse_datetime(text)
            if parsed is None and (day := parse_date(text)) is not None:
                parsed = datetime(day.year, day.month, day.day)
        except ValueError:
            parsed = None
        if parsed is None:
            raise IngestError(
                f"taken_at {text[:40]!r} is not an ISO 8601 date and time.", "invalid_taken_at"
            )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # year 1 at +14:00 cannot be stored: refuse it here
    except OverflowError:
        raise IngestError("taken_at is out of range.", "invalid_taken_at") from None
    return parsed


def parse_client_time(value) -> datetime | None:
    """A capture time from the client: ISO 8601, not before photography, not in the future."""
    parsed = parse_time(value)
    if parsed is None:
        return None
    if parsed.year < 1826 or parsed > timezone.now() + timedelta(days=1):
        raise IngestError("taken_at is not a plausible capture time.", "invalid_taken_at")
    offset = parsed.utcoffset()
    # Real time zones lie within UTC-12 and UTC+14; PostgreSQL refuses offsets past ±16 h.
    if offset is not None and abs(offset) > timedelta(hours=14):
        raise IngestError("taken_at has an impossible time zone offset.", "invalid_taken_at")
    return parsed


def _offset_minutes(value: datetime) -> int | None:
    delta = value.utcoffset()
    return None if delta is None else int(delta.total_seconds() // 60)


# --- Sync rules -------------------------------------------------------------------------


def require_sync_consent(user) -> None:
    if not consent.allows(user, Scope.CAMERA_ROLL_SYNC):
        raise IngestError(
            "Camera-roll sync needs your consent: grant the 'camera_roll_sync' scope first.",
            "consent_required",
            403,
        )


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.SYNC_WINDOW_DAYS)


def may_sync_older(user) -> bool:
    return consent.allows(user, Scope.OLDER_PHOTOS)


def sync_check(user, items: list[dict]) -> dict[str, list[str]]:
    """What the app still has to upload, and what the sync window refuses.

    `items` are already validated: {"sha256": lowercase hex, "taken_at": aware datetime or
    None}. One query per chunk of hashes, so 10,000 items cost a handful of queries.
    """
    require_sync_consent(user)
    hashes = list(dict.fromkeys(item["sha256"] for item in items))
    have: set[str] = set()
    # As many hashes per query as the database takes (SQLite: its variable limit), one
    # parameter left for the owner id.
    limit = connection.features.max_query_params or 5000
    chunk = max(1, min(limit - 1, 5000))
    for start in range(0, len(hashes), chunk):
        have.update(
            Photo.objects.filter(owner=user, sha256__in=hashes[start : start + chunk]).values_list(
                "sha256", flat=True
            )
        )
    older_ok = may_sync_older(user)
    oldest = window_start()
    missing, outside, seen = [], [], set()
    for item in items:
        sha = item["sha256"]
        if sha in have or sha in seen:
            continue
        seen.add(sha)
        taken_at = item.get("taken_at")
        if not older_ok and taken_at is not None and taken_at < oldest:
            outside.append(sha)
        else:
            missing.append(sha)
    return {"missing": missing, "outside_window": outside}


def parse_sync_items(raw) -> list[dict]:
    """Validate the sync-check body by hand: a DRF serializer per item is too slow for 10k."""
    if not isinstance(raw, list):
        raise IngestError("items must be a list.", "invalid")
    if len(raw) > settings.SYNC_CHECK_MAX_ITEMS:
        raise IngestError(
            f"At most {settings.SYNC_CHECK_MAX_ITEMS} items per request.", "too_many_items"
        )
    items = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise IngestError(f"items[{index}] must be an object.", "invalid")
        sha = entry.get("sha256")
        if not isinstance(sha, str) or not SHA256_RE.match(sha.lower()):
            raise IngestError(f"items[{index}].sha256 must be 64 hex digits.", "invalid")
        taken_at = entry.get("taken_at")
        if taken_at is not None and not isinstance(taken_at, str):
            raise IngestError(f"items[{index}].taken_at must be a string.", "invalid")
        try:
            parsed = parse_client_time(taken_at)
        except IngestError as exc:
            raise IngestError(f"items[{index}]: {exc.message}", exc.code) from None
        device_asset_id = entry.get("device_asset_id")
        if device_asset_id is not None and not isinstance(device_asset_id, str):
            raise IngestError(f"items[{index}].device_asset_id must be a string.", "invalid")
        items.append({"sha256": sha.lower(), "taken_at": parsed})
    return items


# --- Ingest -----------------------------------------------------------------------------


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(upload.read, b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return size


def check_size(size: int) -> None:
    if size == 0:
        raise IngestError("The file is empty.", "empty")
    if size > settings.UPLOAD_MAX_BYTES:
        limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
        raise IngestError(
            f"The file is larger than the limit of {limit_mb:g} MB.", "too_large", 413
        )


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # the row is gone already; a leftover file is logged, not fatal
            log.exception("Could not remove %s after a failed upload", name)


def ingest(
    owner,
    upload,
    *,
    source: str = Source.WEB,
    name: str | None = None,
    client_taken_at=None,
    device_asset_id: str = "",
) -> IngestResult:
    """Store one uploaded file for `owner`, or return the photo that has the same bytes.

    Raises IngestError (with an HTTP status) for anything refused; nothing is stored then.
    """
    if source == Source.SYNC:
        require_sync_consent(owner)
    display_name = clean_name(name if name is not None else getattr(upload, "name", ""))
    client_time = parse_client_time(client_taken_at)
    device_asset_id = (device_asset_id or "")[:200]
    check_size(_size(upload))

    sha = _sha256(upload)
    existing = _find_existing(owner, sha)
    if existing is not None:
        return _existing(existing, device_asset_id)

    path = None
    if hasattr(upload, "temporary_file_path"):
        path = upload.temporary_file_path()
    try:
        probed = probe_lib.probe(upload, max_pixels=settings.UPLOAD_MAX_PIXELS, path=path)
    except probe_lib.ProbeError as exc:
        raise IngestError(exc.message, exc.code, exc.status) from None
    upload.seek(0)

    meta = probed.metadata
    now = timezone.now()
    if meta.taken_at is not None:
        taken_at = meta.taken_at
        if taken_at.tzinfo is None:
            # EXIF without an offset is a wall-clock time of unknown zone: keep it as such,
            # interpreted in the server's zone, and say the offset is unknown.
            taken_at = timezone.make_aware(taken_at)
        taken_at_source, offset = TakenAtSource.EXIF, meta.offset_minutes
    elif client_time is not None:
        taken_at, taken_at_source = client_time, TakenAtSource.CLIENT
        offset = _offset_minutes(client_time) if _has_zone(client_taken_at) else None
    else:
        taken_at, taken_at_source, offset = now, TakenAtSource.UPLOAD, None

    if source == Source.SYNC and taken_at < window_start(now) and not may_sync_older(owner):
        raise IngestError(
            f"This item was captured more than {settings.SYNC_WINDOW_DAYS} days ago; syncing "
            "older photos needs the 'older_photos' scope.",
            "outside_window",
            403,
        )

    kind = probed.kind
    photo = Photo(
        owner=owner,
        sha256=sha,
        original_name=display_name,
        extension=kind.extension,
        content_type=kind.content_type,
        media_type=kind.media_type,
        source=source,
        file_size=_size(upload),
        width=probed.width,
        height=probed.height,
        orientation=meta.orientation,
        duration=probed.duration,
        taken_at=taken_at,
        taken_at_offset=offset,
        taken_at_source=taken_at_source,
        latitude=meta.latitude,
        longitude=meta.longitude,
        altitude=meta.altitude,
        camera_make=meta.make,
        camera_model=meta.model,
        device_asset_id=device_asset_id,
        uploaded_at=now,
    )
    return _store(photo, upload, probed.poster_jpeg)


def _find_existing(owner, sha: str) -> Photo | None:
    return Photo.objects.filter(owner=owner, sha256=sha).first()


def _has_zone(value) -> bool:
    if isinstance(value, datetime):
        return value.tzinfo is not None
    text = str(value).strip()
    return text.endswith("Z") or bool(re.search(r"[+\-]\d{2}:?\d{2}$", text))


def _existing(photo: Photo, device_asset_id: str) -> IngestResult:
    # The same bytes again: the photo we have is the answer. A device id learnt late is kept.
    if device_asset_id and not photo.device_asset_id:
        photo.device_asset_id = device_asset_id
        Photo.objects.filter(pk=photo.pk).update(device_asset_id=device_asset_id)
    if photo.trashed_at is not None:
        # Uploaded again while in the trash: the owner wants it back, not a hidden copy.
        photos_trash.restore_photos(photo.owner, [photo.pk])
        photo.trashed_at = None
    return IngestResult(photo, created=False)


def _store(photo: Photo, upload, poster_jpeg: bytes | None) -> IngestResult:
    written: list[str] = []
    try:
        with transaction.atomic():
            photo.original.save(f"{photo.sha256}.{photo.extension}", upload, save=False)
            written.append(photo.original.name)
            if poster_jpeg:
                photo.poster.save(
                    f"{photo.sha256}_poster.jpg", ContentFile(poster_jpeg), save=False
                )
                written.append(photo.poster.name)
            photo.save(force_insert=True)
    except IntegrityError:
        _delete_files(written)
        # Two uploads of the same bytes raced; the other one won, its photo is the answer.
        winner = Photo.objects.filter(owner=photo.owner, sha256=photo.sha256).first()
        if winner is None:
            raise
        return IngestResult(winner, created=False)
    except BaseException:
        _delete_files(written)
        raise
    pk = photo.pk
    transaction.on_commit(lambda: analysis_queue.queue_analysis([pk]))
    return IngestResult(photo, created=True)
