"""Project-wide API conventions: every error is a 4xx JSON body {detail, code}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views import defaults
from rest_framework import exceptions, parsers, serializers, status, throttling
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from project.lookups import MAX_ID, parse_id
from project.net import client_ip


class ErrorSerializer(serializers.Serializer):
    """The project's error body, {detail, code}."""

    detail = serializers.CharField()
    code = serializers.CharField()


def _first_message(data):
    if isinstance(data, list) and data:
        return _first_message(data[0])
    if isinstance(data, dict) and data:
        key, value = next(iter(data.items()))
        inner = _first_message(value)
        return inner if key in ("detail", "non_field_errors") else f"{key}: {inner}"
    return str(data)


class JSONParser(parsers.JSONParser):
    """DRF's, but a body nested past the interpreter's recursion limit is a 400 like any
    other malformed JSON, not a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


class IdField(serializers.IntegerField):
    """An id, read by the one parser (project.lookups.parse_id): a JSON integer, or ASCII
    digits in a query string or a form body. Arabic-Indic, superscript or full-width digits,
    1.5 and true are 400s, where DRF's IntegerField turns Arabic-Indic "1" into 1.
    `strings=False` takes JSON integers only."""

    default_error_messages = {"invalid": "A valid id is required: a positive whole number."}

    def __init__(self, *, strings: bool = True, **kwargs):
        self.strings = strings
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not self.strings:
            self.fail("invalid")
        pk = parse_id(data)
        if pk is None:
            self.fail("invalid")
        return pk


class OwnedObjectMixin:
    """Every viewset's get_object: the model's one owner-scoped fetcher (`fetcher`, called
    as fetcher(user, pk, queryset)) over get_queryset(), so anyone else's id and an id that
    is not one are the same 404. The route takes ASCII digits only: `\\d` takes any
    script's digits."""

    lookup_value_regex = "[0-9]+"
    fetcher = None

    def fetch(self, pk):
        return type(self).fetcher(self.request.user, pk, self.get_queryset())

    def get_object(self):
        obj = self.fetch(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field))
        self.check_object_permissions(self.request, obj)
        return obj


class ClientAddressMixin:
    """DRF's own get_ident believes X-Forwarded-For from anyone unless NUM_PROXIES is set;
    the project's one rule (project.net) decides instead."""

    def get_ident(self, request):
        return client_ip(request)


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"detail": _first_message(exc.detail), "code": "invalid", "errors": exc.detail}
    else:
        detail = getattr(exc, "detail", str(exc))
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(exc, Http404):
            codes = "not_found"
        elif isinstance(exc, PermissionDenied):
            codes = "permission_denied"
        body = {"detail": str(detail), "code": codes if isinstance(codes, str) else "error"}
    response.data = body
    return response


def error(detail: str, code: str, status_code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": detail, "code": code}, status=status_code)


def not_found(request, exception=None):
    """handler404: under /api/ a JSON body like every other API error, else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: under /api/ a JSON body, else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)
    try:
        # With the request, the page has the site's navigation for a signed-in user.
        html = loader.render_to_string("500.html", request=request)
    except Exception:  # the error may be the database itself: a bare page then
        return defaults.server_error(request)
    return HttpResponseServerError(html)


def document_refused_input(result, generator, request, public):
    """drf-spectacular hook: every operation may answer 400, since text with a control
    character (in a query string too) is refused before any view runs
    (project.middleware.ControlCharactersMiddleware)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "400",
                {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                    "description": "Invalid input (text with control characters)",
                },
            )
    return result
