import pytest
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signup(client, username="newbie", password=PASSWORD, email="newbie@example.org"):
    return client.post(
        reverse("accounts:signup"),
        {"username": username, "email": email, "password1": password, "password2": password},
    )


def test_it_signs_up_logs_in_and_asks_for_consent_first(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:onboarding")
    user = User.objects.get(username="newbie")
    assert user.password.startswith("md5$") or user.password.startswith("argon2")
    # The dashboard sends a user who has not answered the consent page back to it.
    dashboard = client.get(reverse("accounts:dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"] == reverse("privacy:onboarding")


def test_it_reaches_the_dashboard_after_the_consent_page(client):
    _signup(client)
    client.post(reverse("privacy:onboarding"), {"cloud_processing": "accept"})
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    for label in ("Library", "People", "Suggestions", "Privacy", "Devices"):
        assert f">{label}</a>" in response.content.decode()


def test_it_refuses_a_taken_username_with_a_form_error(client, alice):
    response = _signup(client, username="alice", email="other@example.org")
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(username="alice").count() == 1


def test_it_refuses_a_weak_password_with_a_form_error(client):
    response = _signup(client, password="password")
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_it_logs_in_and_out(client, alice):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert "Hello, alice" in client.get(reverse("accounts:dashboard")).content.decode()
    client.post(reverse("accounts:logout"))
    # Logged out, the same address is the landing page, with nothing of alice's.
    landing = client.get(reverse("accounts:dashboard")).content.decode()
    assert "The privacy promise" in landing
    assert "alice" not in landing


def test_it_limits_login_attempts(client, alice, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    for _ in range(3):
        response = client.post(
            reverse("accounts:login"), {"username": "alice", "password": "wrong"}
        )
        assert response.status_code == 200
    # Locked now, even with the right password.
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


def test_it_changes_the_password(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a different long passphrase 7",
            "new_password2": "a different long passphrase 7",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a different long passphrase 7")


def test_it_sends_a_password_reset_email(client, alice, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/password/reset/" in mailoutbox[0].body
