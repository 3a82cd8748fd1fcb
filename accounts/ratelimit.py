"""Login attempt limiting shared by the web login and the API token endpoint."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}|{ip}".encode()).hexdigest()
    return f"login-attempts:{digest}"


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def is_locked(username: str, ip: str) -> bool:
    return cache.get(_key(username, ip), 0) >= settings.LOGIN_ATTEMPTS_LIMIT


def record_failure(username: str, ip: str) -> None:
    key = _key(username, ip)
    if cache.add(key, 1, timeout=settings.LOGIN_ATTEMPTS_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_ATTEMPTS_WINDOW)


def reset(username: str, ip: str) -> None:
    cache.delete(_key(username, ip))
