"""Building the export ZIP: the originals and JSON of everything stored about one user."""

import base64
import json
import os
import shutil
import tempfile
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import get_valid_filename

from privacy.models import (
    AccessLog,
    ConsentEvent,
    ExportJob,
    ExportStatus,
    ProcessingRecord,
)

README = """Your Camroll export
===================

originals/            every photo and video exactly as you uploaded it
data/account.json     your account and the devices connected to it
data/photos.json      metadata of every photo, with its tags, themes and faces
data/people.json      the people grouped from your faces, with their names
data/faces.json       every face: its box, the person, and the face embedding
                      (float32, little-endian, base64)
data/suggestions.json suggestions and albums
data/consent.json     the consent ledger: every grant and revocation
data/processing_log.json  every analysis step that ran or was skipped
data/access_log.json  every time staff looked at or changed your data

The download link expires; request a new export on the Privacy page at any time.
"""

PHOTO_CHUNK = 100


def _dump(zf: zipfile.ZipFile, name: str, data) -> None:
    zf.writestr(name, json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))


def zip_name_for(photo) -> str:
    stem = os.path.splitext(photo.original_name or "")[0] or photo.sha256[:12]
    safe = get_valid_filename(stem)[:80] or "photo"
    return f"originals/{photo.pk}_{safe}.{(photo.extension or 'bin').lower()}"


def _set_progress(job: ExportJob, percent: int) -> None:
    percent = max(0, min(100, int(percent)))
    if percent != job.progress:
        job.progress = percent
        ExportJob.objects.filter(pk=job.pk).update(progress=percent)


def _photo_json(photo, zip_path: str | None) -> dict:
    return {
        "id": photo.pk,
        "file": zip_path,
        "original_name": photo.original_name,
        "sha256": photo.sha256,
        "media_type": photo.media_type,
        "content_type": photo.content_type,
        "source": photo.source,
        "file_size": photo.file_size,
        "width": photo.width,
        "height": photo.height,
        "duration": photo.duration,
        "taken_at": photo.taken_at,
        "taken_at_offset_minutes": photo.taken_at_offset,
        "taken_at_source": photo.taken_at_source,
        "latitude": photo.latitude,
        "longitude": photo.longitude,
        "altitude": photo.altitude,
        "camera_make": photo.camera_make,
        "camera_model": photo.camera_model,
        "device_asset_id": photo.device_asset_id,
        "uploaded_at": photo.uploaded_at,
        "analysis_status": photo.analysis_status,
        "sharpness": photo.sharpness,
        "exposure": photo.exposure,
        "quality_score": photo.quality_score,
        "phash": photo.phash,
        "duplicate_group": photo.duplicate_group,
        "tags": [
            {"label": t.label, "score": t.score, "model": t.model_name} for t in photo.tags.all()
        ],
        "themes": [{"theme": t.theme, "score": t.score} for t in photo.themes.all()],
        "faces": [_face_json(f, embedding=False) for f in photo.faces.all()],
    }


def _face_json(face, *, embedding: bool) -> dict:
    data = {
        "id": face.pk,
        "photo_id": face.photo_id,
        "box": face.box,
        "det_score": face.det_score,
        "person_id": face.person_id,
        "person_name": face.person.name if face.person is not None else None,
        "pack": face.pack,
        "assigned_by_user": face.assigned_by_user,
        "frame_time": face.frame_time,
    }
    if embedding:
        data["landmarks"] = face.landmarks
        data["embedding_dim"] = face.dim
        data["embedding_float32_base64"] = base64.b64encode(bytes(face.embedding)).decode()
    return data


def write_zip(job: ExportJob, target) -> None:
    """Write the whole export of job.user into the open binary file `target`."""
    from photos.models import Face, Person, Photo
    from suggestions.models import Album, Suggestion

    user = job.user
    photos = Photo.objects.for_owner(user).order_by("taken_at", "id")
    total = photos.count()
    face_qs = Face.objects.select_related("person").order_by("x1")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.writestr("README.txt", README)
        photo_rows = []
        # tags, themes and faces (with their person) per chunk, not per photo.
        chunked = photos.prefetch_related("tags", "themes", Prefetch("faces", queryset=face_qs))
        for done, photo in enumerate(chunked.iterator(chunk_size=PHOTO_CHUNK), start=1):
            path = zip_name_for(photo)
            if default_storage.exists(photo.original.name):
                # Already-compressed media: stored as is, not deflated again.
                with (
                    default_storage.open(photo.original.name, "rb") as src,
                    zf.open(zipfile.ZipInfo(path), "w", force_zip64=True) as dst,
                ):
                    shutil.copyfileobj(src, dst, 1024 * 1024)
            else:
                path = None
            photo_rows.append(_photo_json(photo, path))
            _set_progress(job, 5 + 85 * done / max(total, 1))
        _dump(zf, "data/photos.json", photo_rows)

        _dump(
            zf,
            "data/account.json",
            {
                "username": user.username,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "birthday": user.birthday,
                "date_joined": user.date_joined,
                "devices": [
                    {
                        "id": d.pk,
                        "name": d.name,
                        "created_at": d.created_at,
                        "last_used_at": d.last_used_at,
                        "revoked_at": d.revoked_at,
                    }
                    for d in user.devices.order_by("created_at")
                ],
            },
        )
        _dump(
            zf,
            "data/people.json",
            [
                {
                    "id": p.pk,
                    "name": p.name,
                    "birthday": p.birthday,
                    "hidden": p.hidden,
                    "pack": p.pack,
                    "face_count": p.face_count,
                    "created_at": p.created_at,
                }
                for p in Person.objects.for_owner(user).order_by("id")
            ],
        )
        _dump(
            zf,
            "data/faces.json",
            [
                _face_json(f, embedding=True)
                for f in Face.objects.filter(owner=user).select_related("person").order_by("id")
            ],
        )
        _set_progress(job, 93)
        _dump(
            zf,
            "data/suggestions.json",
            {
                "suggestions": [
                    {
                        "id": s.pk,
                        "kind": s.kind,
                        "title": s.title,
                        "period_start": s.period_start,
                        "period_end": s.period_end,
                        "state": s.state,
                        "explanation": s.explanation,
                        # In the suggestion's own order (SuggestionPhoto.position).
                        "photo_ids": [link.photo_id for link in s.suggestionphoto_set.all()],
                        "created_at": s.created_at,
                    }
                    for s in Suggestion.objects.for_owner(user)
                    .order_by("id")
                    .prefetch_related("suggestionphoto_set")
                ],
                "albums": [
                    {
                        "id": a.pk,
                        "title": a.title,
                        "suggestion_id": a.suggestion_id,
                        "photo_ids": [p.pk for p in a.photos.all()],
                        "created_at": a.created_at,
                    }
                    for a in Album.objects.filter(owner=user)
                    .order_by("id")
                    .prefetch_related("photos")
                ],
            },
        )
        _dump(
            zf,
            "data/consent.json",
            [
                {
                    "scope": e.scope,
                    "action": e.action,
                    "terms_version": e.terms_version,
                    "channel": e.channel,
                    "device": e.device_name,
                    "note": e.note,
                    "at": e.created_at,
                }
                for e in ConsentEvent.objects.for_user(user).order_by("created_at", "id")
            ],
        )
        _dump(
            zf,
            "data/processing_log.json",
            [
                {
                    "photo_id": r.photo_ref,
                    "photo_name": r.photo_name,
                    "step": r.step,
                    "model": r.model_name,
                    "model_version": r.model_version,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                    "outcome": r.outcome,
                    "summary": r.summary,
                    "details": r.details,
                    "scope_missing": r.scope_missing,
                }
                for r in ProcessingRecord.objects.for_user(user).order_by("started_at", "id")
            ],
        )
        _dump(
            zf,
            "data/access_log.json",
            [
                {"who": a.actor_name, "action": a.action, "what": a.what, "at": a.created_at}
                for a in AccessLog.objects.filter(subject=user).order_by("created_at", "id")
            ],
        )


def build(job: ExportJob) -> ExportJob:
    """Build the ZIP into a temporary file, then move it into media storage."""
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progress=1)
    job.status, job.progress = ExportStatus.RUNNING, 1
    try:
        with tempfile.TemporaryFile(suffix=".zip") as tmp:
            write_zip(job, tmp)
            size = tmp.tell()
            tmp.seek(0)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = default_storage.save(
                f"u{job.user_id}/exports/camroll-export-{job.pk}-{stamp}.zip", File(tmp)
            )
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    job.file.name = name
    job.size = size
    job.status = ExportStatus.READY
    job.progress = 100
    job.finished_at = now
    job.expires_at = now + timedelta(hours=settings.EXPORT_LINK_HOURS)
    job.save(update_fields=["file", "size", "status", "progress", "finished_at", "expires_at"])
    return job
