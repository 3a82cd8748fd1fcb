"""The landing page, the 404 and 500 pages (with the site's navigation) and the favicon."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse


def server_error(request):
    # Imported late: project.api imported first, before DRF's settings, is a cycle.
    from project.api import server_error

    return server_error(request)


def test_it_tells_a_visitor_what_camroll_is(client):
    html = client.get("/").content.decode()
    assert "The privacy promise" in html
    assert reverse("accounts:signup") in html and reverse("accounts:login") in html
    assert 'rel="icon"' in html


@pytest.mark.parametrize("signed_in", [False, True])
def test_it_shows_a_404_page_with_the_navigation(client, alice, settings, signed_in):
    settings.DEBUG = False
    if signed_in:
        client.force_login(alice)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Nothing here" in html
    assert 'class="topbar"' in html
    assert (reverse("photos:library") in html) is signed_in


def test_the_api_still_answers_404_in_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_shows_a_500_page_with_the_navigation(alice):
    request = RequestFactory().get("/library/")
    request.user = alice
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert reverse("photos:library") in html


def test_a_500_page_survives_a_request_it_cannot_render_with(db):
    request = RequestFactory().get("/library/")  # no user at all: the bare page
    response = server_error(request)
    assert response.status_code == 500


def test_the_favicon_is_served(client):
    html = Client().get("/login/").content.decode()
    href = html.split('rel="icon" href="')[1].split('"')[0]
    assert client.get(href).status_code == 200
