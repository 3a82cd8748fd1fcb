"""Schemathesis against the live schema, limited to the privacy endpoints: no 5xx, every
response conforms to the schema. (DELETE /account/ is tested in test_deletion.py: fuzzing
it would delete the caller after the first example.)

`positive_data_acceptance` is left out on purpose: a double grant or a revoke of a scope
never granted is schema-valid but refused with 400 and the consent code, by design.
"""

import pytest

from tests.contract import check_contract

pytestmark = pytest.mark.django_db


def test_it_keeps_the_contract(alice, api_token_for, grant, make_analysed):
    grant(alice, "cloud_processing", "face_analysis")
    make_analysed(alice, 1)
    headers = {"Authorization": f"Token {api_token_for(alice)}"}
    checked = check_contract(r"^/api/v1/(consent|privacy)/", headers, max_examples=30)
    assert "POST /api/v1/consent/" in checked
    assert "GET /api/v1/privacy/analysis/" in checked
    assert "DELETE /api/v1/privacy/derived-data/" in checked
