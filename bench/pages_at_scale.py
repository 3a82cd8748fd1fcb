"""Benchmark: the pages and APIs of one user at 1,000 and at 100,000 photos (200,000 faces),
queries per request and server time (results: the "pages_at_scale" section of
RESULTS-library.md).

Rows are bulk-created without files (the pages read rows only): photos with themes
(bench/library_queries.add_rows), two faces per photo spread over 300 people, one
processing record per photo, 40 suggestions of 12 photos. Usage:
env $(TEST_ENV) .venv/bin/python bench/pages_at_scale.py [--photos 100000] [--repeat 3]
"""

import argparse
import random
from datetime import UTC, datetime

from _library_common import machine, setup_django, test_database, timed, write_section
from library_queries import add_rows

PEOPLE = 300


def add_analysis(user, rng: random.Random) -> None:
    """Faces, people, records and suggestions for the photos that have none yet."""
    from photos.models import Face, Person, Photo
    from privacy.models import ProcessingRecord
    from suggestions.models import Suggestion, SuggestionPhoto

    people = list(Person.objects.filter(owner=user))
    if not people:
        people = Person.objects.bulk_create(
            Person(owner=user, name=f"Person {i}", pack="bench@1") for i in range(PEOPLE)
        )
    embedding = bytes(512)
    done = set(Face.objects.filter(owner=user).values_list("photo_id", flat=True).distinct())
    ids = list(Photo.objects.filter(owner=user).values_list("pk", flat=True))
    new = [pk for pk in ids if pk not in done]
    for start in range(0, len(new), 5000):
        chunk = new[start : start + 5000]
        Face.objects.bulk_create(
            Face(
                owner=user,
                photo_id=pk,
                person=rng.choice(people),
                x1=x,
                y1=10,
                x2=x + 50,
                y2=60,
                landmarks=[[1, 2]] * 5,
                det_score=0.9,
                embedding=embedding,
                pack="bench@1",
                dim=128,
            )
            for pk in chunk
            for x in (10, 100)
        )
        now = datetime(2026, 1, 1, tzinfo=UTC)
        ProcessingRecord.objects.bulk_create(
            ProcessingRecord(
                user=user,
                photo_ref=pk,
                step="faces",
                outcome="done",
                summary="2 faces",
                started_at=now,
                finished_at=now,
            )
            for pk in chunk
        )
    for person in people:
        faces = Face.objects.filter(person=person)
        Person.objects.filter(pk=person.pk).update(
            face_count=faces.count(), cover_face=faces.order_by("pk").first()
        )
    count = Suggestion.objects.filter(owner=user).count()
    for i in range(count, count + 20):
        suggestion = Suggestion.objects.create(
            owner=user, kind="collage", key=f"bench-{i}", title=f"Bench {i}"
        )
        SuggestionPhoto.objects.bulk_create(
            SuggestionPhoto(suggestion=suggestion, photo_id=pk, position=p)
            for p, pk in enumerate(rng.sample(ids, 12))
        )


def measure(client, api, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from photos.models import Person

    person = Person.objects.order_by("-face_count").first()
    hashes = [{"sha256": f"{i:064x}"} for i in range(1000)]
    requests = {
        "library (timeline), first page": (client.get, "/library/", None),
        "people": (client.get, "/library/people/", None),
        "a person (largest)": (client.get, f"/library/people/{person.pk}/", None),
        "suggestions feed": (client.get, "/suggestions/", None),
        "privacy page and log": (client.get, "/privacy/", None),
        "API people": (api.get, "/api/v1/people/", None),
        "API a person's photos": (api.get, f"/api/v1/people/{person.pk}/photos/", None),
        "API analysis log": (api.get, "/api/v1/privacy/analysis/", None),
        "API sync check, 1,000 hashes": (api.post, "/api/v1/sync/check/", {"items": hashes}),
    }
    results = {}
    for label, (method, url, body) in requests.items():
        kwargs = {"data": body, "format": "json"} if body is not None else {}
        method(url, **kwargs)  # warm
        with CaptureQueriesContext(connection) as queries:
            response = method(url, **kwargs)
        count = len(queries)
        assert response.status_code == 200, (url, response.status_code)
        median, _ = timed(lambda m=method, u=url, k=kwargs: m(u, **k), repeat)
        results[label] = (count, median)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.test import APIClient

    from privacy import consent
    from privacy.models import Scope

    rng = random.Random(16)
    with test_database():
        from django.db import connection

        vendor = machine()
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        for scope in (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS, Scope.CAMERA_ROLL_SYNC):
            consent.grant(user, scope)
        client = Client()
        client.force_login(user)
        api = APIClient()
        api.force_authenticate(user)
        add_rows(user, 0, 1000, rng)
        add_analysis(user, rng)
        small = measure(client, api, args.repeat)
        add_rows(user, 1000, args.photos - 1000, rng)
        add_analysis(user, rng)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        large = measure(client, api, args.repeat)
        from photos.models import Face

        faces = Face.objects.count()

    n = f"{args.photos:,}"
    lines = [
        f"| {label} | {small[label][0]} | {large[label][0]} | {small[label][1]:.0f} "
        f"| {large[label][1]:.0f} |"
        for label in small
    ]
    constant = [label for label in small if small[label][0] != large[label][0]]
    body = f"""
## Pages and APIs at 1,000 and {n} photos ({faces:,} faces)

`bench/pages_at_scale.py --photos {args.photos} --repeat {args.repeat}` on
{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {vendor}. Django test client (pages) and
DRF's test client (API), one user with {PEOPLE} people, 2 faces and 1 processing record per
photo, 40 suggestions; median of {args.repeat} requests after one warm-up (server time, no
network).

| request | queries at 1,000 | queries at {n} | ms at 1,000 | ms at {n} |
|---|---:|---:|---:|---:|
{chr(10).join(lines)}

Query counts that change with the library: {", ".join(constant) if constant else "none"}.
"""
    write_section("pages_at_scale", body)
    print(body)


if __name__ == "__main__":
    main()
