"""Revoking face_analysis deletes all biometric data at once and hides people everywhere."""

import pytest
from django.urls import reverse

from photos.models import AnalysisStep, Face, Person, Photo
from privacy import consent
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db


def test_revoking_face_analysis_leaves_zero_embeddings_and_people(
    alice_client, alice, bob, grant, make_analysed, api_client_for
):
    grant(alice, "cloud_processing", "face_analysis")
    grant(bob, "face_analysis")
    photos = make_analysed(alice, 3)
    make_analysed(bob, 2)
    AnalysisStep.objects.create(photo=photos[0], step="faces", status="done")
    Suggestion.objects.create(owner=alice, kind="trip", key="t1", title="No faces here")
    assert Face.objects.filter(owner=alice).exclude(embedding=b"").count() == 3

    before = api_client_for(alice).get("/api/v1/people/").json()["results"]
    assert [p["name"] for p in before] == ["Friend of alice"]
    assert b"Friend of alice" in alice_client.get(reverse("photos:people")).content

    # First what it deletes, with nothing deleted yet; then, confirmed, it happens.
    url = reverse("privacy:scope", args=["face_analysis"])
    shown = alice_client.post(url, {"action": "revoke"})
    assert shown.status_code == 200
    assert Face.objects.filter(owner=alice).count() == 3
    assert consent.allows(alice, "face_analysis")
    response = alice_client.post(url, {"action": "revoke", "confirm": "yes"})
    assert response.status_code == 302

    assert Face.objects.filter(owner=alice).count() == 0  # faces and their embeddings
    assert Person.objects.filter(owner=alice).count() == 0
    assert Photo.objects.filter(owner=alice).count() == 3
    assert AnalysisStep.objects.get(photo=photos[0], step="faces").status == "skipped"
    # People-based suggestions are withdrawn; the others stay.
    assert list(Suggestion.objects.filter(owner=alice).values_list("key", flat=True)) == ["t1"]
    # The people page and API show nobody.
    people_page = alice_client.get(reverse("photos:people"))
    assert b"Friend of alice" not in people_page.content
    people_api = api_client_for(alice).get("/api/v1/people/")
    assert people_api.status_code == 200
    assert people_api.json()["results"] == []
    # Bob keeps his.
    assert Face.objects.filter(owner=bob).count() == 2
    assert consent.allows(bob, "face_analysis")


def test_stop_all_deletes_face_data_too(alice, grant, make_analysed, api_client_for):
    grant(alice, "face_analysis")
    make_analysed(alice, 2)
    api_client_for(alice).post("/api/v1/privacy/stop-processing/")
    assert not Face.objects.filter(owner=alice).exists()
    assert not Person.objects.filter(owner=alice).exists()


def test_revoking_another_scope_keeps_faces(alice, grant, make_analysed):
    grant(alice, "face_analysis", "ai_training")
    make_analysed(alice, 2)
    consent.revoke(alice, "ai_training")
    assert Face.objects.filter(owner=alice).count() == 2
