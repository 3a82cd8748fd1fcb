"""The suggestions part of /api/v1/: list, detail, save, dismiss, the rendered image and
on-demand generation. Everything is scoped to request.user; another user's id is a 404."""

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from project.api import ErrorSerializer  # the one {detail, code} component
from suggestions import services, tasks
from suggestions.fetchers import get_suggestion_for_user
from suggestions.models import Kind, Suggestion, SuggestionPhoto
from suggestions.serializers import (
    GenerateQueuedSerializer,
    GenerateSerializer,
    SuggestionFilterSerializer,
    SuggestionSerializer,
)
from suggestions.views import image_response

ERRORS = {401: OpenApiResponse(ErrorSerializer, description="Not authenticated")}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such suggestion of yours")}
BAD = {400: OpenApiResponse(ErrorSerializer, description="Bad input: {detail, code}")}


class SuggestionPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SuggestionSerializer
    pagination_class = SuggestionPagination
    queryset = Suggestion.objects.none()  # for the schema's path types; see get_queryset

    def get_object(self):
        # The pages' fetcher: anyone else's id and an id that is not one are the same 404.
        suggestion = get_suggestion_for_user(
            self.request.user, self.kwargs.get("pk"), self.get_queryset()
        )
        self.check_object_permissions(self.request, suggestion)
        return suggestion

    def get_queryset(self):
        qs = Suggestion.objects.for_owner(self.request.user)
        if self.action == "list":
            filters = SuggestionFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            qs = qs.visible()
            if filters.validated_data.get("kind"):
                qs = qs.filter(kind=filters.validated_data["kind"])
        # photo_ids: one query for every suggestion's through rows instead of one each.
        return qs.prefetch_related(
            Prefetch(
                "suggestionphoto_set",
                queryset=SuggestionPhoto.objects.only("suggestion_id", "photo_id", "position"),
            )
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, enum=Kind.values, description="Only this kind"
            )
        ],
        responses={
            200: SuggestionSerializer(many=True),
            **BAD,
            **ERRORS,
            404: OpenApiResponse(ErrorSerializer, description="No such page"),
        },
        description="The user's suggestions (not the dismissed ones), newest first.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: SuggestionSerializer, **ERRORS, **NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={200: SuggestionSerializer, **ERRORS, **NOT_FOUND},
        description="Keep the suggestion as an album of its photos (idempotent).",
    )
    @action(detail=True, methods=["post"])
    def save(self, request, pk=None):
        suggestion = self.get_object()
        services.save(suggestion)
        return Response(self.get_serializer(self._fresh(suggestion)).data)

    @extend_schema(
        request=None,
        responses={200: SuggestionSerializer, **ERRORS, **NOT_FOUND},
        description="Hide the suggestion; the same photos are never proposed again.",
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        suggestion = self.get_object()
        services.dismiss(suggestion)
        return Response(self.get_serializer(self._fresh(suggestion)).data)

    @extend_schema(
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG"),
            **ERRORS,
            **NOT_FOUND,
        },
        description="The rendered image (collage, cover or effect) as JPEG.",
    )
    @action(detail=True, methods=["get"], url_path="image")
    def image(self, request, pk=None):
        return image_response(request, self.get_object())

    @extend_schema(
        request=GenerateSerializer,
        responses={202: GenerateQueuedSerializer, **BAD, **ERRORS},
        description="Look for new suggestions now, in the background. Optional `kinds` "
        "limits the run. Consent is checked when the job runs.",
    )
    @action(detail=False, methods=["post"])
    def generate(self, request):
        body = GenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kinds = body.validated_data.get("kinds") or []
        user_id = request.user.pk
        transaction.on_commit(lambda: tasks.generate_for_user.delay(user_id, kinds or None))
        return Response(
            {"status": "queued", "kinds": kinds or list(Kind.values)},
            status=status.HTTP_202_ACCEPTED,
        )

    def _fresh(self, suggestion):
        return self.get_queryset().get(pk=suggestion.pk)


router = SimpleRouter()
router.register("suggestions", SuggestionViewSet, basename="api-suggestion")
urlpatterns = router.urls
