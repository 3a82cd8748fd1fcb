"""User albums for the companion app: /api/v1/albums/. The same verbs as the pages
(photos.albums), owner-only: another user's album id is a 404."""

from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.settings import api_settings

from photos import albums
from photos.fetchers import get_album_for_user
from photos.models import Album
from photos.people_api import StrictCharField, StrictIntegerField
from project.api import ErrorSerializer, JSONParser, OwnedObjectMixin, error
from project.lookups import MAX_ID

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    404: OpenApiResponse(ErrorSerializer, description="Not found (or not yours)"),
}


class _ObjectBody(serializers.Serializer):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["The body must be a JSON object."]}
            )
        return super().to_internal_value(data)


class AlbumSerializer(serializers.ModelSerializer):
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Album
        fields = ["id", "title", "cover", "photo_count", "created_at", "updated_at"]
        read_only_fields = fields


class AlbumCreateSerializer(_ObjectBody):
    title = StrictCharField(max_length=albums.TITLE_MAX)
    photo_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        max_length=albums.MAX_PHOTOS_PER_REQUEST,
        required=False,
    )


class AlbumUpdateSerializer(_ObjectBody):
    title = StrictCharField(max_length=albums.TITLE_MAX, required=False)
    cover = StrictIntegerField(min_value=1, max_value=MAX_ID, allow_null=True, required=False)


class PhotoIdsSerializer(_ObjectBody):
    photo_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        max_length=albums.MAX_PHOTOS_PER_REQUEST,
    )


class ChangedSerializer(serializers.Serializer):
    changed = serializers.IntegerField()
    photo_count = serializers.IntegerField()


class DeletionSerializer(serializers.Serializer):
    albums = serializers.IntegerField()
    photos_in_album = serializers.IntegerField()
    photos_deleted = serializers.IntegerField()


def _invalid(serializer):
    first = next(iter(serializer.errors.values()))
    message = first[0] if isinstance(first, list) and first else str(first)
    return error(str(message), "invalid")


@extend_schema_view(
    list=extend_schema(responses={200: AlbumSerializer(many=True), 401: ERRORS[401]}),
    retrieve=extend_schema(responses={200: AlbumSerializer, **ERRORS}),
)
class AlbumViewSet(
    OwnedObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AlbumSerializer
    queryset = Album.objects.none()  # for the schema's path types; get_queryset is the truth
    fetcher = get_album_for_user
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Album.objects.none()
        # photo_count in the same query as the rows: no query per album.
        return Album.objects.for_owner(self.request.user).annotate(
            photo_count=Count("photos", filter=Q(photos__trashed_at__isnull=True))
        )

    def _fresh(self, album):
        return self.get_serializer(self.get_queryset().get(pk=album.pk)).data

    @extend_schema(request=AlbumCreateSerializer, responses={201: AlbumSerializer, **ERRORS})
    def create(self, request):
        body = AlbumCreateSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        try:
            album = albums.create_album(
                request.user, body.validated_data["title"], body.validated_data.get("photo_ids", [])
            )
        except albums.AlbumError as e:
            return error(str(e), e.code)
        return Response(self._fresh(album), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AlbumUpdateSerializer,
        responses={200: AlbumSerializer, **ERRORS},
        description="Rename the album and/or choose its cover (a photo of the album, or null).",
    )
    def partial_update(self, request, pk=None):
        album = self.get_object()
        body = AlbumUpdateSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        try:
            if "title" in body.validated_data:
                albums.rename_album(album, body.validated_data["title"])
            if "cover" in body.validated_data:
                albums.set_cover(album, body.validated_data["cover"])
        except albums.AlbumError as e:
            return error(str(e), e.code)
        return Response(self._fresh(album))

    @extend_schema(
        responses={200: DeletionSerializer, **ERRORS},
        description="Delete the album; its photos stay. GET …/deletion/ shows the counts first.",
    )
    def destroy(self, request, pk=None):
        return Response(albums.delete_album(self.get_object()))

    @extend_schema(responses={200: DeletionSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def deletion(self, request, pk=None):
        """What deleting the album would remove (photos never)."""
        return Response(albums.deletion_preview(self.get_object()))

    def _change(self, request, verb):
        album = self.get_object()
        body = PhotoIdsSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        changed = verb(album, body.validated_data["photo_ids"])
        return Response({"changed": changed, "photo_count": album.photos.live().count()})

    @extend_schema(
        request=PhotoIdsSerializer,
        responses={200: ChangedSerializer, **ERRORS},
        description="Add photos (ids not yours are ignored).",
    )
    @action(detail=True, methods=["post"], url_path="add")
    def add(self, request, pk=None):
        return self._change(request, albums.add_photos)

    @extend_schema(
        request=PhotoIdsSerializer,
        responses={200: ChangedSerializer, **ERRORS},
        description="Take photos out of the album (they stay in the library).",
    )
    @action(detail=True, methods=["post"], url_path="remove")
    def remove(self, request, pk=None):
        return self._change(request, albums.remove_photos)


router = SimpleRouter()
router.register("albums", AlbumViewSet, basename="api-album")

urlpatterns = [*router.urls]
