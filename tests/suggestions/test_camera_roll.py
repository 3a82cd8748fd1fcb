"""Issue 6, "What it must show", on a test camera roll (see conftest.py)."""

import hashlib
import io
from datetime import date, timedelta

import numpy as np
import pytest
from PIL import Image, ImageOps

from photos.models import Face
from privacy import consent
from suggestions import services
from suggestions.lib import layout
from suggestions.models import Kind, Suggestion, SuggestionPhoto
from tests.suggestions.conftest import NOW

pytestmark = pytest.mark.django_db

ALL = ("cloud_processing", "face_analysis", "older_photos")


def by_kind(user, kind):
    return list(Suggestion.objects.for_owner(user).filter(kind=kind))


def test_it_makes_a_monthly_recap_for_each_past_month_with_enough_photos(camera_roll, alice, grant):
    grant(alice, *ALL)
    services.generate(alice, ["monthly_recap"])
    recaps = {s.key: s for s in by_kind(alice, Kind.MONTHLY_RECAP)}
    # March, April and May have 9, 9 and 12 photos; June 2025 only 2, June 2026 is not over.
    assert set(recaps) == {"month:2026-03", "month:2026-04", "month:2026-05"}
    may = recaps["month:2026-05"]
    assert may.title == "May 2026"
    assert (may.period_start, may.period_end) == (date(2026, 5, 1), date(2026, 5, 31))
    assert may.explanation["month_photo_count"] == 12
    assert "Rome" in may.explanation["places"] and "Lyon" in may.explanation["places"]
    april = recaps["month:2026-04"]
    assert april.explanation["people"] == ["Barack"]
    assert april.uses_faces and april.uses_older_photos
    # One photo per near-duplicate group: the two shots of 9 March count once.
    march_ids = [p.pk for p in camera_roll.photos if p.taken_at.month == 3]
    chosen = list(recaps["month:2026-03"].photos.values_list("pk", flat=True))
    assert set(chosen) <= set(march_ids)
    assert len([pk for pk in chosen if pk in {p.pk for p in camera_roll.on(date(2026, 3, 9))}]) == 1
    # Best first: the recap starts with the highest quality photo of the month.
    first = SuggestionPhoto.objects.filter(suggestion=recaps["month:2026-03"]).first().photo
    assert first.quality_score == max(
        p.quality_score for p in camera_roll.photos if p.pk in march_ids
    )


def test_it_finds_the_trip_with_the_trip_city_in_the_title_and_its_days(camera_roll, alice, grant):
    grant(alice, *ALL)
    services.generate(alice, ["trip"])
    trips = by_kind(alice, Kind.TRIP)
    assert len(trips) == 1
    trip = trips[0]
    assert "Rome" in trip.title and "Italy" in trip.title
    assert "Lyon" not in trip.title
    assert (trip.period_start, trip.period_end) == (date(2026, 5, 10), date(2026, 5, 13))
    rome_ids = {p.pk for p in camera_roll.photos if p.latitude and p.latitude < 43}
    assert set(trip.photos.values_list("pk", flat=True)) == rome_ids


def test_it_makes_a_birthday_suggestion_for_the_person_whose_birthday_is_in_range(
    camera_roll, alice, grant
):
    grant(alice, *ALL)
    services.generate(alice, ["birthday"])
    birthdays = {s.key: s for s in by_kind(alice, Kind.BIRTHDAY)}
    barack, joe = camera_roll.people["barack"], camera_roll.people["joe"]
    key = f"birthday:p{barack.pk}:2026"
    assert key in birthdays
    assert not any(k.startswith(f"birthday:p{joe.pk}:") for k in birthdays)
    suggestion = birthdays[key]
    assert "Barack" in suggestion.title and "12 April 2026" in suggestion.title
    assert suggestion.uses_faces
    photos = list(suggestion.photos.all())
    assert len(photos) == 3
    assert all(Face.objects.filter(photo=p, person=barack).exists() for p in photos)
    # The owner's own birthday, 5 March.
    mine = birthdays["birthday:me:2026"]
    assert mine.title.startswith("Your birthday")
    assert {p.taken_at.date() for p in mine.photos.all()} == {date(2026, 3, 5)}


def test_it_finds_the_party_and_on_this_day(camera_roll, alice, grant):
    grant(alice, *ALL)
    services.generate(alice, ["event", "on_this_day"])
    events = by_kind(alice, Kind.EVENT)
    assert len(events) == 1
    party = events[0]
    assert party.title.startswith("Celebrations with")
    assert "Barack" in party.title and "Joe" in party.title
    # The party was at home (Lyon): "at home", never home's name (issue 15).
    assert party.title.endswith("at home") and "Lyon" not in party.title
    assert party.period_start == date(2026, 6, 13)
    (day,) = by_kind(alice, Kind.ON_THIS_DAY)
    assert day.title == "On this day, 1 year ago"
    assert {p.taken_at.date() for p in day.photos.all()} == {date(2025, 6, 20)}


def test_it_makes_theme_person_and_place_albums(camera_roll, alice, grant):
    grant(alice, *ALL)
    services.generate(alice, ["theme_album"])
    albums = {s.key: s for s in by_kind(alice, Kind.THEME_ALBUM)}
    assert {"theme:celebrations", "theme:animals", "theme:food"} <= set(albums)
    assert "theme:beach" not in albums  # two beach photos are not an album
    assert albums["theme:celebrations"].title == "Celebrations"
    assert "place:IT:Rome" in albums and albums["place:IT:Rome"].title == "Rome, Italy"
    # Barack is in 4 photos, fewer than an album needs.
    assert not any(k.startswith("person:") for k in albums)


def _mapped_faces(suggestion):
    """Every stored face box of the collage's photos, mapped into the collage's canvas."""
    for item in suggestion.explanation["layout"]:
        cell = layout.Cell(*item["cell"])
        for face in Face.objects.filter(photo_id=item["photo_id"]):
            yield face, cell, layout.map_box(tuple(face.box), tuple(item["crop"]), cell)


def test_collages_keep_every_face_box_wholly_inside_its_cell(camera_roll, alice, grant):
    grant(alice, *ALL)
    services.generate(alice, ["collage", "birthday", "event", "monthly_recap"])
    collages = by_kind(alice, Kind.COLLAGE)
    assert collages
    for c in collages:
        assert 2 <= c.photos.count() <= 9
        assert c.image
    with_faces = [c for c in collages if Face.objects.filter(photo__in=c.photos.all()).exists()]
    # Barack's birthday (3 photos) and the party (9 photos, 3 faces) are among them.
    assert len(with_faces) >= 2
    checked = 0
    styles = set()
    for collage in with_faces:
        cells = [layout.Cell(*item["cell"]) for item in collage.explanation["layout"]]
        styles.add(len({(c.w, c.h) for c in cells}) > 1)
        for face, cell, mapped in _mapped_faces(collage):
            assert layout.inside(mapped, cell), (collage.title, face.pk, cell, mapped)
            checked += 1
    assert checked >= 6
    # The rendered image is the canvas the cells were laid out on.
    with Image.open(collages[0].image.open("rb")) as im:
        assert im.format == "JPEG" and im.size == (1200, 896)
    # The covers of other kinds are collages too, with the same guarantee.
    for kind in (Kind.BIRTHDAY, Kind.EVENT, Kind.MONTHLY_RECAP):
        for s in by_kind(alice, kind):
            for _face, cell, mapped in _mapped_faces(s):
                assert layout.inside(mapped, cell)


def _pixels(data_or_file, size):
    with Image.open(data_or_file) as im:
        im = ImageOps.exif_transpose(im).convert("RGB").resize(size)
        return np.asarray(im, dtype=np.int16)


def test_effects_differ_from_their_originals_which_stay_unchanged(camera_roll, alice, grant):
    grant(alice, *ALL)
    services.generate(alice, ["effect"])
    effects = by_kind(alice, Kind.EFFECT)
    names = {s.explanation["effect"] for s in effects}
    assert len(names) >= 5, names
    for s in effects:
        (photo,) = s.photos.all()
        with photo.original.open("rb") as fh:
            original_bytes = fh.read()
        assert hashlib.sha256(original_bytes).hexdigest() == photo.sha256  # untouched
        with Image.open(s.image.open("rb")) as im:
            size = im.size
        assert abs(size[0] / size[1] - photo.width / photo.height) < 0.02
        before = _pixels(io.BytesIO(original_bytes), size)
        after = _pixels(s.image.open("rb"), size)
        diff = np.abs(before - after).mean()
        assert diff > 4, (s.explanation["effect"], diff)


def test_no_suggestion_uses_a_photo_older_than_30_days_without_older_photos(
    camera_roll, alice, grant
):
    grant(alice, "cloud_processing", "face_analysis")
    created = services.generate(alice)
    assert created
    cutoff = NOW - timedelta(days=30)
    used = SuggestionPhoto.objects.filter(suggestion__owner=alice).select_related("photo")
    assert used.exists()
    assert all(link.photo.taken_at >= cutoff for link in used)
    assert not Suggestion.objects.filter(owner=alice, uses_older_photos=True).exists()
    assert not by_kind(alice, Kind.MONTHLY_RECAP)
    assert not by_kind(alice, Kind.TRIP)
    assert not by_kind(alice, Kind.ON_THIS_DAY)

    # Granted later: the older photos are used, and revoking takes those suggestions away.
    grant(alice, "older_photos")
    services.generate(alice)
    older = Suggestion.objects.filter(owner=alice, uses_older_photos=True)
    assert older.filter(kind=Kind.TRIP).exists()
    consent.revoke(alice, "older_photos")
    assert not Suggestion.objects.filter(owner=alice, uses_older_photos=True).exists()
    assert Suggestion.objects.filter(owner=alice, kind=Kind.EVENT).exists()


def test_generating_twice_creates_nothing_new_and_dismissed_never_returns(
    camera_roll, alice, grant
):
    grant(alice, *ALL)
    first = services.generate(alice)
    assert len(first) >= 15
    before = list(Suggestion.objects.order_by("pk").values_list("pk", "kind", "key"))
    assert services.generate(alice) == []
    assert list(Suggestion.objects.order_by("pk").values_list("pk", "kind", "key")) == before

    dismissed = by_kind(alice, Kind.COLLAGE)[0]
    photo_ids = sorted(dismissed.photos.values_list("pk", flat=True))
    services.dismiss(dismissed)
    services.generate(alice)
    same_photos = [
        s
        for s in Suggestion.objects.filter(owner=alice, kind=Kind.COLLAGE)
        if sorted(s.photos.values_list("pk", flat=True)) == photo_ids
    ]
    assert same_photos == [dismissed]
    assert dismissed not in Suggestion.objects.for_owner(alice).visible()


def test_face_based_suggestions_need_face_analysis(camera_roll, alice, grant):
    grant(alice, "cloud_processing", "older_photos")
    services.generate(alice)
    mine = Suggestion.objects.for_owner(alice)
    assert mine.exists()
    assert not mine.filter(uses_faces=True).exists()
    assert not mine.filter(key__startswith="birthday:p").exists()
    assert mine.filter(key="birthday:me:2026").exists()  # the owner's own needs no faces
    assert not mine.filter(kind=Kind.EFFECT, key__startswith="effect:portrait:").exists()
    assert all(not s.explanation.get("people") for s in mine)


def test_nothing_is_generated_without_cloud_processing(camera_roll, alice, grant):
    grant(alice, "face_analysis", "older_photos")
    assert services.generate(alice) == []
    assert not Suggestion.objects.exists()
