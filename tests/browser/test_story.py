"""The story viewer in a real browser (Playwright driving Debian's Chromium): the title
card, then each photo with a pan and zoom that keeps every face on the screen, keyboard,
swipe and pause, Escape to close, and "Download as video" with its progress. Screenshots
of the feed, a story and each effect go to $ARTIFACTS_DIR/screenshots/."""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.browser import test_journey
from tests.browser.test_journey import Shots
from tests.conftest import PASSWORD
from tests.factories import make_photo

pytestmark = [pytest.mark.browser]

# The live server and the browser of the journey test.
server = test_journey.server
browser_page = test_journey.browser_page

# Face boxes as the shared detector (SCRFD 2.5g) finds them.
PHOTOS = [
    ("people/groups/biden_and_obama.jpg", [(237, 26, 387, 223), (789, 38, 943, 252)]),
    ("scenes/insightface_t1.jpg", [(746, 339, 846, 481), (465, 265, 573, 416),
                                   (59, 263, 169, 396), (1131, 271, 1226, 399),
                                   (905, 54, 1013, 204), (269, 147, 371, 265)]),
    ("scenes/ibm_pizza.jpg", []),
    ("scenes/gorfort_mountain.jpg", []),
]  # fmt: skip
EFFECT_PHOTOS = {
    "portrait": 0, "painting": 3, "vivid": 2, "black_and_white": 1, "vintage": 3,
    "cartoon": 2, "sketch": 1,
}  # fmt: skip

FACES_ON_SCREEN = """() => {
  const img = document.querySelector('.story-photo');
  const r = img.getBoundingClientRect();
  const s = r.width / parseFloat(img.style.width);
  const data = JSON.parse(document.getElementById('story-data').textContent);
  const photo = data.photos.find((p) => String(p.id) === img.dataset.photoId);
  return photo.faces.map(([x1, y1, x2, y2]) => [r.left + x1 * s, r.top + y1 * s,
                                               r.left + x2 * s, r.top + y2 * s]);
}"""


def _world(alice, photos_dir):
    from photos.derivatives import make_derivatives
    from photos.models import Face
    from suggestions import render
    from suggestions.models import Suggestion, SuggestionPhoto

    taken = timezone.now() - timedelta(days=3)
    photos = []
    for i, (rel, boxes) in enumerate(PHOTOS):
        photo = make_photo(alice, photos_dir / rel, taken_at=taken + timedelta(minutes=i))
        make_derivatives(photo)  # the story shows previews, the pages thumbnails
        for x1, y1, x2, y2 in boxes:
            Face.objects.create(
                owner=alice, photo=photo, x1=x1, y1=y1, x2=x2, y2=y2, det_score=0.9,
                embedding=b"\0" * 512, pack="test", dim=128,
            )  # fmt: skip
        photos.append((photo, boxes))
    data, placed = render.render_collage(photos, None, "Lunch with friends")
    suggestion = Suggestion.objects.create(
        owner=alice, kind="event", key="event:story", title="Lunch with friends",
        period_start=date(2026, 6, 12), period_end=date(2026, 6, 13),
        explanation={"reason": "A burst of photos.", "photo_count": 4, "layout": placed},
    )  # fmt: skip
    for i, (photo, _) in enumerate(photos):
        SuggestionPhoto.objects.create(suggestion=suggestion, photo=photo, position=i)
    suggestion.image.save("event.jpg", ContentFile(data))
    effects = {}
    for name, index in EFFECT_PHOTOS.items():
        photo, boxes = photos[index]
        effect = Suggestion.objects.create(
            owner=alice, kind="effect", key=f"effect:{name}:{photo.pk}",
            title=f"{name.replace('_', ' ').capitalize()} effect",
            period_start=photo.taken_at.date(), period_end=photo.taken_at.date(),
            explanation={"reason": "One of your best photos.", "photo_count": 1, "effect": name},
        )  # fmt: skip
        SuggestionPhoto.objects.create(suggestion=effect, photo=photo, position=0)
        image = render.render_effect(photo, name, boxes)
        effect.image.save(f"effect-{name}.jpg", ContentFile(image))
        effects[name] = effect
    return suggestion, effects


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_story_viewer_plays_pauses_swipes_and_renders_a_video(
    server, browser_page, alice, grant, photos_dir, monkeypatch
):
    from suggestions import stories
    from suggestions.models import StoryVideo, VideoStatus

    expect = test_journey.expect  # None when Playwright is missing (the fixture skips)
    monkeypatch.setattr(stories, "VIDEO_SIZE", (640, 360))  # small, for speed
    monkeypatch.setattr(stories, "VIDEO_FPS", 12)
    grant(alice, "cloud_processing", "face_analysis")
    suggestion, effects = _world(alice, photos_dir)
    page, url, shot = browser_page, server, Shots(browser_page)

    page.goto(f"{url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")

    page.goto(f"{url}/suggestions/")
    expect(page.locator(".play-story").first).to_be_visible()
    shot("memories-feed")
    for name, effect in effects.items():
        page.goto(f"{url}/suggestions/{effect.pk}/")
        expect(page.locator(".face-frame img")).to_be_visible()
        page.wait_for_function("() => document.querySelector('.face-frame img').naturalWidth > 0")
        shot(f"effect-{name}")

    page.goto(f"{url}/suggestions/{suggestion.pk}/")
    page.click("#play-story")
    page.wait_for_url(f"{url}/suggestions/{suggestion.pk}/story/")
    story = page.locator("#story")
    expect(story).to_have_attribute("data-slide", "title")
    expect(page.locator(".story-title h1")).to_have_text("Lunch with friends")
    expect(page.locator(".story-title p")).to_have_text("12\u201313 June 2026 · 4 photos")
    shot("story-title")

    # The title card moves on by itself to the first photo.
    expect(story).to_have_attribute("data-index", "1", timeout=8000)
    page.wait_for_function("() => document.querySelector('.story-photo').naturalWidth > 0")
    width, height = page.viewport_size["width"], page.viewport_size["height"]

    def faces_on_screen():
        for x1, y1, x2, y2 in page.evaluate(FACES_ON_SCREEN):
            assert x1 >= -1 and y1 >= -1 and x2 <= width + 1 and y2 <= height + 1

    faces_on_screen()
    page.wait_for_timeout(1500)
    faces_on_screen()  # mid-zoom

    # Pause: nothing moves and the slide stays.
    page.keyboard.press(" ")
    expect(story).to_have_attribute("data-paused", "true")
    transform = "() => getComputedStyle(document.querySelector('.story-photo')).transform"
    # The pause reaches the running animation on the next frames: read after it has.
    page.wait_for_timeout(300)
    before = page.evaluate(transform)
    page.wait_for_timeout(1200)
    after = page.evaluate(transform)
    assert before == after
    assert story.get_attribute("data-index") == "1"
    shot("story-photo-paused")
    page.keyboard.press(" ")
    expect(story).to_have_attribute("data-paused", "false")
    page.click("#story-pause")  # the button pauses too; paused, the slides wait for us
    expect(story).to_have_attribute("data-paused", "true")

    # Keys and swipes.
    page.keyboard.press("ArrowRight")
    expect(story).to_have_attribute("data-index", "2")
    page.wait_for_function("() => document.querySelector('.story-photo').naturalWidth > 0")
    faces_on_screen()  # six people at a table
    shot("story-group")
    page.keyboard.press("ArrowLeft")
    expect(story).to_have_attribute("data-index", "1")
    page.mouse.move(1000, 450)
    page.mouse.down()
    page.mouse.move(600, 460, steps=5)
    page.mouse.move(300, 460, steps=5)
    page.mouse.up()
    expect(story).to_have_attribute("data-index", "2", timeout=5000)
    page.mouse.move(300, 450)
    page.mouse.down()
    page.mouse.move(900, 450, steps=8)
    page.mouse.up()
    expect(story).to_have_attribute("data-index", "1", timeout=5000)

    # Download as video: the job runs (eagerly here, inside the POST), the page polls its
    # state and shows the link.
    page.click("#video-start")
    expect(page.locator("#video-link")).to_be_visible(timeout=120_000)
    video = StoryVideo.objects.get(suggestion=suggestion)
    assert video.status == VideoStatus.DONE and video.frames > 0
    response = page.request.get(url + page.locator("#video-link").get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "video/mp4"
    shot("story-video-ready")

    # Escape closes the story.
    page.keyboard.press("Escape")
    page.wait_for_url(f"{url}/suggestions/{suggestion.pk}/")
    assert page.js_errors == []
