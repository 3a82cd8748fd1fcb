"""Revoking cloud_processing: keep the photos unprocessed, or purge them after a grace period."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from photos.models import Photo
from privacy import consent
from privacy.models import RetentionChoice, RetentionRequest
from privacy.tasks import purge_due

pytestmark = pytest.mark.django_db


def revoke_and_choose(client, choice):
    url = reverse("privacy:scope", args=["cloud_processing"])
    # The suggestions not saved go with cloud processing: shown first, then confirmed.
    shown = client.post(url, {"action": "revoke"})
    assert shown.status_code == 200 and b'id="deleted"' in shown.content
    response = client.post(url, {"action": "revoke", "confirm": "yes"})
    assert response["Location"] == reverse("privacy:retention")
    page = client.get(reverse("privacy:retention"))
    assert b'value="keep"' in page.content and b'value="delete"' in page.content
    return client.post(reverse("privacy:retention"), {"choice": choice})


def test_delete_is_purged_after_the_grace_period(
    alice_client, alice, bob, grant, make_analysed, settings, django_capture_on_commit_callbacks
):
    settings.PURGE_GRACE_DAYS = 30
    grant(alice, "cloud_processing")
    grant(bob, "cloud_processing")
    photos = make_analysed(alice, 2)
    make_analysed(bob, 1)
    names = [p.original.name for p in photos]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert revoke_and_choose(alice_client, "delete").status_code == 302
    request = RetentionRequest.objects.get(user=alice)
    assert request.choice == RetentionChoice.DELETE
    assert request.purge_after == start + timedelta(days=30)

    with time_machine.travel(start + timedelta(days=29, hours=23)):
        assert purge_due()["photos"] == 0
    assert Photo.objects.filter(owner=alice).count() == 2

    with (
        time_machine.travel(start + timedelta(days=30, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert purge_due()["photos"] == 2
    assert not Photo.objects.filter(owner=alice).exists()
    assert not any(default_storage.exists(n) for n in names)
    assert RetentionRequest.objects.get(user=alice).purged_at is not None
    assert Photo.objects.filter(owner=bob).count() == 1
    # Idempotent: a second run purges nothing more.
    with time_machine.travel(start + timedelta(days=31)):
        assert purge_due()["photos"] == 0


def test_keep_is_never_purged(alice_client, alice, grant, make_analysed):
    grant(alice, "cloud_processing")
    make_analysed(alice, 1)
    revoke_and_choose(alice_client, "keep")
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        purge_due()
    assert Photo.objects.filter(owner=alice).count() == 1
    assert not consent.allows(alice, "cloud_processing")


def test_granting_again_cancels_the_purge(alice_client, alice, grant, make_analysed):
    grant(alice, "cloud_processing")
    make_analysed(alice, 1)
    revoke_and_choose(alice_client, "delete")
    assert RetentionRequest.objects.filter(user=alice).exists()
    alice_client.post(reverse("privacy:scope", args=["cloud_processing"]), {"action": "grant"})
    assert not RetentionRequest.objects.filter(user=alice).exists()
    with time_machine.travel(timezone.now() + timedelta(days=60)):
        purge_due()
    assert Photo.objects.filter(owner=alice).count() == 1


def test_a_grant_that_slipped_past_the_cancel_still_stops_the_purge(alice, grant, make_analysed):
    from privacy import services

    grant(alice, "cloud_processing")
    make_analysed(alice, 1)
    consent.revoke(alice, "cloud_processing")
    services.choose_retention(alice, "delete")
    # Simulate a request row left behind; the purge checks consent when it runs.
    consent.grant(alice, "cloud_processing")
    RetentionRequest.objects.create(
        user=alice, choice="delete", purge_after=timezone.now() - timedelta(days=1)
    )
    purge_due()
    assert Photo.objects.filter(owner=alice).count() == 1


def test_the_choice_is_refused_while_cloud_processing_is_granted(alice_client, alice, grant):
    grant(alice, "cloud_processing")
    response = alice_client.post(reverse("privacy:retention"), {"choice": "delete"}, follow=True)
    assert "still allowed" in response.content.decode()
    assert not RetentionRequest.objects.exists()


def test_the_api_records_the_choice(alice, grant, api_client_for):
    grant(alice, "cloud_processing")
    api = api_client_for(alice)
    early = api.post("/api/v1/privacy/retention/", {"choice": "delete"}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "still_granted"
    api.post("/api/v1/consent/", {"scope": "cloud_processing", "granted": False}, format="json")
    bad = api.post("/api/v1/privacy/retention/", {"choice": "burn"}, format="json")
    assert bad.status_code == 400
    ok = api.post("/api/v1/privacy/retention/", {"choice": "delete"}, format="json")
    assert ok.status_code == 200 and ok.json()["choice"] == "delete"
    assert ok.json()["purge_after"]
