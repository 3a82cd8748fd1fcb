"""Face crops: the small JPEG shown for each detected face. No Django."""

import hashlib
import io

from PIL import Image

from photos.lib.decode import Frame

FACE_CROP_SIZE = 160


def crop_jpeg(frame: Frame, box) -> bytes:
    """The face in `box` (original pixels) with a quarter of margin, as a small JPEG."""
    x1, y1, x2, y2 = (v / frame.scale for v in box)
    pad_x, pad_y = (x2 - x1) * 0.25, (y2 - y1) * 0.25
    left, top = max(0, x1 - pad_x), max(0, y1 - pad_y)
    right = min(frame.image.width, x2 + pad_x)
    bottom = min(frame.image.height, y2 + pad_y)
    crop = frame.image.crop((round(left), round(top), round(right), round(bottom)))
    crop.thumbnail((FACE_CROP_SIZE, FACE_CROP_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, "JPEG", quality=85)
    return out.getvalue()


def crop_filename(photo_sha256: str, model_version: str, box, frame_time, data: bytes) -> str:
    """The same name for the same crop: a run repeated finds its file already there, and a
    different crop never overwrites a file that a stored face still shows."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    return (
        f"{photo_sha256[:16]}-{model_version[:8]}-"
        f"{round(box[0])}-{round(box[1])}-{frame_time or 0:g}-{digest}.jpg"
    )
