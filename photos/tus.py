"""Resumable uploads over HTTP: the tus 1.0.0 protocol at /api/v1/uploads/ (core, creation,
creation-with-upload, termination, expiration, checksum with sha1 and sha256).

Authenticated like the rest of the API: a device token (phones; the item is a camera-roll
sync, with its consent and window) or the browser session with its CSRF token (the upload
page; a browser upload). The body of a PATCH is never read whole: photos.uploads streams
it to the storage a chunk at a time. docs/sync.md says what a client sees.
"""

import json

from django.conf import settings
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.views import APIView

from accounts.models import Device
from photos import uploads
from photos.fetchers import get_upload_for_user
from photos.models import Source, Upload
from project.api import ErrorSerializer

OCTET = "application/offset+octet-stream"


class AllowOptions(permissions.IsAuthenticated):
    """Discovery (OPTIONS) is open, as the protocol has it; everything else needs a user."""

    def has_permission(self, request, view):
        return request.method == "OPTIONS" or super().has_permission(request, view)


def _error(exc: uploads.UploadError, *, head: bool = False) -> HttpResponse:
    body = b"" if head else json.dumps({"detail": exc.message, "code": exc.code}).encode()
    response = HttpResponse(body, status=exc.status, content_type="application/json")
    for name, value in exc.headers.items():
        response[name] = value
    if exc.status == 412:
        response["Tus-Version"] = uploads.TUS_VERSION
    return response


def _state_headers(response, upload: Upload) -> HttpResponse:
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    response["Cache-Control"] = "no-store"
    if not upload.finished:
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    if upload.photo_id is not None:
        # Which photo the upload became (new, or the one already holding these bytes).
        response["Upload-Photo-Id"] = str(upload.photo_id)
        response["Upload-Photo-Created"] = "true" if upload.photo_created else "false"
        response["Upload-Photo-Url"] = reverse("api-photo-detail", args=[upload.photo_id])
    if upload.error_code:
        response["Upload-Error-Code"] = upload.error_code
    return response


def _check_version(request) -> None:
    if request.META.get("HTTP_TUS_RESUMABLE") != uploads.TUS_VERSION:
        raise uploads.UploadError(
            f"This server speaks tus {uploads.TUS_VERSION}: send Tus-Resumable: "
            f"{uploads.TUS_VERSION}.",
            "unsupported_version",
            412,
        )


def _content_length(request) -> int:
    return uploads.parse_length(request.META.get("CONTENT_LENGTH") or "0", "Content-Length")


def _check_body_type(request, length: int) -> None:
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if length and content_type != OCTET:
        raise uploads.UploadError(
            f"The body of an upload must be sent as Content-Type: {OCTET}.",
            "unsupported_media_type",
            415,
        )


def _source(request) -> str:
    # A device token is the companion app syncing; the session is the browser's upload page.
    return Source.SYNC if isinstance(request.auth, Device) else Source.WEB


def _write(request, upload: Upload, offset: int, length: int, checksum) -> Upload:
    return uploads.write(
        upload,
        offset=offset,
        read=request._request.read,
        content_length=length,
        checksum=checksum,
    )


class TusView(APIView):
    permission_classes = [AllowOptions]
    # Bodies are streamed by hand (request._request.read), never parsed by DRF.
    parser_classes: list = []

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = uploads.TUS_VERSION
        return response

    def options(self, request, *args, **kwargs):
        response = HttpResponse(status=204)
        response["Tus-Version"] = uploads.TUS_VERSION
        response["Tus-Extension"] = ",".join(uploads.EXTENSIONS)
        response["Tus-Max-Size"] = str(settings.UPLOAD_MAX_BYTES)
        response["Tus-Checksum-Algorithm"] = ",".join(uploads.CHECKSUMS)
        return response


_HEADERS = [
    OpenApiParameter(
        "Tus-Resumable", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, enum=["1.0.0"]
    ),
]


def _errors(*codes: int) -> dict:
    text = {
        400: "Invalid header or metadata",
        401: "Not authenticated",
        403: "Missing consent or outside the sync window",
        404: "Not found (or not yours), or expired",
        409: "Upload-Offset is not the upload's offset",
        412: "Tus-Resumable is not 1.0.0",
        413: "Larger than Tus-Max-Size (UPLOAD_MAX_BYTES) or past Upload-Length",
        415: "Body not application/offset+octet-stream, or not a photo or video",
        423: "Another request is writing this upload",
        460: "The body does not match Upload-Checksum",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


class UploadCollectionView(TusView):
    @extend_schema(
        operation_id="uploads_create",
        parameters=[
            *_HEADERS,
            OpenApiParameter(
                "Upload-Length", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True
            ),
            OpenApiParameter(
                "Upload-Metadata",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="`key base64(value)` pairs, comma-separated: filename, filetype, "
                "taken_at (ISO 8601), device_asset_id.",
            ),
        ],
        request={OCTET: OpenApiTypes.BINARY},
        responses={
            201: OpenApiResponse(
                description="Created: `Location` is the upload's URL; with a body "
                "(creation-with-upload) `Upload-Offset` says how much of it was kept."
            ),
            **_errors(400, 401, 403, 412, 413, 415, 460),
        },
        description="tus 1.0.0 creation (docs/sync.md). OPTIONS on this URL lists the "
        "protocol's extensions, `Tus-Max-Size` and `Tus-Checksum-Algorithm`.",
    )
    def post(self, request):
        try:
            _check_version(request)
            length = uploads.parse_length(request.META.get("HTTP_UPLOAD_LENGTH"), "Upload-Length")
            body_length = _content_length(request)
            _check_body_type(request, body_length)
            checksum = uploads.parse_checksum(request.META.get("HTTP_UPLOAD_CHECKSUM"))
            upload = uploads.create(
                request.user,
                source=_source(request),
                length=length,
                raw_metadata=request.META.get("HTTP_UPLOAD_METADATA", ""),
            )
        except uploads.UploadError as exc:
            return _error(exc)
        location = request.build_absolute_uri(reverse("api-upload", args=[upload.pk]))
        if body_length:
            try:
                upload = _write(request, upload, 0, body_length, checksum)
            except uploads.UploadError as exc:
                response = _error(exc)
                response["Location"] = location
                return response
        response = _state_headers(HttpResponse(status=201), upload)
        response["Location"] = location
        return response


class UploadView(TusView):
    def _upload(self, request, pk) -> Upload:
        return get_upload_for_user(request.user, pk)

    def head(self, request, pk):
        upload = self._upload(request, pk)
        try:
            _check_version(request)
        except uploads.UploadError as exc:
            return _error(exc, head=True)
        if upload.error_code:
            response = HttpResponse(status=upload.error_status or 400)
        else:
            response = HttpResponse(status=200)
        if upload.raw_metadata:
            response["Upload-Metadata"] = upload.raw_metadata
        return _state_headers(response, upload)

    @extend_schema(
        operation_id="uploads_write",
        parameters=[
            *_HEADERS,
            OpenApiParameter(
                "Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True
            ),
            OpenApiParameter(
                "Upload-Checksum",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="`sha1 <base64>` or `sha256 <base64>` of this request's body.",
            ),
        ],
        request={OCTET: OpenApiTypes.BINARY},
        responses={
            204: OpenApiResponse(
                description="Written: `Upload-Offset` is the new offset. Once the upload is "
                "complete, `Upload-Photo-Id` names the photo it became (`Upload-Photo-"
                "Created: false` when the same bytes were already in the library)."
            ),
            **_errors(400, 401, 403, 404, 409, 412, 413, 415, 423, 460),
        },
        description="tus 1.0.0 PATCH: append bytes at `Upload-Offset`. HEAD on the same URL "
        "gives the offset to resume from (and, once finished, `Upload-Photo-Id`).",
    )
    def patch(self, request, pk):
        upload = self._upload(request, pk)
        try:
            _check_version(request)
            body_length = _content_length(request)
            _check_body_type(request, 1)  # even an empty PATCH says what it would send
            offset = uploads.parse_length(request.META.get("HTTP_UPLOAD_OFFSET"), "Upload-Offset")
            checksum = uploads.parse_checksum(request.META.get("HTTP_UPLOAD_CHECKSUM"))
            upload = _write(request, upload, offset, body_length, checksum)
        except uploads.UploadError as exc:
            return _error(exc)
        return _state_headers(HttpResponse(status=204), upload)

    @extend_schema(
        operation_id="uploads_terminate",
        parameters=_HEADERS,
        responses={
            204: OpenApiResponse(description="Terminated: the upload and its bytes are gone"),
            **_errors(401, 404, 412, 423),
        },
        description="tus termination. A finished upload's photo stays in the library.",
    )
    def delete(self, request, pk):
        upload = self._upload(request, pk)
        try:
            _check_version(request)
            uploads.terminate(upload)
        except uploads.UploadError as exc:
            return _error(exc)
        return HttpResponse(status=204)


urlpatterns = [
    path("uploads/", UploadCollectionView.as_view(), name="api-uploads"),
    path("uploads/<str:pk>/", UploadView.as_view(), name="api-upload"),
]
