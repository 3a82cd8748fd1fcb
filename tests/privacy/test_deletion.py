"""Deletions: each shows counts before, reports counts after, and leaves nothing behind."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.models import Device, User
from photos.models import AnalysisStatus, AnalysisStep, Face, Person, Photo, PhotoTheme, Tag
from privacy.models import ConsentEvent, ProcessingRecord
from suggestions.models import Album, Suggestion

pytestmark = pytest.mark.django_db


def counts_table(response, anchor="counts") -> dict[str, int | str]:
    table = response.content.decode().split(f'id="{anchor}"')[1].split("</table>")[0]
    rows = {}
    for row in table.split("<tr>")[1:]:
        label = row.split("<td>")[1].split("</td>")[0]
        value = row.split("<strong>")[1].split("</strong>")[0]
        # Counts are numbers; the size of the files is in words ("543.4 KB").
        rows[label] = int(value) if value.isdigit() else value
    return rows


def all_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_delete_derived_data_confirms_counts_then_deletes_and_keeps_photos(
    alice_client, alice, bob, make_analysed, django_capture_on_commit_callbacks
):
    photos = make_analysed(alice, 3)
    make_analysed(bob, 2)
    AnalysisStep.objects.create(photo=photos[0], step="scenes", status=AnalysisStatus.DONE)
    AnalysisStep.objects.create(photo=photos[0], step="derivatives", status=AnalysisStatus.DONE)
    url = reverse("privacy:delete", args=["derived"])

    confirm = alice_client.get(url)
    assert confirm.status_code == 200
    before = counts_table(confirm)
    assert before["Faces"] == 3 and before["Face embeddings"] == 3
    assert before["People"] == 1 and before["Tags"] == 3 and before["Theme labels"] == 3
    assert before["Suggestions"] == 1 and before["Albums"] == 1
    assert before["Photos kept"] == 3
    assert Face.objects.filter(owner=alice).count() == 3  # a GET deletes nothing

    unconfirmed = alice_client.post(url, {})
    assert unconfirmed.status_code == 400
    assert Face.objects.filter(owner=alice).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        done = alice_client.post(url, {"confirm": "yes"})
    assert done.status_code == 200
    report = counts_table(done, "report")
    assert report == before

    assert Photo.objects.filter(owner=alice).count() == 3
    for model, field in ((Face, "owner"), (Person, "owner"), (PhotoTheme, "owner")):
        assert not model.objects.filter(**{field: alice}).exists()
    assert not Tag.objects.filter(photo__owner=alice).exists()
    assert not Suggestion.objects.filter(owner=alice).exists()
    assert not Album.objects.filter(owner=alice).exists()
    # Nothing claims the photos are analysed any more; thumbnails' step stays.
    assert not Photo.objects.filter(owner=alice, analysis_status=AnalysisStatus.DONE).exists()
    assert AnalysisStep.objects.get(photo=photos[0], step="scenes").status == "skipped"
    assert AnalysisStep.objects.get(photo=photos[0], step="derivatives").status == "done"
    # Bob untouched.
    assert Face.objects.filter(owner=bob).count() == 2
    assert Suggestion.objects.filter(owner=bob).count() == 1


def test_delete_derived_data_by_api(alice, make_analysed, api_client_for):
    make_analysed(alice, 2)
    response = api_client_for(alice).delete("/api/v1/privacy/derived-data/")
    assert response.status_code == 200
    deleted = response.json()["deleted"]
    assert deleted["faces"] == 2 and deleted["embeddings"] == 2 and deleted["people"] == 1
    assert deleted["tags"] == 2 and deleted["suggestions"] == 1 and deleted["photos_kept"] == 2
    assert not Face.objects.filter(owner=alice).exists()
    assert Photo.objects.filter(owner=alice).count() == 2


def test_delete_all_photos_removes_rows_and_files(
    alice_client, alice, bob, make_analysed, private_media, django_capture_on_commit_callbacks
):
    make_analysed(alice, 2)
    make_analysed(bob, 1)
    url = reverse("privacy:delete", args=["photos"])
    before = counts_table(alice_client.get(url))
    assert before["Photos and videos"] == 2 and before["Faces"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        done = alice_client.post(url, {"confirm": "yes"})
    assert counts_table(done, "report")["Photos and videos"] == 2
    assert not Photo.objects.filter(owner=alice).exists()
    assert not Face.objects.filter(owner=alice).exists()
    assert not [f for f in all_files(private_media) if f.startswith(f"u{alice.pk}/originals")]
    assert [f for f in all_files(private_media) if f.startswith(f"u{bob.pk}/originals")]
    # The account and its consent choices stay.
    assert User.objects.filter(pk=alice.pk).exists()


def test_delete_account_needs_the_password_then_removes_everything_and_logs_out(
    client,
    alice,
    bob,
    grant,
    make_analysed,
    private_media,
    api_token_for,
    django_capture_on_commit_callbacks,
):
    make_analysed(alice, 2)
    make_analysed(bob, 1)
    grant(alice, "cloud_processing")
    api_token_for(alice)
    client.force_login(alice)
    url = reverse("privacy:delete", args=["account"])
    before = counts_table(client.get(url))
    assert before["Photos and videos"] == 2 and before["Connected devices"] == 1
    assert before["Consent history entries"] == 1 and before["Analysis log entries"] == 4

    wrong = client.post(url, {"confirm": "yes", "password": "nope"})
    assert wrong.status_code == 400
    assert User.objects.filter(pk=alice.pk).exists()

    from tests.conftest import PASSWORD

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirm": "yes", "password": PASSWORD})
    assert done.status_code == 200
    assert counts_table(done, "report")["Photos and videos"] == 2
    assert not User.objects.filter(pk=alice.pk).exists()
    for model, field in (
        (Photo, "owner_id"),
        (Face, "owner_id"),
        (Person, "owner_id"),
        (Suggestion, "owner_id"),
        (ConsentEvent, "user_id"),
        (ProcessingRecord, "user_id"),
        (Device, "user_id"),
    ):
        assert not model.objects.filter(**{field: alice.pk}).exists(), model
    assert not [f for f in all_files(private_media) if f.startswith(f"u{alice.pk}/")]
    assert Photo.objects.filter(owner=bob).count() == 1
    # Logged out.
    response = client.get(reverse("privacy:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_delete_account_by_api_ends_the_token(alice, make_analysed, api_client_for):
    make_analysed(alice, 1)
    api = api_client_for(alice)
    from tests.conftest import PASSWORD

    response = api.delete("/api/v1/account/", {"password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["deleted"]["photos"] == 1
    assert not User.objects.filter(pk=alice.pk).exists()
    assert api.get("/api/v1/consent/").status_code == 401


def test_unknown_deletion_kind_is_404(alice_client):
    assert alice_client.get("/privacy/delete/everything/").status_code == 404


def test_files_are_gone_from_storage_after_account_deletion(
    alice, make_analysed, django_capture_on_commit_callbacks
):
    from privacy import services

    photo = make_analysed(alice, 1)[0]
    name = photo.original.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.delete_account(alice)
    assert counts["photos"] == 1
    assert not default_storage.exists(name)


def test_it_shows_the_size_of_the_files_in_kb_or_mb(alice_client, alice, photos_dir):
    from tests.factories import make_photo

    make_photo(alice, photos_dir / "scenes/ibm_paris.jpg")
    rows = counts_table(alice_client.get(reverse("privacy:delete", args=["photos"])))
    size = rows["Size of the original files"]
    assert size.endswith(("KB", "MB")), size
