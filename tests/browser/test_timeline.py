"""The timeline and every page on a phone, in Debian's Chromium (Playwright).

- The timeline at 1280 px: justified rows (every photo of a row as high as the others and
  shaped like the photo), several days side by side, infinite scroll, the scrubber.
- Every page of the URLconf a signed-in user can open, at 390 px: the document is never
  wider than the viewport (no sideways scroll).

Screenshots go to $ARTIFACTS_DIR/screenshots/.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from photos import views
from photos.derivatives import make_derivatives
from tests.browser.test_journey import artifacts_dir
from tests.factories import make_photo
from tests.security.test_url_matrix import (
    OWNED,
    PAGE,
    URLS,
    all_routes,
    build_url,
    resolve_value,
)
from tests.security.world import build_world

# Serialized rollback: the consent terms of the data migrations must be there even after
# another transactional test flushed the tables.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SOURCES = [
    "scenes/ibm_paris.jpg",
    "scenes/gorfort_mountain.jpg",
    "scenes/pelican.jpeg",
    "people/kit_harington/kit_2.jpeg",
    "scenes/ibm_dog.jpg",
    "scenes/dragonfly_beach.jpg",
    "scenes/selfie.jpg",
    "scenes/ibm_coffee.jpg",
    "scenes/bald_eagle.jpeg",
    "scenes/ibm_city.jpg",
]


def sign_in(page, base, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base}])


def library_of(user, photos_dir, n_days=8, per_day=(1, 2, 5, 1, 3, 9, 2, 1)):
    start = datetime(2026, 8, 30, 12, tzinfo=UTC)
    made, k = [], 0
    for day in range(n_days):
        for i in range(per_day[day % len(per_day)]):
            src = photos_dir / SOURCES[k % len(SOURCES)]
            k += 1
            photo = make_photo(user, src, taken_at=start - timedelta(days=day * 6, minutes=i))
            make_derivatives(photo)
            made.append(photo)
    return made


def boxes(page, selector):
    return page.eval_on_selector_all(
        selector,
        """els => els.map(e => { const r = e.getBoundingClientRect();
            return {x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height,
                    a: parseFloat(e.dataset.a), day: e.closest('.tl-day').dataset.day}; })""",
    )


def test_it_packs_days_in_justified_rows_and_scrolls_on(
    alice, photos_dir, server, browser_page, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 16)
    made = library_of(alice, photos_dir)
    page = browser_page
    page.set_default_timeout(30_000)
    sign_in(page, server, alice)
    page.goto(f"{server}/library/")
    page.wait_for_selector("#timeline.justified")
    tiles = boxes(page, "#timeline .tile")
    assert len(tiles) == 16
    rows = {}
    for t in tiles:
        rows.setdefault(round(t["y"]), []).append(t)
        # Each tile is shaped like its photo (within a pixel of rounding).
        assert abs(t["w"] / t["h"] - t["a"]) < 0.03, t
    # Every tile of a row has the row's height; a day shares a row with another day.
    for row in rows.values():
        heights = [t["h"] for t in row]
        assert max(heights) - min(heights) < 3, row
    assert any(len({t["day"] for t in row}) > 1 for row in rows.values()), rows
    # Full rows span the timeline's width: the last tile ends at its right edge.
    width = page.eval_on_selector("#timeline", "e => e.clientWidth")
    full = next(r for r in rows.values() if len(r) > 2)
    left = page.eval_on_selector("#timeline", "e => e.getBoundingClientRect().x")
    assert abs(max(t["x"] + t["w"] for t in full) - (left + width)) < 3
    page.screenshot(path=str(artifacts_dir() / "timeline-1280.png"), full_page=True)

    # Infinite scroll: the next pages come without a click, with no page numbers.
    for _ in range(60):
        page.mouse.wheel(0, 20000)
        page.wait_for_timeout(250)
        if page.eval_on_selector_all("#timeline .tile", "els => els.length") == len(made):
            break
    assert page.eval_on_selector_all("#timeline .tile", "els => els.length") == len(made)
    days = page.eval_on_selector_all("#timeline .tl-day", "els => els.map(e => e.dataset.day)")
    assert len(days) == len(set(days))  # a day split by the page boundary is one again
    assert page.query_selector("#older") is None
    assert page.js_errors == []

    # The scrubber jumps to a month.
    page.goto(f"{server}/library/")
    page.click(".scrubber a[href='?month=2026-07']")
    page.wait_for_selector("#timeline.justified")
    first = page.eval_on_selector("#timeline .tl-day", "e => e.dataset.day")
    assert first.startswith("2026-07")


def signed_in_pages(world) -> list[str]:
    urls = []
    for route in all_routes():
        entry = URLS.get(route)
        if entry is None or (entry.kind not in (PAGE, OWNED) and route != ""):
            continue
        if not any(t.method == "GET" and 200 in t.owner for t in entry.tries):
            continue
        values = {k: resolve_value(v, world) for k, v in entry.args.items()}
        url = build_url(route, values)
        if "/file/" in url or url.endswith("/crop/") or url.endswith("/image/"):
            continue  # images and files, not pages
        if "/download/" in url or url.endswith("/status/") or url.endswith("/info/"):
            continue  # a zip and JSON
        urls.append(url)
    return urls


def test_every_page_fits_a_phone(alice, photos_dir, server, browser_page):
    world = build_world(alice, photos_dir, marker="phone")
    library_of(alice, photos_dir, n_days=3)
    page = browser_page
    page.set_default_timeout(30_000)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, server, alice)
    urls = signed_in_pages(world)
    assert {"/", "/library/", "/privacy/", "/library/albums/"} <= set(urls)
    too_wide = {}
    for url in urls:
        response = page.goto(server + url)
        content_type = response.headers.get("content-type", "")
        if "text/html" not in content_type:
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[url] = width
        name = url.strip("/").replace("/", "_") or "home"
        if url in ("/", "/library/", "/privacy/", "/library/albums/"):
            page.screenshot(path=str(artifacts_dir() / f"phone-{name}.png"), full_page=True)
    # And what a visitor sees: the landing page, log in, sign up, a 404.
    page.context.clear_cookies()
    for url in ("/", "/login/", "/signup/", "/no-such-page/"):
        page.goto(server + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[url] = width
    page.goto(server + "/")
    page.screenshot(path=str(artifacts_dir() / "phone-landing.png"), full_page=True)
    assert too_wide == {}
    sign_in(page, server, alice)
    # The grid has 3 or 4 columns on a phone.
    page.goto(server + "/library/")
    page.wait_for_selector("#timeline.justified")
    tops = page.eval_on_selector_all(
        "#timeline .tile", "els => els.map(e => Math.round(e.getBoundingClientRect().y))"
    )
    per_row = max(tops.count(y) for y in set(tops))
    assert 3 <= per_row <= 5, tops
