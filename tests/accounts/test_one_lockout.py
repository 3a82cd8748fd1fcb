"""Every way to sign in shares one lock-out on the normalised username and the address:
the login page, the admin's login, the API token and account deletion (page and API).
Wrong passwords on any one of them lock all of them, the right password included."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _page(username, password):
    response = Client().post("/login/", {"username": username, "password": password})
    return {302: "in", 200: "wrong", 429: "locked"}[response.status_code]


def _admin(username, password):
    response = Client().post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    if response.status_code == 302:
        return "in"
    assert response.status_code == 200
    return "locked" if "Too many failed attempts" in response.content.decode() else "wrong"


def _token(username, password):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password, "device_name": "phone"},
        format="json",
    )
    return {200: "in", 401: "wrong", 429: "locked"}[response.status_code]


def _delete_api(username, password):
    user = User.objects.get(username=username)
    api = APIClient()
    api.force_authenticate(user)
    if password == PASSWORD:
        # The right password would delete the account: ask whether it is still refused.
        response = api.delete("/api/v1/account/", {"password": password}, format="json")
        return "locked" if response.status_code == 429 else "in"
    response = api.delete("/api/v1/account/", {"password": password}, format="json")
    return {403: "wrong", 429: "locked"}[response.status_code]


def _delete_page(username, password):
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.post("/privacy/delete/account/", {"password": password, "confirm": "yes"})
    html = response.content.decode()
    if "Too many failed attempts" in html:
        return "locked"
    if "That is not your password" in html:
        return "wrong"
    return "in"


WAYS = {
    "page": _page,
    "admin": _admin,
    "token": _token,
    "delete_api": _delete_api,
    "delete_page": _delete_page,
}


@pytest.mark.parametrize("guessing", list(WAYS))
@pytest.mark.parametrize("then", list(WAYS))
def test_it_locks_every_way_in_after_wrong_passwords_on_one(guessing, then, moderator, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    settings.API_THROTTLE_LOGIN = None
    for _ in range(3):
        assert WAYS[guessing]("mod", "wrong") == "wrong"
    # Another spelling of the same username shares the counter.
    assert WAYS[then]("MOD" if then in ("page", "admin", "token") else "mod", PASSWORD) == (
        "locked"
    )
    assert User.objects.filter(username="mod").exists()


def test_the_admin_login_is_locked_against_30_quick_guesses(moderator, settings):
    """The attack as reported: 30 wrong passwords, then the right one got in."""
    statuses = [_admin("mod", f"guess-{i}") for i in range(30)]
    assert statuses.count("wrong") == settings.LOGIN_ATTEMPTS_LIMIT
    assert _admin("mod", PASSWORD) == "locked"


def test_a_right_password_resets_the_counter(moderator, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    for _ in range(2):
        assert _admin("mod", "wrong") == "wrong"
    assert _admin("mod", PASSWORD) == "in"
    for _ in range(2):
        assert _page("mod", "wrong") == "wrong"
    assert _page("mod", PASSWORD) == "in"
