import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Device, hash_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_registers_through_the_api_with_the_web_rules(alice):
    api = APIClient()
    ok = api.post(
        "/api/v1/auth/register/",
        {"username": "phoneuser", "email": "p@example.org", "password": PASSWORD},
    )
    assert ok.status_code == 201
    assert ok.json()["username"] == "phoneuser"
    taken = api.post(
        "/api/v1/auth/register/",
        {"username": "alice", "email": "x@example.org", "password": PASSWORD},
    )
    assert taken.status_code == 400
    assert taken.json()["code"] == "invalid"
    assert "already exists" in taken.json()["detail"]
    weak = api.post(
        "/api/v1/auth/register/", {"username": "weak", "email": "w@example.org", "password": "123"}
    )
    assert weak.status_code == 400
    assert "password" in weak.json()["detail"]


def test_it_issues_a_hashed_token_per_device_and_revokes_it_at_once(alice):
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD, "device_name": "Pixel"}
    )
    assert response.status_code == 200
    raw = response.json()["token"]
    device = Device.objects.get(pk=response.json()["device"]["id"])
    assert device.token_hash == hash_token(raw)
    assert raw not in device.token_hash

    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    listed = api.get("/api/v1/devices/")
    assert [d["name"] for d in listed.json()] == ["Pixel"]
    assert api.delete(f"/api/v1/devices/{device.pk}/").status_code == 204
    assert api.get("/api/v1/devices/").status_code == 401


def test_it_refuses_a_wrong_password_with_401(alice):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "nope", "device_name": "x"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not Device.objects.exists()


def test_it_does_not_let_another_user_revoke_a_device(alice, bob, api_client_for):
    device, _ = Device.issue(alice, "Alice phone")
    response = api_client_for(bob).delete(f"/api/v1/devices/{device.pk}/")
    assert response.status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None


def test_it_lists_and_revokes_devices_on_the_web_page(client, alice, bob):
    mine, _ = Device.issue(alice, "Alice phone")
    theirs, _ = Device.issue(bob, "Bob phone")
    client.force_login(alice)
    page = client.get(reverse("accounts:devices")).content.decode()
    assert "Alice phone" in page and "Bob phone" not in page
    assert client.post(reverse("accounts:revoke-device", args=[theirs.pk])).status_code == 404
    client.post(reverse("accounts:revoke-device", args=[mine.pk]))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
