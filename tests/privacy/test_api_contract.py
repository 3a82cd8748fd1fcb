"""Schemathesis against the live schema, limited to the privacy endpoints: no 5xx, every
response conforms to the schema. (DELETE /account/ is tested in test_deletion.py: fuzzing
it would delete the caller after the first example.)

`positive_data_acceptance` is left out on purpose: a double grant or a revoke of a scope
never granted is schema-valid but refused with 400 and the consent code, by design.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

pytestmark = pytest.mark.django_db

APP = get_wsgi_application()
PATHS = r"^/api/v1/(consent|privacy)/"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


def operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", APP)
    schema = schema.include(path_regex=PATHS)
    return [result.ok() for result in schema.get_all_operations()]


def test_it_keeps_the_contract(alice, api_token_for, grant, make_analysed):
    grant(alice, "cloud_processing", "face_analysis")
    make_analysed(alice, 1)
    headers = {"Authorization": f"Token {api_token_for(alice)}"}
    checked = []
    for operation in operations():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            case.call_and_validate(app=APP, headers=headers, checks=CHECKS)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/v1/consent/" in checked
    assert "GET /api/v1/privacy/analysis/" in checked
    assert "DELETE /api/v1/privacy/derived-data/" in checked
