"""Moderators cannot read what the admin hides through the query string: a changelist takes
only the filters it shows (project.admin.PersonalDataAdmin, the base of every ModelAdmin in
accounts, privacy, photos and suggestions), and every search, filter and autocomplete
search over a user's data is in that user's access log, one that found nothing included."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from privacy.models import AccessLog
from project.admin import PersonalDataAdmin
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

APPS = ("accounts", "privacy", "photos", "suggestions")


@pytest.fixture
def alice_world(alice, photos_dir):
    return build_world(alice, photos_dir, marker="alicemark")


@pytest.fixture
def mod_client(moderator):
    # Also the models the Moderators group does not see, to try their filters too.
    for codename in ("view_person", "view_face", "view_suggestion", "view_album"):
        moderator.user_permissions.add(*Permission.objects.filter(codename=codename))
    client = Client()
    client.force_login(moderator)
    return client


def test_every_admin_over_personal_data_has_the_one_base():
    admins = {
        model._meta.label: type(model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    }
    assert len(admins) >= 14
    assert {label for label, cls in admins.items() if not issubclass(cls, PersonalDataAdmin)} == (
        set()
    )


# What the attack read, one guess at a time, through filters the admin does not show.
PROBES = [
    ("photos_photo", "original_name__startswith", "IMG"),
    ("photos_photo", "camera_model__icontains", "a"),
    ("photos_photo", "taken_at__year", "2024"),
    ("photos_photo", "latitude__gte", "0"),
    ("photos_photo", "longitude__lt", "180"),
    ("photos_photo", "latitude__isnull", "False"),
    ("privacy_processingrecord", "summary__icontains", "dog"),
    ("privacy_processingrecord", "photo_name__startswith", "a"),
    ("privacy_processingrecord", "details__icontains", "a"),
    ("photos_analysisstep", "message__icontains", "a"),
    ("photos_person", "name__startswith", "a"),
    ("photos_face", "det_score__gte", "0.5"),
    ("suggestions_suggestion", "title__icontains", "a"),
    ("suggestions_album", "title__startswith", "a"),
    ("accounts_user", "birthday__year", "1990"),
    ("accounts_user", "email__startswith", "alice"),
    ("accounts_device", "token_prefix__startswith", "a"),
    ("privacy_consentevent", "user__email__startswith", "alice"),
    ("privacy_exportjob", "file__icontains", "zip"),
]


@pytest.mark.parametrize(("model", "lookup", "value"), PROBES)
def test_it_refuses_filters_the_admin_does_not_show(mod_client, alice_world, model, lookup, value):
    url = reverse(f"admin:{model}_changelist") + f"?{lookup}={value}"
    response = mod_client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert not AccessLog.objects.filter(path__contains=lookup).exists()


def test_it_still_takes_the_filters_it_shows(mod_client, alice_world):
    for url in (
        reverse("admin:photos_photo_changelist") + "?media_type__exact=image",
        reverse("admin:photos_photo_changelist") + "?analysis_status__exact=done",
        reverse("admin:privacy_processingrecord_changelist") + "?step__exact=faces",
        reverse("admin:privacy_consentevent_changelist") + "?created_at__year=2026",
        reverse("admin:accounts_user_changelist") + "?is_staff__exact=0",
        reverse("admin:privacy_consentevent_changelist")
        + f"?user__id__exact={alice_world.user.pk}",
    ):
        assert mod_client.get(url).status_code == 200, url


def test_a_search_or_filter_that_found_nothing_is_logged(mod_client, alice_world, bob, moderator):
    alice = alice_world.user
    url = reverse("admin:photos_photo_changelist")
    assert mod_client.get(url + "?q=no-such-hash").status_code == 200
    # Every user whose photos it searched: alice has photos, bob none.
    logged = AccessLog.objects.filter(action="searched")
    assert set(logged.values_list("subject", flat=True)) == {alice.pk}
    assert "q=no-such-hash" in logged.get().what and "found nothing" in logged.get().what
    # A filter naming a user that found nothing is logged for that user.
    AccessLog.objects.all().delete()
    events = reverse("admin:privacy_consentevent_changelist")
    assert mod_client.get(events + f"?user__id__exact={bob.pk}").status_code == 200
    assert list(AccessLog.objects.values_list("subject", "action")) == [(bob.pk, "searched")]


def test_a_search_that_found_rows_is_logged_with_the_search(mod_client, alice_world):
    url = reverse("admin:photos_photo_changelist") + "?q=alice"
    assert mod_client.get(url).status_code == 200
    log = AccessLog.objects.get(subject=alice_world.user)
    assert log.action == "listed" and "q=alice" in log.what


def test_the_autocomplete_over_users_is_logged(mod_client, alice_world, bob):
    alice = alice_world.user
    url = reverse("admin:autocomplete")
    params = {"app_label": "accounts", "model_name": "device", "field_name": "user"}
    found = mod_client.get(url, {**params, "term": "alice@example"})
    assert found.status_code == 200
    assert [r["id"] for r in found.json()["results"]] == [str(alice.pk)]
    log = AccessLog.objects.get()
    assert (log.subject, log.action) == (alice, "searched")
    assert "alice@example" in log.what
    AccessLog.objects.all().delete()
    # Nobody has the address: every user was searched, and every user is told.
    nothing = mod_client.get(url, {**params, "term": "carol@example"})
    assert nothing.json()["results"] == []
    assert set(AccessLog.objects.values_list("subject", flat=True)) == {alice.pk, bob.pk}
    assert set(AccessLog.objects.values_list("action", flat=True)) == {"searched"}
