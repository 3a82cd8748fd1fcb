"""Schemathesis against the live schema, limited to the suggestions endpoints: no 5xx,
every response conforms to the schema."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

pytestmark = pytest.mark.django_db

APP = get_wsgi_application()
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


def operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", APP)
    schema = schema.include(path_regex=r"^/api/v1/suggestions/")
    return [result.ok() for result in schema.get_all_operations()]


def test_it_keeps_the_contract(alice, api_token_for, make_suggestion):
    make_suggestion(alice)
    make_suggestion(alice, kind="trip")
    headers = {"Authorization": f"Token {api_token_for(alice)}"}
    checked = []
    for operation in operations():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            case.call_and_validate(app=APP, headers=headers, checks=CHECKS)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert set(checked) >= {
        "GET /api/v1/suggestions/",
        "GET /api/v1/suggestions/{id}/",
        "POST /api/v1/suggestions/{id}/save/",
        "POST /api/v1/suggestions/{id}/dismiss/",
        "GET /api/v1/suggestions/{id}/image/",
        "POST /api/v1/suggestions/generate/",
    }
