"""The WebDAV drop with real clients against a real server (the browser tests' live server
thread, serving the app as production does): rclone
from Debian, as the README tells people to run it, and the webdav4 client from PyPI."""

import io
import os
import shutil
import subprocess

import pytest
from webdav4.client import Client, ResourceNotFound

from accounts.models import DropEntry
from photos import dav
from photos.analysis import queue as analysis_queue
from photos.models import Photo, Source
from tests.browser.test_journey import server  # noqa: F401 - the live server fixture
from tests.photos.dav_helpers import UPLOAD_SCOPES, app_password, recent_jpeg

# serialized_rollback: the consent terms the migrations publish are there for every test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RCLONE = shutil.which("rclone")
needs_rclone = pytest.mark.skipif(
    RCLONE is None and os.environ.get("REQUIRE_BROWSER") != "1",
    reason="rclone is not installed (apt-get install rclone; CI installs it)",
)


@pytest.fixture
def puts(monkeypatch):
    """Every PUT the server answers, and analysis queued but not run (not the point here)."""
    monkeypatch.setattr(analysis_queue, "queue_analysis", lambda ids: None)
    seen = []
    real = dav.METHODS["PUT"]

    def counted(request, user, path):
        seen.append(path)
        return real(request, user, path)

    monkeypatch.setitem(dav.METHODS, "PUT", counted)
    return seen


def rclone(tmp_path, *args, password):
    obscured = subprocess.run(
        [RCLONE, "obscure", password], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {**os.environ, "RCLONE_CONFIG": str(tmp_path / "rclone.conf")}
    args = [a.replace("PASS", obscured) for a in args]
    return subprocess.run(
        [RCLONE, *args, "--retries", "1", "--low-level-retries", "1", "-v"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def dav_url(server):  # noqa: F811 - the fixture imported above
    return f"{server}/dav/"


def remote(dav_url, user, path=""):
    return f":webdav,url='{dav_url}',vendor=other,user={user},pass=PASS:{path}"


@pytest.fixture
def camera_folder(tmp_path, photos_dir):
    folder = tmp_path / "DCIM"
    folder.mkdir()
    (folder / "IMG_0001.jpg").write_bytes(recent_jpeg(photos_dir, "scenes/ibm_city.jpg"))
    (folder / "IMG_0002.jpg").write_bytes(recent_jpeg(photos_dir, "scenes/ibm_dog.jpg"))
    # The same bytes as IMG_0001 under another name: one photo, two names in the drop.
    shutil.copy(folder / "IMG_0001.jpg", folder / "IMG_0001 (1).jpg")
    return folder


@needs_rclone
def test_rclone_copies_a_folder_as_photos_and_a_second_copy_uploads_nothing(
    dav_url, alice, grant, camera_folder, tmp_path, puts
):
    grant(alice, *UPLOAD_SCOPES)
    password = app_password(alice, "rclone")
    target = remote(dav_url, "alice", "Camera")
    first = rclone(tmp_path, "copy", str(camera_folder), target, password=password)
    assert first.returncode == 0, first.stderr
    assert sorted(puts) == ["Camera/IMG_0001 (1).jpg", "Camera/IMG_0001.jpg", "Camera/IMG_0002.jpg"]
    photos = Photo.objects.filter(owner=alice)
    assert photos.count() == 2 and {p.source for p in photos} == {Source.SYNC}
    # rclone puts in parallel: the first of the two names of the same bytes names the photo.
    assert {p.original_name for p in photos} - {"IMG_0001 (1).jpg"} >= {"IMG_0002.jpg"}
    names = DropEntry.objects.filter(user=alice, is_folder=False)
    assert set(names.values_list("path", flat=True)) == set(puts)

    second = rclone(tmp_path, "copy", str(camera_folder), target, password=password)
    assert second.returncode == 0, second.stderr
    assert len(puts) == 3, "the second copy uploaded again"
    assert photos.count() == 2
    # rclone sees what is there as the server lists it: sizes equal to the local files.
    listed = rclone(tmp_path, "lsl", target, password=password)
    assert listed.returncode == 0, listed.stderr
    sizes = {line.split(maxsplit=3)[3]: int(line.split()[0]) for line in listed.stdout.splitlines()}
    assert sizes == {p.name: p.stat().st_size for p in camera_folder.iterdir()}


@needs_rclone
def test_rclone_with_a_wrong_password_is_refused_with_401(dav_url, alice, tmp_path, puts):
    app_password(alice, "rclone")
    refused = rclone(tmp_path, "lsf", remote(dav_url, "alice"), password="not-it")
    assert refused.returncode != 0
    assert "401" in refused.stderr
    # The account password is no app password either.
    account = rclone(tmp_path, "lsf", remote(dav_url, "alice"), password="pw-alice-123!")
    assert account.returncode != 0 and "401" in account.stderr


@needs_rclone
def test_rclone_without_cloud_processing_stores_nothing_and_says_why(
    dav_url, alice, grant, camera_folder, tmp_path, puts
):
    grant(alice, "camera_roll_sync")  # not cloud_processing
    password = app_password(alice, "rclone")
    result = rclone(
        tmp_path, "copy", str(camera_folder), remote(dav_url, "alice"), password=password
    )
    assert result.returncode != 0
    assert "403" in result.stderr and "cloud_processing" in result.stderr
    assert not Photo.objects.exists() and not DropEntry.objects.exists()


def test_webdav4_puts_lists_moves_gets_and_deletes(dav_url, alice, bob, grant, photos_dir, puts):
    grant(alice, *UPLOAD_SCOPES)
    client = Client(dav_url, auth=("alice", app_password(alice, "webdav4")))
    data = recent_jpeg(photos_dir)
    client.mkdir("Phone")
    client.upload_fileobj(io.BytesIO(data), "Phone/IMG_1.jpg.part")
    client.move("Phone/IMG_1.jpg.part", "Phone/IMG_1.jpg")
    client.copy("Phone/IMG_1.jpg", "Phone/IMG_1 copy.jpg")
    listed = {e["name"]: e for e in client.ls("Phone", detail=True)}
    assert set(listed) == {"Phone/IMG_1.jpg", "Phone/IMG_1 copy.jpg"}
    assert listed["Phone/IMG_1.jpg"]["content_length"] == len(data)
    assert listed["Phone/IMG_1.jpg"]["etag"] and listed["Phone/IMG_1.jpg"]["modified"]
    assert client.isdir("Phone") and client.isfile("Phone/IMG_1.jpg")
    downloaded = io.BytesIO()
    client.download_fileobj("Phone/IMG_1.jpg", downloaded)
    assert downloaded.getvalue() == data
    photo = Photo.objects.get(owner=alice)
    assert photo.original_name == "IMG_1.jpg" and photo.file_size == len(data)

    # Bob's app password: none of it is there for him, and he cannot reach it.
    grant(bob, *UPLOAD_SCOPES)
    bobs = Client(dav_url, auth=("bob", app_password(bob, "webdav4")))
    assert bobs.ls("", detail=False) == []
    assert not bobs.exists("Phone/IMG_1.jpg")
    with pytest.raises(ResourceNotFound):
        bobs.remove("Phone/IMG_1.jpg")

    client.remove("Phone/IMG_1 copy.jpg")
    client.remove("Phone")
    assert client.ls("", detail=False) == []
    assert Photo.objects.filter(owner=alice, trashed_at__isnull=True).count() == 1
    assert len(puts) == 1
