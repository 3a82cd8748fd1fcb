"""The WebDAV drop (/dav/), method by method, through Django's test client: sign-in with
app passwords, PUT through the ingest, PROPFIND, MKCOL, DELETE, MOVE, COPY, GET, the
refusals, and another user's app password."""

import re
import threading

import pytest
from defusedxml.ElementTree import fromstring
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Device, DeviceKind, DropEntry
from photos import services as photo_services
from photos.analysis import queue as analysis_queue
from photos.models import Photo, Source
from tests.photos.dav_helpers import UPLOAD_SCOPES, app_password, basic, recent_jpeg

pytestmark = pytest.mark.django_db
D = "{DAV:}"


@pytest.fixture
def queued(monkeypatch):
    """The photos queued for analysis (not run: these tests are about the drop)."""
    calls = []
    monkeypatch.setattr(analysis_queue, "queue_analysis", lambda ids: calls.extend(ids))
    return calls


@pytest.fixture
def drop(client, alice, grant, queued):
    grant(alice, *UPLOAD_SCOPES)
    return Dav(client, alice.username, app_password(alice))


class Dav:
    def __init__(self, client, username, password):
        self.client, self.auth = client, basic(username, password)

    def __call__(self, method, path, body=b"", **headers):
        extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        return self.client.generic(
            method, path, body, content_type="application/octet-stream",
            HTTP_AUTHORIZATION=self.auth, **extra,
        )  # fmt: skip

    def listing(self, path="/dav/", depth="1", body=b""):
        response = self("PROPFIND", path, body, Depth=depth)
        assert response.status_code == 207, response.content
        return {
            r.findtext(f"{D}href"): {
                p.tag.removeprefix(D): p
                for ps in r.findall(f"{D}propstat")
                if "200" in ps.findtext(f"{D}status")
                for p in ps.find(f"{D}prop")
            }
            for r in fromstring(response.content).findall(f"{D}response")
        }


def test_options_says_class_1_and_the_methods_without_a_password(client):
    response = client.options("/dav/")
    assert response.status_code == 200
    assert response["DAV"] == "1"
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert allowed >= {"PROPFIND", "PUT", "MKCOL", "DELETE", "MOVE", "COPY", "GET", "OPTIONS"}
    assert "LOCK" not in allowed


def test_only_an_app_password_signs_in(client, alice, api_token_for, settings):
    url = "/dav/"
    assert client.generic("PROPFIND", url).status_code == 401
    assert client.generic("PROPFIND", url)["WWW-Authenticate"].startswith("Basic ")
    refused = {
        "the account password": basic(alice.username, "pw-alice-123!"),
        "a wrong password": basic(alice.username, "nope"),
        "a companion-app token": basic(alice.username, api_token_for(alice)),
        "not base64": "Basic ***",
    }
    for what, header in refused.items():
        response = client.generic("PROPFIND", url, HTTP_AUTHORIZATION=header, HTTP_DEPTH="0")
        assert response.status_code == 401, what
    password = app_password(alice)
    ok = client.generic("PROPFIND", url, HTTP_AUTHORIZATION=basic("ALICE", password))
    assert ok.status_code == 207  # the username as sign-in reads it, any case
    # An app password is no API token.
    api = client.get("/api/v1/photos/", HTTP_AUTHORIZATION=f"Token {password}")
    assert api.status_code == 401
    device = Device.objects.get(kind=DeviceKind.APP_PASSWORD)
    assert device.last_used_at is not None
    device.revoke()
    gone = client.generic("PROPFIND", url, HTTP_AUTHORIZATION=basic(alice.username, password))
    assert gone.status_code == 401


def test_failed_basic_logins_count_in_the_sign_in_lock_out(client, alice, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    password = app_password(alice)
    for _ in range(3):
        wrong = client.generic("PROPFIND", "/dav/", HTTP_AUTHORIZATION=basic("alice", "x"))
        assert wrong.status_code == 401
    right = client.generic("PROPFIND", "/dav/", HTTP_AUTHORIZATION=basic("alice", password))
    assert right.status_code == 429
    # The same counter as the web log-in: it is locked there too.
    login = client.post(reverse("accounts:login"), {"username": "alice", "password": "x"})
    assert login.status_code == 429


def test_a_put_is_an_upload_through_the_ingest(
    drop, alice, photos_dir, queued, django_capture_on_commit_callbacks
):
    data = recent_jpeg(photos_dir)
    assert drop("MKCOL", "/dav/Camera").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        response = drop("PUT", "/dav/Camera/IMG_0001.jpg", data)
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(owner=alice)
    assert photo.source == Source.SYNC and photo.original_name == "IMG_0001.jpg"
    assert photo.file_size == len(data) and photo.width and photo.taken_at_source == "exif"
    assert queued == [photo.pk]
    assert response["ETag"]
    # The same bytes under another name: no second photo, but the name is listed.
    again = drop("PUT", "/dav/Camera/copy of IMG_0001.jpg", data)
    assert again.status_code == 201
    assert Photo.objects.filter(owner=alice).count() == 1
    # The same name again: an overwrite (204), still one photo.
    assert drop("PUT", "/dav/Camera/IMG_0001.jpg", data).status_code == 204
    listed = drop.listing("/dav/Camera/")
    names = {"/dav/Camera/", "/dav/Camera/IMG_0001.jpg", "/dav/Camera/copy%20of%20IMG_0001.jpg"}
    assert set(listed) == names
    item = listed["/dav/Camera/copy%20of%20IMG_0001.jpg"]
    assert item["getcontentlength"].text == str(len(data))
    assert item["getetag"].text == response["ETag"]
    assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", item["getlastmodified"].text)
    assert item["resourcetype"].find(f"{D}collection") is None
    assert listed["/dav/Camera/"]["resourcetype"].find(f"{D}collection") is not None


def test_the_client_modification_time_is_kept(drop, photos_dir):
    response = drop("PUT", "/dav/a.jpg", recent_jpeg(photos_dir), **{"X-OC-Mtime": "1700000000"})
    assert response["X-OC-Mtime"] == "accepted"
    modified = drop.listing("/dav/a.jpg", depth="0")["/dav/a.jpg"]["getlastmodified"].text
    assert modified == "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.mark.parametrize("missing", UPLOAD_SCOPES)
def test_without_consent_nothing_is_stored(client, alice, grant, photos_dir, missing):
    grant(alice, *(s for s in UPLOAD_SCOPES if s != missing))
    dav = Dav(client, "alice", app_password(alice))
    response = dav("PUT", "/dav/IMG_1.jpg", recent_jpeg(photos_dir))
    assert response.status_code == 403
    assert missing in response.content.decode()
    assert dav("MKCOL", "/dav/Camera").status_code == 403
    assert not Photo.objects.exists() and not DropEntry.objects.exists()
    _, files = default_storage.listdir("")
    assert not files


def test_refusals_are_clear_4xx(drop, alice, photos_dir, settings):
    data = recent_jpeg(photos_dir)
    assert drop("PUT", "/dav/nowhere/IMG.jpg", data).status_code == 409
    assert drop("PUT", "/dav/notes.txt", b"hello, not a photo").status_code == 415
    assert drop("PUT", "/dav/empty.jpg", b"").status_code == 411  # no Content-Length
    assert drop("PUT", "/dav/", data).status_code == 405
    assert drop("PUT", "/dav/../etc/passwd", data).status_code == 400
    old = recent_jpeg(photos_dir, days_ago=400)
    outside = drop("PUT", "/dav/old.jpg", old)
    assert outside.status_code == 403 and "older_photos" in outside.content.decode()
    settings.UPLOAD_MAX_BYTES = 1000
    assert drop("PUT", "/dav/big.jpg", data).status_code == 413
    assert not Photo.objects.exists() and not DropEntry.objects.exists()
    assert drop("PROPFIND", "/dav/", b"<propfind", Depth="1").status_code == 400
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><D:propfind xmlns:D="DAV:"/>'
    assert drop("PROPFIND", "/dav/", bomb, Depth="1").status_code == 400
    assert drop("PROPFIND", "/dav/", Depth="2").status_code == 400
    assert drop("PROPFIND", "/dav/missing.jpg", Depth="0").status_code == 404
    assert drop("LOCK", "/dav/").status_code == 405
    assert drop("UNLOCK", "/dav/").status_code == 405


def test_propfind_depths_and_named_properties(drop, photos_dir):
    drop("MKCOL", "/dav/Camera")
    drop("PUT", "/dav/Camera/IMG_1.jpg", recent_jpeg(photos_dir))
    assert set(drop.listing("/dav/", depth="0")) == {"/dav/"}
    assert set(drop.listing("/dav/", depth="1")) == {"/dav/", "/dav/Camera/"}
    # Infinity is answered as Depth 1, as Nextcloud's server does.
    assert set(drop.listing("/dav/", depth="infinity")) == {"/dav/", "/dav/Camera/"}
    body = (
        b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:x="urn:x">'
        b"<D:prop><D:getcontentlength/><x:colour/></D:prop></D:propfind>"
    )
    response = drop("PROPFIND", "/dav/Camera/IMG_1.jpg", body, Depth="0")
    tree = fromstring(response.content)
    stats = {ps.findtext(f"{D}status"): ps for ps in tree.iter(f"{D}propstat")}
    assert stats["HTTP/1.1 200 OK"].find(f"{D}prop/{D}getcontentlength") is not None
    assert stats["HTTP/1.1 404 Not Found"].find(f"{D}prop/{{urn:x}}colour") is not None
    assert stats["HTTP/1.1 200 OK"].find(f"{D}prop/{D}getetag") is None  # not asked for
    # propname: the names of what the file has, without values.
    names = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>'
    listed = drop.listing("/dav/Camera/IMG_1.jpg", depth="0", body=names)["/dav/Camera/IMG_1.jpg"]
    assert {"getcontentlength", "getetag", "getlastmodified", "resourcetype"} <= set(listed)
    assert listed["getetag"].text is None
    # No Depth header means infinity (RFC 4918 9.1), answered as Depth 1 too.
    response = drop("PROPFIND", "/dav/")
    assert response.status_code == 207 and b"/dav/Camera/" in response.content


def test_mkcol(drop):
    assert drop("MKCOL", "/dav/Camera").status_code == 201
    assert drop("MKCOL", "/dav/Camera").status_code == 405
    assert drop("MKCOL", "/dav/a/b").status_code == 409
    assert drop("MKCOL", "/dav/Body", b"<x/>").status_code == 415
    assert drop("MKCOL", "/dav/Camera/2026").status_code == 201
    assert set(drop.listing("/dav/Camera/")) == {"/dav/Camera/", "/dav/Camera/2026/"}


def test_delete_removes_names_never_photos(drop, alice, photos_dir):
    drop("MKCOL", "/dav/Camera")
    drop("PUT", "/dav/Camera/IMG_1.jpg", recent_jpeg(photos_dir))
    drop("PUT", "/dav/top.jpg", recent_jpeg(photos_dir, "scenes/ibm_dog.jpg"))
    assert drop("DELETE", "/dav/top.jpg").status_code == 204
    assert drop("DELETE", "/dav/Camera/").status_code == 204
    assert set(drop.listing()) == {"/dav/"}
    assert not DropEntry.objects.exists()
    assert Photo.objects.filter(owner=alice, trashed_at__isnull=True).count() == 2
    assert drop("DELETE", "/dav/top.jpg").status_code == 404
    assert drop("DELETE", "/dav/").status_code == 403


def test_move_and_copy_rename_within_the_drop(drop, alice, photos_dir):
    drop("MKCOL", "/dav/Camera")
    drop("MKCOL", "/dav/Done")
    drop("PUT", "/dav/Camera/IMG_1.jpg.part", recent_jpeg(photos_dir))
    moved = drop("MOVE", "/dav/Camera/IMG_1.jpg.part", Destination="/dav/Camera/IMG_1.jpg")
    assert moved.status_code == 201
    assert Photo.objects.get(owner=alice).original_name == "IMG_1.jpg"
    copied = drop("COPY", "/dav/Camera/IMG_1.jpg", Destination="http://testserver/dav/Done/a.jpg")
    assert copied.status_code == 201
    keep = drop("MOVE", "/dav/Camera/IMG_1.jpg", Destination="/dav/Done/a.jpg", Overwrite="F")
    assert keep.status_code == 412
    assert drop("MOVE", "/dav/Camera/IMG_1.jpg", Destination="/library/").status_code == 502
    other = drop("MOVE", "/dav/Camera/IMG_1.jpg", Destination="http://elsewhere/dav/x.jpg")
    assert other.status_code == 502
    assert drop("MOVE", "/dav/Camera/", Destination="/dav/Camera/inside/").status_code == 403
    assert drop("MOVE", "/dav/Camera/", Destination="/dav/Done/Camera/").status_code == 201
    assert set(drop.listing("/dav/Done/")) == {
        "/dav/Done/", "/dav/Done/a.jpg", "/dav/Done/Camera/",
    }  # fmt: skip
    assert set(drop.listing("/dav/Done/Camera/")) == {
        "/dav/Done/Camera/", "/dav/Done/Camera/IMG_1.jpg",
    }  # fmt: skip
    assert Photo.objects.filter(owner=alice).count() == 1


def test_get_returns_the_owners_file(drop, photos_dir):
    data = recent_jpeg(photos_dir)
    drop("PUT", "/dav/IMG_1.jpg", data)
    response = drop("GET", "/dav/IMG_1.jpg")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    head = drop("HEAD", "/dav/IMG_1.jpg")
    assert head.status_code == 200 and head["Content-Length"] == str(len(data))
    assert drop("GET", "/dav/").content.decode() == "IMG_1.jpg\n"


def test_proppatch_sets_nothing(drop, photos_dir):
    drop("PUT", "/dav/IMG_1.jpg", recent_jpeg(photos_dir))
    body = (
        b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
        b"<D:displayname>x</D:displayname></D:prop></D:set></D:propertyupdate>"
    )
    response = drop("PROPPATCH", "/dav/IMG_1.jpg", body)
    assert response.status_code == 207
    assert b"403 Forbidden" in response.content and b"displayname" in response.content


def test_another_users_app_password_never_sees_or_writes_your_files(
    drop, client, alice, bob, grant, photos_dir
):
    drop("MKCOL", "/dav/Camera")
    drop("PUT", "/dav/Camera/IMG_1.jpg", recent_jpeg(photos_dir))
    grant(bob, *UPLOAD_SCOPES)
    bobs = Dav(client, "bob", app_password(bob))
    assert set(bobs.listing()) == {"/dav/"}
    assert bobs("PROPFIND", "/dav/Camera/", Depth="1").status_code == 404
    assert bobs("GET", "/dav/Camera/IMG_1.jpg").status_code == 404
    assert bobs("DELETE", "/dav/Camera/IMG_1.jpg").status_code == 404
    assert bobs("MOVE", "/dav/Camera/IMG_1.jpg", Destination="/dav/x.jpg").status_code == 404
    assert bobs("PUT", "/dav/Camera/IMG_2.jpg", recent_jpeg(photos_dir)).status_code == 409
    # Alice's password with bob's name is no sign-in at all.
    mixed = Dav(client, "bob", app_password(alice, "second"))
    assert mixed("PROPFIND", "/dav/", Depth="1").status_code == 401
    assert DropEntry.objects.filter(user=alice).count() == 2
    assert not DropEntry.objects.filter(user=bob).exists()
    # Bob's own upload of the same bytes is his photo, not alice's.
    assert bobs("PUT", "/dav/IMG_1.jpg", recent_jpeg(photos_dir)).status_code == 201
    assert Photo.objects.filter(owner=bob).count() == 1
    assert set(bobs.listing()) == {"/dav/", "/dav/IMG_1.jpg"}


def test_names_go_with_photos_deleted_for_good(drop, alice, photos_dir):
    drop("PUT", "/dav/IMG_1.jpg", recent_jpeg(photos_dir))
    photo = Photo.objects.get(owner=alice)
    photo_services.delete_photos(alice, Photo.objects.filter(pk=photo.pk))
    assert not DropEntry.objects.exists()
    assert set(drop.listing()) == {"/dav/"}


def test_the_devices_page_makes_an_app_password_shown_once(alice_client, alice):
    response = alice_client.post(reverse("accounts:add-app-password"), {"name": "PhotoSync"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = re.search(r'class="app-password">([^<]+)<', response.content.decode()).group(1)
    device = Device.objects.get(user=alice)
    assert device.kind == DeviceKind.APP_PASSWORD and device.name == "PhotoSync"
    assert device.token_hash != password and password.startswith(device.token_prefix)
    page = alice_client.get(reverse("accounts:devices")).content.decode()
    assert "PhotoSync" in page and "App password" in page and password not in page
    assert alice_client.post(reverse("accounts:add-app-password"), {"name": " "}).status_code == 400
    assert Device.objects.filter(user=alice).count() == 1


def test_a_propfind_costs_the_same_queries_whatever_the_folder_holds(drop, photos_dir):
    drop("MKCOL", "/dav/Camera")
    data = recent_jpeg(photos_dir)
    drop("PUT", "/dav/Camera/0.jpg", data)
    drop.listing("/dav/Camera/")  # the password's first use records last_used_at once
    with CaptureQueriesContext(connection) as few:
        assert len(drop.listing("/dav/Camera/")) == 2
    for i in range(1, 6):
        drop("PUT", f"/dav/Camera/{i}.jpg", data)
    with CaptureQueriesContext(connection) as many:
        assert len(drop.listing("/dav/Camera/")) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.race  # a connection per thread: PostgreSQL, or the SQLite file of make test
@pytest.mark.parametrize("names", [("a.jpg", "b.jpg"), ("same.jpg", "same.jpg")])
def test_parallel_puts_of_the_same_bytes_make_one_photo(alice, grant, photos_dir, queued, names):
    grant(alice, *UPLOAD_SCOPES)
    password = app_password(alice)
    data = recent_jpeg(photos_dir)
    barrier = threading.Barrier(len(names))
    statuses = []

    def put(name):
        try:
            dav = Dav(Client(), "alice", password)
            barrier.wait()
            statuses.append(dav("PUT", f"/dav/{name}", data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=put, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Photo.objects.filter(owner=alice).count() == 1
    assert set(DropEntry.objects.filter(user=alice).values_list("path", flat=True)) == set(names)
    expected = [201, 201] if names[0] != names[1] else [201, 204]
    assert sorted(statuses) == expected


@pytest.mark.parametrize("method", ["PUT", "DELETE", "MKCOL", "MOVE", "PROPFIND", "GET", "POST"])
def test_a_signed_in_browser_is_no_way_into_the_drop(drop, alice, photos_dir, method):
    drop("PUT", "/dav/IMG_1.jpg", recent_jpeg(photos_dir))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.generic(
        method, "/dav/IMG_1.jpg", recent_jpeg(photos_dir, "scenes/ibm_dog.jpg"),
        HTTP_DESTINATION="/dav/moved.jpg",
    )  # fmt: skip
    # POST is no WebDAV method at all; every other one needs the app password.
    assert response.status_code == (405 if method == "POST" else 401)
    assert list(DropEntry.objects.values_list("path", flat=True)) == ["IMG_1.jpg"]
    assert Photo.objects.count() == 1
