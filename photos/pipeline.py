"""The analysis pipeline: thumbnails, faces, scenes, quality and near-duplicates of one photo.

Each step runs in two phases. The slow one (decoding, model inference) touches no row.
Then one transaction locks the owner, checks consent *again*, and for every step replaces
its rows, sets its status and writes its processing record (each step in a savepoint). So
a task killed halfway leaves nothing, a step run twice leaves the same rows, and a consent
revocation that lands while a model is running wins (the revocation locks the same owner
row, see privacy.consent)"""

import io
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from PIL import Image, ImageOps

from photos import ml, people
from photos.lib import faces as face_maths
from photos.lib import phash as phash_lib
from photos.lib import quality as quality_lib
from photos.models import (
    AnalysisStatus,
    AnalysisStep,
    Face,
    MediaType,
    Photo,
    PhotoTheme,
    Step,
    Tag,
    Theme,
    face_crop_path,
)
from privacy import consent
from privacy.models import Outcome, Scope
from privacy.records import record_skipped, record_step

log = logging.getLogger(__name__)

ANALYSIS_STEPS = (Step.FACES, Step.SCENES, Step.QUALITY, Step.DUPLICATES)
ALL_STEPS = (Step.DERIVATIVES, *ANALYSIS_STEPS)
STEP_SCOPES = {
    Step.FACES: (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS),
    Step.SCENES: (Scope.CLOUD_PROCESSING,),
    Step.QUALITY: (Scope.CLOUD_PROCESSING,),
    Step.DUPLICATES: (Scope.CLOUD_PROCESSING,),
}
# The models see at most this many pixels on the long side: enough for the smallest face
# worth keeping in a crowd photo, and a 50-megapixel photo is never fully decoded.
ANALYSIS_MAX_SIDE = 2048
VIDEO_KEY_FRAMES = 3
FACE_CROP_SIZE = 160
# A photo pending or running for longer than this was lost by the broker or a dead worker.
STALE_AFTER = timedelta(minutes=30)
SWEEP_BATCH = 500
# Transient errors worth a Celery retry with backoff (the database was busy or away).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

SCREEN_SHORT_SIDES = {640, 720, 750, 768, 800, 828, 900, 1080, 1125, 1170, 1179, 1200, 1242,
                      1284, 1290, 1440, 1536, 1600, 1620, 1668, 2048}  # fmt: skip


@dataclass
class Frame:
    image: Image.Image  # upright RGB, long side at most ANALYSIS_MAX_SIDE
    scale: float  # upright original pixels per working pixel
    time: float | None = None  # seconds into a video

    @property
    def rgb(self) -> np.ndarray:
        return np.asarray(self.image)


@dataclass
class Media:
    frames: list[Frame]
    width: int  # upright original size
    height: int


@dataclass
class StepResult:
    model_name: str = ""
    model_version: str = ""
    # Called in the write transaction with the scopes granted now; returns (summary, details).
    write: object = None
    extra: dict = field(default_factory=dict)


# --- Queueing -------------------------------------------------------------------------


def ensure_steps(photo_ids) -> None:
    AnalysisStep.objects.bulk_create(
        [AnalysisStep(photo_id=pk, step=step) for pk in photo_ids for step in ALL_STEPS],
        ignore_conflicts=True,
    )


def queue_analysis(photo_ids: list[int]) -> None:
    """Hand photos to the worker. Call it from transaction.on_commit, after the rows exist.

    A broker that is down is not an error for the caller: the photos stay pending with no
    `queued_at`, and the sweep queues them again."""
    from photos import tasks

    photo_ids = list(photo_ids)
    ensure_steps(photo_ids)
    for pk in photo_ids:
        Photo.objects.filter(pk=pk).update(queued_at=timezone.now())
        try:
            tasks.analyse_photo.delay(pk)
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            log.exception("Could not queue photo %s; the sweep will queue it again", pk)
            Photo.objects.filter(pk=pk).update(queued_at=None)


def retry_failed(photos) -> int:
    """Set failed steps of `photos` (a queryset) back to pending and queue them again."""
    ids = list(photos.filter(steps__status=AnalysisStatus.FAILED).values_list("pk", flat=True))
    ids = sorted(set(ids))
    if not ids:
        return 0
    AnalysisStep.objects.filter(photo_id__in=ids, status=AnalysisStatus.FAILED).update(
        status=AnalysisStatus.PENDING, message="", updated_at=timezone.now()
    )
    Photo.objects.filter(pk__in=ids).update(analysis_status=AnalysisStatus.PENDING)
    transaction.on_commit(lambda: queue_analysis(ids))
    return len(ids)


def requeue_skipped(owner, steps) -> int:
    """Analyse again the `steps` that were skipped for `owner`'s photos (consent came back).

    The worker checks consent again when it runs, so a step whose scope is still missing
    is simply skipped once more."""
    skipped = AnalysisStep.objects.filter(
        photo__owner=owner, step__in=list(steps), status=AnalysisStatus.SKIPPED
    )
    ids = sorted(set(skipped.values_list("photo_id", flat=True)))
    if not ids:
        return 0
    skipped.update(status=AnalysisStatus.PENDING, message="", updated_at=timezone.now())
    Photo.objects.filter(pk__in=ids).update(analysis_status=AnalysisStatus.PENDING)
    transaction.on_commit(lambda: queue_analysis(ids))
    return len(ids)


def sweep() -> dict[str, int]:
    """Queue again what would otherwise wait forever (the beat job `sweep_pending`)."""
    now = timezone.now()
    stale = now - STALE_AFTER
    counts = {"stalled": 0, "model_back": 0, "repack": 0}
    # Never handed over (broker down at upload) or handed over long ago and never finished.
    unfinished = [AnalysisStatus.PENDING, AnalysisStatus.RUNNING]
    never_queued = Q(
        analysis_status=AnalysisStatus.PENDING,
        queued_at__isnull=True,
        uploaded_at__lt=now - timedelta(minutes=1),
    )
    stalled = Photo.objects.filter(
        never_queued | Q(analysis_status__in=unfinished, queued_at__lt=stale)
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    ids = list(stalled)
    counts["stalled"] = len(ids)
    for step, kind in ((Step.FACES, "faces"), (Step.SCENES, "scenes")):
        waiting = AnalysisStep.objects.filter(step=step, status=AnalysisStatus.WAITING)
        if waiting.exists() and ml.model_available(kind):
            photo_ids = list(waiting.values_list("photo_id", flat=True)[:SWEEP_BATCH])
            waiting.filter(photo_id__in=photo_ids).update(status=AnalysisStatus.PENDING, message="")
            counts["model_back"] += len(photo_ids)
            ids += photo_ids
    # A changed face pack: faces made by another pack are made again (never compared).
    if ml.model_available("faces"):
        pack = ml.face_model().pack
        other = AnalysisStep.objects.filter(step=Step.FACES, status=AnalysisStatus.DONE).exclude(
            model_name__in=[pack, ""]
        )
        photo_ids = list(other.values_list("photo_id", flat=True)[:SWEEP_BATCH])
        if photo_ids:
            other.filter(photo_id__in=photo_ids).update(status=AnalysisStatus.PENDING)
            Photo.objects.filter(pk__in=photo_ids).update(analysis_status=AnalysisStatus.PENDING)
            counts["repack"] = len(photo_ids)
            ids += photo_ids
    if ids:
        queue_analysis(sorted(set(ids)))
    return counts


# --- Running --------------------------------------------------------------------------


def analyse(photo: Photo) -> str:
    """Run every step of `photo` that is not done yet; returns the photo's new status.

    The models run first (no transaction open); then one transaction locks the owner,
    checks consent once more and stores every step's rows, statuses and records."""
    rows = dict(photo.steps.values_list("step", "status"))
    if len(rows) < len(ALL_STEPS):
        ensure_steps([photo.pk])
    todo = [step for step in ALL_STEPS if rows.get(step) != AnalysisStatus.DONE]
    if not todo:
        return update_status(photo)
    with transaction.atomic():
        Photo.objects.filter(pk=photo.pk).update(analysis_status=AnalysisStatus.RUNNING)
        AnalysisStep.objects.filter(photo=photo, step__in=todo).update(
            status=AnalysisStatus.RUNNING, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    media = _media_loader(photo)
    # Checked once here so that no model runs without consent, and again in the write
    # transaction, which is what decides whether anything is stored.
    granted = granted_scopes(photo.owner_id)
    outcomes = []
    for step in todo:
        if step == Step.DERIVATIVES:
            _derivatives(photo)
            continue
        outcome = compute_step(photo, step, media, granted)
        outcomes.append(outcome)
        if outcome.kind == "timeout":
            break  # out of time: store what is done; the remaining steps stay pending
    if outcomes:
        store_steps(photo, outcomes)
    status = update_status(photo)
    if status != AnalysisStatus.SKIPPED:
        _on_done(photo)
    return status


def _media_loader(photo):
    loaded: dict[str, object] = {}

    def media() -> Media:
        # Decoded once per task, and only if a step with consent needs the pixels.
        if "media" not in loaded:
            try:
                loaded["media"] = load_media(photo)
            except SoftTimeLimitExceeded:
                raise
            except Exception as exc:
                loaded["media"] = exc
        if isinstance(loaded["media"], Exception):
            error = loaded["media"]
            raise ValueError(f"The file could not be decoded: {error}") from error
        return loaded["media"]

    return media


def granted_scopes(owner_id, *, lock: bool = False) -> set[str]:
    """The scopes the owner allows now (two queries for all of them, as consent.states).
    With `lock`, the owner row is locked first: the same lock privacy.consent takes for a
    grant or revocation, so whichever commits first, the other sees its result."""
    users = get_user_model().objects.filter(pk=owner_id)
    if lock:
        users = users.select_for_update()
    user = users.only("pk", "is_active").first()
    if user is None or not user.is_active:
        return set()
    return {scope for scope, state in consent.states(user).items() if state.granted}


def _missing_scope(step, granted: set[str]) -> str:
    return next((s for s in STEP_SCOPES.get(step, ()) if s not in granted), "")


def _set_step(photo, step, status, *, message="", model_name=None) -> None:
    fields = {"status": status, "message": message[:500], "updated_at": timezone.now()}
    if model_name is not None:
        fields["model_name"] = model_name[:200]
    AnalysisStep.objects.filter(photo=photo, step=step).update(**fields)


def _derivatives(photo) -> None:
    """Thumbnail and preview: display, not analysis, so no consent and no record."""
    from photos.derivatives import make_derivatives

    try:
        make_derivatives(photo)
    except SoftTimeLimitExceeded:
        raise
    except TRANSIENT_ERRORS:
        _set_step(photo, Step.DERIVATIVES, AnalysisStatus.PENDING, message="Waiting to retry.")
        raise
    except Exception as exc:
        log.exception("Thumbnails failed on photo %s", photo.pk)
        _set_step(
            photo, Step.DERIVATIVES, AnalysisStatus.FAILED, message=f"{type(exc).__name__}: {exc}"
        )
    else:
        _set_step(photo, Step.DERIVATIVES, AnalysisStatus.DONE)


@dataclass
class Computed:
    step: str
    kind: str  # "result", "skipped", "waiting", "failed", "timeout"
    started: object
    result: StepResult | None = None
    message: str = ""
    scope: str = ""


def compute_step(photo: Photo, step: str, media, granted: set[str]) -> Computed:
    """The slow half of a step: decoding and models, no row written."""
    started = timezone.now()
    missing = _missing_scope(step, granted)
    if missing:
        return Computed(step, "skipped", started, scope=missing)
    try:
        return Computed(step, "result", started, result=COMPUTE[step](photo, media()))
    except ml.ModelMissing as exc:
        return Computed(step, "waiting", started, message=str(exc))
    except SoftTimeLimitExceeded:
        message = f"Took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s and was stopped."
        return Computed(step, "timeout", started, message=message)
    except TRANSIENT_ERRORS:
        raise  # the task retries with backoff; nothing was written
    except Exception as exc:
        log.exception("Step %s failed on photo %s", step, photo.pk)
        return Computed(step, "failed", started, message=f"{type(exc).__name__}: {exc}")


def store_steps(photo: Photo, outcomes: list[Computed]) -> None:
    """The quick half: one transaction under the owner's lock, consent checked again."""
    owner = photo.owner
    with transaction.atomic():
        now_granted = granted_scopes(owner.pk, lock=True)
        if not Photo.objects.select_for_update().filter(pk=photo.pk).exists():
            return  # deleted meanwhile: nothing to write
        for outcome in outcomes:
            _store(photo, owner, outcome, now_granted)


def _store(photo, owner, outcome: Computed, now_granted: set[str]) -> None:
    step, started = outcome.step, outcome.started
    kind, scope = outcome.kind, outcome.scope
    if kind == "result":
        scope = _missing_scope(step, now_granted)
        kind = "skipped" if scope else "result"
    if kind == "skipped":
        _set_step(photo, step, AnalysisStatus.SKIPPED, message=f"{scope} is not granted.")
        record_skipped(owner, photo, step, scope)
        return
    if kind == "waiting":
        _set_step(photo, step, AnalysisStatus.WAITING, message=outcome.message)
        record_step(
            owner, photo, step, outcome=Outcome.WAITING, started_at=started, summary=outcome.message
        )
        return
    if kind == "result":
        result = outcome.result
        try:
            with transaction.atomic():  # a savepoint: one step's failure keeps the others
                summary, details = result.write(now_granted)
                _set_step(photo, step, AnalysisStatus.DONE, model_name=result.model_name)
                record_step(
                    owner,
                    photo,
                    step,
                    outcome=Outcome.DONE,
                    started_at=started,
                    model_name=result.model_name,
                    model_version=result.model_version,
                    summary=summary,
                    details=details,
                )
            return
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            log.exception("Storing step %s failed on photo %s", step, photo.pk)
            outcome.message = f"{type(exc).__name__}: {exc}"
    _set_step(photo, step, AnalysisStatus.FAILED, message=outcome.message)
    record_step(
        owner, photo, step, outcome=Outcome.FAILED, started_at=started, summary=outcome.message
    )


def run_step(photo: Photo, step: str, media, granted: set[str] | None = None) -> bool:
    """Run one step on its own (compute, then store); False when the task ran out of time."""
    if step == Step.DERIVATIVES:
        _derivatives(photo)
        return True
    if granted is None:
        granted = granted_scopes(photo.owner_id)
    outcome = compute_step(photo, step, media, granted)
    store_steps(photo, [outcome])
    return outcome.kind != "timeout"


def aggregate(derivatives: str, analysis: list[str]) -> str:
    """The photo's status from its steps' statuses."""
    statuses = {derivatives, *analysis}
    for status in (
        AnalysisStatus.RUNNING,
        AnalysisStatus.FAILED,
        AnalysisStatus.WAITING,
        AnalysisStatus.PENDING,
    ):
        if status in statuses:
            return status
    # Thumbnails alone are not analysis: a photo with every analysis step skipped is skipped.
    return AnalysisStatus.DONE if AnalysisStatus.DONE in analysis else AnalysisStatus.SKIPPED


def update_status(photo) -> str:
    rows = dict(photo.steps.values_list("step", "status"))
    analysis = [rows.get(step, AnalysisStatus.PENDING) for step in ANALYSIS_STEPS]
    derivatives = rows.get(Step.DERIVATIVES, AnalysisStatus.PENDING)
    status = aggregate(derivatives, analysis)
    Photo.objects.filter(pk=photo.pk).update(analysis_status=status)
    photo.analysis_status = status
    return status


def _on_done(photo) -> None:
    """When the owner's queue has drained: group new faces and propose suggestions."""
    busy = (
        Photo.objects.for_owner(photo.owner)
        .filter(analysis_status__in=[AnalysisStatus.PENDING, AnalysisStatus.RUNNING])
        .exists()
    )
    if busy:
        return
    if consent.allows(photo.owner, Scope.FACE_ANALYSIS):
        people.cluster_user(photo.owner)
    from suggestions.tasks import generate_for_user

    user_id = photo.owner_id
    transaction.on_commit(lambda: generate_for_user.delay(user_id))


# --- Decoding -------------------------------------------------------------------------


def _fit(image: Image.Image) -> Image.Image:
    if max(image.size) > ANALYSIS_MAX_SIDE:
        image = image.copy()
        image.thumbnail((ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE), Image.Resampling.BILINEAR)
    return image


def load_image(fh) -> Media:
    """Upright RGB, decoded at a reduced scale when the photo is larger than needed."""
    from photos.lib import probe  # noqa: F401  (registers the HEIC/HEIF opener)

    with Image.open(fh) as im:
        orientation = im.getexif().get(0x0112, 1)
        width, height = im.size
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        if im.format == "JPEG":
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale directly: ask for the fitted size
            # (aspect kept), so a 50-megapixel photo is never decoded in full.
            scale = min(1.0, ANALYSIS_MAX_SIDE / max(im.size))
            im.draft("RGB", (round(im.width * scale), round(im.height * scale)))
        im.load()
        upright = ImageOps.exif_transpose(im).convert("RGB")
    image = _fit(upright)
    return Media([Frame(image, width / image.size[0])], width, height)


def load_video(fh) -> Media:
    """A few key frames spread over the clip."""
    import av

    frames = []
    with av.open(fh) as container:
        stream = container.streams.video[0]
        duration = float(container.duration / 1_000_000) if container.duration else 0.0
        times = [duration * (i + 1) / (VIDEO_KEY_FRAMES + 1) for i in range(VIDEO_KEY_FRAMES)]
        for at in times if duration else [0.0]:
            if stream.time_base and duration:
                container.seek(int(at / stream.time_base), stream=stream, any_frame=False)
            # The seek lands on the key frame before `at`: decode forward to it (bounded).
            for count, frame in enumerate(container.decode(stream)):
                when = float(frame.time) if frame.time is not None else at
                if when + 0.05 >= at or count >= 300:
                    frames.append((frame.to_image().convert("RGB"), when))
                    break
    if not frames:
        raise ValueError("The video has no decodable frame.")
    width, height = frames[0][0].size
    result = []
    for image, when in frames:
        fitted = _fit(image)
        result.append(Frame(fitted, width / fitted.size[0], round(when, 2)))
    return Media(result, width, height)


def load_media(photo: Photo) -> Media:
    with default_storage.open(photo.original.name, "rb") as fh:
        if photo.media_type == MediaType.VIDEO:
            return load_video(io.BytesIO(fh.read()) if not hasattr(fh, "fileno") else fh)
        return load_image(fh)


# --- Faces ----------------------------------------------------------------------------


def _iou(a, b) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _crop(frame: Frame, box) -> bytes:
    x1, y1, x2, y2 = (v / frame.scale for v in box)
    pad_x, pad_y = (x2 - x1) * 0.25, (y2 - y1) * 0.25
    left, top = max(0, x1 - pad_x), max(0, y1 - pad_y)
    right = min(frame.image.width, x2 + pad_x)
    bottom = min(frame.image.height, y2 + pad_y)
    crop = frame.image.crop((round(left), round(top), round(right), round(bottom)))
    crop.thumbnail((FACE_CROP_SIZE, FACE_CROP_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, "JPEG", quality=85)
    return out.getvalue()


def compute_faces(photo: Photo, media: Media) -> StepResult:
    model = ml.face_model()
    found = []  # (frame, DetectedFace in original coordinates)
    for frame in media.frames:
        detections = model.detect(
            np.ascontiguousarray(frame.rgb[:, :, ::-1]),
            min_score=settings.FACE_MIN_SCORE,
            min_size=settings.FACE_MIN_SIZE / frame.scale,
        )
        for det in detections:
            box = tuple(round(v * frame.scale, 1) for v in det.box)
            landmarks = [
                [round(x * frame.scale, 1), round(y * frame.scale, 1)] for x, y in det.landmarks
            ]
            found.append((frame, box, landmarks, det))

    def write(granted):
        return write_faces(photo, model, found)

    return StepResult(model.pack, model.version, write)


def write_faces(photo, model, found):
    pack = model.pack
    existing = list(Face.objects.filter(photo=photo))
    stale = [f for f in existing if f.pack != pack]
    same = [f for f in existing if f.pack == pack]
    affected = {f.person_id for f in stale if f.person_id}
    kept, new_faces = [], []
    for frame, box, landmarks, det in found:
        match = next(
            (
                f
                for f in same
                if f not in kept and f.frame_time == frame.time and _iou(f.box, box) > 0.5
            ),
            None,
        )
        face = match or Face(owner_id=photo.owner_id, photo=photo, pack=pack)
        face.x1, face.y1, face.x2, face.y2 = box
        face.landmarks = landmarks
        face.det_score = round(float(det.score), 4)
        face.embedding = face_maths.to_bytes(det.embedding)
        face.dim = model.dim
        face.frame_time = frame.time
        people.measure(face, det)
        filename = (
            f"{photo.sha256[:16]}-{model.version[:8]}-"
            f"{round(box[0])}-{round(box[1])}-{frame.time or 0:g}.jpg"
        )
        name = face_crop_path(face, filename)
        if default_storage.exists(name):
            default_storage.delete(name)  # same name on every run: idempotent
        old_crop = face.crop.name if match else ""
        face.crop.name = default_storage.save(name, ContentFile(_crop(frame, box)))
        if old_crop and old_crop != face.crop.name:
            transaction.on_commit(lambda n=old_crop: default_storage.delete(n))
        if match:
            kept.append(match)
        else:
            new_faces.append(face)
    gone = [f for f in same if f not in kept] + stale
    affected |= {f.person_id for f in gone if f.person_id}
    Face.objects.bulk_create(new_faces)
    people.carry_corrections(gone, new_faces)
    if gone:
        crops = [f.crop.name for f in gone if f.crop]
        Face.objects.filter(pk__in=[f.pk for f in gone]).delete()
        transaction.on_commit(lambda: [default_storage.delete(n) for n in crops])
    if kept:
        Face.objects.bulk_update(
            kept, ["x1", "y1", "x2", "y2", "landmarks", "det_score", "embedding", "dim", "crop"]
        )
        Face.objects.bulk_update(kept, people.QUALITY_FIELDS)
    matched = people.assign_new_faces(photo.owner_id, pack, new_faces)
    people.refresh(affected - {None})
    total = len(kept) + len(new_faces)
    summary = f"{total} faces detected, {total} embeddings stored"
    if matched:
        summary += f", {matched} matched to known people"
    details = {
        "faces": total,
        "pack": pack,
        "dim": model.dim,
        "frames": len({f[0].time for f in found}),
    }
    return summary, details


# --- Scenes and themes ----------------------------------------------------------------


@cache
def _theme_table(labels: tuple[str, ...]) -> tuple[float, dict[str, np.ndarray]]:
    data = json.loads((Path(__file__).parent / "data" / "themes.json").read_text())
    index = {}
    for i, label in enumerate(labels):
        index.setdefault(label, []).append(i)
    table = {}
    for theme, spec in data["themes"].items():
        classes = set()
        for label in spec.get("labels", []):
            classes.update(index.get(label, []))
        for start, end in spec.get("index_ranges", []):
            classes.update(range(start, min(end, len(labels) - 1) + 1))
        table[theme] = np.array(sorted(classes), dtype=np.int64)
    return float(data["min_score"]), table


def themes_for(labels: list[str], probabilities: np.ndarray) -> dict[str, float]:
    """Themes whose classes' probabilities add up to the threshold in themes.json."""
    min_score, table = _theme_table(tuple(labels))
    scores = {}
    for theme, classes in table.items():
        score = float(probabilities[classes].sum()) if len(classes) else 0.0
        if score >= min_score:
            scores[theme] = round(min(score, 1.0), 4)
    return scores


def is_screenshot(photo: Photo, width: int, height: int) -> bool:
    """A PNG without a camera at a phone, tablet or desktop screen's size."""
    if photo.extension.lower() != "png" or photo.camera_make or photo.camera_model:
        return False
    short, long = sorted((width, height))
    return short in SCREEN_SHORT_SIDES and 1.3 <= long / short <= 2.4


def compute_scenes(photo: Photo, media: Media) -> StepResult:
    model = ml.scene_model()
    probabilities = np.mean([model.probabilities(f.image) for f in media.frames], axis=0)
    order = np.argsort(-probabilities)[: settings.SCENE_TOP_K]
    tags = [
        (model.labels[i], round(float(probabilities[i]), 4))
        for i in order
        if probabilities[i] >= settings.SCENE_MIN_SCORE
    ]
    themes = themes_for(model.labels, probabilities)
    if photo.media_type == MediaType.VIDEO:
        themes[Theme.VIDEOS] = 1.0
    elif is_screenshot(photo, media.width, media.height):
        themes[Theme.SCREENSHOTS] = 1.0

    def write(granted):
        # A label that appears twice in ImageNet (crane, maillot) is one tag.
        unique = {}
        for label, score in tags:
            unique.setdefault(label[:100], score)
        Tag.objects.filter(photo=photo).delete()
        Tag.objects.bulk_create(
            [
                Tag(photo=photo, label=label, score=score, model_name=model.name)
                for label, score in unique.items()
            ]
        )
        PhotoTheme.objects.filter(photo=photo).delete()
        PhotoTheme.objects.bulk_create(
            [
                PhotoTheme(photo=photo, owner_id=photo.owner_id, theme=theme, score=score)
                for theme, score in themes.items()
            ]
        )
        tag_text = ", ".join(f"{label} {score:.2f}" for label, score in unique.items()) or "none"
        summary = f"tags: {tag_text}"
        if themes:
            summary += f"; themes: {', '.join(sorted(themes))}"
        return summary, {"tags": dict(unique), "themes": themes}

    return StepResult(model.name, model.version, write)


# --- Quality and near-duplicates ------------------------------------------------------


def compute_quality(photo: Photo, media: Media) -> StepResult:
    frame = media.frames[len(media.frames) // 2]
    sharp, expo = quality_lib.measure(frame.rgb)

    def write(granted):
        face_rows = None
        if Scope.FACE_ANALYSIS in granted:
            face_rows = list(
                Face.objects.filter(photo=photo).values_list("x1", "y1", "x2", "y2", "det_score")
            )
        visibility = (
            quality_lib.face_visibility(face_rows, media.width, media.height) if face_rows else None
        )
        score = quality_lib.quality_score(sharp, expo, visibility)
        Photo.objects.filter(pk=photo.pk).update(
            sharpness=round(sharp, 2), exposure=round(expo, 4), quality_score=score
        )
        summary = f"sharpness {sharp:.1f}, exposure {expo:.2f}"
        if visibility is not None:
            summary += f", faces {visibility:.2f}"
        summary += f": quality {score:.2f}"
        return summary, {"sharpness": sharp, "exposure": expo, "faces": visibility, "score": score}

    return StepResult("opencv-laplacian", "1", write)


def compute_duplicates(photo: Photo, media: Media) -> StepResult:
    image = media.frames[len(media.frames) // 2].image
    # The hash looks at 32x32 pixels: a cheap box reduction first costs nothing in accuracy.
    factor = max(1, min(image.size) // 256)
    value = phash_lib.phash(image.reduce(factor) if factor > 1 else image)

    def write(granted):
        return write_duplicates(photo, value)

    return StepResult("imagehash-phash", "1", write)


def write_duplicates(photo, value: str):
    others = list(
        Photo.objects.for_owner(photo.owner_id)
        .exclude(pk=photo.pk)
        .exclude(phash="")
        .values_list("pk", "phash", "duplicate_group")
    )
    near = [others[i] for i in phash_lib.near(value, [o[1] for o in others])]
    group = None
    if near:
        groups = {g for _, _, g in near if g is not None}
        members = {pk for pk, _, _ in near} | {photo.pk}
        group = min(members | groups)
        if groups:
            # Two groups joined by this photo become one.
            Photo.objects.filter(owner_id=photo.owner_id, duplicate_group__in=groups).update(
                duplicate_group=group
            )
        Photo.objects.filter(pk__in=members).update(duplicate_group=group)
    else:
        # No longer near anything (re-run after a change): leave any group it was in.
        old = Photo.objects.filter(pk=photo.pk).values_list("duplicate_group", flat=True).first()
        if old is not None:
            _dissolve_if_single(photo.owner_id, old, photo.pk)
    Photo.objects.filter(pk=photo.pk).update(phash=value, duplicate_group=group)
    summary = f"perceptual hash {value}"
    summary += f"; near-duplicate of {len(near)} photo(s)" if near else "; no near-duplicates"
    return summary, {"phash": value, "group": group, "near": [pk for pk, _, _ in near]}


def _dissolve_if_single(owner_id, group, leaving) -> None:
    rest = Photo.objects.filter(owner_id=owner_id, duplicate_group=group).exclude(pk=leaving)
    if rest.count() <= 1:
        rest.update(duplicate_group=None)


COMPUTE = {
    Step.FACES: compute_faces,
    Step.SCENES: compute_scenes,
    Step.QUALITY: compute_quality,
    Step.DUPLICATES: compute_duplicates,
}


# --- Progress -------------------------------------------------------------------------


def progress(user) -> dict:
    """Done of total, per step, an estimate of the time left, and the latest failures."""
    from privacy.models import ProcessingRecord

    photos = Photo.objects.for_owner(user)
    by_status = dict(
        photos.order_by()
        .values_list("analysis_status")
        .annotate(n=Count("pk"))
        .values_list("analysis_status", "n")
    )
    counts = {status: by_status.get(status, 0) for status in AnalysisStatus.values}
    total = sum(counts.values())
    steps = {}
    step_rows = (
        AnalysisStep.objects.filter(photo__owner=user)
        .order_by()
        .values_list("step", "status")
        .annotate(n=Count("pk"))
    )
    for step, status, n in step_rows:
        steps.setdefault(step, dict.fromkeys(AnalysisStatus.values, 0))[status] = n
    remaining = counts[AnalysisStatus.PENDING] + counts[AnalysisStatus.RUNNING]
    eta = None
    if remaining:
        # Mean time per photo over the owner's latest recorded steps (all steps of a photo).
        recent = list(
            ProcessingRecord.objects.for_user(user)
            .filter(outcome=Outcome.DONE, finished_at__isnull=False)
            .order_by("-started_at")
            .values_list("started_at", "finished_at")[:200]
        )
        if recent:
            per_step = sum((f - s).total_seconds() for s, f in recent) / len(recent)
            eta = round(per_step * len(ANALYSIS_STEPS) * remaining, 1)
    failures = [
        {
            "photo": row["photo_id"],
            "name": row["photo__original_name"],
            "step": row["step"],
            "message": row["message"],
        }
        for row in AnalysisStep.objects.filter(photo__owner=user, status=AnalysisStatus.FAILED)
        .order_by("-updated_at")
        .values("photo_id", "photo__original_name", "step", "message")[:10]
    ]
    waiting = (
        AnalysisStep.objects.filter(photo__owner=user, status=AnalysisStatus.WAITING)
        .order_by()
        .values_list("message", flat=True)
        .distinct()[:3]
    )
    return {
        "total": total,
        **counts,
        "steps": steps,
        "eta_seconds": eta,
        "failures": failures,
        "waiting_messages": list(waiting),
        "generated_at": time.time(),
    }
