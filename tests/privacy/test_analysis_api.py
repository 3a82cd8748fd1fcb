"""GET /api/v1/privacy/analysis/: the processing log, owner-scoped, filterable, paginated."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from photos.models import Photo
from privacy.models import Outcome, ProcessingRecord
from privacy.records import record_skipped, record_step

pytestmark = pytest.mark.django_db

URL = "/api/v1/privacy/analysis/"


def test_it_lists_records_with_the_contract_fields(alice, make_analysed, api_client_for):
    photo = make_analysed(alice, 1)[0]
    started = timezone.now() - timedelta(seconds=5)
    record_step(
        alice,
        photo,
        "faces",
        outcome=Outcome.DONE,
        started_at=started,
        model_name="buffalo_l",
        model_version="w600k_r50",
        summary="3 faces detected, 3 embeddings stored",
    )
    body = api_client_for(alice).get(URL).json()
    assert len(body["results"]) == 3 and body["next"] is None
    newest = next(r for r in body["results"] if r["summary"].startswith("3 faces"))
    assert {"photo", "step", "model", "started_at", "finished_at", "outcome", "summary"} <= set(
        newest
    )
    assert newest["photo"] == photo.pk
    assert newest["step"] == "faces"
    assert newest["model"] == "buffalo_l w600k_r50"
    assert newest["outcome"] == "done"
    assert newest["summary"] == "3 faces detected, 3 embeddings stored"
    assert newest["finished_at"] >= newest["started_at"]


def test_it_filters_by_photo_and_step_and_shows_skips_with_their_reason(
    alice, make_analysed, api_client_for
):
    _first, second = make_analysed(alice, 2)
    record_skipped(alice, second, "faces", "face_analysis")
    api = api_client_for(alice)
    by_photo = api.get(URL, {"photo": second.pk}).json()
    assert len(by_photo["results"]) == 3
    assert {r["photo"] for r in by_photo["results"]} == {second.pk}
    faces = api.get(URL, {"step": "faces"}).json()
    assert len(faces["results"]) == 3
    skipped = [r for r in faces["results"] if r["outcome"] == "skipped"]
    assert len(skipped) == 1 and skipped[0]["scope_missing"] == "face_analysis"


def test_it_filters_by_date(alice, make_analysed, api_client_for):
    make_analysed(alice, 1)
    old = ProcessingRecord.objects.filter(user=alice).first()
    ProcessingRecord.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - timedelta(days=10)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert len(api_client_for(alice).get(URL, {"since": since}).json()["results"]) == 1
    assert len(api_client_for(alice).get(URL, {"until": since}).json()["results"]) == 1


def test_records_of_a_deleted_photo_stay_readable(alice, make_analysed, api_client_for):
    photo = make_analysed(alice, 1)[0]
    pk = photo.pk
    Photo.objects.filter(pk=pk).delete()
    body = api_client_for(alice).get(URL, {"photo": pk}).json()
    assert len(body["results"]) == 2 and body["results"][0]["photo"] == pk


def test_another_users_photo_is_404_and_their_records_never_show(
    alice, bob, make_analysed, api_client_for
):
    make_analysed(alice, 1)
    bob_photo = make_analysed(bob, 1)[0]
    api = api_client_for(alice)
    response = api.get(URL, {"photo": bob_photo.pk})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert all(r["photo"] != bob_photo.pk for r in api.get(URL).json()["results"])


def test_bad_filters_are_400(alice, api_client_for):
    api = api_client_for(alice)
    assert api.get(URL, {"photo": "abc"}).json()["code"] == "invalid"
    assert api.get(URL, {"since": "yesterday"}).status_code == 400


def test_anonymous_is_401():
    assert APIClient().get(URL).status_code == 401


def test_it_is_paginated_with_constant_queries(alice, api_client_for):
    api = api_client_for(alice)

    def make(n):
        ProcessingRecord.objects.bulk_create(
            [
                ProcessingRecord(
                    user=alice, step="scenes", started_at=timezone.now(), outcome="done"
                )
                for _ in range(n)
            ]
        )

    make(3)
    api.get(URL)  # the first call also notes the device's last use
    with CaptureQueriesContext(connection) as small:
        api.get(URL)
    make(300)
    with CaptureQueriesContext(connection) as large:
        body = api.get(URL).json()
    assert "count" not in body and len(body["results"]) == 50 and body["next"]
    assert len(large.captured_queries) == len(small.captured_queries)
    # Nothing counts the log, and no page skips over the records before it.
    sql = [q["sql"] for q in large.captured_queries if "privacy_processingrecord" in q["sql"]]
    assert sql and not [q for q in sql if '"__count"' in q or " OFFSET " in q]


def test_next_walks_the_whole_log_once_newest_first(alice, api_client_for):
    start = timezone.now()
    ProcessingRecord.objects.bulk_create(
        [
            ProcessingRecord(
                user=alice,
                step="scenes",
                # Three records share each start time: the cursor must not lose ties.
                started_at=start - timedelta(seconds=i // 3),
                outcome="done",
                summary=f"r{i}",
            )
            for i in range(125)
        ]
    )
    api, seen, url = api_client_for(alice), [], URL
    while url:
        body = api.get(url, {"page_size": 20} if url == URL else None).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 125
    times = list(ProcessingRecord.objects.filter(pk__in=seen).values_list("pk", "started_at"))
    by_id = dict(times)
    assert [by_id[pk] for pk in seen] == sorted(by_id.values(), reverse=True)
    assert api.get(URL, {"cursor": "not-a-cursor"}).status_code == 404
