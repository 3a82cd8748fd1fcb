"""The people pages in Chromium: a person's face grid with multi-select corrections, the merge
confirmation with both people's faces, undo from the merge history; screenshots at desktop
and phone (390 px) width go to $ARTIFACTS_DIR/screenshots/."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from photos import people
from photos.models import Face, FaceRejection, Person, PersonMerge
from tests.browser import test_journey as journey
from tests.photos import test_people as base

pytestmark = [pytest.mark.browser]
server = journey.server
browser_page = journey.browser_page
album = base.album  # alice: ann and ben, three photos each


def log_in(page, url, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}]
    )


def shoot(page, name, *, phone=False):
    path = journey.artifacts_dir() / f"people-{name}{'-390' if phone else ''}.png"
    page.screenshot(path=str(path), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_corrects_faces_in_bulk_and_merges_after_confirming(server, browser_page, alice, album):
    page, url = browser_page, server
    ann, ben = album["ann"], album["ben"]
    people.update_person(ben, name="Ben")
    log_in(page, url, alice)

    page.goto(f"{url}/library/people/{ann.pk}/")
    boxes = page.locator("input[name=faces]")
    expect(boxes).to_have_count(3)
    reject = page.get_by_role("button", name="Not this person")
    expect(reject).to_be_disabled()  # nothing selected yet
    boxes.nth(0).check()
    boxes.nth(1).check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    shoot(page, "person-selected")
    reject.click()
    expect(page.locator("input[name=faces]")).to_have_count(1)
    assert FaceRejection.objects.filter(person=ann).count() == 2
    assert Person.objects.get(pk=ann.pk).face_count == 1

    # Merge: choose, compare both people's faces, confirm.
    page.goto(f"{url}/library/people/{ann.pk}/")
    page.select_option("#merge-into", str(ben.pk))
    page.get_by_role("button", name="Compare and merge…").click()
    expect(page.get_by_role("heading", name="Are these the same person?")).to_be_visible()
    expect(page.locator(".merge-compare img")).to_have_count(4)  # 1 of ann's, 3 of ben's
    shoot(page, "merge-confirm")
    assert Person.objects.filter(pk=ann.pk).exists()  # nothing merged before confirming
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "merge-confirm", phone=True)
    page.get_by_role("button", name="Yes, merge them").click()
    expect(page.get_by_role("heading", name="Ben")).to_be_visible()
    assert not Person.objects.filter(pk=ann.pk).exists()
    assert Person.objects.get(pk=ben.pk).face_count == 4

    # Undo from the People page's merge history.
    page.goto(f"{url}/library/people/")
    shoot(page, "list-with-history", phone=True)
    page.get_by_role("button", name="Undo").click()
    assert PersonMerge.objects.get().undone_at is not None
    assert Person.objects.get(pk=ben.pk).face_count == 3
    page.goto(f"{url}/library/people/{ben.pk}/")
    shoot(page, "person", phone=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    shoot(page, "person")
    people.update_person(Person.objects.exclude(pk=ben.pk).get(), name="Ann")
    page.goto(f"{url}/library/photo/{Face.objects.filter(person=ben).first().photo_id}/")
    page.get_by_text("This is…").click()
    expect(page.locator(".person-option img").first).to_be_visible()
    shoot(page, "photo-this-is")
    assert not page.js_errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_crowd_photo_lists_its_faces_compactly(server, browser_page, alice, grant, photos_dir):
    from photos import tasks
    from privacy.models import Scope
    from tests.factories import make_photo

    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    photo = make_photo(alice, photos_dir / "scenes/selfie.jpg", status="pending")
    tasks.analyse_photo(photo.pk)
    count = Face.objects.filter(photo=photo).count()
    assert count > 100 and not Person.objects.filter(owner=alice).exists()
    page, url = browser_page, server
    log_in(page, url, alice)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{url}/library/photo/{photo.pk}/")
    expect(page.locator(".face-row:visible")).to_have_count(12)
    more = page.get_by_text(f"Show {count - 12} more faces")
    shoot(page, "crowd", phone=True)
    # Nothing makes the page wider than the phone (wide tables scroll inside their card).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    more.click()
    expect(page.locator(".face-row:visible")).to_have_count(count)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{url}/library/photo/{photo.pk}/")
    shoot(page, "crowd")
    assert not page.js_errors
