"""Every lookup of a user's object goes through its owner-scoped fetcher, on the pages and in
the API alike: anyone else's id and an id that is not one are the same 404, never a 500.

The ids come from everywhere an id can come from: the path, the query string, a form field,
a JSON body. Each case also checks that the refused request changed nothing of alice's.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from rest_framework.test import APIClient

from photos.models import Face
from tests.security.test_url_matrix import fingerprint
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

# What a client can put where an id goes. The first three never reach a view through a
# path (the URL converters refuse them) but do through a form or a query string.
MALFORMED = ["abc", "-1", "²", "9223372036854775808", "1.5", "0x1", " 1", ""]
PATH_MALFORMED = [v for v in MALFORMED if v and v.strip() == v]
# In an API query string, a value that is no id is a 400 ("" is no filter at all, and DRF's
# IntegerField reads " 1" as 1).
QUERY_MALFORMED = ["abc", "-1", "²", "9223372036854775808", "1.5", "0x1"]


@pytest.fixture
def worlds(alice, bob, photos_dir):
    alice_world = build_world(alice, photos_dir, marker="alicemark")
    bob_world = build_world(bob, photos_dir, marker="bobmark", age_days=5)
    return {"alice": alice_world, "bob": bob_world}


def _page_client(user):
    client = Client()
    client.force_login(user)
    return client


def _api_client(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    return client


def _call(client, method, url, data=None, *, json=False):
    send = getattr(client, method.lower())
    if data is None:
        return send(url)
    return send(url, data, format="json") if json else send(url, data)


# (method, path with {pk}, the world's object it names, form data)
PAGES = [
    ("GET", "/library/photo/{pk}/", "photo", None),
    ("POST", "/library/photo/{pk}/delete/", "photo", {}),
    ("GET", "/library/photo/{pk}/file/original/", "photo", None),
    ("GET", "/library/photo/{pk}/file/thumbnail/", "photo", None),
    ("POST", "/library/photo/{pk}/retry/", "photo", {}),
    ("GET", "/library/people/{pk}/", "person", None),
    ("POST", "/library/people/{pk}/edit/", "person", {"name": "renamed"}),
    ("POST", "/library/people/{pk}/merge/", "person", {"into": "@own-person"}),
    ("GET", "/library/people/{pk}/merge/confirm/", "person", None),
    ("POST", "/library/people/{pk}/faces/", "person", {"action": "reject"}),
    ("GET", "/library/people/{pk}/forget/", "person", None),
    ("POST", "/library/people/{pk}/forget/", "person", {}),
    ("POST", "/library/people/merges/{pk}/undo/", "merge", {}),
    ("POST", "/library/faces/{pk}/dismiss/", "face", {}),
    ("GET", "/library/faces/{pk}/crop/", "face", None),
    ("POST", "/library/faces/{pk}/reject/", "face", {}),
    ("POST", "/library/faces/{pk}/assign/", "face", {"name": "someone"}),
    ("GET", "/suggestions/{pk}/", "suggestion", None),
    ("GET", "/suggestions/{pk}/image/", "suggestion", None),
    ("POST", "/suggestions/{pk}/save/", "suggestion", {}),
    ("POST", "/suggestions/{pk}/dismiss/", "suggestion", {}),
    ("GET", "/suggestions/albums/{pk}/", "album", None),
    ("GET", "/privacy/exports/{pk}/status/", "export", None),
    ("GET", "/privacy/exports/{pk}/download/", "export", None),
    ("POST", "/devices/{pk}/revoke/", "device", {}),
]

APIS = [
    ("GET", "/api/v1/photos/{pk}/", "photo", None),
    ("DELETE", "/api/v1/photos/{pk}/", "photo", None),
    ("GET", "/api/v1/photos/{pk}/original/", "photo", None),
    ("GET", "/api/v1/photos/{pk}/preview/", "photo", None),
    ("GET", "/api/v1/photos/{pk}/thumbnail/", "photo", None),
    ("GET", "/api/v1/people/{pk}/", "person", None),
    ("PATCH", "/api/v1/people/{pk}/", "person", {"name": "renamed"}),
    ("POST", "/api/v1/people/{pk}/merge/", "person", {"into": "@own-person"}),
    ("POST", "/api/v1/people/{pk}/faces/", "person", {"faces": [1], "action": "reject"}),
    ("GET", "/api/v1/people/{pk}/forget/", "person", None),
    ("POST", "/api/v1/people/{pk}/forget/", "person", {}),
    ("POST", "/api/v1/people/{pk}/undo-merge/", "person", {}),
    ("GET", "/api/v1/people/{pk}/photos/", "person", None),
    ("GET", "/api/v1/people/{pk}/cover/", "person", None),
    ("GET", "/api/v1/suggestions/{pk}/", "suggestion", None),
    ("GET", "/api/v1/suggestions/{pk}/image/", "suggestion", None),
    ("POST", "/api/v1/suggestions/{pk}/save/", "suggestion", None),
    ("POST", "/api/v1/suggestions/{pk}/dismiss/", "suggestion", None),
    ("GET", "/api/v1/privacy/export/{pk}/", "export", None),
    ("GET", "/api/v1/privacy/export/{pk}/download/", "export", None),
    ("DELETE", "/api/v1/devices/{pk}/", "device", None),
]


def _data(data, world, *, as_int=False):
    """The form or body, with "@own-person" replaced by the caller's own person's id."""
    if data is None:
        return None
    own = world.person.pk
    return {
        k: ((own if as_int else str(own)) if v == "@own-person" else v) for k, v in data.items()
    }


def _refusals(client, method, path, data, ids, *, json=False):
    """Every id that did not get a 404 (or got a 500), with what it got."""
    wrong = []
    for value in ids:
        url = path.format(pk=quote(str(value)))
        response = _call(client, method, url, data, json=json)
        if response.status_code != 404:
            wrong.append((value, response.status_code))
    return wrong


@pytest.mark.parametrize(("method", "path", "what", "data"), PAGES, ids=lambda v: str(v))
def test_it_answers_404_on_the_page_for_anyone_elses_or_a_malformed_id(
    worlds, method, path, what, data
):
    alice, bob = worlds["alice"], worlds["bob"]
    before = fingerprint(alice)
    # Bob, with objects of his own, names alice's object.
    foreign = getattr(alice, what).pk
    wrong = _refusals(_page_client(bob.user), method, path, _data(data, bob), [foreign])
    # Alice names nothing at all.
    wrong += _refusals(_page_client(alice.user), method, path, _data(data, alice), PATH_MALFORMED)
    assert wrong == []
    assert fingerprint(alice) == before


@pytest.mark.parametrize(("method", "path", "what", "data"), APIS, ids=lambda v: str(v))
def test_it_answers_404_in_the_api_for_anyone_elses_or_a_malformed_id(
    worlds, method, path, what, data
):
    alice, bob = worlds["alice"], worlds["bob"]
    before = fingerprint(alice)
    foreign = getattr(alice, what).pk
    bob_data = _data(data, bob, as_int=True)
    wrong = _refusals(_api_client(bob), method, path, bob_data, [foreign], json=True)
    alice_data = _data(data, alice, as_int=True)
    api = _api_client(alice)
    wrong += _refusals(api, method, path, alice_data, PATH_MALFORMED, json=True)
    assert wrong == []
    response = _call(api, method, path.format(pk="9223372036854775808"), alice_data, json=True)
    assert response.json()["code"] == "not_found"
    assert fingerprint(alice) == before


# --- Ids in forms and query strings ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "what"),
    [
        ("/library/people/{own_person}/merge/", "into", "person"),
        ("/library/faces/{own_face}/assign/", "person", "person"),
    ],
)
def test_it_answers_404_for_an_id_in_a_form_that_is_not_one_of_yours(worlds, path, field, what):
    alice, bob = worlds["alice"], worlds["bob"]
    url = path.format(own_person=bob.person.pk, own_face=bob.face.pk)
    client = _page_client(bob.user)
    before = fingerprint(alice), fingerprint(bob)
    ids = [getattr(alice, what).pk, *[v for v in MALFORMED if v]]
    wrong = []
    for value in ids:
        response = client.post(url, {field: value})
        if response.status_code != 404:
            wrong.append((value, response.status_code))
    assert wrong == []
    assert (fingerprint(alice), fingerprint(bob)) == before


def test_the_merge_confirmation_answers_404_for_an_into_that_is_not_one_of_yours(worlds):
    alice, bob = worlds["alice"], worlds["bob"]
    url = f"/library/people/{bob.person.pk}/merge/confirm/"
    client = _page_client(bob.user)
    wrong = []
    for value in [alice.person.pk, *[v for v in MALFORMED if v]]:
        response = client.get(url, {"into": value})
        if response.status_code != 404:
            wrong.append((value, response.status_code))
    assert wrong == []
    assert alice.marker.encode() not in client.get(url, {"into": alice.person.pk}).content


def test_the_person_page_corrects_only_the_callers_faces_whatever_the_form_says(worlds):
    alice, bob = worlds["alice"], worlds["bob"]
    before = fingerprint(alice), fingerprint(bob)
    faces = [alice.face.pk, *MALFORMED]
    for action in ("reject", "dismiss"):
        response = _page_client(bob.user).post(
            f"/library/people/{bob.person.pk}/faces/", {"faces": faces, "action": action}
        )
        # A bulk action over the selection: what is not on the caller's person is left out.
        assert response.status_code == 302
    assert (fingerprint(alice), fingerprint(bob)) == before
    assert not Face.objects.filter(owner=alice.user, not_a_face=True).exists()
    assert Face.objects.get(pk=alice.face.pk).person_id == alice.person.pk


def test_it_deletes_only_the_callers_photos_whatever_the_form_says(worlds):
    alice, bob = worlds["alice"], worlds["bob"]
    before = fingerprint(alice), fingerprint(bob)
    ids = [alice.photo.pk, *MALFORMED]
    response = _page_client(bob.user).post("/library/delete/", {"ids": ids})
    # A bulk action over the selection: what is not the caller's photo is left out.
    assert response.status_code == 302
    assert (fingerprint(alice), fingerprint(bob)) == before
    response = _page_client(bob.user).post("/library/delete/", {"ids": [*ids, bob.photo.pk]})
    assert response.status_code == 302
    assert fingerprint(alice) == before[0]
    # Deleting is moving to the trash: bob's own photo, and nothing of alice's.
    assert fingerprint(bob)["trashed"] == before[1]["trashed"] + 1


def test_the_privacy_page_ignores_a_photo_filter_that_is_no_photo_of_yours(worlds):
    alice, bob = worlds["alice"], worlds["bob"]
    client = _page_client(bob.user)
    for value in [alice.photo.pk, *MALFORMED]:
        response = client.get("/privacy/", {"photo": value})
        assert response.status_code == 200, value
        assert alice.marker.encode() not in response.content, value
    own = client.get("/privacy/", {"photo": bob.photo.pk})
    assert bob.marker.encode() in own.content


@pytest.mark.parametrize(
    ("method", "path", "field", "body"),
    [
        ("GET", "/api/v1/photos/", "person", False),
        ("GET", "/api/v1/privacy/analysis/", "photo", False),
        ("POST", "/api/v1/people/{own_person}/merge/", "into", True),
        ("POST", "/api/v1/people/{own_person}/undo-merge/", "merge", True),
    ],
)
def test_the_api_answers_404_for_anyone_elses_id_and_400_for_a_malformed_one(
    worlds, method, path, field, body
):
    alice, bob = worlds["alice"], worlds["bob"]
    url = path.format(own_person=bob.person.pk)
    api = _api_client(bob)
    before = fingerprint(alice), fingerprint(bob)
    what = {"photo": "photo", "merge": "merge"}.get(field, "person")
    foreign = getattr(alice, what).pk
    response = _call(api, method, url, {field: foreign}, json=body)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    for value in MALFORMED if body else QUERY_MALFORMED:
        response = _call(api, method, url, {field: value}, json=body)
        # A value that is no id at all is bad input, said as such.
        assert response.status_code == 400, (value, response.status_code)
        assert response.json()["code"] == "invalid"
    if body:
        for value in (-1, 0, 2**63, 1.5, True):
            response = _call(api, method, url, {field: value}, json=True)
            assert response.status_code == 400, value
    assert (fingerprint(alice), fingerprint(bob)) == before
