"""Rendering without the database: every layout draws each photo where its stored layout
says, faces whole and in place; captions fit; effects change pixels."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from suggestions import render
from suggestions.lib import layout

PEOPLE = [
    ("people/groups/biden_and_obama.jpg", [(0.12, 0.16, 0.36, 0.58), (0.60, 0.12, 0.84, 0.52)]),
    ("people/obama/obama_2.jpg", [(0.02, 0.03, 0.48, 0.36)]),
    ("people/biden/biden_1.jpg", [(0.30, 0.10, 0.70, 0.30)]),
    ("people/rose_leslie/rose_1.jpg", [(0.40, 0.10, 0.60, 0.45)]),
]
SCENES = ["scenes/ibm_city.jpg", "scenes/ibm_pizza.jpg", "scenes/pelican.jpeg",
          "scenes/ibm_dog.jpg", "scenes/bald_eagle.jpeg"]  # fmt: skip


class StoredFile:
    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)

    def __bool__(self):
        return True

    def open(self, mode="rb"):
        return self.path.open(mode)


class FakePhoto:
    """What the renderer reads from a Photo: pk, upright size, original/preview files."""

    def __init__(self, pk, path: Path):
        self.pk = pk
        self.original = StoredFile(path)
        self.preview = None
        with Image.open(path) as im:
            self.width, self.height = im.size


def items(photos_dir, n):
    chosen = []
    for i, (rel, fractions) in enumerate(PEOPLE + [(s, []) for s in SCENES]):
        photo = FakePhoto(i + 1, photos_dir / rel)
        boxes = [
            (a * photo.width, b * photo.height, c * photo.width, d * photo.height)
            for a, b, c, d in fractions
        ]
        chosen.append((photo, boxes))
    return chosen[:n]


def region(im: Image.Image, box) -> np.ndarray:
    return np.asarray(im.crop(tuple(round(v) for v in box)).convert("L").resize((24, 24)), float)


@pytest.mark.parametrize("style", layout.STYLES)
@pytest.mark.parametrize("n", [2, 4, 5, 9])
def test_it_draws_every_face_whole_and_where_the_layout_says(photos_dir, style, n):
    chosen = items(photos_dir, n)
    data, placed = render.render_collage(chosen, style, "A caption that is long enough " * 3)
    canvas = Image.open(io.BytesIO(data))
    assert canvas.size == (render.WIDTH, render.PHOTO_HEIGHT + render.CAPTION_HEIGHT)
    assert [p["photo_id"] for p in placed] == [photo.pk for photo, _ in chosen]
    faces_checked = 0
    for (photo, boxes), item in zip(chosen, placed, strict=True):
        cell = layout.Cell(*item["cell"])
        for box in boxes:
            mapped = layout.map_box(box, tuple(item["crop"]), cell)
            assert layout.inside(mapped, cell), (photo.original.name, cell, mapped)
            # The pixels there are that face: compare with the original's face region.
            with Image.open(photo.original.path) as original:
                expected = region(original.convert("RGB"), box)
            drawn = region(canvas, mapped)
            assert np.abs(drawn - expected).mean() < 20, (style, n, photo.original.name)
            assert np.corrcoef(drawn.ravel(), expected.ravel())[0, 1] > 0.8
            faces_checked += 1
    assert faces_checked == sum(len(b) for _, b in chosen)


@pytest.mark.parametrize("fonts", ["dejavu", "default"])
def test_it_keeps_long_captions_inside_the_band(monkeypatch, fonts):
    if fonts == "default":
        monkeypatch.setattr(render, "FONT_DIR", Path("/nonexistent"))
    render.font.cache_clear()
    try:
        canvas = Image.new("RGB", (render.WIDTH, render.PHOTO_HEIGHT + render.CAPTION_HEIGHT))
        render._caption(canvas, "Trip to Rome & Florence, Italy, 10 to 13 May 2026 " * 4)
        band = np.asarray(canvas.crop((0, render.PHOTO_HEIGHT, render.WIDTH, canvas.height)))
        columns = np.nonzero(band.max(axis=(0, 2)) > 128)[0]
        assert len(columns) > 300  # the text was drawn
        assert columns.min() >= render.PADDING - 2
        assert columns.max() <= render.WIDTH - render.PADDING + 2
    finally:
        render.font.cache_clear()


# The effects are measured in test_effects.py.
