"""Thumbnail and preview of one photo: WebP, upright, made by the analysis worker.

JPEGs are decoded at reduced scale (Pillow's `draft` asks libjpeg for 1/2, 1/4 or 1/8 of
the size), so a 12-megapixel photo is never fully decoded for a 1440 px preview. Videos
use the poster frame stored at upload. Idempotent: running it twice rewrites the same
two files under the same names.
"""

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from photos.lib import probe  # noqa: F401  (registers the HEIC/HEIF opener)
from photos.models import MediaType, Photo, derivative_path
from privacy import derived

THUMBNAIL_SIZE = 256
PREVIEW_SIZE = 1440
WEBP_QUALITY = {"thumbnail": 78, "preview": 82}


def fitted(size: tuple[int, int], box: int) -> tuple[int, int]:
    """`size` scaled down (never up) to fit a square of side `box`, keeping the aspect ratio."""
    width, height = size
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def render(source, sizes: dict[str, int]) -> dict[str, Image.Image]:
    """Decode `source` once at the smallest scale that still serves the largest size."""
    with Image.open(source) as im:
        largest = max(sizes.values())
        if im.format in ("JPEG", "MPO"):
            im.draft("RGB", fitted(im.size, largest))
        im.load()
        upright = ImageOps.exif_transpose(im)
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
            upright.mode == "P" and "transparency" in upright.info
        )
        base = upright.convert("RGBA" if has_alpha else "RGB")
    return resized(base, sizes)


def resized(base: Image.Image, sizes: dict[str, int]) -> dict[str, Image.Image]:
    """`base` (upright, RGB or RGBA) fitted to each of `sizes`."""
    results = {}
    # Largest first, each smaller one resized from the previous result: cheaper, same look.
    current = base
    for name, box in sorted(sizes.items(), key=lambda item: -item[1]):
        target = fitted(current.size, box)
        if target != current.size:
            current = current.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        results[name] = current
    return results


def encode_webp(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


def make_derivatives(photo: Photo, image: Image.Image | None = None) -> dict[str, str]:
    """Write the thumbnail and preview of `photo`; returns {"thumbnail": name, "preview": name}.

    `image`, when given, is the photo already decoded upright (the analysis' decode,
    photos.lib.decode.Media.display): the file is then not decoded a second time."""
    sizes = {"thumbnail": THUMBNAIL_SIZE, "preview": PREVIEW_SIZE}
    if image is not None:
        images = resized(image, sizes)
    else:
        source_field = photo.poster if photo.media_type == MediaType.VIDEO else photo.original
        if not source_field:
            raise ValueError(f"Photo {photo.pk} has no {'poster' if photo.poster else 'file'}.")
        with default_storage.open(source_field.name, "rb") as source:
            images = render(source, sizes)
    encoded = {kind: encode_webp(image, WEBP_QUALITY[kind]) for kind, image in images.items()}
    names = {}

    def store(writer):
        for kind, data in encoded.items():
            name = derivative_path(photo, f"{photo.sha256}_{kind}.webp")
            if default_storage.exists(name):
                default_storage.delete(name)  # same name on every run: idempotent
            names[kind] = writer.save(name, ContentFile(data))
        # Only these two columns: the pipeline may be updating others on the same row.
        Photo.objects.filter(pk=photo.pk).update(**names)

    # Written only if the photo is still there (deleted meanwhile: nothing is left behind).
    if not derived.write_derived(
        photo.owner_id,
        store,
        still_held=lambda: Photo.objects.select_for_update().filter(pk=photo.pk).exists(),
    ):
        return {}
    photo.thumbnail.name = names["thumbnail"]
    photo.preview.name = names["preview"]
    return names
