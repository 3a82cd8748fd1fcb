"""The AI-training manifest lists only photos whose owners grant ai_training right now."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from privacy import consent
from privacy.models import ConsentTerms
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


def manifest(tmp_path, name="manifest.json"):
    path = tmp_path / name
    call_command("training_manifest", "--output", str(path))
    return json.loads(path.read_text())


@pytest.fixture
def libraries(alice, bob, charlie, photos_dir):
    made = {}
    for user, files in (
        (alice, ["scenes/ibm_dog.jpg", "scenes/ibm_pizza.jpg"]),
        (bob, ["scenes/pelican.jpeg"]),
        (charlie, ["scenes/ibm_city.jpg"]),
    ):
        made[user.username] = [make_photo(user, photos_dir / f).pk for f in files]
    return made


def test_it_lists_only_photos_of_owners_granting_ai_training(
    tmp_path, alice, bob, charlie, grant, libraries
):
    grant(alice, "ai_training")
    grant(bob, "cloud_processing", "face_analysis")  # everything but training
    data = manifest(tmp_path)
    assert data["count"] == 2
    assert sorted(p["photo_id"] for p in data["photos"]) == sorted(libraries["alice"])
    assert {p["owner_id"] for p in data["photos"]} == {alice.pk}

    # Revoking removes them from the next manifest; a new grant adds bob's.
    consent.revoke(alice, "ai_training")
    grant(bob, "ai_training")
    data = manifest(tmp_path, "second.json")
    assert [p["photo_id"] for p in data["photos"]] == libraries["bob"]


def test_new_terms_leave_owners_out_until_they_consent_again(tmp_path, alice, grant, libraries):
    grant(alice, "ai_training")
    ConsentTerms.objects.create(
        scope="ai_training", version=2, title="t", text="new", published_at=timezone.now()
    )
    assert manifest(tmp_path)["count"] == 0
    consent.grant(alice, "ai_training")
    assert manifest(tmp_path)["count"] == 2


def test_inactive_owners_are_left_out(tmp_path, alice, grant, libraries):
    grant(alice, "ai_training")
    alice.is_active = False
    alice.save()
    assert manifest(tmp_path)["count"] == 0


def test_dry_run_writes_nothing(tmp_path, alice, grant, libraries, capsys):
    grant(alice, "ai_training")
    path = tmp_path / "never.json"
    call_command("training_manifest", "--output", str(path), "--dry-run")
    assert not path.exists()
    assert "2 photos of 1 users are eligible" in capsys.readouterr().out


def test_it_needs_an_output(libraries):
    with pytest.raises(CommandError):
        call_command("training_manifest")
