from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from privacy import outbox
from project.files import private_file_response
from suggestions import controls, services, tasks
from suggestions.fetchers import (
    get_album_for_user,
    get_memory_control_for_user,
    get_suggestion_for_user,
)
from suggestions.forms import MemoryControlForm
from suggestions.lib import feed as ranking
from suggestions.models import (
    Album,
    Control,
    Kind,
    MemoryControl,
    State,
    Suggestion,
    SuggestionPhoto,
)

# A saved album keeps a photo in the trash (it comes back on restore) but does not show it.
LIVE = Q(photos__trashed_at__isnull=True)

FEED_SIZE = 60
RANKED_FROM = 300  # the newest this many are ranked; older ones are in the kind filter


def feed_queryset(user, kind: str | None = None):
    # The cards show each suggestion's photo count and dates from `explanation`; the photos
    # themselves are only on the suggestion page, so nothing is prefetched here.
    qs = Suggestion.objects.for_owner(user).visible()
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def ranked_feed(user, kind: str | None = None, limit: int = FEED_SIZE) -> list[Suggestion]:
    """The feed in the order of suggestions/lib/feed.rank: one card per moment, each
    suggestion with `.folded` (the ones that repeat its photos). Four queries whatever the
    number of suggestions: the rows, their photo ids and qualities, the kinds the user
    saved and dismissed, and the people they see less of."""
    rows = list(feed_queryset(user, kind)[:RANKED_FROM])
    if not rows:
        return []
    photos: dict[int, set[int]] = {s.pk: set() for s in rows}
    qualities: dict[int, list[float]] = {s.pk: [] for s in rows}
    for sid, pid, quality in SuggestionPhoto.objects.filter(suggestion__in=rows).values_list(
        "suggestion_id", "photo_id", "photo__quality_score"
    ):
        photos[sid].add(pid)
        if quality is not None:
            qualities[sid].append(quality)
    saved, dismissed = Counter(), Counter()
    for state, kind_name, n in (
        Suggestion.objects.for_owner(user)
        .exclude(state=State.NEW)
        .values_list("state", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        (saved if state == State.SAVED else dismissed)[kind_name] += n
    less_names = set(
        MemoryControl.objects.filter(owner=user, kind=Control.LESS_OF_PERSON).values_list(
            "person__name", flat=True
        )
    )
    cards = {}
    for s in rows:
        people = set((s.explanation or {}).get("people") or [])
        cards[s.pk] = ranking.Card(
            id=s.pk,
            kind=s.kind,
            state=s.state,
            created_at=s.created_at,
            period_end=s.period_end,
            seen=s.seen_at is not None,
            photo_ids=frozenset(photos[s.pk]),
            people=len(people),
            quality=sum(qualities[s.pk]) / len(qualities[s.pk]) if qualities[s.pk] else None,
            names_less=bool(people & less_names),
        )
    by_id = {s.pk: s for s in rows}
    likes = ranking.taste(saved, dismissed)
    ranked = ranking.rank(list(cards.values()), timezone.localdate(), likes)
    out = []
    for card in ranked[:limit]:
        suggestion = by_id[card.id]
        suggestion.folded = [by_id[c.id] for c in card.folded]
        suggestion.folded_groups = title_groups(suggestion.folded)
        suggestion.score = card.score
        out.append(suggestion)
    return out


def title_groups(suggestions) -> list[tuple[str, list[Suggestion]]]:
    """(title, suggestions) in the order the titles first come: a moment with four
    portraits lists "Portrait: 5 June" once, with a link to each, not four times."""
    groups: dict[str, list[Suggestion]] = {}
    for suggestion in suggestions:
        groups.setdefault(suggestion.title, []).append(suggestion)
    return list(groups.items())


@login_required
@require_GET
def feed(request):
    kind = request.GET.get("kind") or ""
    if kind and kind not in Kind.values:
        kind = ""
    items = ranked_feed(request.user, kind)
    return render(
        request,
        "suggestions/feed.html",
        {"suggestions": items, "kinds": Kind.choices, "kind": kind, "page": "suggestions"},
    )


@login_required
@require_GET
def detail(request, pk):
    # Opening it marks it seen, but not here: a GET changes nothing. The page's script
    # (static/js/seen.js) POSTs to `seen` once it is shown.
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
def seen(request, pk):
    """The detail page's script says the suggestion was opened (204); without script, the
    form of the same name does it and comes back to the page."""
    suggestion = get_suggestion_for_user(request.user, pk)
    services.mark_seen(suggestion)
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return redirect("suggestions:detail", pk=suggestion.pk)


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
    # A broker that is down is not the user's error: the request is kept and sent later.
    outbox.send_on_commit(tasks.generate_for_user, request.user.pk, user=request.user)
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


# --- Memories settings ------------------------------------------------------------------


@login_required
@require_GET
def memories_settings(request):
    return _settings_page(request, MemoryControlForm(request.user))


def _settings_page(request, form, *, pending=None, doomed=None, status=200):
    items = MemoryControl.objects.filter(owner=request.user).select_related("person")
    return render(
        request,
        "suggestions/settings.html",
        {
            "controls": items,  # select_related: the person's name without a query each
            "form": form,
            "pending": pending,
            "doomed": doomed,
            "page": "suggestions",
        },
        status=status,
    )


@login_required
@require_POST
def add_control(request):
    """Add a control. It withdraws the unsaved suggestions that break it, so the first POST
    shows which (with their count) and asks; the second, with `confirm`, applies it."""
    form = MemoryControlForm(request.user, request.POST)
    if not form.is_valid():
        return _settings_page(request, form, status=400)
    try:
        unsaved = controls.validate(request.user, **form.service_fields())
        doomed = controls.preview(request.user, unsaved)
        if doomed and not request.POST.get("confirm"):
            return _settings_page(request, form, pending=unsaved, doomed=doomed)
        controls.add(request.user, **form.service_fields())
    except ValidationError as exc:
        form.add_error(None, exc)
        return _settings_page(request, form, status=400)
    withdrawn = f" {len(doomed)} suggestion{'s' if len(doomed) != 1 else ''} withdrawn."
    messages.success(request, f"Saved: {unsaved.describe()}.{withdrawn if doomed else ''}")
    return redirect("suggestions:settings")


@login_required
@require_POST
def delete_control(request, pk):
    control = get_memory_control_for_user(request.user, pk)
    controls.remove(control)
    messages.success(request, "Removed. The next run may suggest what it kept out.")
    return redirect("suggestions:settings")
