"""A file in media storage is never reachable through a public URL."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

pytestmark = pytest.mark.django_db

SECRET = b"\xff\xd8\xff private bytes of alice"


@pytest.mark.parametrize("who", ["anonymous", "bob"])
def test_it_never_serves_a_media_file_by_its_path(who, alice, bob, private_media):
    name = default_storage.save("u1/originals/ab/secret.jpg", ContentFile(SECRET))
    client = Client()
    if who == "bob":
        client.force_login(bob)
    candidates = [
        f"/media/{name}",
        f"/static/{name}",
        f"/{name}",
        f"/var/media/{name}",
        f"/static/../var/media/{name}",
        f"/media/../{name}",
        f"/library/{name}",
    ]
    for url in candidates:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert SECRET not in body, url
        assert response.status_code in (301, 302, 404), (url, response.status_code)


def test_settings_publish_no_media_url(settings):
    assert not settings.MEDIA_URL
    assert settings.MEDIA_ROOT != settings.STATIC_ROOT
    assert default_storage.base_url is None
