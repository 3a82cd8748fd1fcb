"""The ledger in the admin (read-only for everybody), terms versions, and the access log."""

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy import consent
from privacy.models import AccessLog, ConsentEvent, ConsentTerms, ProcessingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1234")


def test_moderators_read_the_ledger(client, moderator, alice, grant):
    grant(alice, "face_analysis")
    client.force_login(moderator)
    listing = client.get(reverse("admin:privacy_consentevent_changelist"))
    assert listing.status_code == 200
    assert b"face_analysis" in listing.content or b"Face analysis" in listing.content
    event = ConsentEvent.objects.get(user=alice)
    detail = client.get(reverse("admin:privacy_consentevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert b"Save" not in detail.content  # a view page, no form to submit


@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_nobody_adds_changes_or_deletes_ledger_events(
    client, who, moderator, superuser, alice, grant
):
    grant(alice, "cloud_processing")
    event = ConsentEvent.objects.get(user=alice)
    client.force_login(moderator if who == "moderator" else superuser)
    assert client.get(reverse("admin:privacy_consentevent_add")).status_code == 403
    change = reverse("admin:privacy_consentevent_change", args=[event.pk])
    client.post(change, {"scope": "ai_training", "action": "revoke", "channel": "web"})
    delete = reverse("admin:privacy_consentevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:privacy_consentevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert (event.scope, event.action) == ("cloud_processing", "grant")
    assert ConsentEvent.objects.filter(user=alice).count() == 1


def test_the_ledger_refuses_edits_in_code_too(alice, grant):
    grant(alice, "cloud_processing")
    event = ConsentEvent.objects.get(user=alice)
    event.action = "revoke"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_processing_log_is_read_only_in_the_admin(client, superuser, alice):
    record = ProcessingRecord.objects.create(
        user=alice, step="scenes", started_at=timezone.now(), outcome="done"
    )
    client.force_login(superuser)
    assert client.get(reverse("admin:privacy_processingrecord_add")).status_code == 403
    delete = reverse("admin:privacy_processingrecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ProcessingRecord.objects.filter(pk=record.pk).exists()


def publish_v2(client, scope="face_analysis"):
    response = client.post(
        reverse("admin:privacy_consentterms_add"),
        {
            "scope": scope,
            "version": 2,
            "title": "Faces, now also in videos",
            "text": "Faces are also detected in video frames.",
            "published_at_0": timezone.now().strftime("%Y-%m-%d"),
            "published_at_1": timezone.now().strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    return ConsentTerms.objects.get(scope=scope, version=2)


def test_staff_publish_new_terms_and_the_scope_needs_consent_again(client, superuser, alice, grant):
    grant(alice, "face_analysis", "cloud_processing")
    client.force_login(superuser)
    publish_v2(client)
    state = consent.states(alice)["face_analysis"]
    assert state.needs_reconsent and not state.granted
    assert state.terms_version == 1 and state.current_version == 2
    assert not consent.allows(alice, "face_analysis")
    assert consent.allows(alice, "cloud_processing")

    client.force_login(alice)
    page = client.get(reverse("privacy:index"))
    assert b'id="reconsent"' in page.content
    dashboard = client.get(reverse("accounts:dashboard"))
    assert b'id="reconsent-banner"' in dashboard.content

    # Accepting the new version on the consent page grants v2 and removes the prompt.
    response = client.post(reverse("privacy:onboarding"), {"face_analysis": "accept"})
    assert response.status_code == 302
    assert consent.allows(alice, "face_analysis")
    assert ConsentEvent.objects.filter(user=alice, scope="face_analysis").first().terms_version == 2
    assert b'id="reconsent"' not in client.get(reverse("privacy:index")).content


def test_a_published_version_is_frozen(client, superuser):
    client.force_login(superuser)
    terms = ConsentTerms.objects.get(scope="cloud_processing", version=1)
    client.post(
        reverse("admin:privacy_consentterms_change", args=[terms.pk]),
        {"scope": "cloud_processing", "version": 1, "title": "x", "text": "changed"},
    )
    terms.refresh_from_db()
    assert terms.text != "changed"
    delete = reverse("admin:privacy_consentterms_delete", args=[terms.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_moderators_cannot_edit_terms(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("admin:privacy_consentterms_add")).status_code == 403
    assert moderator.has_perm("privacy.view_consentevent")
    assert not moderator.has_perm("privacy.change_consentevent")


# --- Access log -----------------------------------------------------------------------


def test_it_logs_a_moderator_viewing_a_users_account(client, moderator, alice, bob):
    client.force_login(moderator)
    response = client.get(reverse("admin:accounts_user_change", args=[alice.pk]))
    assert response.status_code == 200
    log = AccessLog.objects.get()
    assert log.subject == alice and log.actor == moderator
    assert log.actor_name == "mod" and log.action == "viewed"
    assert str(alice.pk) in log.what
    assert not AccessLog.objects.filter(subject=bob).exists()

    client.force_login(alice)
    page = client.get(reverse("privacy:index"))
    section = page.content.split(b'id="access"')[1].split(b"</section>")[0]
    assert b"mod" in section and b"viewed" in section


def test_it_logs_the_users_records_and_consent_seen_in_lists_and_pages(
    client, moderator, alice, bob, grant, make_analysed
):
    make_analysed(alice, 1)
    make_analysed(bob, 1)
    grant(alice, "cloud_processing")
    grant(bob, "cloud_processing")
    record = ProcessingRecord.objects.filter(user=alice).first()
    client.force_login(moderator)
    page = client.get(reverse("admin:privacy_processingrecord_change", args=[record.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:privacy_consentevent_changelist")).status_code == 200
    assert (
        client.get(
            reverse("admin:privacy_consentevent_changelist") + f"?user__id__exact={bob.pk}"
        ).status_code
        == 200
    )
    whats = list(AccessLog.objects.filter(subject=alice).values_list("action", "what"))
    assert ("viewed", f"processing record {record.pk}") in whats
    assert ("listed", "list of consent events") in whats
    # The full list showed both; bob's filtered list only bob's rows.
    assert AccessLog.objects.filter(subject=alice, action="listed").count() == 1
    assert AccessLog.objects.filter(subject=bob, action="listed").count() == 2
    assert not AccessLog.objects.filter(subject=bob, action="viewed").exists()


def test_it_finds_the_owner_of_rows_that_hang_off_a_photo():
    from photos.models import AnalysisStep, Face, Photo, Tag
    from privacy.middleware import owner_path
    from suggestions.models import SuggestionPhoto

    assert owner_path(Photo) == "owner_id"
    assert owner_path(Face) == "owner_id"
    assert owner_path(Tag) == "photo__owner"
    assert owner_path(AnalysisStep) == "photo__owner"
    assert owner_path(SuggestionPhoto) in ("suggestion__owner", "photo__owner")
    assert owner_path(ConsentTerms) is None


def test_it_logs_a_change_made_by_staff(client, superuser, alice):
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "username": "alice",
            "email": "alice@example.net",
            "date_joined_0": alice.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": alice.date_joined.strftime("%H:%M:%S"),
            "is_active": "on",
            "groups": [],
            "user_permissions": [],
        }
    )
    data.pop("last_login", None)
    data.pop("consent_reviewed_at", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    alice.refresh_from_db()
    assert alice.email == "alice@example.net"
    actions = list(AccessLog.objects.filter(subject=alice).values_list("action", flat=True))
    assert actions.count("changed") == 1


def test_it_does_not_log_ordinary_users_or_staff_pages_without_user_data(client, alice, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:privacy_consentterms_changelist")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
    client.force_login(alice)
    client.get(reverse("privacy:index"))
    assert not AccessLog.objects.exists()


def test_it_logs_staff_setting_a_users_password(client, superuser, alice):
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"password1": "a new long passphrase 77", "password2": "a new long passphrase 77"},
    )
    assert response.status_code == 302
    log = AccessLog.objects.get(subject=alice)
    assert (log.action, log.what, log.actor_name) == ("changed", "password", "root")
