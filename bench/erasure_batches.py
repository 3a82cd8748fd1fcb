"""Benchmark: an account's background erasure at 100,000 and 1,000,000 photos, batch by
batch, as the worker runs it (privacy.erasures.run: committed batches, a fresh run after
ERASURE_RUN_SECONDS). Results: RESULTS-erasure.md, one section per size.

Rows are bulk-created directly: each photo with a face, a tag and a processing record,
and (unless --no-files) an original and a thumbnail file on local disk. It measures the
time of every batch (from the start of one to the start of the next: delete, files,
commit, progress), the resident memory after every batch, the number of runs the job
took, and the load average of the machine, which other work shares.

Usage (PostgreSQL, as deployed; SQLite if DATABASE_URL is unset):
env $(TEST_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc \
    .venv/bin/python bench/erasure_batches.py --photos 1000000
"""

import argparse
import itertools
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from _library_common import (
    ROOT,
    add_erasable_library,
    machine,
    replace_section,
    setup_django,
    test_database,
)

RESULTS = ROOT / "bench" / "RESULTS-erasure.md"
HEADER = (
    "# Erasure benchmarks\n\nWritten by `bench/erasure_batches.py` and "
    "`bench/analysis_log.py` (see bench/README.md, rows 17 and 18). Each rewrites its own "
    "section.\n"
)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def add_library(user, count: int, media: Path, files: bool) -> None:
    add_erasable_library(
        user, count, media, start=datetime(2020, 1, 1, tzinfo=UTC), files=files, records=True
    )


def add_library_sql(user, count: int) -> None:
    """The same rows without files, copied from one template row of each table in four
    INSERT ... SELECT statements over generate_series (PostgreSQL): a million photos in
    minutes instead of an hour of bulk_create on a loaded machine."""
    from django.db import connection

    from photos.models import Face, Photo, Tag
    from privacy.models import ProcessingRecord

    add_library(user, 1, Path("/nonexistent"), files=False)  # one of each, the templates
    photo = Photo.objects.get(owner=user)

    def copy(model, template_pk, overrides: dict[str, str], source: str, where: str):
        columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
        select = [overrides.get(c, f"t.{c}") for c in columns]
        # Table and column names from the models, numbers from this script: no input.
        sql = (
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(select)} FROM {model._meta.db_table} t, {source} "
            f"WHERE t.{model._meta.pk.column} = %s {where}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [template_pk])

    copy(
        Photo,
        photo.pk,
        {
            "sha256": "md5(g::text) || md5('x' || g::text)",
            "original": f"'u{user.pk}/originals/' || g || '.jpg'",
            "thumbnail": f"'u{user.pk}/derived/' || g || '_thumbnail.webp'",
            "taken_at": "t.taken_at + g * interval '1 minute'",
        },
        f"generate_series(1, {count - 1}) g",
        "",
    )
    # One copy of each template row per other photo of the user.
    rest = f"AND p.owner_id = {user.pk} AND p.id <> {photo.pk}"
    face, tag = Face.objects.get(photo=photo), Tag.objects.get(photo=photo)
    copy(Face, face.pk, {"photo_id": "p.id"}, "photos_photo p", rest)
    copy(Tag, tag.pk, {"photo_id": "p.id"}, "photos_photo p", rest)
    copy(
        ProcessingRecord,
        ProcessingRecord.objects.get(user=user).pk,
        {"photo_ref": "p.id", "photo_name": "p.id || '.jpg'", "started_at": "p.taken_at"},
        "photos_photo p",
        rest,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--no-files", action="store_true", help="rows only, no files on disk")
    args = parser.parse_args()
    media = setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from photos.models import Photo
    from photos.personal_data import PhotosData
    from privacy import erasures, records, tasks
    from privacy.models import ErasureJob, ProcessingRecord

    # The worker is this process: a hand-over is noted, and the loop below runs it.
    handed_over = []
    tasks.run_erasure.delay = lambda job_id: handed_over.append(job_id)
    # (start of a batch, what it deletes, RSS after the one before)
    marks: list[tuple[float, str, float]] = []

    def timed(fn, what):
        def wrapper(*a, **kw):
            marks.append((time.perf_counter(), what, rss_mb()))
            return fn(*a, **kw)

        return wrapper

    PhotosData.erase_batch = timed(PhotosData.erase_batch, "photos")
    records.delete_batch = timed(records.delete_batch, "log entries")
    loads = []

    with test_database():
        vendor = machine()
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        began = time.perf_counter()
        from django.db import connection

        if args.no_files and connection.vendor == "postgresql":
            add_library_sql(user, args.photos)
        else:
            add_library(user, args.photos, media, files=not args.no_files)
        build = time.perf_counter() - began
        files_before = sum(1 for p in media.rglob("*") if p.is_file())
        records_before = ProcessingRecord.objects.filter(user=user).count()
        loads.append(os.getloadavg())
        began = time.perf_counter()
        job, _ = erasures.queue(user, "account")
        queued = time.perf_counter() - began
        handed_over.clear()  # that was the request's own queueing
        rss_before = rss_mb()
        began = time.perf_counter()
        runs = 0
        while ErasureJob.objects.filter(pk=job.pk).exists():
            runs += 1
            erasures.run(ErasureJob.objects.select_related("user").get(pk=job.pk))
            loads.append(os.getloadavg())
            state = ErasureJob.objects.filter(pk=job.pk).values("status", "error").first()
            if state and state["status"] == "failed":
                raise SystemExit(f"The job failed: {state['error']}")
        seconds = time.perf_counter() - began
        marks.append((time.perf_counter(), "end", rss_mb()))
        left = Photo.objects.filter(owner_id=user.pk).count()
        records_left = ProcessingRecord.objects.filter(user_id=user.pk).count()
        files_after = sum(1 for p in media.rglob("*") if p.is_file())
        gone = not get_user_model().objects.filter(pk=user.pk).exists()
        loads.append(os.getloadavg())

    # A batch's time: from its start to the next one's (delete, files, commit, progress).
    spans: dict[str, list[float]] = {}
    for (start, what, _rss), (end, _next, _r) in itertools.pairwise(marks):
        spans.setdefault(what, []).append(end - start)
    rss = [m[2] for m in marks]
    durations = [d for ds in spans.values() for d in ds]

    def stats(ds):
        ds = sorted(ds)
        return (
            f"median **{statistics.median(ds) * 1000:.0f} ms**, 95th percentile "
            f"{ds[int(len(ds) * 0.95)] * 1000:.0f} ms, slowest **{ds[-1] * 1000:.0f} ms**"
        )

    def ends(ds):
        # Does a batch get slower as the library shrinks (dead index entries, say)?
        return (
            f"; the first ten {statistics.median(ds[:10]) * 1000:.0f} ms, the last ten "
            f"{statistics.median(ds[-10:]) * 1000:.0f} ms (medians)"
        )

    per_kind = "\n".join(
        f"  - {what} ({len(ds):,} batches): {stats(ds)}{ends(ds)}" for what, ds in spans.items()
    )
    cmd = f"bench/erasure_batches.py --photos {args.photos}" + (
        " --no-files" if args.no_files else ""
    )
    files_text = "" if args.no_files else " and two files on local disk"
    load_text = ", ".join(f"{one:.1f}" for one, _five, _fifteen in loads)
    body = f"""
## An account with {args.photos:,} photos, erased in batches

`{cmd}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {vendor}.
{args.photos:,} bulk-created photos (built in {build:.0f} s), each with a face, a tag, a
processing record ({records_before:,} in all){files_text};
batches of {settings.ERASURE_BATCH_SIZE:,}, runs of at most {settings.ERASURE_RUN_SECONDS} s.
Load average (1 min) before, after each run, and at the end: {load_text}.

- the request (`erasures.queue`: counts, job row, account locked): **{queued * 1000:.0f} ms**
- the whole erasure: **{seconds:.1f} s** in {runs} run(s) ({len(handed_over)} hand-over(s) to a
  fresh task), {len(durations):,} batches
- per batch (the task time limit is {settings.CELERY_TASK_TIME_LIMIT} s):
{per_kind}
- resident memory: {rss_before:.0f} MB before the first batch, {min(rss):.0f} to
  **{max(rss):.0f} MB** across the batches, {rss[-1]:.0f} MB at the end
- left: user {"gone" if gone else "STILL THERE"}, photos {left}, log entries {records_left};
  files {files_before:,} before, {files_after:,} after
"""
    replace_section(RESULTS, f"erasure_batches_{args.photos}", body, HEADER)
    print(body)


if __name__ == "__main__":
    main()
