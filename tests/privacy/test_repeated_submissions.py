"""A repeated or concurrent submission changes nothing the first did not: the consent page
(one toggle), the onboarding page and POST /api/v1/consent/ answer a double-submit or two
racing requests (real threads, on SQLite and PostgreSQL) with the same success and one
ledger event (privacy.consent.grant and revoke are idempotent under the user's lock)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from privacy.models import ConsentEvent
from tests.races import at_once

URL = "/api/v1/consent/"

# The SQLite test database is in memory with a shared cache, where a second writer fails at
# once ("database table is locked") whatever the busy timeout; a SQLite file (what runs in
# production, IMMEDIATE transactions) queues writers instead. The races run on PostgreSQL
# and, marked race, on the SQLite file make test gives them.
concurrent = pytest.mark.race


def _client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _api(user, token):
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


@pytest.mark.django_db
def test_a_repeated_grant_or_revoke_is_the_same_answer(alice):
    from privacy import consent

    first = consent.grant(alice, "face_analysis")
    assert consent.grant(alice, "face_analysis") == first
    revoked = consent.revoke(alice, "face_analysis")
    assert consent.revoke(alice, "face_analysis") == revoked
    assert ConsentEvent.objects.filter(user=alice).count() == 2


@pytest.mark.django_db
def test_a_double_submitted_onboarding_page_is_one_grant(alice_client, alice):
    for _ in range(2):
        response = alice_client.post("/privacy/welcome/", {"face_analysis": "accept"})
        assert response.status_code == 302
    assert ConsentEvent.objects.filter(user=alice).count() == 1


@concurrent
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_onboarding_submissions_are_one_grant(published_terms, alice, attempt):
    clients = [_client(alice) for _ in range(4)]
    body = {"face_analysis": "accept", "cloud_processing": "accept"}
    results = at_once(*[lambda c=c: c.post("/privacy/welcome/", body) for c in clients])
    assert [getattr(r, "status_code", r) for r in results] == [302] * 4
    scopes = sorted(ConsentEvent.objects.filter(user=alice).values_list("scope", flat=True))
    assert scopes == ["cloud_processing", "face_analysis"]


@concurrent
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_toggles_are_one_grant(published_terms, alice, attempt):
    clients = [_client(alice) for _ in range(4)]
    results = at_once(
        *[lambda c=c: c.post("/privacy/scopes/ai_training/", {"action": "grant"}) for c in clients]
    )
    assert [getattr(r, "status_code", r) for r in results] == [302] * 4
    assert ConsentEvent.objects.filter(user=alice).count() == 1


@concurrent
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_api_grants_and_revokes_are_one_event_each(
    published_terms, alice, api_token_for, attempt
):
    apis = [_api(alice, api_token_for(alice)) for _ in range(4)]
    grant = {"scope": "older_photos", "granted": True}
    results = at_once(*[lambda a=a: a.post(URL, grant, format="json") for a in apis])
    assert [getattr(r, "status_code", r) for r in results] == [200] * 4
    bodies = [r.json() for r in results]
    assert all(b == bodies[0] for b in bodies)
    revoke = {"scope": "older_photos", "granted": False}
    results = at_once(*[lambda a=a: a.post(URL, revoke, format="json") for a in apis])
    assert [getattr(r, "status_code", r) for r in results] == [200] * 4
    actions = list(
        ConsentEvent.objects.filter(user=alice).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["grant", "revoke"]
