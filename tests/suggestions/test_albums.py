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


def test_it_takes_a_persons_name_off_saved_albums_when_face_analysis_is_revoked(
    alice_client, alice, bob, grant, make_suggestion
):
    from privacy import consent
    from suggestions.models import Album

    grant(alice, "face_analysis")
    grant(bob, "face_analysis")
    named = make_suggestion(alice, kind="person", title="Moments with Ada")
    named.uses_faces = True
    named.save(update_fields=["uses_faces"])
    album = services.save(named)
    retitled = services.save(make_suggestion(alice, title="From faces, renamed by me"))
    retitled.title = "Our garden"
    retitled.save(update_fields=["title"])
    retitled.suggestion.uses_faces = True
    retitled.suggestion.save(update_fields=["uses_faces"])
    scenic = services.save(make_suggestion(alice, title="Beach days"))
    bobs = make_suggestion(bob, kind="person", title="Moments with Ada")
    bobs.uses_faces = True
    bobs.save(update_fields=["uses_faces"])
    bobs_album = services.save(bobs)

    consent.revoke(alice, "face_analysis")

    album.refresh_from_db()
    # The photos stay (the user chose to keep them); the name found by faces goes.
    assert "Ada" not in album.title
    assert album.title.startswith("Photos from ")
    assert album.photos.count() == 2
    listing = alice_client.get(reverse("suggestions:albums")).content.decode()
    assert "Ada" not in listing
    # A title the user typed is theirs; albums not made from faces keep theirs.
    assert Album.objects.get(pk=retitled.pk).title == "Our garden"
    assert Album.objects.get(pk=scenic.pk).title == "Beach days"
    assert Album.objects.get(pk=bobs_album.pk).title == "Moments with Ada"
