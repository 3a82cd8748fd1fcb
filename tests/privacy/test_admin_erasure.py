"""Deleting a user in the Django admin (the delete page and the bulk action) is the same
erasure as the privacy page's: no file of theirs stays in storage, no row refers to them."""

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import User
from photos.derivatives import make_derivatives
from photos.models import Face, Photo
from privacy import services
from privacy.models import AccessLog
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1234")


@pytest.fixture
def full_user(grant, make_analysed, django_capture_on_commit_callbacks):
    """A user with every kind of file: originals, derivatives, face crops, a rendered
    suggestion and an export ZIP; and a logged-in session."""

    def make(user):
        grant(user, "cloud_processing", "face_analysis")
        photos = make_analysed(user, 2)
        for photo in photos:
            make_derivatives(photo)
        face = Face.objects.filter(owner=user).first()
        face.crop.save("crop.jpg", ContentFile(b"\xff\xd8\xff crop"), save=True)
        suggestion = Suggestion.objects.get(owner=user)
        suggestion.image.save("collage.jpg", ContentFile(b"\xff\xd8\xff render"), save=True)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_export(user)
        Client().force_login(user)
        return user

    return make


def files_of(root, user) -> list[str]:
    """Every file under MEDIA_ROOT that is the user's, walking the whole folder."""
    prefix = f"u{user.pk}/"
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and str(p.relative_to(root)).startswith(prefix)
    )


def rows_referring_to(user_id: int, photo_ids) -> list[str]:
    """Every row of every installed model (auto-created through tables included) with a
    relation to the user, a generic reference to them, or a photo reference of theirs."""
    found = []
    user_type = ContentType.objects.get_for_model(User)
    for model in apps.get_models(include_auto_created=True):
        names = {f.name for f in model._meta.concrete_fields}
        for field in model._meta.concrete_fields:
            lookup = None
            if field.is_relation and field.related_model is User:
                lookup = {field.attname: user_id}
            elif field.is_relation and field.related_model is ContentType:
                id_field = next((n for n in ("object_id", "object_pk") if n in names), None)
                lookup = id_field and {field.name: user_type, id_field: str(user_id)}
            elif field.name == "photo_ref" and isinstance(field, models.IntegerField):
                lookup = {"photo_ref__in": list(photo_ids)}
            if lookup and model.objects.filter(**lookup).exists():
                found.append(f"{model._meta.label}.{field.name}")
    # Logged-in sessions hold the user's id in their data.
    for session in Session.objects.all():
        if session.get_decoded().get(SESSION_KEY) == str(user_id):
            found.append(f"session {session.pk}")
    return found


def test_the_delete_page_shows_counts_then_erases_every_file_and_row(
    client, superuser, alice, bob, full_user, private_media, django_capture_on_commit_callbacks
):
    full_user(alice)
    full_user(bob)
    photo_ids = list(Photo.objects.filter(owner=alice).values_list("pk", flat=True))
    before = files_of(private_media, alice)
    kinds = {name.split("/")[1] for name in before}
    assert {"originals", "derived", "faces", "suggestions", "exports"} <= kinds
    assert rows_referring_to(alice.pk, photo_ids)  # the check sees rows while they exist
    bobs = files_of(private_media, bob)
    client.force_login(superuser)
    url = reverse("admin:accounts_user_delete", args=[alice.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Photos and videos: 2" in page and "Faces: 2" in page
    assert "Consent history entries: 2" in page
    assert User.objects.filter(pk=alice.pk).exists()  # a GET deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert files_of(private_media, alice) == []
    assert not (private_media / f"u{alice.pk}").exists()
    assert rows_referring_to(alice.pk, photo_ids) == []
    # The admin's history keeps that an account was erased, not whose.
    entry = LogEntry.objects.get(user=superuser)
    assert entry.object_id is None and "alice" not in entry.object_repr
    # Bob untouched.
    assert files_of(private_media, bob) == bobs
    assert Photo.objects.filter(owner=bob).count() == 2


def test_the_bulk_action_shows_counts_then_erases_every_selected_user(
    client,
    superuser,
    alice,
    bob,
    charlie,
    full_user,
    private_media,
    django_capture_on_commit_callbacks,
):
    for user in (alice, bob, charlie):
        full_user(user)
    photo_ids = list(Photo.objects.filter(owner__in=[alice, bob]).values_list("pk", flat=True))
    charlies = files_of(private_media, charlie)
    client.force_login(superuser)
    url = reverse("admin:accounts_user_changelist")
    selection = {"action": "delete_selected", "_selected_action": [alice.pk, bob.pk]}

    confirm = client.post(url, selection)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "User: alice" in page and "User: bob" in page and "User: charlie" not in page
    assert "Photos and videos: 2" in page
    assert User.objects.filter(pk__in=[alice.pk, bob.pk]).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**selection, "post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[alice.pk, bob.pk]).exists()
    for user in (alice, bob):
        assert files_of(private_media, user) == []
        assert rows_referring_to(user.pk, photo_ids) == [], user
    assert files_of(private_media, charlie) == charlies
    assert Photo.objects.filter(owner=charlie).count() == 2


def test_a_moderator_deleting_a_user_is_not_broken_by_the_access_log(
    client, moderator, alice, full_user, private_media, caplog, django_capture_on_commit_callbacks
):
    full_user(alice)
    moderator.user_permissions.add(Permission.objects.get(codename="delete_user"))
    photo_ids = list(Photo.objects.filter(owner=alice).values_list("pk", flat=True))
    client.force_login(moderator)
    url = reverse("admin:accounts_user_delete", args=[alice.pk])
    assert client.get(url).status_code == 200
    assert AccessLog.objects.filter(subject=alice, actor=moderator).exists()  # the view
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert "could not write the admin access log" not in caplog.text
    assert rows_referring_to(alice.pk, photo_ids) == []
    assert files_of(private_media, alice) == []
