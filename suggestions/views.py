from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Min, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from project.files import private_file_response
from suggestions import services, tasks
from suggestions.fetchers import get_album_for_user, get_suggestion_for_user
from suggestions.models import Album, Kind, Suggestion

# A saved album keeps a photo in the trash (it comes back on restore) but does not show it.
LIVE = Q(photos__trashed_at__isnull=True)

FEED_SIZE = 60


def feed_queryset(user, kind: str | None = None):
    # The cards show each suggestion's photo count and dates from `explanation`; the photos
    # themselves are only on the suggestion page, so nothing is prefetched here.
    qs = Suggestion.objects.for_owner(user).visible()
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@login_required
@require_GET
def feed(request):
    kind = request.GET.get("kind") or ""
    if kind and kind not in Kind.values:
        kind = ""
    items = feed_queryset(request.user, kind)[:FEED_SIZE]
    return render(
        request,
        "suggestions/feed.html",
        {"suggestions": items, "kinds": Kind.choices, "kind": kind, "page": "suggestions"},
    )


@login_required
@require_GET
def detail(request, pk):
    suggestion = get_suggestion_for_user(request.user, pk)
    photos = suggestion.photos.order_by("suggestionphoto__position")
    return render(
        request,
        "suggestions/detail.html",
        {
            "suggestion": suggestion,
            "photos": photos,
            "album": suggestion.albums.first(),
            "page": "suggestions",
        },
    )


@login_required
@require_GET
def image(request, pk):
    """The rendered image, to its owner only; `?download=1` saves it as a file."""
    suggestion = get_suggestion_for_user(request.user, pk)
    return image_response(request, suggestion, as_attachment=bool(request.GET.get("download")))


def image_response(request, suggestion: Suggestion, *, as_attachment: bool = False):
    """The rendered JPEG of a suggestion already fetched for its owner (page and API)."""
    if not suggestion.image:
        raise Http404("This suggestion has no image.")
    return private_file_response(
        request,
        suggestion.image.name,
        "image/jpeg",
        filename=f"{suggestion.kind}-{suggestion.pk}.jpg",
        as_attachment=as_attachment,
    )


@login_required
@require_POST
def save(request, pk):
    suggestion = get_suggestion_for_user(request.user, pk)
    album = services.save(suggestion)
    messages.success(request, f"Saved to your albums as “{album.title}”.")
    return redirect("suggestions:detail", pk=suggestion.pk)


@login_required
@require_POST
def dismiss(request, pk):
    suggestion = get_suggestion_for_user(request.user, pk)
    services.dismiss(suggestion)
    messages.success(request, "Dismissed. It will not be proposed again.")
    return redirect("suggestions:feed")


@login_required
@require_POST
def generate(request):
    user_id = request.user.pk
    transaction.on_commit(lambda: tasks.generate_for_user.delay(user_id))
    messages.success(request, "Looking for new suggestions in your photos…")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "suggestions:feed"
    return redirect(target)


@login_required
@require_GET
def albums(request):
    """The user's albums: every suggestion they saved."""
    # Count and the first photo id come with the albums: no query per album.
    items = (
        Album.objects.filter(owner=request.user)
        .annotate(photo_count=Count("photos", filter=LIVE), cover_id=Min("photos__id", filter=LIVE))
        .order_by("-created_at")
    )
    return render(request, "suggestions/albums.html", {"albums": items, "page": "suggestions"})


@login_required
@require_GET
def album(request, pk):
    item = get_album_for_user(request.user, pk)
    photos = item.photos.live().order_by("-taken_at", "-id")
    return render(
        request, "suggestions/album.html", {"album": item, "photos": photos, "page": "suggestions"}
    )
