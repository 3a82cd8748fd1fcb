"""A test camera roll: real photos from ../shared with EXIF written here, over several
months, at home in Lyon and on a trip to Rome, with people who have birthdays."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import time_machine

from photos.models import Face, Person, PhotoTheme
from tests.broker import broker_down  # noqa: F401 (a fixture for the broker-down tests)
from tests.factories import make_photo

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
LYON = (45.7640, 4.8357)
ROME = (41.9028, 12.4964)
PACK = "test-pack"

# Face boxes as fractions of the upright photo (x1, y1, x2, y2), placed where the faces are
# in these photos; obama_2's is pushed into a corner to make the crop work for it.
FACES = {
    "obama_1.jpg": [(0.28, 0.18, 0.72, 0.62)],
    "obama_2.jpg": [(0.02, 0.03, 0.48, 0.36)],
    "obama_3.jpg": [(0.30, 0.20, 0.70, 0.50)],
    "biden_and_obama.jpg": [(0.12, 0.16, 0.36, 0.58), (0.60, 0.12, 0.84, 0.52)],
    "biden_2.jpg": [(0.30, 0.18, 0.70, 0.66)],
}
# Who each face is (same order as FACES).
WHO = {
    "obama_1.jpg": ["barack"],
    "obama_2.jpg": ["barack"],
    "obama_3.jpg": ["barack"],
    "biden_and_obama.jpg": ["joe", "barack"],
    "biden_2.jpg": ["joe"],
}


@dataclass
class Roll:
    owner: object
    photos: list = field(default_factory=list)
    people: dict = field(default_factory=dict)

    def on(self, day):
        return [p for p in self.photos if p.taken_at.date() == day]


def yesterday():
    """A capture time on a day that is over (collages and events wait for that)."""
    from django.utils import timezone

    return timezone.now() - timedelta(days=1)


def _at(y, m, d, h=12, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def plan(photos_dir):
    """(time, gps, file, themes) for every photo of the roll."""
    scenes = photos_dir / "scenes"
    people = photos_dir / "people"
    s = lambda name: scenes / name  # noqa: E731
    rows = [
        # A year ago today (on this day).
        (_at(2025, 6, 20, 10), LYON, s("ibm_dog.jpg"), []),
        (_at(2025, 6, 20, 11), LYON, s("ibm_coffee.jpg"), ["food"]),
        # March: the owner's own birthday on the 5th.
        (_at(2026, 3, 5, 9), LYON, s("ibm_bakery.jpg"), ["food"]),
        (_at(2026, 3, 5, 18), LYON, s("ibm_pizza.jpg"), ["food"]),
        (_at(2026, 3, 9), LYON, s("bald_eagle.jpeg"), ["animals"]),
        (_at(2026, 3, 9, 13), LYON, s("pelican.jpeg"), ["animals"]),
        (_at(2026, 3, 14), LYON, s("ibm_city.jpg"), ["city"]),
        (_at(2026, 3, 21), LYON, s("imagenet_finch.jpeg"), ["animals"]),
        (_at(2026, 3, 22), LYON, s("ibm_aquarium.jpg"), ["animals"]),
        (_at(2026, 3, 27), LYON, s("ibm_burger.jpg"), ["food"]),
        (_at(2026, 3, 28), LYON, people / "kit_harington" / "kit_1.jpeg", []),
        # April: Barack's birthday on the 12th.
        (_at(2026, 4, 2), LYON, people / "rose_leslie" / "rose_1.jpg", []),
        (_at(2026, 4, 6), LYON, s("ibm_taxis.jpg"), ["city", "vehicles"]),
        (_at(2026, 4, 12, 10), LYON, people / "obama" / "obama_1.jpg", ["celebrations"]),
        (_at(2026, 4, 12, 11), LYON, people / "obama" / "obama_2.jpg", ["celebrations"]),
        (_at(2026, 4, 12, 15), LYON, people / "obama" / "obama_3.jpg", ["celebrations"]),
        (_at(2026, 4, 18), LYON, s("dragonfly_beach.jpg"), ["beach"]),
        (_at(2026, 4, 19), LYON, s("ibm_coffee.jpg"), ["food"]),
        (_at(2026, 4, 25), LYON, people / "kit_harington" / "kit_2.jpeg", []),
        (_at(2026, 4, 28), LYON, people / "alex_lacamoire" / "alex_1.jpg", []),
        # May: home, then four days in Rome (10-13 May), then home again.
        (_at(2026, 5, 2), LYON, s("ibm_dog.jpg"), ["animals"]),
        (_at(2026, 5, 5), LYON, s("ibm_bakery.jpg"), ["food"]),
        (_at(2026, 5, 10, 9), ROME, s("ibm_ruins.jpg"), ["travel"]),
        (_at(2026, 5, 10, 16), ROME, s("dragonfly_taj.jpg"), ["travel"]),
        (_at(2026, 5, 11, 10), ROME, s("ibm_city.jpg"), ["travel", "city"]),
        (_at(2026, 5, 11, 17), ROME, s("ibm_pizza.jpg"), ["food"]),
        (_at(2026, 5, 12, 11), (41.8986, 12.4769), s("ibm_paris.jpg"), ["travel"]),
        (_at(2026, 5, 12, 19), ROME, s("ibm_burger.jpg"), ["food"]),
        (_at(2026, 5, 13, 9), ROME, s("ibm_taxis.jpg"), ["vehicles"]),
        (_at(2026, 5, 13, 12), ROME, people / "rose_leslie" / "rose_2.jpg", ["travel"]),
        (_at(2026, 5, 20), LYON, s("imagenet_finch.jpeg"), ["animals"]),
        (_at(2026, 5, 25), LYON, s("pelican.jpeg"), ["animals"]),
        # June (inside the 30-day window): a party on the 13th, every 12 minutes.
        (_at(2026, 6, 2), LYON, s("bald_eagle.jpeg"), ["animals"]),
    ]
    party = [
        people / "groups" / "biden_and_obama.jpg",
        people / "biden" / "biden_2.jpg",
        s("insightface_t1.jpg"),
        s("ibm_pizza.jpg"),
        s("ibm_burger.jpg"),
        s("ibm_coffee.jpg"),
        s("ibm_bakery.jpg"),
        people / "kit_harington" / "kit_2.jpeg",
        s("dragonfly_beach.jpg"),
    ]
    for i, path in enumerate(party):
        rows.append(
            (_at(2026, 6, 13, 19) + timedelta(minutes=12 * i), LYON, path, ["celebrations"])
        )
    rows.append((_at(2026, 6, 18), LYON, s("ibm_aquarium.jpg"), ["animals"]))
    return rows


def build_roll(owner, photos_dir) -> Roll:
    roll = Roll(owner=owner)
    roll.people = {
        "barack": Person.objects.create(
            owner=owner, name="Barack", birthday=datetime(1961, 4, 12).date(), pack=PACK
        ),
        # Joe's birthday (20 November) is not in the roll's range: no birthday suggestion.
        "joe": Person.objects.create(
            owner=owner, name="Joe", birthday=datetime(1942, 11, 20).date(), pack=PACK
        ),
    }
    embedding = np.ones(512, dtype=np.float32).tobytes()
    for i, (taken_at, gps, path, themes) in enumerate(plan(photos_dir)):
        # Quality falls slowly along the roll; two March shots of the same scene form a
        # near-duplicate group.
        photo = make_photo(
            owner,
            path,
            taken_at=taken_at,
            gps=gps,
            quality_score=round(0.95 - i * 0.01, 3),
            duplicate_group=7 if taken_at.date() == datetime(2026, 3, 9).date() else None,
        )
        for theme in themes:
            PhotoTheme.objects.create(photo=photo, owner=owner, theme=theme)
        for (fx1, fy1, fx2, fy2), who in zip(
            FACES.get(path.name, []), WHO.get(path.name, []), strict=True
        ):
            person = roll.people[who]
            Face.objects.create(
                owner=owner,
                photo=photo,
                person=person,
                x1=fx1 * photo.width,
                y1=fy1 * photo.height,
                x2=fx2 * photo.width,
                y2=fy2 * photo.height,
                det_score=0.9,
                embedding=embedding,
                pack=PACK,
                dim=512,
            )
            Person.objects.filter(pk=person.pk).update(face_count=person.faces.count())
        roll.photos.append(photo)
    return roll


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def camera_roll(alice, photos_dir, frozen_now):
    alice.birthday = datetime(1990, 3, 5).date()
    alice.save(update_fields=["birthday"])
    return build_roll(alice, photos_dir)


@pytest.fixture
def make_suggestion(photos_dir):
    """A stored suggestion with a real rendered collage of two real photos, made directly
    (for page and API tests that need no generation run)."""
    from django.core.files.base import ContentFile

    from suggestions import render
    from suggestions.models import Suggestion, SuggestionPhoto

    counter = iter(range(1, 10_000))

    def make(owner, kind="collage", title=None, state="new"):
        n = next(counter)
        photos = [
            make_photo(owner, photos_dir / "scenes" / name, taken_at=NOW - timedelta(days=n))
            for name in ("ibm_dog.jpg", "pelican.jpeg")
        ]
        data, placed = render.render_collage([(p, []) for p in photos], "grid", "A caption")
        suggestion = Suggestion.objects.create(
            owner=owner,
            kind=kind,
            key=f"test:{n}",
            title=title or f"{kind} {n} of {owner.username}",
            period_start=photos[-1].taken_at.date(),
            period_end=photos[0].taken_at.date(),
            state=state,
            explanation={
                "reason": "Because.",
                "photo_count": 2,
                "people": ["Ada"],
                "places": ["Lyon"],
                "dates": ["2026-06-01"],
                "layout": placed,
            },
        )
        for i, p in enumerate(photos):
            SuggestionPhoto.objects.create(suggestion=suggestion, photo=p, position=i)
        suggestion.image.save(f"{kind}-{suggestion.pk}.jpg", ContentFile(data))
        return suggestion

    return make


@pytest.fixture
def small_videos(monkeypatch):
    """Story videos small and short, for speed."""
    from suggestions import stories

    monkeypatch.setattr(stories, "VIDEO_SIZE", (160, 96))
    monkeypatch.setattr(stories, "VIDEO_FPS", 4)
