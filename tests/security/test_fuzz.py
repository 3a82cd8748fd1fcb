"""No 5xx on odd input, for every URL of the URLconf.

Generated from the URLconf like test_url_matrix.py (and from its table of how to build each
URL, so a new URL is fuzzed as soon as the matrix knows it):
- every pattern with a path parameter is requested with odd values in each parameter in
  turn (a superscript digit, an Arabic-Indic digit, a number past 64 bits, negative, a
  word), by the owner, and the admin's by a superuser;
- every API endpoint that takes a body (POST, PUT, PATCH, DELETE, as its view declares)
  gets JSON bodies that are not an object and bodies nested thousands of levels deep,
  on alice's real objects so the request gets past the ownership check to the parsing.
Each must answer below 500.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import resolve
from rest_framework.test import APIClient

from accounts.models import Device
from privacy import consent
from privacy.models import Scope
from tests.security.test_url_matrix import (
    ADMIN,
    API,
    API_OWNED,
    API_PUBLIC,
    _body,
    _request,
    all_routes,
    build_url,
    entry_for,
    matrix,  # noqa: F401  (the fixture)
    resolve_value,
)

pytestmark = pytest.mark.django_db

ODD_IDS = {
    "superscript": "\u00b2",  # str.isdigit() says yes, int() says no
    "arabic-indic": "\u0663",  # int() says 3
    "past-64-bits": "9223372036854775808",
    "negative": "-1",
    "word": "abc",
}
DEEP = 5000
BODIES = {
    "deep-list": "[" * DEEP + "]" * DEEP,
    "deep-object": '{"a":' * DEEP + "1" + "}" * DEEP,
    "deep-in-a-field": '{"name":' + "[" * DEEP + "]" * DEEP + "}",
    "list": "[]",
    "list-of-objects": '[{"name": "x"}]',
    "string": '"x"',
    "number": "1",
    "boolean": "true",
    "null": "null",
    "not-json": "{",
}

_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>")


def _param_names(route: str) -> list[str]:
    return [m["name"] or m["group"] for m in _PARAM.finditer(route)]


def _id_cases():
    for route in all_routes():
        entry = entry_for(route)
        if entry is None:
            continue  # test_url_matrix fails for it already
        for name in _param_names(route):
            for label in ODD_IDS:
                yield pytest.param(route, name, label, id=f"{route}[{name}={label}]")


def _write_methods(route: str, url: str) -> list[str]:
    view = resolve(url).func
    if hasattr(view, "actions"):  # a viewset route: the methods it maps
        methods = list(view.actions)
    else:
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if cls is None:
            return []
        methods = [m for m in cls.http_method_names if hasattr(cls, m)]
    return [m.upper() for m in methods if m in ("post", "put", "patch", "delete")]


def _json_cases():
    for route in all_routes():
        entry = entry_for(route)
        if entry is None or entry.kind not in (API, API_OWNED, API_PUBLIC):
            continue
        yield pytest.param(route, id=route)


def _client_for(kind, request):
    """The owner's client (with the consents that let scope-gated views reach their
    lookup), or for the admin a superuser's; built per kind, as cheaply as it can be."""
    if kind == ADMIN:
        client = Client()
        client.force_login(
            get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
        )
        return client
    alice = request.getfixturevalue("alice")
    for scope in (Scope.CLOUD_PROCESSING, Scope.CAMERA_ROLL_SYNC, Scope.FACE_ANALYSIS):
        consent.grant(alice, scope)
    if kind in (API, API_OWNED, API_PUBLIC):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Device.issue(alice, 'fuzz')[1]}")
        return client
    client = Client()
    client.force_login(alice)
    return client


class _NoWorld:
    """Stands in for a world: '@x.pk' in a body becomes an id nobody has."""

    def __getattr__(self, name):
        return self

    pk = 424242


@pytest.mark.parametrize(("route", "param", "label"), list(_id_cases()))
def test_no_url_answers_5xx_to_an_odd_id(route, param, label, request):
    entry = entry_for(route)
    values = {}
    for name in _param_names(route):
        spec = entry.args.get(name, "=1")
        # Other parameters keep a plain value; objects need not exist for this test.
        values[name] = spec[1:] if spec.startswith("=") else "1"
    values[param] = ODD_IDS[label]
    url = build_url(route, values)
    client = _client_for(entry.kind, request)
    for t in entry.tries:
        response = _request(client, t, url, _NoWorld())
        _body(response)  # a streaming response fails while it streams
        assert response.status_code < 500, f"{t.method} {url}: {response.status_code}"


@pytest.mark.parametrize("route", list(_json_cases()))
def test_no_json_endpoint_answers_5xx_to_an_odd_body(route, matrix):  # noqa: F811
    entry = entry_for(route)
    world = matrix["alice"]
    values = {name: resolve_value(spec, world) for name, spec in entry.args.items()}
    url = build_url(route, values)
    methods = _write_methods(route, url)
    assert methods or entry.kind != API_PUBLIC, f"{route} takes no body?"
    client = APIClient()
    if entry.kind != API_PUBLIC:
        # A token of its own: DELETE devices/<pk>/ revokes the world's device.
        client.credentials(HTTP_AUTHORIZATION=f"Token {Device.issue(world.user, 'fuzz')[1]}")
    for method in methods:
        for label, body in BODIES.items():
            response = client.generic(method, url, body, content_type="application/json")
            _body(response)
            assert response.status_code < 500, f"{method} {url} with {label}: {response}"
            if label.startswith("deep") or label == "not-json":
                # Refused as malformed, unless the view never reads a body at all; the
                # tus endpoint refuses a request without Tus-Resumable first (412).
                assert response.status_code in (200, 202, 204, 400, 404, 412, 415), (
                    f"{method} {url} with {label}: {response.status_code}"
                )
