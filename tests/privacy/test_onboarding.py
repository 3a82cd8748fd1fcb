"""The consent page after sign-up: plain language, accept and decline alike, per scope."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from privacy import consent
from privacy.models import ConsentEvent, ConsentTerms, Scope
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/privacy/welcome/"


def test_sign_up_ends_on_the_consent_page_with_nothing_granted(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "dora",
            "email": "dora@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == URL
    page = client.get(URL)
    assert page.status_code == 200
    assert not ConsentEvent.objects.exists()


def test_it_explains_in_plain_language_and_offers_accept_and_decline_alike(alice_client):
    html = alice_client.get(URL).content.decode()
    for words in (
        "What is uploaded",
        "What runs",
        "MobileNetV2",
        "insightface",
        "Who sees the results",
        "only you",
        "How long",
        "How to stop",
    ):
        assert words in html, words
    for scope in Scope.values:
        terms = ConsentTerms.objects.get(scope=scope, version=1)
        assert escape(terms.text.split(".")[0]) in html
        block = html.split(f'id="scope-{scope}"')[1].split('class="scope"')[0]
        accept = re.search(rf'<label><input type="radio" name="{scope}" value="accept"', block)
        decline = re.search(rf'<label><input type="radio" name="{scope}" value="decline"', block)
        assert accept and decline, scope  # the same element, the same styling
        # Nothing is pre-accepted.
        assert 'value="accept" checked' not in block


def test_a_user_accepts_some_scopes_and_declines_the_others(alice_client, alice):
    response = alice_client.post(
        URL,
        {
            "cloud_processing": "accept",
            "face_analysis": "decline",
            "camera_roll_sync": "accept",
            "older_photos": "decline",
            "ai_training": "decline",
        },
    )
    assert response.status_code == 302
    states = consent.states(alice)
    assert {s for s, st in states.items() if st.granted} == {"cloud_processing", "camera_roll_sync"}
    events = ConsentEvent.objects.filter(user=alice)
    assert events.count() == 2
    assert set(events.values_list("channel", flat=True)) == {"web"}
    # The terms in force: cloud processing's v2 (it added text in photos), the others' v1.
    assert dict(events.values_list("scope", "terms_version")) == {
        "cloud_processing": 2,
        "camera_roll_sync": 1,
    }
    alice.refresh_from_db()
    assert alice.consent_reviewed_at is not None


def test_answering_again_changes_only_what_changed(alice_client, alice, grant):
    grant(alice, "cloud_processing", "face_analysis")
    alice_client.post(URL, {"cloud_processing": "accept", "face_analysis": "decline"})
    assert consent.allows(alice, "cloud_processing")
    assert not consent.allows(alice, "face_analysis")
    assert ConsentEvent.objects.filter(user=alice).count() == 3


def test_declining_everything_grants_nothing(alice_client, alice):
    response = alice_client.post(URL, dict.fromkeys(Scope.values, "decline"), follow=True)
    assert "Nothing will be analysed" in response.content.decode()
    assert not ConsentEvent.objects.filter(user=alice).exists()


def test_a_scope_waiting_for_new_terms_is_left_alone_when_not_answered(alice_client, alice, grant):
    from django.utils import timezone

    grant(alice, "face_analysis")
    ConsentTerms.objects.create(
        scope="face_analysis", version=2, title="t", text="new", published_at=timezone.now()
    )
    page = alice_client.get(URL).content.decode()
    block = page.split('id="scope-face_analysis"')[1].split('class="scope"')[0]
    assert "These terms changed" in block
    assert "checked" not in block  # an explicit answer is needed
    alice_client.post(URL, {"cloud_processing": "decline"})
    assert ConsentEvent.objects.filter(user=alice).count() == 1  # no revocation slipped in
    alice_client.post(URL, {"face_analysis": "decline"})
    assert ConsentEvent.objects.filter(user=alice).first().action == "revoke"
