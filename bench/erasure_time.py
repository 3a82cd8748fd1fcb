"""Benchmark: "delete all my photos" of a library of 100,000 photos, as the background job
runs it (privacy.erasures.run over privacy.services.delete_all_photos), files included
(results: the "erasure_time" section of RESULTS-library.md).

Each photo is a bulk-created row with two small files on disk (original and thumbnail),
one face, one tag and one processing record. Usage:
env $(TEST_ENV) .venv/bin/python bench/erasure_time.py [--photos 100000]
"""

import argparse
import time
from datetime import UTC, datetime

from _library_common import (
    add_erasable_library,
    machine,
    setup_django,
    test_database,
    write_section,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=100_000)
    args = parser.parse_args()
    media = setup_django()
    from django.contrib.auth import get_user_model

    from photos.models import Photo
    from privacy import erasures, tasks
    from privacy.models import ErasureJob

    # The job is run below, in this process, with the clock on it: no broker.
    tasks.run_erasure.delay = lambda *args, **kwargs: None

    with test_database():
        vendor = machine()
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        began = time.perf_counter()
        add_erasable_library(user, args.photos, media, start=datetime(2024, 1, 1, tzinfo=UTC))
        build = time.perf_counter() - began
        files_before = sum(1 for p in media.rglob("*") if p.is_file())
        began = time.perf_counter()
        job, _ = erasures.queue(user, "photos")
        queued = time.perf_counter() - began
        began = time.perf_counter()
        erasures.run(ErasureJob.objects.select_related("user").get(pk=job.pk))
        seconds = time.perf_counter() - began
        left = Photo.objects.filter(owner=user).count()
        files_after = sum(1 for p in media.rglob("*") if p.is_file())
        job.refresh_from_db()

    body = f"""
## "Delete all my photos" at {args.photos:,} photos

`bench/erasure_time.py --photos {args.photos}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.
Machine: {vendor}. {args.photos:,} bulk-created photos (built in {build:.0f} s), each with an
original and a thumbnail file on local disk, a face and a tag.

- the request (`erasures.queue`: counts, job row, account untouched): **{queued * 1000:.0f} ms**
- the background job (`erasures.run` → `services.delete_all_photos`): **{seconds:.1f} s**,
  status {job.status}; photos left {left}; files {files_before:,} before, {files_after:,} after.
"""
    write_section("erasure_time", body)
    print(body)


if __name__ == "__main__":
    main()
