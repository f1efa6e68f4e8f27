"""The product page's content as plain values, built in a fixed number of queries.

Plain data (no ORM objects) so a market can serve it from the read cache (app.web.cache).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import url_for

from app.catalog import queries
from app.courses.syllabus import TEXTS, TREE, Syllabus, syllabus_of_rows, syllabus_parts
from app.db import plain_rows, tagged_union, utcnow, with_kept_hash
from app.extensions import db
from app.markets.chain_sql import chain_locales, chain_slots, chain_values
from app.markets.storefront import Storefront
from app.platform.images import MEDIA_PREFIX, ImageView

REVIEWS_SHOWN = 20  # the newest published reviews


@dataclass(frozen=True)
class CourseFacts:
    level: str
    difficulty: int
    skills: tuple[str, ...]
    community_difficulty: float | None
    community_count: int
    community_level: str | None


@dataclass(frozen=True)
class ReviewView:
    rating: int
    title: str | None
    body: str | None
    author: str
    created_at: datetime


@dataclass(frozen=True)
class SeoFields:
    """What ``seo_metadata`` / ``seo_metadata_open_graph`` say about the product, if anything."""

    title: str | None = None
    description: str | None = None
    keywords: str | None = None
    canonical_url: str | None = None
    robots: str | None = None
    og_title: str | None = None
    og_description: str | None = None
    og_image: str | None = None
    og_image_alt: str | None = None
    og_type: str | None = None


@dataclass
class ProductPage:
    slug: str
    type: str
    name: str
    description: str | None
    image_url: str | None
    brand_name: str | None
    offers: list[queries.Offer]
    syllabus: Syllabus | None
    course: CourseFacts | None
    reviews: list[ReviewView]
    avg_rating: float | None
    review_count: int
    creators: list[queries.Creator]
    collections: list[tuple[str, str]]
    seo: SeoFields = field(default_factory=SeoFields)
    image: ImageView | None = None  # the uploaded cover; ``image_url`` is then its absolute URL (OpenGraph)
    weight_grams: int | None = None  # a physical product's shipping facts
    shipping_note: str | None = None

    @property
    def ships(self) -> bool:
        return self.type == "physical"

    @property
    def tiers(self) -> list[int]:
        return sorted({offer.tier for offer in self.offers})


# The product with its offers in the market, its reviews, its learner ratings, collections and
# skills and (a course's) syllabus: the parts of one statement on PostgreSQL (``app.db.tagged_union``;
# they were six statements, each a round trip). SQLite has no round trip: there a statement per part
# costs less than one union's typed NULL columns (0.56 ms for the five against 0.9 ms together, demo
# data). On PostgreSQL the product is looked up once, by its slug (``published_product``, a CTE the
# other parts read its id from; each part looked it up again); on SQLite each statement finds it
# through its slug (``published_product_id``).
_PRODUCT, _RATINGS, _OFFERS, _REVIEWS, _NAMES = "p", "g", "o", "r", "n"


@functools.cache
def _statements(slots: int, together: bool) -> list[tuple]:
    """The statements of ``product_page`` with their rows' ``split``: one (``together``) or one per
    group of parts (built once per process for each number of chain slots)."""
    found = queries.published_product() if together else None
    product_id = queries.published_product_id() if found is None else sa.select(found.c.id).scalar_subquery()
    parts = [
        [(_PRODUCT, *queries.product_part(slots, found))],
        [(_OFFERS, *queries.offers_part(slots, product_id))],
        [(_REVIEWS, *queries.reviews_part(product_id)), (_RATINGS, *queries.ratings_part(product_id))],
        [(_NAMES, *queries.collections_and_skills_part(slots, product_id))],
        syllabus_parts(slots, product_id),
    ]
    groups = [[part for group in parts for part in group]] if together else parts
    return [(with_kept_hash(statement), split) for statement, split in map(tagged_union, groups)]


def product_page(storefront: Storefront, slug: str, chain: list[str | None]) -> ProductPage | None:
    """The page of the storefront org's published product ``slug``, or None when it is not sold in
    the market (no active price there). Plain rows only: one query on PostgreSQL (five on SQLite)."""
    locales = chain_locales(chain)
    params = {"org_id": storefront.org_id, "slug": slug, "now": utcnow(), "market_id": storefront.market_id,
              "limit": REVIEWS_SHOWN, **chain_values(locales)}
    rows: dict[str, list[tuple]] = {}
    for statement, split in _statements(chain_slots(locales), db.engine.dialect.name == "postgresql"):
        rows.update(split(plain_rows(db.session, statement, params)))
    product = queries.product_of(rows[_PRODUCT], rows[_RATINGS])
    offers = queries.offers_of(rows[_OFFERS], chain)
    if product is None or not offers:
        return None
    reviews, avg_rating, review_count = queries.reviews_of(rows[_REVIEWS])
    collections, skills = queries.collections_and_skills_of(rows[_NAMES], chain)
    course = None
    if product.course is not None:
        difficulty, count, level = product.community_rating
        course = CourseFacts(
            level=product.course[0],
            difficulty=product.course[1],
            skills=skills,
            community_difficulty=difficulty,
            community_count=count,
            community_level=level,
        )
    seo_title, seo_description, keywords, canonical_url, robots = product.seo
    og_title, og_description, og_image, og_image_alt, og_type = product.og or (None,) * 5
    image = product.image
    image_url = product.image_url
    if image is not None:
        image_url = url_for("platform.media", name=image.url().removeprefix(MEDIA_PREFIX), _external=True)
    return ProductPage(
        slug=product.slug,
        type=product.type,
        name=product.text("name", chain),
        description=product.text("description", chain),
        image_url=image_url,
        image=image,
        brand_name=product.brand_name,
        weight_grams=product.weight_grams if product.type == "physical" else None,
        shipping_note=product.text("shipping_note", chain) if product.type == "physical" else None,
        offers=offers,
        syllabus=syllabus_of_rows(rows[TREE], rows[TEXTS], chain) if product.course is not None else None,
        course=course,
        reviews=[ReviewView(*review) for review in reviews],
        avg_rating=avg_rating,
        review_count=review_count,
        creators=product.creators,
        collections=collections,
        seo=SeoFields(
            title=seo_title,
            description=seo_description,
            keywords=keywords,
            canonical_url=canonical_url,
            robots=robots,
            og_title=og_title,
            og_description=og_description,
            og_image=og_image,
            og_image_alt=og_image_alt or (image.alt if image and not og_image else None),
            og_type=og_type,
        ),
    )
