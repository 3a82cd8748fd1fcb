"""The pure parts of issue 15 without a database: home from habits, thresholds from the
user's rate, and the ranked feed's folding and order."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from suggestions.lib import feed, habits
from suggestions.lib.geodesy import haversine_km, infer_home_from_habits

BERLIN = (52.52, 13.405)
PARIS = (48.8566, 2.3522)


def test_it_finds_home_where_the_nights_and_weekdays_are_not_where_the_most_photos_are():
    photos = []
    # Ten weekday evenings at home, one photo each.
    for i in range(10):
        photos.append((datetime(2026, 3, 2, 20) + timedelta(days=i * 7), *BERLIN))
    # A Saturday in Paris with 60 photos: the densest cell, but one weekend day.
    for i in range(60):
        photos.append((datetime(2026, 3, 7, 10) + timedelta(minutes=5 * i), *PARIS))
    home = infer_home_from_habits(photos)
    assert haversine_km(home, BERLIN) < 5
    assert infer_home_from_habits([]) is None


def test_the_event_threshold_follows_the_users_rate_between_5_and_8():
    one_a_day = [date(2026, 1, 1) + timedelta(days=i) for i in range(30)]
    assert habits.event_min_photos(one_a_day) == 5
    ten_a_day = [d for d in one_a_day for _ in range(10)]
    assert habits.event_min_photos(ten_a_day) == 8
    two_a_day = [d for d in one_a_day for _ in range(2)]
    assert habits.event_min_photos(two_a_day) == 6


def test_the_recap_threshold_is_half_a_usual_month_with_a_floor_of_4():
    assert habits.recap_min_photos([5, 4, 6, 3]) == 4
    assert habits.recap_min_photos([12, 12, 14]) == 6
    assert habits.recap_min_photos([200, 150]) == 8


def _card(pk, kind, photos, *, state="new", seen=False, end=date(2026, 6, 1), people=0):
    return feed.Card(
        id=pk,
        kind=kind,
        state=state,
        created_at=datetime(2026, 6, 2, tzinfo=UTC),
        period_end=end,
        seen=seen,
        photo_ids=frozenset(photos),
        people=people,
        quality=0.8,
    )


def test_a_trip_absorbs_its_collages_and_its_place_album_but_not_a_saved_one():
    trip = _card(1, "trip", range(10))
    collage = _card(2, "collage", [1, 2, 3])
    album = _card(3, "theme_album", range(2, 12))
    saved = _card(4, "collage", [4, 5], state="saved")
    other = _card(5, "monthly_recap", [1, 2, 20, 21, 22])
    ranked = feed.rank([collage, album, trip, saved, other], date(2026, 6, 20), {})
    assert [c.id for c in ranked if c.id == 1] == [1]
    assert {c.id for c in trip.folded} == {2, 3}
    assert {c.id for c in ranked} == {1, 4, 5}


def test_unseen_cards_come_first_then_by_score():
    old = _card(1, "trip", [1], end=date(2025, 1, 1))
    fresh = _card(2, "event", [2], end=date(2026, 6, 15), people=2)
    seen = _card(3, "event", [3], end=date(2026, 6, 18), people=2, seen=True)
    ranked = feed.rank([old, seen, fresh], date(2026, 6, 20), {})
    assert [c.id for c in ranked] == [2, 1, 3]
    assert fresh.score > old.score


def test_the_kinds_a_user_dismisses_sink():
    likes = feed.taste(Counter({"trip": 3}), Counter({"effect": 5}))
    assert likes["trip"] > 0.5 > likes["effect"]
    effect = _card(1, "effect", [1])
    trip = _card(2, "trip", [2])
    ranked = feed.rank([effect, trip], date(2026, 6, 20), likes)
    assert [c.id for c in ranked] == [2, 1]
