"""GET/POST /api/v1/consent/ and stop-processing: the contract, bad input, the ledger."""

import pytest
from rest_framework.test import APIClient

from privacy import consent
from privacy.models import Channel, ConsentAction, ConsentEvent, Scope

pytestmark = pytest.mark.django_db

URL = "/api/v1/consent/"


def by_scope(body):
    return {row["scope"]: row for row in body["scopes"]}


def test_it_lists_every_scope_off_for_a_new_user(alice, api_client_for):
    response = api_client_for(alice).get(URL)
    assert response.status_code == 200
    rows = by_scope(response.json())
    assert set(rows) == set(Scope.values)
    for row in rows.values():
        assert row["granted"] is False
        assert row["terms_version"] is None
        assert row["changed_at"] is None


def test_it_grants_one_scope_and_records_the_device(alice, api_client_for):
    api = api_client_for(alice)
    response = api.post(URL, {"scope": "face_analysis", "granted": True}, format="json")
    assert response.status_code == 200
    rows = by_scope(response.json())
    assert rows["face_analysis"]["granted"] is True
    assert rows["face_analysis"]["terms_version"] == 1
    assert rows["face_analysis"]["changed_at"]
    assert rows["cloud_processing"]["granted"] is False
    event = ConsentEvent.objects.get(user=alice)
    assert event.action == ConsentAction.GRANT
    assert event.channel == Channel.API
    assert event.device is not None and event.device.user == alice
    assert event.device_name == "Test phone"
    assert event.terms_version == 1
    assert consent.allows(alice, "face_analysis")


def test_it_revokes_a_granted_scope(alice, api_client_for, grant):
    grant(alice, "cloud_processing")
    api = api_client_for(alice)
    response = api.post(URL, {"scope": "cloud_processing", "granted": False}, format="json")
    assert response.status_code == 200
    assert by_scope(response.json())["cloud_processing"]["granted"] is False
    assert not consent.allows(alice, "cloud_processing")
    assert list(
        ConsentEvent.objects.filter(user=alice).order_by("id").values_list("action", flat=True)
    ) == ["grant", "revoke"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"scope": "telepathy", "granted": True}, "unknown_scope"),
        ({"scope": "telepathy", "granted": False}, "unknown_scope"),
        ({"scope": "face_analysis", "granted": False}, "not_granted"),
    ],
)
def test_it_refuses_bad_changes_with_the_consent_code(alice, api_client_for, body, code):
    response = api_client_for(alice).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not ConsentEvent.objects.filter(user=alice).exists()


def test_a_repeated_grant_is_the_same_answer_and_one_event(alice, api_client_for):
    api = api_client_for(alice)
    first = api.post(URL, {"scope": "older_photos", "granted": True}, format="json")
    assert first.status_code == 200
    again = api.post(URL, {"scope": "older_photos", "granted": True}, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert ConsentEvent.objects.filter(user=alice).count() == 1


def test_a_repeated_revoke_is_the_same_answer_and_one_event(alice, api_client_for, grant):
    grant(alice, "ai_training")
    api = api_client_for(alice)
    body = {"scope": "ai_training", "granted": False}
    first = api.post(URL, body, format="json")
    assert first.status_code == 200
    again = api.post(URL, body, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert ConsentEvent.objects.filter(user=alice).count() == 2


@pytest.mark.parametrize("body", [{}, {"scope": "face_analysis"}, {"granted": "perhaps"}])
def test_it_answers_malformed_bodies_with_400(alice, api_client_for, body):
    response = api_client_for(alice).post(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"detail", "code"}


def test_it_needs_authentication():
    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, {"scope": "face_analysis", "granted": True}).status_code == 401


def test_it_shows_only_the_callers_consent(alice, bob, api_client_for, grant):
    grant(bob, *Scope.values)
    rows = by_scope(api_client_for(alice).get(URL).json())
    assert not any(row["granted"] for row in rows.values())


def test_stop_processing_revokes_every_granted_scope_at_once(alice, bob, api_client_for, grant):
    grant(alice, "cloud_processing", "face_analysis", "ai_training")
    grant(bob, "cloud_processing")
    response = api_client_for(alice).post("/api/v1/privacy/stop-processing/")
    assert response.status_code == 200
    body = response.json()
    assert sorted(body["revoked"]) == ["ai_training", "cloud_processing", "face_analysis"]
    assert not any(row["granted"] for row in body["scopes"])
    for scope in Scope.values:
        assert not consent.allows(alice, scope)
    assert consent.allows(bob, "cloud_processing")
    notes = set(
        ConsentEvent.objects.filter(user=alice, action="revoke").values_list("note", flat=True)
    )
    assert notes == {"stop all"}
    # Nothing left to stop: a second call changes nothing.
    again = api_client_for(alice).post("/api/v1/privacy/stop-processing/")
    assert again.status_code == 200 and again.json()["revoked"] == []
    assert ConsentEvent.objects.filter(user=alice).count() == 6
