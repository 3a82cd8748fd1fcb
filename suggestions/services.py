"""Suggestion verbs: generate (idempotently, under the consent in force now), save into an
album, dismiss, and withdraw what depended on a revoked scope."""

import logging
import re
from datetime import UTC, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from photos.models import Face, Person, Photo, PhotoTheme
from privacy import consent, derived
from privacy.files import delete_files_on_commit
from privacy.models import Scope
from suggestions import controls, render
from suggestions.kinds import REGISTRY, Context, PhotoInfo, Proposal
from suggestions.kinds.base import PersonInfo
from suggestions.lib.effects import EFFECTS
from suggestions.lib.geodesy import haversine_km, infer_home_from_habits
from suggestions.models import Album, MemoryControl, State, Suggestion, SuggestionPhoto

log = logging.getLogger(__name__)

COVER_MAX = 9


def mark_seen(suggestion: Suggestion) -> bool:
    """Its owner opened it (a POST from the page's script or the app): the feed then puts
    unseen suggestions first. A read receipt, like last_login; True the first time."""
    if suggestion.seen_at is not None:
        return False
    now = timezone.now()
    # Only the first opening counts, even when two tabs send it at once.
    updated = Suggestion.objects.filter(pk=suggestion.pk, seen_at__isnull=True).update(seen_at=now)
    suggestion.seen_at = now if updated else suggestion.seen_at
    return bool(updated)


def withdraw_for_scope(user, scope: str) -> int:
    """Delete the suggestions that depended on a scope the user just revoked (their
    rendered images too, once the deletion is committed). Saved ones stay (their albums
    hold the photos), except after face_analysis is revoked: a face-based suggestion names
    people, which is biometric data, so it goes even when saved; its album stays, without
    the name (unname_albums)."""
    qs = Suggestion.objects.for_owner(user)
    if scope == Scope.FACE_ANALYSIS:
        qs = qs.filter(uses_faces=True)
        unname_albums(user)
    elif scope == Scope.OLDER_PHOTOS:
        qs = qs.filter(uses_older_photos=True)
    elif scope != Scope.CLOUD_PROCESSING:
        return 0
    if scope != Scope.FACE_ANALYSIS:
        qs = qs.exclude(state=State.SAVED)
    delete_files_on_commit(qs.exclude(image="").values_list("image", flat=True))
    _, per_model = Suggestion.objects.filter(pk__in=list(qs.values_list("pk", flat=True))).delete()
    return per_model.get(Suggestion._meta.label, 0)


def face_named_albums(user):
    """Albums saved from a face-based suggestion whose title is still the suggestion's
    (which may name a person); a title the user typed is theirs and is left alone."""
    return Album.objects.filter(
        owner=user, suggestion__uses_faces=True, title=F("suggestion__title")
    ).select_related("suggestion")


def neutral_title(suggestion: Suggestion) -> str:
    start, end = suggestion.period_start, suggestion.period_end
    if start is None:
        return "Saved album"
    first, last = f"{start:%B %Y}", f"{(end or start):%B %Y}"
    return f"Photos from {first}" if first == last else f"Photos from {first} to {last}"


def unname_albums(user) -> int:
    """face_analysis was revoked: a saved album keeps its photos (the user chose to keep
    them), but a title that came from the suggestion, such as "Moments with Ada", names a
    person found by face recognition, so it becomes the album's dates. Returns how many."""
    albums = list(face_named_albums(user))
    for album in albums:
        album.title = neutral_title(album.suggestion)
    Album.objects.bulk_update(albums, ["title"])
    return len(albums)


def forget_renders_of(owner, photo_ids) -> int:
    """A collage or recap rendered from photos being deleted still shows them: the image
    goes (after commit); the suggestion keeps its other photos and is rendered again at the
    next generation. Returns how many images go."""
    rendered = Suggestion.objects.filter(owner=owner, photos__in=list(photo_ids)).exclude(image="")
    names = set(rendered.values_list("image", flat=True))
    delete_files_on_commit(names)
    Suggestion.objects.filter(pk__in=rendered.values("pk")).update(image="")
    return len(names)


def suggestions_showing(person):
    """Every suggestion of the owner's that is about or names this person, of any kind and
    state (Suggestion.people, filled when it was made)."""
    return Suggestion.objects.filter(owner_id=person.owner_id, people=person)


def forget_person(person, *, dry_run: bool = False) -> dict[str, int]:
    """Delete (or only count, with dry_run) what names a person being forgotten: every
    suggestion that shows them, saved ones included (their images after commit, their
    story videos with them), the memories settings about them, and a saved album's title
    that came from one of those suggestions (it becomes the album's dates; the album and
    its photos stay, as the user chose to keep them)."""
    shown = suggestions_showing(person)
    albums = list(
        Album.objects.filter(suggestion__in=shown, title=F("suggestion__title")).select_related(
            "suggestion"
        )
    )
    settings_about = MemoryControl.objects.filter(owner_id=person.owner_id, person=person)
    counts = {
        "suggestions": shown.count(),
        "albums_renamed": len(albums),
        "memory_settings": settings_about.count(),
    }
    if dry_run:
        return counts
    for album in albums:
        album.title = neutral_title(album.suggestion)
    Album.objects.bulk_update(albums, ["title"])
    doomed = list(shown.values_list("pk", flat=True))
    delete_files_on_commit(
        Suggestion.objects.filter(pk__in=doomed).exclude(image="").values_list("image", flat=True)
    )
    Suggestion.objects.filter(pk__in=doomed).delete()
    settings_about.delete()
    return counts


@transaction.atomic
def erase_all(user) -> dict[str, int]:
    """Every suggestion (with its rendered image, after commit) and album of the user."""
    suggestions = Suggestion.objects.filter(owner=user)
    delete_files_on_commit(suggestions.exclude(image="").values_list("image", flat=True))
    albums = Album.objects.filter(owner=user)
    counts = {"suggestions": suggestions.count(), "albums": albums.count()}
    albums.delete()
    suggestions.delete()
    return counts


# --- Generation ---------------------------------------------------------------------------


def eligible_photos(user, *, now, allow_older: bool):
    """Photos analysed under consent; older than the sync window only with `older_photos`."""
    qs = Photo.objects.for_owner(user).live().photos().analysed()
    if not allow_older:
        qs = qs.filter(taken_at__gte=now - timedelta(days=settings.SYNC_WINDOW_DAYS))
    return qs


def local_time(taken_at, offset):
    """Wall-clock time where the photo was taken (naive)."""
    if offset is not None:
        return (taken_at.astimezone(UTC) + timedelta(minutes=offset)).replace(tzinfo=None)
    return timezone.localtime(taken_at).replace(tzinfo=None)


DISTRICT = re.compile(r"\s+\d{1,2}$")  # "Lyon 03", "Paris 11"
TOWN_POPULATION = 15_000  # prefer a town's name over a village's or a district's
TOWN_RADIUS_KM = 20
# A city's name over its districts' ("Berlin", not "Mitte"; "Lisbon", not "Arroios"): the
# geocoder lists districts of big cities as places of their own, so a point within
# CITY_RADIUS_KM x (population / CITY_POPULATION) ** 0.25 of a city this big is named
# after the city (Berlin, 3.4 M: 23 km; Lyon, 0.5 M: 14 km; Potsdam stays Potsdam).
CITY_POPULATION = 250_000
CITY_RADIUS_KM = 12


@lru_cache(maxsize=3)
def _geocoder(min_population: int):
    """reverse_geocode rebuilds its k-d tree of cities on every search(); keep one per
    worker process instead."""
    import reverse_geocode

    return reverse_geocode.GeocodeData(min_population)


def _city_radius_km(population: int) -> float:
    return CITY_RADIUS_KM * (max(population, CITY_POPULATION) / CITY_POPULATION) ** 0.25


def place_names(
    points: dict[int, tuple[float, float]], regions: dict[int, str] | None = None
) -> dict[int, tuple[str, str, str]]:
    """Photo id -> (city, country, country code) from the offline reverse geocoder, at the
    level a person names places: the big city around the point (see CITY_POPULATION), else
    the nearest town within TOWN_RADIUS_KM, else the nearest place of any size. The
    region (state) of each photo goes into `regions` when given."""
    if not points:
        return {}
    # About a kilometre: plenty for a town's name, and far fewer points to look up.
    rounded = {pk: (round(lat, 2), round(lon, 2)) for pk, (lat, lon) in points.items()}
    unique = sorted(set(rounded.values()))
    nearest = _geocoder(0).query(unique)
    towns = _geocoder(TOWN_POPULATION).query(unique)
    cities = _geocoder(CITY_POPULATION).query(unique)
    found = {}
    for point, near, town, city in zip(unique, nearest, towns, cities, strict=True):
        distance = haversine_km(point, (city["latitude"], city["longitude"]))
        if distance <= _city_radius_km(city.get("population") or 0):
            found[point] = city
        elif haversine_km(point, (town["latitude"], town["longitude"])) <= TOWN_RADIUS_KM:
            found[point] = town
        else:
            found[point] = near
    names = {}
    for pk, point in rounded.items():
        hit = found[point]
        if hit.get("city"):
            # "Lyon 03", "Paris 11": districts are named after their city.
            city = DISTRICT.sub("", hit["city"])
            names[pk] = (city, hit.get("country", ""), hit.get("country_code", ""))
            if regions is not None and hit.get("state"):
                regions[pk] = hit["state"]
    return names


def build_context(user, *, now=None) -> Context:
    now = now or timezone.now()
    allow_faces = consent.allows(user, Scope.FACE_ANALYSIS)
    allow_older = consent.allows(user, Scope.OLDER_PHOTOS)
    cutoff = now - timedelta(days=settings.SYNC_WINDOW_DAYS)
    qs = eligible_photos(user, now=now, allow_older=allow_older)
    photos, points = [], {}
    for row in qs.values_list(
        "id",
        "taken_at",
        "taken_at_offset",
        "latitude",
        "longitude",
        "quality_score",
        "duplicate_group",
        "width",
        "height",
    ).order_by():
        pk, taken_at, offset, lat, lon, quality, group, width, height = row
        photos.append(
            PhotoInfo(
                id=pk,
                taken_at=taken_at,
                local=local_time(taken_at, offset),
                latitude=lat,
                longitude=lon,
                quality=quality,
                group=group,
                width=width or 0,
                height=height or 0,
                older=taken_at < cutoff,
            )
        )
        if lat is not None and lon is not None:
            points[pk] = (lat, lon)
    faces, people = {}, {}
    if allow_faces:
        for photo_id, person_id, x1, y1, x2, y2 in (
            Face.objects.shown().filter(  # not the false detections the user dismissed
                owner=user, photo__in=qs.values("id")
            )
        ).values_list("photo_id", "person_id", "x1", "y1", "x2", "y2"):
            faces.setdefault(photo_id, []).append(((x1, y1, x2, y2), person_id))
        for pk, name, birthday in (
            Person.objects.for_owner(user)
            .filter(hidden=False)
            .exclude(name="")
            .values_list("id", "name", "birthday")
        ):
            people[pk] = PersonInfo(id=pk, name=name, birthday=birthday)
    themes = {}
    for photo_id, theme in PhotoTheme.objects.filter(
        owner=user, photo__in=qs.values("id")
    ).values_list("photo_id", "theme"):
        themes.setdefault(photo_id, []).append(theme)
    regions: dict[int, str] = {}
    places = place_names(points, regions)
    # Home from every located photo, before the controls take any away: hiding a place or
    # a week must not move home.
    home = infer_home_from_habits([(p.local, p.latitude, p.longitude) for p in photos if p.located])
    rules = controls.load(user)
    hidden = controls.hidden_photo_ids(user, rules, photos, places)
    if hidden:
        photos = [p for p in photos if p.id not in hidden]
    for person_id in rules.never_people:
        people.pop(person_id, None)
    return Context(
        user=user,
        now=now,
        today=timezone.localdate(now),
        photos=photos,
        faces=faces,
        people=people,
        themes=themes,
        places=places,
        regions=regions,
        home=home,
        less_people=rules.less_people,
        allow_faces=allow_faces,
        allow_older=allow_older,
        window_start=timezone.localdate(cutoff) + timedelta(days=1),
    )


def generate(user, kinds=None, *, now=None) -> list[Suggestion]:
    """Propose every registered kind (or `kinds`) for one user and store what is new.

    Consent is read now, not when the job was queued. A proposal whose (kind, key) exists
    (new, saved or dismissed) is skipped before anything is rendered, so running twice
    creates nothing and a dismissed suggestion never comes back.
    """
    if not consent.allows(user, Scope.CLOUD_PROCESSING):
        return []
    unknown = set(kinds or ()) - set(REGISTRY)
    if unknown:
        raise ValueError(f"unknown suggestion kinds: {sorted(unknown)}")
    ctx = build_context(user, now=now)
    existing = set(Suggestion.objects.for_owner(user).values_list("kind", "key"))
    created = []
    for name, kind in REGISTRY.items():
        if kinds and name not in kinds:
            continue
        for proposal in kind.propose(ctx):
            if (name, proposal.key) in existing or not proposal.photo_ids:
                continue
            existing.add((name, proposal.key))
            suggestion = _store(ctx, name, proposal)
            if suggestion is not None:
                created.append(suggestion)
    rerender_missing(ctx)
    return created


def rerender_missing(ctx: Context) -> int:
    """Suggestions whose image was removed because one of their photos was deleted get a
    new image from the photos they still have; with no photo left they go."""
    count = 0
    for suggestion in (
        Suggestion.objects.for_owner(ctx.user).filter(image="").exclude(state=State.DISMISSED)
    ):
        ids = list(
            SuggestionPhoto.objects.filter(suggestion=suggestion)
            .order_by("position")
            .values_list("photo_id", flat=True)
        )
        if not ids:
            suggestion.delete()
            continue
        proposal = Proposal(
            key=suggestion.key,
            title=suggestion.title,
            photo_ids=ids,
            caption=suggestion.title,
            effect=(suggestion.explanation or {}).get("effect"),
        )
        data, placed, used_faces = _render(ctx, proposal)
        if data is None:
            continue
        if placed is not None:
            suggestion.explanation = {**suggestion.explanation, "layout": placed}
        suggestion.uses_faces = suggestion.uses_faces or used_faces

        def store(writer, suggestion=suggestion, data=data):
            writer.save_field(
                suggestion.image, f"{suggestion.kind}-{suggestion.pk}.jpg", ContentFile(data)
            )
            suggestion.save(update_fields=["image", "explanation", "uses_faces"])

        # Still without an image (an overlapping run did not render it first), and its
        # photos still there: else nothing is written.
        def still_held(suggestion=suggestion, ids=ids):
            waiting = Suggestion.objects.select_for_update().filter(pk=suggestion.pk, image="")
            return waiting.exists() and _still_there(ctx, ids, suggestion.explanation)

        if derived.write_derived(
            ctx.user.pk,
            store,
            scopes=_scopes_of(suggestion.uses_faces, suggestion.uses_older_photos),
            still_held=still_held,
        ):
            count += 1
    return count


def _scopes_of(uses_faces: bool, uses_older: bool) -> list[str]:
    """The consent an image needs when it is stored: cloud processing, face analysis if
    recognised people chose its photos, shaped its crop or named it, older photos if it
    shows any."""
    scopes = [Scope.CLOUD_PROCESSING]
    if uses_faces:
        scopes.append(Scope.FACE_ANALYSIS)
    if uses_older:
        scopes.append(Scope.OLDER_PHOTOS)
    return scopes


def _still_there(ctx: Context, photo_ids, explanation, person_ids=()) -> bool:
    """Checked under the owner lock before a suggestion or its image is stored: every photo
    it shows is still the owner's, not in the trash and analysed (its analysis not deleted
    meanwhile), and every person it names is still there (not forgotten). The run read
    them seconds or minutes ago."""
    ids = set(photo_ids)
    live = Photo.objects.for_owner(ctx.user).live().analysed().filter(pk__in=ids).count()
    if live != len(ids):
        return False
    people = set(person_ids)
    if people and Person.objects.for_owner(ctx.user).filter(pk__in=people).count() != len(people):
        return False
    names = set((explanation or {}).get("people") or [])
    if not names:
        return True
    found = Person.objects.for_owner(ctx.user).filter(name__in=names)
    return set(found.values_list("name", flat=True)) == names


def _render(ctx: Context, proposal: Proposal):
    """(JPEG bytes, collage layout or None, whether face boxes shaped it)."""
    cover_ids = (proposal.cover_ids or proposal.photo_ids)[:COVER_MAX]
    photos = Photo.objects.in_bulk(cover_ids)
    items = [
        (photos[pk], [box for box, _ in ctx.faces.get(pk, [])]) for pk in cover_ids if pk in photos
    ]
    if not items:
        return None, None, False
    if proposal.effect:
        photo, faces = items[0]
        if EFFECTS[proposal.effect].needs_faces and not faces:
            return None, None, False  # a portrait whose faces may no longer be used
        return render.render_effect(photo, proposal.effect, faces), None, bool(faces)
    data, placed = render.render_collage(items, proposal.style, proposal.caption)
    return data, placed, any(faces for _, faces in items)


def _store(ctx: Context, kind: str, proposal: Proposal) -> Suggestion | None:
    data, placed, used_face_boxes = _render(ctx, proposal)
    if data is None:
        return None
    explanation = {**proposal.explanation, "photo_count": len(proposal.photo_ids)}
    if placed is not None:
        explanation["layout"] = placed
    uses_faces = (
        proposal.uses_faces
        or used_face_boxes
        or bool(proposal.person_ids)
        or bool(explanation.get("people"))
    )
    ids = list(dict.fromkeys(proposal.photo_ids))
    older = any(ctx.by_id[pk].older for pk in proposal.photo_ids)
    made: list[Suggestion] = []

    def store(writer):
        # Runs of one owner are serialised by the owner lock: what an overlapping run
        # stored first is seen here, and not rendered into a second file.
        if Suggestion.objects.filter(owner=ctx.user, kind=kind, key=proposal.key).exists():
            return
        suggestion = Suggestion.objects.create(
            owner=ctx.user,
            kind=kind,
            key=proposal.key,
            title=proposal.title[:200],
            period_start=proposal.period_start,
            period_end=proposal.period_end,
            explanation=explanation,
            uses_faces=uses_faces,
            uses_older_photos=older,
        )
        SuggestionPhoto.objects.bulk_create(
            SuggestionPhoto(suggestion=suggestion, photo_id=pk, position=i)
            for i, pk in enumerate(ids)
        )
        suggestion.people.set(dict.fromkeys(proposal.person_ids))
        writer.save_field(suggestion.image, f"{kind}-{suggestion.pk}.jpg", ContentFile(data))
        suggestion.save(update_fields=["image"])
        made.append(suggestion)

    try:
        derived.write_derived(
            ctx.user.pk,
            store,
            scopes=_scopes_of(uses_faces, older),
            still_held=lambda: _still_there(ctx, ids, explanation, proposal.person_ids),
        )
    except IntegrityError:  # the same key stored by another process meanwhile
        log.info("suggestion %s:%s already exists", kind, proposal.key)
        return None
    return made[0] if made else None


# --- The user's verbs -----------------------------------------------------------------


@transaction.atomic
def save(suggestion: Suggestion) -> Album:
    """Keep a suggestion as an album of its photos (saving twice gives the same album)."""
    album = suggestion.albums.filter(owner=suggestion.owner).first()
    if album is None:
        album = Album.objects.create(
            owner=suggestion.owner, title=suggestion.title, suggestion=suggestion
        )
        album.photos.set(suggestion.photos.all())
    if suggestion.state != State.SAVED:
        suggestion.state = State.SAVED
        suggestion.save(update_fields=["state"])
    return album


@transaction.atomic
def dismiss(suggestion: Suggestion) -> None:
    """Hide it for good: its row (and key) stays, so it is never proposed again; its
    rendered image is deleted (unless it was saved as an album, which keeps it)."""
    if suggestion.state == State.DISMISSED:
        return
    fields = ["state"]
    if suggestion.image and suggestion.state != State.SAVED:
        name = suggestion.image.name
        delete_files_on_commit([name])
        suggestion.image = ""
        fields.append("image")
    suggestion.state = State.DISMISSED
    suggestion.save(update_fields=fields)


@transaction.atomic
def leave_trashed(owner, photo_ids) -> int:
    """Photos moved to the trash leave every suggestion at once: their links go, the images
    rendered from them go (rendered again from the rest at the next generation), and an
    open suggestion left with no photo goes. Returns how many suggestions lost photos."""
    ids = list(photo_ids)
    touched = list(
        Suggestion.objects.filter(owner=owner, photos__in=ids).values_list("pk", flat=True)
    )
    forget_renders_of(owner, ids)
    SuggestionPhoto.objects.filter(suggestion__owner=owner, photo__in=ids).delete()
    Suggestion.objects.filter(pk__in=touched, photos=None).exclude(state=State.SAVED).delete()
    return len(set(touched))
