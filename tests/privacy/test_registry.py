"""The personal-data registry: a provider registered by any app is exported, counted on the
delete pages and erased, without an edit in privacy."""

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from privacy import registry, services
from privacy.files import delete_files_on_commit
from privacy.models import ExportJob, ExportStatus
from privacy.registry import PersonalData
from tests.conftest import PASSWORD
from tests.privacy.test_deletion import counts_table

pytestmark = pytest.mark.django_db


class Notebook(PersonalData):
    """A throwaway app's data: notes (uploads) and their summaries (derived), in memory,
    and one file per user in storage."""

    name = "notebook"
    label = "Notebook"
    readme = "data/notebook.json    your notes and their summaries"
    count_labels = {"notes": "notes", "note_summaries": "note summaries"}

    def __init__(self):
        self.notes: dict[int, list[str]] = {}
        self.summaries: dict[int, list[str]] = {}

    def add(self, user, text):
        self.notes.setdefault(user.pk, []).append(text)
        self.summaries.setdefault(user.pk, []).append(text[:5])
        return default_storage.save(f"u{user.pk}/notebook/note.txt", ContentFile(text.encode()))

    def counts(self, user, *, derived=False):
        if derived:
            return {"note_summaries": len(self.summaries.get(user.pk, []))}
        return {
            "notes": len(self.notes.get(user.pk, [])),
            "note_summaries": len(self.summaries.get(user.pk, [])),
        }

    def export(self, user, zf, progress=None):
        data = {"notes": self.notes.get(user.pk, []), "summaries": self.summaries.get(user.pk)}
        zf.writestr("data/notebook.json", json.dumps(data))
        if progress is not None:
            progress(1.0)

    def erase_derived(self, user):
        return {"note_summaries": len(self.summaries.pop(user.pk, []))}

    def erase_all(self, user):
        counts = self.counts(user)
        self.notes.pop(user.pk, None)
        self.summaries.pop(user.pk, None)
        delete_files_on_commit([f"u{user.pk}/notebook/note.txt"])
        return counts


@pytest.fixture
def notebook():
    provider = registry.register(Notebook())
    yield provider
    registry.unregister(provider.name)


def test_it_exports_what_a_registered_provider_holds(
    alice, bob, notebook, django_capture_on_commit_callbacks
):
    notebook.add(alice, "Buy film for the Leica")
    notebook.add(bob, "Bob's secret")
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.request_export(alice)
    job.refresh_from_db()
    assert job.status == ExportStatus.READY
    with default_storage.open(job.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    data = json.loads(archive.read("data/notebook.json"))
    assert data == {"notes": ["Buy film for the Leica"], "summaries": ["Buy f"]}
    assert "data/notebook.json" in archive.read("README.txt").decode()
    # The apps' own providers are still there.
    assert {"data/photos.json", "data/suggestions.json"} <= set(archive.namelist())


def test_it_counts_and_erases_derived_data_of_a_registered_provider(
    alice_client, alice, notebook, django_capture_on_commit_callbacks
):
    notebook.add(alice, "First note")
    notebook.add(alice, "Second note")
    url = reverse("privacy:delete", args=["derived"])
    before = counts_table(alice_client.get(url))
    assert before["Note summaries"] == 2
    assert "Notes" not in before  # the notes themselves are not derived data
    with django_capture_on_commit_callbacks(execute=True):
        done = alice_client.post(url, {"confirm": "yes"})
    assert counts_table(done, "report")["Note summaries"] == 2
    assert notebook.summaries.get(alice.pk) is None
    assert notebook.notes[alice.pk] == ["First note", "Second note"]


def test_it_counts_and_erases_a_registered_provider_with_the_photos(
    alice_client, alice, notebook, django_capture_on_commit_callbacks
):
    name = notebook.add(alice, "A note")
    url = reverse("privacy:delete", args=["photos"])
    assert counts_table(alice_client.get(url))["Notes"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        done = alice_client.post(url, {"confirm": "yes"})
    assert counts_table(done, "report")["Notes"] == 1
    assert alice.pk not in notebook.notes
    assert not default_storage.exists(name)


def test_it_counts_and_erases_a_registered_provider_with_the_account(
    client, alice, bob, notebook, django_capture_on_commit_callbacks
):
    mine = notebook.add(alice, "A note")
    notebook.add(bob, "Bob's note")
    client.force_login(alice)
    url = reverse("privacy:delete", args=["account"])
    assert counts_table(client.get(url))["Notes"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirm": "yes", "password": PASSWORD})
    assert counts_table(done, "report")["Notes"] == 1
    assert alice.pk not in notebook.notes
    assert not default_storage.exists(mine)
    assert notebook.notes[bob.pk] == ["Bob's note"]


def test_a_failing_provider_rolls_the_whole_erasure_back(alice, make_analysed, notebook):
    from photos.models import Photo

    make_analysed(alice, 1)

    def broken(user):
        raise RuntimeError("disk on fire")

    notebook.erase_all = broken
    with pytest.raises(RuntimeError), transaction.atomic():
        services.delete_account(alice)
    # Nothing half-done: the account and its photos are still there.
    assert Photo.objects.filter(owner=alice).count() == 1
    alice.refresh_from_db()


def test_an_export_built_while_the_account_goes_leaves_no_file(alice, private_media, monkeypatch):
    from privacy import export

    job = ExportJob.objects.create(user=alice)
    real_write = export.write_zip

    def write_then_lose_the_account(job, target):
        real_write(job, target)
        ExportJob.objects.filter(pk=job.pk).delete()

    monkeypatch.setattr(export, "write_zip", write_then_lose_the_account)
    export.build(job)
    assert not list(private_media.rglob("*.zip"))
