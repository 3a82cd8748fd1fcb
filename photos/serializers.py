from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from photos import media
from photos.ingest import IngestError, parse_time
from photos.models import Photo, Theme
from project.api import IdField

# Null until the file exists (derivatives are made by the worker).
NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


class PhotoSerializer(serializers.ModelSerializer):
    """A photo as the companion app sees it. The *_url fields are short-lived signed links
    (of a photo in the trash, the owner-checked /api/v1/photos/<id>/<kind>/ instead)."""

    thumbnail_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "sha256",
            "taken_at",
            "taken_at_offset",
            "taken_at_source",
            "media_type",
            "content_type",
            "file_size",
            "width",
            "height",
            "duration",
            "latitude",
            "longitude",
            "altitude",
            "camera_make",
            "camera_model",
            "device_asset_id",
            "original_name",
            "analysis_status",
            "uploaded_at",
            "thumbnail_url",
            "preview_url",
            "original_url",
        ]
        read_only_fields = fields

    def _url(self, photo, kind):
        request = self.context.get("request")
        if photo.trashed_at is not None:
            # A photo in the trash (the trash list): no signed link serves it, the
            # owner-checked API action does, with the app's token.
            if not media.file_name(photo, kind):
                return None
            path = reverse(f"api-photo-{kind}", args=[photo.pk])
            return request.build_absolute_uri(path) if request is not None else path
        return media.signed_url(photo, kind, request)

    @extend_schema_field(NULLABLE_URI)
    def get_thumbnail_url(self, photo) -> str | None:
        return self._url(photo, "thumbnail")

    @extend_schema_field(NULLABLE_URI)
    def get_preview_url(self, photo) -> str | None:
        return self._url(photo, "preview")

    @extend_schema_field(NULLABLE_URI)
    def get_original_url(self, photo) -> str | None:
        return self._url(photo, "original")


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The photo or video, as its original bytes.")
    taken_at = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="ISO 8601 capture time from the device; used when the file has no EXIF date.",
    )
    device_asset_id = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The phone's id for the item."
    )


class SyncItemSerializer(serializers.Serializer):
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$")
    taken_at = serializers.DateTimeField(required=False, allow_null=True)
    device_asset_id = serializers.CharField(required=False, allow_null=True, max_length=200)


class SyncCheckRequestSerializer(serializers.Serializer):
    """Documents the body; validated by photos.ingest.parse_sync_items (fast for 10k items)."""

    items = SyncItemSerializer(many=True)


class SyncCheckResponseSerializer(serializers.Serializer):
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Hashes the server does not have: upload these."
    )
    outside_window = serializers.ListField(
        child=serializers.CharField(),
        help_text="Hashes the sync window refuses (captured too long ago, no older_photos).",
    )


class PhotoFilterSerializer(serializers.Serializer):
    taken_after = serializers.CharField(required=False, max_length=40)
    taken_before = serializers.CharField(required=False, max_length=40)
    person = IdField(required=False)
    theme = serializers.ChoiceField(required=False, choices=Theme.choices)

    def _time(self, value, field):
        try:
            return parse_time(value)
        except IngestError:
            raise serializers.ValidationError(
                f"{field} must be an ISO 8601 date or date and time."
            ) from None

    def validate_taken_after(self, value):
        return self._time(value, "taken_after")

    def validate_taken_before(self, value):
        return self._time(value, "taken_before")


class TrashCountsSerializer(serializers.Serializer):
    photos = serializers.IntegerField()
    bytes = serializers.IntegerField()
    faces = serializers.IntegerField()
    deleted = serializers.BooleanField(help_text="False for the preview (GET), true once done.")
