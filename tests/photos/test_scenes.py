"""Objects, scenes and themes with the shared MobileNetV2, and metadata themes."""

import io
from datetime import timedelta

import av
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from photos import tasks
from photos.analysis import queue, runner
from photos.analysis.media import load_media
from photos.lib.decode import VIDEO_KEY_FRAMES, load_image
from photos.models import AnalysisStatus, MediaType, PhotoTheme, Tag, Theme
from privacy.models import Scope
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


def stored_as_is(owner, path):
    """A photo row whose stored file is the source byte for byte (EXIF orientation kept)."""
    photo = make_photo(owner, path, status=AnalysisStatus.PENDING)
    photo.original.save(path.name, ContentFile(path.read_bytes()), save=False)
    photo.save()
    return photo


def themes_of(owner, path):
    photo = stored_as_is(owner, path)
    tasks.analyse_photo(photo.pk)
    return photo, set(PhotoTheme.objects.filter(photo=photo).values_list("theme", flat=True))


@pytest.mark.parametrize(
    ("name", "theme"),
    [
        ("dragonfly_beach.jpg", Theme.BEACH),
        ("ibm_pizza.jpg", Theme.FOOD),
        ("ibm_burger.jpg", Theme.FOOD),
        ("ibm_dog.jpg", Theme.ANIMALS),
        ("gorfort_mountain.jpg", Theme.NATURE),
        ("dragonfly_taj.jpg", Theme.TRAVEL),
        ("ibm_taxis.jpg", Theme.VEHICLES),
    ],
)
def test_it_puts_photos_in_their_theme(alice, grant, photos_dir, name, theme):
    grant(alice, Scope.CLOUD_PROCESSING)
    _, themes = themes_of(alice, photos_dir / "scenes" / name)
    assert theme in themes


def test_themes_do_not_leak_into_unrelated_photos(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING)
    _, pizza = themes_of(alice, photos_dir / "scenes/ibm_pizza.jpg")
    _, dog = themes_of(alice, photos_dir / "scenes/ibm_dog.jpg")
    assert Theme.BEACH not in pizza and Theme.ANIMALS not in pizza
    assert Theme.FOOD not in dog


def test_the_rotated_beach_is_read_upright(alice, grant, photos_dir):
    """dragonfly_beach.jpg is stored sideways (Orientation 6); upright it is a seashore."""
    grant(alice, Scope.CLOUD_PROCESSING)
    source = photos_dir / "scenes/dragonfly_beach.jpg"
    with open(source, "rb") as fh:
        media = load_image(fh)
    with Image.open(source) as raw:
        assert raw.getexif().get(0x0112) == 6
        assert (media.width, media.height) == (raw.size[1], raw.size[0])
    assert media.frames[0].image.size[0] < media.frames[0].image.size[1]  # portrait, upright
    photo, _ = themes_of(alice, source)
    assert Tag.objects.filter(photo=photo, label="seashore").exists()


def test_it_stores_top_tags_above_the_threshold(alice, grant, photos_dir, settings):
    grant(alice, Scope.CLOUD_PROCESSING)
    settings.SCENE_TOP_K = 3
    settings.SCENE_MIN_SCORE = 0.05
    photo = make_photo(alice, photos_dir / "scenes/ibm_dog.jpg", status=AnalysisStatus.PENDING)
    tasks.analyse_photo(photo.pk)
    tags = list(Tag.objects.filter(photo=photo))
    assert 1 <= len(tags) <= 3
    assert tags[0].label == "beagle"
    assert all(t.score >= 0.05 for t in tags)
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)


def png_bytes(size, color=(240, 240, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_a_phone_sized_png_without_camera_is_a_screenshot(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING)
    photo = make_photo(alice, photos_dir / "scenes/ibm_city.jpg", status=AnalysisStatus.PENDING)
    photo.extension, photo.content_type = "png", "image/png"
    photo.original.save("shot.png", ContentFile(png_bytes((1170, 2532))), save=False)
    photo.save()
    tasks.analyse_photo(photo.pk)
    themes = set(PhotoTheme.objects.filter(photo=photo).values_list("theme", flat=True))
    assert Theme.SCREENSHOTS in themes

    camera = make_photo(
        alice,
        photos_dir / "scenes/ibm_city.jpg",
        status=AnalysisStatus.PENDING,
        taken_at=timezone.now() - timedelta(days=1),  # other bytes than the first copy
    )
    camera.extension, camera.camera_make = "png", "Canon"
    camera.original.save("cam.png", ContentFile(png_bytes((1170, 2532))), save=False)
    camera.save()
    tasks.analyse_photo(camera.pk)
    assert not PhotoTheme.objects.filter(photo=camera, theme=Theme.SCREENSHOTS).exists()


def mp4_from(path, seconds=3, fps=5) -> bytes:
    with Image.open(path) as im:
        frame = im.convert("RGB").resize((320, 240))
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for _ in range(seconds * fps):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.asarray(frame), "rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def test_videos_are_analysed_on_key_frames(alice, grant, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    photo = make_photo(alice, photos_dir / "scenes/ibm_pizza.jpg", status=AnalysisStatus.PENDING)
    data = mp4_from(photos_dir / "scenes/ibm_pizza.jpg")
    photo.media_type, photo.extension, photo.content_type = MediaType.VIDEO, "mp4", "video/mp4"
    photo.original.save("clip.mp4", ContentFile(data), save=False)
    photo.save()

    media = load_media(photo)
    assert 1 < len(media.frames) <= VIDEO_KEY_FRAMES
    assert media.frames[0].time < media.frames[-1].time
    for step in ("faces", "scenes", "quality", "duplicates"):
        queue.ensure_steps([photo.pk])
        assert runner.run_step(photo, step, lambda: media)
    themes = set(PhotoTheme.objects.filter(photo=photo).values_list("theme", flat=True))
    assert {Theme.VIDEOS, Theme.FOOD} <= themes
    assert Tag.objects.filter(photo=photo, label="pizza").exists()
