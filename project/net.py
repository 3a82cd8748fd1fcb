"""Which address a request came from, for every limit keyed on it."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the outermost trusted proxy saw.

    Each proxy appends to X-Forwarded-For the address it received the request from, after
    whatever the client itself wrote there, so only the last TRUSTED_PROXY_COUNT entries can
    be believed. With no trusted proxy the header is ignored: anyone can send it."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
