"""Photo effects on Pillow images (RGB in, RGB out). The original file is never touched:
callers pass a decoded copy and store the result as a new file."""

from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

Box = tuple[float, float, float, float]


def vivid(im: Image.Image, faces: list[Box] | None = None) -> Image.Image:
    """Auto-enhance: stretched levels, richer colour, a little sharper."""
    out = ImageOps.autocontrast(im, cutoff=1)
    out = ImageEnhance.Color(out).enhance(1.45)
    out = ImageEnhance.Contrast(out).enhance(1.1)
    return ImageEnhance.Sharpness(out).enhance(1.3)


def black_and_white(im: Image.Image, faces: list[Box] | None = None) -> Image.Image:
    gray = ImageOps.autocontrast(ImageOps.grayscale(im), cutoff=0.5)
    return gray.convert("RGB")


def vintage(im: Image.Image, faces: list[Box] | None = None) -> Image.Image:
    """Sepia tones, faded blacks and a vignette."""
    arr = np.asarray(im.convert("RGB"), dtype=np.float32)
    sepia = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    toned = arr @ sepia.T
    toned = toned * 0.85 + 30  # lifted, faded shadows
    h, w = arr.shape[:2]
    ys, xs = np.ogrid[:h, :w]
    dist = np.sqrt(((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2)
    vignette = np.clip(1.15 - 0.45 * dist**2, 0.35, 1.0)
    toned *= vignette[..., None]
    return Image.fromarray(np.clip(toned, 0, 255).astype(np.uint8))


def portrait(im: Image.Image, faces: list[Box] | None = None) -> Image.Image:
    """The background blurred around the people: sharp ellipses over each face and the
    body below it, feathered into a strong blur."""
    if not faces:
        raise ValueError("the portrait effect needs at least one face")
    w, h = im.size
    mask = Image.new("L", (w, h), 0)

    draw = ImageDraw.Draw(mask)
    for x1, y1, x2, y2 in faces:
        fw, fh = x2 - x1, y2 - y1
        draw.ellipse((x1 - 0.45 * fw, y1 - 0.6 * fh, x2 + 0.45 * fw, y2 + 0.5 * fh), fill=255)
        draw.ellipse((x1 - 1.1 * fw, y2 - 0.1 * fh, x2 + 1.1 * fw, y2 + 3.5 * fh), fill=255)
    radius = max(4, int(min(w, h) * 0.02))
    mask = mask.filter(ImageFilter.GaussianBlur(radius))
    # A strong lens-like blur, the background a touch darker so the people stand out.
    background = im.filter(ImageFilter.GaussianBlur(max(8, int(min(w, h) * 0.04))))
    background = ImageEnhance.Brightness(background).enhance(0.85)
    return Image.composite(im, background, mask)


def cartoon(im: Image.Image, faces: list[Box] | None = None) -> Image.Image:
    """Flat colours (repeated bilateral filtering and quantisation) with dark outlines."""
    bgr = cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2BGR)
    scale = 800 / max(bgr.shape[:2])
    small = cv2.resize(bgr, None, fx=scale, fy=scale) if scale < 1 else bgr
    smooth = small
    for _ in range(4):
        smooth = cv2.bilateralFilter(smooth, 9, 40, 9)
    quantised = (smooth // 32) * 32 + 16
    gray = cv2.medianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), 7)
    edges = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 4)
    out = cv2.bitwise_and(quantised, quantised, mask=edges)
    if out.shape[:2] != bgr.shape[:2]:
        out = cv2.resize(out, (bgr.shape[1], bgr.shape[0]), interpolation=cv2.INTER_LINEAR)
    return Image.fromarray(cv2.cvtColor(out, cv2.COLOR_BGR2RGB))


def sketch(im: Image.Image, faces: list[Box] | None = None) -> Image.Image:
    """A pencil sketch: the grey image divided by its blurred negative (colour dodge)."""
    gray = cv2.cvtColor(np.asarray(im.convert("RGB")), cv2.COLOR_RGB2GRAY)
    blurred = cv2.GaussianBlur(255 - gray, (0, 0), sigmaX=max(3, min(gray.shape) / 60))
    dodge = cv2.divide(gray, 255 - blurred, scale=256)
    return Image.fromarray(dodge).convert("RGB")


EFFECTS: dict[str, tuple[str, Callable[..., Image.Image], bool]] = {
    # name: (title, function, needs faces)
    "vivid": ("Vivid", vivid, False),
    "black_and_white": ("Black & white", black_and_white, False),
    "vintage": ("Vintage", vintage, False),
    "portrait": ("Portrait", portrait, True),
    "cartoon": ("Cartoon", cartoon, False),
    "sketch": ("Pencil sketch", sketch, False),
}


def apply(name: str, im: Image.Image, faces: list[Box] | None = None) -> Image.Image:
    _, function, _ = EFFECTS[name]
    return function(im.convert("RGB"), faces)
