"""The storefront prefix: ``/<org>/<market>/<locale>/...``, or ``/<locale>/...`` on a market domain.

One parent blueprint owns the prefix and is registered twice: as ``store`` under the path prefix
and as ``domain_store`` under ``/<locale>`` for hosts listed in ``org_market_domain``. Its URL
processors resolve the org, market and locale into ``g`` and put them back when URLs are built,
so views and ``url_for`` never pass them by hand. ``VolmifyFlask.url_for`` maps ``store.*``
endpoints to ``domain_store.*`` while a request is served on a market domain.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import BaseConverter

from app.accounts.services import list_locales
from app.markets.hosts import check_trusted_host
from app.markets.locales import LocaleContext, best_match
from app.markets.storefront import storefront_for, storefront_for_host
from app.orgs.current import request_member

bp = Blueprint("store", __name__)
_nested: set[str] = set()

PATH_PREFIX = "/<org_slug>/<market_slug>/<loc:locale>"
DOMAIN_PREFIX = "/<loc:locale>"


class LocaleConverter(BaseConverter):
    """``en``, ``de``, ``fr-BE``, ``pt-BR``, ``zh-Hant``: never a word like ``account``."""

    regex = r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?"
    # Match before plain string segments, so /<locale>/cart on a market domain is never taken
    # for /<org_slug>/<market_slug>/.
    weight = 50


class VolmifyFlask(Flask):
    def preprocess_request(self):
        # Before URL processors, rate limits and views: nothing may act on an untrusted Host.
        check_trusted_host()
        return super().preprocess_request()

    def url_for(self, endpoint: str, **values):
        if g and g.get("on_market_domain") and endpoint.startswith("store."):
            if not values.get("org_slug") or values.get("org_slug") == g.storefront.org_slug:
                values.pop("org_slug", None)
                values.pop("market_slug", None)
                endpoint = "domain_" + endpoint
        return super().url_for(endpoint, **values)


def _root_blueprint() -> str:
    return request.blueprints[-1] if request.blueprints else ""


@bp.url_value_preprocessor
def resolve_storefront(endpoint, values):
    if values is None:
        return
    locale = values.pop("locale", None)
    if _root_blueprint() == "domain_store":
        storefront = storefront_for_host(request.host)
        g.on_market_domain = True
    else:
        storefront = storefront_for(values.pop("org_slug", ""), values.pop("market_slug", ""))
        g.on_market_domain = False
    if storefront is None:
        abort(404)
    g.storefront = storefront
    if locale not in storefront.locales:
        # Never serve a locale the market does not offer: send to the closest one it does.
        best = best_match(storefront.locales, [locale or ""]) or storefront.choose_locale(visitor_context())
        g.locale = best
        args = {**request.args.to_dict(flat=False), **(request.view_args or {})}
        abort(redirect(url_for(request.endpoint, **args), 302))
    g.locale = locale
    g.content_chain = storefront.content_chain(locale)


@bp.url_defaults
def add_storefront(endpoint, values):
    storefront = g.get("storefront")
    if storefront is None:
        return
    values.setdefault("locale", g.get("locale") or storefront.default_locale)
    if endpoint.startswith("store."):
        values.setdefault("org_slug", storefront.org_slug)
        values.setdefault("market_slug", storefront.market_slug)


def visitor_context() -> LocaleContext:
    """What the request tells about the visitor, for the locale hierarchy."""
    saved: list[str] = []
    country = None
    if current_user.is_authenticated:
        saved = [ul.locale_key for ul in list_locales(current_user)]
        country = _member_country()
    if not country:
        header = current_app.config.get("COUNTRY_HEADER")
        value = request.headers.get(header, "") if header else ""
        country = value.strip().upper()[:2] if len(value.strip()) == 2 else None
    accept = [value for value, _q in request.accept_languages]
    return LocaleContext(saved_preferences=saved, country_code=country, accept_languages=accept)


def _member_country() -> str | None:
    storefront = g.get("storefront")
    if storefront is None or not current_user.is_authenticated:
        return None
    member = request_member(storefront.org_id, current_user)
    return member.billing_country_code if member is not None else None


def register(app: Flask, children: list[Blueprint]) -> None:
    """Nest the storefront blueprints under ``store`` and register it under both prefixes."""
    app.url_map.converters["loc"] = LocaleConverter
    for child in children:
        if child.name not in _nested:  # nesting is done once per process, not once per app
            bp.register_blueprint(child)
            _nested.add(child.name)
    app.register_blueprint(bp, url_prefix=PATH_PREFIX)
    app.register_blueprint(bp, url_prefix=DOMAIN_PREFIX, name="domain_store")
