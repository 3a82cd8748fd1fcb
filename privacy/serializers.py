from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from privacy.models import ExportStatus, Outcome, ProcessingRecord, RetentionChoice, Scope


@extend_schema_field({"type": "string", "enum": Scope.values})
class ScopeNameField(serializers.CharField):
    """A scope name. Validated by privacy.consent, so an unknown one answers with the
    consent service's own code (unknown_scope), like every other consent error."""


class ScopeStateSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.values)
    granted = serializers.BooleanField()
    terms_version = serializers.IntegerField(
        allow_null=True,
        help_text="The terms version the user agreed to; null if never granted.",
    )
    current_terms_version = serializers.IntegerField(
        allow_null=True, help_text="The terms version in force now."
    )
    needs_reconsent = serializers.BooleanField(
        help_text="Granted once, but newer terms were published since: paused until granted."
    )
    newer_terms = serializers.BooleanField(
        help_text="Granted, and newer terms that add to the accepted ones are in force: what "
        "was allowed goes on; granting again accepts them and allows what they add."
    )
    changed_at = serializers.DateTimeField(allow_null=True)


class ConsentSerializer(serializers.Serializer):
    scopes = ScopeStateSerializer(many=True)


class ConsentChangeSerializer(serializers.Serializer):
    scope = ScopeNameField(max_length=64)
    granted = serializers.BooleanField()


class StopProcessingSerializer(ConsentSerializer):
    revoked = serializers.ListField(
        child=serializers.CharField(),
        help_text="The scope names this call revoked (empty if none).",
    )


class RevocationPreviewSerializer(serializers.Serializer):
    scopes = serializers.ListField(
        child=serializers.CharField(), help_text="The scopes the POST would revoke."
    )
    deleted = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="What the POST deletes at once: {what: count} (albums_renamed: saved albums "
        "whose title may name a person, renamed to their dates).",
    )
    kept = serializers.DictField(
        child=serializers.IntegerField(), help_text="What stays: {what_kept: count}."
    )


class ProcessingRecordSerializer(serializers.ModelSerializer):
    photo = serializers.IntegerField(
        source="photo_ref", allow_null=True, help_text="The photo's id (kept after deletion)."
    )
    model = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)

    class Meta:
        model = ProcessingRecord
        fields = [
            "id",
            "photo",
            "photo_name",
            "step",
            "model",
            "started_at",
            "finished_at",
            "outcome",
            "summary",
            "scope_missing",
        ]

    def get_model(self, record) -> str:
        if record.model_version:
            return f"{record.model_name} {record.model_version}".strip()
        return record.model_name


@extend_schema_field(
    {"type": "string", "description": "One of: " + ", ".join(ExportStatus.values) + "."}
)
class ExportStatusField(serializers.CharField):
    """The export's state. A plain string in the schema: an enum named "status" would
    collide with the other apps' status enums."""


class ExportCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = ExportStatusField()


class ExportStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = ExportStatusField()
    progress = serializers.IntegerField(min_value=0, max_value=100)
    download_url = serializers.URLField(
        allow_null=True, help_text="Set while the ZIP is ready and the link has not expired."
    )
    expires_at = serializers.DateTimeField(allow_null=True)
    size = serializers.IntegerField(allow_null=True)


class DerivedDeletedSerializer(serializers.Serializer):
    faces = serializers.IntegerField()
    embeddings = serializers.IntegerField()
    people = serializers.IntegerField()
    tags = serializers.IntegerField()
    themes = serializers.IntegerField()
    suggestions = serializers.IntegerField()
    albums = serializers.IntegerField()
    photos_kept = serializers.IntegerField()


class DerivedDeletedResponseSerializer(serializers.Serializer):
    deleted = DerivedDeletedSerializer()


class AccountDeletedSerializer(serializers.Serializer):
    photos = serializers.IntegerField()
    bytes = serializers.IntegerField()
    faces = serializers.IntegerField()
    people = serializers.IntegerField()
    tags = serializers.IntegerField()
    suggestions = serializers.IntegerField()
    albums = serializers.IntegerField()
    devices = serializers.IntegerField()
    consent_events = serializers.IntegerField()
    processing_records = serializers.IntegerField()
    exports = serializers.IntegerField()


class AccountDeleteSerializer(serializers.Serializer):
    """A device token alone does not delete an account: the web form asks for the password
    too."""

    password = serializers.CharField(trim_whitespace=False, write_only=True, max_length=4096)


class AccountDeletedResponseSerializer(serializers.Serializer):
    deleted = AccountDeletedSerializer()


class RetentionSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=RetentionChoice.choices)
    purge_after = serializers.DateTimeField(read_only=True, allow_null=True)


class ErasureStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text='"photos" or "account"')
    status = serializers.CharField(help_text="pending, running, done or failed")
    progress = serializers.IntegerField(min_value=0, max_value=100)
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="What there was when it was asked for."
    )
    erased = serializers.IntegerField(
        min_value=0, help_text="Rows erased so far (photos; for an account, log entries too)."
    )
    attempts = serializers.IntegerField(min_value=0, help_text="Runs a worker made of it.")
    retry_at = serializers.DateTimeField(
        allow_null=True, help_text="A failed erasure is tried again by itself at this time."
    )
    needs_help = serializers.BooleanField(
        help_text="Failed too many times in a row: it waits for the administrator (or a "
        "new request, which tries it again)."
    )
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ErasureQueuedResponseSerializer(serializers.Serializer):
    erasure = ErasureStatusSerializer()


class PhotosDeletePreviewSerializer(serializers.Serializer):
    will_delete = serializers.DictField(child=serializers.IntegerField())


class PhotosDeletedResponseSerializer(serializers.Serializer):
    deleted = serializers.DictField(child=serializers.IntegerField())
