"""/api/v1/suggestions/: the contract of issue 7, owner-scoped, constant query count."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from suggestions.models import Album, Suggestion, SuggestionPhoto

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "kind",
    "title",
    "period_start",
    "period_end",
    "photo_ids",
    "image_url",
    "explanation",
    "state",
    "seen",
}
# A card of the ranked feed: a suggestion with the ones folded into it, and its score.
CARD_FIELDS = FIELDS | {"folded", "score"}


def test_it_lists_the_owners_suggestions_with_the_contract_fields(
    alice, bob, api_client_for, make_suggestion
):
    mine = make_suggestion(alice)
    make_suggestion(bob)
    response = api_client_for(alice).get("/api/v1/suggestions/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [mine.pk]
    item = results[0]
    assert set(item) == CARD_FIELDS
    assert item["folded"] == [] and item["seen"] is False
    assert item["kind"] == "collage" and item["state"] == "new"
    assert item["photo_ids"] == list(
        mine.photos.order_by("suggestionphoto__position").values_list("pk", flat=True)
    )
    assert item["image_url"].endswith(f"/api/v1/suggestions/{mine.pk}/image/")
    assert item["explanation"] == {
        "reason": "Because.",
        "photo_count": 2,
        "people": ["Ada"],
        "places": ["Lyon"],
        "dates": ["2026-06-01"],
    }


def test_it_filters_by_kind_and_rejects_an_unknown_kind(alice, api_client_for, make_suggestion):
    make_suggestion(alice, kind="collage")
    trip = make_suggestion(alice, kind="trip")
    api = api_client_for(alice)
    response = api.get("/api/v1/suggestions/", {"kind": "trip"})
    assert [r["id"] for r in response.json()["results"]] == [trip.pk]
    bad = api.get("/api/v1/suggestions/", {"kind": "selfies"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "kind" in bad.json()["detail"]


@pytest.mark.parametrize(
    "method,suffix",
    [("get", ""), ("post", "save/"), ("post", "dismiss/"), ("get", "image/"), ("post", "seen/")],
)
def test_another_users_suggestion_is_a_404_and_anonymous_a_401(
    method, suffix, alice, bob, charlie, api_client_for, make_suggestion
):
    suggestion = make_suggestion(alice)
    url = f"/api/v1/suggestions/{suggestion.pk}/{suffix}"
    for outsider in (bob, charlie):
        response = getattr(api_client_for(outsider), method)(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert getattr(APIClient(), method)(url).status_code == 401
    suggestion.refresh_from_db()
    assert suggestion.state == "new" and suggestion.seen_at is None
    assert not Album.objects.exists()


def test_it_shows_saves_and_dismisses(alice, api_client_for, make_suggestion):
    suggestion = make_suggestion(alice)
    api = api_client_for(alice)
    assert api.get(f"/api/v1/suggestions/{suggestion.pk}/").json()["id"] == suggestion.pk

    saved = api.post(f"/api/v1/suggestions/{suggestion.pk}/save/")
    assert saved.status_code == 200 and saved.json()["state"] == "saved"
    album = Album.objects.get(owner=alice)
    assert set(album.photos.values_list("pk", flat=True)) == set(saved.json()["photo_ids"])
    api.post(f"/api/v1/suggestions/{suggestion.pk}/save/")
    assert Album.objects.filter(owner=alice).count() == 1  # saving twice keeps one album

    dismissed = api.post(f"/api/v1/suggestions/{suggestion.pk}/dismiss/")
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert dismissed.json()["image_url"] is not None  # a saved one keeps its image
    assert api.get("/api/v1/suggestions/").json()["results"] == []
    assert api.get(f"/api/v1/suggestions/{suggestion.pk}/").status_code == 200


def test_it_serves_the_rendered_image_to_the_owner(alice, api_client_for, make_suggestion):
    suggestion = make_suggestion(alice)
    response = api_client_for(alice).get(f"/api/v1/suggestions/{suggestion.pk}/image/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as im:
        assert im.format == "JPEG" and im.width == 1200


def test_generate_answers_202_and_runs_in_the_background(
    alice, api_client_for, grant, photos_dir, django_capture_on_commit_callbacks
):
    from tests.factories import make_photo
    from tests.suggestions.conftest import yesterday

    grant(alice, "cloud_processing")
    for name in ("ibm_dog.jpg", "pelican.jpeg", "ibm_city.jpg"):
        make_photo(alice, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.8)
    api = api_client_for(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post("/api/v1/suggestions/generate/", {"kinds": ["collage"]}, format="json")
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "kinds": ["collage"]}
    assert len(callbacks) == 1
    assert Suggestion.objects.filter(owner=alice, kind="collage").count() == 1
    bad = api.post("/api/v1/suggestions/generate/", {"kinds": ["nope"]}, format="json")
    assert bad.status_code == 400


def test_the_list_takes_a_constant_number_of_queries(alice, api_client_for, make_suggestion):
    api = api_client_for(alice)
    make_suggestion(alice)
    api.get("/api/v1/suggestions/")  # the token's first use records last_used_at once
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/api/v1/suggestions/").json()["results"]) == 1
    for _ in range(4):
        make_suggestion(alice)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/suggestions/").json()["results"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_schema_documents_the_suggestion_endpoints(alice, api_client_for):
    schema = api_client_for(alice).get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/suggestions/",
        "/api/v1/suggestions/{id}/",
        "/api/v1/suggestions/{id}/save/",
        "/api/v1/suggestions/{id}/dismiss/",
        "/api/v1/suggestions/generate/",
    ):
        assert path in paths, path
    assert "202" in paths["/api/v1/suggestions/generate/"]["post"]["responses"]
    props = schema["components"]["schemas"]["Suggestion"]["properties"]
    assert set(props) == FIELDS


def test_reading_a_suggestion_never_marks_it_seen_and_posting_seen_does(
    alice, api_client_for, make_suggestion
):
    suggestion = make_suggestion(alice)
    api = api_client_for(alice)
    assert api.get(f"/api/v1/suggestions/{suggestion.pk}/").json()["seen"] is False
    assert api.get("/api/v1/suggestions/").json()["results"][0]["seen"] is False
    suggestion.refresh_from_db()
    assert suggestion.seen_at is None
    marked = api.post(f"/api/v1/suggestions/{suggestion.pk}/seen/")
    assert marked.status_code == 200 and marked.json()["seen"] is True
    suggestion.refresh_from_db()
    first = suggestion.seen_at
    assert first is not None
    assert api.post(f"/api/v1/suggestions/{suggestion.pk}/seen/").json()["seen"] is True
    suggestion.refresh_from_db()
    assert suggestion.seen_at == first  # the first opening is the one kept
    assert api.get(f"/api/v1/suggestions/{suggestion.pk}/seen/").status_code == 405


def test_the_feed_folds_what_repeats_a_moment_and_raw_lists_each(
    alice, api_client_for, make_suggestion
):
    trip = make_suggestion(alice, kind="trip")
    other = make_suggestion(alice, kind="collage")
    # A collage of the trip's photos: the same moment, so it is folded into the trip's card.
    repeat = Suggestion.objects.create(
        owner=alice, kind="collage", key="test:repeat", title="Day one", explanation={}
    )
    for i, photo in enumerate(trip.photos.all()):
        SuggestionPhoto.objects.create(suggestion=repeat, photo=photo, position=i)
    api = api_client_for(alice)
    cards = api.get("/api/v1/suggestions/").json()["results"]
    assert {c["id"] for c in cards} == {trip.pk, other.pk}
    card = next(c for c in cards if c["id"] == trip.pk)
    assert [f["id"] for f in card["folded"]] == [repeat.pk]
    assert set(card["folded"][0]) == FIELDS
    assert sorted(card["folded"][0]["photo_ids"]) == sorted(card["photo_ids"])
    assert isinstance(card["score"], float)
    raw = api.get("/api/v1/suggestions/", {"raw": "true"}).json()["results"]
    assert {r["id"] for r in raw} == {trip.pk, other.pk, repeat.pk}
    only_trips = api.get("/api/v1/suggestions/", {"kind": "trip"}).json()["results"]
    assert [c["id"] for c in only_trips] == [trip.pk]
    assert api.get("/api/v1/suggestions/", {"raw": "perhaps"}).status_code == 400


def test_the_raw_list_costs_the_same_queries_whatever_its_length(
    alice, api_client_for, make_suggestion
):
    api = api_client_for(alice)
    make_suggestion(alice)
    api.get("/api/v1/suggestions/?raw=1")
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/api/v1/suggestions/?raw=1").json()["results"]) == 1
    for _ in range(3):
        make_suggestion(alice)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/suggestions/?raw=1").json()["results"]) == 4
    assert len(many.captured_queries) == len(few.captured_queries)
