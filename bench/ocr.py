"""Benchmark of the text step (issue 25): what reading text in photos adds to the pipeline.

A camera roll: every shared photo (people, scenes: three with real text, a bakery label,
a banner and a watermark) plus copies of some with text rendered on them (a receipt, a
ticket, a sign, a whiteboard). Each photo goes through the worker's analysis steps
(`runner.analyse`, thumbnails excluded as in bench/analysis.py) with TEXT_RECOGNITION off
and on, in turns, in one process with the models loaded, so that both sides see the same
load. Also the text step's compute alone, on photos with and without text.

Writes bench/RESULTS-ocr.md. Usage:
  env $(TEST_ENV) TEXT_RECOGNITION=1 .venv/bin/python bench/ocr.py [--rounds 2]
  ... bench/ocr.py --sides 320,480,640   (only the detector-size section: the step alone
  at each TEXT_DET_SIDE, against the pipeline without it, in turns, in one process)
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _library_common import replace_section  # noqa: E402
from analysis import machine, photos_dir, setup, sources, store_photo  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-ocr.md"
RENDERED = {
    "scenes/ibm_coffee.jpg": ["Receipt no. 0042", "Flat white 3.20", "Total 7.40 EUR"],
    "scenes/ibm_dog.jpg": ["Ticket 42 Porto", "Gate B7"],
    "scenes/pelican.jpeg": ["PLATFORM 9"],
    "people/obama/obama_2.jpg": ["Sprint review Thursday"],
    "scenes/gorfort_mountain.jpg": ["Trail closed in winter"],
}


def render(source: Path, lines: list[str], out: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    with Image.open(source) as im:
        image = im.convert("RGB")
    draw = ImageDraw.Draw(image)
    size = max(14, image.height // 16)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", size)
    except OSError:
        font = ImageFont.load_default(size=size)
    for i, text in enumerate(lines):
        draw.text(
            (image.width * 0.06, image.height * 0.08 + i * size * 1.4),
            text,
            font=font,
            fill=(255, 255, 255),
            stroke_width=max(1, size // 12),
            stroke_fill=(0, 0, 0),
        )
    image.save(out, quality=92)
    return out


def camera_roll(workdir: Path) -> list[Path]:
    base = photos_dir()
    rendered = [
        render(base / name, lines, workdir / f"text_{i}_{Path(name).stem}.jpg")
        for i, (name, lines) in enumerate(RENDERED.items())
    ]
    return sources() + rendered


def run(user, files, *, text_on: bool, index: int) -> list[float]:
    from django.conf import settings

    from photos.analysis import queue, runner
    from photos.models import AnalysisStep, Step

    settings.TEXT_RECOGNITION = text_on
    times = []
    for i, source in enumerate(files):
        photo = store_photo(user, source, index + i)
        queue.ensure_steps([photo.pk])
        AnalysisStep.objects.filter(photo=photo, step=Step.DERIVATIVES).update(status="done")
        start = time.perf_counter()
        runner.analyse(photo)
        times.append(time.perf_counter() - start)
    return times


def step_alone(user, files, base: int = 90_000) -> list[tuple[str, float, int]]:
    from photos.analysis.media import load_media
    from photos.analysis.steps import text as text_step

    rows = []
    for i, source in enumerate(files):
        photo = store_photo(user, source, base + i)
        media = load_media(photo)
        start = time.perf_counter()
        result = text_step.compute(photo, media)
        rows.append((source.name, time.perf_counter() - start, len(result.data["lines"])))
    return rows


def sides(user, files, det_sides: list[int]) -> None:
    """The step alone at each detector size and the pipeline without it, in turns."""
    from django.conf import settings

    from photos import ml

    load_before = os.getloadavg()
    off = statistics.mean(run(user, files, text_on=False, index=200_000))
    rows = []
    for k, side in enumerate(det_sides):
        settings.TEXT_DET_SIDE = side
        ml.text_model()
        alone = step_alone(user, files, base=300_000 + 1_000 * k)
        found = sorted(name for name, _, lines in alone if lines)
        rows.append((side, statistics.mean(t for _, t, _ in alone), found))
    load_after = os.getloadavg()
    body = [
        "## The detector's size (TEXT_DET_SIDE)",
        "",
        f"The same {len(files)} photos, in one process; load average {load_before[0]:.1f} at "
        f"the start, {load_after[0]:.1f} at the end (measured under load). The pipeline "
        f"without the step: {off * 1000:.0f} ms a photo.",
        "",
        "| TEXT_DET_SIDE | step alone, mean | pipeline + step, estimated | text found in |",
        "|---:|---:|---:|---|",
    ]
    for side, mean, found in rows:
        body.append(
            f"| {side} | {mean * 1000:.0f} ms | {(off + mean) / off:.2f}x | "
            f"{len(found)}: {', '.join(found)} |"
        )
    replace_section(RESULTS, "sides", "\n".join(body), "# Text in photos\n")
    print("\n".join(body))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sides", default="", help="e.g. 320,480,640: the size section only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        setup(workdir)
        from django.contrib.auth import get_user_model

        from photos import ml
        from privacy import consent
        from privacy.models import Scope

        user = get_user_model().objects.create_user("ocr", "ocr@example.org", "x" * 20)
        for scope in (Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS):
            consent.grant(user, scope)
        files = camera_roll(workdir)
        ml.face_model(), ml.scene_model(), ml.text_model()
        store_photo(user, files[0], 1)  # a pending photo: the queue never drains
        if args.sides:
            run(user, files[:2], text_on=True, index=100)  # warm-up
            sides(user, files, [int(x) for x in args.sides.split(",")])
            return
        load_before = os.getloadavg()
        run(user, files[:2], text_on=True, index=100)  # warm-up
        off, on = [], []
        for r in range(args.rounds):
            base = 1_000 * (r + 1) * 10
            off.append(run(user, files, text_on=False, index=base))
            on.append(run(user, files, text_on=True, index=base + 5_000))
        alone = step_alone(user, files)
        load_after = os.getloadavg()

    n = len(files)
    with_text = {name for name, _, lines in alone if lines}
    per_photo_off = [statistics.mean(col) for col in zip(*off, strict=True)]
    per_photo_on = [statistics.mean(col) for col in zip(*on, strict=True)]
    mean_off, mean_on = statistics.mean(per_photo_off), statistics.mean(per_photo_on)
    rounds = [sum(b) / sum(a) for a, b in zip(off, on, strict=True)]
    t_with = [t for name, t, lines in alone if lines]
    t_without = [t for name, t, lines in alone if not lines]
    lines = [
        "# Text in photos: cost per photo (bench/ocr.py)",
        "",
        f"Machine: {machine()}.",
        f"Load average during the run: {load_before[0]:.1f} at the start, "
        f"{load_after[0]:.1f} at the end (1-minute); **measured under load** (other "
        "engineers' test runs shared the 2 cores): compare the two sides of one run, "
        "not the absolute times.",
        "",
        f"A camera roll of {n} photos ({len(with_text)} with text found: "
        f"{', '.join(sorted(with_text))}), {args.rounds} rounds, each photo through "
        "`runner.analyse` (faces, scenes, quality, duplicates, and text when on; thumbnails "
        f"excluded), TEXT_RECOGNITION off then on in each round; TEXT_DET_SIDE "
        f"{ml.text_model().det_side}.",
        "",
        "| | mean per photo | |",
        "|---|---:|---|",
        f"| pipeline before the step (TEXT_RECOGNITION=0) | {mean_off * 1000:.0f} ms | |",
        f"| pipeline with the text step | {mean_on * 1000:.0f} ms | "
        f"**{mean_on / mean_off:.2f}x** (rounds: {', '.join(f'{x:.2f}' for x in rounds)}) |",
        f"| text step alone, photos with text ({len(t_with)}) | "
        f"{statistics.mean(t_with) * 1000:.0f} ms | |"
        if t_with
        else "| text step alone, photos with text | - | |",
        f"| text step alone, photos without text ({len(t_without)}) | "
        f"{statistics.mean(t_without) * 1000:.0f} ms | detection only: no line, no recognition |",
        "",
        "Per photo (ms, mean of the rounds): off / on / text step alone, lines read",
        "",
        "| photo | off | on | step alone | lines |",
        "|---|---:|---:|---:|---:|",
    ]
    for (name, t, count), a, b in zip(alone, per_photo_off, per_photo_on, strict=True):
        lines.append(f"| {name} | {a * 1000:.0f} | {b * 1000:.0f} | {t * 1000:.0f} | {count} |")
    replace_section(RESULTS, "pipeline", "\n".join(lines[1:]), lines[0] + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
