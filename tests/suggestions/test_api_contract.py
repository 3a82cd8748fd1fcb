"""Schemathesis against the live schema, limited to the suggestions endpoints: no 5xx,
every response conforms to the schema."""

import pytest

from tests.contract import check_contract

pytestmark = pytest.mark.django_db


def test_it_keeps_the_contract(alice, api_token_for, make_suggestion):
    make_suggestion(alice)
    make_suggestion(alice, kind="trip")
    headers = {"Authorization": f"Token {api_token_for(alice)}"}
    checked = check_contract(r"^/api/v1/suggestions/", headers, max_examples=15)
    assert set(checked) >= {
        "GET /api/v1/suggestions/",
        "GET /api/v1/suggestions/{id}/",
        "POST /api/v1/suggestions/{id}/save/",
        "POST /api/v1/suggestions/{id}/dismiss/",
        "POST /api/v1/suggestions/{id}/seen/",
        "GET /api/v1/suggestions/{id}/image/",
        "POST /api/v1/suggestions/generate/",
    }
