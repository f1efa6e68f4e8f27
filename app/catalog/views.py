"""Storefront catalog pages, nested under the storefront prefix (see app.web.storefront)."""

from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for

from app.catalog import queries
from app.catalog.models import PRODUCT_TYPES
from app.learn.models import COURSE_LEVELS
from app.learn.syllabus import build_syllabus
from app.markets.locales import translated
from app.web import cache, seo
from app.web.htmx import render

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index():
    storefront = g.storefront
    filters = queries.CatalogFilters.from_args(request.args)
    key = ("catalog", storefront.market_id, g.locale, tuple(sorted(filters.as_args().items())))
    page, facets = cache.cached(
        key, lambda: (queries.catalog_page(storefront, filters, g.content_chain), queries.facets(storefront))
    )
    context = dict(
        filters=filters,
        page=page,
        facets=facets,
        product_types=PRODUCT_TYPES,
        course_levels=COURSE_LEVELS,
        sorts=queries.SORTS,
        seo=seo.for_catalog(storefront, filters),
    )
    return render(
        "catalog/index.html",
        "catalog/_results.html",
        push_url=url_for(".index", **filters.as_args()),
        **context,
    )


@bp.get("/products/<slug>")
def product(slug: str):
    storefront = g.storefront
    product = queries.sold_product(storefront, slug)
    if product is None:
        abort(404)
    chain = g.content_chain
    offers = queries.offers_for(product, storefront.market_id)
    syllabus = build_syllabus(product.course, chain) if product.course else None
    tiers = sorted({offer.tier for offer in offers})
    reviews, avg_rating, review_count = queries.product_reviews(product)
    community = queries.community_course_rating(product) if product.course else None
    creators = queries.creators_for([product.id]).get(product.id, [])
    name = translated(product, "name", chain)
    description = translated(product, "description", chain)
    return render(
        "catalog/product.html",
        product=product,
        name=name,
        description=description,
        offers=offers,
        tiers=tiers,
        syllabus=syllabus,
        reviews=reviews,
        avg_rating=avg_rating,
        review_count=review_count,
        community=community,
        creators=creators,
        collections=queries.product_collections(product),
        seo=seo.for_product(storefront, product, name, description, offers, avg_rating, review_count),
    )
