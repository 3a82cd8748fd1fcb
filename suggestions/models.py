from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    COLLAGE = "collage", "Collage"
    MONTHLY_RECAP = "monthly_recap", "Monthly recap"
    ON_THIS_DAY = "on_this_day", "On this day"
    TRIP = "trip", "Trip"
    BIRTHDAY = "birthday", "Birthday"
    EVENT = "event", "Event"
    EFFECT = "effect", "Photo effect"
    THEME_ALBUM = "theme_album", "Theme album"
    TOGETHER = "together", "Together"
    OVER_THE_YEARS = "over_the_years", "Over the years"
    YEAR_IN_REVIEW = "year_in_review", "Year in review"


class State(models.TextChoices):
    NEW = "new", "New"
    SAVED = "saved", "Saved"
    DISMISSED = "dismissed", "Dismissed"


class SuggestionQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)

    def visible(self):
        return self.exclude(state=State.DISMISSED)


def rendered_path(suggestion, filename):
    return f"u{suggestion.owner_id}/suggestions/{filename}"


class Suggestion(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Idempotency: one suggestion per owner, kind and key (a period, or a hash of the photo
    # set). A dismissed suggestion keeps its row, so the same one is never proposed again.
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    image = models.FileField(upload_to=rendered_path, blank=True, max_length=255)
    explanation = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    uses_faces = models.BooleanField(default=False)
    uses_older_photos = models.BooleanField(default=False)
    photos = models.ManyToManyField(
        "photos.Photo", through="SuggestionPhoto", related_name="suggestions"
    )
    # The people it is about or names, as the kind chose them (Proposal.person_ids), not
    # read back from its key or title: forgetting any of them deletes it.
    people = models.ManyToManyField("photos.Person", related_name="suggestions", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # First opened by its owner: the feed puts the newest unseen ones first.
    seen_at = models.DateTimeField(null=True, blank=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "kind", "key"], name="suggestion_key"),
        ]
        indexes = [
            # The feed: one owner's visible suggestions, newest first, by kind.
            models.Index(fields=["owner", "state", "-created_at"], name="suggestion_feed"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"


class SuggestionPhoto(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE)
    photo = models.ForeignKey("photos.Photo", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "photo"], name="suggestion_photo"),
        ]

    def __str__(self):
        return f"photo {self.photo_id} in suggestion {self.suggestion_id}"


class Album(models.Model):
    """A saved suggestion becomes an album of the user's."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums"
    )
    title = models.CharField(max_length=200)
    suggestion = models.ForeignKey(
        Suggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="albums"
    )
    photos = models.ManyToManyField("photos.Photo", related_name="albums")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Control(models.TextChoices):
    LESS_OF_PERSON = "less_person", "Show less of a person"
    NEVER_PERSON = "never_person", "Never show a person"
    HIDE_DATES = "hide_dates", "Hide a date range"
    HIDE_PLACE = "hide_place", "Hide a place"


class MemoryControl(models.Model):
    """A rule the user set before generation: memories never show (or show less of) a
    person, a date range or a place. Applied when suggestions are generated; setting one
    withdraws the unsaved suggestions that break it (suggestions/controls.py)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memory_controls"
    )
    kind = models.CharField(max_length=16, choices=Control.choices)
    person = models.ForeignKey(
        "photos.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    # A place as the feed names it (the city and its country code, from the geocoder).
    city = models.CharField(max_length=200, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "start", "city", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.describe()}"

    def describe(self) -> str:
        if self.kind in (Control.LESS_OF_PERSON, Control.NEVER_PERSON):
            return self.person.name if self.person else "(a deleted person)"
        if self.kind == Control.HIDE_DATES:
            return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"
        return f"{self.city} ({self.country_code})" if self.country_code else self.city


class VideoStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


def video_path(video, filename):
    return f"u{video.owner_id}/suggestions/videos/{filename}"


class StoryVideo(models.Model):
    """ "Download as video": a suggestion's story rendered as an MP4 in a background job.
    Personal data: counted, exported and erased with the suggestions; its file goes when
    the row does (suggestions/video.py)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_videos"
    )
    suggestion = models.OneToOneField(Suggestion, on_delete=models.CASCADE, related_name="video")
    status = models.CharField(
        max_length=10, choices=VideoStatus.choices, default=VideoStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    file = models.FileField(upload_to=video_path, blank=True, max_length=255)
    frames = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"video of suggestion {self.suggestion_id} ({self.status})"
