from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from project.api import IdField
from suggestions.models import Kind, MemoryControl, Suggestion

EXPLANATION_FIELDS = ("reason", "photo_count", "people", "places", "dates")


class ExplanationSerializer(serializers.Serializer):
    """'Why this': the photos, people, places and dates a suggestion was made from."""

    reason = serializers.CharField()
    photo_count = serializers.IntegerField()
    people = serializers.ListField(child=serializers.CharField())
    places = serializers.ListField(child=serializers.CharField())
    dates = serializers.ListField(child=serializers.CharField())


class SuggestionSerializer(serializers.ModelSerializer):
    photo_ids = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    seen = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "kind",
            "title",
            "period_start",
            "period_end",
            "photo_ids",
            "image_url",
            "explanation",
            "state",
            "seen",
        ]
        read_only_fields = fields

    def get_seen(self, obj) -> bool:
        # Opened by its owner (POST .../seen/); the feed puts unseen ones first.
        return obj.seen_at is not None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_photo_ids(self, obj) -> list[int]:
        # From the prefetched through rows (see SuggestionViewSet.get_queryset).
        return [link.photo_id for link in obj.suggestionphoto_set.all()]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, obj) -> str | None:
        if not obj.image:
            return None
        return reverse("api-suggestion-image", args=[obj.pk], request=self.context.get("request"))

    @extend_schema_field(ExplanationSerializer)
    def get_explanation(self, obj) -> dict:
        data = obj.explanation or {}
        return {
            "reason": str(data.get("reason", "")),
            "photo_count": int(data.get("photo_count") or 0),
            "people": [str(v) for v in data.get("people") or []],
            "places": [str(v) for v in data.get("places") or []],
            "dates": [str(v) for v in data.get("dates") or []],
        }


class FeedCardSerializer(SuggestionSerializer):
    """One card of the ranked feed, as the dashboard and the suggestions page show it: the
    suggestion that keeps the moment, with the ones that repeat its photos folded inside."""

    folded = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()

    class Meta(SuggestionSerializer.Meta):
        fields = [*SuggestionSerializer.Meta.fields, "folded", "score"]
        read_only_fields = fields

    @extend_schema_field(SuggestionSerializer(many=True))
    def get_folded(self, obj) -> list:
        folded = getattr(obj, "folded", None) or []
        return SuggestionSerializer(folded, many=True, context=self.context).data

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_score(self, obj) -> float | None:
        value = getattr(obj, "score", None)
        return None if value is None else round(value, 4)


class SuggestionFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    raw = serializers.BooleanField(required=False, default=False)


class GenerateSerializer(serializers.Serializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.choices), required=False, max_length=20
    )


class GenerateQueuedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued"])
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices))


class MemoryControlSerializer(serializers.ModelSerializer):
    """A memories setting. `person` for less_person/never_person, `start` and `end` for
    hide_dates, `city` (and optionally `country_code`) for hide_place."""

    person = IdField(source="person_id", allow_null=True, required=False)
    description = serializers.CharField(source="describe", read_only=True)

    class Meta:
        model = MemoryControl
        fields = [
            "id",
            "kind",
            "person",
            "start",
            "end",
            "city",
            "country_code",
            "description",
            "created_at",
        ]
        read_only_fields = ["id", "description", "created_at"]
        extra_kwargs = {"city": {"max_length": 200}, "country_code": {"max_length": 2}}


class MemoryControlCreateSerializer(MemoryControlSerializer):
    dry_run = serializers.BooleanField(
        default=False,
        write_only=True,
        help_text="Only say which unsaved suggestions the setting would remove.",
    )

    class Meta(MemoryControlSerializer.Meta):
        fields = [*MemoryControlSerializer.Meta.fields, "dry_run"]


class WithdrawnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()


class MemoryControlResultSerializer(serializers.Serializer):
    control = MemoryControlSerializer(allow_null=True)
    dry_run = serializers.BooleanField()
    withdrawn_count = serializers.IntegerField()
    withdrawn = WithdrawnSerializer(many=True)
