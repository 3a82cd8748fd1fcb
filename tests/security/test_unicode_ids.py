"""Only ASCII digits are ids, wherever an id is read: API paths (every viewset's
get_object goes through the model's one owner-scoped fetcher, project.api.OwnedObjectMixin),
query-string filters, JSON bodies and form fields (project.api.IdField,
project.forms.IdModelChoiceField), all through project.lookups.parse_id. Python's int()
and DRF's IntegerField read Arabic-Indic and full-width digits as ASCII ones."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from photos import albums_api, people_api
from photos import api as photos_api
from project.api import OwnedObjectMixin
from suggestions import api as suggestions_api
from suggestions.models import MemoryControl
from tests.security.world import build_world

pytestmark = pytest.mark.django_db


def _digits(zero: int) -> str:
    return "".join(chr(zero + i) for i in range(10))


SUPERSCRIPT = "\u2070\u00b9\u00b2\u00b3" + "".join(chr(0x2074 + i) for i in range(6))
SCRIPTS = {
    "arabic-indic": str.maketrans("0123456789", _digits(0x0660)),
    "full-width": str.maketrans("0123456789", _digits(0xFF10)),
    "superscript": str.maketrans("0123456789", SUPERSCRIPT),
    "devanagari": str.maketrans("0123456789", _digits(0x0966)),
}


def odd(pk, script) -> str:
    return str(pk).translate(SCRIPTS[script])


@pytest.fixture
def world(alice, photos_dir):
    return build_world(alice, photos_dir, marker="alicemark")


@pytest.fixture
def api(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    return client


def test_every_viewset_fetches_through_the_owner_fetcher():
    routers = [albums_api.router, people_api.router, photos_api.router, suggestions_api.router]
    viewsets = [viewset for router in routers for _prefix, viewset, _name in router.registry]
    assert len(viewsets) == 5
    for viewset in viewsets:
        assert issubclass(viewset, OwnedObjectMixin), viewset
        assert viewset.lookup_value_regex == "[0-9]+", viewset


DETAILS = {
    "albums": "user_album",
    "people": "person",
    "photos": "photo",
    "suggestions": "suggestion",
    "memory-controls": "memory_control",
}


@pytest.mark.parametrize("script", list(SCRIPTS))
@pytest.mark.parametrize("prefix", list(DETAILS))
def test_an_id_in_other_digits_is_a_404_in_every_api_path(api, world, prefix, script):
    pk = getattr(world, DETAILS[prefix]).pk
    assert api.get(f"/api/v1/{prefix}/{pk}/").status_code == 200
    response = api.get(f"/api/v1/{prefix}/{odd(pk, script)}/")
    assert response.status_code == 404
    assert world.marker not in response.content.decode()


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_an_id_in_other_digits_is_a_400_in_query_filters(api, world, script):
    person, photo = world.person.pk, world.photo.pk
    assert api.get(f"/api/v1/photos/?person={person}").status_code == 200
    assert api.get(f"/api/v1/photos/?person={odd(person, script)}").status_code == 400
    assert api.get(f"/api/v1/privacy/analysis/?photo={photo}").status_code == 200
    assert api.get(f"/api/v1/privacy/analysis/?photo={odd(photo, script)}").status_code == 400


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_an_id_in_other_digits_is_a_400_in_json_bodies(api, world, script):
    photo, person = world.photo.pk, world.person.pk
    created = api.post(
        "/api/v1/albums/", {"title": "t", "photo_ids": [odd(photo, script)]}, format="json"
    )
    assert created.status_code == 400
    before = MemoryControl.objects.count()
    control = api.post(
        "/api/v1/memory-controls/",
        {"kind": "never_person", "person": odd(person, script)},
        format="json",
    )
    assert control.status_code == 400
    assert MemoryControl.objects.count() == before
    # The same body with the id in ASCII digits is taken.
    ok = api.post(
        "/api/v1/memory-controls/",
        {"kind": "never_person", "person": str(person), "dry_run": True},
        format="json",
    )
    assert ok.status_code == 200


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_an_id_in_other_digits_is_refused_in_forms(world, script):
    client = Client()
    client.force_login(world.user)
    person = world.person.pk
    before = MemoryControl.objects.count()
    response = client.post(
        "/suggestions/settings/add/",
        {"kind": "never_person", "person": odd(person, script), "confirm": "1"},
    )
    assert response.status_code == 400
    assert MemoryControl.objects.count() == before
    library = client.get(f"/library/?person={odd(person, script)}")
    assert library.status_code == 200
    assert library.context["form"].errors.get("person")


def test_a_cursor_with_other_digits_names_no_photo():
    from photos.views import decode_cursor

    assert decode_cursor("1700000000000000.12") is not None
    assert decode_cursor("1700000000000000." + odd(12, "arabic-indic")) is None
    assert decode_cursor(odd(17, "full-width") + ".12") is None
