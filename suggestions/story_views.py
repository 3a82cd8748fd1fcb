"""The story viewer and "Download as video" (pages; the API has the same verbs in
suggestions/api.py). Owner-only: every suggestion comes from the owner-scoped fetcher."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from privacy import consent
from privacy.models import Scope
from project.files import private_file_response
from suggestions import stories
from suggestions.fetchers import get_suggestion_for_user
from suggestions.models import StoryVideo, VideoStatus


@login_required
@require_GET
def story(request, pk):
    """A suggestion as a full-screen story: a title card, then its photos one at a time."""
    suggestion = get_suggestion_for_user(request.user, pk)
    return render(
        request,
        "suggestions/story.html",
        {
            "suggestion": suggestion,
            "story": stories.slides(suggestion),
            "video": StoryVideo.objects.filter(suggestion=suggestion).first(),
            "page": "suggestions",
        },
    )


def video_state(video: StoryVideo | None) -> dict:
    if video is None:
        return {"status": "none", "progress": 0, "url": None, "message": ""}
    done = video.status == VideoStatus.DONE and bool(video.file)
    return {
        "status": video.status,
        "progress": video.progress,
        "frames": video.frames,
        "message": video.message,
        "url": reverse("suggestions:video-file", args=[video.suggestion_id]) if done else None,
    }


@login_required
@require_POST
def video_start(request, pk):
    """Queue the rendering of the story as an MP4. A page form is redirected back to the
    story; a script asking for JSON gets 202 and the state to poll."""
    suggestion = get_suggestion_for_user(request.user, pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not consent.allows(request.user, Scope.CLOUD_PROCESSING):
        text = "Cloud processing is off, so no video can be rendered."
        if wants_json:
            return JsonResponse({"detail": text}, status=409)
        messages.error(request, text)
        return redirect("suggestions:story", pk=suggestion.pk)
    video = stories.request_video(suggestion)
    if wants_json:
        return JsonResponse(video_state(video), status=202)
    messages.success(request, "Rendering the video; it will be ready to download here.")
    return redirect("suggestions:story", pk=suggestion.pk)


@login_required
@require_GET
def video_status(request, pk):
    suggestion = get_suggestion_for_user(request.user, pk)
    return JsonResponse(video_state(StoryVideo.objects.filter(suggestion=suggestion).first()))


@login_required
@require_GET
def video_file(request, pk):
    """The MP4, to its owner only."""
    return video_file_response(request, get_suggestion_for_user(request.user, pk))


def video_file_response(request, suggestion):
    """The MP4 of a suggestion already fetched for its owner (page and API)."""
    video = StoryVideo.objects.filter(suggestion=suggestion, status=VideoStatus.DONE).first()
    if video is None or not video.file:
        raise Http404("This story has no video yet.")
    return private_file_response(
        request,
        video.file.name,
        "video/mp4",
        filename=f"story-{suggestion.pk}.mp4",
        as_attachment=bool(request.GET.get("download")),
    )
