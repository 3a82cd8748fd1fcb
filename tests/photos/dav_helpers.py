"""Shared by the WebDAV drop's tests: app passwords, Basic headers and real photos."""

import base64
from datetime import UTC, datetime, timedelta

from accounts.models import Device, DeviceKind
from tests.factories import jpeg_with_exif

UPLOAD_SCOPES = ("cloud_processing", "camera_roll_sync")


def app_password(user, name="PhotoSync"):
    return Device.issue(user, name, DeviceKind.APP_PASSWORD)[1]


def basic(username, password) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def recent_jpeg(photos_dir, name="scenes/ibm_city.jpg", days_ago=1) -> bytes:
    taken = (datetime.now(UTC) - timedelta(days=days_ago)).replace(tzinfo=None, microsecond=0)
    return jpeg_with_exif(photos_dir / name, taken_at=taken, offset="+00:00")
