"""A moderator sees users and the consent ledger in the admin, never photo contents unless
given `photos.view_photo_content`, and every look at a user's data lands in that user's
"who accessed my data"."""

import re

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


# --- Access-controlling fields: superusers only -----------------------------------------
ACCESS_FIELDS = ("username", "email", "is_active", "is_staff", "is_superuser", "password")


@pytest.fixture
def root(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "x" * 20)


def _user_form(user, **changes):
    """The admin change form's POST for `user`, with `changes`."""
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on" if user.is_active else "",
        "birthday": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **changes,
    }
    return {k: v for k, v in data.items() if v != ""}


@pytest.mark.parametrize("who", ["alice", "root"])
def test_it_does_not_let_a_moderator_take_over_an_account(mod_client, alice, root, who, mailoutbox):
    target = {"alice": alice, "root": root}[who]
    html = mod_client.get(_admin("accounts_user", "change", target.pk)).content.decode()
    for name in ("username", "email", "is_active", "last_login_0", "date_joined_0"):
        assert f'name="{name}"' not in html, name
    assert 'name="first_name"' in html  # a moderator may still fix a display name
    response = mod_client.post(
        _admin("accounts_user", "change", target.pk),
        _user_form(target, email="mod@evil.example", username="taken", first_name="Al"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.email == f"{target.username}@example.org"
    assert target.username == who
    assert target.first_name == "Al"
    assert target.is_active
    # And the reset link goes to the user, not to the moderator.
    Client().post(reverse("accounts:password_reset"), {"email": "mod@evil.example"})
    assert not mailoutbox


def test_it_does_not_let_a_moderator_deactivate_an_account(mod_client, alice):
    form = _user_form(alice)
    del form["is_active"]
    mod_client.post(_admin("accounts_user", "change", alice.pk), form)
    alice.refresh_from_db()
    assert alice.is_active


def test_a_superuser_changes_an_email_and_the_old_address_is_told(
    root, alice, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(root)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _admin("accounts_user", "change", alice.pk),
            _user_form(alice, email="alice@new.example"),
        )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    assert "alice@new.example" in mailoutbox[0].body


def test_a_user_changing_their_email_tells_the_old_address(
    alice_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("accounts:profile"), {"email": "a@new.example"})
    assert response.status_code == 302
    # The new address gets a link first; nothing changed yet.
    assert [m.to for m in mailoutbox] == [["a@new.example"]]
    link = re.search(r"/profile/email/[^/\s]+/", mailoutbox[0].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.post(link).status_code == 302
    alice.refresh_from_db()
    assert alice.email == "a@new.example"
    assert [m.to for m in mailoutbox[1:]] == [["alice@example.org"]]
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("accounts:profile"), {"email": "a@new.example"})
        assert alice_client.post(link).status_code == 400  # a link works once
    assert len(mailoutbox) == 2  # unchanged: nobody to tell


def test_it_shows_nothing_of_the_password_hash_to_a_moderator(mod_client, alice):
    html = mod_client.get(_admin("accounts_user", "change", alice.pk)).content.decode()
    algorithm, *rest = alice.password.split("$")
    assert alice.password not in html
    for part in rest:
        assert part not in html, part
    assert algorithm + "$" not in html


# --- Processing records: operational metadata, not what is in the photo ----------------


@pytest.fixture
def record_with_content(alice_world):
    record = alice_world.record
    record.details = {"objects": ["alicemark-object"], "themes": ["alicemark-theme"], "faces": 3}
    record.save()
    return record


def _record_pages(client, record):
    pages = [
        client.get(_admin("privacy_processingrecord", "changelist")),
        client.get(_admin("privacy_processingrecord", "change", record.pk)),
    ]
    assert [p.status_code for p in pages] == [200, 200]
    return "".join(p.content.decode() for p in pages)


def test_it_hides_what_the_analysis_found_from_a_moderator(mod_client, record_with_content):
    html = _record_pages(mod_client, record_with_content)
    assert "test-pack" in html  # the model that ran: operational
    assert "alicemark" not in html  # file name, summary, objects and themes
    assert "3 faces" not in html


def test_it_shows_what_the_analysis_found_with_the_content_permission(
    moderator, record_with_content
):
    moderator.user_permissions.add(
        Permission.objects.get(codename="view_photo_content", content_type__app_label="photos")
    )
    client = Client()
    client.force_login(moderator)
    html = _record_pages(client, record_with_content)
    assert "alicemark-object" in html
    assert "3 faces detected" in html
    assert AccessLog.objects.filter(
        subject=record_with_content.user, actor=moderator, action="viewed"
    ).exists()


# --- Admin actions need the permission they act with ------------------------------------


def test_a_view_only_moderator_cannot_retry_failed_steps(mod_client, alice_world, monkeypatch):
    from photos.analysis import queue as pipeline
    from photos.models import AnalysisStatus, AnalysisStep

    calls = []
    monkeypatch.setattr(pipeline, "retry_failed", lambda photos: calls.append(photos) or 0)
    step = AnalysisStep.objects.filter(photo=alice_world.photo).first()
    step.status = AnalysisStatus.FAILED
    step.save()
    for model, pk in (("photos_analysisstep", step.pk), ("photos_photo", alice_world.photo.pk)):
        page = mod_client.get(_admin(model, "changelist")).content.decode()
        assert "retry_failed_steps" not in page
        mod_client.post(
            _admin(model, "changelist"),
            {"action": "retry_failed_steps", "_selected_action": [pk]},
        )
    assert calls == []


def test_a_superuser_can_retry_failed_steps(root, alice_world, monkeypatch):
    from photos.analysis import queue as pipeline

    calls = []
    monkeypatch.setattr(pipeline, "retry_failed", lambda photos: calls.append(photos) or 1)
    client = Client()
    client.force_login(root)
    response = client.post(
        _admin("photos_photo", "changelist"),
        {"action": "retry_failed_steps", "_selected_action": [alice_world.photo.pk]},
    )
    assert response.status_code == 302
    assert len(calls) == 1


def test_a_view_only_moderator_cannot_publish_consent_terms(mod_client, alice_world):
    from privacy.models import ConsentTerms

    draft = ConsentTerms.objects.create(
        scope="face_analysis", version=99, title="Draft", text="New terms"
    )
    mod_client.post(
        _admin("privacy_consentterms", "changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.published_at is None


def test_every_admin_action_declares_the_permissions_it_needs():
    from django.contrib import admin as django_admin

    missing = []
    ours = {"accounts", "photos", "privacy", "suggestions"}
    for model, model_admin in django_admin.site._registry.items():
        if model._meta.app_label not in ours:
            continue
        for action in model_admin.actions or []:
            func = getattr(model_admin, action) if isinstance(action, str) else action
            if not getattr(func, "allowed_permissions", None):
                missing.append(f"{model._meta.label}: {getattr(func, '__name__', action)}")
    assert not missing, missing


def test_a_superuser_setting_a_password_revokes_the_device_tokens(root, alice, api_token_for):
    from accounts.models import Device

    api_token_for(alice)
    client = Client()
    client.force_login(root)
    new = "a different long passphrase 7"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert not Device.objects.filter(user=alice).active().exists()
    assert Device.objects.get(user=alice).revoked_reason
