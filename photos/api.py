"""The library part of the companion app's API: sync check, upload, list, detail, media.

The views are thin: the rules live in photos.ingest (sync consent, window, dedup) and
photos.services (deletion). Every queryset is the requesting user's own.
"""

from django.conf import settings
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from photos import filters, ingest, media, search, trash
from photos.fetchers import get_person_for_user, get_photo_for_user
from photos.models import Photo, Source, Theme
from photos.serializers import (
    PhotoFilterSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    SyncCheckRequestSerializer,
    SyncCheckResponseSerializer,
    TrashCountsSerializer,
)
from project.api import ErrorSerializer, OwnedObjectMixin, error

# The actions that reach a photo in the trash (its files, restore, delete forever).
TRASH_ACTIONS = {"restore", "delete_forever", "thumbnail", "preview", "original"}

# Multipart envelope around one file: boundaries, headers and the small fields.
UPLOAD_ENVELOPE_BYTES = 256 * 1024


def _errors(*codes: int) -> dict:
    text = {
        400: "Invalid input",
        401: "Not authenticated",
        403: "Missing consent or outside the sync window",
        404: "Not found (or not yours)",
        413: "File too large",
        415: "Unsupported file type",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


class PhotoCursorPagination(CursorPagination):
    # Matches the (owner, -taken_at, -id) index; the id breaks ties between equal times.
    ordering = ("-taken_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema(
    request=SyncCheckRequestSerializer,
    responses={200: SyncCheckResponseSerializer, **_errors(400, 401, 403)},
    description="Which of the phone's items the server still needs, and which the 30-day "
    "window refuses. Send up to SYNC_CHECK_MAX_ITEMS items in one request.",
)
@api_view(["POST"])
def sync_check(request):
    body = request.data
    if not isinstance(body, dict) or "items" not in body:
        return error("The body must be an object with an 'items' list.", "invalid")
    try:
        ingest.require_sync_consent(request.user)
        items = ingest.parse_sync_items(body["items"])
        return Response(ingest.sync_check(request.user, items))
    except ingest.IngestError as exc:
        return error(exc.message, exc.code, exc.status)


_MEDIA_RESPONSES = {
    "thumbnail": {(200, "image/webp"): OpenApiTypes.BINARY},
    "preview": {(200, "image/webp"): OpenApiTypes.BINARY},
    "original": {(200, "*/*"): OpenApiTypes.BINARY},
}


def _media_schema(kind):
    return extend_schema(
        responses={
            **_MEDIA_RESPONSES[kind],
            304: OpenApiResponse(description="Not modified (If-None-Match)"),
            **_errors(401, 404),
        },
        description=f"The {kind} bytes, for the owner only (ETag, private caching). The "
        f"photo's {kind}_url is a signed link to the same file for clients without headers.",
    )


class PhotoViewSet(
    OwnedObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PhotoSerializer
    queryset = Photo.objects.none()  # for the schema's path types; get_queryset is the truth
    pagination_class = PhotoCursorPagination
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        # One table, no relations in the serializer: a page is one query, whatever its size.
        # The trash is listed by its own action; `q` searches (photos.search).
        queryset = Photo.objects.for_owner(self.request.user)
        if self.action == "trash":
            return queryset.in_trash()
        return queryset.live()

    def fetch(self, pk):
        # The trash's actions take a photo in the trash; every other action a live one.
        return get_photo_for_user(self.request.user, pk, trashed=self.action in TRASH_ACTIONS)

    def perform_content_negotiation(self, request, force=False):
        # The media actions return image bytes whatever the Accept header; errors are JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("taken_after", OpenApiTypes.DATETIME, description="Inclusive."),
            OpenApiParameter("taken_before", OpenApiTypes.DATETIME, description="Exclusive."),
            OpenApiParameter("person", OpenApiTypes.INT, description="A person's id."),
            OpenApiParameter("theme", OpenApiTypes.STR, enum=Theme.values),
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Search, as in the header's box: people's names, places (city, "
                "country), themes, objects, months and years, combined ('Lisbon 2026').",
            ),
        ],
        responses={200: PhotoSerializer(many=True), **_errors(400, 401, 404)},
        description="Newest first, cursor-paginated. A `person` that is not yours is a 404.",
    )
    def list(self, request, *args, **kwargs):
        params = PhotoFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if data.get("person") is not None:
            get_person_for_user(request.user, data["person"])  # anyone else's person: 404
        self.queryset_filters = {
            "taken_after": data.get("taken_after"),
            "taken_before": data.get("taken_before"),
            "person": data.get("person"),
            "theme": data.get("theme"),
        }
        text = request.query_params.get("q", "")
        try:
            self.search_query = search.parse(request.user, text) if text.strip() else None
        except search.SearchError as exc:
            return error(str(exc), "invalid")
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        extra = getattr(self, "queryset_filters", None)
        queryset = filters.apply(queryset, **extra) if extra else queryset
        query = getattr(self, "search_query", None)
        return search.apply(queryset, query, self.request.user) if query else queryset

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={
            201: OpenApiResponse(PhotoSerializer, description="A new photo"),
            200: OpenApiResponse(PhotoSerializer, description="The same bytes were already here"),
            **_errors(400, 401, 403, 413, 415),
        },
        description="Upload one item from the camera roll. Needs the camera_roll_sync scope; "
        "items older than the sync window also need older_photos.",
    )
    def create(self, request):
        try:
            ingest.require_sync_consent(request.user)
        except ingest.IngestError as exc:
            return error(exc.message, exc.code, exc.status)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES + UPLOAD_ENVELOPE_BYTES:
            return error("The upload is larger than the limit.", "too_large", 413)
        upload = PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            result = ingest.ingest(
                request.user,
                data["file"],
                source=Source.SYNC,
                client_taken_at=data.get("taken_at") or None,
                device_asset_id=data.get("device_asset_id", ""),
            )
        except ingest.IngestError as exc:
            return error(exc.message, exc.code, exc.status)
        body = PhotoSerializer(result.photo, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)

    @extend_schema(responses={200: PhotoSerializer, **_errors(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        responses={204: OpenApiResponse(description="Moved to the trash"), **_errors(401, 404)},
        description="Move the photo to the trash: restorable for TRASH_DAYS days, then deleted "
        "with its derivatives, faces and everything derived from it.",
    )
    def destroy(self, request, pk=None):
        photo = self.get_object()
        trash.trash_photos(request.user, [photo.pk])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: PhotoSerializer(many=True), **_errors(401, 404)},
        description="The photos in the trash, newest first (cursor pagination; a cursor that "
        "is not one is a 404, as for the library).",
    )
    @action(detail=False, methods=["get"])
    def trash(self, request):
        page = self.paginate_queryset(self.get_queryset())
        serializer = PhotoSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=None,
        responses={200: TrashCountsSerializer, **_errors(401)},
        description="GET: what emptying the trash deletes (counts). POST: empty it now.",
    )
    @action(detail=False, methods=["get", "post"], url_path="trash/empty")
    def empty_trash(self, request):
        counts = trash.preview(Photo.objects.for_owner(request.user).in_trash())
        if request.method == "POST":
            trash.empty_trash(request.user)
            return Response({**counts, "deleted": True})
        return Response({**counts, "deleted": False})

    @extend_schema(
        request=None,
        responses={200: PhotoSerializer, **_errors(401, 404)},
        description="Take the photo out of the trash.",
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        photo = self.get_object()
        trash.restore_photos(request.user, [photo.pk])
        photo.refresh_from_db()
        return Response(PhotoSerializer(photo, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None,
        responses={200: TrashCountsSerializer, **_errors(401, 404)},
        description="A photo in the trash: GET says what deleting it forever removes, "
        "POST deletes it now. A photo not in the trash is a 404: delete it first.",
    )
    @action(detail=True, methods=["get", "post"], url_path="forever")
    def delete_forever(self, request, pk=None):
        photo = self.get_object()
        if photo.trashed_at is None:
            raise NotFound("This photo is not in the trash.")
        counts = trash.preview(Photo.objects.filter(pk=photo.pk))
        if request.method == "POST":
            trash.delete_forever(request.user, [photo.pk])
            return Response({**counts, "deleted": True})
        return Response({**counts, "deleted": False})

    def _media(self, request, kind):
        return media.serve(request, self.get_object(), kind)

    @_media_schema("thumbnail")
    @action(detail=True, methods=["get"])
    def thumbnail(self, request, pk=None):
        return self._media(request, "thumbnail")

    @_media_schema("preview")
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        return self._media(request, "preview")

    @_media_schema("original")
    @action(detail=True, methods=["get"])
    def original(self, request, pk=None):
        return self._media(request, "original")


router = SimpleRouter()
router.register("photos", PhotoViewSet, basename="api-photo")

urlpatterns = [
    path("sync/check/", sync_check, name="api-sync-check"),
    *router.urls,
]
