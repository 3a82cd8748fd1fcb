import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

# Shown on the devices page beside a token a new password cut off.
NEW_PASSWORD_REASON = "your password changed"  # noqa: S105 - a reason, not a password


class User(AbstractUser):
    email = models.EmailField("email address", blank=True)
    # The user's own birthday feeds the `birthday` suggestion kind.
    birthday = models.DateField(null=True, blank=True)
    # Set once the consent page was answered (accepting or declining), so sign-up ends there.
    consent_reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def save(self, *args, **kwargs):
        # set_password() leaves the new raw password here until the save: the password is
        # changing. Whichever way (the pages, a reset link, the admin, `manage.py
        # changepassword`), it cuts off the account's devices, as it ends web sessions.
        changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if changed:
            self.devices.active().update(
                revoked_at=timezone.now(), revoked_reason=NEW_PASSWORD_REASON
            )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class DeviceQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(user=user)

    def active(self):
        return self.filter(revoked_at__isnull=True)


class DeviceKind(models.TextChoices):
    # Signed in through the API (POST /api/v1/auth/token/): its token opens the API.
    COMPANION = "companion", "Companion app"
    # Made on the devices page for a WebDAV app (PhotoSync, FolderSync, rclone): its token
    # is a password for /dav/ only, never for the API.
    APP_PASSWORD = "app_password", "App password"


class Device(models.Model):
    """A companion-app install or an app password. Its token is stored only as a SHA-256
    hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=DeviceKind.choices, default=DeviceKind.COMPANION)
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Why it was cut off, shown on the devices page ("your password changed").
    revoked_reason = models.CharField(max_length=100, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.user})"

    @classmethod
    def issue(cls, user, name: str, kind: str = DeviceKind.COMPANION) -> tuple["Device", str]:
        """Create a device and return it with its raw token, which is shown exactly once."""
        raw = secrets.token_urlsafe(32)
        device = cls.objects.create(
            user=user, name=name, kind=kind, token_hash=hash_token(raw), token_prefix=raw[:8]
        )
        return device, raw

    def revoke(self, reason: str = ""):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.revoked_reason = reason
            self.save(update_fields=["revoked_at", "revoked_reason"])


class DropEntryQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(user=user)


class DropEntry(models.Model):
    """A name in a user's WebDAV drop (/dav/): a folder a sync app made, or a file it put,
    which names the photo of the same bytes (the photo itself is in photos; the drop keeps
    only the names and sizes, so a sync app sees its files are there and skips them).

    `path` is relative to the drop, without leading or trailing slash ("Camera/IMG_1.jpg");
    `parent` is the folder it is in ("" at the top), for the Depth 1 listing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="drop_entries")
    path = models.CharField(max_length=1024)
    parent = models.CharField(max_length=1024, blank=True)
    is_folder = models.BooleanField(default=False)
    # The bytes the client put: the photo with this owner and hash, and their size.
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # The client's modification time (X-OC-Mtime) if it sent one, else when it was put.
    modified_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DropEntryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "path"], name="drop_entry_unique_path")
        ]
        indexes = [
            # PROPFIND Depth 1: one folder's children.
            models.Index(fields=["user", "parent"], name="drop_entry_children"),
            # Forgetting the names of deleted photos.
            models.Index(fields=["user", "sha256"], name="drop_entry_by_hash"),
        ]

    def __str__(self):
        return f"{self.path} ({self.user})"
