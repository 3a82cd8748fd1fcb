"""What the full-screen viewer shows of one photo (photos/viewer_views.photo_info as JSON).

Everything is the owner's own: the photo comes through the owner-scoped fetcher, its faces
and people through the photo. Plain words first (themes, objects, a place name, a date in
the photo's own zone); the classifier's scores only under "details".
"""

from datetime import timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from photos.lib.labels import plain_label
from photos.lib.places import place_name
from photos.models import Album, MediaType, Photo

# What every current browser plays in a <video>; the rest get their poster and a download.
PLAYABLE_VIDEO = {"video/mp4", "video/webm", "video/ogg"}
INLINE_IMAGES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
# Below this score an object is a guess, not worth naming in plain words.
OBJECT_MIN_SCORE = 0.15


def local_time(photo: Photo):
    """The capture time as the clock showed it where the photo was taken, when known."""
    if photo.taken_at_offset is not None:
        return photo.taken_at.astimezone(dt_timezone(timedelta(minutes=photo.taken_at_offset)))
    return timezone.localtime(photo.taken_at)


def _zone(photo: Photo, moment) -> str:
    if photo.taken_at_offset is None:
        return f"{settings.TIME_ZONE} (where the photo was taken is not known)"
    return "UTC" + date_format(moment, "O")[:3] + ":" + date_format(moment, "O")[3:]


def photo_info(photo: Photo, user) -> dict:
    is_video = photo.media_type == MediaType.VIDEO
    moment = local_time(photo)
    url = lambda kind: reverse("photos:media", args=[photo.pk, kind])  # noqa: E731
    if is_video:
        display = url("original") if photo.content_type in PLAYABLE_VIDEO else None
    elif photo.preview:
        display = url("preview")
    elif photo.content_type in INLINE_IMAGES:
        display = url("original")
    else:
        display = None
    faces = [
        {
            # Fractions of the upright image, so the boxes follow any displayed size.
            "box": [
                round(f.x1 / photo.width, 4),
                round(f.y1 / photo.height, 4),
                round(f.x2 / photo.width, 4),
                round(f.y2 / photo.height, 4),
            ]
            if photo.width and photo.height
            else None,
            "name": (f.person.name or "Unnamed person") if f.person else "Not named yet",
            "person_url": reverse("photos:person", args=[f.person_id]) if f.person_id else None,
        }
        for f in photo.faces.select_related("person").order_by("x1")
    ]
    tags = list(photo.tags.order_by("-score"))
    themes = list(photo.themes.order_by("-score"))
    objects = list(dict.fromkeys(plain_label(t.label) for t in tags if t.score >= OBJECT_MIN_SCORE))
    place = place_name(photo.latitude, photo.longitude)
    camera = " ".join(p for p in (photo.camera_make, photo.camera_model) if p)
    if photo.camera_make and photo.camera_model.lower().startswith(photo.camera_make.lower()):
        camera = photo.camera_model  # "Apple iPhone 12" rather than "Apple Apple iPhone 12"
    return {
        "id": photo.pk,
        "name": photo.original_name or "Photo",
        "kind": "video" if is_video else "photo",
        "display_url": display,
        "poster_url": url("poster") if photo.poster else None,
        "download_url": url("original") + "?download=1",
        "page_url": reverse("photos:photo", args=[photo.pk]),
        "width": photo.width,
        "height": photo.height,
        "date": date_format(moment, "l j F Y"),
        "time": date_format(moment, "H:i"),
        "zone": _zone(photo, moment),
        "place": str(place) if place else None,
        "camera": camera or None,
        "size": filesizeformat(photo.file_size),
        "dimensions": f"{photo.width} \u00d7 {photo.height}" if photo.width else None,
        "duration": round(photo.duration, 1) if photo.duration else None,
        "faces": faces,
        "themes": [t.get_theme_display() for t in themes],
        "objects": objects,
        "details": [{"label": t.label, "score": round(t.score, 2)} for t in tags],
        # Text read in the photo, in reading order; each box's four corners are fractions
        # of the upright image, drawn on the photo only when the user asks.
        "text": [
            {"text": t.text, "box": t.box, "score": round(t.score, 2)}
            for t in photo.text_lines.order_by("position")
        ],
        "privacy_log_url": reverse("privacy:index") + f"?photo={photo.pk}#analysis",
        "delete_url": reverse("photos:photo-delete", args=[photo.pk]),
        "albums": [
            {"id": a.pk, "title": a.title, "add_url": reverse("photos:album-add", args=[a.pk])}
            for a in Album.objects.for_owner(user).only("pk", "title").order_by("title")
        ],
        "album_create_url": reverse("photos:album-create"),
        "analysis": photo.get_analysis_status_display(),
    }
