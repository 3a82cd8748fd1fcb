"""Attempt limiting for every way in: one lock-out for everything that checks a password
(the login page, the admin's login, the API token endpoint, account deletion on the page
and in the API), keyed on the normalised username and the client address, and one sign-up
allowance per address for the page and the API alike. Addresses come from
project.net.client_ip."""

import hashlib
import unicodedata

from django.conf import settings
from django.contrib import auth
from django.core.cache import cache

from project.net import client_ip

LOCKED_MESSAGE = "Too many failed attempts. Wait a few minutes and try again."


class Locked(Exception):
    """Too many wrong passwords for this username from this address: not even the right
    one is checked until the window ends."""


def identity(username: str) -> str:
    """The username as sign-in reads it (stripped, NFKC, as Django's login form does), case
    folded: every spelling that logs in as one account shares one counter."""
    return unicodedata.normalize("NFKC", (username or "").strip()).casefold()


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"{kind}-attempts:{digest}"


def _count(key: str, window: int) -> None:
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


def is_locked(username: str, ip: str) -> bool:
    key = _key("login", identity(username), ip)
    return cache.get(key, 0) >= settings.LOGIN_ATTEMPTS_LIMIT


def record_failure(username: str, ip: str) -> None:
    _count(_key("login", identity(username), ip), settings.LOGIN_ATTEMPTS_WINDOW)


def reset(username: str, ip: str) -> None:
    cache.delete(_key("login", identity(username), ip))


def _guarded(request, username: str, check):
    """Run `check()` (truthy when the password was right) under the lock-out."""
    ip = client_ip(request)
    if is_locked(username, ip):
        raise Locked
    result = check()
    if result:
        reset(username, ip)
    else:
        record_failure(username, ip)
    return result


def authenticate(request, username: str, password: str):
    """django.contrib.auth.authenticate under the lock-out: the user, None for a wrong
    password, or Locked. The login page, the admin's login and the API token use this."""
    return _guarded(
        request,
        username,
        lambda: auth.authenticate(request, username=username, password=password),
    )


def check_password(request, user, password: str) -> bool:
    """user.check_password under the same lock-out (account deletion asks for it)."""
    return _guarded(request, user.get_username(), lambda: user.check_password(password or ""))


def signup_allowed(request) -> bool:
    """Count one sign-up attempt from the request's address, on the page or the API (one
    counter, SIGNUP_ATTEMPTS_LIMIT per SIGNUP_ATTEMPTS_WINDOW); False once it is spent."""
    key = _key("signup", client_ip(request))
    if cache.get(key, 0) >= settings.SIGNUP_ATTEMPTS_LIMIT:
        return False
    _count(key, settings.SIGNUP_ATTEMPTS_WINDOW)
    return True
