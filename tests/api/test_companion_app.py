"""The companion app, scripted against the API exactly as the phone uses it: register, get a
token, grant consent, check and upload 50 real photos, check again (nothing missing), wait
for the analysis, read people and suggestions, stop processing, upload one more and see it
is not analysed.

Two variants: on `make test` Celery is eager, so each upload is analysed when its request
commits; the `integration` variant runs the same script against real worker processes
(`make test-postgres`) and waits for them.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from photos.models import Face, Photo, Tag
from privacy.models import ProcessingRecord
from tests.api.camera_roll import camera_roll
from tests.conftest import PASSWORD

PROCESSING = ("cloud_processing", "camera_roll_sync", "face_analysis")


def _upload(api, item):
    return api.post(
        "/api/v1/photos/",
        {
            "file": SimpleUploadedFile(item.name, item.data, content_type="image/jpeg"),
            "taken_at": item.taken_at.isoformat(),
            "device_asset_id": item.device_asset_id,
        },
        format="multipart",
    )


def _settled(status: dict) -> bool:
    return status["pending"] == 0 and status["running"] == 0


def wait_for_analysis(api, *, timeout: float, poll: float) -> dict:
    """Poll /processing/status/ as the app does, until nothing is pending or running."""
    deadline = time.monotonic() + timeout
    while True:
        status = api.get("/api/v1/processing/status/").json()
        if _settled(status) or time.monotonic() > deadline:
            return status
        time.sleep(poll)


def run_companion_app(photos_dir, *, timeout: float, poll: float):
    api = APIClient()

    # 1. Register and get this phone's token.
    created = api.post(
        "/api/v1/auth/register/",
        {"username": "phone-owner", "email": "phone@example.org", "password": PASSWORD},
        format="json",
    )
    assert created.status_code == 201, created.content
    token = api.post(
        "/api/v1/auth/token/",
        {"username": "phone-owner", "password": PASSWORD, "device_name": "Pixel 9"},
        format="json",
    )
    assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert token.json()["device"]["name"] == "Pixel 9"

    # 2. Nothing is granted at first; sync is refused until it is.
    consent = api.get("/api/v1/consent/").json()
    assert not any(s["granted"] for s in consent["scopes"])
    roll = camera_roll(photos_dir, 50)
    items = [
        {
            "sha256": i.sha256,
            "taken_at": i.taken_at.isoformat(),
            "device_asset_id": i.device_asset_id,
        }
        for i in roll
    ]
    refused = api.post("/api/v1/sync/check/", {"items": items}, format="json")
    assert refused.status_code == 403
    assert "camera_roll_sync" in refused.json()["detail"]
    for scope in PROCESSING:
        changed = api.post("/api/v1/consent/", {"scope": scope, "granted": True}, format="json")
        assert changed.status_code == 200, changed.content
    granted = {s["scope"]: s["granted"] for s in api.get("/api/v1/consent/").json()["scopes"]}
    assert granted == {
        "cloud_processing": True,
        "camera_roll_sync": True,
        "face_analysis": True,
        "older_photos": False,
        "ai_training": False,
    }

    # 3. Check: everything is missing; a photo from two months ago is outside the window.
    old = {"sha256": "f" * 64, "taken_at": (datetime.now(UTC) - timedelta(days=60)).isoformat()}
    check = api.post("/api/v1/sync/check/", {"items": [*items, old]}, format="json").json()
    assert sorted(check["missing"]) == sorted(i.sha256 for i in roll)
    assert check["outside_window"] == ["f" * 64]

    # 4. Upload the 50; then the check finds nothing missing, and a re-upload is a no-op.
    ids = []
    for item in roll:
        response = _upload(api, item)
        assert response.status_code == 201, (item.name, response.content)
        body = response.json()
        assert body["sha256"] == item.sha256
        assert body["device_asset_id"] == item.device_asset_id
        ids.append(body["id"])
    again = api.post("/api/v1/sync/check/", {"items": items}, format="json").json()
    assert again == {"missing": [], "outside_window": []}
    duplicate = _upload(api, roll[0])
    assert duplicate.status_code == 200
    assert duplicate.json()["id"] == ids[0]
    assert Photo.objects.filter(owner__username="phone-owner").count() == 50

    # 5. Wait for the analysis, as the app does, by polling the status.
    status = wait_for_analysis(api, timeout=timeout, poll=poll)
    assert status["total"] == 50
    assert status["done"] == 50, status
    photo = api.get(f"/api/v1/photos/{ids[0]}/").json()
    assert photo["analysis_status"] == "done"
    assert api.get(photo["thumbnail_url"]).status_code == 200

    # 6. People found in the faces, and one renamed.
    # Grouping faces into people runs once the queue has drained: poll as for suggestions.
    people = _when_ready(api, "/api/v1/people/", timeout=timeout, poll=poll)
    assert people, "no person was formed from 50 photos with repeated faces"
    assert all(p["face_count"] >= 3 for p in people)
    renamed = api.patch(f"/api/v1/people/{people[0]['id']}/", {"name": "Barack"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Barack"
    in_photos = api.get(f"/api/v1/people/{people[0]['id']}/photos/").json()["results"]
    assert {p["id"] for p in in_photos} <= set(ids) and in_photos

    # 7. Suggestions, generated on demand, with their rendered images.
    assert api.post("/api/v1/suggestions/generate/").status_code == 202
    suggestions = _when_ready(api, "/api/v1/suggestions/", timeout=timeout, poll=poll)
    assert suggestions, "no suggestion from 50 analysed photos in bursts"
    for listed in suggestions:
        assert set(listed["photo_ids"]) <= set(ids)
    rendered = [s for s in suggestions if s["image_url"]]
    assert rendered, "no suggestion has a rendered image"
    detail = api.get(f"/api/v1/suggestions/{rendered[0]['id']}/").json()
    image = api.get(detail["image_url"])
    assert image.status_code == 200
    body = b"".join(image.streaming_content) if image.streaming else image.content
    assert body[:3] == b"\xff\xd8\xff" or body[:4] == b"RIFF", body[:8]

    # 8. Stop processing: every processing scope is revoked at once.
    stopped = api.post("/api/v1/privacy/stop-processing/")
    assert stopped.status_code == 200
    assert not any(s["granted"] for s in stopped.json()["scopes"])

    # 9. Sync is refused now; allowed again (sync only), one more photo is stored, but
    # nothing analyses it.
    extra = camera_roll(photos_dir, 51)[50]
    assert _upload(api, extra).status_code == 403
    api.post("/api/v1/consent/", {"scope": "camera_roll_sync", "granted": True}, format="json")
    stored = _upload(api, extra)
    assert stored.status_code == 201, stored.content
    extra_id = stored.json()["id"]
    status = wait_for_analysis(api, timeout=timeout, poll=poll)
    assert status["total"] == 51
    assert status["done"] == 50
    photo = api.get(f"/api/v1/photos/{extra_id}/").json()
    assert photo["analysis_status"] != "done"
    assert not Face.objects.filter(photo_id=extra_id).exists()
    assert not Tag.objects.filter(photo_id=extra_id).exists()
    log = api.get("/api/v1/privacy/analysis/", {"photo": extra_id}).json()["results"]
    assert all(r["outcome"] != "done" or r["step"] == "derivatives" for r in log), log
    assert not ProcessingRecord.objects.filter(
        photo_ref=extra_id, outcome="done", step__in=["faces", "scenes", "quality", "duplicates"]
    ).exists()
    return ids


def _when_ready(api, url, *, timeout, poll):
    deadline = time.monotonic() + timeout
    while True:
        results = api.get(url).json()["results"]
        if results or time.monotonic() > deadline:
            return results
        time.sleep(poll)


# Serialized rollback: the data migrations' consent terms must survive other transactional
# tests' flushes, and the tests after this one must find them too.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_companion_app_syncs_50_photos_and_stops_processing(photos_dir):
    # Eager Celery: each upload is analysed when its request commits, so no waiting.
    run_companion_app(photos_dir, timeout=0, poll=0)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_companion_app_against_real_workers(photos_dir, celery_worker_process):
    run_companion_app(photos_dir, timeout=600, poll=1.0)
