from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from suggestions.models import Kind, Suggestion

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
        ]
        read_only_fields = fields

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


class SuggestionFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class GenerateSerializer(serializers.Serializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.choices), required=False, max_length=20
    )


class GenerateQueuedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued"])
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices))
