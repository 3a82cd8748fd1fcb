"""Shared set-up of the library benchmarks: Django on a throwaway database and media
folder, timing helpers, and writing one section of a results file (RESULTS-library.md
and, for the scale and worker benchmarks, RESULTS-analysis.md)."""

import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS-library.md"
sys.path.insert(0, str(ROOT))


def setup_django() -> Path:
    """Django with the test environment's defaults and a temporary media folder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("SECURE_COOKIES", "0")
    os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    media = Path(tempfile.mkdtemp(prefix="bench-media-"))
    os.environ["MEDIA_ROOT"] = str(media)
    import django

    django.setup()
    return media


@contextmanager
def test_database():
    """A fresh test database (in memory on SQLite), migrated, destroyed afterwards."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def photos_dir() -> Path:
    path = Path(os.environ.get("TEST_PHOTOS_DIR") or ROOT.parent / "shared" / "photos")
    if not path.is_dir():
        sys.exit(f"Test photos not found at {path}; set TEST_PHOTOS_DIR (see README).")
    return path


def timed(fn, repeat: int = 5) -> tuple[float, list[float]]:
    """Median wall time of `repeat` runs, in milliseconds, and every run."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), runs


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import PIL
    from django.db import connection

    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"Pillow {PIL.__version__}, database {connection.vendor}"
    )


LIBRARY_HEADER = (
    "# Library benchmarks\n\nWritten by `bench/thumbnails.py`, `bench/library_queries.py` "
    "and `bench/sync_check.py` (run each with the Makefile's TEST_ENV: "
    "`env $(TEST_ENV) .venv/bin/python bench/<name>.py`). Each script "
    "rewrites its own section.\n"
)


def replace_section(results: Path, name: str, body: str, header: str) -> None:
    """Replace (or append) the section `name` (between `<!-- name -->` and
    `<!-- /name -->`) of the results file, which starts with `header` when it is new."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    text = results.read_text() if results.exists() else header
    section = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    results.write_text(text)


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section `name` of RESULTS-library.md."""
    replace_section(RESULTS, name, body, LIBRARY_HEADER)


def add_erasable_library(
    user, count: int, media: Path, *, start, files: bool = True, records: bool = False
) -> None:
    """`count` bulk-created photos of `user` for the erasure benchmarks, 5,000 rows a
    statement: each with a face and a tag, a processing record if `records`, and an
    original and a thumbnail file under `media` if `files`."""
    import hashlib
    from datetime import timedelta

    from photos.models import Face, Photo, Tag
    from privacy.models import ProcessingRecord

    folder = media / f"u{user.pk}"
    if files:
        (folder / "originals").mkdir(parents=True, exist_ok=True)
        (folder / "derived").mkdir(parents=True, exist_ok=True)
    for first in range(0, count, 5000):
        batch = []
        for i in range(first, min(count, first + 5000)):
            if files:
                (folder / "originals" / f"{i}.jpg").write_bytes(b"\xff\xd8" + bytes(1000))
                (folder / "derived" / f"{i}_thumbnail.webp").write_bytes(b"RIFF" + bytes(500))
            batch.append(
                Photo(
                    owner=user,
                    sha256=hashlib.sha256(f"erase-{i}".encode()).hexdigest(),
                    original=f"u{user.pk}/originals/{i}.jpg",
                    thumbnail=f"u{user.pk}/derived/{i}_thumbnail.webp",
                    extension="jpg",
                    content_type="image/jpeg",
                    file_size=1002,
                    taken_at=start + timedelta(minutes=i),
                    analysis_status="done",
                )
            )
        photos = Photo.objects.bulk_create(batch)
        Face.objects.bulk_create(
            Face(
                owner=user,
                photo=p,
                x1=1,
                y1=1,
                x2=40,
                y2=40,
                landmarks=[],
                det_score=0.9,
                embedding=bytes(512),
                pack="bench@1",
                dim=128,
            )
            for p in photos
        )
        Tag.objects.bulk_create(Tag(photo=p, label="dog", score=0.5) for p in photos)
        if records:
            ProcessingRecord.objects.bulk_create(
                ProcessingRecord(
                    user=user,
                    photo_ref=p.pk,
                    photo_name=f"{p.pk}.jpg",
                    step="scenes",
                    started_at=p.taken_at,
                    finished_at=p.taken_at,
                    outcome="done",
                    summary="tags: dog 0.50",
                )
                for p in photos
            )
