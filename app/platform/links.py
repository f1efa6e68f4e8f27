"""Absolute links for emails, built from the configured ``PUBLIC_URL`` (or a market's domain),
never from the request: a forged Host header must not end up in a password-reset email.

Works inside and outside requests (the CLI sends renewal emails too); URL defaults of request
processors are not applied, so pass every URL value.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, *, host: str | None = None, **values) -> str:
    """``https://volmify.example/account/reset/<token>`` for ``public_url("accounts.reset_password",
    token=...)``. ``host`` (a market's domain, for market emails) replaces PUBLIC_URL's host and
    keeps its scheme."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    server_name = host or base.netloc
    adapter = current_app.url_map.bind(server_name, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def public_path_url(path: str, *, host: str | None = None) -> str:
    """PUBLIC_URL (or ``host`` with its scheme) joined with a site-relative ``path``."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    prefix = f"{base.scheme}://{host}" if host else f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}"
    return prefix + "/" + path.lstrip("/")
