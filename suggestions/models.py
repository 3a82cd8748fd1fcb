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
    created_at = models.DateTimeField(default=timezone.now)

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
