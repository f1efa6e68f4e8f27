"""Trusted hosts: a request whose Host header is neither a platform host nor an active market
domain is refused with 400 before any view, URL processor or ``url_for(_external=True)`` sees it.

Platform hosts are ``PLATFORM_HOSTS`` (the ``TRUSTED_HOSTS`` setting plus the host of
``PUBLIC_URL``; a leading dot trusts every subdomain, as in Werkzeug's ``host_is_trusted``).
Market domains come from ``org_market_domain`` through the storefront lookup, so a domain added
while the app runs is trusted without a restart: at once in the process that added it, in the
others within ``CACHE_GENERATION_CHECK_SECONDS`` with ``REDIS_URL`` set (app/web/cache.py), else
within ``STOREFRONT_CACHE_SECONDS``.
"""

from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted

from app.markets.services import HOST_RE, normalize_host
from app.markets.storefront import storefront_for_host


def is_platform_host(host: str) -> bool:
    return host_is_trusted(host, current_app.config.get("PLATFORM_HOSTS") or ())


def check_trusted_host() -> None:
    """Raise ``SecurityError`` (400) unless the request's Host is trusted."""
    host = request.host
    if is_platform_host(host):
        return
    name = normalize_host(host)
    # Only a well-formed domain name reaches the database (no NUL bytes or other junk).
    if name and len(name) <= 253 and HOST_RE.match(name) and storefront_for_host(name) is not None:
        return
    raise SecurityError(f"Host {host!r} is not trusted.")
