"""project.files.private_file_response: the one response behind every private file.

Every place that serves a file of a user (photo media by session and signed URL, face
crops, person covers, suggestion renders, export ZIPs, on the pages and in the API) is
shown to go through it: each answers a conditional GET with 304 and hands the transfer to
nginx when MEDIA_SENDFILE says so.
"""

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from photos import media
from project import files
from project.files import etag_for, private_file_response
from tests.security.world import build_world

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def place(alice, photos_dir):
    """Every URL that serves one of alice's files -> (client, the file's storage name)."""
    world = build_world(alice, photos_dir)
    page = Client()
    page.force_login(alice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    photo, face, person = world.photo, world.face, world.person
    suggestion, export = world.suggestion, world.export
    return {
        f"/library/photo/{photo.pk}/file/original/": (page, photo.original.name),
        f"/library/photo/{photo.pk}/file/preview/": (page, photo.preview.name),
        media.signed_url(photo, "thumbnail"): (Client(), photo.thumbnail.name),
        f"/api/v1/photos/{photo.pk}/thumbnail/": (api, photo.thumbnail.name),
        f"/library/faces/{face.pk}/crop/": (page, face.crop.name),
        f"/api/v1/people/{person.pk}/cover/": (api, person.cover_face.crop.name),
        f"/suggestions/{suggestion.pk}/image/": (page, suggestion.image.name),
        f"/suggestions/{suggestion.pk}/image/?download=1": (page, suggestion.image.name),
        f"/api/v1/suggestions/{suggestion.pk}/image/": (api, suggestion.image.name),
        f"/privacy/exports/{export.pk}/download/": (page, export.file.name),
        f"/api/v1/privacy/export/{export.pk}/download/": (api, export.file.name),
    }


def test_every_private_file_has_an_etag_and_answers_304(place):
    for url, (client, name) in place.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["ETag"] == etag_for(name), url
        assert response["Cache-Control"].startswith("private"), url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert _body(response) == default_storage.open(name).read(), url
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, url
        assert again.content == b"", url


def test_every_private_file_is_handed_to_nginx_when_configured(place, settings):
    settings.MEDIA_SENDFILE = "nginx"
    settings.MEDIA_SENDFILE_PREFIX = "/protected-media/"
    for url, (client, name) in place.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Accel-Redirect"] == quote(f"/protected-media/{name}"), url
        assert response.content == b"", url


def test_every_private_file_is_handed_to_apache_when_configured(place, settings, private_media):
    settings.MEDIA_SENDFILE = "sendfile"
    for url, (client, name) in place.items():
        response = client.get(url)
        assert response["X-Sendfile"] == str(private_media / name), url


def test_downloads_are_attachments_and_an_export_is_never_stored(place):
    items = {url: client.get(url) for url, (client, _name) in place.items()}
    download = next(r for u, r in items.items() if u.endswith("?download=1"))
    assert download["Content-Disposition"].startswith("attachment;")
    exports = [r for u, r in items.items() if "export" in u]
    assert len(exports) == 2
    for response in exports:
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith('attachment; filename="camroll-export-')
    original = next(r for u, r in items.items() if u.endswith("/file/original/"))
    assert original["Content-Disposition"].startswith("inline;")


# --- The function itself ----------------------------------------------------------------


def test_a_missing_file_is_a_404_not_a_500(private_media):
    request = RequestFactory().get("/")
    with pytest.raises(Http404):
        private_file_response(request, "u1/gone.jpg", "image/jpeg")
    with pytest.raises(Http404):
        private_file_response(request, "", "image/jpeg")


def test_it_answers_304_to_a_star_and_to_one_of_several_etags(private_media):
    name = default_storage.save("u1/x.jpg", ContentFile(b"bytes"))
    factory = RequestFactory()
    for header in ("*", f'"other", {etag_for(name)}'):
        response = private_file_response(
            factory.get("/", HTTP_IF_NONE_MATCH=header), name, "image/jpeg"
        )
        assert response.status_code == 304, header
    stale = private_file_response(factory.get("/", HTTP_IF_NONE_MATCH='"old"'), name, "image/jpeg")
    assert stale.status_code == 200
    assert stale["Vary"] == "Cookie, Authorization"


def test_remote_storage_without_paths_is_streamed_by_django(settings, monkeypatch):
    settings.MEDIA_SENDFILE = "sendfile"

    class RemoteStorage:  # an object store: files, but no local path to hand to Apache
        def path(self, name):
            raise NotImplementedError

        def open(self, name, mode="rb"):
            return ContentFile(b"remote bytes", name=name)

    monkeypatch.setattr(files, "default_storage", RemoteStorage())
    response = private_file_response(RequestFactory().get("/"), "u1/y.jpg", "image/jpeg")
    assert not response.has_header("X-Sendfile")
    assert _body(response) == b"remote bytes"
