"""Schemathesis against the live schema, limited to the library endpoints (photos, sync):
no 5xx for any input, every response conforms to the schema.

`positive_data_acceptance` is left out: a schema-valid upload of random bytes is refused
with 415 by design (the schema cannot say "a real JPEG").
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from photos import derivatives, ingest
from tests.contract import check_contract

pytestmark = pytest.mark.django_db


def test_it_keeps_the_contract(alice, api_token_for, grant, photos_dir):
    grant(alice, "camera_roll_sync")
    for name in ("ibm_dog.jpg", "ibm_city.jpg"):
        data = (photos_dir / "scenes" / name).read_bytes()
        photo = ingest.ingest(alice, SimpleUploadedFile(name, data)).photo
        derivatives.make_derivatives(photo)
    headers = {"Authorization": f"Token {api_token_for(alice)}"}
    checked = check_contract(r"^/api/v1/(photos|sync)/", headers, max_examples=30)
    assert "POST /api/v1/sync/check/" in checked
    assert "POST /api/v1/photos/" in checked
    assert "GET /api/v1/photos/{id}/thumbnail/" in checked
