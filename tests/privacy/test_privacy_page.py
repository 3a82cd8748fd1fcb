"""The privacy page: toggles, stop-all, history, the analysis log, and its query count."""

from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from photos.models import Photo
from privacy import consent
from privacy.models import AccessLog, ConsentEvent, Outcome, ProcessingRecord
from privacy.records import record_skipped, record_step
from tests.privacy.conftest import bulk_photos

pytestmark = pytest.mark.django_db

INDEX = "/privacy/"
SECTIONS = [
    b'id="scopes"',
    b'id="stop-all"',
    b'id="history"',
    b'id="analysis"',
    b'id="access"',
    b'id="export"',
    b'id="delete"',
]


def section(response, anchor: str) -> bytes:
    return response.content.split(f'id="{anchor}"'.encode())[1].split(b"</section>")[0]


def test_it_needs_a_login(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_renders_every_section(alice_client):
    response = alice_client.get(INDEX)
    assert response.status_code == 200
    for anchor in SECTIONS:
        assert anchor in response.content, anchor


def test_the_toggles_grant_and_revoke_one_scope(alice_client, alice):
    url = reverse("privacy:scope", args=["older_photos"])
    assert alice_client.post(url, {"action": "grant"}).status_code == 302
    assert consent.allows(alice, "older_photos")
    assert not consent.allows(alice, "cloud_processing")
    assert alice_client.post(url, {"action": "revoke"}).status_code == 302
    assert not consent.allows(alice, "older_photos")


@pytest.mark.parametrize(
    ("scope", "action", "message"),
    [
        ("telepathy", "grant", "Unknown scope"),
        ("face_analysis", "revoke", "not granted"),
        ("face_analysis", "dance", "Choose to allow or to stop"),
    ],
)
def test_bad_toggles_are_form_errors_and_leave_the_ledger_alone(
    alice_client, alice, scope, action, message
):
    response = alice_client.post(
        reverse("privacy:scope", args=[scope]), {"action": action}, follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ConsentEvent.objects.filter(user=alice).exists()


def test_a_double_grant_is_the_same_answer(alice_client, alice):
    url = reverse("privacy:scope", args=["ai_training"])
    alice_client.post(url, {"action": "grant"})
    response = alice_client.post(url, {"action": "grant"}, follow=True)
    assert response.status_code == 200
    assert "Allowed: " in response.content.decode()
    assert ConsentEvent.objects.filter(user=alice).count() == 1


def test_the_toggles_only_accept_post(alice_client):
    response = alice_client.get(reverse("privacy:scope", args=["ai_training"]))
    assert response.status_code == 405


def test_stop_all_revokes_everything_and_asks_about_the_photos(alice_client, alice, grant):
    grant(alice, "cloud_processing", "face_analysis", "camera_roll_sync")
    response = alice_client.post(reverse("privacy:stop-all"))
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:retention")
    assert not any(s.granted for s in consent.states(alice).values())
    page = alice_client.get(INDEX)
    assert b'id="retention-prompt"' in page.content


def test_the_history_is_a_timeline_of_grants_and_revocations(alice_client, alice, grant):
    grant(alice, "face_analysis")
    consent.revoke(alice, "face_analysis")
    timeline = section(alice_client.get(INDEX), "history")
    assert timeline.count(b"<li>") == 2
    assert b"Granted" in timeline and b"Revoked" in timeline
    assert b"terms v1" in timeline
    # Newest first.
    assert timeline.index(b"Revoked") < timeline.index(b"Granted")


def test_the_analysis_log_shows_each_step_with_model_times_outcome_and_summary(
    alice_client, alice, bob, make_analysed
):
    photos = make_analysed(alice, 2)
    make_analysed(bob, 1)
    record_skipped(alice, photos[0], "faces", "face_analysis")
    log = section(alice_client.get(INDEX), "analysis")
    assert log.count(b"<tr>") == 1 + 5  # header + 4 done + 1 skipped
    assert b"1 face detected, 1 embedding stored" in log
    assert b"tags: seashore 0.73" in log
    assert b"mobilenetv2-12-int8" in log and b"buffalo_l" in log
    assert f"#{photos[0].pk}".encode() in log
    assert b"5</strong> steps" in log
    assert b"1 because <strong>face_analysis</strong> was not granted" in log
    bob_photo = Photo.objects.get(owner=bob)
    assert f"#{bob_photo.pk}".encode() not in log


def test_the_analysis_log_filters_by_photo_step_and_date(alice_client, alice, make_analysed):
    photos = make_analysed(alice, 3)
    old = ProcessingRecord.objects.filter(photo_ref=photos[2].pk, step="scenes").get()
    ProcessingRecord.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - timedelta(days=10)
    )

    by_photo = section(alice_client.get(INDEX, {"photo": photos[1].pk}), "analysis")
    assert by_photo.count(b"<tr>") == 1 + 2
    assert b"2</strong> steps" in by_photo

    by_step = section(alice_client.get(INDEX, {"step": "faces"}), "analysis")
    assert by_step.count(b"<tr>") == 1 + 3
    assert b"tags: seashore" not in by_step

    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    recent = section(alice_client.get(INDEX, {"since": since}), "analysis")
    assert recent.count(b"<tr>") == 1 + 5
    until = (timezone.now() - timedelta(days=5)).date().isoformat()
    older = section(alice_client.get(INDEX, {"until": until}), "analysis")
    assert older.count(b"<tr>") == 1 + 1

    junk = alice_client.get(INDEX, {"photo": "abc", "since": "yesterday", "page": "x"})
    assert junk.status_code == 200
    assert section(junk, "analysis").count(b"<tr>") == 1 + 6


def test_the_analysis_log_is_paginated(alice_client, alice):
    start = timezone.now()
    ProcessingRecord.objects.bulk_create(
        [
            ProcessingRecord(
                user=alice,
                step="scenes",
                started_at=start - timedelta(seconds=i),
                outcome=Outcome.DONE,
                summary=f"record {i}",
            )
            for i in range(120)
        ]
    )
    first = alice_client.get(INDEX)
    log = section(first, "analysis")
    assert log.count(b"<tr>") == 1 + 50
    assert b"120</strong> steps" in log and b">Newer<" not in log
    pages = [log]
    while b">Older<" in pages[-1]:
        older = pages[-1].split(b"older=")[1].split(b"#")[0].decode()
        pages.append(section(alice_client.get(INDEX, {"older": unquote(older)}), "analysis"))
    assert [p.count(b"<tr>") - 1 for p in pages] == [50, 50, 20]
    last = pages[-1]
    assert b"record 119" in last and b"record 0<" not in last and b">Newer<" in last
    # Back, one page newer than the last: the middle page again.
    newer = last.split(b"newer=")[1].split(b"#")[0].decode()
    middle = section(alice_client.get(INDEX, {"newer": unquote(newer)}), "analysis")
    assert b"record 50<" in middle and b"record 99<" in middle and b"record 100<" not in middle
    # A cursor that is not one is the first page, not an error.
    assert alice_client.get(INDEX, {"older": "yesterday_x"}).status_code == 200


def test_the_log_listing_counts_nothing(alice_client, alice):
    """The page's totals group the records; the listing itself neither counts them nor
    skips over them with OFFSET (a page number did both)."""
    ProcessingRecord.objects.bulk_create(
        [
            ProcessingRecord(
                user=alice, step="scenes", started_at=timezone.now(), outcome=Outcome.DONE
            )
            for _ in range(60)
        ]
    )
    first = section(alice_client.get(INDEX), "analysis")
    older = unquote(first.split(b"older=")[1].split(b"#")[0].decode())
    with CaptureQueriesContext(connection) as ctx:
        alice_client.get(INDEX, {"older": older})
    log_queries = [q["sql"] for q in ctx.captured_queries if "privacy_processingrecord" in q["sql"]]
    assert not [q for q in log_queries if '"__count"' in q or " OFFSET " in q]


def populate(user, photos_dir, n_photos, n_records):
    from tests.factories import make_photo

    template = make_photo(user, photos_dir / "scenes/ibm_dog.jpg")
    bulk_photos(user, template, n_photos - 1)
    ids = list(Photo.objects.filter(owner=user).values_list("pk", flat=True))
    now = timezone.now()
    ProcessingRecord.objects.bulk_create(
        [
            ProcessingRecord(
                user=user,
                photo_ref=ids[i % len(ids)],
                step=("faces", "scenes", "quality")[i % 3],
                model_name="m",
                started_at=now - timedelta(seconds=i),
                finished_at=now,
                outcome=(Outcome.DONE, Outcome.SKIPPED)[i % 2],
                scope_missing="" if i % 2 == 0 else "face_analysis",
            )
            for i in range(n_records)
        ]
    )
    AccessLog.objects.bulk_create(
        [
            AccessLog(subject=user, actor_name="mod", action="viewed", what=f"photo {i}", path="/")
            for i in range(min(n_records, 80))
        ]
    )
    for _ in range(min(n_records, 30)):
        consent.grant(user, "older_photos")
        consent.revoke(user, "older_photos")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    for anchor in SECTIONS:
        assert anchor in response.content
    return len(ctx.captured_queries)


def test_the_page_query_count_does_not_grow_with_photos_and_records(
    client, alice, bob, photos_dir, make_analysed
):
    populate(alice, photos_dir, 3, 4)
    populate(bob, photos_dir, 300, 900)
    make_analysed(bob, 2)
    client.force_login(alice)
    small = count_queries(client, INDEX)
    client.force_login(bob)
    large = count_queries(client, INDEX)
    assert Photo.objects.filter(owner=bob).count() >= 300
    assert ProcessingRecord.objects.filter(user=bob).count() >= 900
    assert large == small
    # A filtered, later page costs the same too.
    page = client.get(INDEX + "?step=faces").content
    older = unquote(page.split(b"older=")[1].split(b"#")[0].decode())
    assert count_queries(client, INDEX + "?step=faces&older=" + quote(older)) == small


def test_a_user_never_sees_another_users_records_through_the_filters(
    alice_client, bob, make_analysed
):
    bob_photo = make_analysed(bob, 1)[0]
    record_step(bob, bob_photo, "scenes", outcome=Outcome.DONE, summary="secret of bob")
    response = alice_client.get(INDEX, {"photo": bob_photo.pk})
    assert b"secret of bob" not in response.content
    assert b"0</strong> steps" in section(response, "analysis")
