"""The links account emails carry (verify, log in, reset the password), for where the request was
made: on a store page the store's own pages (its brand, language and domain), elsewhere the
platform's. Built from PUBLIC_URL or the market's primary domain as stored, never from the
request's Host (a forged Host must not end up in a password-reset email)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g

from app.accounts.services import Links, platform_links
from app.platform.links import public_url


def email_links() -> Links:
    """``links("reset_password", token=...)`` -> ``.../<org>/<market>/<locale>/reset-password/<token>``
    in a store (``store.auth.*``), the platform's ``/account/reset/<token>`` elsewhere."""
    storefront = g.get("storefront")
    if storefront is None:
        return platform_links
    locale = g.locale
    if g.get("on_market_domain") and storefront.primary_host:
        port = urlsplit(current_app.config["PUBLIC_URL"]).port
        host = f"{storefront.primary_host}:{port}" if port else storefront.primary_host
        return lambda name, **values: public_url(f"domain_store.auth.{name}", host=host, locale=locale, **values)
    return lambda name, **values: public_url(f"store.auth.{name}", org_slug=storefront.org_slug,
                                             market_slug=storefront.market_slug, locale=locale, **values)
