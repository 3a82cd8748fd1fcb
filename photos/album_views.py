"""User album pages, included by photos/urls.py (namespace `photos`). Saved suggestions
are albums too, listed by suggestions' own page, which this one links to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from photos import albums
from photos.fetchers import get_album_for_user
from photos.models import Album, Photo
from project.lookups import parse_id, parse_ids


def album_url(album) -> str:
    return reverse("photos:album", args=[album.pk])


def _safe_next(request) -> str | None:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and ok else None


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _fail(request, error, album=None):
    if _wants_json(request):
        return JsonResponse({"detail": str(error), "code": error.code}, status=400)
    messages.error(request, str(error))
    return redirect("photos:album", album.pk) if album else redirect("photos:albums")


@login_required
@require_GET
def album_list(request):
    # Count, and the newest photo for albums without a chosen cover, come with the albums:
    # no query per album.
    live = Q(photos__trashed_at__isnull=True)
    items = (
        Album.objects.for_owner(request.user)
        .annotate(photo_count=Count("photos", filter=live), newest=Max("photos__id", filter=live))
        .select_related("cover")
    )
    items = list(items)
    for item in items:
        cover = item.cover if item.cover and item.cover.trashed_at is None else None
        item.cover_photo_id = cover.pk if cover else item.newest
    # The covers with their faces in two queries, for the face-aware square crops.
    covers = (
        Photo.objects.filter(pk__in=[i.cover_photo_id for i in items if i.cover_photo_id])
        .only("pk", "width", "height")
        .prefetch_related("faces")
    )
    by_id = {photo.pk: photo for photo in covers}
    for item in items:
        item.cover_photo = by_id.get(item.cover_photo_id)
    return render(request, "photos/albums.html", {"albums": items, "page": "albums"})


@login_required
@require_POST
def album_create(request):
    ids = parse_ids(request.POST.getlist("ids"), limit=albums.MAX_PHOTOS_PER_REQUEST)
    try:
        album = albums.create_album(request.user, request.POST.get("title", ""), ids)
    except albums.AlbumError as error:
        return _fail(request, error)
    if _wants_json(request):
        return JsonResponse({"id": album.pk, "title": album.title}, status=201)
    messages.success(request, f"Album “{album.title}” created.")
    return redirect("photos:album", album.pk)


@login_required
@require_GET
def album_detail(request, pk):
    album = get_album_for_user(request.user, pk)
    # The faces come with the photos (one query), for the face-aware square crops.
    photos = (
        album.photos.live()
        .order_by("-taken_at", "-id")
        .only("pk", "original_name", "thumbnail", "width", "height", "taken_at", "media_type")
        .prefetch_related("faces")
    )
    return render(
        request,
        "photos/album.html",
        {"album": album, "photos": photos, "page": "albums"},
    )


@login_required
@require_POST
def album_rename(request, pk):
    album = get_album_for_user(request.user, pk)
    try:
        albums.rename_album(album, request.POST.get("title", ""))
    except albums.AlbumError as error:
        return _fail(request, error, album)
    messages.success(request, "Album renamed.")
    return redirect("photos:album", album.pk)


@login_required
@require_POST
def album_add(request, pk):
    """Add photos from a selection in the grid or from the viewer (JSON when asked)."""
    album = get_album_for_user(request.user, pk)
    ids = parse_ids(request.POST.getlist("ids"), limit=albums.MAX_PHOTOS_PER_REQUEST)
    added = albums.add_photos(album, ids)
    if _wants_json(request):
        return JsonResponse({"id": album.pk, "title": album.title, "added": added})
    messages.success(request, f"{added} photo{'s' if added != 1 else ''} added to “{album.title}”.")
    return redirect(_safe_next(request) or album_url(album))


@login_required
@require_POST
def album_remove(request, pk):
    album = get_album_for_user(request.user, pk)
    ids = parse_ids(request.POST.getlist("ids"), limit=albums.MAX_PHOTOS_PER_REQUEST)
    removed = albums.remove_photos(album, ids)
    plural = "s" if removed != 1 else ""
    messages.success(request, f"{removed} photo{plural} taken out (still in your library).")
    return redirect("photos:album", album.pk)


@login_required
@require_POST
def album_cover(request, pk):
    album = get_album_for_user(request.user, pk)
    try:
        albums.set_cover(album, parse_id(request.POST.get("photo")) or 0)
    except albums.AlbumError as error:
        return _fail(request, error, album)
    messages.success(request, "Cover chosen.")
    return redirect("photos:album", album.pk)


@login_required
@require_http_methods(["GET", "POST"])
def album_delete(request, pk):
    album = get_album_for_user(request.user, pk)
    if request.method == "POST":
        albums.delete_album(album)
        messages.success(request, f"Album “{album.title}” deleted. Its photos stay.")
        return redirect("photos:albums")
    return render(
        request,
        "photos/album_delete.html",
        {"album": album, "counts": albums.deletion_preview(album), "page": "albums"},
    )
