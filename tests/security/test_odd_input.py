"""Odd input gets a clear 4xx, never a 500."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_library_takes_the_last_and_first_day_of_the_calendar(alice_client, day):
    for name in ("date_to", "date_from"):
        response = alice_client.get(reverse("photos:library"), {name: day})
        assert response.status_code == 200, (name, day)


@pytest.mark.parametrize("body", ["[]", '["name"]', '"renamed"', "42", "true", "null"])
def test_it_refuses_a_person_update_that_is_not_an_object(alice, api_client_for, body):
    from photos.models import Person

    person = Person.objects.create(owner=alice, name="Kit", pack="test")
    from privacy import consent

    consent.grant(alice, "face_analysis")
    api = api_client_for(alice)
    response = api.patch(f"/api/v1/people/{person.pk}/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    person.refresh_from_db()
    assert person.name == "Kit"


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_it_refuses_a_json_body_nested_thousands_deep(alice, api_client_for, body):
    api = api_client_for(alice)
    response = api.post("/api/v1/consent/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
