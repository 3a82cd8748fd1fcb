"""Benchmark: analysis throughput on an empty library against a library of 100,000 photos,
and the pipeline against a minimal script doing the same work, side by side in one run
(results: the "scale" section of RESULTS-analysis.md).

Four runs over the same photos, each with two worker processes (the two cores), in turns
(minimal, empty, large, large with the old near-duplicate lookup; twice), so that the load
other users put on the machine falls on every run alike:
- minimal: read and hash the file, decode at reduced scale, faces, scenes, two WebP
  derivatives written to plain files; no database;
- empty: the pipeline (runner.analyse: every step, rows, crops, records) for a user with
  nothing else;
- large: the same for a user who already has --existing photos (bulk-created rows with
  random perceptual hashes, analysed);
- large, brute force: as large, with the near-duplicate lookup as it was before the chunk
  index (every hash of the owner read for each photo).

Usage: env $(TEST_ENV) .venv/bin/python bench/scale_analysis.py [--photos 24] [--existing 100000]
"""

import argparse
import hashlib
import io
import multiprocessing
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _library_common import replace_section
from analysis import RESULTS, machine, setup, sources, store_photo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_user(name):
    from django.contrib.auth import get_user_model

    from privacy import consent
    from privacy.models import Scope

    user = get_user_model().objects.create_user(name, f"{name}@example.org", "x" * 20)
    for scope in (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS):
        consent.grant(user, scope)
    return user


def add_existing(user, count: int, rng: random.Random) -> float:
    """`count` analysed photos with random hashes (rows only); returns the seconds taken."""
    from photos.analysis.steps.duplicates import hash_columns
    from photos.models import Photo

    start = time.perf_counter()
    end = datetime(2025, 1, 1, tzinfo=UTC)
    batch = []
    for i in range(count):
        value = f"{rng.getrandbits(64):016x}"
        batch.append(
            Photo(
                owner=user,
                sha256=hashlib.sha256(f"existing-{i}".encode()).hexdigest(),
                original=f"u{user.pk}/originals/existing-{i}.jpg",
                extension="jpg",
                content_type="image/jpeg",
                file_size=3_000_000,
                width=4000,
                height=3000,
                taken_at=end - timedelta(minutes=i),
                analysis_status="done",
                phash=value,
                **hash_columns(value),
            )
        )
        if len(batch) == 5000:
            Photo.objects.bulk_create(batch)
            batch = []
    Photo.objects.bulk_create(batch)
    return time.perf_counter() - start


def _brute_force_candidates(owner_id, value, *, exclude=None):
    from photos.models import Photo

    rows = Photo.objects.for_owner(owner_id).exclude(phash="")
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return list(rows.order_by("pk").values_list("pk", "phash", "duplicate_group"))


def minimal(path, models, out_dir) -> None:
    """The same work as the pipeline with nothing around it, on the file at `path`: the two
    WebP derivatives are written to files in `out_dir` (plain files, no storage API), as a
    script making derivatives must keep them somewhere."""
    import numpy as np
    from django.conf import settings

    from photos.derivatives import PREVIEW_SIZE, THUMBNAIL_SIZE, encode_webp, resized
    from photos.lib.decode import load_image

    face, scene = models
    data = Path(path).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    media = load_image(io.BytesIO(data))
    frame = media.frames[0]
    face.detect(
        np.ascontiguousarray(frame.rgb[:, :, ::-1]),
        min_score=settings.FACE_MIN_SCORE,
        min_size=settings.FACE_MIN_SIZE / frame.scale,
    )
    scene.probabilities(frame.image)
    for kind, image in resized(
        media.display, {"thumbnail": THUMBNAIL_SIZE, "preview": PREVIEW_SIZE}
    ).items():
        webp = encode_webp(image, 82 if kind == "preview" else 78)
        Path(out_dir, f"{sha}_{kind}.webp").write_bytes(webp)


def _worker(workdir: str, mode: str, ids: list[int], barrier, results) -> None:
    setup(Path(workdir), migrate=False)
    from django.db import connections

    from photos import ml
    from photos.analysis import runner
    from photos.analysis.steps import duplicates
    from photos.models import Photo
    from photos.signals import analysis_drained

    connections.close_all()
    models = ml.face_model(), ml.scene_model()  # loaded before the clock starts
    # What the Celery worker imports before its pool forks (photos.tasks.import_clustering).
    from photos.lib import faces

    faces.import_clustering()
    # The suggestions the drained queue asks for are another task (once per batch, not per
    # photo; timed on its own below): not run inside this worker's clock.
    analysis_drained.disconnect(dispatch_uid="suggestions.generate")
    if mode == "brute":
        duplicates.candidates = _brute_force_candidates
    photos = [Photo.objects.select_related("owner").get(pk=pk) for pk in ids]
    out_dir = Path(workdir, "minimal")
    out_dir.mkdir(exist_ok=True)
    barrier.wait()
    start = time.perf_counter()
    for photo in photos:
        if mode == "minimal":
            minimal(photo.original.path, models, out_dir)
        else:
            runner.analyse(photo)
    results.put(time.perf_counter() - start)


def run(workdir: Path, mode: str, ids: list[int], processes: int = 2) -> float:
    """Photos per minute of `mode` over `ids` with `processes` workers."""
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes + 1), ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(str(workdir), mode, ids[i::processes], barrier, results))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    for _ in workers:
        results.get()
    return 60 * len(ids) / wall


def fresh_photos(user, files, count: int, offset: int) -> list[int]:
    """`count` pending copies of the shared photos for `user` (distinct files)."""
    return [store_photo(user, files[i % len(files)], offset + i).pk for i in range(count)]


def write(body: str) -> None:
    replace_section(RESULTS, "scale", body, "# Analysis benchmarks\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    setup(workdir)
    from photos.models import Photo

    files = sources()
    rng = random.Random(16)
    empty, large = make_user("empty"), make_user("large")
    seconds = add_existing(large, args.existing, rng)
    print(f"{args.existing} existing photos created in {seconds:.0f} s", flush=True)
    rates: dict[str, list[float]] = {"minimal": [], "empty": [], "large": [], "brute": []}
    for round_ in range(args.rounds):
        for index, mode in enumerate(rates):
            owner = empty if mode in ("minimal", "empty") else large
            ids = fresh_photos(owner, files, args.photos, 100_000 * (round_ + 1) + 1000 * index)
            if mode == "minimal":
                ids_minimal = ids
            rates[mode].append(run(workdir, mode, ids))
            print(f"round {round_ + 1} {mode}: {rates[mode][-1]:.0f} photos/min", flush=True)
            if mode == "minimal":
                Photo.objects.filter(pk__in=ids_minimal).delete()
    total = {mode: sum(values) / len(values) for mode, values in rates.items()}
    lines = [
        "## 5. Scale: a library of 100,000 photos, and the pipeline against a minimal script",
        "",
        f"Written by `bench/scale_analysis.py --photos {args.photos} --existing "
        f"{args.existing} --rounds {args.rounds}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {machine()}.",
        "",
        f"Each run analyses {args.photos} fresh copies of the shared photos with two worker "
        "processes (models loaded before the clock starts); the four runs take turns, "
        f"{args.rounds} rounds, and the table gives each run's photos per minute.",
        "",
        "| run | " + " | ".join(f"round {i + 1}" for i in range(args.rounds)) + " | mean |",
        "|---|" + "---:|" * (args.rounds + 1),
    ]
    labels = {
        "minimal": "minimal script (hash, decode, faces, scenes, two WebP files)",
        "empty": "pipeline, empty library",
        "large": f"pipeline, {args.existing:,} existing photos",
        "brute": f"pipeline, {args.existing:,} existing photos, old duplicate lookup",
    }
    for mode, values in rates.items():
        cells = " | ".join(f"{v:.0f}" for v in values)
        lines.append(f"| {labels[mode]} | {cells} | {total[mode]:.0f} |")
    lines += [
        "",
        f"- large library / empty library: **{total['large'] / total['empty']:.2f}** "
        f"(with the old lookup: {total['brute'] / total['empty']:.2f})",
        f"- pipeline (empty library) / minimal script: **{total['empty'] / total['minimal']:.2f}**",
        "",
        "Not in the clock: the suggestions the owner's drained queue asks for (a task of "
        "its own, once per batch of uploads, not per photo; its receiver is disconnected in "
        "the workers).",
        "",
    ]
    write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
