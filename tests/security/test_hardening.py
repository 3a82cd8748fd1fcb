"""CSRF on every form, cookies and headers in production settings, login rate limiting,
password hashing and hashed API tokens."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Device, hash_token
from tests.conftest import PASSWORD
from tests.security.test_url_matrix import (
    API,
    API_OWNED,
    API_PUBLIC,
    all_routes,
    build_url,
    entry_for,
    resolve_value,
)
from tests.security.world import build_world

# Production: what an operator sets, nothing that the test environment adds.
PRODUCTION_ENV = {
    "PATH": os.environ["PATH"],
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "SECRET_KEY": "prod-" + "q8w7e6r5t4y3u2i1o0p9" * 3,
    "ALLOWED_HOSTS": "photos.example.org",
    "VAR_DIR": "/tmp/camroll-production-settings-test",
}


def production_settings(*names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=PRODUCTION_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- CSRF -----------------------------------------------------------------------------


def _unsafe_method(entry) -> str:
    for t in entry.tries:
        if t.method in ("POST", "PUT", "PATCH", "DELETE"):
            return t.method
    return "POST"


@pytest.fixture
def alice_world(alice, photos_dir):
    return build_world(alice, photos_dir, marker="alicemark")


def _routes(api: bool):
    for route in all_routes():
        entry = entry_for(route)
        if entry is None or route.startswith("admin/"):
            continue
        # The WebDAV drop reads no session, so there is nothing for CSRF to protect: every
        # method without an app password is a 401 (tests/photos/test_dav.py,
        # test_a_signed_in_browser_is_no_way_into_the_drop).
        if route.startswith("dav/"):
            continue
        if (entry.kind in (API, API_OWNED, API_PUBLIC) or route.startswith("api/")) == api:
            yield pytest.param(route, id=route)


@pytest.mark.django_db
@pytest.mark.parametrize("route", list(_routes(api=False)))
def test_it_refuses_a_form_post_without_the_csrf_token(route, alice_world):
    """Every page URL, signed in or not: a POST without the token is a 403 and changes nothing."""
    entry = entry_for(route)
    url = build_url(route, {k: resolve_value(v, alice_world) for k, v in entry.args.items()})
    from tests.security.test_url_matrix import fingerprint

    before = fingerprint(alice_world)
    for signed_in in (False, True):
        client = Client(enforce_csrf_checks=True)
        if signed_in:
            client.force_login(alice_world.user)
        method = getattr(client, _unsafe_method(entry).lower())
        response = method(url, {"confirm": "yes", "action": "revoke", "ids": alice_world.photo.pk})
        if not signed_in and response.status_code == 302:
            # The upload view checks CSRF itself, after login_required: a stranger is sent
            # to the login page, which is as harmless as a 403.
            assert response["Location"].startswith("/login/"), response["Location"]
            continue
        assert response.status_code == 403, (url, signed_in, response.status_code)
    assert fingerprint(alice_world) == before


@pytest.mark.django_db
@pytest.mark.parametrize("route", list(_routes(api=True)))
def test_it_refuses_an_api_write_from_a_browser_session_without_the_csrf_token(route, alice_world):
    entry = entry_for(route)
    method_name = _unsafe_method(entry)
    url = build_url(route, {k: resolve_value(v, alice_world) for k, v in entry.args.items()})
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice_world.user)
    response = getattr(client, method_name.lower())(url, {}, format="json")
    assert response.status_code == 403, (method_name, url, response.status_code)
    if response["Content-Type"].startswith("application/json"):
        assert "CSRF" in response.json()["detail"]


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    missing = []
    for path in sorted(Path(django_settings.BASE_DIR, "templates").rglob("*.html")):
        text = path.read_text()
        for match in re.finditer(r"<form\b[^>]*method=\"post\"[^>]*>", text, re.IGNORECASE):
            end = text.find("</form>", match.end())
            body = text[match.end() : end if end != -1 else len(text)]
            if "csrf_token" not in body:
                line = text[: match.start()].count("\n") + 1
                missing.append(f"{path.relative_to(django_settings.BASE_DIR)}:{line}")
    assert not missing, f"POST forms without {{% csrf_token %}}: {missing}"


def test_the_templates_need_no_inline_script_or_style_that_the_csp_would_block():
    problems = []
    for path in sorted(Path(django_settings.BASE_DIR, "templates").rglob("*.html")):
        text = path.read_text()
        where = str(path.relative_to(django_settings.BASE_DIR))
        for match in re.finditer(r"<script\b([^>]*)>", text, re.IGNORECASE):
            if "src=" not in match[1]:
                problems.append(f"{where}: inline <script>")
        if re.search(r"\sstyle=\"", text):
            problems.append(f"{where}: style attribute")
        if re.search(r"<[^>]+\son[a-z]+=\"", text):
            problems.append(f"{where}: inline event handler")
        if "<style" in text:
            problems.append(f"{where}: <style> element")
    assert not problems, problems


# --- Cookies and headers --------------------------------------------------------------


def test_production_settings_make_session_and_csrf_cookies_secure_and_http_only():
    values = production_settings(
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
    )
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
    }


@pytest.mark.django_db
def test_the_cookies_set_at_login_carry_the_production_flags(client, alice, settings):
    # The values production settings have (checked above), applied to a real login.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_HTTPONLY = settings.CSRF_COOKIE_HTTPONLY = True
    client.get(reverse("accounts:login"), secure=True)
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = response.cookies.get(name) or client.cookies.get(name)
        assert cookie is not None, name
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name


@pytest.mark.django_db
def test_every_kind_of_response_carries_the_security_headers(alice_world):
    page = Client()
    page.force_login(alice_world.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {alice_world.token}")
    responses = {
        "anonymous page": Client().get(reverse("accounts:login"), secure=True),
        "page": page.get(reverse("photos:library"), secure=True),
        "media": page.get(reverse("photos:media", args=[alice_world.photo.pk, "thumbnail"])),
        "404": page.get("/no-such-page/"),
        "api": api.get("/api/v1/devices/"),
        "api error": APIClient().get("/api/v1/devices/"),
    }
    for what, response in responses.items():
        csp = response.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp, what
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
        assert "frame-ancestors 'none'" in csp, what
        assert response["X-Content-Type-Options"] == "nosniff", what
        assert response["Referrer-Policy"] == "same-origin", what
        assert response["X-Frame-Options"] == "DENY", what
    for what in ("anonymous page", "page"):
        assert "max-age=31536000" in responses[what]["Strict-Transport-Security"]
    assert "private" in responses["media"]["Cache-Control"]


# --- Login rate limiting --------------------------------------------------------------


@pytest.mark.django_db
def test_it_locks_the_web_login_after_too_many_failures(client, alice, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 5
    for _ in range(5):
        wrong = client.post(reverse("accounts:login"), {"username": "alice", "password": "no"})
        assert wrong.status_code == 200
    locked = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out by the attacker's failures.
    other = Client(REMOTE_ADDR="10.9.8.7")
    ok = other.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_it_locks_the_api_token_endpoint_after_too_many_failures(alice, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 5
    api = APIClient()
    body = {"username": "alice", "password": "wrong", "device_name": "x"}
    statuses = [api.post("/api/v1/auth/token/", body).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = api.post("/api/v1/auth/token/", {**body, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert not Device.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_it_throttles_password_guessing_across_usernames_on_the_api(db):
    # The per-address throttle stops a sweep over many usernames, which the per-username
    # lock alone would not.
    api = APIClient()
    statuses = [
        api.post(
            "/api/v1/auth/token/",
            {"username": f"user{i}", "password": "guess", "device_name": "x"},
        ).status_code
        for i in range(15)
    ]
    assert 429 in statuses
    assert statuses[0] == 401


# --- Password and token storage -------------------------------------------------------


def test_production_settings_hash_passwords_with_argon2():
    hashers = production_settings("PASSWORD_HASHERS")["PASSWORD_HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert not any("MD5" in h or "SHA1" in h or "Unsalted" in h for h in hashers)


@pytest.mark.django_db
def test_a_web_and_an_api_sign_up_store_argon2_hashes(client, settings):
    settings.PASSWORD_HASHERS = production_settings("PASSWORD_HASHERS")["PASSWORD_HASHERS"]
    client.post(
        reverse("accounts:signup"),
        {
            "username": "webuser",
            "email": "web@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    APIClient().post(
        "/api/v1/auth/register/",
        {"username": "appuser", "email": "app@example.org", "password": PASSWORD},
        format="json",
    )
    from accounts.models import User

    for username in ("webuser", "appuser"):
        stored = User.objects.get(username=username).password
        assert stored.startswith("argon2$argon2id$"), stored[:20]
        assert PASSWORD not in stored


@pytest.mark.django_db
def test_api_tokens_are_stored_only_as_hashes(alice):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": PASSWORD, "device_name": "Pixel"},
        format="json",
    )
    raw = response.json()["token"]
    assert len(raw) >= 40
    device = Device.objects.get(user=alice)
    assert device.token_hash == hash_token(raw)
    out = io.StringIO()
    call_command("dumpdata", "accounts", stdout=out)
    dump = out.getvalue()
    # Not the token, nor any long piece of it: only the 8-character display prefix.
    assert raw not in dump
    assert raw[8:] not in dump and raw[4:20] not in dump
    # The device list (API and web) never shows it again either.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert raw[8:] not in api.get("/api/v1/devices/").content.decode()
    page = Client()
    page.force_login(alice)
    assert raw[8:] not in page.get(reverse("accounts:devices")).content.decode()
