"""Search: people, places, themes, objects, months and years, combined; the same on the
page, in the suggestions and in the API; only the owner's live photos."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from photos import search, trash
from photos.models import Face, Person, PhotoTheme, Tag
from tests.factories import make_photo

pytestmark = pytest.mark.django_db

LISBON = (38.7139, -9.1394)
PORTO = (41.1496, -8.611)
PARIS = (48.8566, 2.3522)


@pytest.fixture
def library(alice, bob, photos_dir):
    def photo(owner, name, when, gps=None):
        return make_photo(
            owner, photos_dir / name, taken_at=datetime(*when, 12, tzinfo=UTC), gps=gps
        )

    p = {
        "lisbon_2026": photo(alice, "scenes/ibm_city.jpg", (2026, 8, 3), LISBON),
        "lisbon_2025": photo(alice, "scenes/ibm_ruins.jpg", (2025, 8, 9), LISBON),
        "porto_2026": photo(alice, "scenes/ibm_taxis.jpg", (2026, 2, 1), PORTO),
        "paris_2026": photo(alice, "scenes/ibm_paris.jpg", (2026, 8, 20), PARIS),
        "dog": photo(alice, "scenes/ibm_dog.jpg", (2024, 1, 5)),
        "bobs_lisbon": photo(bob, "scenes/ibm_city.jpg", (2026, 8, 3), LISBON),
    }
    ana = Person.objects.create(owner=alice, name="Ana Martins", pack="p", face_count=1)
    Face.objects.create(
        owner=alice, photo=p["lisbon_2026"], person=ana, x1=1, y1=1, x2=50, y2=50,
        det_score=0.9, embedding=b"\x00" * 8, pack="p", dim=2,
    )  # fmt: skip
    Person.objects.create(owner=bob, name="Bruno", pack="p", face_count=1)
    Tag.objects.create(photo=p["dog"], label="golden retriever", score=0.8, model_name="m")
    PhotoTheme.objects.create(owner=alice, photo=p["dog"], theme="animals")
    return p


def ids(user, text):
    return [photo.pk for photo in search.search(user, text)[1]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lisbon", ["lisbon_2026", "lisbon_2025"]),
        ("lisboa", []),  # the geocoder's English name only: no photo, no error
        ("Lisbon 2026", ["lisbon_2026"]),
        ("Portugal", ["lisbon_2026", "porto_2026", "lisbon_2025"]),
        ("Portugal 2026", ["lisbon_2026", "porto_2026"]),
        ("August 2026", ["paris_2026", "lisbon_2026"]),
        ("august", ["paris_2026", "lisbon_2026", "lisbon_2025"]),
        ("2025", ["lisbon_2025"]),
        ("Ana", ["lisbon_2026"]),
        ("ana martins lisbon", ["lisbon_2026"]),
        ("Ana Paris", []),
        ("pets", ["dog"]),
        ("golden retriever", ["dog"]),
        ("ibm_paris", ["paris_2026"]),  # a word of the file name
    ],
)
def test_it_finds_by_person_place_theme_object_and_date(alice, library, text, expected):
    assert ids(alice, text) == [library[name].pk for name in expected]


def test_it_never_finds_another_users_photos_or_people(alice, bob, library):
    assert library["bobs_lisbon"].pk not in ids(alice, "Lisbon")
    assert ids(bob, "Lisbon") == [library["bobs_lisbon"].pk]
    assert ids(alice, "Bruno") == []  # bob's person is no name to alice
    assert ids(bob, "Ana") == []


def test_trashed_photos_leave_search_at_once(alice, library):
    trash.trash_photos(alice, [library["lisbon_2026"].pk])
    assert ids(alice, "Lisbon") == [library["lisbon_2025"].pk]
    assert ids(alice, "Ana") == []


def test_it_says_what_it_understood(alice, library):
    query = search.parse(alice, "Ana Lisbon August 2026 zzz")
    assert query.describe() == [
        "Person: Ana Martins", "Place: Lisbon", "Month: August", "Year: 2026", "Words: zzz",
    ]  # fmt: skip


def test_the_page_shows_results_in_the_viewers_grid(alice, library):
    client = Client()
    client.force_login(alice)
    response = client.get(reverse("photos:search"), {"q": "Lisbon 2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/library/photo/{library["lisbon_2026"].pk}/" data-viewer' in html
    assert f"/library/photo/{library['lisbon_2025'].pk}/" not in html
    too_long = client.get(reverse("photos:search"), {"q": "x" * 201})
    assert too_long.status_code == 400


def test_the_page_costs_the_same_queries_for_more_results(alice, library, photos_dir):
    client = Client()
    client.force_login(alice)
    url = reverse("photos:search")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "Lisbon"})
    for day in range(1, 6):
        make_photo(alice, photos_dir / "scenes/ibm_coffee.jpg",
                   taken_at=datetime(2026, 3, day, tzinfo=UTC), gps=LISBON)  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        response = client.get(url, {"q": "Lisbon"})
    assert len(response.context["photos"]) == 7
    assert len(more) == len(few)


def test_suggestions_complete_the_last_word(alice, bob, library):
    client = Client()
    client.force_login(alice)
    found = client.get(reverse("photos:search-suggest"), {"q": "2026 An"}).json()["suggestions"]
    assert found[0] == {"kind": "person", "label": "Ana Martins", "query": "2026 Ana Martins"}
    labels = [
        s["label"]
        for s in client.get(reverse("photos:search-suggest"), {"q": "lisb"}).json()["suggestions"]
    ]
    assert "Lisbon" in labels
    labels = [
        s["label"]
        for s in client.get(reverse("photos:search-suggest"), {"q": "Bru"}).json()["suggestions"]
    ]
    assert "Bruno" not in labels  # bob's person
    assert client.get(reverse("photos:search-suggest"), {"q": "g"}).json() == {"suggestions": []}


def test_the_api_searches_the_same_way(alice, bob, library, api_client_for):
    api = api_client_for(alice)
    response = api.get("/api/v1/photos/", {"q": "Lisbon 2026"})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [library["lisbon_2026"].pk]
    combined = api.get("/api/v1/photos/", {"q": "Portugal", "taken_after": "2026-01-01T00:00:00Z"})
    assert [p["id"] for p in combined.json()["results"]] == [
        library["lisbon_2026"].pk, library["porto_2026"].pk,
    ]  # fmt: skip
    refused = api.get("/api/v1/photos/", {"q": "x" * 201})
    assert refused.status_code == 400
    assert "200 characters" in refused.json()["detail"]
    assert api_client_for(bob).get("/api/v1/photos/", {"q": "Ana"}).json()["results"] == []
