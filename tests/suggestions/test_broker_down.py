"""Generation requests and story videos asked for while the broker is down: never a 500,
never lost (privacy.outbox for generation, suggestions.stories.sweep_videos for videos)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from privacy import outbox
from privacy.models import UnsentTask
from suggestions import stories
from suggestions.models import StoryVideo, Suggestion, VideoStatus
from tests.broker import broker_back

pytestmark = pytest.mark.django_db
GENERATE = "suggestions.tasks.generate_for_user"
RENDER = "suggestions.tasks.render_story_video"


@pytest.fixture
def library(alice, grant, photos_dir):
    from tests.factories import make_photo
    from tests.suggestions.conftest import yesterday

    grant(alice, "cloud_processing")
    for name in ("ibm_dog.jpg", "pelican.jpeg", "ibm_city.jpg"):
        make_photo(alice, photos_dir / "scenes" / name, taken_at=yesterday(), quality_score=0.8)


def test_generation_asked_for_on_the_page_and_the_api_is_kept_and_sent_later(
    alice,
    alice_client,
    api_client_for,
    library,
    broker_down,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        page = alice_client.post(reverse("suggestions:generate"))
        again = alice_client.post(reverse("suggestions:generate"))
        api = api_client_for(alice).post(
            "/api/v1/suggestions/generate/", {"kinds": ["collage"]}, format="json"
        )
    assert page.status_code == 302 and again.status_code == 302
    assert api.status_code == 202 and api.json()["status"] == "queued"
    assert broker_down == [GENERATE] * 3
    # The same request twice is kept once; the API's (other kinds) on its own.
    kept = list(UnsentTask.objects.values_list("name", "args", "user"))
    assert kept == [(GENERATE, [alice.pk], alice.pk), (GENERATE, [alice.pk, ["collage"]], alice.pk)]

    assert outbox.sweep() == {"sent": 0, "waiting": 2}  # still down: kept
    broker_back(settings, monkeypatch)
    assert outbox.sweep() == {"sent": 2, "waiting": 0}
    assert Suggestion.objects.filter(owner=alice, kind="collage").exists()


def test_unsent_requests_go_with_the_account(alice, library, broker_down):
    from privacy import services

    outbox.send(stories_task(), alice.pk, user=alice)
    assert UnsentTask.objects.filter(user=alice).count() == 1
    services.delete_account(alice)
    assert not UnsentTask.objects.exists()


def stories_task():
    from suggestions import tasks

    return tasks.generate_for_user


def test_a_video_asked_for_while_the_broker_is_down_is_rendered_after_the_sweep(
    alice,
    alice_client,
    api_client_for,
    library,
    make_suggestion,
    broker_down,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    monkeypatch.setattr(stories, "VIDEO_SIZE", (160, 96))
    monkeypatch.setattr(stories, "VIDEO_FPS", 4)
    on_page, on_api = make_suggestion(alice), make_suggestion(alice)
    with django_capture_on_commit_callbacks(execute=True):
        page = alice_client.post(
            reverse("suggestions:video", args=[on_page.pk]), HTTP_ACCEPT="application/json"
        )
        api = api_client_for(alice).post(f"/api/v1/suggestions/{on_api.pk}/video/")
    assert page.status_code == 202 and api.status_code == 202
    assert broker_down == [RENDER, RENDER]
    assert set(StoryVideo.objects.values_list("status", flat=True)) == {VideoStatus.QUEUED}

    broker_back(settings, monkeypatch)
    assert stories.sweep_videos() == {"lost": 0, "interrupted": 0}  # too early
    with time_machine.travel(timezone.now() + stories.QUEUED_STALE_AFTER + timedelta(seconds=1)):
        assert stories.sweep_videos() == {"lost": 2, "interrupted": 0}
    assert set(StoryVideo.objects.values_list("status", flat=True)) == {VideoStatus.DONE}


def test_a_video_whose_worker_died_is_rendered_again(
    alice, library, make_suggestion, settings, monkeypatch
):
    monkeypatch.setattr(stories, "VIDEO_SIZE", (160, 96))
    monkeypatch.setattr(stories, "VIDEO_FPS", 4)
    silent = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    dead = StoryVideo.objects.create(
        owner=alice,
        suggestion=make_suggestion(alice),
        status=VideoStatus.RENDERING,
        progress=40,
        updated_at=timezone.now() - silent,
    )
    alive = StoryVideo.objects.create(
        owner=alice,
        suggestion=make_suggestion(alice),
        status=VideoStatus.RENDERING,
        progress=40,
    )
    assert stories.sweep_videos() == {"lost": 0, "interrupted": 1}
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == VideoStatus.DONE and alive.status == VideoStatus.RENDERING
