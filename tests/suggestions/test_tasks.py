"""The Celery entry points: consent is read when the task runs."""

import pytest

from suggestions import tasks
from suggestions.models import Suggestion
from tests.factories import make_photo
from tests.suggestions.conftest import yesterday

pytestmark = pytest.mark.django_db


def _two_photos(user, photos_dir):
    for name in ("ibm_dog.jpg", "pelican.jpeg"):
        make_photo(user, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.7)


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


def test_a_deleted_photo_leaves_the_rendered_image_and_it_is_redrawn_without_it(
    alice, grant, photos_dir
):
    from django.core.files.storage import default_storage

    from photos.models import Photo
    from photos.services import delete_photos
    from suggestions import services

    grant(alice, "cloud_processing")
    for name in ("ibm_dog.jpg", "pelican.jpeg", "ibm_city.jpg"):
        make_photo(alice, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.7)
    (collage,) = services.generate(alice, ["collage"])
    old_image = collage.image.name
    gone = collage.photos.first()
    delete_photos(alice, Photo.objects.filter(pk=gone.pk))
    collage.refresh_from_db()
    assert not collage.image

    assert services.generate(alice, ["collage"]) == []  # nothing new, but redrawn
    collage.refresh_from_db()
    assert collage.image and collage.image.name != old_image
    assert default_storage.exists(collage.image.name)
    assert gone.pk not in {item["photo_id"] for item in collage.explanation["layout"]}
    assert len(collage.explanation["layout"]) == 2


def test_a_revoked_scope_takes_the_rendered_images_with_the_suggestions(
    alice, grant, photos_dir, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from privacy import consent
    from suggestions import services

    grant(alice, "cloud_processing")
    for name in ("ibm_dog.jpg", "pelican.jpeg"):
        make_photo(alice, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.7)
    created = services.generate(alice)
    names = [s.image.name for s in created]
    assert names and all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        consent.revoke(alice, "cloud_processing")
    assert not Suggestion.objects.filter(owner=alice).exists()
    assert not any(default_storage.exists(n) for n in names)


def test_withdrawing_a_scope_keeps_saved_suggestions_and_those_that_did_not_use_it(
    alice, bob, make_suggestion
):
    from suggestions.services import withdraw_for_scope

    older = make_suggestion(alice)
    saved = make_suggestion(alice, state="saved")
    plain = make_suggestion(alice)
    bobs = make_suggestion(bob)
    Suggestion.objects.filter(pk__in=[older.pk, saved.pk, bobs.pk]).update(uses_older_photos=True)
    assert withdraw_for_scope(alice, "camera_roll_sync") == 0
    assert withdraw_for_scope(alice, "face_analysis") == 0
    assert withdraw_for_scope(alice, "older_photos") == 1
    assert set(Suggestion.objects.all()) == {saved, plain, bobs}
    assert withdraw_for_scope(alice, "cloud_processing") == 1
    assert set(Suggestion.objects.all()) == {saved, bobs}


def test_revoking_face_analysis_removes_face_based_suggestions_even_saved_but_not_albums(
    alice, bob, make_suggestion
):
    from suggestions.models import Album
    from suggestions.services import withdraw_for_scope

    faces = make_suggestion(alice)
    saved = make_suggestion(alice, state="saved")
    plain = make_suggestion(alice)
    bobs = make_suggestion(bob)
    album = Album.objects.create(owner=alice, title="Saved", suggestion=saved)
    Suggestion.objects.filter(pk__in=[faces.pk, saved.pk, bobs.pk]).update(uses_faces=True)
    assert withdraw_for_scope(alice, "face_analysis") == 2
    assert set(Suggestion.objects.all()) == {plain, bobs}
    album.refresh_from_db()
    assert album.suggestion is None


def test_a_month_only_partly_in_the_window_waits_for_older_photos(alice, grant, photos_dir):
    from datetime import UTC, datetime, timedelta

    import time_machine

    from suggestions import services

    with time_machine.travel(datetime(2026, 7, 20, 12, tzinfo=UTC), tick=False):
        grant(alice, "cloud_processing")
        for i in range(8):  # 23-30 June: inside the 30-day window, June began before it
            make_photo(
                alice,
                photos_dir / "scenes" / ("ibm_dog.jpg", "pelican.jpeg")[i % 2],
                taken_at=datetime(2026, 6, 23, 12, tzinfo=UTC) + timedelta(days=i),
            )
        assert services.generate(alice, ["monthly_recap"]) == []
        grant(alice, "older_photos")
        (recap,) = services.generate(alice, ["monthly_recap"])
        assert recap.key == "month:2026-06" and recap.photos.count() == 8
