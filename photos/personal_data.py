"""Photos' personal data for privacy's export, delete pages, retention purge and erasure:
the originals and their derivatives, tags, themes, faces (with embeddings and crops) and
people. Registered in PhotosConfig.ready()."""

import base64
import os
import shutil
import zipfile

from django.core.files.storage import default_storage
from django.db.models import Count, Prefetch, Sum
from django.utils import timezone
from django.utils.text import get_valid_filename

from photos import services, uploads
from photos.analysis.steps import REGISTRY as ANALYSIS_STEPS
from photos.models import (
    Album,
    AnalysisStatus,
    AnalysisStep,
    Face,
    Person,
    PersonMerge,
    Photo,
    PhotoText,
    PhotoTheme,
    Step,
    Tag,
    Upload,
)
from privacy.export import dump_json, dump_json_array
from privacy.models import Scope
from privacy.registry import PersonalData

PHOTO_CHUNK = 100


def zip_name_for(photo) -> str:
    stem = os.path.splitext(photo.original_name or "")[0] or photo.sha256[:12]
    safe = get_valid_filename(stem)[:80] or "photo"
    return f"originals/{photo.pk}_{safe}.{(photo.extension or 'bin').lower()}"


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
        # The text read in the photo, line by line: four [x, y] corners as fractions of
        # the photo's width and height, and the recogniser's confidence.
        "text": [
            {"text": t.text, "box": t.box, "score": t.score, "model": t.model_name}
            for t in photo.text_lines.all()
        ],
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
        # Whether it is clear enough to group, and the measures that decided it.
        "clear": face.clear,
        "sharpness": face.sharpness,
        "embedding_norm": face.embedding_norm,
        "not_a_face": face.not_a_face,
        # A forgotten person's face kept on its photo: no embedding, no crop.
        "unrecognised": face.unrecognised,
    }
    if embedding:
        data["landmarks"] = face.landmarks
        data["embedding_dim"] = face.dim
        raw = bytes(face.embedding)
        data["embedding_float32_base64"] = base64.b64encode(raw).decode() if raw else None
    return data


class PhotosData(PersonalData):
    name = "photos"
    label = "Photos, faces and people"
    readme = """\
originals/            every photo and video exactly as you uploaded it
data/photos.json      metadata of every photo, with its tags, themes, faces and the
                      text read in it (each line with its box and confidence)
data/people.json      the people grouped from your faces, with their names
data/faces.json       every face: its box, the person, and the face embedding
                      (float32, little-endian, base64)
data/person_merges.json  the people you merged: the merged-away person's name and
                      birthday, the faces that moved, and when it was undone
data/user_albums.json the albums you made, with the ids of their photos"""
    count_labels = {
        "person_merges": "merge history entries",
        "unfinished_uploads": "unfinished uploads (their partial bytes)",
        "text_lines": "lines of text read in photos",
    }
    # Every analysis step's findings go with erase_derived (the thumbnails stay).
    finding_steps = tuple(ANALYSIS_STEPS)

    def _derived(self, user) -> dict[str, int]:
        return {
            **services.face_data_counts(user),
            "tags": Tag.objects.filter(photo__owner=user).count(),
            "themes": PhotoTheme.objects.filter(owner=user).count(),
            "text_lines": PhotoText.objects.for_owner(user).count(),
        }

    def counts(self, user, *, derived=False):
        if derived:
            return {**self._derived(user), "photos_kept": Photo.objects.for_owner(user).count()}
        agg = Photo.objects.filter(owner=user).aggregate(n=Count("id"), size=Sum("file_size"))
        return {
            "photos": agg["n"] or 0,
            "bytes": agg["size"] or 0,
            **self._derived(user),
            # Added to suggestions' saved albums under the same key (privacy.registry).
            "albums": Album.objects.filter(owner=user).count(),
            # Resumable uploads cut off on the way (photos.uploads), until they expire.
            "unfinished_uploads": Upload.objects.for_owner(user).unfinished().count(),
        }

    def revocation_counts(self, user, scopes):
        scopes = set(scopes)
        counts = {}
        if Scope.FACE_ANALYSIS in scopes:
            faces = Face.objects.filter(owner=user).count()
            counts = {
                "faces": faces,
                "embeddings": faces,
                "people": Person.objects.filter(owner=user).count(),
                "tags_kept": Tag.objects.filter(photo__owner=user).count(),
            }
        if Scope.CLOUD_PROCESSING in scopes:
            # Text read in photos goes at once (photos.receivers.forget_text): it can be
            # documents, cards and screens.
            counts["text_lines"] = PhotoText.objects.for_owner(user).count()
        if scopes & {Scope.FACE_ANALYSIS, Scope.CLOUD_PROCESSING}:
            # Revoking cloud processing deletes nothing yet: the retention choice follows.
            counts["photos_kept"] = Photo.objects.for_owner(user).count()
        return counts

    def export(self, user, zf, progress=None):
        """Originals first, then the JSON, each streamed: memory stays flat whatever the
        size of the library (bench/export_memory.py). Photos in the trash are left out,
        with their faces: the user deleted them (restored, they are in the next export)."""
        photos = Photo.objects.for_owner(user).live().order_by("taken_at", "id")
        total = photos.count()
        missing = set()  # the few photos whose file is gone: "file": null in photos.json
        files = photos.only("pk", "original", "original_name", "sha256", "extension")
        for done, photo in enumerate(files.iterator(chunk_size=PHOTO_CHUNK), start=1):
            if default_storage.exists(photo.original.name):
                # Already-compressed media: stored as is, not deflated again.
                with (
                    default_storage.open(photo.original.name, "rb") as src,
                    zf.open(zipfile.ZipInfo(zip_name_for(photo)), "w", force_zip64=True) as dst,
                ):
                    shutil.copyfileobj(src, dst, 1024 * 1024)
            else:
                missing.add(photo.pk)
            if progress is not None:
                progress(done / max(total, 1))
        face_qs = Face.objects.select_related("person").order_by("x1")
        # tags, themes and faces (with their person) per chunk, not per photo.
        chunked = photos.prefetch_related(
            "tags", "themes", "text_lines", Prefetch("faces", queryset=face_qs)
        )
        dump_json_array(
            zf,
            "data/photos.json",
            (
                _photo_json(photo, None if photo.pk in missing else zip_name_for(photo))
                for photo in chunked.iterator(chunk_size=PHOTO_CHUNK)
            ),
        )
        dump_json(
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
                    "confirmed": p.confirmed,
                    "created_at": p.created_at,
                }
                for p in Person.objects.for_owner(user).order_by("id")
            ],
        )
        dump_json_array(
            zf,
            "data/person_merges.json",
            [
                {
                    "id": m.pk,
                    "into_person_id": m.into_id,
                    "merged_name": m.source_name,
                    "merged_birthday": m.source_birthday,
                    "merged_hidden": m.source_hidden,
                    "into_name_before": m.into_name,
                    "into_birthday_before": m.into_birthday,
                    "face_ids": m.face_ids,
                    "rejected_face_ids": m.rejected_face_ids,
                    "created_at": m.created_at,
                    "undone_at": m.undone_at,
                }
                for m in PersonMerge.objects.filter(owner=user).order_by("id")
            ],
        )
        dump_json_array(
            zf,
            "data/faces.json",
            (
                _face_json(f, embedding=True)
                for f in Face.objects.filter(owner=user, photo__trashed_at=None)
                .select_related("person")
                .order_by("id")
                .iterator(chunk_size=2000)
            ),
        )
        dump_json(
            zf,
            "data/user_albums.json",
            [
                {
                    "id": a.pk,
                    "title": a.title,
                    "cover_photo_id": a.cover_id,
                    "photo_ids": sorted(p.pk for p in a.photos.all() if p.trashed_at is None),
                    "created_at": a.created_at,
                }
                for a in Album.objects.filter(owner=user).prefetch_related("photos").order_by("id")
            ],
        )

    def erase_derived(self, user):
        counts = services.delete_face_data(user)
        tags, _ = Tag.objects.filter(photo__owner=user).delete()
        themes, _ = PhotoTheme.objects.filter(owner=user).delete()
        text_lines, _ = PhotoText.objects.for_owner(user).delete()
        photos = Photo.objects.filter(owner=user)
        # Thumbnails are how the library shows the photo, not analysis: they stay.
        AnalysisStep.objects.filter(photo__owner=user).exclude(step=Step.DERIVATIVES).update(
            status=AnalysisStatus.SKIPPED,
            message="Results deleted at your request.",
            updated_at=timezone.now(),
        )
        photos.update(
            analysis_status=AnalysisStatus.SKIPPED,
            sharpness=None,
            exposure=None,
            quality_score=None,
            phash="",
            phash_0=None,
            phash_1=None,
            phash_2=None,
            phash_3=None,
            duplicate_group=None,
        )
        return {
            **counts,
            "tags": tags,
            "themes": themes,
            "text_lines": text_lines,
            "photos_kept": photos.count(),
        }

    def erase_all(self, user):
        counts = self.counts(user)
        services.delete_photos(user, Photo.objects.for_owner(user))
        # People with no face left, and faces of photos deleted meanwhile.
        services.delete_face_data(user)
        Album.objects.filter(owner=user).delete()
        uploads.erase_for_user(user)
        return counts

    def erase_batch(self, user, limit):
        """The photos (with their faces, tags, steps and files) `limit` at a time; once none
        is left, the people, merge history, albums and unfinished uploads, which do not grow
        with the library the way photos do (what erase_all removes too)."""
        ids = list(Photo.objects.filter(owner=user).order_by().values_list("pk", flat=True)[:limit])
        if ids:
            return services.delete_photos(user, Photo.objects.filter(pk__in=ids))
        services.delete_face_data(user)
        Album.objects.filter(owner=user).delete()
        uploads.erase_for_user(user)
        return 0
