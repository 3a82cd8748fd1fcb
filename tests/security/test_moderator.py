"""A moderator sees users and the consent ledger in the admin, never photo contents unless
given `photos.view_photo_content`, and every look at a user's data lands in that user's
"who accessed my data"."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from privacy.models import AccessLog
from tests.security.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_world(alice, photos_dir):
    return build_world(alice, photos_dir, marker="alicemark")


@pytest.fixture
def mod_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def _admin(model, view, *args):
    return reverse(f"admin:{model}_{view}", args=args)


def test_it_shows_users_and_the_consent_ledger_to_a_moderator(mod_client, alice_world):
    users = mod_client.get(_admin("accounts_user", "changelist"))
    assert users.status_code == 200
    assert "alice" in users.content.decode()
    alice_page = mod_client.get(_admin("accounts_user", "change", alice_world.user.pk))
    assert alice_page.status_code == 200
    ledger = mod_client.get(_admin("privacy_consentevent", "changelist"))
    assert ledger.status_code == 200
    text = ledger.content.decode()
    assert "alice" in text
    assert "Face analysis" in text or "face_analysis" in text
    event = mod_client.get(_admin("privacy_consentevent", "change", alice_world.consent_event.pk))
    assert event.status_code == 200


def test_it_never_lets_a_moderator_edit_or_delete_the_ledger(mod_client, alice_world):
    event = alice_world.consent_event
    assert mod_client.get(_admin("privacy_consentevent", "delete", event.pk)).status_code == 403
    response = mod_client.post(
        _admin("privacy_consentevent", "change", event.pk), {"action": "revoke"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "grant"


def _photo_pages(client, photo):
    pages = [
        client.get(_admin("photos_photo", "changelist")),
        client.get(_admin("photos_photo", "change", photo.pk)),
    ]
    for page in pages:
        assert page.status_code == 200
    return "".join(page.content.decode() for page in pages)


def test_it_hides_photo_content_from_a_moderator(mod_client, alice_world):
    photo = alice_world.photo
    html = _photo_pages(mod_client, photo)
    assert photo.sha256 in html  # the row itself is visible: it is the moderator's job
    assert "alicemark" not in html  # the file name
    assert "/library/media/" not in html  # no signed link to any file
    # The admin's own icons come from /static/; no image of the user's may appear.
    assert html.count("<img") == html.count('<img src="/static/')
    assert "48.85" not in html  # where it was taken
    # And the owner-only file views stay closed to staff.
    for kind in ("original", "preview", "thumbnail"):
        url = reverse("photos:media", args=[photo.pk, kind])
        assert mod_client.get(url).status_code == 404


def test_it_shows_photo_content_with_the_permission(moderator, alice_world):
    moderator.user_permissions.add(
        Permission.objects.get(codename="view_photo_content", content_type__app_label="photos")
    )
    client = Client()
    client.force_login(moderator)
    html = _photo_pages(client, alice_world.photo)
    assert "alicemark" in html
    assert "/library/media/" in html
    link = html.split("/library/media/", 1)[1].split('"', 1)[0]
    response = client.get("/library/media/" + link)
    assert response.status_code == 200


def test_it_logs_every_moderator_look_in_the_users_access_history(
    mod_client, moderator, alice_world, bob, alice_client
):
    photo = alice_world.photo
    assert not AccessLog.objects.filter(subject=alice_world.user).exists()
    mod_client.get(_admin("accounts_user", "change", alice_world.user.pk))
    mod_client.get(_admin("photos_photo", "change", photo.pk))
    mod_client.get(_admin("privacy_consentevent", "changelist"))
    mod_client.get(_admin("privacy_processingrecord", "change", alice_world.record.pk))

    log = AccessLog.objects.filter(subject=alice_world.user, actor=moderator)
    whats = " | ".join(log.values_list("what", flat=True))
    assert log.filter(action="viewed").count() >= 3, whats
    assert log.filter(action="listed").exists(), whats
    assert str(photo.pk) in whats
    # Bob's data was not shown, so bob's history stays empty.
    assert not AccessLog.objects.filter(subject=bob).exists()

    page = alice_client.get(reverse("privacy:index")).content.decode()
    section = page.split('id="access"', 1)[1]
    assert "mod" in section and "viewed" in section


def test_it_does_not_let_a_moderator_raise_their_own_rights(mod_client, moderator, alice):
    form = mod_client.get(_admin("accounts_user", "change", moderator.pk))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="is_superuser"' not in html
    assert 'name="user_permissions"' not in html
    response = mod_client.get(reverse("admin:auth_user_password_change", args=[alice.pk]))
    assert response.status_code == 403
