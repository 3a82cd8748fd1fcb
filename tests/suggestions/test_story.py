"""The story viewer and "Download as video": the pan and zoom never cuts a face, the video
has the story's frames and decodes with PyAV, everything is owner-only, and the video is
personal data (counted, exported, erased, and gone with its photos)."""

import io
import json
import zipfile

import av
import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from photos import services as photo_services
from photos.models import Photo
from privacy import consent
from suggestions import stories
from suggestions.lib import story
from suggestions.models import StoryVideo, VideoStatus
from suggestions.personal_data import SuggestionsData

TABLE_FACES = [(746, 339, 846, 481), (465, 265, 573, 416), (59, 263, 169, 396),
               (1131, 271, 1226, 399), (905, 54, 1013, 204), (269, 147, 371, 265)]  # fmt: skip
GROUP_FACES = [(237, 26, 387, 223), (789, 38, 943, 252)]


def inside(face, crop, slack=0.5):
    return (
        face[0] >= crop[0] - slack
        and face[1] >= crop[1] - slack
        and face[2] <= crop[2] + slack
        and face[3] <= crop[3] + slack
    )


@pytest.mark.parametrize(
    ("size", "faces"),
    [
        ((1280, 886), TABLE_FACES),
        ((1126, 661), GROUP_FACES),
        ((1126, 661), GROUP_FACES[:1]),
        ((600, 900), [(250, 80, 350, 200)]),
        ((4000, 3000), [(100, 100, 400, 500)]),  # a face at the corner
    ],
)
@pytest.mark.parametrize("aspect", [16 / 9, 9 / 16, 1.0])
def test_it_pans_and_zooms_toward_the_faces_without_cutting_one(size, faces, aspect):
    plan = story.motion(*size, faces, aspect)
    for t in (0, 0.25, 0.5, 0.75, 1):
        crop = plan.at(t)
        assert abs((crop[2] - crop[0]) / (crop[3] - crop[1]) - aspect) < 1e-6
        assert all(inside(face, crop) for face in faces), (t, crop)
    start_w, end_w = plan.start[2] - plan.start[0], plan.end[2] - plan.end[0]
    assert end_w <= start_w  # it zooms in, never out
    # Toward the faces: the end crop's centre is nearer their centre than the start's.
    fx = (min(f[0] for f in faces) + max(f[2] for f in faces)) / 2
    assert (
        abs((plan.end[0] + plan.end[2]) / 2 - fx)
        <= abs((plan.start[0] + plan.start[2]) / 2 - fx) + 0.5
    )


def test_without_faces_it_zooms_gently_into_the_centre():
    plan = story.motion(1600, 1200, [], 16 / 9)
    assert plan.end[2] - plan.end[0] == pytest.approx((plan.start[2] - plan.start[0]) / story.ZOOM)
    assert (plan.end[0] + plan.end[2]) / 2 == pytest.approx(800)


def test_the_story_page_plays_the_suggestions_photos_to_its_owner_only(
    alice_client, alice, bob, client, make_suggestion
):
    suggestion = make_suggestion(alice)
    response = alice_client.get(reverse("suggestions:story", args=[suggestion.pk]))
    assert response.status_code == 200
    data = response.context["story"]
    ids = list(suggestion.photos.order_by("suggestionphoto__position").values_list("pk", flat=True))
    assert [p["id"] for p in data["photos"]] == ids
    assert data["title"] == suggestion.title
    assert data["subtitle"].endswith("2 photos")
    for item in data["photos"]:
        assert set(item["motion"]) == {"landscape", "portrait"}
        assert alice_client.get(item["src"]).status_code == 200  # the owner can load each photo
    assert b'id="story-data"' in response.content

    client.force_login(bob)
    for name in ("story", "video-status", "video-file"):
        assert client.get(reverse(f"suggestions:{name}", args=[suggestion.pk])).status_code == 404
    assert client.post(reverse("suggestions:video", args=[suggestion.pk])).status_code == 404
    assert not StoryVideo.objects.exists()


def test_download_as_video_renders_the_story_as_an_h264_mp4_that_decodes(
    alice_client,
    alice,
    bob,
    client,
    grant,
    make_suggestion,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    monkeypatch.setattr(stories, "VIDEO_SIZE", (320, 180))  # small, for speed
    monkeypatch.setattr(stories, "VIDEO_FPS", 8)
    grant(alice, "cloud_processing")
    suggestion = make_suggestion(alice)
    url = reverse("suggestions:video", args=[suggestion.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    video = StoryVideo.objects.get(suggestion=suggestion)
    assert video.owner == alice
    assert video.status == VideoStatus.DONE and video.progress == 100
    expected = story.frame_count(2, 8)
    assert expected == round(story.TITLE_SECONDS * 8) + 2 * round(story.PHOTO_SECONDS * 8)
    assert video.frames == expected

    status = alice_client.get(reverse("suggestions:video-status", args=[suggestion.pk])).json()
    assert status["status"] == "done" and status["progress"] == 100 and status["url"]
    response = alice_client.get(status["url"] + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    with av.open(io.BytesIO(body)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        decoded = sum(1 for _ in container.decode(stream))
    assert decoded == expected

    client.force_login(bob)
    assert client.get(status["url"]).status_code == 404

    # Asking again does not render it twice.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alice_client.post(url, HTTP_ACCEPT="application/json")
    assert callbacks == []


def test_no_video_without_cloud_processing(alice_client, alice, make_suggestion):
    suggestion = make_suggestion(alice)
    assert not consent.allows(alice, "cloud_processing")
    response = alice_client.post(
        reverse("suggestions:video", args=[suggestion.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409
    assert "Cloud processing" in response.json()["detail"]
    assert not StoryVideo.objects.exists()
    assert (
        alice_client.get(reverse("suggestions:video-file", args=[suggestion.pk])).status_code == 404
    )


@pytest.fixture
def rendered(alice, grant, make_suggestion, monkeypatch):
    monkeypatch.setattr(stories, "VIDEO_SIZE", (160, 96))
    monkeypatch.setattr(stories, "VIDEO_FPS", 4)
    grant(alice, "cloud_processing")
    suggestion = make_suggestion(alice)
    video = StoryVideo.objects.create(owner=alice, suggestion=suggestion)
    stories.render_video(video)
    video.refresh_from_db()
    assert default_storage.exists(video.file.name)
    return video


def test_the_video_is_counted_exported_and_erased(
    alice, bob, rendered, make_suggestion, django_capture_on_commit_callbacks
):
    provider = SuggestionsData()
    assert provider.counts(alice)["story_videos"] == 1
    assert provider.counts(bob)["story_videos"] == 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        provider.export(alice, zf)
    with zipfile.ZipFile(buffer) as zf:
        rows = json.loads(zf.read("data/suggestions.json"))["story_videos"]
        assert [r["suggestion_id"] for r in rows] == [rendered.suggestion_id]
        with default_storage.open(rendered.file.name, "rb") as fh:
            assert zf.read(rows[0]["file"]) == fh.read()
    name = rendered.file.name
    with django_capture_on_commit_callbacks(execute=True):
        counts = provider.erase_all(alice)
    assert counts["story_videos"] == 1
    assert not StoryVideo.objects.exists()
    assert not default_storage.exists(name)


def test_deleting_a_photo_of_the_story_removes_its_video(
    alice, rendered, django_capture_on_commit_callbacks
):
    name = rendered.file.name
    photo = rendered.suggestion.photos.first()
    with django_capture_on_commit_callbacks(execute=True):
        photo_services.delete_photos(alice, Photo.objects.filter(pk=photo.pk))
    assert not StoryVideo.objects.exists()
    assert not default_storage.exists(name)


def test_revoking_cloud_processing_removes_the_videos(
    alice, rendered, django_capture_on_commit_callbacks
):
    name = rendered.file.name
    with django_capture_on_commit_callbacks(execute=True):
        consent.revoke(alice, "cloud_processing")
    assert not StoryVideo.objects.exists()
    assert not default_storage.exists(name)


def test_the_api_offers_the_story_and_its_video_to_the_owner_only(
    alice,
    bob,
    grant,
    api_client_for,
    make_suggestion,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    monkeypatch.setattr(stories, "VIDEO_SIZE", (160, 96))
    monkeypatch.setattr(stories, "VIDEO_FPS", 4)
    grant(alice, "cloud_processing")
    suggestion = make_suggestion(alice)
    api, other = api_client_for(alice), api_client_for(bob)
    base = f"/api/v1/suggestions/{suggestion.pk}"

    data = api.get(f"{base}/story/").json()
    assert len(data["photos"]) == 2
    # Signed links: an app has no session cookie, and they work without one.
    assert "/library/media/" in data["photos"][0]["src"]
    assert Client().get(data["photos"][0]["src"]).status_code == 200

    assert api.get(f"{base}/video/").json()["status"] == "none"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{base}/video/")
    assert response.status_code == 202
    state = api.get(f"{base}/video/").json()
    assert state["status"] == "done" and state["frames"] == story.frame_count(2, 4)
    assert state["url"].endswith(f"{base}/video/file/")
    response = api.get(f"{base}/video/file/")
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"

    for path in ("story/", "video/", "video/file/"):
        assert other.get(f"{base}/{path}").status_code == 404
    assert other.post(f"{base}/video/").status_code == 404
