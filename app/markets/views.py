"""Market entry points: bare market URLs (locale chosen by the hierarchy), language switching,
sitemaps and robots.txt."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.services import set_locale_preference
from app.catalog.queries import sitemap_products
from app.extensions import db
from app.markets.services import list_public_storefronts
from app.markets.storefront import Storefront, storefront_for, storefront_for_host
from app.web.storefront import visitor_context

bp = Blueprint("markets", __name__)
store_bp = Blueprint("market", __name__)


def _enter(storefront: Storefront):
    g.storefront = storefront
    g.on_market_domain = storefront is not None and request.host.split(":")[0] == storefront.primary_host
    locale = storefront.choose_locale(visitor_context())
    g.locale = locale
    return redirect(url_for("store.catalog.index", locale=locale), 302)


@bp.get("/<org_slug>/<market_slug>/")
def enter(org_slug: str, market_slug: str):
    storefront = storefront_for(org_slug, market_slug)
    if storefront is None:
        abort(404)
    return _enter(storefront)


def enter_domain(storefront: Storefront):
    """``/`` on a market domain."""
    g.on_market_domain = True
    return _enter(storefront)


@store_bp.post("/language")
def switch_language():
    """The language switcher: keep the page, change the locale, remember it for a logged-in user."""
    storefront = g.storefront
    target = request.form.get("to", "")
    if target not in storefront.locales:
        abort(400)
    if current_user.is_authenticated:
        set_locale_preference(current_user, target, is_default=True)
        db.session.commit()
    path = request.form.get("next", "")
    prefix = url_for("store.catalog.index")  # e.g. /acme/eu/de/
    if path.startswith(prefix):
        new_prefix = url_for("store.catalog.index", locale=target)
        return redirect(new_prefix + path[len(prefix):], 303)
    return redirect(url_for("store.catalog.index", locale=target), 303)


def _sitemap(storefront: Storefront):
    g.storefront = storefront
    products = sitemap_products(storefront)
    entries = []
    for slug, updated in products:
        urls = [
            (loc, url_for("store.catalog.product", slug=slug, locale=loc, _external=True))
            for loc in storefront.locales
        ]
        x_default = url_for("store.catalog.product", slug=slug, locale=storefront.default_locale, _external=True)
        for _loc, url in urls:
            entries.append((url, updated, urls, x_default))
    home = [(loc, url_for("store.catalog.index", locale=loc, _external=True)) for loc in storefront.locales]
    body = render_template("markets/sitemap.xml", entries=entries, home=home,
                           home_default=url_for("store.catalog.index", locale=storefront.default_locale,
                                                _external=True))
    return Response(body, mimetype="application/xml")


@bp.get("/<org_slug>/<market_slug>/sitemap.xml")
def sitemap(org_slug: str, market_slug: str):
    storefront = storefront_for(org_slug, market_slug)
    if storefront is None:
        abort(404)
    g.on_market_domain = False
    return _sitemap(storefront)


@bp.get("/sitemap.xml")
def domain_sitemap():
    storefront = storefront_for_host(request.host)
    if storefront is None:
        abort(404)
    g.on_market_domain = True
    return _sitemap(storefront)


@bp.get("/robots.txt")
def robots():
    storefront = storefront_for_host(request.host)
    lines = ["User-agent: *", "Disallow: /account/", "Disallow: /dashboard/", "Disallow: /dev/"]
    if storefront is not None:
        lines.append("Sitemap: " + url_for("markets.domain_sitemap", _external=True))
    else:
        for org, markets in list_public_storefronts():
            for market, _url in markets:
                lines.append("Sitemap: " + url_for("markets.sitemap", org_slug=org.slug, market_slug=market.slug,
                                                   _external=True))
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
