"""Removing a user's files from media storage: after commit, best-effort, one by one.

Rows are deleted in a transaction; their files only once it has committed, so a rollback
never leaves a row pointing at a missing file. A file that cannot be removed then is
logged and skipped: a finished delete never turns into a 500.
"""

import contextlib
import logging
import os

from django.core.files.storage import default_storage
from django.db import transaction

log = logging.getLogger(__name__)


def user_folder(user_id: int) -> str:
    """Every file stored for a user lives under this folder (photos.models, suggestions.models
    and privacy.export name their files so)."""
    return f"u{user_id}"


def delete_files(names) -> int:
    """Delete each file; returns how many could not be deleted (each one logged)."""
    failed = 0
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # one stubborn file must not stop the others
            failed += 1
            log.exception("Could not delete %s", name)
    return failed


def delete_files_on_commit(names) -> None:
    names = [str(n) for n in names if n]
    if names:
        transaction.on_commit(lambda: delete_files(names))


def _walk(folder: str):
    try:
        dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(f"{folder}/{sub}")


def delete_user_folder(user_id: int) -> int:
    """Whatever is left under the user's folder (files of a job that was running while the
    account went, for one). Returns how many files could not be deleted."""
    try:
        names = list(_walk(user_folder(user_id)))
    except Exception:
        log.exception("Could not list the files of user %s", user_id)
        return 1
    failed = delete_files(names)
    _remove_empty_dirs(user_folder(user_id))
    return failed


def _remove_empty_dirs(folder: str) -> None:
    # Only a local filesystem has directories to tidy; object stores have none.
    path = getattr(default_storage, "path", None)
    if path is None:
        return
    try:
        root = path(folder)
    except NotImplementedError:
        return
    for current, _dirs, _files in sorted(os.walk(root), key=lambda t: -len(t[0])):
        with contextlib.suppress(OSError):  # not empty: something could not be deleted
            os.rmdir(current)
