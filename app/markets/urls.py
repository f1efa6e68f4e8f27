"""The storefront prefix: ``/<org>/<market>/<locale>/...``, or ``/<locale>/...`` on a market domain.

One parent blueprint owns the prefix and is registered twice: as ``store`` under the path prefix
and as ``domain_store`` under ``/<locale>`` for hosts listed in ``org_market_domain``. Its URL
processors resolve the org, market and locale into ``g`` and put them back when URLs are built,
so views and ``url_for`` never pass them by hand. ``VolmifyFlask.url_for`` maps ``store.*``
endpoints to ``domain_store.*`` while a request is served on a market domain.
"""

from __future__ import annotations

import weakref

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, g, has_request_context, redirect, request, url_for
from flask.globals import _cv_app, _cv_request
from flask_login import current_user
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse
from werkzeug.routing import BaseConverter, BuildError

from app.accounts import sessions
from app.accounts.nav_html import account_nav
from app.accounts.services import list_locales
from app.db import prebuilt
from app.markets import layout_html as store_layout
from app.markets.header_html import cart_badge, store_header
from app.markets.hosts import check_trusted_host, trusted_market
from app.markets.locales import LocaleContext, best_match
from app.markets.models import OrgMarket, OrgMarketDomain
from app.markets.storefront import (
    Along,
    market_by_host_select,
    market_by_slugs_select,
    storefront_for,
    storefront_for_host,
)
from app.orgs.current import (
    member_column_params,
    member_with_sign_in,
    member_with_sign_in_select,
    request_member,
    take_member,
)
from app.orgs.models import Org
from app.web import layout_html as layout

bp = Blueprint("store", __name__)
# The headers' HTML written in Python (issue 15); account_nav serves every layout's header.
bp.add_app_template_global(store_header, "store_header")
bp.add_app_template_global(cart_badge, "cart_badge")
bp.add_app_template_global(account_nav, "account_nav")
# Every page's frame and the storefront's parts, written in Python (layouts/base.html, layouts/store.html).
for _name in ("store_title", "store_meta", "store_head", "store_header_part", "store_footer"):
    bp.add_app_template_global(getattr(store_layout, _name), _name)
bp.app_context_processor(store_layout.header_parts)  # ``cart_count``, ``dashboard_link``
bp.add_app_template_global(layout.page, "base_page")
for _name in ("site_header", "main_region", "site_footer", "flashes"):
    bp.add_app_template_global(getattr(layout, _name), _name)
_nested: set[str] = set()

PATH_PREFIX = "/<org_slug>/<market_slug>/<loc:locale>"
DOMAIN_PREFIX = "/<loc:locale>"


class LocaleConverter(BaseConverter):
    """``en``, ``de``, ``fr-BE``, ``pt-BR``, ``zh-Hant``: never a word like ``account``."""

    regex = r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?"
    # Match before plain string segments, so /<locale>/cart on a market domain is never taken
    # for /<org_slug>/<market_slug>/.
    weight = 50


_BUILT_URLS_MAX = 8192
_UNKNOWN = object()


class VolmifyFlask(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._built_urls: dict[tuple, str] = {}
        self._sync_functions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def ensure_sync(self, func):
        # Flask asks for every hook and view of every request whether it is a coroutine function
        # (inspect unwraps partials and methods each time): the answer is remembered per function,
        # weakly (a one-off function, as after_this_request's, is not kept alive).
        try:
            synced = self._sync_functions.get(func, _UNKNOWN)
        except TypeError:  # not weakly referable
            return super().ensure_sync(func)
        if synced is _UNKNOWN:
            synced = super().ensure_sync(func)
            self._sync_functions[func] = None if synced is func else synced
            return synced
        return func if synced is None else synced

    def preprocess_request(self):
        # Before URL processors, rate limits and views: nothing may act on an untrusted Host.
        check_trusted_host(_sign_in_along_host)
        return super().preprocess_request()

    def url_for(self, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values):
        # The app context's g read directly (``flask.g`` is a context-local proxy: two lookups a URL).
        app_ctx = _cv_app.get(None)
        request_values = app_ctx.g.__dict__ if app_ctx is not None else {}
        if request_values.get("on_market_domain") and endpoint.startswith("store."):
            if not values.get("org_slug") or values.get("org_slug") == request_values["storefront"].org_slug:
                values.pop("org_slug", None)
                values.pop("market_slug", None)
                endpoint = "domain_" + endpoint
        req_ctx = _cv_request.get(None)
        if req_ctx is None or _anchor is not None or endpoint[:1] == ".":
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        return self._memo_url_for(req_ctx.url_adapter, endpoint, _method, _scheme,
                                  _scheme is not None if _external is None else _external, values)

    def _memo_url_for(self, adapter, endpoint: str, method, scheme, external: bool, values: dict) -> str:
        """What ``Flask.url_for`` does in a request (``_anchor`` and relative endpoints excepted),
        with the built URL memoized per process: after the URL defaults (storefront prefix, staff
        org) are injected, the URL is a pure function of the URL map, the endpoint, the values and
        the adapter's bind (host, script root, scheme, method). A storefront page builds the same
        few dozen URLs on every request (about 20 a page; werkzeug's build was most of each)."""
        if scheme is not None and not external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        self.inject_url_defaults(endpoint, values)
        try:
            key = (endpoint, tuple(values.items()), tuple(map(type, values.values())), method, scheme, external, adapter.server_name,
                   adapter.subdomain, adapter.script_name, adapter.url_scheme, adapter.default_method,
                   adapter.websocket)
            url = self._built_urls.get(key)
        except TypeError:  # an unhashable value (a list of query values): build it every time
            key = url = None
        if url is not None:
            return url
        try:
            url = adapter.build(endpoint, values, method=method, url_scheme=scheme, force_external=external)
        except BuildError as error:
            values.update(_anchor=None, _method=method, _scheme=scheme, _external=external)
            return self.handle_url_build_error(error, endpoint, values)
        if key is not None:
            if len(self._built_urls) >= _BUILT_URLS_MAX:
                self._built_urls.clear()
            self._built_urls[key] = url
        return url


def _root_blueprint() -> str:
    return request.blueprints[-1] if request.blueprints else ""


@bp.url_value_preprocessor
def resolve_storefront(endpoint, values):
    if values is None:
        return
    locale = values.pop("locale", None)
    if _root_blueprint() == "domain_store":
        storefront = trusted_market(request.host)  # read by ``check_trusted_host`` (with the sign-in)
        if storefront is None:
            storefront = storefront_for_host(request.host, _sign_in_along_host())
        g.on_market_domain = True
    else:
        storefront = storefront_for(values.pop("org_slug", ""), values.pop("market_slug", ""), _sign_in_along())
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
    request_values = _cv_app.get().g.__dict__  # flask.g without its proxy (runs for every URL built)
    storefront = request_values.get("storefront")
    if storefront is None:
        return
    values.setdefault("locale", request_values.get("locale") or storefront.default_locale)
    if endpoint.startswith("store."):
        values.setdefault("org_slug", storefront.org_slug)
        values.setdefault("market_slug", storefront.market_slug)


def _member_with_sign_in():
    """On a storefront page the user loader reads the user's membership in the org with the user
    (one statement): the page reads it next anyway (the header's cart badge and "Dashboard" link)."""
    if not has_request_context():
        return None
    storefront = g.get("storefront")
    return member_with_sign_in(storefront.org_id) if storefront is not None else None


sessions.read_with_sign_in(_member_with_sign_in)


def _with_sign_in(market: sa.Select, org_id, market_id) -> sa.Select:
    """``market`` (a market's row), outer-joined with the sign-in the session names and the user's
    membership in the market's org (``member_with_sign_in_select``, its ``:org_id`` and
    ``:market_id`` the SQL ``org_id`` and ``market_id``): one row, or none (no market)."""
    ids = {"org_id": org_id, "market_id": market_id}
    signed = replacement_traverse(
        member_with_sign_in_select(), {},
        lambda element: ids.get(element.key) if isinstance(element, BindParameter) else None,
    ).subquery("signed")
    return market.add_columns(*signed.c).outerjoin(signed, sa.true())


@prebuilt
def _market_with_sign_in():
    """The market by its slugs (``market_by_slugs_select``) with the sign-in and the membership."""
    org_id = sa.select(Org.id).where(Org.slug == sa.bindparam("org_slug")).scalar_subquery()
    market_id = sa.select(OrgMarket.id).where(OrgMarket.org_id == org_id,
                                              OrgMarket.slug == sa.bindparam("market_slug")).scalar_subquery()
    return _with_sign_in(market_by_slugs_select(), org_id, market_id)


@prebuilt
def _market_by_host_with_sign_in():
    """The market on its domain (``market_by_host_select``) with the sign-in and the membership."""
    domain = sa.select(OrgMarketDomain.market_id).where(OrgMarketDomain.host == sa.bindparam("host"))
    market_id = domain.scalar_subquery()
    org_id = sa.select(OrgMarket.org_id).where(OrgMarket.id.in_(domain)).scalar_subquery()
    return _with_sign_in(market_by_host_select(), org_id, market_id)


def _sign_in_along(statement=_market_with_sign_in) -> Along | None:
    """On a signed-in browser's storefront page the market, the sign-in and the user's membership
    are read in one statement (``accounts.sessions.read_ahead``): every storefront page reads the
    user next (the header). None when the session names no sign-in or the user is loaded."""
    ahead = sessions.read_ahead()
    if ahead is None:
        return None

    def take(storefront, values: tuple) -> None:
        sessions.remember_read_ahead(ahead, values, take_member(storefront.org_id))

    return Along(statement(), {**member_column_params(), **ahead.params}, take)


def _sign_in_along_host() -> Along | None:
    """``_sign_in_along`` for a market served on its own domain."""
    return _sign_in_along(_market_by_host_with_sign_in)


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
