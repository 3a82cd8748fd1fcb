"""Memories controls, set before generation: per person "show less" and "never in
memories", a hidden date range, a hidden place. `generate()` applies them when it builds
its Context (the photos they hide are not there, so nothing is proposed and then hidden);
setting one withdraws the unsaved suggestions that break it."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from photos.models import Face, Person
from privacy.files import delete_files_on_commit
from project.lookups import parse_id
from suggestions.models import Control, MemoryControl, State, Suggestion, SuggestionPhoto

MAX_CONTROLS = 200  # per user: plenty for a person's rules, and a bound on the work


@dataclass
class Rules:
    less_people: set[int] = field(default_factory=set)
    never_people: set[int] = field(default_factory=set)
    date_ranges: list[tuple[date, date]] = field(default_factory=list)
    # (city casefolded, country code; "" for a city of that name in any country).
    places: set[tuple[str, str]] = field(default_factory=set)

    def hides_day(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.date_ranges)

    def hides_place(self, place: tuple[str, str, str] | None) -> bool:
        if place is None:
            return False
        city, _country, code = place
        city = city.casefold()
        return (city, code) in self.places or (city, "") in self.places


def load(user) -> Rules:
    rules = Rules()
    for kind, person_id, start, end, city, code in MemoryControl.objects.filter(
        owner=user
    ).values_list("kind", "person_id", "start", "end", "city", "country_code"):
        if kind == Control.LESS_OF_PERSON and person_id:
            rules.less_people.add(person_id)
        elif kind == Control.NEVER_PERSON and person_id:
            rules.never_people.add(person_id)
        elif kind == Control.HIDE_DATES and start and end:
            rules.date_ranges.append((start, end))
        elif kind == Control.HIDE_PLACE and city:
            rules.places.add((city.casefold(), code))
    return rules


def hidden_photo_ids(user, rules: Rules, photos, places) -> set[int]:
    """The photos (PhotoInfo) that the rules keep out of memories."""
    hidden = {p.id for p in photos if rules.hides_day(p.day) or rules.hides_place(places.get(p.id))}
    if rules.never_people:
        # Whether or not face analysis is still granted: face rows that exist were made
        # under it, and keeping someone out is what the user asked for.
        hidden.update(
            Face.objects.filter(owner=user, person__in=rules.never_people).values_list(
                "photo_id", flat=True
            )
        )
    return hidden


# --- Setting and removing them -----------------------------------------------------------


def validate(
    user, kind: str, *, person_id=None, start=None, end=None, city="", country_code=""
) -> MemoryControl:
    """An unsaved control from the user's input, or ValidationError with a message for
    them (for the preview and for `add`)."""
    if kind not in Control.values:
        raise ValidationError("Unknown setting.")
    control = MemoryControl(owner=user, kind=kind)
    if kind in (Control.LESS_OF_PERSON, Control.NEVER_PERSON):
        number = parse_id(person_id)
        person = Person.objects.for_owner(user).filter(pk=number).first() if number else None
        if person is None:
            raise ValidationError("Choose one of your people.")
        control.person = person
    elif kind == Control.HIDE_DATES:
        if not isinstance(start, date) or not isinstance(end, date):
            raise ValidationError("Give a first and a last day.")
        if end < start:
            raise ValidationError("The last day is before the first.")
        control.start, control.end = start, end
    else:
        city = (city or "").strip()
        if not city or len(city) > 200:
            raise ValidationError("Give the place's name as memories show it.")
        code = (country_code or "").strip().upper()
        if code and (len(code) != 2 or not code.isalpha()):
            raise ValidationError("The country code has two letters (DE, FR).")
        control.city, control.country_code = city, code
    return control


def add(user, kind: str, **fields) -> MemoryControl:
    """Validate and store one control, then withdraw what breaks it."""
    control = validate(user, kind, **fields)
    with transaction.atomic():
        if MemoryControl.objects.filter(owner=user).count() >= MAX_CONTROLS:
            raise ValidationError(f"At most {MAX_CONTROLS} memories settings.")
        if control.person_id:
            # One rule per person: "never" replaces "show less" and the other way round.
            MemoryControl.objects.filter(
                owner=user,
                person_id=control.person_id,
                kind__in=[Control.LESS_OF_PERSON, Control.NEVER_PERSON],
            ).delete()
        control.save()
        withdraw_breaking(user)
    return control


def remove(control: MemoryControl) -> None:
    """Lift a control: the next generation may propose what it kept out."""
    control.delete()


def preview(user, control: MemoryControl | None = None) -> list[Suggestion]:
    """The unsaved suggestions that the user's controls (with `control` if given) rule
    out; `withdraw_breaking` deletes exactly these."""
    rules = load(user)
    if control is not None:
        extra = load_one(control)
        rules.less_people |= extra.less_people
        rules.never_people |= extra.never_people
        rules.date_ranges += extra.date_ranges
        rules.places |= extra.places
    return _breaking(user, rules)


def load_one(control: MemoryControl) -> Rules:
    rules = Rules()
    if control.kind == Control.LESS_OF_PERSON:
        rules.less_people.add(control.person_id)
    elif control.kind == Control.NEVER_PERSON:
        rules.never_people.add(control.person_id)
    elif control.kind == Control.HIDE_DATES:
        rules.date_ranges.append((control.start, control.end))
    else:
        rules.places.add((control.city.casefold(), control.country_code))
    return rules


def _breaking(user, rules: Rules) -> list[Suggestion]:
    # suggestions.services imports this module (to apply the rules at generation).
    from suggestions.services import local_time, place_names

    candidates = list(Suggestion.objects.for_owner(user).filter(state=State.NEW))
    if not candidates:
        return []
    links = SuggestionPhoto.objects.filter(suggestion__in=candidates).values_list(
        "suggestion_id",
        "photo_id",
        "photo__taken_at",
        "photo__taken_at_offset",
        "photo__latitude",
        "photo__longitude",
    )
    by_suggestion: dict[int, list] = {}
    points = {}
    for sid, pid, taken_at, offset, lat, lon in links:
        by_suggestion.setdefault(sid, []).append((pid, local_time(taken_at, offset).date()))
        if lat is not None and lon is not None:
            points[pid] = (lat, lon)
    places = place_names(points) if rules.places else {}
    never_photos = set()
    if rules.never_people:
        never_photos = set(
            Face.objects.filter(owner=user, person__in=rules.never_people).values_list(
                "photo_id", flat=True
            )
        )
    never_names = set(
        Person.objects.filter(owner=user, pk__in=rules.never_people).values_list("name", flat=True)
    )
    person_keys = {f"p{pk}" for pk in rules.never_people | rules.less_people}
    out = []
    for suggestion in candidates:
        photos = by_suggestion.get(suggestion.pk, [])
        people = set((suggestion.explanation or {}).get("people") or [])
        key_parts = set(suggestion.key.replace("-", ":").split(":"))
        centred_on = bool(key_parts & person_keys) or (
            suggestion.key.startswith("person:")
            and f"p{suggestion.key.split(':', 1)[1]}" in person_keys
        )
        if (
            any(pid in never_photos for pid, _ in photos)
            or any(rules.hides_day(day) for _, day in photos)
            or any(rules.hides_place(places.get(pid)) for pid, _ in photos)
            or people & never_names
            or centred_on
        ):
            out.append(suggestion)
    return out


def withdraw_breaking(user) -> int:
    """Delete the unsaved (new) suggestions that the controls rule out, with their images
    after the commit. Saved ones are the user's albums and stay; dismissed ones keep their
    key so they are not proposed again."""
    doomed = _breaking(user, load(user))
    if not doomed:
        return 0
    delete_files_on_commit([s.image.name for s in doomed if s.image])
    Suggestion.objects.filter(pk__in=[s.pk for s in doomed]).delete()
    return len(doomed)
