from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.models import Device, DeviceKind, hash_token


class DeviceTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <raw>`; the raw token is hashed and looked up among live devices."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        # An app password opens the WebDAV drop only (photos/dav.py), never the API.
        device = (
            Device.objects.active()
            .select_related("user")
            .filter(token_hash=hash_token(key), kind=DeviceKind.COMPANION)
            .first()
        )
        if device is None or not device.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        # Throttle the write: one update per minute per device is plenty for "last used".
        if device.last_used_at is None or (now - device.last_used_at).total_seconds() > 60:
            Device.objects.filter(pk=device.pk).update(last_used_at=now)
        return device.user, device
