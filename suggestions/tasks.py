import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from photos.models import AnalysisStatus
from privacy import consent
from privacy.models import Scope

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def generate_for_user(user_id: int, kinds: list[str] | None = None) -> int:
    """Generate suggestions for one user; consent is checked by the service when it runs."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    from suggestions import services

    return len(services.generate(user, kinds))


@shared_task
def generate_all(kinds: list[str] | None = None) -> int:
    """Beat entry point: one generation task per user who has analysed photos."""
    user_ids = (
        get_user_model()
        .objects.filter(is_active=True, photos__analysis_status=AnalysisStatus.DONE)
        .values_list("pk", flat=True)
        .distinct()
    )
    count = 0
    for user_id in user_ids:
        generate_for_user.delay(user_id, kinds)
        count += 1
    return count


@shared_task(acks_late=True)
def render_story_video(video_id: int) -> int:
    """Render a suggestion's story as an MP4; returns its number of frames (0 if not made).
    Consent is read when the job runs: nothing is rendered without `cloud_processing`."""
    from suggestions import stories
    from suggestions.models import StoryVideo, VideoStatus

    video = StoryVideo.objects.select_related("suggestion__owner").filter(pk=video_id).first()
    if video is None or video.status == VideoStatus.DONE:
        return 0
    if not consent.allows(video.owner, Scope.CLOUD_PROCESSING):
        StoryVideo.objects.filter(pk=video_id).update(
            status=VideoStatus.FAILED, message="Cloud processing is off: nothing was rendered."
        )
        return 0
    try:
        return stories.render_video(video).frames
    except Exception as exc:
        log.exception("story video %s failed", video_id)
        StoryVideo.objects.filter(pk=video_id).update(
            status=VideoStatus.FAILED, message=f"{type(exc).__name__}: {exc}"[:300]
        )
        return 0


@shared_task
def sweep_videos() -> dict[str, int]:
    """Every few minutes: story videos that no worker is on are queued again."""
    from suggestions import stories

    return stories.sweep_videos()
