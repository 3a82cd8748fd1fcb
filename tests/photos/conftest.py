"""Fixtures shared by the photos tests."""

from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import connection

# The live server of the browser tests, for the resumable uploads with real clients.
from tests.browser.test_journey import server  # noqa: F401


def crop_files(media_root, user) -> set[str]:
    """The face crops stored for `user`, as storage names."""
    folder = media_root / f"u{user.pk}" / "faces"
    return {f"u{user.pk}/faces/{p.name}" for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def crop_writes():
    """Every face crop written, with the number of transactions open at the time."""
    writes = []
    real_save = default_storage.save

    def spy(name, content, *args, **kwargs):
        if "/faces/" in name:
            writes.append((name, len(connection.atomic_blocks)))
        return real_save(name, content, *args, **kwargs)

    with mock.patch.object(default_storage, "save", side_effect=spy):
        yield writes
