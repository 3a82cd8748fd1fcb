"""Benchmark: POST /api/v1/sync/check/ with 10,000 items in one request, for a user who
already has 5,000 photos (half the items are known, a tenth are outside the 30-day
window). Usage: python bench/sync_check.py [--items 10000] [--have 5000]"""

import argparse
import hashlib
import json
from datetime import timedelta

from _library_common import machine, setup_django, test_database, timed, write_section


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--have", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import Device
    from photos import ingest
    from photos.models import MediaType, Photo, TakenAtSource
    from privacy import consent

    with test_database():
        vendor = machine()
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        consent.grant(user, "camera_roll_sync")
        now = timezone.now()
        hashes = [hashlib.sha256(f"item-{i}".encode()).hexdigest() for i in range(args.items)]
        Photo.objects.bulk_create(
            [
                Photo(
                    owner=user, sha256=sha, original=f"u{user.pk}/o/{sha}.jpg", extension="jpg",
                    content_type="image/jpeg", media_type=MediaType.PHOTO, file_size=1,
                    taken_at=now, taken_at_source=TakenAtSource.EXIF,
                )
                for sha in hashes[: args.have]
            ],
            batch_size=2000,
        )  # fmt: skip
        items = [
            {
                "sha256": sha,
                "taken_at": (now - timedelta(days=45 if i % 10 == 0 else 1)).isoformat(),
                "device_asset_id": f"ASSET-{i}",
            }
            for i, sha in enumerate(hashes)
        ]
        body = json.dumps({"items": items})
        _, raw = Device.issue(user, "bench phone")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")

        def request():
            response = api.post("/api/v1/sync/check/", body, content_type="application/json")
            assert response.status_code == 200, response.content[:200]
            return response

        result = request().json()
        with CaptureQueriesContext(connection) as queries:
            request()
        query_count = len(queries)
        total_ms, runs = timed(request, args.repeat)
        parsed = ingest.parse_sync_items(items)
        parse_ms, _ = timed(lambda: ingest.parse_sync_items(items), args.repeat)
        service_ms, _ = timed(lambda: ingest.sync_check(user, parsed), args.repeat)

    text = f"""
## Sync check of {args.items:,} hashes in one request

Machine: {vendor}. The user has {args.have:,} photos; the request body is
{len(body) / 1e6:.1f} MB of JSON. Django test client with a device token, median of
{args.repeat} requests.

| | value |
|---|---:|
| whole request (auth, JSON parse, validation, queries, response) | {total_ms:.0f} ms |
| runs | {", ".join(f"{r:.0f}" for r in runs)} ms |
| validation of the items (`parse_sync_items`) | {parse_ms:.0f} ms |
| the service (`sync_check`: queries and window) | {service_ms:.0f} ms |
| SQL queries | {query_count} |
| answer: missing | {len(result["missing"]):,} |
| answer: outside the window | {len(result["outside_window"]):,} |

Hashes are looked up with `sha256__in` in chunks of up to 5,000 (fewer if the database
limits bound parameters), each chunk one query on the (owner, sha256) unique index.
"""
    write_section("sync_check", text)
    print(text)


if __name__ == "__main__":
    main()
