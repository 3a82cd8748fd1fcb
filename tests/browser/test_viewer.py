"""The viewer, search and the trash in a real browser (Playwright driving Debian's Chromium).

Photos are analysed for real (the shared face and scene models): the face boxes drawn are
the detector's, the people are named as a user would name them. Screenshots of the viewer
and of search results go to $ARTIFACTS_DIR/screenshots/.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest

from photos import albums, tasks
from photos.derivatives import make_derivatives
from photos.models import AnalysisStatus, Person, Photo
from privacy.models import Scope
from tests.browser.test_journey import artifacts_dir
from tests.browser.test_timeline import sign_in
from tests.factories import make_photo

# The terms of consent come from a data migration: keep them across the live-server tests.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISBON = (38.7139, -9.1394)
PARIS = (48.8566, 2.3522)


@pytest.fixture
def roll(alice, grant, photos_dir):
    """Six photos of alice, newest first: two people named from their real faces, one in
    Lisbon in 2026, one in Paris in 2025."""
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    start = datetime(2026, 8, 20, 12, tzinfo=UTC)
    specs = [
        ("people/groups/biden_and_obama.jpg", None, start),
        ("scenes/ibm_city.jpg", LISBON, start - timedelta(days=2)),
        ("scenes/ibm_dog.jpg", None, start - timedelta(days=3)),
        ("people/obama/obama_1.jpg", None, start - timedelta(days=5)),
        ("scenes/ibm_paris.jpg", PARIS, datetime(2025, 5, 1, 12, tzinfo=UTC)),
        ("scenes/pelican.jpeg", None, datetime(2025, 4, 1, 12, tzinfo=UTC)),
    ]
    photos = []
    for name, gps, taken in specs:
        photo = make_photo(
            alice, photos_dir / name, taken_at=taken, gps=gps, status=AnalysisStatus.PENDING
        )
        tasks.analyse_photo(photo.pk)
        photo.refresh_from_db()
        if not photo.thumbnail:
            make_derivatives(photo)
            photo.refresh_from_db()
        photos.append(photo)
    group = photos[0]
    faces = list(group.faces.order_by("x1"))
    assert len(faces) == 2, "the detector finds both faces of the group photo"
    # Left to right in the photo: Obama, then Biden.
    for face, name in zip(faces, ("Barack", "Joe"), strict=True):
        person = face.person or Person.objects.create(owner=alice, pack=face.pack)
        person.name = name
        person.save()
        face.person = person
        face.save()
    return photos


def _open_library(page, server, alice):
    sign_in(page, server, alice)
    page.goto(f"{server}/library/")
    page.wait_for_selector("a[data-viewer]")


def test_it_opens_the_viewer_from_the_timeline_and_browses_with_the_keyboard(
    alice, roll, server, browser_page
):
    page = browser_page
    _open_library(page, server, alice)
    page.locator(f'a[data-viewer][href="/library/photo/{roll[0].pk}/"]').click()
    viewer = page.locator(".viewer.open")
    viewer.wait_for()
    assert page.url.endswith(f"/library/photo/{roll[0].pk}/")
    # The detector's boxes, with the names given, drawn over the photo.
    boxes = page.locator(".viewer .face-box")
    boxes.first.wait_for()
    assert boxes.count() == 2
    assert sorted(boxes.all_inner_texts()) == ["Barack", "Joe"]
    frame = page.locator(".viewer-frame img").bounding_box()
    for box in (boxes.nth(0).bounding_box(), boxes.nth(1).bounding_box()):
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    page.locator(".viewer-info").get_by_text("Barack").first.wait_for()
    page.screenshot(path=str(artifacts_dir() / "viewer-faces.png"))
    # Faces can be hidden.
    page.locator(".viewer [data-act=faces]").click()
    assert not boxes.first.is_visible()
    page.locator(".viewer [data-act=faces]").click()

    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(rf"/library/photo/{roll[1].pk}/$"))
    page.locator(".viewer-info").get_by_text("Lisbon, Portugal").wait_for()
    page.screenshot(path=str(artifacts_dir() / "viewer-info.png"))
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(rf"/library/photo/{roll[2].pk}/$"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(rf"/library/photo/{roll[1].pk}/$"))
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"/library/$"))
    assert page.locator(".viewer.open").count() == 0

    # Back closes the viewer; a shared link is the photo's own page.
    page.locator(f'a[data-viewer][href="/library/photo/{roll[2].pk}/"]').click()
    page.wait_for_url(re.compile(rf"/library/photo/{roll[2].pk}/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/library/$"))
    assert page.locator(".viewer.open").count() == 0
    response = page.goto(f"{server}/library/photo/{roll[2].pk}/")
    assert response.status == 200
    assert page.js_errors == []


def test_it_searches_by_person_and_by_place(alice, roll, server, browser_page):
    page = browser_page
    _open_library(page, server, alice)
    box = page.locator("#header-q")
    box.fill("Bar")
    page.locator("#header-q-list li").filter(has_text="Barack").first.click()
    page.wait_for_url(re.compile(r"/library/search/\?q=Barack"))
    found = page.locator("#search-results a[data-viewer]")
    found.first.wait_for()
    ids = sorted(int(a.get_attribute("data-photo-id")) for a in found.all())
    # The group photo, and the portrait if the detector put it on the same person.
    assert roll[0].pk in ids and roll[2].pk not in ids and roll[1].pk not in ids

    box = page.locator("#header-q")
    box.fill("Lisbon 2026")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/library/search/\?q=Lisbon"))
    found = page.locator("#search-results a[data-viewer]")
    found.first.wait_for()
    assert [int(a.get_attribute("data-photo-id")) for a in found.all()] == [roll[1].pk]
    page.screenshot(path=str(artifacts_dir() / "search-results.png"), full_page=True)
    # The results open in the same viewer.
    found.first.click()
    page.wait_for_url(re.compile(rf"/library/photo/{roll[1].pk}/$"))
    page.locator(".viewer-info").get_by_text("Lisbon, Portugal").wait_for()

    page.goto(f"{server}/library/search/?q=Paris")
    ids = [int(a.get_attribute("data-photo-id")) for a in page.locator("#search-results a").all()]
    assert ids == [roll[4].pk]
    page.goto(f"{server}/library/search/?q=2025")
    ids = [int(a.get_attribute("data-photo-id")) for a in page.locator("#search-results a").all()]
    assert ids == [roll[4].pk, roll[5].pk]

    # On a phone: no sideways scroll, and the viewer fills the screen with its info below.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/library/search/?q=2025")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir() / "search-results-phone.png"), full_page=True)
    page.locator("#search-results a[data-viewer]").first.click()
    page.locator(".viewer.open .viewer-frame img").wait_for()
    page.locator(".viewer [data-act=info]").click()
    page.locator(".viewer-info").get_by_text("Paris, France").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir() / "viewer-phone.png"))
    assert page.js_errors == []


def test_it_adds_to_an_album_deletes_to_the_trash_and_restores(alice, roll, server, browser_page):
    page = browser_page
    album = albums.create_album(alice, "Summer")
    _open_library(page, server, alice)
    target = roll[2]
    page.locator(f'a[data-viewer][href="/library/photo/{target.pk}/"]').click()
    page.locator(".viewer.open").wait_for()
    page.locator(".viewer [data-act=album]").click()
    page.locator(".viewer-album button", has_text="Summer").click()
    page.locator(".viewer-status", has_text="Added to").wait_for()
    assert list(album.photos.values_list("pk", flat=True)) == [target.pk]

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".viewer [data-act=delete]").click()
    page.locator(".viewer-status", has_text="Moved to the trash").wait_for()
    target.refresh_from_db()
    assert target.trashed_at is not None
    # The viewer went on to the next photo, and the tile left the grid.
    page.wait_for_url(re.compile(rf"/library/photo/{roll[3].pk}/$"))
    page.keyboard.press("Escape")
    assert page.locator(f'a[data-viewer][href="/library/photo/{target.pk}/"]').count() == 0

    page.goto(f"{server}/library/trash/")
    page.locator(f'input[name=ids][value="{target.pk}"]').check()
    page.screenshot(path=str(artifacts_dir() / "trash.png"), full_page=True)
    page.locator("#trash-restore").click()
    page.wait_for_url(re.compile(r"/library/trash/$"))
    page.get_by_text("The trash is empty.").wait_for()
    assert Photo.objects.live().filter(pk=target.pk).exists()
    page.goto(f"{server}/library/")
    assert page.locator(f'a[data-viewer][href="/library/photo/{target.pk}/"]').count() == 1
    assert page.js_errors == []
