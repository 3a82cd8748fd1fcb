"""Benchmark of the analysis pipeline with the shared models (results: RESULTS-analysis.md).

1. Per photo: the pipeline's analysis steps (decode, faces, scenes, quality, duplicates,
   with consent checks, rows, crops and processing records) against the raw model
   inference on the same image.
2. Photos per minute with two worker processes (this machine's two cores), each loading
   the models once, as the prefork Celery worker does.
3. Peak memory (RSS high-water mark) of a worker process analysing a 50-megapixel photo.

Usage: env $(TEST_ENV) .venv/bin/python bench/analysis.py [--photos 40] [--skip-rss]
"""

import argparse
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS-analysis.md"
sys.path.insert(0, str(ROOT))


def setup(workdir: Path, *, migrate: bool = True) -> None:
    """Django on a throwaway SQLite file and media folder under `workdir`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["VAR_DIR"] = str(workdir)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def photos_dir() -> Path:
    path = Path(os.environ.get("TEST_PHOTOS_DIR") or ROOT.parent / "shared" / "photos")
    if not path.is_dir():
        sys.exit(f"Test photos not found at {path}; set TEST_PHOTOS_DIR (see README).")
    return path


def make_user(name="bench"):
    from django.contrib.auth import get_user_model

    from privacy import consent
    from privacy.models import Scope

    user = get_user_model().objects.create_user(name, f"{name}@example.org", "x" * 20)
    for scope in (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS):
        consent.grant(user, scope)
    return user


def store_photo(user, source: Path, index: int):
    """A pending photo whose stored file is `source` (re-saved with its own capture time
    when index > 0, so that copies are distinct photos)."""
    from tests.factories import make_photo

    taken = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=index)
    return make_photo(user, source, taken_at=taken, status="pending")


def store_file(user, source: Path):
    """A pending photo row over the file's own bytes (nothing decoded or re-encoded)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from PIL import Image

    from photos.models import Photo

    data = source.read_bytes()
    with Image.open(source) as im:  # reads the header only
        width, height = im.size
    sha = hashlib.sha256(data).hexdigest()
    Photo.objects.filter(owner=user, sha256=sha).delete()  # a re-run measures afresh
    photo = Photo(
        owner=user,
        sha256=sha,
        original_name=source.name,
        extension="jpg",
        content_type="image/jpeg",
        file_size=len(data),
        width=width,
        height=height,
        taken_at=timezone.now(),
        taken_at_source="upload",
    )
    photo.original.save(source.name, ContentFile(data), save=False)
    photo.save()
    return photo


def sources() -> list[Path]:
    base = photos_dir()
    files = sorted(p for p in (base / "scenes").iterdir() if p.is_file())
    files += sorted(p for p in (base / "people").rglob("*") if p.is_file())
    return files


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import onnxruntime

    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"onnxruntime {onnxruntime.__version__}, SQLite; load average {' '.join(load)} "
        "when written (the benchmark's own processes and their threads included; trust the "
        "ratios, measured side by side, more than the absolute times)"
    )


def rss_mb(field: str = "VmHWM") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- 1. Overhead ----------------------------------------------------------------------


def overhead(user, files: list[Path], repeat: int = 3) -> list[dict]:
    from django.conf import settings

    from photos import ml
    from photos.analysis import queue, runner
    from photos.analysis.media import load_media
    from photos.models import AnalysisStatus, AnalysisStep, Step

    face, scene = ml.face_model(), ml.scene_model()
    # One photo left pending keeps the owner's queue from draining: the once-per-batch work
    # (grouping faces, queueing suggestions) is not per-photo analysis.
    store_photo(user, files[0], 9_999)
    rows = []
    for index, source in enumerate(files):
        photo = store_photo(user, source, 10_000 + index)
        queue.ensure_steps([photo.pk])
        # Thumbnails are the library's step and measured in RESULTS-library.md.
        AnalysisStep.objects.filter(photo=photo, step=Step.DERIVATIVES).update(status="done")
        media = load_media(photo)
        frame = media.frames[0]

        def raw(frame=frame):
            face.detect(
                frame.rgb[:, :, ::-1].copy(),
                min_score=settings.FACE_MIN_SCORE,
                min_size=settings.FACE_MIN_SIZE / frame.scale,
            )
            scene.probabilities(frame.image)

        def decode_and_raw(photo=photo):
            m = load_media(photo)
            f = m.frames[0]
            face.detect(
                f.rgb[:, :, ::-1].copy(),
                min_score=settings.FACE_MIN_SCORE,
                min_size=settings.FACE_MIN_SIZE / f.scale,
            )
            scene.probabilities(f.image)

        def full(photo=photo):
            AnalysisStep.objects.filter(photo=photo).exclude(step=Step.DERIVATIVES).update(
                status=AnalysisStatus.PENDING
            )
            runner.analyse(photo)

        raw()
        full()  # warm-up: first-call costs of onnxruntime and the ORM
        times = {}
        for name, fn in (("raw", raw), ("decode_raw", decode_and_raw), ("pipeline", full)):
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                fn()
                runs.append((time.perf_counter() - start) * 1000)
            times[name] = statistics.median(runs)
        faces = photo.faces.count()
        rows.append(
            {"name": source.name, "size": f"{media.width}x{media.height}", "faces": faces, **times}
        )
    return rows


# --- 2. Throughput --------------------------------------------------------------------


def _worker(workdir: str, ids: list[int], barrier, results) -> None:
    setup(Path(workdir), migrate=False)
    from django.db import connections

    from photos import ml
    from photos.analysis import runner
    from photos.models import Photo

    connections.close_all()
    ml.face_model(), ml.scene_model()  # once per worker process, before the clock starts
    barrier.wait()
    start = time.perf_counter()
    for pk in ids:
        runner.analyse(Photo.objects.select_related("owner").get(pk=pk))
    results.put(time.perf_counter() - start)


def throughput(workdir: Path, user, files: list[Path], count: int, processes: int = 2) -> dict:
    from django.db import connections

    from photos.models import Photo

    ids = [store_photo(user, files[i % len(files)], 20_000 + i).pk for i in range(count)]
    connections.close_all()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes + 1), ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(str(workdir), ids[i::processes], barrier, results))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    per_worker = [results.get() for _ in workers]
    done = Photo.objects.filter(pk__in=ids, analysis_status="done").count()
    return {
        "photos": count,
        "done": done,
        "wall_s": wall,
        "per_worker_s": per_worker,
        "per_minute": 60 * count / wall,
    }


# --- 3. Peak memory of a 50-megapixel photo -------------------------------------------


def make_50mp(dest: Path) -> tuple[int, int]:
    from PIL import Image

    source = photos_dir() / "scenes" / "gorfort_mountain.jpg"
    with Image.open(source) as im:
        scale = (50_000_000 / (im.width * im.height)) ** 0.5
        big = im.convert("RGB").resize(
            (round(im.width * scale), round(im.height * scale)), Image.Resampling.BICUBIC
        )
    big.save(dest, "JPEG", quality=90)
    return big.size


def rss_child(workdir: Path, source: Path) -> None:
    """Runs in its own process: models loaded, then one 50 MP photo analysed end to end."""
    setup(workdir, migrate=False)
    from django.contrib.auth import get_user_model

    from photos import ml, tasks

    ml.face_model(), ml.scene_model()
    before = rss_mb("VmRSS")
    user = get_user_model().objects.get(username="bench")
    photo = store_file(user, source)
    start = time.perf_counter()
    tasks.analyse_photo(photo.pk)
    took = time.perf_counter() - start
    photo.refresh_from_db()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    peak = rss_mb("VmHWM")
    print(f"RSS {before:.0f} {peak:.0f} {took:.2f} {photo.analysis_status}")


def peak_memory(workdir: Path) -> dict:
    big = workdir / "fifty-megapixels.jpg"
    width, height = make_50mp(big)
    env = {**os.environ}
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(workdir), str(big)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RSS "))
    _, before, peak, took, status = line.split()
    return {
        "size": f"{width}x{height}",
        "megapixels": width * height / 1e6,
        "file_mb": big.stat().st_size / 1e6,
        "models_loaded_mb": float(before),
        "peak_mb": float(peak),
        "seconds": float(took),
        "status": status,
    }


def write(body: str) -> None:
    RESULTS.write_text(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--rss-child", nargs=2)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(Path(args.rss_child[0]), Path(args.rss_child[1]))
        return

    workdir = Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    setup(workdir)
    from django.conf import settings

    from photos import ml

    user = make_user()
    files = sources()
    rows = overhead(user, files)
    thr = throughput(workdir, user, files, args.photos)
    mem = None if args.skip_rss else peak_memory(workdir)

    lines = [
        "# Analysis benchmarks",
        "",
        f"Written by `bench/analysis.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {machine()}.",
        f"Models: face pack `{ml.face_model().pack}` ({ml.face_model().description}); "
        f"scene `{ml.scene_model().description}`. Analysis image: long side at most "
        f"2048 px (JPEGs decoded at reduced scale). FACE_DET_SIZE={settings.FACE_DET_SIZE}.",
        "",
        "## 1. Pipeline overhead per photo (one process, median of 3 runs, ms)",
        "",
        "`raw` = face detection + embeddings + scene classification on the already decoded "
        "analysis image; `decode+raw` = the same plus decoding the stored file (what a "
        "minimal script has to do); `pipeline` = the four analysis steps as the worker runs "
        "them (decode, models, quality, perceptual hash, consent checks at start and at "
        "write time, rows, face crops, processing records, people assignment). Thumbnails "
        "are the library's step (RESULTS-library.md) and not included.",
        "",
        "| photo | size | faces | raw | decode+raw | pipeline "
        "| pipeline / decode+raw | pipeline / raw |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['size']} | {r['faces']} | {r['raw']:.0f} "
            f"| {r['decode_raw']:.0f} | {r['pipeline']:.0f} "
            f"| {r['pipeline'] / r['decode_raw']:.2f}x | {r['pipeline'] / r['raw']:.2f}x |"
        )
    tot_raw = sum(r["raw"] for r in rows)
    tot_dec = sum(r["decode_raw"] for r in rows)
    tot_pipe = sum(r["pipeline"] for r in rows)
    lines += [
        f"| **all {len(rows)} photos** | | | {tot_raw:.0f} | {tot_dec:.0f} | {tot_pipe:.0f} "
        f"| **{tot_pipe / tot_dec:.2f}x** | **{tot_pipe / tot_raw:.2f}x** |",
        "",
        "## 2. Throughput with two worker processes",
        "",
        f"{thr['photos']} photos (the shared photos, repeated as distinct copies), two "
        f"processes each loading the models once (like `celery worker -c 2`), one SQLite "
        f"file: **{thr['per_minute']:.0f} photos/minute** ({thr['wall_s']:.1f} s wall; "
        f"workers {', '.join(f'{s:.1f}' for s in thr['per_worker_s'])} s; "
        f"{thr['done']}/{thr['photos']} done). Every step included, thumbnails too.",
        "",
    ]
    if mem:
        lines += [
            "## 3. Peak memory of a worker analysing a 50-megapixel photo",
            "",
            f"gorfort_mountain.jpg upscaled to {mem['size']} ({mem['megapixels']:.1f} MP, "
            f"{mem['file_mb']:.1f} MB JPEG), analysed end to end by `analyse_photo` "
            f"(thumbnails, faces, scenes, quality, duplicates) in a fresh process: RSS "
            f"{mem['models_loaded_mb']:.0f} MB with the models loaded, **peak "
            f"{mem['peak_mb']:.0f} MB** (VmHWM), {mem['seconds']:.1f} s, status "
            f"{mem['status']}. A full decode alone would be "
            f"{mem['megapixels'] * 3:.0f} MB of RGB pixels; JPEGs are decoded at a "
            "reduced scale instead (Pillow draft).",
            "",
        ]
    faces_section = ""
    if RESULTS.exists() and "<!-- faces -->" in RESULTS.read_text():
        text = RESULTS.read_text()
        faces_section = text[text.index("<!-- faces -->") :]
    write("\n".join(lines) + ("\n" + faces_section if faces_section else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
