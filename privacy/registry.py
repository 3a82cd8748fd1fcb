"""The registry of personal-data providers.

Each app that stores something about a user registers one provider in its
`AppConfig.ready()`. Privacy's export, delete pages, retention purge and account deletion
loop over the providers, so privacy never imports another app's models, and adding a model
with personal data is one provider method in its own app.
"""

from django.core.exceptions import ImproperlyConfigured


class PersonalData:
    """One app's personal data. Subclass it and override what the app stores.

    Counts are `{key: number}`; the keys are labelled on the delete pages (privacy.views
    COUNT_LABELS; an unknown key is shown as is) and returned by the API. Two providers that
    report the same key are added up.
    """

    name = ""  # unique, e.g. "photos"
    label = ""  # for people, e.g. "Photos, faces and people"
    readme = ""  # lines of the export's README.txt describing the files export() writes
    count_labels: dict[str, str] = {}  # {count key: "what it counts"} for the delete pages
    # The analysis-log steps (privacy.records) whose findings erase_derived deletes: their
    # records lose the summary of what was found once the findings are gone.
    finding_steps: tuple[str, ...] = ()

    def counts(self, user, *, derived: bool = False) -> dict[str, int]:
        """What the app holds about `user`; with derived=True, what erase_derived would
        delete (and what it keeps, e.g. photos_kept)."""
        return {}

    def revocation_counts(self, user, scopes) -> dict[str, int]:
        """What revoking every one of `scopes` deletes (or changes) at once, for the
        confirmation step of a revocation and of stop-all; keys ending in `_kept` count
        what stays."""
        return {}

    def person_counts(self, person) -> dict[str, int]:
        """What forgetting `person` (a photos.Person of the user's) deletes or changes in
        this app, for the confirmation step of "forget this person" (page and API)."""
        return {}

    def forget_person(self, person) -> dict[str, int]:
        """Delete every row of this app that names or shows `person` (the person still
        exists while it runs, inside the forget's transaction); returns the same counts
        as person_counts."""
        return {}

    def export(self, user, zf, progress=None) -> None:
        """Write the app's files into the open zipfile.ZipFile `zf`. `progress(fraction)`,
        when given, may be called with 0..1 as the work goes on."""

    def erase_derived(self, user) -> dict[str, int]:
        """Delete what was computed from the user's uploads, keeping the uploads."""
        return {}

    def erase_all(self, user) -> dict[str, int]:
        """Delete everything the app stores about the user (rows now; files after commit
        through privacy.files). The account itself is deleted by privacy afterwards."""
        return {}

    def erase_batch(self, user, limit: int) -> int:
        """Delete at most about `limit` of the user's rows, in the caller's transaction
        (files after it commits, through privacy.files); return how many went, 0 once
        nothing is left. The background erasure (privacy.erasures) calls it again and
        again, committing after each call, so a library of any size is erased in bounded
        steps and a re-run after a crash goes on where the last one stopped. By default
        everything goes at once through erase_all: right for an app that holds little per
        user. An app whose rows grow with the library overrides it."""
        self.erase_all(user)
        return 0


_providers: dict[str, PersonalData] = {}


def register(provider: PersonalData) -> PersonalData:
    if not provider.name:
        raise ImproperlyConfigured(f"{provider!r} has no name.")
    existing = _providers.get(provider.name)
    if existing is not None and type(existing) is not type(provider):
        raise ImproperlyConfigured(f"A personal-data provider {provider.name!r} exists already.")
    _providers[provider.name] = provider
    return provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def providers() -> list[PersonalData]:
    """In registration order, which is INSTALLED_APPS order: lower apps first."""
    return list(_providers.values())


def count_label(key: str) -> str:
    """How the delete pages name a count key a provider reports."""
    for provider in _providers.values():
        if key in provider.count_labels:
            return provider.count_labels[key]
    return key.replace("_", " ")


def merge(results) -> dict[str, int]:
    """Several providers' counts as one dict (same keys added up), in provider order."""
    merged: dict[str, int] = {}
    for counts in results:
        for key, value in counts.items():
            merged[key] = merged.get(key, 0) + value
    return merged
