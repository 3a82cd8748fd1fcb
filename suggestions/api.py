"""The suggestions part of /api/v1/: list, detail, save, dismiss, the rendered image and
on-demand generation. Everything is scoped to request.user; another user's id is a 404."""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from privacy import consent, outbox
from privacy.models import Scope
from project.api import ErrorSerializer, OwnedObjectMixin  # ErrorSerializer: {detail, code}
from suggestions import controls, services, stories, tasks
from suggestions.fetchers import get_memory_control_for_user, get_suggestion_for_user
from suggestions.models import Kind, MemoryControl, StoryVideo, Suggestion, SuggestionPhoto
from suggestions.serializers import (
    FeedCardSerializer,
    GenerateQueuedSerializer,
    GenerateSerializer,
    MemoryControlCreateSerializer,
    MemoryControlResultSerializer,
    MemoryControlSerializer,
    SuggestionFilterSerializer,
    SuggestionSerializer,
)
from suggestions.story_views import video_file_response, video_state
from suggestions.views import RANKED_FROM, image_response, ranked_feed

ERRORS = {401: OpenApiResponse(ErrorSerializer, description="Not authenticated")}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such suggestion of yours")}
BAD = {400: OpenApiResponse(ErrorSerializer, description="Bad input: {detail, code}")}


def _photo_links():
    return Prefetch(
        "suggestionphoto_set",
        queryset=SuggestionPhoto.objects.only("suggestion_id", "photo_id", "position"),
    )


class SuggestionPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SuggestionViewSet(
    OwnedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = SuggestionSerializer
    pagination_class = SuggestionPagination
    queryset = Suggestion.objects.none()  # for the schema's path types; see get_queryset

    fetcher = get_suggestion_for_user

    def get_queryset(self):
        qs = Suggestion.objects.for_owner(self.request.user)
        if self.action == "list":
            filters = SuggestionFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            qs = qs.visible()
            if filters.validated_data.get("kind"):
                qs = qs.filter(kind=filters.validated_data["kind"])
        # photo_ids: one query for every suggestion's through rows instead of one each.
        return qs.prefetch_related(_photo_links())

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, enum=Kind.values, description="Only this kind"
            ),
            OpenApiParameter(
                "raw",
                OpenApiTypes.BOOL,
                description="Every suggestion on its own, newest first, instead of the "
                "ranked feed (`folded` is then empty and `score` null).",
            ),
        ],
        responses={
            200: FeedCardSerializer(many=True),
            **BAD,
            **ERRORS,
            404: OpenApiResponse(ErrorSerializer, description="No such page"),
        },
        description="The ranked feed the dashboard and the suggestions page show: one card "
        "per moment (a trip with its day collages and monthly recap folded inside it), "
        "unseen cards first, then by score. Ranks the newest 300 suggestions that are not "
        "dismissed; `?raw=1` lists them all without folding.",
    )
    def list(self, request, *args, **kwargs):
        filters = SuggestionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if filters.validated_data["raw"]:
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        else:
            page = self.paginate_queryset(
                ranked_feed(request.user, filters.validated_data.get("kind"), RANKED_FROM)
            )
            # photo_ids of the cards and of what is folded in them: one query for all.
            prefetch_related_objects(
                [*page, *(f for card in page for f in card.folded)], _photo_links()
            )
        serializer = FeedCardSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(responses={200: SuggestionSerializer, **ERRORS, **NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={200: SuggestionSerializer, **ERRORS, **NOT_FOUND},
        description="The user opened it: the feed puts it after the unseen ones. Reading "
        "a suggestion (GET) never marks it seen. Idempotent.",
    )
    @action(detail=True, methods=["post"])
    def seen(self, request, pk=None):
        suggestion = self.get_object()
        services.mark_seen(suggestion)
        return Response(self.get_serializer(self._fresh(suggestion)).data)

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
        # A broker that is down is not the user's error: kept and sent later (outbox).
        outbox.send_on_commit(
            tasks.generate_for_user, request.user.pk, kinds or None, user=request.user
        )
        return Response(
            {"status": "queued", "kinds": kinds or list(Kind.values)},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, **ERRORS, **NOT_FOUND},
        description="The story: title, subtitle, timings, and for each photo a signed "
        "preview URL, its size, its face boxes and the pan and zoom (start and end crops "
        "in photo pixels) for landscape and portrait screens.",
    )
    @action(detail=True, methods=["get"])
    def story(self, request, pk=None):
        return Response(stories.slides(self.get_object(), request, signed=True))

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT, **ERRORS, **NOT_FOUND},
        description="GET: the story video's state `{status, progress, frames, url}`; "
        "POST: render it as an MP4 in the background (202; 409 without cloud processing).",
    )
    @action(detail=True, methods=["get", "post"])
    def video(self, request, pk=None):
        suggestion = self.get_object()
        if request.method == "GET":
            return Response(
                self._video_state(StoryVideo.objects.filter(suggestion=suggestion).first())
            )
        if not consent.allows(request.user, Scope.CLOUD_PROCESSING):
            return Response(
                {"detail": "Cloud processing is off, so no video can be rendered.",
                 "code": "consent_required"},
                status=status.HTTP_409_CONFLICT,
            )  # fmt: skip
        return Response(
            self._video_state(stories.request_video(suggestion)), status=status.HTTP_202_ACCEPTED
        )

    def _video_state(self, video):
        state = video_state(video)
        if state["url"]:  # the API's own file URL (token authentication), not the page's
            state["url"] = self.request.build_absolute_uri(f"{self.request.path.rstrip('/')}/file/")
        return state

    @extend_schema(
        responses={
            (200, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY, description="MP4"),
            **ERRORS,
            **NOT_FOUND,
        },
        description="The story video (H.264 MP4), once rendered.",
    )
    @action(detail=True, methods=["get"], url_path="video/file")
    def video_file(self, request, pk=None):
        return video_file_response(request, self.get_object())

    def _fresh(self, suggestion):
        return self.get_queryset().get(pk=suggestion.pk)


class MemoryControlViewSet(
    OwnedObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Memories settings: applied when suggestions are generated (docs/suggestions.md)."""

    serializer_class = MemoryControlSerializer
    pagination_class = SuggestionPagination
    queryset = MemoryControl.objects.none()  # for the schema; see get_queryset

    def get_queryset(self):
        # select_related: each row's description names its person without a query each.
        return MemoryControl.objects.filter(owner=self.request.user).select_related("person")

    fetcher = get_memory_control_for_user

    @extend_schema(
        request=MemoryControlCreateSerializer,
        responses={200: MemoryControlResultSerializer, 201: MemoryControlResultSerializer}
        | BAD
        | ERRORS,
        description="Add a setting. It removes the unsaved suggestions that break it: "
        "`dry_run: true` lists them (200) without saving anything; otherwise the setting is "
        "saved and they are removed (201).",
    )
    def create(self, request):
        body = MemoryControlCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        fields = {
            "kind": data["kind"],
            "person_id": data.get("person_id"),
            "start": data.get("start"),
            "end": data.get("end"),
            "city": data.get("city") or "",
            "country_code": data.get("country_code") or "",
        }
        # Bad input is a DjangoValidationError: project/api.py makes it a 400 {detail}.
        unsaved = controls.validate(request.user, **fields)
        doomed = controls.preview(request.user, unsaved)
        control = None if data["dry_run"] else controls.add(request.user, **fields)
        result = {
            "control": MemoryControlSerializer(control).data if control else None,
            "dry_run": data["dry_run"],
            "withdrawn_count": len(doomed),
            "withdrawn": [{"id": s.pk, "kind": s.kind, "title": s.title} for s in doomed],
        }
        code = status.HTTP_200_OK if data["dry_run"] else status.HTTP_201_CREATED
        return Response(result, status=code)

    @extend_schema(
        responses={
            200: MemoryControlSerializer(many=True),
            **ERRORS,
            404: OpenApiResponse(ErrorSerializer, description="No such page"),
        },
        description="The user's memories settings.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        responses={
            200: MemoryControlSerializer,
            **ERRORS,
            404: OpenApiResponse(ErrorSerializer, description="No such setting of yours"),
        }
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        responses={
            204: None,
            **ERRORS,
            404: OpenApiResponse(ErrorSerializer, description="No such setting of yours"),
        },
        description="Remove a setting: the next generation may propose what it kept out.",
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        controls.remove(instance)


router = SimpleRouter()
router.register("suggestions", SuggestionViewSet, basename="api-suggestion")
router.register("memory-controls", MemoryControlViewSet, basename="api-memory-control")
urlpatterns = router.urls
