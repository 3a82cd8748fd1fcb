"""No text a user writes holds a control character: every form field, JSON string, query
string and upload name with one (NUL and the other C0/C1 controls, DEL, lone surrogates)
is a clear 400 naming the field, before any form, serializer or service sees it
(project.middleware.ControlCharactersMiddleware). A NUL was stored on SQLite and a 500 on
PostgreSQL. Tabs and line breaks are text."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Device
from photos.models import Album, Person
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BAD = ["a\x00b", "\x07bell", "esc\x1b[31m", "del\x7f", "c1\x85"]


@pytest.fixture
def person(alice):
    return Person.objects.create(owner=alice, name="Kit", pack="test-pack")


@pytest.mark.parametrize("text", BAD)
def test_a_web_form_refuses_control_characters(alice_client, text):
    response = alice_client.post("/library/albums/new/", {"title": text})
    assert response.status_code == 400
    assert "title: control characters" in response.content.decode()
    assert not Album.objects.exists()


@pytest.mark.parametrize("text", BAD)
def test_every_page_refuses_them(alice_client, person, text):
    rename = alice_client.post(f"/library/people/{person.pk}/edit/", {"name": text})
    assert rename.status_code == 400
    person.refresh_from_db()
    assert person.name == "Kit"
    profile = alice_client.post("/profile/", {"email": "alice@example.org", "birthday": text})
    assert profile.status_code == 400
    search = alice_client.get("/library/search/", {"q": text})
    assert search.status_code == 400


@pytest.mark.parametrize("text", [*BAD, "\ud800"])
def test_the_api_refuses_them_in_json_bodies(alice, api_client_for, person, grant, text):
    grant(alice, "face_analysis")
    api = api_client_for(alice)
    body = json.dumps({"title": text})  # escaped: "\u0000", "\ud800"
    response = api.post("/api/v1/albums/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"].startswith("title: control characters")
    assert not Album.objects.exists()
    rename = api.patch(
        f"/api/v1/people/{person.pk}/",
        json.dumps({"name": text}),
        content_type="application/json",
    )
    assert rename.status_code == 400
    # Nested strings and keys too.
    nested = api.post(
        "/api/v1/albums/",
        json.dumps({"title": "ok", "x": [{text: 1}]}),
        content_type="application/json",
    )
    assert nested.status_code == 400


def test_a_device_name_with_one_is_refused(alice):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": PASSWORD, "device_name": "phone\x00"},
        format="json",
    )
    assert response.status_code == 400
    assert not Device.objects.exists()


def test_tabs_and_line_breaks_are_text(alice_client):
    response = alice_client.post("/library/albums/new/", {"title": "Summer\tin Lisbon"})
    assert response.status_code == 302
    assert Album.objects.get().title.startswith("Summer")


def test_the_admin_refuses_them_too(moderator, alice):
    client = Client()
    client.force_login(moderator)
    response = client.post(f"/admin/accounts/user/{alice.pk}/change/", {"first_name": "A\x00"})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.first_name == ""
