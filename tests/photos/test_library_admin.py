"""The Photo admin shows moderators facts about files, never their content, unless allowed."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from photos import derivatives
from photos.models import Photo
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(alice, photos_dir):
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg", gps=(48.85, 2.35))
    derivatives.make_derivatives(photo)
    return photo


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_moderator_sees_no_content_no_name_and_no_place(moderator, photo):
    client = admin_client(moderator)
    listing = client.get(reverse("admin:photos_photo_changelist"))
    assert listing.status_code == 200
    assert b"/library/media/" not in listing.content
    page = client.get(reverse("admin:photos_photo_change", args=[photo.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "/library/media/" not in content
    assert "ibm_dog.jpg" not in content
    assert "48.85" not in content
    assert photo.sha256 in content


def test_with_the_content_permission_the_admin_links_signed_content(moderator, photo):
    moderator.user_permissions.add(Permission.objects.get(codename="view_photo_content"))
    moderator = type(moderator).objects.get(pk=moderator.pk)  # drop the permission cache
    client = admin_client(moderator)
    listing = client.get(reverse("admin:photos_photo_changelist"))
    assert b"/library/media/" in listing.content
    page = client.get(reverse("admin:photos_photo_change", args=[photo.pk]))
    assert "ibm_dog.jpg" in page.content.decode()
    # The signed link really opens the thumbnail for the moderator, who is not the owner.
    start = listing.content.index(b"/library/media/")
    link = listing.content[start : listing.content.index(b'"', start)].decode()
    assert client.get(link).status_code == 200


def test_admin_deletion_goes_through_the_service(
    admin_user, photo, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    client = admin_client(admin_user)
    names = [photo.original.name, photo.thumbnail.name, photo.preview.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:photos_photo_changelist"),
            {"action": "delete_selected", "_selected_action": [photo.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
