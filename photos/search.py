"""Search of the library: one box, the same on the pages and in the API (`?q=`).

A query is read word by word, longest phrase first: a person's name, a place (a city or a
country, by the offline geocoder in photos.lib.places), a theme, a month and a year
("August 2026", "2025"), an object the classifier found ("dog"). Every part narrows the
result ("Lisbon 2026" is photos in Lisbon in 2026). A word that is none of these matches
the text read in the photo (the "text" step: at the start of a word, without accents or
case, "cafe" finds "CAFÉ" and "cafés") or the file name, so a search never fails;
`Query.unknown` says which words matched nothing else. A phrase in double quotes
("\"world's largest\"") is matched as a whole in one line of text or the file name. An
object's name finds it in the photo's text too. Photos whose text matches come first:
a quoted phrase or all the words in one line, then whole words, then word starts, newest
first among equals (`search`; the API keeps newest first for its cursor).
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils import timezone

from photos import filters
from photos.lib import places
from photos.lib.labels import plain_label
from photos.lib.text import fold_words
from photos.models import Face, Person, Photo, PhotoText, PhotoTheme, Tag, Theme

MAX_QUERY_LENGTH = 200
MAX_PHRASE_WORDS = 3
QUOTED = re.compile(r'"([^"]*)"')
MONTHS = {
    places.fold(name): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
# Each word of a theme's label names it ("sea", "pets", "food"), and its value does too.
THEME_WORDS = {
    **{places.fold(word): value for value, label in Theme.choices for word in label.split()
       if word.isalpha()},
    **{value: value for value in Theme.values},
}  # fmt: skip


class SearchError(ValueError):
    pass


@dataclass
class Query:
    text: str
    people: list[Person] = field(default_factory=list)
    cities: list[tuple[str, str, float, float]] = field(default_factory=list)
    countries: list[tuple[str, str]] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    year: int | None = None
    month: int | None = None
    unknown: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)  # "in double quotes"

    def describe(self) -> list[str]:
        """The parts as understood, for the results page ("Person: Ana", "Year: 2026")."""
        parts = [f"Person: {p.name}" for p in self.people]
        parts += [f"Place: {city}" for city, *_ in self.cities]
        parts += [f"Country: {name}" for _, name in self.countries]
        parts += [f"Theme: {Theme(t).label}" for t in self.themes]
        parts += [f"Object: {o}" for o in self.objects]
        if self.month:
            parts.append(f"Month: {calendar.month_name[self.month]}")
        if self.year:
            parts.append(f"Year: {self.year}")
        parts += [f"Words: {w}" for w in self.unknown]
        parts += [f"Phrase: {p}" for p in self.phrases]
        return parts


def parse(user, text: str) -> Query:
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise SearchError(f"A search is at most {MAX_QUERY_LENGTH} characters.")
    query = Query(text=text)
    query.phrases = [" ".join(p.split()) for p in QUOTED.findall(text) if p.split()]
    text = QUOTED.sub(" ", text).replace('"', " ")
    words = [w for w in text.replace(",", " ").split() if w]
    people = {}
    for person in Person.objects.for_owner(user).exclude(name="").only("pk", "name"):
        people.setdefault(places.fold(person.name), person)
        # A first name alone finds the person too, unless two people share it.
        first = places.fold(person.name.split()[0])
        people.setdefault(first, person)
    objects = _object_words(user)
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if _take(query, phrase, people, objects):
                i += size
                break
        else:
            query.unknown.append(words[i])
            i += 1
    return query


def _take(query: Query, phrase: str, people, objects) -> bool:
    key = places.fold(phrase)
    if key.isdigit() and len(key) == 4 and 1800 <= int(key) <= 2200:
        query.year = int(key)
        return True
    if key in MONTHS and " " not in key:
        query.month = MONTHS[key]
        return True
    if key in people:
        query.people.append(people[key])
        return True
    if key in THEME_WORDS:
        query.themes.append(THEME_WORDS[key])
        return True
    if key in objects:
        query.objects.append(key)
        return True
    city = places.find_city(phrase) if len(key) > 2 else None
    if city:
        query.cities.append(city)
        return True
    country = places.find_country(phrase)
    if country:
        query.countries.append(country)
        return True
    return False


def _object_words(user) -> set[str]:
    """The plain names of the objects found in the user's photos ("dog", "windsor tie")."""
    labels = (
        Tag.objects.filter(photo__owner=user).order_by().values_list("label", flat=True).distinct()
    )
    return {places.fold(plain_label(label)) for label in labels}


def apply(qs, query: Query, user):
    """`qs` (the owner's live photos) narrowed to what the query asks for."""
    for person in query.people:
        qs = qs.filter(Exists(Face.objects.filter(photo=OuterRef("pk"), person=person)))
    for theme in query.themes:
        qs = qs.filter(Exists(PhotoTheme.objects.filter(photo=OuterRef("pk"), theme=theme)))
    for word in query.objects:
        tagged = Exists(Tag.objects.filter(photo=OuterRef("pk"), label__icontains=word))
        qs = qs.filter(tagged | _in_text(word))
    for city, _, lat, lon in query.cities:
        # A city's name is a word too ("Cafe" is a town): photos near it, or showing it.
        near = filters.Near(lat, lon, places.CITY_RADIUS_KM)
        located = Q(latitude__isnull=False, longitude__isnull=False) & filters._bounding_box(near)
        qs = qs.filter(located | _in_text(city))
    for code, _ in query.countries:
        qs = qs.filter(pk__in=_in_country(qs, code))
    if query.year or query.month:
        qs = qs.filter(_in_time(query.year, query.month))
    for word in query.unknown + query.phrases:
        qs = qs.filter(Q(original_name__icontains=word) | _in_text(word))
    return qs


def _in_text(words: str, *, whole: bool = False):
    """The photo has a line of text where `words` start a word (or are whole words); never
    true for words that fold to nothing (punctuation)."""
    folded = fold_words(words)
    if not folded:
        return Q(pk__in=[])
    needle = folded if whole else folded.rstrip()
    return Exists(PhotoText.objects.filter(photo=OuterRef("pk"), folded__contains=needle))


def text_rank(query: Query):
    """How well the photo's text matches the query's words (higher first): 4 for a quoted
    phrase or all the words together in one line, then per word 2 when it is a whole word
    and 1 when it starts one. None when the query has no word text could match."""
    terms = query.unknown + query.objects
    if not terms and not query.phrases:
        return None
    rank = Value(0)
    together = query.phrases + ([" ".join(query.unknown)] if len(query.unknown) > 1 else [])
    for phrase in together:
        rank = rank + Case(When(_in_text(phrase, whole=True), then=4), default=0)
    for word in terms + query.phrases:
        rank = rank + Case(
            When(_in_text(word, whole=True), then=2), When(_in_text(word), then=1), default=0
        )
    return rank


def _in_country(qs, code: str) -> list[int]:
    # The geocoder answers per point; photos are grouped by rounded position first, so a
    # library of 50,000 photos is a few thousand look-ups at most.
    points = {
        pk: (lat, lon)
        for pk, lat, lon in qs.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .values_list("pk", "latitude", "longitude")
    }
    return [pk for pk, place in places.place_names(points).items() if place.country_code == code]


def _in_time(year, month) -> Q:
    zone = timezone.get_current_timezone()
    if year and month:
        start = datetime(year, month, 1, tzinfo=zone)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
        return Q(taken_at__gte=start, taken_at__lt=end)
    if year:
        return Q(
            taken_at__gte=datetime(year, 1, 1, tzinfo=zone),
            taken_at__lt=datetime(year + 1, 1, 1, tzinfo=zone),
        )
    return Q(taken_at__month=month)


def search(user, text: str):
    """(Query, the owner's live photos matching it, newest first)."""
    query = parse(user, text)
    qs = apply(Photo.objects.for_owner(user).live(), query, user)
    rank = text_rank(query)
    if rank is None:
        return query, qs.order_by("-taken_at", "-id")
    ranked = qs.annotate(text_rank=ExpressionWrapper(rank, output_field=IntegerField()))
    return query, ranked.order_by("-text_rank", "-taken_at", "-id")


def suggest(user, text: str, limit: int = 8) -> list[dict]:
    """Completions of the last word typed: people, themes, months, objects, places."""
    text = (text or "")[:MAX_QUERY_LENGTH]
    words = text.split()
    if not words or text.endswith(" "):
        return []
    head, last = " ".join(words[:-1]), places.fold(words[-1])
    if len(last) < 2:
        return []
    found: list[tuple[str, str]] = []
    for name in (
        Person.objects.for_owner(user)
        .exclude(name="")
        .order_by("name")
        .values_list("name", flat=True)
    ):
        if places.fold(name).startswith(last) or any(
            places.fold(w).startswith(last) for w in name.split()
        ):
            found.append(("person", name))
    for _value, label in Theme.choices:
        if any(places.fold(w).startswith(last) for w in label.split()):
            found.append(("theme", label))
    for number in range(1, 13):
        if places.fold(calendar.month_name[number]).startswith(last):
            found.append(("month", calendar.month_name[number]))
    found += [("object", word) for word in sorted(_object_words(user)) if word.startswith(last)]
    found += [("place", name) for name in places.complete(last)]
    seen, out = set(), []
    for kind, label in found:
        if label.casefold() in seen:
            continue
        seen.add(label.casefold())
        out.append({"kind": kind, "label": label, "query": f"{head} {label}".strip()})
    return out[:limit]
