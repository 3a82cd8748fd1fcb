"""Sign-in and abuse limits: the lock-out keys on the identity sign-in uses, client addresses
come from configured proxies only, sign-up is rate limited, tokens die with the password,
and deleting an account asks for the password on the web and on the API alike."""

import io
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Device, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a different long passphrase 7"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.parametrize("variant", ["alice   ", "  alice", "\uff41lice", "ALICE"])
def test_it_locks_out_every_spelling_of_the_same_username(client, alice, settings, variant):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    for _ in range(3):
        assert _login(client, "alice", "wrong").status_code == 200
    locked = _login(client, variant, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_locks_the_api_token_endpoint_for_every_spelling(alice, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    api = APIClient()
    for _ in range(3):
        body = {"username": "alice", "password": "wrong", "device_name": "x"}
        assert api.post("/api/v1/auth/token/", body).status_code == 401
    body = {"username": "\uff41lice ", "password": PASSWORD, "device_name": "x"}
    assert api.post("/api/v1/auth/token/", body).status_code == 429


def test_it_does_not_trust_forwarded_addresses_from_anyone(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = []
    for i in range(15):
        api = APIClient(HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        body = {"username": f"user{i}", "password": "guess", "device_name": "x"}
        statuses.append(api.post("/api/v1/auth/token/", body).status_code)
    assert 429 in statuses


def test_it_uses_the_address_the_trusted_proxy_saw(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    # The client forges a first address; the proxy appends the one it saw.
    attacker = Client(HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    for i in range(3):
        forged = f"10.0.0.{i}, 198.51.100.7"
        attacker.defaults["HTTP_X_FORWARDED_FOR"] = forged
        assert _login(attacker, "alice", "wrong").status_code == 200
    assert _login(attacker, "alice", PASSWORD).status_code == 429
    # Someone else behind the same proxy is not locked out.
    other = Client(HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert _login(other, "alice", PASSWORD).status_code == 302


def _signup(client, i, email=None):
    return client.post(
        reverse("accounts:signup"),
        {
            "username": f"newbie{i}",
            "email": email or f"newbie{i}@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_it_rate_limits_web_sign_up_per_address(settings):
    settings.SIGNUP_ATTEMPTS_LIMIT = 3
    statuses = []
    for i in range(5):
        client = Client()  # a fresh session each time, as a script would
        statuses.append(_signup(client, i).status_code)
    assert statuses[:3] == [302, 302, 302]
    assert statuses[3:] == [429, 429]
    assert "Too many sign-ups" in _signup(Client(), 8).content.decode()
    assert User.objects.filter(username__startswith="newbie").count() == 3
    # Another address can still sign up.
    assert _signup(Client(REMOTE_ADDR="10.9.8.7"), 9).status_code == 302


def test_it_never_sets_an_email_another_account_uses_on_the_profile(
    client, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:profile"), {"email": "BOB@example.org"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    # bob's address hears of it; alice gets no link that could set it.
    assert [m.to for m in mailoutbox] == [["bob@example.org"]]
    assert "/profile/email/" not in mailoutbox[0].body
    # Saving one's own address again is fine, and sends nothing.
    same = client.post(reverse("accounts:profile"), {"email": "alice@example.org"})
    assert same.status_code == 302
    assert len(mailoutbox) == 1


def _devices_page(client):
    return client.get(reverse("accounts:devices")).content.decode()


def test_it_revokes_device_tokens_when_the_password_changes(client, alice, api_token_for):
    token = api_token_for(alice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/devices/").status_code == 200
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert api.get("/api/v1/devices/").status_code == 401
    assert not Device.objects.filter(user=alice).active().exists()
    assert "(your password changed)" in _devices_page(client)


def test_it_revokes_device_tokens_on_a_password_reset(client, alice, api_token_for, mailoutbox):
    token = api_token_for(alice)
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    link = re.search(r"/password/reset/\S+/\S+/", mailoutbox[0].body)[0]
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/devices/").status_code == 401
    device = Device.objects.get(user=alice)
    assert device.revoked_at is not None
    alice.refresh_from_db()  # the new password's session hash
    client.force_login(alice)
    assert "(your password changed)" in _devices_page(client)


def test_it_revokes_device_tokens_when_changepassword_sets_a_new_one(alice, api_token_for):
    token = api_token_for(alice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/devices/").status_code == 200
    with mock.patch(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        return_value=NEW_PASSWORD,
    ):
        call_command("changepassword", "alice", stdout=io.StringIO())
    assert api.get("/api/v1/devices/").status_code == 401
    assert Device.objects.get(user=alice).revoked_reason == "your password changed"


def test_saving_a_user_without_a_new_password_keeps_the_devices(alice, api_token_for):
    api_token_for(alice)
    alice.first_name = "Alice"
    alice.save()
    assert Device.objects.filter(user=alice).active().count() == 1


def test_it_asks_for_the_password_to_delete_the_account_through_the_api(alice, api_client_for):
    api = api_client_for(alice)
    for body in (None, {}, [PASSWORD], PASSWORD, {"password": "wrong"}, {"password": 12}):
        response = api.delete("/api/v1/account/", body, format="json")
        assert response.status_code in (400, 403), (body, response.status_code)
        assert User.objects.filter(pk=alice.pk).exists()
    response = api.delete("/api/v1/account/", {"password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert not User.objects.filter(pk=alice.pk).exists()


def test_the_health_check_says_only_that_the_service_is_up(client, settings):
    settings.DEBUG = False
    response = client.get(reverse("accounts:healthz"))
    assert response.status_code == 200
    assert response.json() == {"ok": True}
