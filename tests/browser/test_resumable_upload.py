"""The upload page resumes (tus-js-client, static/vendor/): a large video cut off by a lost
connection and a reload goes on from the server's offset when the file is chosen again, in
Chromium against the live server. Drag and drop still uploads."""

import hashlib

import pytest

from photos.models import MediaType, Photo, Upload
from tests.browser.test_journey import expect
from tests.browser.test_timeline import sign_in
from tests.factories import jpeg_with_exif, mp4_bytes
from tests.tus import padded_mp4

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHUNK = 8 * 1024 * 1024  # static/js/upload.js


@pytest.fixture
def big_video(photos_dir, tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 100 * 1024 * 1024
    clip = mp4_bytes(photos_dir / "scenes/ibm_dog.jpg", seconds=1.0)
    return padded_mp4(clip, 3 * CHUNK + 12_345, tmp_path / "holiday.mp4")


def test_a_video_cut_off_by_a_lost_connection_and_a_reload_resumes_where_it_stopped(
    alice, server, browser_page, big_video
):
    page = browser_page
    sign_in(page, server, alice)
    patches = []  # (Upload-Offset, body size) of every PATCH that reached the server

    def cut_after_the_first_patch(route):
        request = route.request
        if request.method == "PATCH":
            if patches:
                route.abort("connectionreset")  # the connection is lost from here on
                return
            patches.append((int(request.headers["upload-offset"]), len(request.post_data_buffer)))
        route.continue_()

    page.route("**/api/v1/uploads/**", cut_after_the_first_patch)
    page.goto(f"{server}/library/upload/")
    page.set_input_files("#file-input", str(big_video))
    expect(page.locator("#upload-list li .error")).to_have_text(
        "Network error; choose the file again to continue."
    )
    assert patches == [(0, CHUNK)]
    upload = Upload.objects.get()
    assert upload.offset == CHUNK and not upload.finished

    # The page is opened again: it names the file to choose, and goes on from the offset.
    page.unroute("**/api/v1/uploads/**")
    sent = []
    page.on(
        "request",
        lambda r: (
            sent.append((r.method, r.headers.get("upload-offset")))
            if "/api/v1/uploads/" in r.url
            else None
        ),
    )
    page.reload()
    expect(page.locator("#unfinished")).to_be_visible()
    expect(page.locator("#unfinished li")).to_have_text(["holiday.mp4"])
    page.set_input_files("#file-input", str(big_video))
    link = page.locator("#upload-list li a")
    expect(link).to_have_text("Stored")
    photo = Photo.objects.get(owner=alice)
    assert link.get_attribute("href") == f"/library/photo/{photo.pk}/"
    assert photo.media_type == MediaType.VIDEO
    assert photo.sha256 == hashlib.sha256(big_video.read_bytes()).hexdigest()
    # No new upload, no byte sent twice: a HEAD, then PATCHes from 8 MB on.
    assert Upload.objects.count() == 1
    assert ("POST", None) not in sent
    patch_offsets = [int(o) for m, o in sent if m == "PATCH"]
    assert sent[0][0] == "HEAD"
    assert patch_offsets == [CHUNK, 2 * CHUNK, 3 * CHUNK]
    # Done: the page forgets the upload.
    page.reload()
    expect(page.locator("#unfinished")).to_be_hidden()
    assert not page.js_errors, page.js_errors


def test_dropping_a_photo_on_the_page_uploads_it(alice, server, browser_page, photos_dir):
    page = browser_page
    sign_in(page, server, alice)
    data = jpeg_with_exif(photos_dir / "scenes/ibm_dog.jpg")
    page.goto(f"{server}/library/upload/")
    transfer = page.evaluate_handle(
        """bytes => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], "dropped.jpg", {type: "image/jpeg"}));
            return dt;
        }""",
        list(data),
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    expect(page.locator("#upload-list li a")).to_have_text("Stored")
    photo = Photo.objects.get(owner=alice)
    assert photo.original_name == "dropped.jpg"
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert not page.js_errors, page.js_errors
