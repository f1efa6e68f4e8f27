"""The product page's content as plain values, built in a fixed number of queries.

Plain data (no ORM objects) so a market can serve it from the read cache (app.web.cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for

from app.catalog import queries
from app.courses.syllabus import Syllabus, build_syllabus
from app.markets.locales import translated
from app.markets.storefront import Storefront
from app.platform.images import MEDIA_PREFIX, ImageView, images_for


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


def product_page(storefront: Storefront, slug: str, chain: list[str | None]) -> ProductPage | None:
    product = queries.sold_product(storefront, slug)
    if product is None:
        return None
    reviews, avg_rating, review_count = queries.product_reviews(product)
    course = None
    if product.course is not None:
        difficulty, count, level = queries.community_course_rating(product)
        course = CourseFacts(
            level=product.course.level,
            difficulty=product.course.difficulty,
            skills=tuple(translated(link.skill, "name", chain) for link in product.course.skills),
            community_difficulty=difficulty,
            community_count=count,
            community_level=level,
        )
    meta = product.seo_metadata
    og = meta.open_graph if meta else None
    image = images_for("product_id", [product.id]).get(product.id)
    image_url = product.image_url
    if image is not None:
        image_url = url_for("platform.media", name=image.url().removeprefix(MEDIA_PREFIX), _external=True)
    return ProductPage(
        slug=product.slug,
        type=product.type,
        name=translated(product, "name", chain),
        description=translated(product, "description", chain),
        image_url=image_url,
        image=image,
        brand_name=product.brand.name if product.brand else None,
        weight_grams=product.weight_grams if product.type == "physical" else None,
        shipping_note=product.shipping_note if product.type == "physical" else None,
        offers=queries.offers_for(product, storefront.market_id, chain),
        syllabus=build_syllabus(product.course, chain) if product.course else None,
        course=course,
        reviews=[
            ReviewView(r.rating, r.title, r.body, r.member.user_profile.display_name, r.created_at)
            for r in reviews
        ],
        avg_rating=avg_rating,
        review_count=review_count,
        creators=queries.creators_for([product.id]).get(product.id, []),
        collections=[(c.slug, translated(c, "name", chain)) for c in queries.product_collections(product)],
        seo=SeoFields(
            title=meta.title if meta else None,
            description=meta.description if meta else None,
            keywords=meta.keywords if meta else None,
            canonical_url=meta.canonical_url if meta else None,
            robots=meta.robots_directive if meta else None,
            og_title=og.title if og else None,
            og_description=og.description if og else None,
            og_image=og.image_url if og else None,
            og_image_alt=(og.image_alt if og else None) or (image.alt if image and not (og and og.image_url) else None),
            og_type=og.type if og else None,
        ),
    )
