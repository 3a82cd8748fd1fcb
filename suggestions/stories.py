"""A suggestion as a story: the slides the full-screen viewer plays, and "Download as
video", the same story rendered as an H.264 MP4 (PyAV) by a background job with progress.

Both follow the plan of suggestions/lib/story.py: a title card, then each photo with a
slow pan and zoom toward its faces that never cuts one. The video is the user's personal
data (suggestions/personal_data.py counts, exports and erases it); its file goes when its
row does (the post_delete receiver in suggestions/receivers.py), which covers dismissing,
withdrawing and erasing the suggestion.
"""

import logging
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import av
import cv2
import numpy as np
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter

from photos import media
from photos.models import Face
from privacy import consent, derived, outbox
from privacy.files import delete_files_on_commit
from privacy.models import Scope
from suggestions import render
from suggestions.kinds.base import format_range
from suggestions.lib import story
from suggestions.models import StoryVideo, Suggestion, SuggestionPhoto, VideoStatus

log = logging.getLogger(__name__)

MAX_PHOTOS = 30  # a story longer than this is a slideshow nobody watches to the end
VIDEO_SIZE = (1280, 720)
VIDEO_FPS = 24
# Both shapes the viewer may be shown in; it picks the one nearer its screen's.
VIEWER_ASPECTS = {"landscape": 16 / 9, "portrait": 9 / 16}


def story_photos(suggestion: Suggestion):
    return list(suggestion.photos.order_by("suggestionphoto__position")[:MAX_PHOTOS])


def face_boxes(suggestion: Suggestion, photo_ids) -> dict[int, list[tuple]]:
    """Stored face boxes (upright photo pixels) per photo, only while face analysis is
    granted: the motion follows faces only with the consent that found them."""
    if not consent.allows(suggestion.owner, Scope.FACE_ANALYSIS):
        return {}
    boxes: dict[int, list[tuple]] = {}
    for photo_id, x1, y1, x2, y2 in Face.objects.filter(
        owner=suggestion.owner, photo__in=list(photo_ids)
    ).values_list("photo_id", "x1", "y1", "x2", "y2"):
        boxes.setdefault(photo_id, []).append((x1, y1, x2, y2))
    return boxes


def subtitle(suggestion: Suggestion, count: int) -> str:
    parts = []
    if suggestion.period_start and suggestion.period_end:
        parts.append(format_range(suggestion.period_start, suggestion.period_end))
    parts.append(f"{count} photo{'s' if count != 1 else ''}")
    return " · ".join(parts)


def slides(suggestion: Suggestion, request=None, *, signed: bool = False) -> dict:
    """What the story viewer plays (JSON): for each photo its preview URL, its size and,
    per screen shape, the start and end crops in photo pixels. `signed`: short-lived
    signed URLs (the API's apps have no session cookie)."""
    photos = story_photos(suggestion)
    faces = face_boxes(suggestion, [p.pk for p in photos])
    items = []
    for photo in photos:
        kind = "preview" if photo.preview else "original"
        w, h = photo.width or 1, photo.height or 1
        moves = {}
        for shape, aspect in VIEWER_ASPECTS.items():
            m = story.motion(w, h, faces.get(photo.pk, []), aspect)
            moves[shape] = {"start": _rounded(m.start), "end": _rounded(m.end)}
        items.append(
            {
                "id": photo.pk,
                "src": media.signed_url(photo, kind, request)
                if signed
                else reverse("photos:media", args=[photo.pk, kind]),
                "width": w,
                "height": h,
                "faces": [_rounded(b) for b in faces.get(photo.pk, [])],
                "motion": moves,
            }
        )
    return {
        "title": suggestion.title,
        "subtitle": subtitle(suggestion, len(photos)),
        "title_ms": round(story.TITLE_SECONDS * 1000),
        "photo_ms": round(story.PHOTO_SECONDS * 1000),
        "photos": items,
    }


def _rounded(box) -> list[float]:
    return [round(v, 1) for v in box]


# --- The video ------------------------------------------------------------------------


@transaction.atomic
def request_video(suggestion: Suggestion) -> StoryVideo:
    """Queue the rendering (once the row is committed). A video already queued, rendering
    or done is returned as it is; a failed one is tried again."""
    from suggestions import tasks  # tasks imports this module

    video, created = StoryVideo.objects.select_for_update().get_or_create(
        suggestion=suggestion, defaults={"owner": suggestion.owner}
    )
    if not created and video.status != VideoStatus.FAILED:
        return video
    video.status, video.progress, video.message = VideoStatus.QUEUED, 0, ""
    video.updated_at = timezone.now()
    video.save(update_fields=["status", "progress", "message", "updated_at"])
    video_id = video.pk
    # A broker that is down leaves it queued: sweep_videos sends it again.
    transaction.on_commit(lambda: outbox.try_send(tasks.render_story_video, video_id))
    return video


# A video queued this long ago and still queued was lost by the broker (or never reached
# it); one rendering with no progress written for longer than a task may run lost its
# worker (progress is written every few frames).
QUEUED_STALE_AFTER = timedelta(minutes=10)


def sweep_videos() -> dict[str, int]:
    """Videos no worker is on, queued again (the render starts over: its file is only
    stored at the end)."""
    now = timezone.now()
    lost = list(
        StoryVideo.objects.filter(
            status=VideoStatus.QUEUED, updated_at__lt=now - QUEUED_STALE_AFTER
        ).values_list("pk", flat=True)
    )
    dead = list(
        StoryVideo.objects.filter(
            status=VideoStatus.RENDERING,
            updated_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30),
        ).values_list("pk", flat=True)
    )
    StoryVideo.objects.filter(pk__in=dead, status=VideoStatus.RENDERING).update(
        status=VideoStatus.QUEUED, progress=0, updated_at=now
    )
    from suggestions import tasks  # tasks imports this module

    for pk in lost + dead:
        outbox.try_send(tasks.render_story_video, pk)
    return {"lost": len(lost), "interrupted": len(dead)}


def _set(video: StoryVideo, **fields) -> None:
    fields["updated_at"] = timezone.now()
    StoryVideo.objects.filter(pk=video.pk).update(**fields)
    for name, value in fields.items():
        setattr(video, name, value)


def render_video(video: StoryVideo, *, size=None, fps: int | None = None) -> StoryVideo:
    """Render the story of `video.suggestion` into an MP4 and store it. Called by the task
    after its consent check; progress (percent) is written as the frames are encoded."""
    size, fps = size or VIDEO_SIZE, fps or VIDEO_FPS
    suggestion = video.suggestion
    photos = story_photos(suggestion)
    faces = face_boxes(suggestion, [p.pk for p in photos])
    total = story.frame_count(len(photos), fps)
    _set(video, status=VideoStatus.RENDERING, progress=0, message="")
    written = 0
    last_percent = -1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "story.mp4"
        with av.open(str(path), mode="w", format="mp4", options={"movflags": "faststart"}) as out:
            stream = out.add_stream("libx264", rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": "23", "preset": "veryfast"}
            for frame in _frames(suggestion, photos, faces, size, fps):
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    out.mux(packet)
                written += 1
                percent = min(99, written * 100 // max(total, 1))
                if percent >= last_percent + 5:
                    _set(video, progress=percent)
                    last_percent = percent
            for packet in stream.encode():
                out.mux(packet)
        old = video.file.name

        def store(writer):
            with path.open("rb") as fh:
                name = f"story-{suggestion.pk}-{secrets.token_hex(6)}.mp4"
                writer.save_field(video.file, name, File(fh))
            _set(video, status=VideoStatus.DONE, progress=100, frames=written, file=video.file.name)
            if old:
                delete_files_on_commit([old])

        # Stored only if, now, the video's row and every photo it shows are still there
        # (not deleted, not in the trash) and cloud processing is still granted.
        stored = derived.write_derived(
            video.owner_id,
            store,
            scopes=[Scope.CLOUD_PROCESSING],
            still_held=lambda: _still_shows(video, [p.pk for p in photos]),
        )
    if not stored:
        # Whatever row is left (a photo went to the trash and back) says so; usually the
        # deletion took the row too.
        _set(video, status=VideoStatus.FAILED, progress=0, message="Its photos or consent "
             "changed while it was rendered: nothing was stored. Try again.")  # fmt: skip
    return video


def _still_shows(video: StoryVideo, photo_ids) -> bool:
    if not StoryVideo.objects.select_for_update().filter(pk=video.pk).exists():
        return False
    live = SuggestionPhoto.objects.filter(
        suggestion_id=video.suggestion_id, photo__in=photo_ids, photo__trashed_at__isnull=True
    )
    return live.count() == len(set(photo_ids))


def _frames(suggestion, photos, faces, size, fps):
    """RGB frames (numpy, H x W x 3): the title card, then each photo's pan and zoom."""
    w, h = size
    title = np.asarray(_title_card(suggestion, len(photos), size))
    for _ in range(round(story.TITLE_SECONDS * fps)):
        yield title
    per_photo = round(story.PHOTO_SECONDS * fps)
    for photo in photos:
        try:
            im, scale = render.open_upright(photo, max_side=int(max(w, h) * 1.6))
            boxes = [tuple(v * scale for v in b) for b in faces.get(photo.pk, [])]
            arr = np.asarray(im)
        except (OSError, ValueError):
            log.warning("could not read photo %s for a story video", photo.pk, exc_info=True)
            arr, boxes = np.full((h, w, 3), 40, np.uint8), []
        plan = story.motion(arr.shape[1], arr.shape[0], boxes, w / h)
        backdrop = _backdrop(arr, size)
        for i in range(per_photo):
            yield _frame(arr, plan.at(i / max(per_photo - 1, 1)), backdrop, size)


def _frame(arr: np.ndarray, box, backdrop: np.ndarray, size) -> np.ndarray:
    """The crop `box` of the photo scaled to the frame (sub-pixel, so the motion does not
    judder); where the crop reaches past the photo to keep a face whole, the backdrop."""
    x1, y1, x2, _ = box
    s = size[0] / (x2 - x1)
    matrix = np.array([[s, 0, -x1 * s], [0, s, -y1 * s]], np.float32)
    out = backdrop.copy()
    cv2.warpAffine(
        arr, matrix, size, dst=out, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT
    )
    return out


def _backdrop(arr: np.ndarray, size) -> np.ndarray:
    """The photo itself, filling the frame, blurred and dimmed: no black bars."""
    w, h = size
    im = Image.fromarray(arr)
    scale = max(w / im.width, h / im.height)
    im = im.resize((max(w, round(im.width * scale)), max(h, round(im.height * scale))))
    left, top = (im.width - w) // 2, (im.height - h) // 2
    im = im.crop((left, top, left + w, top + h)).filter(ImageFilter.GaussianBlur(24))
    return (np.asarray(im, np.float32) * 0.55).astype(np.uint8)


def _title_card(suggestion: Suggestion, count: int, size) -> Image.Image:
    w, h = size
    card = Image.new("RGB", size, render.BACKGROUND)
    draw = ImageDraw.Draw(card)
    title, sub = suggestion.title, subtitle(suggestion, count)
    big = max(24, h // 10)
    while big > 20 and draw.textlength(title, font=render.font(big)) > w * 0.86:
        big -= 2
    small = max(16, h // 24)
    tw = draw.textlength(title, font=render.font(big))
    sw = draw.textlength(sub, font=render.font(small, bold=False))
    draw.text(((w - tw) / 2, h * 0.40), title, font=render.font(big), fill=(245, 245, 245))
    draw.text(
        ((w - sw) / 2, h * 0.40 + big * 1.5), sub, font=render.font(small, bold=False),
        fill=(190, 194, 204),
    )  # fmt: skip
    return card


# --- Erasure ----------------------------------------------------------------------------


def forget_videos_of(owner, photo_ids) -> int:
    """Videos that show photos being deleted go (their files after the commit)."""
    videos = StoryVideo.objects.filter(
        owner=owner, suggestion__photos__in=list(photo_ids)
    ).distinct()
    return _delete(videos)


def withdraw_videos(owner, scope: str) -> int:
    """Videos are processing output, and their motion followed face boxes: revoking
    cloud processing or face analysis removes them all (they can be rendered again)."""
    if scope not in (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS):
        return 0
    return _delete(StoryVideo.objects.filter(owner=owner))


def erase_videos(owner) -> int:
    return _delete(StoryVideo.objects.filter(owner=owner))


def _delete(videos) -> int:
    # Row by row, so post_delete removes each file after the commit.
    count = 0
    for video in list(videos):
        video.delete()
        count += 1
    return count


def delete_file_of(video: StoryVideo) -> None:
    if video.file:
        delete_files_on_commit([video.file.name])
