"""One user's whole world of data (every kind of object a URL can point at), built directly
with the models so that the security tests do not depend on the ingest or analysis code.

Every string that could leak carries a marker, so a test can check that no other user's
response ever contains it.
"""

import base64
import functools
import io
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.models import Device
from photos import uploads as photos_uploads
from photos.models import Album as UserAlbum
from photos.models import (
    AnalysisStatus,
    AnalysisStep,
    Face,
    Person,
    PersonMerge,
    PhotoTheme,
    Source,
    Step,
    Tag,
)
from privacy import consent
from privacy.models import (
    ErasureJob,
    ExportJob,
    ExportStatus,
    Outcome,
    ProcessingRecord,
    Scope,
)
from suggestions.models import Album, Kind, MemoryControl, Suggestion, SuggestionPhoto
from tests.factories import make_photo


@functools.cache
def webp_bytes(source, size: int) -> bytes:
    with Image.open(source) as im:
        im = im.convert("RGB")
        im.thumbnail((size, size))
        out = io.BytesIO()
        im.save(out, "WEBP", quality=70)
    return out.getvalue()


@dataclass
class World:
    user: object
    marker: str
    photo: object = None
    other_photo: object = None
    person: object = None
    face: object = None
    merge: object = None
    suggestion: object = None
    album: object = None
    user_album: object = None  # photos.Album, made by hand
    memory_control: object = None
    export: object = None
    erasure: object = None
    device: object = None
    upload: object = None  # photos.Upload, a resumable upload cut off halfway
    token: str = ""
    record: object = None
    consent_event: object = None
    media_names: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def media_bytes(self):
        from django.core.files.storage import default_storage

        for name in self.media_names:
            with default_storage.open(name) as fh:
                yield name, fh.read()


def build_world(user, photos_dir, *, marker: str | None = None, age_days: int = 2) -> World:
    """Photos (original, thumbnail, preview), a person with faces and crops, tags, a theme,
    a suggestion with its rendered image, an album, a ready export, a device, processing
    records and consent events, all owned by `user`. Two worlds need different `age_days`:
    the EXIF date makes their photos' bytes (and hashes) differ."""
    marker = marker or f"secret-of-{user.username}"
    w = World(user=user, marker=marker)
    for scope in (Scope.CLOUD_PROCESSING, Scope.CAMERA_ROLL_SYNC, Scope.FACE_ANALYSIS):
        if not consent.allows(user, scope):
            w.consent_event = consent.grant(user, scope)

    # Small real photos keep the world cheap: it is built once per test.
    people = [photos_dir / "people" / "kit_harington" / "kit_2.jpeg"]
    scenes = [photos_dir / "scenes" / "dragonfly_taj.jpg"]
    now = timezone.now()
    w.photo = make_photo(
        user, people[0], taken_at=now - timedelta(days=age_days), gps=(48.85, 2.35)
    )
    w.other_photo = make_photo(user, scenes[0], taken_at=now - timedelta(days=age_days + 1))
    for photo, src in ((w.photo, people[0]), (w.other_photo, scenes[0])):
        photo.original_name = f"{marker}-{src.name}"
        photo.thumbnail.save("thumb.webp", ContentFile(webp_bytes(src, 256)), save=False)
        photo.preview.save("preview.webp", ContentFile(webp_bytes(src, 1024)), save=False)
        photo.save()
        w.media_names += [photo.original.name, photo.thumbnail.name, photo.preview.name]
        for step in Step.values:
            AnalysisStep.objects.create(photo=photo, step=step, status=AnalysisStatus.DONE)
        Tag.objects.create(photo=photo, label=f"{marker}-tag", score=0.9, model_name="test")
        PhotoTheme.objects.create(photo=photo, owner=user, theme="city", score=0.9)

    w.person = Person.objects.create(owner=user, name=f"{marker} person", pack="test-pack")
    for i, photo in enumerate([w.photo, w.photo, w.other_photo]):
        face = Face(
            owner=user,
            photo=photo,
            person=w.person,
            x1=10 + i,
            y1=10,
            x2=60 + i,
            y2=70,
            landmarks=[[20, 20], [40, 20], [30, 35], [22, 50], [38, 50]],
            det_score=0.9,
            embedding=np.ones(128, dtype=np.float32).tobytes(),
            pack="test-pack",
            dim=128,
        )
        face.crop.save(f"face-{photo.pk}-{i}.webp", ContentFile(webp_bytes(people[0], 96)))
        w.media_names.append(face.crop.name)
        w.face = w.face or face
    w.person.cover_face = w.face
    w.person.face_count = 3
    w.person.save()
    # A merge already undone: undoing it again changes nothing, for anyone.
    w.merge = PersonMerge.objects.create(
        owner=user, into=w.person, source_name=f"{marker} merged", undone_at=now
    )

    w.suggestion = Suggestion.objects.create(
        owner=user,
        kind=Kind.COLLAGE,
        key=f"{marker}-key",
        title=f"{marker} collage",
        period_start=(now - timedelta(days=age_days + 1)).date(),
        period_end=(now - timedelta(days=age_days)).date(),
        explanation={"why": marker},
    )
    w.suggestion.image.save("collage.jpg", ContentFile(_jpeg(people[0])))
    w.media_names.append(w.suggestion.image.name)
    for position, photo in enumerate([w.photo, w.other_photo]):
        SuggestionPhoto.objects.create(suggestion=w.suggestion, photo=photo, position=position)
    w.album = Album.objects.create(owner=user, title=f"{marker} album", suggestion=w.suggestion)
    w.album.photos.add(w.photo)
    w.user_album = UserAlbum.objects.create(owner=user, title=f"{marker} user album")
    w.user_album.photos.add(w.photo)
    w.memory_control = MemoryControl.objects.create(
        owner=user, kind="hide_place", city=f"{marker} town", country_code="FR"
    )

    w.erasure = ErasureJob.objects.create(
        user=user, kind="photos", status="done", progress=100, counts={"photos": 2}
    )
    w.export = ExportJob.objects.create(
        user=user,
        status=ExportStatus.READY,
        progress=100,
        finished_at=now,
        expires_at=now + timedelta(hours=24),
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("metadata.json", f'{{"marker": "{marker}"}}')
    w.export.file.save(f"export-{user.pk}.zip", ContentFile(buf.getvalue()))
    w.export.size = len(buf.getvalue())
    w.export.save()
    w.media_names.append(w.export.file.name)

    w.device, w.token = Device.issue(user, f"{marker} phone")
    w.upload = photos_uploads.create(
        user,
        source=Source.SYNC,
        length=1000,
        raw_metadata="filename " + base64.b64encode(f"{marker}.jpg".encode()).decode(),
    )
    w.record = ProcessingRecord.objects.create(
        user=user,
        photo_ref=w.photo.pk,
        photo_name=w.photo.original_name,
        step=Step.FACES,
        model_name="test-pack",
        started_at=now,
        finished_at=now,
        outcome=Outcome.DONE,
        summary=f"3 faces detected ({marker})",
    )
    w.secrets = [marker, w.photo.sha256, w.other_photo.sha256]
    return w


@functools.cache
def _jpeg(source) -> bytes:
    with Image.open(source) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()
