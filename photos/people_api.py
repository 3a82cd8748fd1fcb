"""People and analysis progress for the companion app: /api/v1/people/, /processing/status/.

The views call the same services as the web pages (photos.people, photos.analysis). People
exist only while face analysis is granted: without it the list is empty and ids are 404.
"""

from django.db.models import Count
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.settings import api_settings

from photos import people
from photos.api import PhotoCursorPagination
from photos.fetchers import get_merge_for_user, get_person_for_user
from photos.models import AnalysisStatus, Face, Person, PersonMerge, Photo
from photos.serializers import PhotoSerializer
from privacy import consent
from privacy.models import Scope
from project.api import ErrorSerializer, IdField, JSONParser, OwnedObjectMixin, error
from project.files import private_file_response
from project.lookups import MAX_ID


def _errors(*codes: int) -> dict:
    text = {
        400: "Invalid input",
        401: "Not authenticated",
        404: "Not found (or not yours, or face analysis is off, or no such page; or the "
        "person was merged or forgotten by another request meanwhile: code `gone`)",
        409: "Refused: the state changed or forbids it (code `already_undone`, `conflict`, "
        "or `same_photo`: the two people share a photo)",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


class PersonSerializer(serializers.ModelSerializer):
    face_count = serializers.IntegerField(read_only=True)
    photo_count = serializers.IntegerField(read_only=True)
    cover_url = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "birthday", "hidden", "face_count", "photo_count", "cover_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover_url(self, person) -> str | None:
        if not person.cover_face_id:
            return None
        request = self.context.get("request")
        url = reverse("api-person-cover", args=[person.pk])
        return request.build_absolute_uri(url) if request is not None else url


class StrictCharField(serializers.CharField):
    """A JSON string, not a number turned into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false, not "yes" or 1."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(IdField):
    """An id in a JSON body: a JSON integer, not a string (project.api.IdField)."""

    def __init__(self, **kwargs):
        super().__init__(strings=False, **kwargs)


class PersonUpdateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100, allow_blank=True, required=False)
    birthday = serializers.DateField(allow_null=True, required=False)
    hidden = StrictBooleanField(required=False)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            # Keyed like every serializer error: a bare list here breaks `.errors` (a 500).
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["The body must be a JSON object."]}
            )
        return super().to_internal_value(data)


class MergeSerializer(serializers.Serializer):
    into = StrictIntegerField(min_value=1, max_value=MAX_ID)


class MergeQuerySerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class MergePreviewSerializer(serializers.Serializer):
    faces = serializers.IntegerField(help_text="The faces that would join `into`.")
    allowed = serializers.BooleanField()
    shared_photo_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Photos both people are in: while there is one, the merge is refused.",
    )
    refusal = serializers.CharField(help_text="Why the merge is refused; empty if it is not.")


class FacesActionSerializer(serializers.Serializer):
    faces = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500
    )
    action = serializers.ChoiceField(choices=["reject", "dismiss"])


class UndoMergeSerializer(serializers.Serializer):
    merge = StrictIntegerField(min_value=1, max_value=MAX_ID, required=False)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            # Keyed like every serializer error: a bare message here breaks `.errors` (a 500).
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["The body must be a JSON object."]}
            )
        return super().to_internal_value(data)


class ForgetSerializer(serializers.Serializer):
    keep_faces = StrictBooleanField(required=False, default=False)


class ForgetCountsSerializer(serializers.Serializer):
    faces = serializers.IntegerField()
    photos = serializers.IntegerField()
    merges = serializers.IntegerField(help_text="Merge records that name the person.")
    suggestions = serializers.IntegerField()
    albums_renamed = serializers.IntegerField(
        default=0, help_text="Saved albums whose title names the person: renamed to dates."
    )
    memory_settings = serializers.IntegerField(default=0)
    exports = serializers.IntegerField(
        default=0, help_text="Export ZIPs built or being built, which hold the person: deleted."
    )


class MergeRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonMerge
        fields = ["id", "into", "source_name", "created_at", "undone_at"]
        read_only_fields = fields


class ProcessingStatusSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    running = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    waiting_for_model = serializers.IntegerField()


class PeoplePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class PersonViewSet(
    OwnedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PersonSerializer
    queryset = Person.objects.none()  # for the schema's path types; get_queryset is the truth
    pagination_class = PeoplePagination
    fetcher = get_person_for_user  # over the consent-gated, annotated queryset
    parser_classes = [JSONParser]  # the app sends JSON; one strict body format
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Person.objects.none()
        if not consent.allows(self.request.user, Scope.FACE_ANALYSIS):
            return Person.objects.none()
        # photo_count in the same query as the rows: no query per person.
        return people.with_photo_counts(Person.objects.for_owner(self.request.user)).listed()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "hidden", OpenApiTypes.BOOL, description="true: only the hidden people."
            )
        ],
        responses={200: PersonSerializer(many=True), **_errors(401, 404)},
        description="The user's visible people (hidden ones with ?hidden=true): every named "
        "person, and unnamed groups of at least PERSON_MIN_FACES faces; named first, then by "
        "photo count. Empty while face analysis is not granted.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        if self.request.query_params.get("hidden") in ("1", "true"):
            return queryset.filter(hidden=True)
        return queryset.visible()

    @extend_schema(responses={200: PersonSerializer, **_errors(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=PersonUpdateSerializer,
        responses={200: PersonSerializer, **_errors(400, 401, 404)},
        description="Rename, set a birthday (null clears it), hide or show a person.",
    )
    def partial_update(self, request, pk=None):
        person = self.get_object()
        body = PersonUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data:
            people.update_person(person, **body.validated_data)
        return Response(self.get_serializer(self._fresh(person.pk)).data)

    def _fresh(self, pk):
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter(
                "into", OpenApiTypes.INT, required=True, description="The person to merge with."
            )
        ],
        responses={200: MergePreviewSerializer, **_errors(400, 401, 404)},
        description="What merging this person into `into` would do, changing nothing: the "
        "faces that would move, and whether it is refused because both people are in one "
        "photo (which photos; one photo shows a person once).",
    )
    @extend_schema(
        methods=["POST"],
        request=MergeSerializer,
        responses={200: PersonSerializer, **_errors(400, 401, 404, 409)},
        description="Move every face of this person to `into` and remove this person. "
        "Refused (409 `same_photo`) while both are in one photo; 404 `gone` if either was "
        "merged or forgotten meanwhile.",
    )
    @action(detail=True, methods=["get", "post"])
    def merge(self, request, pk=None):
        person = self.get_object()
        body = (MergeQuerySerializer if request.method == "GET" else MergeSerializer)(
            data=request.query_params if request.method == "GET" else request.data
        )
        body.is_valid(raise_exception=True)
        into = get_person_for_user(request.user, body.validated_data["into"], self.get_queryset())
        if request.method == "GET":
            if into.pk == person.pk:
                return error("A person cannot be merged into themselves.", "same_person")
            return Response(MergePreviewSerializer(people.merge_preview(person, into)).data)
        try:
            merged = people.merge(person, into)
        except people.PeopleError as exc:
            return error(str(exc), exc.code, exc.status)
        return Response(self.get_serializer(self._fresh(merged.pk)).data)

    @extend_schema(
        request=FacesActionSerializer,
        responses={200: PersonSerializer, 204: None, **_errors(400, 401, 404)},
        description='Corrections of many faces of this person: "reject" (not this person: '
        'never added back) or "dismiss" (not a face: hidden everywhere, never grouped). '
        "Faces that are not on this person are ignored. 204 when the person is left with "
        "nothing and was removed.",
    )
    @action(detail=True, methods=["post"])
    def faces(self, request, pk=None):
        person = self.get_object()
        body = FacesActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        faces = list(
            Face.objects.filter(
                owner=request.user, person=person, pk__in=body.validated_data["faces"]
            )
        )
        if not faces:
            return error("None of these faces is on this person.", "no_faces")
        if body.validated_data["action"] == "reject":
            people.reject_faces(faces)
        else:
            people.dismiss_faces(faces)
        fresh = self.get_queryset().filter(pk=person.pk).first()
        if fresh is None:
            return Response(status=204)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        methods=["GET"],
        responses={200: ForgetCountsSerializer, **_errors(401, 404)},
        description="What forgetting this person would delete, counted; deletes nothing.",
    )
    @extend_schema(
        methods=["POST"],
        request=ForgetSerializer,
        responses={200: ForgetCountsSerializer, **_errors(400, 401, 404)},
        description="Forget this person: the person, name and birthday, their faces' "
        "embeddings and crops (or, with keep_faces, the faces stay as unrecognised), the "
        "merge records that name them, every suggestion that shows them and the export "
        "ZIPs built earlier. Returns what was deleted; 404 `gone` if they were merged or "
        "forgotten by another request meanwhile.",
    )
    @action(detail=True, methods=["get", "post"])
    def forget(self, request, pk=None):
        person = self.get_object()
        if request.method == "GET":
            return Response(ForgetCountsSerializer(people.forget_preview(person)).data)
        body = ForgetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            counts = people.forget(person, keep_faces=body.validated_data["keep_faces"])
        except people.PeopleError as exc:
            return error(str(exc), exc.code, exc.status)
        return Response(ForgetCountsSerializer(counts).data)

    @extend_schema(
        responses={200: MergeRecordSerializer(many=True), **_errors(401)},
        description="The user's merges, newest first (the last 100), to show and undo.",
    )
    @action(detail=False, methods=["get"], url_path="merges", pagination_class=None)
    def merges(self, request):
        if not consent.allows(request.user, Scope.FACE_ANALYSIS):
            return Response([])
        return Response(
            MergeRecordSerializer(people.merge_history(request.user, 100), many=True).data
        )

    @extend_schema(
        request=UndoMergeSerializer,
        responses={200: PersonSerializer, **_errors(400, 401, 404, 409)},
        description="Undo a merge into this person (`merge`, an id from /people/merges/; "
        "without it the latest one not undone yet): the merged-away person comes back with "
        "their faces, name and birthday. Returns that person.",
    )
    @action(detail=True, methods=["post"], url_path="undo-merge")
    def undo_merge(self, request, pk=None):
        person = self.get_object()
        body = UndoMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        records = PersonMerge.objects.filter(into=person)
        merge_id = body.validated_data.get("merge")
        if merge_id is not None:
            # Anyone else's merge, or one into another person: 404.
            record = get_merge_for_user(request.user, merge_id, records)
        else:
            record = records.filter(undone_at=None).order_by("-created_at", "-id").first()
            if record is None:
                raise NotFound("No merge into this person to undo.")
        try:
            source = people.undo_merge(record)
        except people.PeopleError as exc:
            return error(str(exc), exc.code, exc.status)
        return Response(self.get_serializer(self._fresh(source.pk)).data)

    @extend_schema(
        responses={200: PhotoSerializer(many=True), **_errors(401, 404)},
        description="The photos this person is in, newest first (cursor pagination).",
    )
    @action(detail=True, methods=["get"], pagination_class=PhotoCursorPagination)
    def photos(self, request, pk=None):
        person = self.get_object()
        photo_ids = Face.objects.filter(person=person).values("photo_id")
        queryset = Photo.objects.for_owner(request.user).live().filter(pk__in=photo_ids)
        page = self.paginate_queryset(queryset)
        serializer = PhotoSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **_errors(401, 404)},
        description="The person's cover face crop (JPEG), to the owner only.",
    )
    @action(detail=True, methods=["get"])
    def cover(self, request, pk=None):
        person = self.get_object()
        face = Face.objects.filter(pk=person.cover_face_id, owner=request.user).first()
        if face is None or not face.crop:
            raise NotFound("This person has no cover face.")
        return private_file_response(request, face.crop.name, "image/jpeg")

    def perform_content_negotiation(self, request, force=False):
        # The cover returns image bytes whatever the Accept header; errors are JSON.
        return super().perform_content_negotiation(request, force=True)


@extend_schema(
    responses={200: ProcessingStatusSerializer, **_errors(401)},
    description="How many of the user's photos are in each analysis state.",
)
@api_view(["GET"])
def processing_status(request):
    rows = (
        Photo.objects.for_owner(request.user)
        .order_by()
        .values_list("analysis_status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(AnalysisStatus.values, 0)
    counts.update(dict(rows))
    return Response({"total": sum(counts.values()), **counts})


router = SimpleRouter()
router.register("people", PersonViewSet, basename="api-person")

urlpatterns = [
    path("processing/status/", processing_status, name="api-processing-status"),
    *router.urls,
]
