"""Benchmark: the timeline's first paint with 50,000 photos of one user: server time,
query count and bytes of HTML (+ JSON, + the page's CSS and scripts) for the first screen,
then the next page infinite scroll fetches, and the scrubber's grouped query alone.
Rows are bulk-created without files (the page reads rows only).
Usage: python bench/timeline.py [--photos N]
"""

import argparse
import gzip
import random

from _library_common import ROOT, machine, setup_django, test_database, timed, write_section
from library_queries import add_rows

STATIC = [
    "css/app.css",
    "css/viewer.css",
    "js/library.js",
    "js/timeline.js",
    "js/focus.js",
    "js/viewer.js",
    "js/search.js",
]


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)
    assert response.status_code == 200, response.status_code
    html = response.content
    median, _ = timed(lambda: client.get(url), repeat)
    return {
        "queries": count,
        "ms": median,
        "bytes": len(html),
        "gzip": len(gzip.compress(html)),
        "photos": sum(len(d.photos) for d in response.context["days"]),
        "next": response.context["next_query"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from photos.models import Photo
    from photos.timeline import scrubber
    from photos.views import PAGE_SIZE

    rng = random.Random(14)
    with test_database():
        from django.db import connection

        vendor = machine()
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        client = Client()
        client.force_login(user)
        add_rows(user, 0, args.photos, rng)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        first = measure(client, "/library/", args.repeat)
        more = measure(client, f"/library/?{first['next']}", args.repeat)
        jump = measure(client, "/library/?month=2024-03", args.repeat)
        every = Photo.objects.for_owner(user).live()
        scrub_ms, _ = timed(lambda: scrubber(every), args.repeat)
        months = sum(len(y.months) for y in scrubber(every))

    static = {name: (ROOT / "static" / name).read_bytes() for name in STATIC}
    static_bytes = sum(len(b) for b in static.values())
    static_gzip = sum(len(gzip.compress(b)) for b in static.values())
    rows = [
        ("first screen, `/library/`", first),
        ("next page (infinite scroll)", more),
        ("scrubber jump, `?month=2024-03`", jump),
    ]
    table = "\n".join(
        f"| {label} | {r['queries']} | {r['ms']:.0f} | {r['bytes']:,} | {r['gzip']:,} "
        f"| {r['photos']} |"
        for label, r in rows
    )
    n = f"{args.photos:,}"
    body = f"""
## Timeline first paint with {n} photos

Machine: {vendor}. Django test client, one user with {n} photos over five years,
{PAGE_SIZE} photos per page, median of {args.repeat} requests after one warm-up (server
time: view + template, no network). The timeline is server-rendered: the first screen needs
**no JSON** (0 bytes); its layout is done in the browser by `static/js/timeline.js` from the
aspect ratio on each tile.

| request | queries | ms | HTML bytes | HTML gzip | photos |
|---|---:|---:|---:|---:|---:|
{table}

The scrubber's grouped query (years and months with counts, {months} months): {scrub_ms:.0f} ms
of the first screen's time; infinite scroll does not repeat it (one query fewer).
CSS and scripts of the page, cached after the first visit: {static_bytes:,} bytes
({static_gzip:,} gzipped). Thumbnails are not counted (the rows have no files here).
"""
    write_section("timeline", body)
    print(body)


if __name__ == "__main__":
    main()
