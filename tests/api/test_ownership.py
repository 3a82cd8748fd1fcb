"""Every API operation of the live schema, with three users: alice owns the data, bob has data
of his own, charlie has none. Another user's id is a 404, anonymous is a 401, and no list,
filter or body lets one user learn anything of another's.

The operations come from the schema, so a new endpoint is covered (or fails, if this file
does not know which of alice's objects its {id} names).
"""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from photos.models import Person, Photo
from tests.api.test_contract import schema
from tests.security.test_url_matrix import fingerprint
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

# Which of alice's objects an {id} in a path names, by path prefix.
IDS = {
    "/api/v1/devices/": "device",
    "/api/v1/photos/": "photo",
    "/api/v1/people/": "person",
    "/api/v1/albums/": "user_album",
    "/api/v1/suggestions/": "suggestion",
    "/api/v1/privacy/export/": "export",
    "/api/v1/privacy/erasures/": "erasure",
    "/api/v1/memory-controls/": "memory_control",
    "/api/v1/uploads/": "upload",
}
# Operations anyone may call: sign-up, sign-in, the schema and its docs.
PUBLIC = {
    ("POST", "/api/v1/auth/register/"),
    ("POST", "/api/v1/auth/token/"),
    ("GET", "/api/v1/schema/"),
    ("GET", "/api/v1/docs/"),
}


def operations():
    for path, item in schema.raw_schema["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                yield pytest.param(method.upper(), path, id=f"{method.upper()} {path}")


@pytest.fixture
def worlds(alice, bob, charlie, photos_dir):
    return {
        "alice": build_world(alice, photos_dir, marker="alicemark"),
        "bob": build_world(bob, photos_dir, marker="bobmark", age_days=5),
        "charlie": charlie,
    }


def _api(token=None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _charlie_token(charlie):
    from accounts.models import Device

    return Device.issue(charlie, "Charlie phone")[1]


def _body(method, path, worlds, as_user):
    if path.endswith("/merge/"):
        own = worlds[as_user].person.pk if as_user in ("alice", "bob") else 1
        return {"into": own}
    if method == "PATCH":
        return {"name": "renamed"}
    return {}


def _call(client, method, url, body):
    return getattr(client, method.lower())(url, body, format="json")


def _url(path, world):
    path = path.replace("{scope}", "face_analysis")  # a name, not an object of alice's
    if "{" not in path:
        return path
    obj = next((attr for prefix, attr in IDS.items() if path.startswith(prefix)), None)
    assert obj is not None, f"{path}: add which object its id names to IDS in {__file__}"
    return path.replace("{id}", str(getattr(world, obj).pk))


@pytest.mark.parametrize(("method", "path"), list(operations()))
def test_it_keeps_every_operation_to_its_owner(method, path, worlds):
    alice = worlds["alice"]
    url = _url(path, alice)
    if (method, path) in PUBLIC:
        assert _call(_api(), method, url, {}).status_code < 500
        return

    from accounts.models import Device

    old_phone, old_token = Device.issue(alice.user, "Old phone")
    old_phone.revoke()
    before = fingerprint(alice)
    anonymous = _call(_api(), method, url, _body(method, path, worlds, "anon"))
    assert anonymous.status_code == 401, (method, url, anonymous.status_code)
    assert anonymous.json()["code"] == "not_authenticated"
    revoked = _call(_api(old_token), method, url, {})
    assert revoked.status_code == 401, f"{method} {url}: a revoked token still works"

    others = {
        "bob": worlds["bob"].token,
        "charlie": _charlie_token(worlds["charlie"]),
    }
    for who, token in others.items():
        response = _call(_api(token), method, url, _body(method, path, worlds, who))
        where = f"{method} {url} as {who}"
        assert response.status_code < 500, f"{where}: {response.status_code}"
        if "{id}" in path:
            assert response.status_code == 404, f"{where}: {response.status_code}"
            assert response.json()["code"] == "not_found", where
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in alice.secrets:
            assert secret.encode() not in body, f"{where} shows alice's {secret!r}"
    assert fingerprint(alice) == before, f"{method} {url} by another user changed alice's data"


# --- Ids inside query strings and bodies ------------------------------------------------


def test_a_filter_by_another_users_person_is_a_404(worlds):
    bob = _api(worlds["bob"].token)
    response = bob.get("/api/v1/photos/", {"person": worlds["alice"].person.pk})
    assert response.json().get("results", []) == []
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_analysis_log_of_another_users_photo_is_a_404(worlds):
    bob = _api(worlds["bob"].token)
    response = bob.get("/api/v1/privacy/analysis/", {"photo": worlds["alice"].photo.pk})
    assert response.status_code == 404
    mine = bob.get("/api/v1/privacy/analysis/", {"photo": worlds["bob"].photo.pk})
    assert mine.status_code == 200
    assert mine.json()["results"], "bob's own log is empty"


def test_merging_into_another_users_person_is_a_404(worlds):
    bob_world = worlds["bob"]
    response = _api(bob_world.token).post(
        f"/api/v1/people/{bob_world.person.pk}/merge/",
        {"into": worlds["alice"].person.pk},
        format="json",
    )
    assert response.status_code == 404
    assert Person.objects.filter(pk=bob_world.person.pk).exists()
    assert worlds["alice"].person.faces.count() == 3


def test_sync_check_does_not_reveal_what_another_user_stored(worlds, grant):
    alice = worlds["alice"]
    charlie = worlds["charlie"]
    grant(charlie, "camera_roll_sync")
    response = _api(_charlie_token(charlie)).post(
        "/api/v1/sync/check/",
        {"items": [{"sha256": alice.photo.sha256}, {"sha256": alice.other_photo.sha256}]},
        format="json",
    )
    assert response.status_code == 200
    assert sorted(response.json()["missing"]) == sorted(
        [alice.photo.sha256, alice.other_photo.sha256]
    )


def test_uploading_another_users_bytes_creates_a_photo_of_ones_own(worlds, grant):
    alice = worlds["alice"]
    charlie = worlds["charlie"]
    grant(charlie, "camera_roll_sync", "cloud_processing")
    with alice.photo.original.open("rb") as fh:
        data = fh.read()
    assert hashlib.sha256(data).hexdigest() == alice.photo.sha256
    response = _api(_charlie_token(charlie)).post(
        "/api/v1/photos/",
        {"file": SimpleUploadedFile("same.jpg", data, content_type="image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] != alice.photo.pk
    assert Photo.objects.get(pk=response.json()["id"]).owner == charlie
    assert Photo.objects.filter(sha256=alice.photo.sha256).count() == 2


def test_lists_hold_only_the_callers_rows(worlds):
    bob = _api(worlds["bob"].token)
    alice_ids = {
        "/api/v1/photos/": {worlds["alice"].photo.pk, worlds["alice"].other_photo.pk},
        "/api/v1/people/": {worlds["alice"].person.pk},
        "/api/v1/suggestions/": {worlds["alice"].suggestion.pk},
        "/api/v1/devices/": {worlds["alice"].device.pk},
    }
    for url, theirs in alice_ids.items():
        response = bob.get(url)
        assert response.status_code == 200, url
        data = response.json()
        rows = data["results"] if isinstance(data, dict) else data
        ids = {row["id"] for row in rows}
        assert ids, f"{url}: bob's own rows are missing"
        assert not ids & theirs, f"{url} lists alice's {ids & theirs}"
    status = bob.get("/api/v1/processing/status/").json()
    assert status["total"] == 2
