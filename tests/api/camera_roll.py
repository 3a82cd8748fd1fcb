"""A phone's camera roll for the API tests and the load benchmark: distinct JPEG copies of
the shared real photos, with EXIF capture dates in the last 30 days."""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

from tests.factories import exif_bytes

# Photos small enough to keep 50 analyses quick; the 100-face crowd and the 16-megapixel
# shots are left to the analysis benchmarks.
SKIP = {"selfie.jpg", "carrotcake_cake.jpg", "gorfort_mountain.jpg"}
MAX_SIDE = 1024


@dataclass(frozen=True)
class Item:
    name: str
    data: bytes
    sha256: str
    taken_at: datetime
    device_asset_id: str


def sources(photos_dir: Path) -> list[Path]:
    """People first, so that faces repeat often enough to form people; then scenes."""

    def photos(folder: Path) -> list[Path]:
        return sorted(
            p
            for p in folder.rglob("*")
            if p.suffix.lower() in (".jpg", ".jpeg", ".png") and p.name not in SKIP
        )

    return photos(photos_dir / "people") + photos(photos_dir / "scenes")


def camera_roll(
    photos_dir: Path, count: int, *, now: datetime | None = None, prefix: str = "IMG"
) -> list[Item]:
    """`count` distinct JPEGs: bursts of ten photos, ten minutes apart, on days within the
    last 30 days (what an event looks like), each with its own EXIF DateTimeOriginal."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    files = sources(photos_dir)
    items = []
    for i in range(count):
        src = files[i % len(files)]
        burst, within = divmod(i, 10)
        taken = now - timedelta(days=2 + 3 * (burst % 9), hours=3) + timedelta(minutes=10 * within)
        with Image.open(src) as im:
            rgb = im.convert("RGB")
            rgb.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            rgb.save(
                out,
                "JPEG",
                quality=88,
                exif=exif_bytes(
                    taken_at=taken.replace(tzinfo=None),
                    offset="+00:00",
                    make="Camroll",
                    model="Test",
                ),
            )
        data = out.getvalue()
        items.append(
            Item(
                name=f"{prefix}_{i:04d}.jpg",
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
                taken_at=taken,
                device_asset_id=f"{prefix}-asset-{i}",
            )
        )
    assert len({item.sha256 for item in items}) == count, "copies must be distinct"
    return items
