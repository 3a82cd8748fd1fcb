"""Schemathesis over part of the live API schema, called in-process through the WSGI app.

Used by each app's contract test on its own endpoints, with the data it sets up; the whole
API is covered at once by tests/api/test_contract.py. Checks: no 5xx, status code, content
type and body as the schema says, and schema-invalid input refused.
"""

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

APP = get_wsgi_application()
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


def check_contract(path_regex: str, headers: dict, *, max_examples: int) -> list[str]:
    """Run every operation whose path matches; return "METHOD /path" of each one run."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", APP)
    operations = [r.ok() for r in schema.include(path_regex=path_regex).get_all_operations()]
    checked = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            case.call_and_validate(app=APP, headers=headers, checks=CHECKS)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    return checked
