"""Benchmark: the library page with 1,000 and then 50,000 photos of one user: queries per
page and server time, first page, a deep page and filtered pages. Rows are bulk-created
without files (the page reads rows only). Usage: python bench/library_queries.py [--photos N]
"""

import argparse
import hashlib
import random
from datetime import UTC, datetime, timedelta

from _library_common import machine, setup_django, test_database, timed, write_section


def add_rows(user, start_index: int, count: int, rng: random.Random):
    from photos.models import MediaType, Photo, PhotoTheme, TakenAtSource, Theme

    end = datetime(2026, 11, 1, tzinfo=UTC)
    batch, themes = [], []
    for i in range(start_index, start_index + count):
        has_gps = rng.random() < 0.4
        batch.append(
            Photo(
                owner=user,
                sha256=hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
                original=f"u{user.pk}/originals/{i}.jpg",
                thumbnail=f"u{user.pk}/derived/{i}_thumbnail.webp",
                extension="jpg",
                content_type="image/jpeg",
                media_type=MediaType.PHOTO,
                file_size=3_000_000,
                width=4000,
                height=3000,
                taken_at=end - timedelta(minutes=rng.randrange(0, 5 * 365 * 24 * 60)),
                taken_at_source=TakenAtSource.EXIF,
                taken_at_offset=rng.choice([None, 60, 120, -300]),
                latitude=45.76 + rng.uniform(-2, 2) if has_gps else None,
                longitude=4.83 + rng.uniform(-2, 2) if has_gps else None,
                analysis_status="done",
            )
        )
        if len(batch) == 2000:
            themes += _flush(batch, rng)
    themes += _flush(batch, rng)
    PhotoTheme.objects.bulk_create(
        [PhotoTheme(owner=user, photo_id=pk, theme=rng.choice(Theme.values)) for pk in themes],
        batch_size=2000,
    )


def _flush(batch, rng):
    from photos.models import Photo

    created = Photo.objects.bulk_create(batch, batch_size=2000)
    batch.clear()
    return [p.pk for p in created if rng.random() < 0.3]


def measure(client, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from photos.models import Photo
    from photos.views import encode_cursor

    user_photos = Photo.objects.order_by("-taken_at", "-id")
    deep = user_photos[int(user_photos.count() * 0.8)]
    pages = {
        "first page": {},
        "page at 80% depth (cursor)": {"cursor": encode_cursor(deep)},
        "theme filter": {"theme": "food"},
        "date range (one year)": {"date_from": "2024-01-01", "date_to": "2024-12-31"},
        "near a place, 20 km": {"near": "45.76,4.83,20"},
    }
    results = {}
    for label, params in pages.items():
        client.get("/library/", params)  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/library/", params)
        count = len(queries)  # now: the next request resets the connection's query log
        assert response.status_code == 200, response.status_code
        shown = sum(len(day.photos) for day in response.context["days"])
        median, _ = timed(lambda p=params: client.get("/library/", p), repeat)
        results[label] = (count, median, shown)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from photos.views import PAGE_SIZE

    rng = random.Random(4)
    with test_database():
        from django.db import connection

        vendor = machine()
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        client = Client()
        client.force_login(user)
        add_rows(user, 0, 1000, rng)
        small = measure(client, args.repeat)
        add_rows(user, 1000, args.photos - 1000, rng)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        large = measure(client, args.repeat)

    lines = [
        f"| {label} | {small[label][0]} | {large[label][0]} | {small[label][1]:.0f} "
        f"| {large[label][1]:.0f} | {large[label][2]} |"
        for label in small
    ]
    table = "\n".join(lines)
    constant = all(small[k][0] == large[k][0] for k in small)
    n = f"{args.photos:,}"
    body = f"""
## Library page with 1,000 and {args.photos:,} photos

Machine: {vendor}. Django test client, one user, {PAGE_SIZE} photos per page, median of
{args.repeat} requests after one warm-up (server time: view + template, no network).

| page | queries at 1,000 | queries at {n} | ms at 1,000 | ms at {n} | photos shown at {n} |
|---|---:|---:|---:|---:|---:|
{table}

Query count independent of the number of photos: **{"yes" if constant else "NO"}**.
Pages use keyset pagination on the (owner, -taken_at, -id) index, so a deep page costs
what the first one does; theme and person filters are EXISTS subqueries.
"""
    write_section("library_queries", body)
    print(body)


if __name__ == "__main__":
    main()
