"""Decoding a photo or a video into the frames the models look at. No Django."""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from photos.lib import probe  # noqa: F401  (registers the HEIC/HEIF opener)

# The models see at most this many pixels on the long side: enough for the smallest face
# worth keeping in a crowd photo, and a 50-megapixel photo is never fully decoded.
ANALYSIS_MAX_SIDE = 2048
VIDEO_KEY_FRAMES = 3


@dataclass
class Frame:
    image: Image.Image  # upright RGB, long side at most ANALYSIS_MAX_SIDE
    scale: float  # upright original pixels per working pixel
    time: float | None = None  # seconds into a video

    @property
    def rgb(self) -> np.ndarray:
        return np.asarray(self.image)


@dataclass
class Media:
    frames: list[Frame]
    width: int  # upright original size
    height: int
    # A photo's upright image as the thumbnails want it (transparency kept), long side at
    # most ANALYSIS_MAX_SIDE: the derivatives come from the decode the analysis made.
    display: Image.Image | None = None


def fit(image: Image.Image) -> Image.Image:
    if max(image.size) > ANALYSIS_MAX_SIDE:
        image = image.copy()
        image.thumbnail((ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE), Image.Resampling.BILINEAR)
    return image


def load_image(fh) -> Media:
    """Upright RGB, decoded at a reduced scale when the photo is larger than needed."""
    with Image.open(fh) as im:
        orientation = im.getexif().get(0x0112, 1)
        width, height = im.size
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        if im.format == "JPEG":
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale directly: ask for the fitted size
            # (aspect kept), so a 50-megapixel photo is never decoded in full.
            scale = min(1.0, ANALYSIS_MAX_SIDE / max(im.size))
            im.draft("RGB", (round(im.width * scale), round(im.height * scale)))
        im.load()
        upright = ImageOps.exif_transpose(im)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    display = fit(upright.convert("RGBA" if has_alpha else "RGB"))
    image = display.convert("RGB") if has_alpha else display
    return Media([Frame(image, width / image.size[0])], width, height, display)


def load_video(fh) -> Media:
    """A few key frames spread over the clip."""
    import av  # only videos need PyAV (and its FFmpeg libraries)

    frames = []
    with av.open(fh) as container:
        stream = container.streams.video[0]
        duration = float(container.duration / 1_000_000) if container.duration else 0.0
        times = [duration * (i + 1) / (VIDEO_KEY_FRAMES + 1) for i in range(VIDEO_KEY_FRAMES)]
        for at in times if duration else [0.0]:
            if stream.time_base and duration:
                container.seek(int(at / stream.time_base), stream=stream, any_frame=False)
            # The seek lands on the key frame before `at`: decode forward to it (bounded).
            for count, frame in enumerate(container.decode(stream)):
                when = float(frame.time) if frame.time is not None else at
                if when + 0.05 >= at or count >= 300:
                    frames.append((frame.to_image().convert("RGB"), when))
                    break
    if not frames:
        raise ValueError("The video has no decodable frame.")
    width, height = frames[0][0].size
    result = []
    for image, when in frames:
        fitted = fit(image)
        result.append(Frame(fitted, width / fitted.size[0], round(when, 2)))
    return Media(result, width, height)
