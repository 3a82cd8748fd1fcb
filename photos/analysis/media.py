"""A photo's stored original, decoded once per task, and the files a step writes.

File I/O for the analysis happens here: reading outside any transaction, writing a step's
files in the store transaction, once the owner's lock is held and consent checked.
"""

import io
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from photos.lib.decode import Media, load_image, load_video
from photos.models import MediaType, Photo

log = logging.getLogger(__name__)


def load_media(photo: Photo) -> Media:
    with default_storage.open(photo.original.name, "rb") as fh:
        if photo.media_type == MediaType.VIDEO:
            return load_video(io.BytesIO(fh.read()) if not hasattr(fh, "fileno") else fh)
        return load_image(fh)


def media_loader(photo: Photo):
    """A function returning the decoded photo: decoded on the first call only, and only if
    a step with consent needs the pixels. A file that cannot be decoded fails each step."""
    loaded: dict[str, object] = {}

    def media() -> Media:
        if "media" not in loaded:
            try:
                loaded["media"] = load_media(photo)
            except SoftTimeLimitExceeded:
                raise
            except Exception as exc:
                loaded["media"] = exc
        if isinstance(loaded["media"], Exception):
            error = loaded["media"]
            raise ValueError(f"The file could not be decoded: {error}") from error
        return loaded["media"]

    return media


def write_files(files: dict[str, bytes]) -> tuple[dict[str, str], list[str]]:
    """Store `files` (name -> bytes), in the store transaction (runner.store_steps).

    Names are content-addressed (photos.lib.crops.crop_filename), so a file already there
    holds these bytes and is reused as it is. Returns (wanted -> stored name, names created
    now), so that the caller removes what it created if the store does not commit."""
    saved, created = {}, []
    try:
        for name, data in files.items():
            if default_storage.exists(name):
                saved[name] = name
            else:
                saved[name] = default_storage.save(name, ContentFile(data))
                created.append(saved[name])
    except BaseException:
        remove_files(created)
        raise
    return saved, created


def remove_files(names) -> None:
    """Best effort, one file at a time: a file that cannot be removed is logged, not raised."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            log.exception("Could not remove the analysis file %s", name)
