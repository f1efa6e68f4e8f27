"""Storefront catalog pages, nested under the storefront prefix (see app.markets.urls).

The parts of these pages that hold nothing user-specific (the catalog body with its GET filter
form, the results) come from the read cache where the templates include them (``cached_include``);
the queries behind a part run only when it is rendered. The product body (written in Python) comes
from the read cache in the view.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for

from app.catalog import pages, queries, seo
from app.catalog.cards_html import product_cards
from app.catalog.filters_html import catalog_filters
from app.catalog.models import PRODUCT_TYPES
from app.catalog.product_html import buy_forms, product_body
from app.catalog.seo_html import seo_tags
from app.courses.models import COURSE_LEVELS
from app.web import cache
from app.web.htmx import is_htmx, render

bp = Blueprint("catalog", __name__)
bp.add_app_template_global(product_cards, "product_cards")
bp.add_app_template_global(catalog_filters, "catalog_filters")
bp.add_app_template_global(buy_forms, "buy_forms")
bp.add_app_template_global(seo_tags, "seo_tags")  # layouts/store.html


def _view() -> tuple:
    """What every cached part of a storefront page depends on: the market, locale and host."""
    return g.storefront.market_id, g.locale, g.get("on_market_domain", False)


@bp.get("/")
@cache.page  # the same for every visitor without cookies
def index():
    storefront = g.storefront
    filters = queries.CatalogFilters.from_args(request.args)
    context = dict(
        filters=filters,
        part=(*_view(), tuple(sorted(filters.as_args().items()))),
        load_results=lambda: {"page": queries.catalog_page(storefront, filters, g.content_chain)},
        load_facets=lambda: {"facets": queries.facets(storefront, g.content_chain)},
    )
    if is_htmx():
        return render("catalog/index.html", "catalog/_results_part.html",
                      push_url=url_for(".index", **filters.as_args()), oob_clear=True, **context)
    return render("catalog/index.html", product_types=PRODUCT_TYPES, course_levels=COURSE_LEVELS,
                  sorts=queries.SORTS, seo=seo.for_catalog(storefront, filters), **context)


@bp.get("/products/<slug>")
@cache.page  # the same for every visitor without cookies (a 404 is not kept)
def product(slug: str):
    storefront = g.storefront
    part = (*_view(), slug)
    page = cache.cached(("product", *part), lambda: pages.product_page(storefront, slug, g.content_chain))
    if page is None:
        abort(404)
    body = cache.cached(("product body", *part), lambda: product_body(page, storefront))
    return render("catalog/product.html", product=page, body=body, seo=seo.for_product(storefront, page))
