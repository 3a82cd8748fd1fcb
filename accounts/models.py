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


class Device(models.Model):
    """A companion-app install. Its API token is stored only as a SHA-256 hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=100)
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
    def issue(cls, user, name: str) -> tuple["Device", str]:
        """Create a device and return it with its raw token, which is shown exactly once."""
        raw = secrets.token_urlsafe(32)
        device = cls.objects.create(
            user=user, name=name, token_hash=hash_token(raw), token_prefix=raw[:8]
        )
        return device, raw

    def revoke(self, reason: str = ""):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.revoked_reason = reason
            self.save(update_fields=["revoked_at", "revoked_reason"])
