"""A person's whole journey in a real browser: Playwright driving Debian's Chromium against
the live test server.

Sign up → consent page (decline one scope, accept the others) → upload 10 real photos and
watch the progress bars → analysis progress → People, rename a person → Suggestions and a
suggestion page with its rendered image → privacy page: what was analysed, stop all future
processing → upload one more photo, which stays unanalysed → request an export and download
it → delete derived data.

A screenshot of every page goes to $ARTIFACTS_DIR/screenshots/ (CI lists them). Celery is
eager under `make test`, so each photo is analysed when its upload request commits.
"""

import os
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from tests.api.camera_roll import camera_roll
from tests.browser.availability import playwright_installed, require_browser
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser]

if playwright_installed():
    from playwright.sync_api import expect
else:  # the browser_page fixture skips (or, with REQUIRE_BROWSER=1, fails) the test
    expect = None

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 180_000  # an upload request also runs its (eager) analysis


def artifacts_dir() -> Path:
    root = Path(os.environ.get("ARTIFACTS_DIR") or settings.BASE_DIR / "var/test/artifacts")
    path = root / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


class _PassThrough:
    """Stands in for the test server's static and media handlers: static files come from
    WhiteNoise (hashed names from STATIC_ROOT, as in production), and media has no public
    URL at all (Django's test media handler would also fail on MEDIA_URL = None)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        return self.application(environ, start_response)


@pytest.fixture
def server(transactional_db):
    """A live server serving the app exactly as production does, one request at a time: the
    in-memory SQLite connection is shared with the test, so requests must not interleave."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connections
    from django.test import testcases

    class Thread(testcases.LiveServerThread):
        def _create_server(self, connections_override=None):
            return WSGIServer(
                (self.host, self.port), testcases.QuietWSGIRequestHandler, allow_reuse_address=False
            )

    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    original = testcases._MediaFilesHandler
    testcases._MediaFilesHandler = _PassThrough
    thread = Thread("localhost", _PassThrough, connections_override=shared)
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    try:
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        testcases._MediaFilesHandler = original
        for conn in shared.values():
            conn.dec_thread_sharing()


@pytest.fixture
def browser_page(monkeypatch):
    require_browser(CHROMIUM)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        page.js_errors = errors
        page.on("response", lambda r: print("HTTP", r.status, r.url) if r.status >= 400 else None)
        try:
            yield page
        finally:
            context.close()
            browser.close()


class Shots:
    def __init__(self, page):
        self.page = page
        self.dir = artifacts_dir()
        self.n = 0
        self.paths = []

    def __call__(self, name: str):
        self.n += 1
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.paths.append(path)


@pytest.fixture
def roll(photos_dir, tmp_path):
    """Eleven real photos with capture dates in the last 30 days, as files on disk."""
    files = []
    for item in camera_roll(photos_dir, 11, prefix="WEB"):
        path = tmp_path / item.name
        path.write_bytes(item.data)
        files.append(path)
    return files


# Serialized rollback: the consent terms and groups of the data migrations must be there
# even after another transactional test flushed the tables.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_goes_through_the_whole_product(server, browser_page, roll, tmp_path):
    from accounts.models import User
    from photos.models import Face, Photo, Tag

    page = browser_page
    shot = Shots(page)
    url = server

    # Sign up.
    page.goto(f"{url}/signup/")
    page.fill("#id_username", "journey")
    page.fill("#id_email", "journey@example.org")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    shot("signup")
    page.click("button[type=submit]:has-text('Sign up')")
    page.wait_for_url(f"{url}/privacy/welcome/")

    # The consent page: accept four scopes, decline AI training.
    for scope in ("cloud_processing", "camera_roll_sync", "face_analysis", "older_photos"):
        page.check(f"input[name={scope}][value=accept]")
    page.check("input[name=ai_training][value=decline]")
    shot("consent")
    page.click("button:has-text('Save my choices')")
    page.wait_for_url(f"{url}/")
    shot("dashboard")
    user = User.objects.get(username="journey")
    from privacy import consent

    assert consent.allows(user, "face_analysis")
    assert not consent.allows(user, "ai_training")

    # Upload ten photos and watch the bars fill.
    page.goto(f"{url}/library/upload/")
    page.set_input_files("#file-input", [str(p) for p in roll[:10]])
    page.wait_for_selector("#batch:not([hidden])")
    # The page's CSP forbids eval, so no wait_for_function: Playwright's expect polls.
    expect(page.locator("#batch-text")).to_have_text(re.compile(r"^10 of 10 files$"))
    bars = page.eval_on_selector_all("#upload-list progress", "els => els.map(e => e.value)")
    assert bars == [100] * 10, bars
    assert page.eval_on_selector("#batch-progress", "e => e.value") == 100
    statuses = page.eval_on_selector_all(
        "#upload-list li", "els => els.map(e => e.lastElementChild.textContent)"
    )
    assert statuses == ["Stored"] * 10, statuses
    shot("upload")
    assert Photo.objects.filter(owner=user).count() == 10

    # Analysis progress on the dashboard.
    page.goto(f"{url}/")
    expect(page.locator("[data-field=summary]")).to_have_text(
        re.compile(r"^10 of 10 photos analysed")
    )
    shot("analysis-progress")

    # People: open one and rename it.
    page.goto(f"{url}/library/people/")
    cards = page.locator(".person-card")
    assert cards.count() >= 1, "no person was found in ten photos with repeated faces"
    shot("people")
    cards.first.click()
    page.fill("#person-name", "Barack")
    page.click("form:has(#person-name) button[type=submit]")
    page.wait_for_selector("h1:has-text('Barack')")
    shot("person-renamed")

    # Suggestions: find new ones, open one and see its rendered image.
    page.goto(f"{url}/suggestions/")
    page.click("button:has-text('Find new suggestions')")
    page.wait_for_selector(".suggestion-card img")
    shot("suggestions")
    page.click(".suggestion-card:has(img) h3 a >> nth=0")
    page.wait_for_selector(".face-frame img")
    loaded = page.eval_on_selector(".face-frame img", "img => img.complete && img.naturalWidth")
    assert loaded and loaded > 0, "the rendered suggestion image did not load"
    shot("suggestion")

    # Privacy: what was analysed, then stop everything.
    page.goto(f"{url}/privacy/")
    analysed = page.inner_text("#analysis")
    assert "faces" in analysed and "scenes" in analysed
    assert "Done" in analysed
    shot("privacy")
    page.click("#stop-all button")
    # First what it deletes (the people found, the face-based suggestions) and what stays.
    page.wait_for_selector("#deleted")
    assert "Faces" in page.inner_text("#deleted")
    shot("stop-all-confirm")
    page.check("input[name=confirm]")
    page.click("button:has-text('Stop and delete')")
    page.wait_for_url(f"{url}/privacy/retention/")
    shot("retention")
    page.check("input[name=choice][value=keep]")
    page.click("button:has-text('Save my choice')")
    page.wait_for_url(f"{url}/privacy/")
    assert not any(consent.allows(user, s) for s in consent.states(user))
    shot("stopped")

    # One more photo: stored, but nothing analyses it.
    page.goto(f"{url}/library/upload/")
    page.set_input_files("#file-input", [str(roll[10])])
    expect(page.locator("#batch-text")).to_have_text(re.compile(r"^1 of 1 files$"))
    shot("upload-after-stop")
    extra = Photo.objects.filter(owner=user).order_by("-uploaded_at", "-id").first()
    assert Photo.objects.filter(owner=user).count() == 11
    page.goto(f"{url}/library/photo/{extra.pk}/")
    shot("unanalysed-photo")
    extra.refresh_from_db()
    assert extra.analysis_status != "done"
    assert not Face.objects.filter(photo=extra).exists()
    assert not Tag.objects.filter(photo=extra).exists()

    # Export: request it, watch it become ready, download the ZIP.
    page.goto(f"{url}/privacy/#export")
    page.click("button:has-text('Request a new export')")
    page.wait_for_selector("#export-ready:not([hidden])")
    shot("export")
    with page.expect_download() as download_info:
        page.click("#export-link")
    target = tmp_path / "export.zip"
    download_info.value.save_as(str(target))
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
    assert sum(1 for n in names if n.lower().endswith(".jpg")) >= 11, names

    # Delete the derived data: see what will go, confirm, see the counts.
    page.goto(f"{url}/privacy/delete/derived/")
    shot("delete-derived")
    assert "Faces" in page.inner_text("#counts")
    page.check("input[name=confirm]")
    page.click("button.danger")
    page.wait_for_load_state()
    shot("derived-deleted")
    assert not Face.objects.filter(owner=user).exists()
    assert Photo.objects.filter(owner=user).count() == 11

    assert not page.js_errors, page.js_errors
    assert len(shot.paths) >= 15 and all(p.stat().st_size > 0 for p in shot.paths)
