"""A sparse photographer's dated camera roll for the memories tests (issue 15): home in
Berlin (photos on weekday evenings across its districts, so the geocoder's nearest names
are Mitte, Tiergarten, Kreuzberg...), a weekend in Paris, four days in Lisbon, a party of 5
at home, a sparse month (February, 4 photos), Barack in four different years, Barack and
Joe together three times, and Mia, born on 5 June 2025, with a photo wrongly dated a year
before she was born. About 40 photos: one a day, as people who take few photos do."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from photos.models import Face, Person
from tests.factories import make_photo

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)  # a Saturday
PACK = "test-pack"

# Home: four Berlin districts.
MITTE = (52.5200, 13.4050)
TIERGARTEN = (52.5163, 13.3777)
KREUZBERG = (52.4990, 13.4180)
PRENZLAUER_BERG = (52.5390, 13.4240)
HOME = (MITTE, TIERGARTEN, KREUZBERG, PRENZLAUER_BERG)
PARIS = ((48.8584, 2.2945), (48.8606, 2.3376), (48.8867, 2.3431), (48.8530, 2.3499))
LISBON = ((38.7223, -9.1393), (38.7139, -9.1334), (38.6916, -9.2160))

PARIS_DAYS = (date(2026, 4, 10), date(2026, 4, 12))
LISBON_DAYS = (date(2026, 5, 14), date(2026, 5, 17))
PARTY_DAY = date(2026, 6, 6)

ONE = [(0.30, 0.20, 0.70, 0.60)]
TWO = [(0.10, 0.20, 0.45, 0.60), (0.55, 0.20, 0.90, 0.60)]


@dataclass
class MemoriesRoll:
    owner: object
    photos: list = field(default_factory=list)
    people: dict = field(default_factory=dict)
    who: dict = field(default_factory=dict)  # photo pk -> set of people keys

    def ids_between(self, first: date, last: date) -> set[int]:
        return {p.pk for p in self.photos if first <= p.taken_at.date() <= last}

    def ids_with(self, key: str) -> set[int]:
        return {pk for pk, who in self.who.items() if key in who}


def _at(y, m, d, h=20, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def plan(photos_dir):
    """(time, gps, file, people keys) of every photo."""
    s = lambda name: photos_dir / "scenes" / name  # noqa: E731
    person = lambda who, name: photos_dir / "people" / who / name  # noqa: E731
    rows = [
        # Barack over the years, at home in summer.
        (_at(2023, 7, 4), MITTE, person("obama", "obama_1.jpg"), ["barack"]),
        (_at(2024, 7, 3), KREUZBERG, person("obama", "obama_2.jpg"), ["barack"]),
        # Mia's face on a photo dated a year before she was born (a wrong camera clock).
        (_at(2024, 6, 5), TIERGARTEN, person("rose_leslie", "rose_2.jpg"), ["mia"]),
        (_at(2025, 7, 2), TIERGARTEN, person("obama", "obama_3.jpg"), ["barack"]),
        # February: the sparse month, one evening a week.
        (_at(2026, 2, 3), MITTE, s("ibm_coffee.jpg"), []),
        (_at(2026, 2, 10, 19, 30), TIERGARTEN, s("ibm_dog.jpg"), []),
        (_at(2026, 2, 17, 21), KREUZBERG, s("pelican.jpeg"), []),
        (_at(2026, 2, 24), PRENZLAUER_BERG, s("bald_eagle.jpeg"), []),
        # March at home.
        (_at(2026, 3, 3), MITTE, s("ibm_aquarium.jpg"), []),
        (_at(2026, 3, 9), TIERGARTEN, s("imagenet_finch.jpeg"), []),
        (_at(2026, 3, 16), KREUZBERG, s("ibm_burger.jpg"), []),
        (_at(2026, 3, 23), PRENZLAUER_BERG, s("ibm_city.jpg"), []),
        (_at(2026, 3, 30), MITTE, s("dragonfly_taj.jpg"), []),
        # April: home, a weekend in Paris (Friday to Sunday), home.
        (_at(2026, 4, 7), KREUZBERG, s("ibm_taxis.jpg"), []),
        (_at(2026, 4, 10, 11), PARIS[0], s("ibm_paris.jpg"), []),
        (_at(2026, 4, 10, 17), PARIS[1], s("ibm_city.jpg"), []),
        (_at(2026, 4, 11, 10), PARIS[2], s("ibm_bakery.jpg"), []),
        (_at(2026, 4, 11, 15), PARIS[3], s("carrotcake_cake.jpg"), []),
        (
            _at(2026, 4, 11, 20),
            PARIS[1],
            person("groups", "biden_and_obama.jpg"),
            ["joe", "barack"],
        ),
        (_at(2026, 4, 12, 11), PARIS[0], s("ibm_taxis.jpg"), []),
        (_at(2026, 4, 12, 15), PARIS[3], s("ibm_coffee.jpg"), []),
        (_at(2026, 4, 21), MITTE, s("selfie.jpg"), []),
        (_at(2026, 4, 28), TIERGARTEN, s("imagenet_finch.jpeg"), []),
        # May: home, four days in Lisbon (Thursday to Sunday), home.
        (_at(2026, 5, 5), PRENZLAUER_BERG, s("ibm_dog.jpg"), []),
        (_at(2026, 5, 14, 11), LISBON[0], s("ibm_ruins.jpg"), []),
        (_at(2026, 5, 14, 18), LISBON[1], s("dragonfly_beach.jpg"), []),
        (_at(2026, 5, 15, 12), LISBON[2], s("ibm_pizza.jpg"), []),
        (_at(2026, 5, 16, 10), LISBON[0], s("gorfort_mountain.jpg"), []),
        (_at(2026, 5, 16, 19), LISBON[1], s("insightface_t1.jpg"), ["joe", "barack"]),
        (_at(2026, 5, 17, 12), LISBON[2], s("ibm_burger.jpg"), []),
        (_at(2026, 5, 26), MITTE, s("pelican.jpeg"), []),
        # June: home, the party of 5 at home on Saturday the 6th, home.
        (_at(2026, 6, 2), KREUZBERG, s("bald_eagle.jpeg"), []),
    ]
    party = [
        (s("selfie.jpg"), ["joe", "barack"]),
        (person("biden", "biden_2.jpg"), ["joe"]),
        (s("ibm_pizza.jpg"), []),
        (person("rose_leslie", "rose_1.jpg"), ["mia"]),
        (person("kit_harington", "kit_1.jpeg"), []),
    ]
    for i, (path, who) in enumerate(party):
        rows.append((_at(2026, 6, 6, 20) + timedelta(minutes=20 * i), MITTE, path, who))
    rows.append((_at(2026, 6, 10), TIERGARTEN, s("ibm_aquarium.jpg"), []))
    return rows


def build_memories_roll(owner, photos_dir) -> MemoriesRoll:
    roll = MemoriesRoll(owner=owner)
    roll.people = {
        "barack": Person.objects.create(
            owner=owner, name="Barack", birthday=date(1961, 8, 4), pack=PACK
        ),
        "joe": Person.objects.create(owner=owner, name="Joe", birthday=None, pack=PACK),
        "mia": Person.objects.create(owner=owner, name="Mia", birthday=date(2025, 6, 5), pack=PACK),
    }
    embedding = np.ones(512, dtype=np.float32).tobytes()
    for i, (taken_at, gps, path, who) in enumerate(plan(photos_dir)):
        photo = make_photo(
            owner, path, taken_at=taken_at, gps=gps, quality_score=round(0.9 - i * 0.005, 3)
        )
        boxes = ONE if len(who) == 1 else TWO
        for (fx1, fy1, fx2, fy2), key in zip(boxes, who, strict=False):
            Face.objects.create(
                owner=owner,
                photo=photo,
                person=roll.people[key],
                x1=fx1 * photo.width,
                y1=fy1 * photo.height,
                x2=fx2 * photo.width,
                y2=fy2 * photo.height,
                det_score=0.9,
                embedding=embedding,
                pack=PACK,
                dim=512,
            )
        roll.who[photo.pk] = set(who)
        roll.photos.append(photo)
    for person in roll.people.values():
        Person.objects.filter(pk=person.pk).update(face_count=person.faces.count())
    return roll
