"""Benchmark: the pipeline as deployed (PostgreSQL, a Redis broker, `celery worker -c 2`)
against a minimal script doing the same work in one and in two processes, side by side in
one run; and the same worker for an owner who already has 100,000 photos (results: the
"worker" section of RESULTS-analysis.md).

Runs in turns, `--rounds` times (each round starting with the next run), each over `--photos`
fresh copies of the shared photos:
- minimal, one process (issue 16 measured the pipeline against this) and two processes (the
  worker's two cores): long-lived processes, each taking the next photo when it is free, as
  the worker's pool processes take the next task; each reads and hashes the file, decodes
  it at reduced scale, runs faces and scenes, encodes the two WebP derivatives and writes
  them to plain files (bench/scale_analysis.minimal). No database, no broker, no face
  crops, no quality or perceptual hash.
- worker, empty library: the photos are queued as an upload queues them
  (`queue.queue_analysis`) to one `celery worker -c 2` consuming the `ml` queue; the clock
  runs from the queueing to the last step's commit (its `updated_at`).
- worker, 100,000 photos: the same for an owner with 100,000 bulk-created analysed photos
  (rows and perceptual hashes).

The worker and the minimal processes are started once and warmed up on the same 12 photos
before the first round, as long-running processes are (the first photos a process analyses
are slower: ONNX Runtime sizes its memory arenas). The suggestions that a drained queue
asks for go to the default queue, which this worker does not consume (a task per batch of
uploads, not per photo; the minimal script makes none either); the queue is purged at the
end.

Needs PostgreSQL on 127.0.0.1:5432 (it creates the database `camroll_worker_bench`) and
Redis on 127.0.0.1:6379 (db 12). Usage, in the tests' environment (bench/README.md):
  .venv/bin/python bench/worker_throughput.py [--photos 40] [--rounds 3] [--existing 100000]
"""

import argparse
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _library_common import replace_section
from analysis import RESULTS, sources, store_photo
from scale_analysis import add_existing, make_user, minimal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "camroll_worker_bench"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/12"
SETTLED = ("done", "failed", "skipped")


def environment(workdir: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DATABASE_URL=f"{PG}/{DB_NAME}",
        CELERY_BROKER_URL=REDIS_URL,
        CACHE_URL="locmem://",
        CELERY_TASK_ALWAYS_EAGER="0",
        VAR_DIR=str(workdir),
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_MANIFEST="0",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "k" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("FAST_PASSWORD_HASHER", "1")


def create_database() -> None:
    import psycopg
    import redis

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(REDIS_URL).flushdb()


def start_worker(workdir: Path) -> subprocess.Popen:
    log = open(workdir / "worker.log", "wb")  # noqa: SIM115 - closed by the child's exit
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "project", "worker"),
            *("-Q", "ml", "-c", "2", "-n", "bench@localhost"),
            *("--without-gossip", "--without-mingle", "-l", "WARNING"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def through_worker(ids: list[int], timeout: float = 1800) -> float:
    """Photos per minute of the running worker over `ids`, queued as an upload queues them."""
    from django.db.models import Max
    from django.utils import timezone

    from photos.analysis import queue
    from photos.models import AnalysisStep, Photo

    start = timezone.now()
    queue.queue_analysis(ids)
    deadline = time.monotonic() + timeout
    rows = Photo.objects.filter(pk__in=ids)
    while rows.exclude(analysis_status__in=SETTLED).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("The worker did not finish in time; see worker.log")
        time.sleep(0.2)
    failed = rows.exclude(analysis_status="done").count()
    if failed:
        raise RuntimeError(f"{failed} photo(s) not analysed; see worker.log")
    end = AnalysisStep.objects.filter(photo__in=ids).aggregate(end=Max("updated_at"))["end"]
    return 60 * len(ids) / (end - start).total_seconds()


_models = None


def _load_models() -> None:
    """A minimal process's start: Django settings and the models, once, as a pool process
    of the worker loads them once."""
    global _models
    import django

    django.setup()
    from photos import ml

    _models = ml.face_model(), ml.scene_model()


def _minimal_one(job: tuple[str, str]) -> None:
    path, out_dir = job
    minimal(path, _models, out_dir)


class MinimalPool:
    """Two long-lived processes doing the minimal work, started and warmed up once, as the
    worker's pool is; each takes the next photo when it is free (chunks of one), as the
    worker's processes take the next task."""

    def __init__(self, out_dir: Path, processes: int = 2):
        self.out_dir = str(out_dir)
        ctx = multiprocessing.get_context("spawn")
        self.pool = ctx.Pool(processes, initializer=_load_models)

    def rate(self, paths: list[str]) -> float:
        start = time.perf_counter()
        self.pool.map(_minimal_one, [(path, self.out_dir) for path in paths], chunksize=1)
        return 60 * len(paths) / (time.perf_counter() - start)

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def machine() -> str:
    from analysis import machine as base

    return base().replace("SQLite", "PostgreSQL 15 + Redis")


def write(body: str) -> None:
    replace_section(RESULTS, "worker", body, "# Analysis benchmarks\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    environment(workdir)
    create_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from celery import current_app

    from photos.models import Photo

    files = sources()
    empty, large = make_user("empty"), make_user("large")
    seconds = add_existing(large, args.existing, random.Random(16))
    print(f"{args.existing} existing photos created in {seconds:.0f} s", flush=True)
    worker = start_worker(workdir)
    out_dir = workdir / "minimal"
    out_dir.mkdir()
    pools = {"minimal1": MinimalPool(out_dir, 1), "minimal2": MinimalPool(out_dir, 2)}
    try:
        from django.db import connection

        # Now, not by autovacuum during the runs (it took CPU from whichever run came first).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        warm = [store_photo(empty, files[i], 900_000 + i).pk for i in range(12)]
        through_worker(warm)
        for pool in pools.values():
            pool.rate([photo.original.path for photo in Photo.objects.filter(pk__in=warm)])
        print("worker and minimal processes warmed up", flush=True)
        labels = {
            "minimal1": "minimal script, one process (issue 16's measure)",
            "minimal2": "minimal script, two processes (the worker's two cores)",
            "empty": "pipeline, `celery worker -c 2`, empty library",
            "large": f"pipeline, `celery worker -c 2`, {args.existing:,} existing photos",
        }
        rates: dict[str, list[float]] = {mode: [] for mode in labels}
        modes = list(rates)
        for round_ in range(args.rounds):
            # Each round starts with the next run: no run always goes first.
            order = modes[round_ % len(modes) :] + modes[: round_ % len(modes)]
            for mode in order:
                index = modes.index(mode)
                owner = large if mode == "large" else empty
                offset = 100_000 * (round_ + 1) + 1000 * index
                photos = [
                    store_photo(owner, files[i % len(files)], offset + i)
                    for i in range(args.photos)
                ]
                if mode in pools:
                    rate = pools[mode].rate([p.original.path for p in photos])
                else:
                    rate = through_worker([p.pk for p in photos])
                rates[mode].append(rate)
                print(f"round {round_ + 1} {mode}: {rate:.0f} photos/min", flush=True)
    finally:
        for pool in pools.values():
            pool.close()
        stop_worker(worker)
        with current_app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")
    mean = {mode: sum(values) / len(values) for mode, values in rates.items()}
    lines = [
        "## 6. The pipeline as deployed: PostgreSQL, Redis, `celery worker -c 2`",
        "",
        f"Written by `bench/worker_throughput.py --photos {args.photos} --rounds {args.rounds} "
        f"--existing {args.existing}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {machine()}.",
        "",
        f"Each run analyses {args.photos} fresh copies of the shared photos ({len(files)} "
        "distinct sources, re-saved with their own capture time); the runs take turns, "
        f"{args.rounds} rounds. The worker's clock runs from queueing (as an upload queues) "
        "to the commit of the last step; the worker was started and warmed up once before.",
        "",
        "| run | " + " | ".join(f"round {i + 1}" for i in range(args.rounds)) + " | mean |",
        "|---|" + "---:|" * (args.rounds + 1),
    ]
    for mode, values in rates.items():
        cells = " | ".join(f"{v:.0f}" for v in values)
        lines.append(f"| {labels[mode]} | {cells} | {mean[mode]:.0f} |")

    def ratio(minimal_mode):
        rounds = sorted(e / m for e, m in zip(rates["empty"], rates[minimal_mode], strict=True))
        per_round = ", ".join(f"{r:.2f}" for r in rounds)
        return f"**{mean['empty'] / mean[minimal_mode]:.2f}** (per round: {per_round})"

    lines += [
        "",
        f"- pipeline through the worker / minimal script in one process: {ratio('minimal1')}",
        f"- pipeline through the worker / minimal script in two processes: {ratio('minimal2')}",
        f"- {args.existing:,} existing photos / empty library: "
        f"**{mean['large'] / mean['empty']:.2f}**",
        "",
    ]
    write("\n".join(lines))
    print("\n".join(lines))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
