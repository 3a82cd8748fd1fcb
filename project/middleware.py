import json
import re

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: CSP and a strict Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The API docs (Swagger UI) run inline bootstrap code; everything else is strict.
        if not request.path.startswith("/api/v1/docs"):
            response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


# C0 and C1 controls but tab, line feed and carriage return, DEL, and lone surrogates (a
# JSON "\ud800"): nothing a person types, a NUL is a 500 on PostgreSQL, and the others
# corrupt what is shown or exported.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _strings(value, name=""):
    """(field name, string) for every string in a parsed JSON body, without recursion."""
    stack = [(name, value)]
    while stack:
        name, value = stack.pop()
        if isinstance(value, str):
            yield name, value
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((str(key), key))
                stack.append((str(key), item))
        elif isinstance(value, list):
            stack.extend((name, item) for item in value)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def refused_field(request) -> str | None:
    """The first input field of the request whose text has a control character, or None."""
    fields = [request.GET]
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type == "application/json":
            try:
                body = json.loads(request.body or b"null")
            except (ValueError, RecursionError):
                body = None  # the API's parser answers a malformed body itself
            for name, text in _strings(body):
                if CONTROL_CHARACTERS.search(text):
                    return name or "body"
        elif (
            request.method == "POST"
            and content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            # Not a body over the upload limit: the upload views refuse it (413) unparsed.
            and _content_length(request) <= settings.UPLOAD_MAX_BYTES + 1024 * 1024
        ):
            fields.append(request.POST)
    for data in fields:
        for name, values in data.lists():
            if CONTROL_CHARACTERS.search(name) or any(CONTROL_CHARACTERS.search(v) for v in values):
                return name
    if fields[-1] is not request.GET:
        for upload in request.FILES.values():
            if CONTROL_CHARACTERS.search(upload.name or ""):
                return "file name"
    return None


class ControlCharactersMiddleware:
    """Every text a user sends (form fields, JSON strings, query strings, upload names), on
    every page and endpoint: one with a control character is a 400 naming the field, before
    any form, serializer or service sees it. Tabs and line breaks are text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            field = refused_field(request)
        except (ValueError, SuspiciousOperation, MultiPartParserError):
            field = None  # a body Django cannot read: the view answers it as it always did
        if field is None:
            return self.get_response(request)
        detail = f"{field}: control characters (such as NUL) are not allowed in text."
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail, "code": "invalid"}, status=400)
        return HttpResponseBadRequest(
            render_to_string("400.html", {"detail": detail}, request=request)
        )
