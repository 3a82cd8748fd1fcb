"""Search by the text read in photos: words and phrases, without accents or case, at word
starts, ranked, on the search page and the API, never another user's text."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from photos import search
from photos.lib.text import fold_words
from photos.models import PhotoText
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


def with_text(owner, photos_dir, day, *lines, source="scenes/ibm_dog.jpg"):
    photo = make_photo(owner, photos_dir / source, taken_at=datetime(2026, 2, day, tzinfo=UTC))
    for i, text in enumerate(lines):
        PhotoText.objects.create(
            photo=photo,
            owner=owner,
            position=i,
            text=text,
            folded=fold_words(text),
            box=[[0.1, 0.1], [0.4, 0.1], [0.4, 0.2], [0.1, 0.2]],
            score=0.97,
            model_name="PP-OCRv6 small (rapidocr)",
        )
    return photo


@pytest.fixture
def texts(alice, bob, photos_dir):
    return {
        "cafe": with_text(alice, photos_dir, 1, "CAFÉ DA MANHÃ", "Receipt no. 0042"),
        "ticket": with_text(alice, photos_dir, 2, "Boarding ticket 42"),
        # Newer, but its words are on two lines and one only starts a word.
        "scattered": with_text(alice, photos_dir, 3, "tickets", "gate 42"),
        "plain": make_photo(alice, photos_dir / "scenes/pelican.jpeg"),
        "bobs": with_text(bob, photos_dir, 4, "Receipt no. 0042", "Boarding ticket 42"),
    }


def found(user, text):
    return list(search.search(user, text)[1].values_list("pk", flat=True))


def test_fold_words_drops_accents_case_and_punctuation():
    assert fold_words("Café's  LISBOA!") == " cafe s lisboa "
    assert fold_words("…") == ""


def test_it_matches_words_without_accents_or_case_at_word_starts(alice, texts):
    for query in ("cafe", "CAFÉ", "Café", "manha", "recei", "0042"):
        assert found(alice, query) == [texts["cafe"].pk], query
    assert found(alice, "eipt") == []  # inside a word: not a match
    assert found(alice, "coffee") == []


def test_it_ranks_a_phrase_first_then_whole_words_then_word_starts(alice, texts):
    # "ticket 42": the phrase in one line first, then the newer photo with "tickets" and
    # "42" on two lines.
    assert found(alice, "ticket 42") == [texts["ticket"].pk, texts["scattered"].pk]
    # In quotes, the phrase is required.
    assert found(alice, '"boarding ticket"') == [texts["ticket"].pk]
    assert found(alice, '"ticket boarding"') == []


def test_it_never_finds_another_users_text_or_a_photo_without_text(alice, bob, texts):
    assert texts["bobs"].pk not in found(alice, "boarding")
    assert texts["plain"].pk not in found(alice, "pelican 42")
    assert found(bob, "cafe") == []
    assert found(bob, "receipt") == [texts["bobs"].pk]


def test_the_page_and_the_api_search_the_text(alice, texts, api_client_for):
    client = Client()
    client.force_login(alice)
    response = client.get(reverse("photos:search"), {"q": "recibo receipt"})
    assert response.status_code == 200 and response.context["photos"] == []
    response = client.get(reverse("photos:search"), {"q": "Receipt"})
    assert [p.pk for p in response.context["photos"]] == [texts["cafe"].pk]
    assert f"/library/photo/{texts['cafe'].pk}/" in response.content.decode()
    api = api_client_for(alice)
    results = api.get("/api/v1/photos/", {"q": "cafe"}).json()["results"]
    assert [p["id"] for p in results] == [texts["cafe"].pk]
    assert api.get("/api/v1/photos/", {"q": '"ticket 42"'}).json()["results"][0]["id"] == (
        texts["ticket"].pk
    )


def test_the_page_costs_the_same_queries_for_more_text(alice, texts, photos_dir):
    client = Client()
    client.force_login(alice)
    url = reverse("photos:search")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "ticket 42"})
    for day in range(10, 15):
        with_text(alice, photos_dir, day, "ticket 42", "ticket office")
    with CaptureQueriesContext(connection) as more:
        response = client.get(url, {"q": "ticket 42"})
    assert len(response.context["photos"]) == 7
    assert len(more) == len(few)
