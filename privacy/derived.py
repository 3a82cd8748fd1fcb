"""Storing what a background job derived (a story video, a collage or effect, a face crop,
a thumbnail, an export ZIP): only if what it was made from is still there.

A job works for seconds or minutes with no transaction open; meanwhile the photos can be
deleted, the account erased or the consent revoked. `write_derived` therefore opens one
transaction, takes the owner lock (privacy.consent.lock_owner: every deletion and
revocation takes it too), checks that the owner is still active, that the scopes the work
needed are still granted and that the job's rows still exist, and only then writes the
files and the rows that name them. If that transaction rolls back, the files it wrote are
removed: a file never outlives the row that would have named it.
"""

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction

from privacy import consent, files


class Writer:
    """What `write` receives: saves files and remembers them, to remove them on rollback."""

    def __init__(self):
        self.names: list[str] = []

    def save(self, name: str, content) -> str:
        """Save into media storage under `name` (or a free variant); returns the name."""
        saved = default_storage.save(name, content)
        self.names.append(saved)
        return saved

    def save_field(self, field_file, name: str, content) -> str:
        """Save through a model's FileField (its upload_to names it); the row is not saved."""
        field_file.save(name, content, save=False)
        self.names.append(field_file.name)
        return field_file.name

    def track(self, names) -> None:
        """Files written by other code in this transaction, removed with the rest on
        rollback."""
        self.names.extend(n for n in names if n)


def write_derived(owner_id, write, *, scopes=(), still_held=None, inactive_too=False) -> bool:
    """Call `write(writer)` in a transaction under the owner lock, if the owner is still
    there and active (or only there, with `inactive_too`: the analysis runner records
    every step of an inactive owner as skipped, and writes no file then), every scope in
    `scopes` is granted now and `still_held()` (if given) is true: `write` saves its files
    through `writer` and updates its rows. Returns whether it ran.
    If the transaction rolls back (write raises, or the commit fails), every file saved
    through `writer` is removed and the error is raised again. Must not be nested in
    another transaction: a rollback of an outer one would keep the files."""
    writer = Writer()
    try:
        with transaction.atomic(durable=True):
            active = consent.lock_owner(owner_id)
            if not active and not (inactive_too and _exists(owner_id)):
                return False
            if scopes:
                granted = consent.granted(owner_id)
                if any(str(scope) not in granted for scope in scopes):
                    return False
            if still_held is not None and not still_held():
                return False
            write(writer)
    except BaseException:
        files.delete_files(writer.names)
        raise
    return True


def _exists(owner_id) -> bool:
    return get_user_model().objects.filter(pk=owner_id).exists()
