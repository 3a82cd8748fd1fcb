"""The privacy part of /api/v1/: consent, the analysis log, stop-all, export and erasure.

The endpoints call the same consent functions and services as the privacy page.
"""

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts import ratelimit
from accounts.models import Device
from privacy import consent, erasures, services
from privacy.fetchers import get_erasure_for_user, get_export_for_user
from privacy.models import Channel, ErasureKind, ExportStatus, ProcessingRecord, Scope
from privacy.serializers import (
    AccountDeletedResponseSerializer,
    AccountDeleteSerializer,
    ConsentChangeSerializer,
    ConsentSerializer,
    DerivedDeletedResponseSerializer,
    ErasureQueuedResponseSerializer,
    ErasureStatusSerializer,
    ExportCreatedSerializer,
    ExportStatusSerializer,
    PhotosDeletedResponseSerializer,
    PhotosDeletePreviewSerializer,
    ProcessingRecordSerializer,
    RetentionSerializer,
    RevocationPreviewSerializer,
    StopProcessingSerializer,
)
from privacy.views import export_file_response, export_status_data
from project.api import ErrorSerializer, IdField, error

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input: {detail, code}"),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
}
# Ids are positive: "-1" does not even reach the view (Django's URL converter refuses it).
EXPORT_ID = OpenApiParameter(
    "id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="Export id"
)
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such object of yours")}


def _channel(request) -> dict:
    """Which device made the change: the token's device, or none for a browser session."""
    device = request.auth if isinstance(request.auth, Device) else None
    return {"channel": Channel.API, "device": device}


def _consent_body(user) -> dict:
    states = consent.states(user)
    return {
        "scopes": [
            {
                "scope": s.scope,
                "granted": s.granted,
                "terms_version": s.terms_version,
                "current_terms_version": s.current_version,
                "needs_reconsent": s.needs_reconsent,
                "newer_terms": s.newer_terms,
                "changed_at": s.changed_at,
            }
            for s in states.values()
        ]
    }


@extend_schema(
    methods=["GET"], responses={200: ConsentSerializer, 401: ERRORS[401]}, operation_id="consent"
)
@extend_schema(
    methods=["POST"],
    request=ConsentChangeSerializer,
    responses={200: ConsentSerializer, **ERRORS},
    operation_id="consent_change",
    description="Grant (granted=true) or revoke (granted=false) one scope. A repeat (the "
    "scope granted or revoked already) is the same 200 and records nothing. Errors: "
    "unknown_scope, not_granted (never granted), no_terms.",
)
@api_view(["GET", "POST"])
def consent_view(request):
    if request.method == "POST":
        body = ConsentChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scope, granted = body.validated_data["scope"], body.validated_data["granted"]
        try:
            if granted:
                consent.grant(request.user, scope, **_channel(request))
            else:
                consent.revoke(request.user, scope, **_channel(request))
        except consent.ConsentError as exc:
            return error(str(exc), exc.code)
    return Response(ConsentSerializer(_consent_body(request.user)).data)


class RecordPagination(CursorPagination):
    """Newest first, a page at a time from an opaque cursor (`next` / `previous`): each
    page is one range of the (user, started_at) index, so it costs the same at a thousand
    records and at a million, and nothing counts them (a page number needs a COUNT of the
    whole log, and an OFFSET that reads every record before the page)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-started_at", "-id")


class AnalysisFilters(serializers.Serializer):
    photo = IdField(required=False)
    step = serializers.CharField(required=False, max_length=32)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "photo",
            OpenApiTypes.INT64,
            description="Only this photo's records (404 if the user has none for it)",
        ),
        OpenApiParameter("step", OpenApiTypes.STR, description="Only this step"),
        OpenApiParameter("since", OpenApiTypes.DATETIME, description="Started at or after"),
        OpenApiParameter("until", OpenApiTypes.DATETIME, description="Started at or before"),
    ],
    responses={200: ProcessingRecordSerializer(many=True), **ERRORS, **NOT_FOUND},
)
class AnalysisLog(generics.ListAPIView):
    """Every processing step that ran or was skipped on the user's photos, newest first,
    paged by cursor: follow `next` (null on the last page); there is no total count."""

    serializer_class = ProcessingRecordSerializer
    pagination_class = RecordPagination

    def get_queryset(self):
        filters = AnalysisFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        user = self.request.user
        records = ProcessingRecord.objects.for_user(user).order_by("-started_at", "-id")
        if "photo" in data:
            # The records are the user's own, and keep the photo's reference after the photo
            # is deleted: a photo with no record of theirs (anyone else's photo among them)
            # is a 404, as everywhere, without privacy asking photos whose photo it is.
            records = records.filter(photo_ref=data["photo"])
            if not records.exists():
                raise NotFound("No analysis record of a photo of yours with this id.")
        if "step" in data:
            records = records.filter(step=data["step"])
        if "since" in data:
            records = records.filter(started_at__gte=data["since"])
        if "until" in data:
            records = records.filter(started_at__lte=data["until"])
        return records


@extend_schema(
    methods=["GET"],
    responses={200: RevocationPreviewSerializer, 401: ERRORS[401]},
    operation_id="stop_processing_preview",
    description="What the POST would revoke and delete at once, and what stays: show it "
    "to the user before the POST.",
)
@extend_schema(
    methods=["POST"],
    request=None,
    responses={200: StopProcessingSerializer, 401: ERRORS[401]},
    operation_id="stop_processing",
    description="Revokes every granted scope. Deletes what GET lists.",
)
@api_view(["GET", "POST"])
def stop_processing(request):
    if request.method == "GET":
        scopes = services.stop_all_scopes(request.user)
        return Response(services.revocation_preview(request.user, scopes))
    revoked = services.stop_all(request.user, **_channel(request))
    return Response({**_consent_body(request.user), "revoked": revoked})


@extend_schema(
    responses={200: RevocationPreviewSerializer, **ERRORS},
    description="What revoking this scope (POST /consent/ with granted=false) deletes at "
    "once, and what stays: show it to the user before revoking. Errors: unknown_scope, "
    "not_granted.",
)
@api_view(["GET"])
def revocation_preview(request, scope):
    if scope not in Scope.values:
        return error(f"Unknown scope {scope!r}.", "unknown_scope")
    if scope not in services.stop_all_scopes(request.user):
        return error(f"{scope!r} is not granted, so it cannot be revoked.", "not_granted")
    return Response(services.revocation_preview(request.user, [scope]))


@extend_schema(
    request=RetentionSerializer,
    responses={200: RetentionSerializer, **ERRORS},
    description="After cloud_processing was revoked: keep the photos stored unprocessed, or "
    "delete the cloud copies after the grace period. Granting cloud_processing again cancels.",
)
@api_view(["POST"])
def retention(request):
    body = RetentionSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        chosen = services.choose_retention(request.user, body.validated_data["choice"])
    except consent.ConsentError as exc:
        return error(str(exc), exc.code)
    return Response(RetentionSerializer(chosen).data)


def _export_status(request, job):
    url = request.build_absolute_uri(reverse("api-privacy-export-download", args=[job.pk]))
    return export_status_data(job, url)


@extend_schema(
    request=None,
    responses={202: ExportCreatedSerializer, 401: ERRORS[401]},
    description="Starts building a ZIP of everything stored about the user (or returns the "
    "export already being built).",
)
@api_view(["POST"])
def export_create(request):
    job, _ = services.request_export(request.user)
    return Response({"id": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    parameters=[EXPORT_ID],
    responses={200: ExportStatusSerializer, 401: ERRORS[401], **NOT_FOUND},
)
@api_view(["GET"])
def export_detail(request, pk):
    return Response(
        ExportStatusSerializer(_export_status(request, get_export_for_user(request.user, pk))).data
    )


@extend_schema(
    parameters=[EXPORT_ID],
    responses={
        (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The ZIP"),
        401: ERRORS[401],
        **NOT_FOUND,
        410: OpenApiResponse(ErrorSerializer, description="The link lifetime is over"),
    },
)
@api_view(["GET"])
def export_download(request, pk):
    job = get_export_for_user(request.user, pk)
    if services.export_is_expired(job):
        return error(
            "This download link has expired. Request a new export.", "expired", status.HTTP_410_GONE
        )
    if job.status != ExportStatus.READY or not job.file:
        return error("This export is not ready yet.", "not_ready", status.HTTP_404_NOT_FOUND)
    return export_file_response(request, job)


@extend_schema(
    request=None,
    responses={200: DerivedDeletedResponseSerializer, 401: ERRORS[401]},
    description="Deletes faces, embeddings, people, tags, themes, suggestions and albums; "
    "photos are kept and marked as not analysed. Returns what was deleted.",
)
@api_view(["DELETE"])
def derived_data(request):
    return Response({"deleted": services.delete_derived_data(request.user)})


@extend_schema(
    request=AccountDeleteSerializer,
    responses={
        200: AccountDeletedResponseSerializer,
        202: ErasureQueuedResponseSerializer,
        **ERRORS,
        403: OpenApiResponse(ErrorSerializer, description="Wrong password"),
        429: OpenApiResponse(ErrorSerializer, description="Too many wrong passwords"),
    },
    description="Deletes the account with every photo, file, derived datum and token; the "
    "body carries the account's password, as the web form asks for it. "
    "Returns what was deleted; the token stops working at once. A large library (over "
    "ERASURE_IN_REQUEST_MAX_PHOTOS photos) is deleted by a worker instead: 202, the account "
    "is locked at once and gone within minutes.",
)
@api_view(["DELETE"])
def account(request):
    body = AccountDeleteSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    user = request.user
    # A stolen token must not turn into unlimited password guesses: the login's lock-out.
    try:
        right = ratelimit.check_password(request, user, body.validated_data["password"])
    except ratelimit.Locked:
        return error(ratelimit.LOCKED_MESSAGE, "throttled", 429)
    if not right:
        return error("That is not your password. Nothing was deleted.", "wrong_password", 403)
    counts = erasures.counts_for(user, ErasureKind.ACCOUNT)
    if not erasures.in_request(counts):
        job, _ = erasures.queue(user, ErasureKind.ACCOUNT, counts)
        return Response({"erasure": erasures.status_data(job)}, status=status.HTTP_202_ACCEPTED)
    return Response({"deleted": erasures.erase_now(user, ErasureKind.ACCOUNT)})


ERASURE_ID = OpenApiParameter(
    "id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="Erasure id"
)


@extend_schema(
    methods=["GET"],
    responses={200: PhotosDeletePreviewSerializer, 401: ERRORS[401]},
    description="What deleting every photo would delete, with counts (nothing is deleted).",
)
@extend_schema(
    methods=["DELETE"],
    request=None,
    responses={
        200: PhotosDeletedResponseSerializer,
        202: OpenApiResponse(
            ErasureQueuedResponseSerializer,
            description="A large library: deleted by a worker; follow the erasure's progress "
            "at /api/v1/privacy/erasures/{id}/.",
        ),
        401: ERRORS[401],
    },
    description="Deletes every photo and video with its files and everything derived from "
    "it; the account and its consent choices stay. Returns what was deleted, or (for a "
    "large library) the background job doing it.",
)
@api_view(["GET", "DELETE"])
def photos(request):
    user = request.user
    counts = erasures.counts_for(user, ErasureKind.PHOTOS)
    if request.method == "GET":
        return Response({"will_delete": counts})
    if not erasures.in_request(counts):
        job, _ = erasures.queue(user, ErasureKind.PHOTOS, counts)
        return Response({"erasure": erasures.status_data(job)}, status=status.HTTP_202_ACCEPTED)
    return Response({"deleted": erasures.erase_now(user, ErasureKind.PHOTOS)})


@extend_schema(
    parameters=[ERASURE_ID],
    responses={200: ErasureStatusSerializer, 401: ERRORS[401], **NOT_FOUND},
    description="How far a background deletion of every photo has got.",
)
@api_view(["GET"])
def erasure_detail(request, pk):
    job = get_erasure_for_user(request.user, pk)
    return Response(ErasureStatusSerializer(erasures.status_data(job)).data)


urlpatterns = [
    path("consent/", consent_view, name="api-consent"),
    path("privacy/analysis/", AnalysisLog.as_view(), name="api-privacy-analysis"),
    path("privacy/stop-processing/", stop_processing, name="api-privacy-stop"),
    path(
        "privacy/revocation/<str:scope>/",
        revocation_preview,
        name="api-privacy-revocation-preview",
    ),
    path("privacy/retention/", retention, name="api-privacy-retention"),
    path("privacy/export/", export_create, name="api-privacy-export"),
    path("privacy/export/<int:pk>/", export_detail, name="api-privacy-export-detail"),
    path(
        "privacy/export/<int:pk>/download/",
        export_download,
        name="api-privacy-export-download",
    ),
    path("privacy/derived-data/", derived_data, name="api-privacy-derived-data"),
    path("privacy/photos/", photos, name="api-privacy-photos"),
    path("privacy/erasures/<int:pk>/", erasure_detail, name="api-privacy-erasure"),
    path("account/", account, name="api-account"),
]
