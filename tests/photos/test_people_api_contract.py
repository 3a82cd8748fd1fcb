"""Schemathesis against the live schema, limited to the people and processing-status
endpoints: no 5xx, every response conforms to the schema, bad input is refused."""

import pytest

from photos.models import AnalysisStatus, Face, Person
from privacy.models import Scope
from tests.contract import check_contract
from tests.factories import make_photo

pytestmark = pytest.mark.django_db


def test_it_keeps_the_contract(alice, grant, api_token_for, photos_dir):
    grant(alice, Scope.CLOUD_PROCESSING, Scope.FACE_ANALYSIS)
    photo = make_photo(alice, photos_dir / "scenes/ibm_city.jpg", status=AnalysisStatus.DONE)
    for i in range(2):
        person = Person.objects.create(owner=alice, pack="p@1", name=f"P{i}", face_count=3)
        Face.objects.create(
            owner=alice, photo=photo, person=person, x1=1, y1=1, x2=9, y2=9,
            det_score=0.9, embedding=b"\0" * 512, pack="p@1", dim=128,
        )  # fmt: skip
    headers = {"Authorization": f"Token {api_token_for(alice)}"}
    checked = check_contract(r"^/api/v1/(people|processing)/", headers, max_examples=20)
    assert set(checked) >= {
        "GET /api/v1/people/",
        "GET /api/v1/people/{id}/",
        "PATCH /api/v1/people/{id}/",
        "POST /api/v1/people/{id}/merge/",
        "GET /api/v1/people/{id}/photos/",
        "GET /api/v1/people/{id}/cover/",
        "GET /api/v1/processing/status/",
    }
