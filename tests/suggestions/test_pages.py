"""The suggestions feed, the dashboard partial, the suggestion page and its image."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from suggestions.models import Album

pytestmark = pytest.mark.django_db


def test_the_feed_shows_cards_with_image_title_period_and_why(
    alice_client, alice, bob, make_suggestion
):
    mine = make_suggestion(alice, title="A day in Lyon")
    theirs = make_suggestion(bob, title="Bob's secret trip")
    response = alice_client.get(reverse("suggestions:feed"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A day in Lyon" in html
    assert reverse("suggestions:image", args=[mine.pk]) in html
    assert mine.period_start.strftime("%-d %b %Y") in html
    assert "Why this?" in html and "Ada" in html and "Lyon" in html
    assert "Bob&#x27;s secret trip" not in html and "Bob's secret trip" not in html
    assert reverse("suggestions:image", args=[theirs.pk]) not in html


def test_the_feed_filters_by_kind(alice_client, alice, make_suggestion):
    make_suggestion(alice, kind="collage", title="The collage")
    make_suggestion(alice, kind="trip", title="The trip")
    html = alice_client.get(reverse("suggestions:feed"), {"kind": "trip"}).content.decode()
    assert "The trip" in html and "The collage" not in html
    html = alice_client.get(reverse("suggestions:feed"), {"kind": "bogus"}).content.decode()
    assert "The trip" in html and "The collage" in html


def test_the_dashboard_includes_the_feed(alice_client, alice, make_suggestion):
    make_suggestion(alice, title="On the dashboard")
    html = alice_client.get(reverse("accounts:dashboard")).content.decode()
    assert "On the dashboard" in html
    assert reverse("suggestions:generate") in html


def test_the_suggestion_page_shows_image_photos_and_actions(alice_client, alice, make_suggestion):
    suggestion = make_suggestion(alice, title="Two birds")
    response = alice_client.get(reverse("suggestions:detail", args=[suggestion.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Two birds" in html
    assert reverse("suggestions:image", args=[suggestion.pk]) + "?download=1" in html
    for photo in suggestion.photos.all():
        assert reverse("photos:media", args=[photo.pk, "thumbnail"]) in html
    assert reverse("suggestions:save", args=[suggestion.pk]) in html
    assert reverse("suggestions:dismiss", args=[suggestion.pk]) in html


def test_rendered_images_open_in_the_browser_only_for_their_owner(
    client, alice, bob, make_suggestion
):
    suggestion = make_suggestion(alice)
    url = reverse("suggestions:image", args=[suggestion.pk])
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(body)) as im:
        assert im.format == "JPEG" and im.size == (1200, 896)
    download = client.get(url, {"download": "1"})
    assert download["Content-Disposition"].startswith("attachment;")

    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.get(reverse("suggestions:detail", args=[suggestion.pk])).status_code == 404
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_save_and_dismiss_from_the_page(
    alice_client, alice, bob, make_suggestion, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    suggestion = make_suggestion(alice, title="Keep me")
    alice_client.post(reverse("suggestions:save", args=[suggestion.pk]))
    album = Album.objects.get(owner=alice)
    assert album.title == "Keep me"
    assert set(album.photos.all()) == set(suggestion.photos.all())
    html = alice_client.get(reverse("suggestions:detail", args=[suggestion.pk])).content.decode()
    assert "Saved to your albums" in html

    other = make_suggestion(alice, title="Not for me")
    image = other.image.name
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("suggestions:dismiss", args=[other.pk]))
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.state == "dismissed"
    assert not other.image and not default_storage.exists(image)
    assert alice_client.get(reverse("suggestions:image", args=[other.pk])).status_code == 404
    assert "Not for me" not in alice_client.get(reverse("suggestions:feed")).content.decode()
    # GET never changes anything; another user's id is a 404.
    assert alice_client.get(reverse("suggestions:save", args=[other.pk])).status_code == 405
    bobs = make_suggestion(bob)
    assert alice_client.post(reverse("suggestions:dismiss", args=[bobs.pk])).status_code == 404
    bobs.refresh_from_db()
    assert bobs.state == "new"


def test_the_generate_button_queues_generation(
    alice_client, alice, grant, photos_dir, django_capture_on_commit_callbacks
):
    from tests.factories import make_photo
    from tests.suggestions.conftest import yesterday

    grant(alice, "cloud_processing")
    for name in ("ibm_dog.jpg", "pelican.jpeg"):
        make_photo(alice, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.7)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("suggestions:generate"), {"next": "https://evil.example/"}
        )
    assert response.status_code == 302 and response["Location"] == reverse("suggestions:feed")
    assert alice.suggestions.filter(kind="collage").exists()


def test_the_feed_and_dashboard_take_a_constant_number_of_queries(
    alice_client, alice, make_suggestion
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_suggestion(alice)
    counts = []
    for extra in (0, 4):
        for _ in range(extra):
            make_suggestion(alice)
        with CaptureQueriesContext(connection) as feed:
            alice_client.get(reverse("suggestions:feed"))
        with CaptureQueriesContext(connection) as dashboard:
            alice_client.get(reverse("accounts:dashboard"))
        counts.append((len(feed.captured_queries), len(dashboard.captured_queries)))
    assert counts[0] == counts[1]


def test_a_moment_lists_repeated_titles_once_with_a_link_to_each(
    alice_client, alice, make_suggestion
):
    from suggestions.models import SuggestionPhoto

    day = make_suggestion(alice, kind="collage", title="5 June 2026")
    photos = list(day.photos.all())
    portraits = []
    for _ in range(3):
        portrait = make_suggestion(alice, kind="effect", title="Portrait: 5 June 2026")
        SuggestionPhoto.objects.filter(suggestion=portrait).delete()
        for i, photo in enumerate(photos):  # the same moment: the day's own photos
            SuggestionPhoto.objects.create(suggestion=portrait, photo=photo, position=i)
        portraits.append(portrait)
    html = alice_client.get(reverse("suggestions:feed")).content.decode()
    cards = html.count('class="card suggestion-card"')
    assert cards == 1  # the four are one moment
    folded = html.split('class="muted card-folded">', 1)[1].split("</p>", 1)[0]
    links = [reverse("suggestions:detail", args=[s.pk]) for s in (day, *portraits)]
    # Every suggestion of the moment but the card's own is linked from the folded line once.
    assert sum(link in folded for link in links) == 3
    # A repeated title is shown once, followed by numbered links to each of them.
    visible = re.sub(r"<[^>]+>", "", folded)
    assert visible.count("Portrait: 5 June 2026") == 1
    numbers = re.findall(r">(\d+)</a>", folded)
    assert len(numbers) >= 2 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


def test_opening_a_suggestion_marks_it_seen_by_a_post_not_by_the_get(
    alice_client, alice, bob, client, make_suggestion
):
    suggestion = make_suggestion(alice)
    page = alice_client.get(reverse("suggestions:detail", args=[suggestion.pk]))
    assert page.status_code == 200
    suggestion.refresh_from_db()
    assert suggestion.seen_at is None
    # The page carries the script that sends the POST, with its URL and CSRF token.
    html = page.content.decode()
    url = reverse("suggestions:seen", args=[suggestion.pk])
    assert re.search(
        rf'<script src="[^"]*seen[^"]*\.js" data-seen-url="{url}" data-csrf="\w+"', html
    )
    assert alice_client.get(url).status_code == 405
    assert alice_client.post(url, HTTP_X_REQUESTED_WITH="fetch").status_code == 204
    suggestion.refresh_from_db()
    assert suggestion.seen_at is not None
    # Once seen, the page no longer sends it; a plain form POST comes back to the page.
    again = alice_client.get(reverse("suggestions:detail", args=[suggestion.pk]))
    assert url not in again.content.decode()
    assert alice_client.post(url).url == reverse("suggestions:detail", args=[suggestion.pk])


def test_nobody_else_marks_a_suggestion_seen(alice, bob, client, make_suggestion):
    suggestion = make_suggestion(alice)
    url = reverse("suggestions:seen", args=[suggestion.pk])
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(bob)
    assert client.post(url).status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.seen_at is None
