"""Benchmark: peak memory (RSS high-water mark) of building the export ZIP of a library of
1,000 and of 10,000 photos, each in a fresh process (results: RESULTS-library.md).

Rows are bulk-created: every photo has a small real JPEG original (its own file), two
faces with a 512-d embedding, two tags and four processing records. Usage:
env $(TEST_ENV) .venv/bin/python bench/export_memory.py [--photos 1000 10000]
"""

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _library_common import machine, write_section

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(workdir: Path, count: int, mode: str) -> None:
    """In a fresh process: build the library ("build"), or export it ("export", another
    fresh process, so that its high-water mark is the export's alone)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'export.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["VAR_DIR"] = str(workdir)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from PIL import Image

    from photos.models import Face, Photo, Tag
    from privacy.models import ExportJob, ProcessingRecord

    if mode == "export":
        from privacy import export

        job = ExportJob.objects.create(user=get_user_model().objects.get())
        before = rss_mb("VmRSS")
        began = time.perf_counter()
        job = export.build(job)
        seconds = time.perf_counter() - began
        print(f"RESULT {count} {before:.0f} {rss_mb('VmHWM'):.0f} {seconds:.1f} {job.size}")
        return
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("big", "big@example.org", "x" * 20)
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 200)).save(buf, "JPEG", quality=85)
    jpeg = buf.getvalue()
    folder = workdir / "media" / f"u{user.pk}" / "originals"
    folder.mkdir(parents=True)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    embedding = bytes(range(256)) * 8  # 512 float32
    for first in range(0, count, 2000):
        photos = []
        for i in range(first, min(count, first + 2000)):
            (folder / f"{i}.jpg").write_bytes(jpeg)
            photos.append(
                Photo(
                    owner=user,
                    sha256=hashlib.sha256(f"export-{i}".encode()).hexdigest(),
                    original=f"u{user.pk}/originals/{i}.jpg",
                    original_name=f"IMG_{i:05d}.jpg",
                    extension="jpg",
                    content_type="image/jpeg",
                    file_size=len(jpeg),
                    width=320,
                    height=240,
                    taken_at=start + timedelta(minutes=i),
                    analysis_status="done",
                )
            )
        photos = Photo.objects.bulk_create(photos)
        Face.objects.bulk_create(
            Face(
                owner=user,
                photo=p,
                x1=x,
                y1=10,
                x2=x + 40,
                y2=50,
                landmarks=[[1, 2]] * 5,
                det_score=0.9,
                embedding=embedding,
                pack="bench@1",
                dim=512,
            )
            for p in photos
            for x in (10, 100)
        )
        Tag.objects.bulk_create(
            Tag(photo=p, label=label, score=0.5, model_name="bench")
            for p in photos
            for label in ("dog", "beach")
        )
        ProcessingRecord.objects.bulk_create(
            ProcessingRecord(
                user=user,
                photo_ref=p.pk,
                photo_name=p.original_name,
                step=step,
                outcome="done",
                summary="bench",
                started_at=p.taken_at,
                finished_at=p.taken_at,
            )
            for p in photos
            for step in ("faces", "scenes", "quality", "duplicates")
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), int(args.child[1]), args.child[2])
        return
    rows = []
    for count in args.photos:
        workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
        for mode in ("build", "export"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(workdir), str(count), mode],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        _, n, before, peak, seconds, size = line.split()
        rows.append((int(n), float(before), float(peak), float(seconds), int(size)))
        print(line, flush=True)
    from _library_common import setup_django

    setup_django()
    body = [
        "## Export of a large library: peak memory",
        "",
        f"`bench/export_memory.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}.",
        "Each size in a fresh process: bulk-created photos with their own small JPEG "
        "original, two faces (512-d embeddings), two tags and four processing records each; "
        "then `privacy.export.build` (originals copied in 1 MB pieces, every JSON file "
        "streamed item by item), in a fresh process: RSS before is Django loaded.",
        "",
        "| photos | RSS before (MB) | peak RSS (MB) | seconds | ZIP (MB) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, before, peak, seconds, size in rows:
        body.append(f"| {n:,} | {before:.0f} | {peak:.0f} | {seconds:.1f} | {size / 1e6:.1f} |")
    write_section("export-memory", "\n".join(body))
    print("\n".join(body))


if __name__ == "__main__":
    main()
