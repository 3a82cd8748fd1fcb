"""Opening a suggestion in a real browser marks it seen: the page's script sends the POST
(same origin, CSRF token, under the site's Content-Security-Policy); the GET alone does not."""

import time

import pytest

from tests.browser import test_journey
from tests.conftest import PASSWORD
from tests.factories import make_photo

pytestmark = [pytest.mark.browser]

server = test_journey.server
browser_page = test_journey.browser_page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_opening_a_suggestion_page_marks_it_seen(server, browser_page, alice, photos_dir):
    from suggestions.models import Suggestion, SuggestionPhoto

    photo = make_photo(alice, photos_dir / "scenes" / "ibm_dog.jpg")
    suggestion = Suggestion.objects.create(
        owner=alice, kind="collage", key="test:seen", title="A day in Lyon", explanation={}
    )
    SuggestionPhoto.objects.create(suggestion=suggestion, photo=photo, position=0)
    page, url = browser_page, server
    page.goto(f"{url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    assert Suggestion.objects.get(pk=suggestion.pk).seen_at is None

    with page.expect_response(
        lambda r: r.url.endswith(f"/suggestions/{suggestion.pk}/seen/")
    ) as seen:
        page.goto(f"{url}/suggestions/{suggestion.pk}/")
    assert seen.value.status == 204
    deadline = time.monotonic() + 5
    while Suggestion.objects.get(pk=suggestion.pk).seen_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Suggestion.objects.get(pk=suggestion.pk).seen_at is not None
    assert page.js_errors == []
