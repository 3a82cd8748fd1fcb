"""The viewer's data, search and the trash (pages of photos/viewer_urls.py, namespace
`photos`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from photos import search, trash, viewer
from photos.fetchers import get_photo_for_user
from photos.models import Photo
from photos.viewer import local_time
from project.lookups import parse_ids

SEARCH_PAGE_SIZE = 300
TRASH_PAGE_SIZE = 500


def _tiles(rows):
    # Two links per tile: reverse() once and fill in the ids.
    page_url = reverse("photos:photo", args=[_PK])
    thumb_url = reverse("photos:media", args=[_PK, "thumbnail"])
    info_url = reverse("photos:photo-info", args=[_PK])
    for photo in rows:
        photo.local_taken_at = local_time(photo)
        photo.page_url = page_url.replace(str(_PK), str(photo.pk))
        photo.thumb_url = thumb_url.replace(str(_PK), str(photo.pk))
        photo.info_url = info_url.replace(str(_PK), str(photo.pk))
    return rows


_PK = 987654321987  # a placeholder id no real photo has

_TILE_FIELDS = ("pk", "taken_at", "taken_at_offset", "media_type", "thumbnail", "original_name",
                "width", "height", "duration", "analysis_status", "trashed_at")  # fmt: skip


@login_required
@require_GET
def photo_info(request, pk):
    """Everything the viewer shows of one photo, as JSON."""
    photo = get_photo_for_user(request.user, pk)
    return JsonResponse(viewer.photo_info(photo, request.user))


@login_required
@require_GET
def search_page(request):
    text = request.GET.get("q", "")
    try:
        query, qs = search.search(request.user, text) if text.strip() else (None, None)
    except search.SearchError as exc:
        return render(
            request,
            "photos/search.html",
            {"q": text[: search.MAX_QUERY_LENGTH], "error": str(exc), "page": "library"},
            status=400,
        )
    rows = _tiles(list(qs.only(*_TILE_FIELDS)[: SEARCH_PAGE_SIZE + 1])) if qs is not None else []
    return render(
        request,
        "photos/search.html",
        {
            "q": text,
            "query": query,
            "photos": rows[:SEARCH_PAGE_SIZE],
            "more": len(rows) > SEARCH_PAGE_SIZE,
            "page": "library",
        },
    )


@login_required
@require_GET
def search_suggest(request):
    """Completions for the header's search box as the user types (JSON)."""
    return JsonResponse({"suggestions": search.suggest(request.user, request.GET.get("q", ""))})


# --- Trash ------------------------------------------------------------------------------


@login_required
@require_GET
def trash_page(request):
    in_trash = Photo.objects.for_owner(request.user).in_trash()
    rows = _tiles(
        list(in_trash.order_by("-trashed_at", "-id").only(*_TILE_FIELDS)[:TRASH_PAGE_SIZE])
    )
    for photo in rows:
        photo.expires_at = photo.trashed_at + trash.keep_for()
    return render(
        request,
        "photos/trash.html",
        {
            "photos": rows,
            "counts": trash.preview(in_trash),
            "days": trash.keep_days(),
            "page": "library",
        },
    )


@login_required
@require_POST
def trash_restore(request):
    ids = parse_ids(request.POST.getlist("ids"), limit=10_000)
    count = trash.restore_photos(request.user, ids)
    messages.success(request, f"Restored {count} photo{'s' if count != 1 else ''}.")
    return redirect("photos:trash")


@login_required
@require_http_methods(["GET", "POST"])
def trash_delete(request):
    """Delete chosen photos of the trash forever: the counts first (GET), then at once."""
    ids = parse_ids(request.POST.getlist("ids") or request.GET.getlist("ids"), limit=10_000)
    selected = Photo.objects.for_owner(request.user).in_trash().filter(pk__in=ids)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        count = trash.delete_forever(request.user, ids)
        messages.success(request, f"Deleted {count} photo{'s' if count != 1 else ''} forever.")
        return redirect("photos:trash")
    if not ids:
        messages.error(request, "Select at least one photo in the trash.")
        return redirect("photos:trash")
    return render(
        request,
        "photos/trash_confirm.html",
        {
            "counts": trash.preview(selected),
            "ids": list(ids),
            "action": "delete",
            "page": "library",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def trash_empty(request):
    in_trash = Photo.objects.for_owner(request.user).in_trash()
    if request.method == "POST":
        count = trash.empty_trash(request.user)
        messages.success(
            request,
            f"The trash is empty: {count} photo{'s' if count != 1 else ''} deleted forever.",
        )
        return redirect("photos:trash")
    return render(
        request,
        "photos/trash_confirm.html",
        {"counts": trash.preview(in_trash), "action": "empty", "page": "library"},
    )
