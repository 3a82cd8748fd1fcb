"""Sign-up (page and API) and the email change answer the same whether or not another
account has the address; that address gets a notice, and one sign-up allowance per client
address holds for the page and the API together."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _page_signup(username, email, client=None):
    client = client or Client()
    response = client.post(
        "/signup/",
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    return response


def _api_signup(username, email):
    return APIClient().post(
        "/api/v1/auth/register/",
        {"username": username, "email": email, "password": PASSWORD},
        format="json",
    )


def _normalised(html: str, *words) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    for word in words:
        html = html.replace(word, "X")
    return html


def test_the_sign_up_page_answers_the_same_for_a_taken_address(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = _page_signup("newbie1", "ALICE@example.org")
        free = _page_signup("newbie2", "fresh@example.org")
    assert taken.status_code == free.status_code == 200
    assert taken.redirect_chain == free.redirect_chain
    assert _normalised(taken.content.decode(), "newbie1", "alice@example.org") == _normalised(
        free.content.decode(), "newbie2", "fresh@example.org"
    )
    # Both accounts exist, neither with an address yet: the profiles look the same too.
    assert User.objects.get(username="newbie1").email == ""
    assert User.objects.get(username="newbie2").email == ""
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    to = {m.to[0]: m.body for m in mailoutbox}
    assert set(to) == {"alice@example.org", "fresh@example.org"}
    assert "tried to sign up" in to["alice@example.org"]
    assert "/profile/email/" not in to["alice@example.org"]
    assert "/profile/email/" in to["fresh@example.org"]


def test_the_sign_up_api_answers_the_same_for_a_taken_address(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = _api_signup("newbie1", "alice@example.org")
        free = _api_signup("newbie2", "fresh@example.org")
    assert taken.status_code == free.status_code == 201
    assert set(taken.json()) == set(free.json()) == {"id", "username"}
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "fresh@example.org"]
    assert "tried to sign up" in next(m.body for m in mailoutbox if m.to == ["alice@example.org"])


def test_the_confirmation_link_sets_the_address(mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _page_signup("newbie", "fresh@example.org", client)
    link = re.search(r"/profile/email/[^/\s]+/", mailoutbox[0].body).group(0)
    assert client.get(link).status_code == 200  # a GET changes nothing
    assert User.objects.get(username="newbie").email == ""
    assert client.post(link).status_code == 302
    assert User.objects.get(username="newbie").email == "fresh@example.org"
    # A forged or altered link is a 400, not a 500.
    assert client.post(link[:-3] + "x/").status_code == 400


def test_a_link_does_not_set_an_address_taken_since(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        _page_signup("newbie", "fresh@example.org", client)
    link = re.search(r"/profile/email/[^/\s]+/", mailoutbox[0].body).group(0)
    User.objects.filter(pk=alice.pk).update(email="fresh@example.org")
    assert client.post(link).status_code == 400
    assert User.objects.get(username="newbie").email == ""


def test_the_profile_answers_the_same_for_a_taken_address(
    alice, bob, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post("/profile/", {"email": "bob@example.org"}, follow=True)
        free = client.post("/profile/", {"email": "fresh@example.org"}, follow=True)
    assert taken.status_code == free.status_code == 200
    assert _normalised(taken.content.decode(), "bob@example.org") == _normalised(
        free.content.decode(), "fresh@example.org"
    )
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    assert sorted(m.to[0] for m in mailoutbox) == ["bob@example.org", "fresh@example.org"]


def test_page_and_api_sign_up_share_one_allowance(settings):
    settings.SIGNUP_ATTEMPTS_LIMIT = 4
    statuses = []
    for i in range(3):
        statuses.append(_page_signup(f"page{i}", f"page{i}@example.org").status_code)
        statuses.append(_api_signup(f"api{i}", f"api{i}@example.org").status_code)
    assert statuses == [200, 201, 200, 201, 429, 429]
    assert User.objects.count() == 4
    response = _api_signup("late", "late@example.org")
    assert response.json()["code"] == "throttled"


def test_the_api_sign_up_is_limited_like_the_page(settings):
    """The reported attack: 9 API sign-ups a minute where the page allows 10 an hour."""
    settings.SIGNUP_ATTEMPTS_LIMIT = 3
    statuses = [_api_signup(f"bot{i}", f"bot{i}@example.org").status_code for i in range(6)]
    assert statuses == [201, 201, 201, 429, 429, 429]
