"""Saved suggestions become albums, listed on their own page, only for their owner."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suggestions import services

pytestmark = pytest.mark.django_db


def test_a_saved_suggestion_is_listed_as_an_album_with_its_photos(
    alice_client, alice, make_suggestion
):
    suggestion = make_suggestion(alice, title="Weekend in Lyon")
    album = services.save(suggestion)

    listing = alice_client.get(reverse("suggestions:albums")).content.decode()
    assert "Weekend in Lyon" in listing
    assert reverse("suggestions:album", args=[album.pk]) in listing
    assert "2 photos" in listing

    page = alice_client.get(reverse("suggestions:album", args=[album.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for photo in suggestion.photos.all():
        assert reverse("photos:media", args=[photo.pk, "thumbnail"]) in html


def test_an_album_outlives_its_dismissed_suggestion(alice_client, alice, make_suggestion):
    suggestion = make_suggestion(alice, title="Kept")
    album = services.save(suggestion)
    suggestion.delete()
    response = alice_client.get(reverse("suggestions:album", args=[album.pk]))
    assert response.status_code == 200
    assert "Kept" in response.content.decode()


def test_nobody_else_sees_an_album(client, alice, bob, make_suggestion):
    album = services.save(make_suggestion(alice, title="Private album"))
    client.force_login(bob)
    assert client.get(reverse("suggestions:album", args=[album.pk])).status_code == 404
    listing = client.get(reverse("suggestions:albums")).content.decode()
    assert "Private album" not in listing


def test_the_album_list_costs_the_same_queries_for_more_albums(
    alice_client, alice, make_suggestion
):
    services.save(make_suggestion(alice))
    with CaptureQueriesContext(connection) as few:
        alice_client.get(reverse("suggestions:albums"))
    few_count = len(few)
    for _ in range(4):
        services.save(make_suggestion(alice))
    with CaptureQueriesContext(connection) as many:
        response = alice_client.get(reverse("suggestions:albums"))
    assert response.content.decode().count('class="card suggestion-card"') == 5
    assert len(many) == few_count
