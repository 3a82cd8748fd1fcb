"""Benchmark: "Download as video" for a 20-photo story (suggestions/stories.py).

A throwaway SQLite test database and media folder; 20 real photos from TEST_PHOTOS_DIR
(the shared photos, cycled, with their previews made as the pipeline makes them), the
people photos with the face boxes the shared detector finds. The video is rendered as the
background job renders it: 1280x720, 24 fps, H.264 (libx264, preset veryfast, CRF 23),
a 2.5 s title card and 3.5 s per photo. Then it is decoded with PyAV to count its frames.
Usage (from the repository root, in the tests' environment, see bench/README.md):

    python bench/story_video.py [--photos 20] [--out bench/RESULTS-video.md]
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCES = [
    ("people/groups/biden_and_obama.jpg", [(237, 26, 387, 223), (789, 38, 943, 252)]),
    ("scenes/insightface_t1.jpg", [(746, 339, 846, 481), (465, 265, 573, 416),
                                   (59, 263, 169, 396), (1131, 271, 1226, 399),
                                   (905, 54, 1013, 204), (269, 147, 371, 265)]),
    ("scenes/gorfort_mountain.jpg", []),
    ("scenes/ibm_pizza.jpg", []),
    ("scenes/ibm_taxis.jpg", []),
    ("scenes/ibm_city.jpg", []),
    ("scenes/carrotcake_cake.jpg", []),
    ("scenes/ibm_paris.jpg", []),
    ("scenes/dragonfly_beach.jpg", []),
    ("scenes/ibm_dog.jpg", []),
]  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS-video.md"))
    args = parser.parse_args()
    photos_dir = Path(os.environ.get("TEST_PHOTOS_DIR") or ROOT.parent / "shared" / "photos")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        import django

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
        try:
            lines = run(args, photos_dir)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def run(args, photos_dir):
    import av
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage

    from photos.derivatives import make_derivatives
    from photos.models import Face
    from privacy import consent
    from suggestions import stories
    from suggestions.lib import story
    from suggestions.models import StoryVideo, Suggestion, SuggestionPhoto
    from tests.factories import make_photo

    user = get_user_model().objects.create_user("bench")
    for scope in ("cloud_processing", "face_analysis"):
        consent.grant(user, scope)
    taken = datetime(2026, 6, 12, 12, 0, tzinfo=UTC)
    suggestion = Suggestion.objects.create(
        owner=user, kind="event", key="event:bench", title="A day in the bench",
        period_start=date(2026, 6, 12), period_end=date(2026, 6, 12),
    )  # fmt: skip
    for i in range(args.photos):
        rel, boxes = SOURCES[i % len(SOURCES)]
        photo = make_photo(user, photos_dir / rel, taken_at=taken + timedelta(minutes=i))
        make_derivatives(photo)
        for x1, y1, x2, y2 in boxes:
            Face.objects.create(
                owner=user, photo=photo, x1=x1, y1=y1, x2=x2, y2=y2, det_score=0.9,
                embedding=b"\0" * 512, pack="bench", dim=128,
            )  # fmt: skip
        SuggestionPhoto.objects.create(suggestion=suggestion, photo=photo, position=i)

    video = StoryVideo.objects.create(owner=user, suggestion=suggestion)
    t0 = time.perf_counter()
    stories.render_video(video)
    render_s = time.perf_counter() - t0
    video.refresh_from_db()
    size = default_storage.size(video.file.name)
    t0 = time.perf_counter()
    with default_storage.open(video.file.name, "rb") as fh, av.open(fh) as container:
        decoded = sum(1 for _ in container.decode(video=0))
    decode_s = time.perf_counter() - t0
    seconds = video.frames / stories.VIDEO_FPS
    expected = story.frame_count(args.photos, stories.VIDEO_FPS)
    load = os.getloadavg()
    return [
        "# Story video benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, PyAV {av.__version__}; "
        f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (shared machine).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| photos in the story | {args.photos} |",
        f"| video | {stories.VIDEO_SIZE[0]}x{stories.VIDEO_SIZE[1]}, {stories.VIDEO_FPS} fps, "
        f"{seconds:.1f} s, H.264 |",
        f"| frames written / expected / decoded | {video.frames} / {expected} / {decoded} |",
        f"| **render time (decode photos, pan and zoom, encode)** | **{render_s:.1f} s** "
        f"({render_s / seconds:.2f} s per second of video, "
        f"{1000 * render_s / max(video.frames, 1):.1f} ms per frame) |",
        f"| file size | {size / 1e6:.1f} MB |",
        f"| decoding it back with PyAV | {decode_s:.1f} s |",
    ]


if __name__ == "__main__":
    main()
