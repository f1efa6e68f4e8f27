"""Storefront catalog pages, nested under the storefront prefix (see app.markets.urls).

The parts of these pages that hold nothing user-specific (the catalog body with its GET filter
form, the results, the product body: all written in Python) come from the read cache in the views;
the queries behind a part run only when it is rendered.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for
from markupsafe import Markup

from app.catalog import catalog_html, pages, queries, seo
from app.catalog.cards_html import product_cards
from app.catalog.filters_html import catalog_filters
from app.catalog.models import PRODUCT_TYPES
from app.catalog.product_html import buy_forms, product_body
from app.catalog.seo_html import seo_tags
from app.courses.models import COURSE_LEVELS
from app.markets.layout_html import store_meta, store_page, store_title
from app.web import cache
from app.web.htmx import fragment, is_htmx
from app.web.htmx import page as page_response

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
    part = (*_view(), tuple(sorted(filters.as_args().items())))
    # The results region and the body around it (written in Python: app.catalog.catalog_html) hold
    # nothing user-specific (the filter form is a GET form): from the read cache, their queries run
    # only when they are rendered.
    results = cache.cached(("catalog results", *part), lambda: catalog_html.catalog_results(
        queries.catalog_page(storefront, filters, g.content_chain), filters, storefront))
    if is_htmx():
        return fragment(catalog_html.results_fragment(results, filters), push_url=url_for(".index", **filters.as_args()))
    body = cache.cached(("catalog body", *part), lambda: catalog_html.catalog_body(
        storefront, filters, queries.facets(storefront, g.content_chain), PRODUCT_TYPES, COURSE_LEVELS, queries.SORTS,
        results))
    return page_response(_catalog_page(body, seo.for_catalog(storefront, filters)))


@bp.get("/products/<slug>")
@cache.page  # the same for every visitor without cookies (a 404 is not kept)
def product(slug: str):
    storefront = g.storefront
    part = (*_view(), slug)
    page = cache.cached(("product", *part), lambda: pages.product_page(storefront, slug, g.content_chain))
    if page is None:
        abort(404)
    body = cache.cached(("product body", *part), lambda: product_body(page, storefront))
    return page_response(_product_page(body, page, seo.for_product(storefront, page)))


# The pages around their bodies, in the storefront's frame (app.markets.layout_html): what the templates
# catalog/index.html and catalog/product.html wrote with layouts/store.html (kept in tests/catalog/pages_jinja/;
# tests/web/test_layout_html.py compares).

def _catalog_page(body, page_seo) -> Markup:
    return store_page(title=store_title(page_seo), meta=store_meta(seo_tags(page_seo)), content=f"\n\n{body}\n")


def _product_page(body, page, page_seo) -> Markup:
    # Outside the cached body: the add-to-cart forms carry this session's CSRF token.
    return store_page(title=store_title(page_seo), meta=store_meta(seo_tags(page_seo)),
                      content=f"\n{body}\n\n{buy_forms(page.offers)}\n")
