"""Library pages: the timeline, one photo, the browser upload, deletion, private media."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import Q
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from photos import filters, media, people, trash
from photos.analysis import queue as analysis_queue
from photos.fetchers import get_photo_for_user
from photos.forms import LibraryFilterForm
from photos.ingest import IngestError, ingest, parse_client_time
from photos.lib.places import place_name
from photos.lib.probe import ACCEPTED
from photos.models import Album, MediaType, Photo, Source
from photos.timeline import day_groups, month_end, scrubber
from project.lookups import parse_id, parse_ids

PAGE_SIZE = 120
# Multipart envelope around one file: boundaries, headers and the small fields.
UPLOAD_ENVELOPE_BYTES = 256 * 1024


def local_time(photo: Photo) -> datetime:
    """The capture time as the clock showed it where the photo was taken, when known."""
    if photo.taken_at_offset is not None:
        return photo.taken_at.astimezone(dt_timezone(timedelta(minutes=photo.taken_at_offset)))
    return timezone.localtime(photo.taken_at)


# --- Timeline ---------------------------------------------------------------------------


def encode_cursor(photo: Photo) -> str:
    micros = int(photo.taken_at.timestamp() * 1_000_000)
    return f"{micros}.{photo.pk}"


def decode_cursor(text: str):
    try:
        micros, pk = text.split(".", 1)
        if not micros.isascii() or parse_id(pk) is None:
            return None
        moment = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        return moment, parse_id(pk)
    except (ValueError, OverflowError, OSError):
        return None


@login_required
@require_GET
def library(request):
    form = LibraryFilterForm(request.GET or None, owner=request.user)
    qs = Photo.objects.for_owner(request.user).live().only(
        "pk", "taken_at", "taken_at_offset", "media_type", "thumbnail", "analysis_status",
        "original_name", "duration", "width", "height",
    )  # fmt: skip
    every = qs
    filtered = False
    if form.is_bound and form.is_valid():
        kwargs = form.filter_kwargs()
        filtered = any(kwargs.values())
        qs = filters.apply(qs, **kwargs)
    cursor = decode_cursor(request.GET.get("cursor", ""))
    if cursor is not None:
        # Keyset pagination on the (owner, -taken_at, -id) index: page 400 costs what page 1 does.
        moment, pk = cursor
        # The plain bound on taken_at lets the database seek in the index; the OR breaks ties.
        qs = qs.filter(taken_at__lte=moment).filter(Q(taken_at__lt=moment) | Q(pk__lt=pk))
    elif (bound := month_end(request.GET.get("month", ""))) is not None:
        # A scrubber link: the timeline from the end of that month on, older photos after.
        qs = qs.filter(taken_at__lt=bound)
    rows = list(qs.order_by("-taken_at", "-id")[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_query = None
    if has_more:
        params = request.GET.copy()
        params["cursor"] = encode_cursor(rows[-1])
        next_query = params.urlencode()
    # Two links per tile: reverse() once and fill in the ids (250 reverses cost ~20 ms).
    page_url = reverse("photos:photo", args=[_PK])
    thumb_url = reverse("photos:media", args=[_PK, "thumbnail"])
    info_url = reverse("photos:photo-info", args=[_PK])
    for photo in rows:
        photo.local_taken_at = local_time(photo)
        photo.page_url = page_url.replace(str(_PK), str(photo.pk))
        photo.thumb_url = thumb_url.replace(str(_PK), str(photo.pk))
        photo.info_url = info_url.replace(str(_PK), str(photo.pk))
    return render(
        request,
        "photos/library.html",
        {
            "page": "library",
            "form": form,
            "days": day_groups(rows),
            # Infinite scroll fetches the next pages: only the first one needs the scrubber.
            "scrubber": scrubber(every) if cursor is None else None,
            "count": len(rows),
            "next_query": next_query,
            "is_first_page": cursor is None and "month" not in request.GET,
            "user_albums": Album.objects.for_owner(request.user).only("pk", "title"),
            "trash_days": settings.TRASH_DAYS,
            "filtered": filtered,
        },
    )


_PK = 987654321987  # a placeholder id no real photo has


# --- One photo --------------------------------------------------------------------------


@login_required
@require_GET
def photo_detail(request, pk):
    photo = get_photo_for_user(request.user, pk)
    photo.local_taken_at = local_time(photo)
    # The partials list faces with their person and the steps: fetched here, once each.
    faces = list(photo.faces.shown().select_related("person").order_by("x1"))
    steps = list(photo.steps.order_by("step"))
    tags = list(photo.tags.order_by("-score"))
    themes = list(photo.themes.order_by("-score"))
    map_url = None
    if photo.latitude is not None and photo.longitude is not None:
        lat, lon = photo.latitude, photo.longitude
        map_url = f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=16/{lat:.6f}/{lon:.6f}"
    return render(
        request,
        "photos/photo.html",
        {
            "page": "library",
            "photo": photo,
            "faces": faces,
            "face_people": people.menu(request.user) if faces else [],
            "steps": steps,
            "can_retry": analysis_queue.can_retry(steps),
            "tags": tags,
            "themes": themes,
            "map_url": map_url,
            "is_video": photo.media_type == MediaType.VIDEO,
            "inline_original": photo.content_type in ("image/jpeg", "image/png", "image/webp"),
            "trash_days": settings.TRASH_DAYS,
            "place": place_name(photo.latitude, photo.longitude),
        },
    )


@login_required
@require_POST
def photo_delete(request, pk):
    photo = get_photo_for_user(request.user, pk)
    trash.trash_photos(request.user, [photo.pk])
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"trashed": 1, "trash_url": reverse("photos:trash")})
    messages.success(
        request, f"Moved to the trash: restorable for {settings.TRASH_DAYS} days from the Trash."
    )
    return redirect("photos:library")


@login_required
@require_POST
def delete_selected(request):
    # Ids that are not ids ("abc", "²", too large) are dropped: they name no photo of yours.
    ids = parse_ids(request.POST.getlist("ids"), limit=10_000)
    if not ids:
        messages.error(request, "Select at least one photo to delete.")
        return redirect("photos:library")
    count = trash.trash_photos(request.user, ids)
    messages.success(
        request,
        f"Moved {count} photo{'s' if count != 1 else ''} to the trash "
        f"(restorable for {settings.TRASH_DAYS} days).",
    )
    return redirect("photos:library")


# --- Upload -----------------------------------------------------------------------------


@csrf_exempt  # checked in _upload_post, after the size check, so a huge body is not parsed
@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES + UPLOAD_ENVELOPE_BYTES:
            limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
            return JsonResponse(
                {
                    "detail": f"The upload is larger than the limit of {limit_mb:g} MB.",
                    "code": "too_large",
                    "results": [],
                },
                status=413,
            )
        return _upload_post(request)
    return render(
        request,
        "photos/upload.html",
        {
            "page": "library",
            "accepted": ACCEPTED,
            "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
    )


@csrf_protect
def _upload_post(request):
    files = request.FILES.getlist("file")
    if not files and request.POST.get("html"):
        messages.error(request, "Choose at least one file.")
        return redirect("photos:upload")
    if not files:
        return JsonResponse(
            {"detail": "No file was sent (field 'file').", "code": "no_file", "results": []},
            status=400,
        )
    client_taken_at = request.POST.get("taken_at") if len(files) == 1 else None
    try:
        parse_client_time(client_taken_at)
    except IngestError:
        # The browser's file date is only a hint (a wrong clock, a future date): the
        # upload goes on without it rather than being refused.
        client_taken_at = None
    results, statuses = [], []
    for upload in files:
        try:
            result = ingest(
                request.user, upload, source=Source.WEB, client_taken_at=client_taken_at
            )
        except IngestError as exc:
            results.append(
                {"name": upload.name, "ok": False, "detail": exc.message, "code": exc.code}
            )
            statuses.append(exc.status)
            continue
        photo = result.photo
        results.append(
            {
                "name": upload.name,
                "ok": True,
                "id": photo.pk,
                "created": result.created,
                "url": reverse("photos:photo", args=[photo.pk]),
            }
        )
        statuses.append(201 if result.created else 200)
    ok = [s for s in statuses if s < 400]
    # Every file refused: their shared status if they agree, else a plain 400.
    refused = statuses[0] if len(set(statuses)) == 1 else 400
    status = (201 if 201 in ok else 200) if ok else refused
    body = {
        "results": results,
        "stored": sum(1 for r in results if r.get("created")),
        "duplicates": sum(1 for r in results if r["ok"] and not r["created"]),
        "failed": sum(1 for r in results if not r["ok"]),
    }
    if not ok:
        body["detail"] = results[0]["detail"]
        body["code"] = results[0]["code"]
    if request.POST.get("html"):
        # The plain form (no JavaScript): say it on the next page instead of in JSON.
        if body["stored"] or body["duplicates"]:
            messages.success(request, f"Stored {body['stored']}, already had {body['duplicates']}.")
        for result in results:
            if not result["ok"]:
                messages.error(request, f"{result['name']}: {result['detail']}")
        return redirect("photos:library" if ok else "photos:upload")
    return JsonResponse(body, status=status)


# --- Private media ----------------------------------------------------------------------


@login_required
@require_GET
def photo_media(request, pk, kind):
    if kind not in media.KINDS:
        raise Http404("No such file kind.")
    # The trash page shows its thumbnails too.
    return media.serve(request, get_photo_for_user(request.user, pk, trashed=True), kind)


@require_GET
def signed_media(request, token):
    """A short-lived link from the API: the signature is the authorisation, for a live
    photo only. A link made before the photo went to the trash stops at once (404), not
    when it expires; the trash's own thumbnails go through the owner-checked views."""
    try:
        pk, kind = media.resolve_token(token)
    except signing.BadSignature:
        return HttpResponseForbidden("This link has expired or is not valid.")
    photo = Photo.objects.live().filter(pk=pk).first()
    if photo is None:
        raise Http404("No such photo.")
    return media.serve(request, photo, kind, max_age=settings.SIGNED_URL_MAX_AGE)
