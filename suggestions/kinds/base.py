"""The interface every suggestion kind implements, and the registry of kinds.

A kind is a class with a `name` (one of `suggestions.models.Kind`) and a `propose(ctx)`
method that yields `Proposal`s from a `Context`: the owner's eligible photos, already
filtered by consent. Kinds never query the database or render images themselves; the
generation service (suggestions/services.py) skips proposals whose key exists, renders
the rest and stores them. See docs/suggestions.md.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from suggestions.lib import habits
from suggestions.lib.events import bursts
from suggestions.lib.geodesy import haversine_km
from suggestions.lib.trips import detect_trips

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PhotoInfo:
    id: int
    taken_at: datetime  # aware
    local: datetime  # wall-clock time where it was taken (naive)
    latitude: float | None
    longitude: float | None
    quality: float | None
    group: int | None  # near-duplicate group
    width: int
    height: int
    older: bool  # taken before the sync window (needs `older_photos`)

    @property
    def day(self) -> date:
        return self.local.date()

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class PersonInfo:
    id: int
    name: str
    birthday: date | None


@dataclass
class Proposal:
    key: str
    title: str
    photo_ids: list[int]
    period_start: date | None = None
    period_end: date | None = None
    # "Why this": reason (a sentence), people, places, dates; the service adds photo_count.
    explanation: dict = field(default_factory=dict)
    uses_faces: bool = False  # chose photos or wrote the title from recognised people
    # The people it is about or names (Suggestion.people): forgetting one of them deletes
    # it. Every kind that names a person or chooses photos by one fills it in.
    person_ids: list[int] = field(default_factory=list)
    # How the image is rendered: a collage of `cover_ids` (default: the first photos) in
    # `style` (a layout from suggestions/lib/layout.py or None to choose), or `effect`
    # applied to the single photo.
    caption: str = ""
    style: str | None = None
    cover_ids: list[int] | None = None
    effect: str | None = None


class Context:
    """What a kind may use. Built once per generation run by suggestions/services.py."""

    def __init__(
        self,
        *,
        user,
        now: datetime,
        today: date,
        photos: list[PhotoInfo],
        faces: dict[int, list[tuple[Box, int | None]]],
        people: dict[int, PersonInfo],
        themes: dict[int, list[str]],
        places: dict[int, tuple[str, str, str]],
        allow_faces: bool,
        allow_older: bool,
        window_start: date | None = None,
        regions: dict[int, str] | None = None,
        home: tuple[float, float] | None = None,
        less_people: set[int] | None = None,
    ):
        self.user = user
        self.now = now
        self.today = today
        self.photos = sorted(photos, key=lambda p: (p.taken_at, p.id))
        self.by_id = {p.id: p for p in self.photos}
        self.faces = faces  # empty unless face analysis is granted
        self.people = people  # named, visible people only
        self.themes = themes
        self.places = places  # photo id -> (city, country, country code)
        self.regions = regions or {}  # photo id -> region (state), where the geocoder has one
        # Where the user lives (lib/geodesy.infer_home_from_habits) and what it is called:
        # never a destination, a place album or a title word.
        self.home = home
        self.home_place = self._place_of_home()
        # People the user asked to see less of: no memory is centred on them.
        self.less_people = less_people or set()
        self._moments = None
        self.allow_faces = allow_faces
        self.allow_older = allow_older
        # Without `older_photos`, the first local day whose photos are all visible; a
        # period that starts earlier is only partly seen, and since a key is never
        # proposed twice it must not be proposed from part of its photos.
        self.window_start = None if allow_older else window_start

    def sees_whole_period(self, start: date) -> bool:
        return self.window_start is None or start >= self.window_start

    # --- home, and places named as a person names them ------------------------------------
    HOME_KM = 25.0  # a photo this close to home was taken at home (or in its town)

    def _place_of_home(self) -> tuple[str, str, str] | None:
        if self.home is None:
            return None
        near = [
            self.places[p.id]
            for p in self.photos
            if p.located and p.id in self.places and self.km_from_home(p) <= self.HOME_KM
        ]
        return Counter(near).most_common(1)[0][0] if near else None

    def km_from_home(self, photo: PhotoInfo) -> float:
        if self.home is None or not photo.located:
            return float("inf")
        return haversine_km((photo.latitude, photo.longitude), self.home)

    def at_home(self, photo_id: int) -> bool:
        """Taken in the user's home town: near home, or named like it."""
        photo = self.by_id.get(photo_id)
        if photo is None:
            return False
        if photo.located and self.km_from_home(photo) <= self.HOME_KM:
            return True
        place = self.places.get(photo_id)
        return place is not None and self.home_place is not None and place == self.home_place

    def away_places(self, photo_ids: Iterable[int]) -> Counter:
        """(city, country, code) by number of photos, leaving home out."""
        return Counter(
            self.places[pk] for pk in photo_ids if pk in self.places and not self.at_home(pk)
        )

    def name_place(self, place: tuple[str, str, str]) -> str:
        """The city, with its country when it is not the home country."""
        city, country, code = place
        home_code = self.home_place[2] if self.home_place else None
        return city if code == home_code or not country else f"{city}, {country}"

    # --- helpers shared by the kinds ---------------------------------------------------
    def best(self, photo_ids: Iterable[int], limit: int | None = None) -> list[int]:
        """Highest quality first, one photo per near-duplicate group."""
        ranked = sorted(
            (self.by_id[pk] for pk in photo_ids if pk in self.by_id),
            key=lambda p: (-(p.quality if p.quality is not None else -1.0), p.taken_at, p.id),
        )
        seen_groups, chosen = set(), []
        for photo in ranked:
            if photo.group is not None:
                if photo.group in seen_groups:
                    continue
                seen_groups.add(photo.group)
            chosen.append(photo.id)
            if limit is not None and len(chosen) >= limit:
                break
        return chosen

    def person_ids_in(self, photo_id: int) -> set[int]:
        return {pid for _, pid in self.faces.get(photo_id, []) if pid in self.people}

    def people_counts(self, photo_ids: Iterable[int]) -> Counter:
        """Named people by the number of the photos they appear in."""
        counts: Counter = Counter()
        for pk in photo_ids:
            counts.update(self.person_ids_in(pk))
        return counts

    def top_person_ids(self, photo_ids: Iterable[int], limit: int = 3) -> list[int]:
        return [pid for pid, _ in self.people_counts(photo_ids).most_common(limit)]

    def top_people(self, photo_ids: Iterable[int], limit: int = 3) -> list[str]:
        return self.names(self.top_person_ids(photo_ids, limit))

    def names(self, person_ids: Iterable[int]) -> list[str]:
        return [self.people[pid].name for pid in person_ids]

    def top_places(self, photo_ids: Iterable[int], limit: int = 3) -> list[str]:
        counts = Counter(self.places[pk][0] for pk in photo_ids if pk in self.places)
        return [city for city, _ in counts.most_common(limit)]

    def place_label(self, photo_ids: Iterable[int], limit: int = 2) -> str:
        """Where photos were taken, home left out: "Rome, Italy" (abroad), "Hamburg" (in
        the home country), "Rome & Florence, Italy", "Rome, Italy & Nice, France"; with
        more than `limit` cities of which none dominates, their region ("Tuscany, Italy")
        when they share one. Empty when they were all taken at home."""
        ids = list(photo_ids)
        counts = self.away_places(ids)
        if not counts:
            return ""
        ranked = counts.most_common()
        total = sum(counts.values())
        if len(ranked) > limit and ranked[0][1] * 2 < total:
            regions = Counter(
                (self.regions[pk], self.places[pk][1], self.places[pk][2])
                for pk in ids
                if pk in self.regions and pk in self.places and not self.at_home(pk)
            )
            if len(regions) == 1:
                return self.name_place(next(iter(regions)))
        top = [place for place, _ in ranked[:limit]]
        if len(top) > 1 and ranked[0][1] >= 3 * ranked[1][1]:
            top = top[:1]  # one main city: a day trip nearby does not share the title
        if len({code for _, _, code in top}) == 1:
            *_, last = top
            names = " & ".join(city for city, _, _ in top)
            return self.name_place((names, last[1], last[2]))
        return " & ".join(self.name_place(place) for place in top)

    def top_themes(self, photo_ids: Iterable[int], limit: int = 2) -> list[str]:
        counts = Counter(theme for pk in photo_ids for theme in self.themes.get(pk, ()))
        return [theme for theme, _ in counts.most_common(limit)]

    def days(self, photo_ids: Iterable[int]) -> tuple[date, date]:
        days = [self.by_id[pk].day for pk in photo_ids]
        return min(days), max(days)

    # --- the user's habits and moments ---------------------------------------------------
    def event_min_photos(self) -> int:
        return habits.event_min_photos([p.day for p in self.photos])

    def recap_min_photos(self) -> int:
        by_month: dict[tuple[int, int], list[int]] = {}
        for p in self.photos:
            by_month.setdefault((p.day.year, p.day.month), []).append(p.id)
        return habits.recap_min_photos([len(self.good(ids)) for ids in by_month.values()])

    GOOD_QUALITY = 0.3  # below this a photo is blurred or dark (photos/lib quality score)

    def good(self, photo_ids: Iterable[int]) -> list[int]:
        """Distinct (one per near-duplicate group), not-bad photos, best first."""
        return [
            pk
            for pk in self.best(photo_ids)
            if self.by_id[pk].quality is None or self.by_id[pk].quality >= self.GOOD_QUALITY
        ]

    def moments(self) -> list[tuple[str, list[int]]]:
        """Trips and events as (kind, photo ids), computed once per run: a recap keeps
        their photos off its cover and the year in review names the trips."""
        if self._moments is None:
            found = []
            if self.home is not None:
                rows = [(p.id, p.day, p.latitude, p.longitude) for p in self.photos]
                found += [("trip", t.photo_ids) for t in detect_trips(rows, self.home)]
            found += [
                ("event", ids)
                for ids in bursts(
                    [(p.id, p.taken_at) for p in self.photos],
                    min_photos=self.event_min_photos(),
                )
            ]
            self._moments = found
        return self._moments


class SuggestionKind:
    name: str = ""

    def propose(self, ctx: Context) -> Iterator[Proposal]:
        raise NotImplementedError


REGISTRY: dict[str, SuggestionKind] = {}


def register(cls: type[SuggestionKind]) -> type[SuggestionKind]:
    from suggestions.models import Kind

    if cls.name not in Kind.values:
        raise ValueError(f"{cls.name!r} is not a suggestions.models.Kind value")
    REGISTRY[cls.name] = cls()
    return cls


def photo_set_key(prefix: str, photo_ids: Iterable[int]) -> str:
    """A key naming a set of photos: the same photos give the same key in any order."""
    digest = hashlib.sha256(",".join(map(str, sorted(set(photo_ids)))).encode()).hexdigest()
    return f"{prefix}:{digest[:32]}"


DASH = "\N{EN DASH}"


def format_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def format_range(start: date, end: date) -> str:
    """'3 May 2026', '3-7 May 2026', '30 April - 2 May 2026' (with en dashes)."""
    if start == end:
        return format_day(start)
    if start.year != end.year:
        return f"{format_day(start)} {DASH} {format_day(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%B} {DASH} {format_day(end)}"
    return f"{start.day}{DASH}{format_day(end)}"
