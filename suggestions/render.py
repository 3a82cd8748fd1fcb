"""Rendering suggestion images with Pillow (collages and covers) and the effects of
suggestions/lib/effects.py. Reads the photos' stored files; never writes to them."""

import io
import logging
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from suggestions.lib import effects, layout

log = logging.getLogger(__name__)

WIDTH, PHOTO_HEIGHT, CAPTION_HEIGHT, PADDING, GAP = 1200, 800, 96, 16, 8
BACKGROUND = (24, 26, 32)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
EFFECT_MAX_SIDE = 2048  # effects keep the source's size up to this long side
MIN_CAPTION_SIZE = 18


@lru_cache(maxsize=8)
def font(size: int, bold: bool = True):
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def open_upright(photo, max_side: int, *, original: bool = False) -> tuple[Image.Image, float]:
    """The photo decoded upright (preview when there is one, for speed, unless `original`),
    at most `max_side` pixels, and the factor from the photo's upright pixel coordinates
    (the face boxes') to this image."""
    field = photo.preview if photo.preview and not original else photo.original
    with field.open("rb") as fh:
        im = Image.open(fh)
        im.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
        im = ImageOps.exif_transpose(im).convert("RGB")
    im.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    scale = im.width / photo.width if photo.width else 1.0
    return im, scale


def _placeholder(w: int, h: int) -> Image.Image:
    return Image.new("RGB", (w, h), (60, 64, 72))


def to_jpeg(im: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def render_collage(items, style: str | None, caption: str) -> tuple[bytes, list[dict]]:
    """`items`: [(photo, [face boxes in the photo's upright coordinates])], 1 to 9 of them.
    Returns the JPEG and the layout: for each photo its cell on the canvas and its crop in
    photo coordinates (so anyone can check that no face is cut)."""
    aspects = [(p.width or 4) / (p.height or 3) for p, _ in items]
    style = style or layout.style_for(len(items), seed=sum(p.pk for p, _ in items))
    inner_w, inner_h = WIDTH - 2 * PADDING, PHOTO_HEIGHT - 2 * PADDING
    cells = [
        layout.Cell(c.x + PADDING, c.y + PADDING, c.w, c.h)
        for c in layout.layout(style, aspects, inner_w, inner_h, GAP)
    ]
    canvas = Image.new("RGB", (WIDTH, PHOTO_HEIGHT + CAPTION_HEIGHT), BACKGROUND)
    placed = []
    for (photo, faces), cell in zip(items, cells, strict=True):
        width, height = photo.width or 1, photo.height or 1
        crop = layout.face_crop(width, height, faces, cell.w, cell.h)
        try:
            # Decoded a little larger than the cell: JPEG draft mode does most of the shrinking.
            im, scale = open_upright(photo, max_side=int(max(cell.w, cell.h) * 1.25))
            tile = _tile(im, [v * scale for v in crop], cell)
        except (OSError, ValueError):
            log.warning("could not read photo %s for a collage", photo.pk, exc_info=True)
            tile = _placeholder(cell.w, cell.h)
        canvas.paste(tile, (cell.x, cell.y))
        placed.append(
            {
                "photo_id": photo.pk,
                "cell": cell.as_list(),
                "crop": [round(v, 2) for v in crop],
                "faces": len(faces),
            }
        )
    _caption(canvas, caption)
    return to_jpeg(canvas), placed


def _tile(im: Image.Image, crop: list[float], cell) -> Image.Image:
    """The crop scaled into the cell. Where the crop reaches past the photo (to keep every
    face whole), the photo itself, blurred and dimmed, fills the rest instead of bars."""
    x1, y1, x2, y2 = crop
    size = (cell.w, cell.h)
    if x1 >= -0.5 and y1 >= -0.5 and x2 <= im.width + 0.5 and y2 <= im.height + 0.5:
        box = (
            max(0, round(x1)),
            max(0, round(y1)),
            min(im.width, round(x2)),
            min(im.height, round(y2)),
        )
        return im.resize(size, Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)
    backdrop = ImageOps.fit(im, size, Image.Resampling.BILINEAR).filter(
        ImageFilter.GaussianBlur(max(8, min(size) // 25))
    )
    backdrop = ImageEnhance.Brightness(backdrop).enhance(0.7)
    sx, sy = cell.w / (x2 - x1), cell.h / (y2 - y1)
    vx1, vy1, vx2, vy2 = max(0.0, x1), max(0.0, y1), min(im.width, x2), min(im.height, y2)
    part = im.resize(
        (max(1, round((vx2 - vx1) * sx)), max(1, round((vy2 - vy1) * sy))),
        Image.Resampling.BICUBIC,
        box=(vx1, vy1, vx2, vy2),
    )
    backdrop.paste(part, (round((vx1 - x1) * sx), round((vy1 - y1) * sy)))
    return backdrop


def _caption(canvas: Image.Image, text: str) -> None:
    """The caption in the band under the photos: smaller type for long ones, and cut with
    an ellipsis if even the smallest size does not fit."""
    draw = ImageDraw.Draw(canvas)
    room = WIDTH - 2 * PADDING
    size = 40
    while True:
        face = font(size)
        if draw.textlength(text, font=face) <= room or size <= MIN_CAPTION_SIZE:
            break
        size -= 2
    while len(text) > 1 and draw.textlength(text, font=face) > room:
        text = text[:-2].rstrip() + "\N{HORIZONTAL ELLIPSIS}"
    _, top, _, bottom = draw.textbbox((0, 0), text, font=face)
    y = PHOTO_HEIGHT + (CAPTION_HEIGHT - (bottom - top)) / 2 - top - PADDING / 2
    draw.text((PADDING, y), text, font=face, fill=(245, 245, 245))


def render_effect(photo, name: str, faces) -> bytes:
    # From the original: an effect is a new photo at the source's size (up to 2048 px),
    # not an enlarged preview.
    try:
        im, scale = open_upright(photo, max_side=EFFECT_MAX_SIDE, original=True)
    except OSError:  # a format only the preview step could decode
        im, scale = open_upright(photo, max_side=EFFECT_MAX_SIDE)
    scaled = [tuple(v * scale for v in box) for box in faces]
    return to_jpeg(effects.apply(name, im, scaled), quality=90)
