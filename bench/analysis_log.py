"""Benchmark: the "what was analysed" log at 1,000 and 1,000,000 records, through the API
(cursor pages) and the privacy page's listing (older/newer links): the first page and the
page 200 pages deep, with their query counts. Results: the "analysis_log" section of
RESULTS-erasure.md.

Usage (PostgreSQL, as deployed; SQLite if DATABASE_URL is unset):
env $(TEST_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc \
    .venv/bin/python bench/analysis_log.py --records 1000000
"""

import argparse
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from _library_common import ROOT, machine, replace_section, setup_django, test_database, timed

RESULTS = ROOT / "bench" / "RESULTS-erasure.md"
HEADER = (
    "# Erasure benchmarks\n\nWritten by `bench/erasure_batches.py` and "
    "`bench/analysis_log.py` (see bench/README.md, rows 17 and 18). Each rewrites its own "
    "section.\n"
)
DEPTH = 100  # pages


def add_records(user, count: int, start: int) -> None:
    from privacy.models import ProcessingRecord

    base = datetime(2020, 1, 1, tzinfo=UTC)
    for first in range(start, count, 10_000):
        ProcessingRecord.objects.bulk_create(
            ProcessingRecord(
                user=user,
                photo_ref=i // 4 + 1,
                photo_name=f"{i // 4}.jpg",
                step=("derivatives", "scenes", "faces", "quality")[i % 4],
                started_at=base + timedelta(seconds=i),
                finished_at=base + timedelta(seconds=i),
                outcome="done",
                summary="tags: dog 0.50",
            )
            for i in range(first, min(count, first + 10_000))
        )


def measure(client, api, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def deep_api():
        url = "/api/v1/privacy/analysis/"
        for _ in range(DEPTH):
            url = api.get(url).json()["next"]
        return url

    def deep_page():
        url = "/privacy/?"
        for _ in range(DEPTH):
            html = client.get(url).content.decode()
            url = "/privacy/?older=" + unquote(html.split("older=")[1].split("#")[0])
        return url

    rows = {}
    for label, method, first, deep in (
        ("API", api.get, "/api/v1/privacy/analysis/", deep_api),
        ("privacy page", client.get, "/privacy/", deep_page),
    ):
        deep_url = deep()
        for where, url in (("first page", first), (f"page {DEPTH + 1}", deep_url)):
            method(url)  # warm
            with CaptureQueriesContext(connection) as queries:
                response = method(url)
            assert response.status_code == 200, (url, response.status_code)
            # Read now: the next request's start clears the connection's query log.
            count = len(queries)
            counts = [q["sql"] for q in queries if "privacy_processingrecord" in q["sql"]]
            median, _ = timed(lambda m=method, u=url: m(u), repeat)
            rows[f"{label}, {where}"] = (count, median, counts)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.test import APIClient

    loads = [os.getloadavg()[0]]
    with test_database():
        vendor = machine()
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        client = Client()
        client.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        results = {}
        done = 0
        for size in (10_000, args.records):
            add_records(user, size, done)
            done = size
            loads.append(os.getloadavg()[0])
            results[size] = measure(client, api, args.repeat)
            loads.append(os.getloadavg()[0])

    small, large = results[10_000], results[args.records]

    def counted(sql) -> str:
        return "COUNT" if any('"__count"' in q for q in sql) else "none"

    lines = "\n".join(
        f"| {label} | {small[label][0]} | {large[label][0]} | {small[label][1]:.0f} ms | "
        f"**{large[label][1]:.0f} ms** | {counted(large[label][2])} |"
        for label in small
    )
    size = f"{args.records:,}"
    body = f"""
## The analysis log at 10,000 and {args.records:,} records

`bench/analysis_log.py --records {args.records}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.
Machine: {vendor}. One user's log, bulk-created; 50 records a page; a deep page is reached
by following `next` (API) or "Older" (page) {DEPTH} times. Medians of {args.repeat}.
Load average (1 min) during the run: {", ".join(f"{v:.1f}" for v in loads)}.

| request | queries at 10,000 | at {size} | time at 10,000 | at {size} | a COUNT of the log |
|---|---|---|---|---|---|
{lines}

The privacy page's time includes its totals (by outcome and step), which group every record
of the user: that part grows with the log; the listing does not.
"""
    replace_section(RESULTS, "analysis_log", body, HEADER)
    print(body)


if __name__ == "__main__":
    main()
