"""Storefront catalog pages, nested under the storefront prefix (see app.markets.urls)."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request, url_for
from markupsafe import Markup

from app.catalog import pages, queries, seo
from app.catalog.models import PRODUCT_TYPES
from app.courses.models import COURSE_LEVELS
from app.web import cache
from app.web.htmx import is_htmx, render

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index():
    storefront = g.storefront
    filters = queries.CatalogFilters.from_args(request.args)
    args = tuple(sorted(filters.as_args().items()))
    view = (storefront.market_id, g.locale, g.get("on_market_domain", False))
    # The results region holds nothing user-specific: cache it rendered (fragment caching).
    results_html = cache.cached(("catalog-results", *view, args), lambda: Markup(render_template(
        "catalog/_results.html",
        filters=filters,
        page=queries.catalog_page(storefront, filters, g.content_chain),
    )))
    if is_htmx():
        return render("catalog/index.html", "catalog/_results_html.html", results_html=results_html,
                      push_url=url_for(".index", **filters.as_args()))
    # The filter form is a GET form (no token): the whole catalog body is cacheable too.
    body_html = cache.cached(("catalog-body", *view, args), lambda: Markup(render_template(
        "catalog/_catalog_body.html",
        results_html=results_html,
        filters=filters,
        facets=queries.facets(storefront),
        product_types=PRODUCT_TYPES,
        course_levels=COURSE_LEVELS,
        sorts=queries.SORTS,
    )))
    return render("catalog/index.html", body_html=body_html, seo=seo.for_catalog(storefront, filters))


@bp.get("/products/<slug>")
def product(slug: str):
    storefront = g.storefront
    view = (storefront.market_id, g.locale, g.get("on_market_domain", False), slug)
    page = cache.cached(("product", *view), lambda: pages.product_page(storefront, slug, g.content_chain))
    if page is None:
        abort(404)
    body_html = cache.cached(("product-body", *view), lambda: Markup(render_template(
        "catalog/_product_body.html", product=page)))
    return render("catalog/product.html", product=page, body_html=body_html, seo=seo.for_product(storefront, page))
