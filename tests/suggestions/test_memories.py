"""Issue 15, "What it must show" (first bullet), on a sparse photographer's dated camera
roll (tests/suggestions/memories_roll.py): home in Berlin, two trips, a party of 5, a
sparse month, people over the years and together, and the memories settings."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from photos.models import Face
from suggestions import controls, services
from suggestions.models import Control, Kind, MemoryControl, State, Suggestion
from suggestions.views import ranked_feed
from tests.suggestions.memories_roll import (
    LISBON_DAYS,
    NOW,
    PARIS_DAYS,
    PARTY_DAY,
    build_memories_roll,
)

pytestmark = pytest.mark.django_db

ALL = ("cloud_processing", "face_analysis", "older_photos")
HOME_WORDS = ("Berlin", "Mitte", "Tiergarten", "Kreuzberg", "Prenzlauer")


@pytest.fixture
def roll(alice, photos_dir, grant):
    with time_machine.travel(NOW, tick=False):
        grant(alice, *ALL)
        yield build_memories_roll(alice, photos_dir)


def of(user, kind=None):
    qs = Suggestion.objects.for_owner(user)
    return list(qs.filter(kind=kind) if kind else qs)


def photo_ids(suggestion) -> set[int]:
    return set(suggestion.photos.values_list("pk", flat=True))


def test_it_finds_home_from_nights_and_weekdays_and_names_it_berlin(roll, alice):
    ctx = services.build_context(alice)
    assert ctx.home_place == ("Berlin", "Germany", "DE")
    home_ids = {p.pk for p in roll.photos if p.latitude > 50}
    assert all(ctx.at_home(pk) for pk in home_ids)
    assert not any(ctx.at_home(pk) for pk in roll.ids_between(*PARIS_DAYS))


def test_home_is_never_a_trip_a_place_album_or_a_title_word(roll, alice):
    services.generate(alice)
    made = of(alice)
    assert made
    for suggestion in made:
        for word in HOME_WORDS:
            assert word not in suggestion.title, suggestion.title
    places = {s.key for s in of(alice, Kind.THEME_ALBUM) if s.key.startswith("place:")}
    assert places == {"place:FR:Paris", "place:PT:Lisbon"}
    home_ids = {p.pk for p in roll.photos if p.latitude > 50}
    for trip in of(alice, Kind.TRIP):
        assert not photo_ids(trip) & home_ids


def test_trips_are_named_by_their_city_with_the_country_abroad(roll, alice):
    services.generate(alice, ["trip"])
    trips = {s.period_start: s for s in of(alice, Kind.TRIP)}
    assert set(trips) == {PARIS_DAYS[0], LISBON_DAYS[0]}
    assert trips[PARIS_DAYS[0]].title == "Trip to Paris, France"
    assert trips[PARIS_DAYS[0]].period_end == PARIS_DAYS[1]
    # Belém and the Baixa are both "Lisbon", not their parishes.
    assert trips[LISBON_DAYS[0]].title == "Trip to Lisbon, Portugal"


def test_a_party_of_5_is_an_event_for_someone_who_takes_few_photos(roll, alice):
    services.generate(alice, ["event"])
    events = of(alice, Kind.EVENT)
    assert len(events) == 1
    party = events[0]
    assert party.period_start == PARTY_DAY
    assert photo_ids(party) == roll.ids_between(PARTY_DAY, PARTY_DAY)
    assert party.title == "An evening with Joe and Barack at home"


def test_a_sparse_month_gets_a_recap_that_keeps_off_the_trips_photos(roll, alice):
    services.generate(alice, ["monthly_recap", "trip"])
    recaps = {s.key: s for s in of(alice, Kind.MONTHLY_RECAP)}
    # February has 4 photos: at this user's rate (4 to 10 a month) that is a month.
    assert "month:2026-02" in recaps
    assert photo_ids(recaps["month:2026-02"]) == roll.ids_between(
        date(2026, 2, 1), date(2026, 2, 28)
    )
    # April's recap takes no more of the Paris trip's photos than of the rest of April,
    # and its cover none of them.
    april = recaps["month:2026-04"]
    paris = roll.ids_between(*PARIS_DAYS)
    assert len(photo_ids(april) & paris) <= len(photo_ids(april) - paris)
    cover = {cell["photo_id"] for cell in april.explanation["layout"]}
    assert cover and not cover & paris


def test_people_memories_appear_for_the_pair_and_the_years_in_the_roll(roll, alice):
    services.generate(alice, ["together", "over_the_years"])
    barack, joe = roll.people["barack"], roll.people["joe"]
    together = of(alice, Kind.TOGETHER)
    assert [s.key for s in together] == [f"together:p{barack.pk}-p{joe.pk}"]
    both = roll.ids_with("barack") & roll.ids_with("joe")
    assert len(both) == 3 and photo_ids(together[0]) == both
    years = of(alice, Kind.OVER_THE_YEARS)
    assert [s.title for s in years] == ["Barack over the years"]
    assert {p.taken_at.year for p in years[0].photos.all()} == {2023, 2024, 2025, 2026}
    # Joe is in 2026 only, Mia in two years: no "over the years" for them.


def test_a_birthday_memory_skips_photos_from_before_the_person_was_born(roll, alice):
    services.generate(alice, ["birthday"])
    mia = roll.people["mia"]
    birthdays = {s.key: s for s in of(alice, Kind.BIRTHDAY)}
    assert set(birthdays) == {f"birthday:p{mia.pk}:2026"}
    chosen = birthdays[f"birthday:p{mia.pk}:2026"]
    before_birth = {p.pk for p in roll.photos if p.taken_at.date() < mia.birthday}
    assert roll.ids_with("mia") & before_birth  # the roll has one
    assert not photo_ids(chosen) & before_birth
    # The card's dates include the day its title names.
    assert chosen.title == "Mia's birthday, 5 June 2026"
    assert chosen.period_start <= date(2026, 6, 5) <= chosen.period_end


def test_the_year_in_review_comes_in_early_january_with_trips_and_people(roll, alice):
    with time_machine.travel("2027-01-05 09:00Z", tick=False):
        services.generate(alice, ["year_in_review"])
    reviews = of(alice, Kind.YEAR_IN_REVIEW)
    assert [s.key for s in reviews] == ["year:2026"]
    review = reviews[0]
    assert review.title == "Your 2026"
    assert "Paris" in review.explanation["reason"] and "Lisbon" in review.explanation["reason"]
    assert set(review.explanation["people"]) >= {"Barack", "Joe"}
    assert {p.taken_at.year for p in review.photos.all()} == {2026}
    with time_machine.travel("2027-02-05 09:00Z", tick=False):
        Suggestion.objects.filter(kind=Kind.YEAR_IN_REVIEW).delete()
        services.generate(alice, ["year_in_review"])
    assert not of(alice, Kind.YEAR_IN_REVIEW)


def test_no_two_cards_of_the_feed_share_more_than_half_their_photos(roll, alice):
    services.generate(alice)
    feed = ranked_feed(alice, limit=200)
    stored = of(alice)
    assert len(feed) < len(stored)  # something was folded
    sets = {s.pk: photo_ids(s) for s in feed}
    for i, a in enumerate(feed):
        for b in feed[i + 1 :]:
            shared = len(sets[a.pk] & sets[b.pk])
            assert shared <= min(len(sets[a.pk]), len(sets[b.pk])) / 2, (a.title, b.title)
    # A trip absorbs its day collages and its place album.
    paris = next(s for s in feed if s.title == "Trip to Paris, France")
    folded = {(f.kind, f.key) for f in paris.folded}
    assert ("theme_album", "place:FR:Paris") in folded
    assert {("collage", f"day:2026-04-{d}") for d in (10, 11, 12)} <= folded
    # Every stored suggestion is either a card or folded into one.
    shown = {s.pk for s in feed} | {f.pk for s in feed for f in s.folded}
    assert shown == {s.pk for s in stored}


def test_a_saved_suggestion_keeps_its_own_card(roll, alice):
    services.generate(alice)
    collage = Suggestion.objects.get(owner=alice, kind=Kind.COLLAGE, key="day:2026-04-11")
    services.save(collage)
    feed = ranked_feed(alice, limit=200)
    assert collage.pk in {s.pk for s in feed}


def test_unseen_suggestions_come_before_seen_ones(roll, alice, client):
    services.generate(alice)
    first = ranked_feed(alice, limit=200)
    client.force_login(alice)
    opened = reverse("suggestions:detail", args=[first[0].pk])
    assert client.get(opened).status_code == 200
    # Reading it changes nothing; the page's script says it was opened, by a POST.
    assert [s.pk for s in ranked_feed(alice, limit=200)] == [s.pk for s in first]
    seen = client.post(
        reverse("suggestions:seen", args=[first[0].pk]), HTTP_X_REQUESTED_WITH="fetch"
    )
    assert seen.status_code == 204
    again = ranked_feed(alice, limit=200)
    # The one opened goes below every card not opened yet.
    assert again[-1].pk == first[0].pk
    assert Suggestion.objects.get(pk=first[0].pk).seen_at is not None


def test_the_cards_counts_and_dates_equal_the_suggestions(roll, alice, client):
    services.generate(alice)
    client.force_login(alice)
    html = client.get(reverse("suggestions:feed")).content.decode()
    cards = re.findall(r'<article class="card suggestion-card">(.*?)</article>', html, re.S)
    assert len(cards) == len(ranked_feed(alice))
    for card in cards:
        pk = int(re.search(r'href="/suggestions/(\d+)/"', card).group(1))
        suggestion = Suggestion.objects.get(pk=pk)
        count = int(re.search(r'class="card-count">(\d+) photo', card).group(1))
        assert count == suggestion.photos.count() == suggestion.explanation["photo_count"]
        dates = re.search(r'class="card-dates">([^<]*)<', card).group(1)
        start = f"{suggestion.period_start.day} {suggestion.period_start:%b %Y}"
        assert dates.startswith(start), (dates, suggestion.title)
        if suggestion.period_end != suggestion.period_start:
            end = f"{suggestion.period_end.day} {suggestion.period_end:%b %Y}"
            assert dates.endswith(end)


# --- Controls -----------------------------------------------------------------------------


def test_a_person_never_in_memories_never_appears(roll, alice):
    controls.add(alice, Control.NEVER_PERSON, person_id=roll.people["joe"].pk)
    services.generate(alice)
    joe_photos = roll.ids_with("joe")
    assert joe_photos
    for suggestion in of(alice):
        assert not photo_ids(suggestion) & joe_photos, suggestion.title
        assert "Joe" not in suggestion.title
        assert "Joe" not in suggestion.explanation.get("people", [])
    assert not of(alice, Kind.TOGETHER)


def test_show_less_of_a_person_makes_no_memory_about_them(roll, alice):
    barack = roll.people["barack"]
    controls.add(alice, Control.LESS_OF_PERSON, person_id=barack.pk)
    services.generate(alice)
    assert not of(alice, Kind.OVER_THE_YEARS)
    assert not of(alice, Kind.TOGETHER)
    assert not Suggestion.objects.filter(owner=alice, key=f"person:{barack.pk}").exists()
    for event in of(alice, Kind.EVENT):
        assert "Barack" not in event.title
    # Less, not never: his photos may still be in a trip or a month.
    assert any(photo_ids(s) & roll.ids_with("barack") for s in of(alice))


def test_a_hidden_date_range_and_a_hidden_place_never_appear(roll, alice):
    controls.add(alice, Control.HIDE_DATES, start=PARIS_DAYS[0], end=PARIS_DAYS[1])
    # As a person types it: the case does not matter.
    controls.add(alice, Control.HIDE_PLACE, city="lisbon", country_code="pt")
    services.generate(alice)
    hidden = roll.ids_between(*PARIS_DAYS) | roll.ids_between(*LISBON_DAYS)
    made = of(alice)
    assert made
    for suggestion in made:
        assert not photo_ids(suggestion) & hidden, suggestion.title
    assert not of(alice, Kind.TRIP)


def test_a_new_setting_withdraws_the_unsaved_suggestions_that_break_it(roll, alice):
    services.generate(alice)
    trip = Suggestion.objects.get(owner=alice, kind=Kind.TRIP, key="trip:2026-04-10")
    services.save(trip)
    paris = roll.ids_between(*PARIS_DAYS)
    breaking = [s for s in of(alice) if photo_ids(s) & paris and s.pk != trip.pk]
    assert breaking
    unsaved = controls.validate(alice, Control.HIDE_DATES, start=PARIS_DAYS[0], end=PARIS_DAYS[1])
    assert {s.pk for s in controls.preview(alice, unsaved)} == {s.pk for s in breaking}
    controls.add(alice, Control.HIDE_DATES, start=PARIS_DAYS[0], end=PARIS_DAYS[1])
    assert not Suggestion.objects.filter(pk__in=[s.pk for s in breaking]).exists()
    trip.refresh_from_db()
    assert trip.state == State.SAVED  # the user's album stays
    # And generating again does not bring them back.
    services.generate(alice)
    for suggestion in of(alice):
        if suggestion.pk != trip.pk:
            assert not photo_ids(suggestion) & paris, suggestion.title


def test_the_settings_page_previews_then_applies_a_setting(roll, alice, client):
    services.generate(alice)
    client.force_login(alice)
    data = {"kind": "never_person", "person": roll.people["joe"].pk}
    before = Suggestion.objects.filter(owner=alice).count()
    preview = client.post(reverse("suggestions:add_control"), data)
    assert preview.status_code == 200
    doomed = len(preview.context["doomed"])
    assert doomed and f"removes {doomed} suggestion" in preview.content.decode()
    assert not MemoryControl.objects.filter(owner=alice).exists()
    assert Suggestion.objects.filter(owner=alice).count() == before
    done = client.post(reverse("suggestions:add_control"), {**data, "confirm": "1"})
    assert done.status_code == 302
    assert MemoryControl.objects.filter(owner=alice, kind="never_person").count() == 1
    assert Suggestion.objects.filter(owner=alice).count() == before - doomed
    page = client.get(reverse("suggestions:settings")).content.decode()
    assert "Never show a person: <strong>Joe</strong>" in page
    bad = client.post(reverse("suggestions:add_control"), {"kind": "hide_dates"})
    assert bad.status_code == 400


def test_the_settings_are_in_the_api_and_refuse_another_users_person(
    roll, alice, bob, api_token_for
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(alice)}")
    url = "/api/v1/memory-controls/"
    body = {"kind": "hide_dates", "start": "2026-04-10", "end": "2026-04-12", "dry_run": True}
    services.generate(alice)
    dry = api.post(url, body, format="json")
    assert dry.status_code == 200 and dry.json()["control"] is None
    assert dry.json()["withdrawn_count"] > 0
    assert not MemoryControl.objects.filter(owner=alice).exists()
    made = api.post(url, {**body, "dry_run": False}, format="json")
    assert made.status_code == 201
    assert made.json()["withdrawn_count"] == dry.json()["withdrawn_count"]
    listed = api.get(url).json()["results"]
    assert [c["kind"] for c in listed] == ["hide_dates"]
    backwards = api.post(url, {**body, "start": "2026-04-12", "end": "2026-04-10"}, format="json")
    assert backwards.status_code == 400 and "before" in backwards.json()["detail"]
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(bob)}")
    foreign = {"kind": "never_person", "person": roll.people["joe"].pk}
    assert bob_api.post(url, foreign, format="json").status_code == 400
    assert bob_api.get(f"{url}{listed[0]['id']}/").status_code == 404
    assert api.delete(f"{url}{listed[0]['id']}/").status_code == 204


def test_the_export_holds_the_memories_settings(roll, alice):
    import io
    import json
    import zipfile

    from suggestions.personal_data import SuggestionsData

    controls.add(alice, Control.HIDE_PLACE, city="Lisbon", country_code="PT")
    controls.add(alice, Control.LESS_OF_PERSON, person_id=roll.people["barack"].pk)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        SuggestionsData().export(alice, zf)
    with zipfile.ZipFile(buffer) as zf:
        data = json.loads(zf.read("data/suggestions.json"))
    settings = {(c["kind"], c["city"] or c["person"]) for c in data["memories_settings"]}
    assert settings == {("hide_place", "Lisbon"), ("less_person", "Barack")}
    assert SuggestionsData().counts(alice)["memory_settings"] == 2
    assert SuggestionsData().erase_all(alice)["memory_settings"] == 2
    assert not MemoryControl.objects.filter(owner=alice).exists()


def test_faces_of_a_hidden_person_stay_untouched(roll, alice):
    # Hiding someone from memories changes no analysis data.
    before = Face.objects.filter(owner=alice).count()
    controls.add(alice, Control.NEVER_PERSON, person_id=roll.people["joe"].pk)
    assert Face.objects.filter(owner=alice).count() == before


def test_the_ranked_feed_takes_the_same_number_of_queries_for_more_suggestions(
    alice, make_suggestion
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            feed = ranked_feed(alice)
        return len(ctx.captured_queries), len(feed)

    make_suggestion(alice)
    few, shown_few = count()
    for _ in range(4):
        make_suggestion(alice)
    many, shown_many = count()
    assert (shown_few, shown_many) == (1, 5)
    assert many == few


def test_the_memories_settings_api_keeps_the_contract(alice, api_token_for):
    from photos.models import Person
    from tests.contract import check_contract

    Person.objects.create(owner=alice, name="Ada", pack="test-pack")
    controls.add(alice, Control.HIDE_PLACE, city="Lisbon", country_code="PT")
    headers = {"Authorization": f"Token {api_token_for(alice)}"}
    checked = check_contract(r"^/api/v1/memory-controls/", headers, max_examples=15)
    assert set(checked) >= {
        "GET /api/v1/memory-controls/",
        "POST /api/v1/memory-controls/",
        "GET /api/v1/memory-controls/{id}/",
        "DELETE /api/v1/memory-controls/{id}/",
    }


def test_the_api_lists_the_feed_the_pages_show(roll, alice, api_client_for):
    services.generate(alice)
    feed = ranked_feed(alice, limit=300)
    api = api_client_for(alice)
    body = api.get("/api/v1/suggestions/", {"page_size": 200}).json()
    assert body["count"] == len(feed)
    cards = body["results"]
    assert [c["id"] for c in cards] == [s.pk for s in feed]
    assert [[f["id"] for f in c["folded"]] for c in cards] == [
        [f.pk for f in s.folded] for s in feed
    ]
    # The Paris trip is one card: its day collages and its place album are inside it.
    trip = next(c for c in cards if c["kind"] == "trip" and "Paris" in c["title"])
    assert {f["kind"] for f in trip["folded"]} >= {"collage", "theme_album"}
    assert set(trip["photo_ids"]) and all(f["photo_ids"] for f in trip["folded"])
    # The raw list is still there: every suggestion on its own, nothing folded.
    raw = api.get("/api/v1/suggestions/", {"raw": "1", "page_size": 200}).json()
    stored = Suggestion.objects.for_owner(alice).visible()
    assert raw["count"] == stored.count() > len(feed)
    assert {r["id"] for r in raw["results"]} == set(stored.values_list("pk", flat=True))
    assert all(r["folded"] == [] and r["score"] is None for r in raw["results"])
