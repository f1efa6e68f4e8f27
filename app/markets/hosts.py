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

from collections.abc import Callable

from flask import current_app, g, request
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import host_is_trusted

from app.markets.services import HOST_RE, normalize_host
from app.markets.storefront import Along, Storefront, storefront_for_host

_TRUSTED = "_markets_trusted_market"


def is_platform_host(host: str) -> bool:
    return host_is_trusted(host, current_app.config.get("PLATFORM_HOSTS") or ())


def check_trusted_host(along: Callable[[], Along | None] | None = None) -> None:
    """Raise ``SecurityError`` (400) unless the request's Host is trusted. A market domain's market
    is read with ``along()`` (when the read is not cached) and kept for ``trusted_market``."""
    host = request.host
    if is_platform_host(host):
        return
    name = normalize_host(host)
    # Only a well-formed domain name reaches the database (no NUL bytes or other junk).
    if name and len(name) <= 253 and HOST_RE.match(name):
        storefront = storefront_for_host(name, along() if along is not None else None)
        if storefront is not None:
            setattr(g, _TRUSTED, (host, storefront))
            return
    raise SecurityError(f"Host {host!r} is not trusted.")


def trusted_market(host: str) -> Storefront | None:
    """The market ``check_trusted_host`` read for ``host`` in this request (once), or None."""
    found = g.pop(_TRUSTED, None)
    return found[1] if found is not None and found[0] == host else None
