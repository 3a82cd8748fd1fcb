"""A background job stores what it derived only if its data is still there: a story video
rendered, or a suggestion generated, while the photos, the consent or the account go
leaves no file and no row (privacy.derived, under the owner lock); a file written in a
transaction that rolls back is removed; overlapping generation runs leave one image per
suggestion. The racing calls run for real, in threads (tests/races.py)."""

import pytest
from django.db import IntegrityError

from privacy import consent
from privacy import services as privacy_services
from suggestions import services, stories, tasks
from suggestions.models import StoryVideo, Suggestion
from tests.factories import make_photo
from tests.races import Gate, files_under, fresh, race, start
from tests.suggestions.conftest import yesterday


def _photos(user, photos_dir, names=("ibm_dog.jpg", "pelican.jpeg", "ibm_city.jpg")):
    return [
        make_photo(user, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.7)
        for name in names
    ]


def _hold_frames(monkeypatch, gate):
    frames = stories._frames

    def held(*args, **kwargs):
        gate.hold()  # the first frame: the render has started
        yield from frames(*args, **kwargs)

    monkeypatch.setattr(stories, "_frames", held)


def _hold_render(monkeypatch, gate):
    render = services._render

    def held(*args, **kwargs):
        rendered = render(*args, **kwargs)
        gate.hold()  # rendered from the photos read, not stored yet
        return rendered

    monkeypatch.setattr(services, "_render", held)


def _delete_all_photos(user):
    privacy_services.delete_all_photos(user)


def _revoke_cloud_processing(user):
    consent.revoke(user, "cloud_processing")


@race
@pytest.mark.parametrize("deletion", [_delete_all_photos, _revoke_cloud_processing])
def test_a_video_rendering_while_its_data_goes_stores_nothing(
    alice, grant, make_suggestion, monkeypatch, private_media, small_videos, deletion
):
    grant(alice, "cloud_processing")
    suggestion = make_suggestion(alice)
    video = StoryVideo.objects.create(owner=alice, suggestion=suggestion)
    gate = Gate()
    _hold_frames(monkeypatch, gate)
    job = start(tasks.render_story_video, video.pk)
    gate.meanwhile(job, deletion, alice)
    assert not StoryVideo.objects.filter(owner=alice).exists()
    assert not [n for n in files_under(private_media, alice.pk) if "/videos/" in n]


@race
def test_a_video_whose_photo_went_to_the_trash_while_it_rendered_is_not_stored(
    alice, grant, make_suggestion, monkeypatch, private_media, small_videos
):
    from photos import trash

    grant(alice, "cloud_processing")
    suggestion = make_suggestion(alice)
    video = StoryVideo.objects.create(owner=alice, suggestion=suggestion)
    gate = Gate()
    _hold_frames(monkeypatch, gate)
    job = start(tasks.render_story_video, video.pk)
    gate.meanwhile(job, trash.trash_photos, alice, [suggestion.photos.first().pk])
    assert not StoryVideo.objects.filter(owner=alice, status="done").exists()
    assert not [n for n in files_under(private_media, alice.pk) if "/videos/" in n]


@race
def test_suggestions_generated_while_the_account_goes_leave_no_file(
    alice, grant, photos_dir, monkeypatch, private_media
):
    grant(alice, "cloud_processing")
    _photos(alice, photos_dir)
    user_id = alice.pk
    gate = Gate()
    _hold_render(monkeypatch, gate)
    job = start(services.generate, fresh(alice))
    gate.meanwhile(job, privacy_services.delete_account, alice)
    assert not Suggestion.objects.filter(owner_id=user_id).exists()
    assert files_under(private_media, user_id) == set()


@race
def test_suggestions_generated_while_cloud_processing_is_revoked_leave_nothing(
    alice, grant, photos_dir, monkeypatch, private_media
):
    grant(alice, "cloud_processing")
    _photos(alice, photos_dir)
    gate = Gate()
    _hold_render(monkeypatch, gate)
    job = start(services.generate, fresh(alice))
    gate.meanwhile(job, consent.revoke, alice, "cloud_processing")
    assert not Suggestion.objects.filter(owner=alice).exists()
    assert not [n for n in files_under(private_media, alice.pk) if "/suggestions/" in n]


@race
def test_overlapping_generation_runs_leave_one_image_per_suggestion(
    alice, grant, photos_dir, monkeypatch, private_media
):
    from photos.models import Photo
    from photos.services import delete_photos

    grant(alice, "cloud_processing")
    photos = _photos(
        alice, photos_dir, ("ibm_dog.jpg", "pelican.jpeg", "ibm_city.jpg", "ibm_pizza.jpg")
    )
    (collage,) = services.generate(alice, ["collage"])
    # A photo deleted: the image goes, and the next runs draw it again from the rest.
    delete_photos(alice, Photo.objects.filter(pk=collage.photos.first().pk))
    gate = Gate(parties=2)
    _hold_render(monkeypatch, gate)
    runs = [start(services.generate, fresh(alice), ["collage"]) for _ in range(2)]
    gate.reached()  # both runs have read the suggestion without an image
    gate.open()
    for run in runs:
        run.finish()
    images = set(
        Suggestion.objects.filter(owner=alice).exclude(image="").values_list("image", flat=True)
    )
    assert len(images) == 1
    stored = {n for n in files_under(private_media, alice.pk) if "/suggestions/" in n}
    assert stored == images
    assert len(photos) == 4


@pytest.mark.django_db
def test_a_suggestion_whose_transaction_rolls_back_leaves_no_file(
    alice, grant, photos_dir, monkeypatch, private_media
):
    grant(alice, "cloud_processing")
    _photos(alice, photos_dir)
    save = Suggestion.save

    def fails(self, *args, **kwargs):
        if self.image:  # the row naming the image: the file is written by now
            raise IntegrityError("simulated: the row could not be stored")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Suggestion, "save", fails)
    assert services.generate(alice, ["collage"]) == []
    assert not Suggestion.objects.filter(owner=alice).exists()
    assert not [n for n in files_under(private_media, alice.pk) if "/suggestions/" in n]
