"""Sitemaps of the storefronts (every product in every locale of a market, with hreflang
alternates) and robots.txt pointing at them."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request, url_for

from app.catalog.queries import sitemap_products
from app.markets.services import list_public_storefronts
from app.markets.storefront import Storefront, storefront_for, storefront_for_host

bp = Blueprint("sitemaps", __name__)


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
    body = render_template("catalog/sitemap.xml", entries=entries, home=home,
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
        lines.append("Sitemap: " + url_for("sitemaps.domain_sitemap", _external=True))
    else:
        for org, markets in list_public_storefronts():
            for market, _url in markets:
                lines.append("Sitemap: " + url_for("sitemaps.sitemap", org_slug=org.slug, market_slug=market.slug,
                                                   _external=True))
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
