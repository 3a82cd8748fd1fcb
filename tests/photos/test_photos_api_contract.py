"""Schemathesis against the live schema, limited to the library endpoints (photos, sync):
no 5xx for any input, every response conforms to the schema.

`positive_data_acceptance` is left out: a schema-valid upload of random bytes is refused
with 415 by design (the schema cannot say "a real JPEG").
"""

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from photos import derivatives, ingest

pytestmark = pytest.mark.django_db

APP = get_wsgi_application()
PATHS = r"^/api/v1/(photos|sync)/"
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


def test_it_keeps_the_contract(alice, api_token_for, grant, photos_dir):
    grant(alice, "camera_roll_sync")
    for name in ("ibm_dog.jpg", "ibm_city.jpg"):
        data = (photos_dir / "scenes" / name).read_bytes()
        photo = ingest.ingest(alice, SimpleUploadedFile(name, data)).photo
        derivatives.make_derivatives(photo)
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
    assert "POST /api/v1/sync/check/" in checked
    assert "POST /api/v1/photos/" in checked
    assert "GET /api/v1/photos/{id}/thumbnail/" in checked
