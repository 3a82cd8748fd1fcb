"""Attempt limiting shared by the web login, the API token endpoint and web sign-up.
Addresses come from project.net.client_ip."""

import hashlib
import unicodedata

from django.conf import settings
from django.core.cache import cache


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


def signup_allowed(ip: str) -> bool:
    """Count one sign-up attempt from `ip`; False once the window's allowance is spent."""
    key = _key("signup", ip)
    if cache.get(key, 0) >= settings.SIGNUP_ATTEMPTS_LIMIT:
        return False
    _count(key, settings.SIGNUP_ATTEMPTS_WINDOW)
    return True
