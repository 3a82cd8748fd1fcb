"""The Celery entry points: consent is read when the task runs."""

import pytest

from suggestions import tasks
from suggestions.models import Suggestion
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


def _two_photos(user, photos_dir):
    for name in ("ibm_dog.jpg", "pelican.jpeg"):
        make_photo(user, photos_dir / "scenes" / name, quality_score=0.7)


def test_generate_all_runs_for_every_user_with_analysed_photos(
    alice, bob, charlie, grant, photos_dir
):
    grant(alice, "cloud_processing")
    grant(bob, "cloud_processing")
    _two_photos(alice, photos_dir)
    _two_photos(bob, photos_dir)
    assert tasks.generate_all.delay(kinds=["collage"]).get() == 2  # charlie has no photos
    assert Suggestion.objects.filter(owner=alice, kind="collage").count() == 1
    assert Suggestion.objects.filter(owner=bob, kind="collage").count() == 1
    assert not Suggestion.objects.exclude(kind="collage").exists()


def test_a_revocation_before_the_task_runs_wins(alice, grant, photos_dir):
    from privacy import consent

    grant(alice, "cloud_processing")
    _two_photos(alice, photos_dir)
    consent.revoke(alice, "cloud_processing")  # after queueing, before running
    assert tasks.generate_for_user(alice.pk) == 0
    assert not Suggestion.objects.exists()


def test_only_photos_whose_analysis_is_done_are_used(alice, grant, photos_dir):
    grant(alice, "cloud_processing")
    for name in ("ibm_dog.jpg", "pelican.jpeg"):
        make_photo(alice, photos_dir / "scenes" / name, status="pending")
    assert tasks.generate_for_user(alice.pk) == 0
    assert tasks.generate_for_user(999_999) == 0  # a user who is gone
