"""Read side of the storefront catalog: what a market sells, filtered, sorted and paginated.

A product is sold in a market when it is published and at least one active plan of an active
variant has an active price in that market. Every function issues a fixed number of queries,
whatever the size of the catalog (eager loading, no per-row lazy loads).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import UserJobProfile, UserProfile
from app.catalog.models import OrgEmployeeProductAttribution as Attribution
from app.catalog.models import (
    OrgProduct,
    OrgProductCollection,
    OrgProductCollectionProduct,
    OrgProductReview,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.checks import MAX_AMOUNT, decimal_or_none, whole_or_none
from app.courses.models import (
    OrgLesson,
    OrgProductCourse,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseRating,
    OrgProductCourseSkill,
)
from app.db import utcnow
from app.extensions import db
from app.markets.locales import translated
from app.markets.storefront import Storefront
from app.money import format_money
from app.orgs.models import OrgEmployee, OrgMember
from app.platform.images import ImageView, OrgImage, images_for
from app.platform.models import SeoMetadata, Skill
from app.web.labels import interval_label, price_per_unit, units_included

SORTS = ("relevance", "newest", "price_asc", "price_desc", "name", "rating")
PER_PAGE = 12
MAX_PAGE = 10_000
PRICE_STEP = Decimal("0.0001")  # Numeric(12, 4)


# ---- sold-in-market building blocks -------------------------------------------------------

def from_prices(market_id: str):
    """Subquery: product_id -> its "from" price in the market, the one rule behind every card,
    price filter, price sort and sitemap.

    The "from" price is the lowest amount a buyer can actually pay in one payment: the lowest price
    of a plan with a fixed price (a one-time price, or a subscription's price for one period). A
    usage-based plan's base fee is not a complete price (usage is billed on top), so it counts only
    for a product that has no fixed-price plan in the market.
    """
    price = OrgProductVariantPaymentPlanMarketPrice
    plan = OrgProductVariantPaymentPlan
    variant = OrgProductVariant
    fixed = sa.func.min(sa.case((plan.type != "usage_based", price.price)))
    return (
        sa.select(variant.product_id.label("product_id"),
                  sa.func.coalesce(fixed, sa.func.min(price.price)).label("from_price"))
        .join(plan, plan.variant_id == variant.id)
        .join(price, price.plan_id == plan.id)
        .where(
            price.market_id == market_id,
            price.is_active.is_(True),
            plan.is_active.is_(True),
            variant.is_active.is_(True),
        )
        .group_by(variant.product_id)
        .subquery("from_prices")
    )


def ratings():
    review = OrgProductReview
    return (
        sa.select(
            review.product_id.label("product_id"),
            sa.func.avg(review.rating).label("avg_rating"),
            sa.func.count(review.id).label("review_count"),
        )
        .where(review.is_published.is_(True))
        .group_by(review.product_id)
        .subquery("ratings")
    )


# ---- catalog listing ------------------------------------------------------------------------

@dataclass
class CatalogFilters:
    q: str = ""
    type: str = ""
    collection: str = ""
    skill: str = ""
    level: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    sort: str = "newest"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> CatalogFilters:
        """Lenient parsing: a bad value is dropped, never an error page."""

        def decimal(name):
            raw = (args.get(name) or "").strip().replace(",", ".")
            value = decimal_or_none(raw, minimum=0, maximum=MAX_AMOUNT) if raw else None
            return None if value is None else value.quantize(PRICE_STEP)  # as prices are stored (1e-999 -> 0)

        page = whole_or_none(args.get("page"), minimum=1)
        page = 1 if page is None else min(MAX_PAGE, page)
        sort = args.get("sort", "") or ""
        q = (args.get("q") or "").strip()[:100]
        return cls(
            q=q,
            type=(args.get("type") or "").strip(),
            collection=(args.get("collection") or "").strip(),
            skill=(args.get("skill") or "").strip(),
            level=(args.get("level") or "").strip(),
            min_price=decimal("min_price"),
            max_price=decimal("max_price"),
            sort=sort if sort in SORTS else ("relevance" if q else "newest"),
            page=page,
        )

    def as_args(self, **overrides) -> dict:
        """Non-empty values as query-string arguments (for shareable URLs and pagination)."""
        values = {
            "q": self.q, "type": self.type, "collection": self.collection, "skill": self.skill,
            "level": self.level, "min_price": self.min_price, "max_price": self.max_price,
            "sort": self.sort if self.sort not in ("newest", "relevance") else "", "page": self.page,
        }
        values.update(overrides)
        if values.get("page") == 1:
            values["page"] = None
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.q or self.type or self.collection or self.skill or self.level
                    or self.min_price is not None or self.max_price is not None)


@dataclass
class Creator:
    name: str
    slug: str | None
    avatar: ImageView | None = None


@dataclass
class ProductCard:
    """What a catalog card shows, as plain values (safe to cache across requests)."""

    slug: str
    type: str
    image_url: str | None
    name: str
    summary: str
    from_price: Decimal
    avg_rating: float | None
    review_count: int
    brand_name: str | None
    creators: list[Creator] = field(default_factory=list)
    image: ImageView | None = None  # the cover (app.platform.images), loaded with the listing


@dataclass
class CatalogPage:
    cards: list[ProductCard]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _filtered(storefront: Storefront, filters: CatalogFilters, chain: list[str]):
    fp = from_prices(storefront.market_id)
    rt = ratings()
    stmt = (
        sa.select(OrgProduct, fp.c.from_price, rt.c.avg_rating, rt.c.review_count)
        .join(fp, fp.c.product_id == OrgProduct.id)
        .outerjoin(rt, rt.c.product_id == OrgProduct.id)
        .where(OrgProduct.org_id == storefront.org_id, OrgProduct.status == "published")
    )
    if filters.type:
        stmt = stmt.where(OrgProduct.type == filters.type)
    if filters.collection:
        stmt = stmt.where(
            sa.exists()
            .where(OrgProductCollectionProduct.product_id == OrgProduct.id)
            .where(OrgProductCollectionProduct.collection_id == OrgProductCollection.id)
            .where(OrgProductCollection.org_id == storefront.org_id)
            .where(OrgProductCollection.slug == filters.collection)
        )
    if filters.skill:
        stmt = stmt.where(
            sa.exists()
            .where(OrgProductCourseSkill.course_product_id == OrgProduct.id)
            .where(OrgProductCourseSkill.skill_id == Skill.id)
            .where(Skill.slug == filters.skill)
        )
    if filters.level:
        stmt = stmt.where(
            sa.exists()
            .where(OrgProductCourse.product_id == OrgProduct.id)
            .where(OrgProductCourse.level == filters.level)
        )
    if filters.min_price is not None:
        stmt = stmt.where(fp.c.from_price >= filters.min_price)
    if filters.max_price is not None:
        stmt = stmt.where(fp.c.from_price <= filters.max_price)
    if filters.q:
        pattern = f"%{_escape_like(filters.q.lower())}%"
        translation_match = (
            sa.exists()
            .where(OrgProductTranslation.product_id == OrgProduct.id)
            .where(OrgProductTranslation.locale_key.in_([key for key in chain if key]))
            .where(
                sa.or_(
                    sa.func.lower(OrgProductTranslation.name).like(pattern, escape="\\"),
                    sa.func.lower(OrgProductTranslation.description).like(pattern, escape="\\"),
                )
            )
        )
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(OrgProduct.name).like(pattern, escape="\\"),
                sa.func.lower(OrgProduct.description).like(pattern, escape="\\"),
                translation_match,
            )
        )
    return stmt, fp, rt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order(stmt, filters: CatalogFilters, fp, rt):
    newest = sa.func.coalesce(OrgProduct.published_at, OrgProduct.created_at).desc()
    orders = {
        "newest": [newest],
        "relevance": [newest],
        "price_asc": [fp.c.from_price.asc()],
        "price_desc": [fp.c.from_price.desc()],
        "name": [sa.func.lower(OrgProduct.name).asc()],
        "rating": [sa.func.coalesce(rt.c.avg_rating, 0).desc(), sa.func.coalesce(rt.c.review_count, 0).desc()],
    }
    return stmt.order_by(*orders[filters.sort], OrgProduct.id)


def catalog_page(storefront: Storefront, filters: CatalogFilters, chain: list[str],
                 per_page: int = PER_PAGE) -> CatalogPage:
    stmt, fp, rt = _filtered(storefront, filters, chain)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil((total or 0) / per_page))
    page = min(filters.page, pages)
    rows = db.session.execute(
        _order(stmt, filters, fp, rt)
        .options(selectinload(OrgProduct.translations), joinedload(OrgProduct.brand))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    creators = creators_for([row[0].id for row in rows])
    covers = images_for("product_id", [row[0].id for row in rows])
    cards = [
        ProductCard(
            slug=product.slug,
            type=product.type,
            image_url=product.image_url,
            name=translated(product, "name", chain),
            summary=_summary(translated(product, "description", chain)),
            from_price=from_price,
            avg_rating=float(avg) if avg is not None else None,
            review_count=count or 0,
            brand_name=product.brand.name if product.brand else None,
            creators=creators.get(product.id, []),
            image=covers.get(product.id),
        )
        for product, from_price, avg, count in rows
    ]
    return CatalogPage(cards=cards, total=total or 0, page=page, per_page=per_page)


def _summary(text: str | None, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def creators_for(product_ids: list[str]) -> dict[str, list[Creator]]:
    """The people attributed as creators of each product right now, with their avatars: one query."""
    if not product_ids:
        return {}
    now = utcnow()
    rows = db.session.execute(
        sa.select(Attribution.product_id, UserProfile.display_name, UserJobProfile.slug, UserJobProfile.is_public,
                  OrgImage)
        .join(OrgEmployee, OrgEmployee.id == Attribution.employee_id)
        .outerjoin(OrgImage, OrgImage.employee_id == OrgEmployee.id)
        .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .outerjoin(UserJobProfile, UserJobProfile.id == OrgEmployee.job_profile_id)
        .where(
            Attribution.product_id.in_(product_ids),
            Attribution.attribution_type.in_(("creator", "collaborator")),
            Attribution.effective_from <= now,
            sa.or_(Attribution.effective_to.is_(None), Attribution.effective_to > now),
        )
        .order_by(Attribution.product_id, Attribution.revenue_share_percentage.desc(), UserProfile.display_name)
    ).all()
    result: dict[str, list[Creator]] = {}
    for product_id, name, slug, is_public, avatar in rows:
        result.setdefault(product_id, []).append(
            Creator(name=name, slug=slug if is_public else None, avatar=avatar.view() if avatar else None))
    return result


def facets(storefront: Storefront, chain: Sequence[str | None] = ()) -> dict:
    """Collections and skills that lead to something sold in this market, named in the content
    ``chain``'s language (four queries)."""
    fp = from_prices(storefront.market_id)
    sold = (
        sa.select(OrgProduct.id)
        .join(fp, fp.c.product_id == OrgProduct.id)
        .where(OrgProduct.org_id == storefront.org_id, OrgProduct.status == "published")
    )
    collections = db.session.scalars(
        sa.select(OrgProductCollection)
        .where(OrgProductCollection.org_id == storefront.org_id,
               OrgProductCollection.id.in_(sa.select(OrgProductCollectionProduct.collection_id)
                                           .where(OrgProductCollectionProduct.product_id.in_(sold))))
        .order_by(OrgProductCollection.sort_order, OrgProductCollection.name)
        .options(selectinload(OrgProductCollection.translations))
    ).all()
    skills = db.session.scalars(
        sa.select(Skill)
        .where(Skill.id.in_(sa.select(OrgProductCourseSkill.skill_id)
                            .where(OrgProductCourseSkill.org_id == storefront.org_id,
                                   OrgProductCourseSkill.course_product_id.in_(sold))))
        .options(selectinload(Skill.translations))
    ).all()
    skill_names = sorted(((s.slug, translated(s, "name", chain)) for s in skills), key=lambda pair: pair[1].lower())
    return {"collections": [(c.slug, translated(c, "name", chain)) for c in collections], "skills": skill_names}


# ---- product page -------------------------------------------------------------------------------

def sold_product(storefront: Storefront, slug: str) -> OrgProduct | None:
    """The published product ``slug`` of the storefront's org if it has a price in this market,
    with everything the product page shows loaded up front."""
    fp = from_prices(storefront.market_id)
    plan_opts = selectinload(OrgProduct.variants).selectinload(OrgProductVariant.plans)
    course = joinedload(OrgProduct.course)
    modules = course.selectinload(OrgProductCourse.modules)
    sections = modules.selectinload(OrgProductCourseModule.sections)
    placements = sections.selectinload(OrgProductCourseModuleSection.placements)
    stmt = (
        sa.select(OrgProduct)
        .join(fp, fp.c.product_id == OrgProduct.id)
        .where(
            OrgProduct.org_id == storefront.org_id,
            OrgProduct.slug == slug,
            OrgProduct.status == "published",
        )
        .options(
            selectinload(OrgProduct.translations),
            joinedload(OrgProduct.brand),
            joinedload(OrgProduct.seo_metadata).joinedload(SeoMetadata.open_graph),
            plan_opts.joinedload(OrgProductVariantPaymentPlan.one_time),
            plan_opts.joinedload(OrgProductVariantPaymentPlan.subscription),
            plan_opts.joinedload(OrgProductVariantPaymentPlan.usage_based),
            plan_opts.selectinload(OrgProductVariantPaymentPlan.market_prices),
            plan_opts.selectinload(OrgProductVariantPaymentPlan.translations),
            course.selectinload(OrgProductCourse.skills).joinedload(OrgProductCourseSkill.skill)
            .selectinload(Skill.translations),
            selectinload(OrgProduct.variants).selectinload(OrgProductVariant.translations),
            modules.selectinload(OrgProductCourseModule.translations),
            sections.selectinload(OrgProductCourseModuleSection.translations),
            placements.joinedload(OrgProductCourseModuleSectionLesson.lesson),
        )
    )
    product = db.session.scalar(stmt)
    if product is not None and product.course is not None:
        _load_lesson_translations(product)
    return product


def _load_lesson_translations(product: OrgProduct) -> None:
    """Lesson translations for every placed lesson in one query (lessons are shared rows)."""
    lesson_ids = {
        p.lesson_id for m in product.course.modules for s in m.sections for p in s.placements
    }
    if lesson_ids:
        db.session.scalars(
            sa.select(OrgLesson).where(OrgLesson.id.in_(lesson_ids)).options(selectinload(OrgLesson.translations))
        ).all()


def product_reviews(product: OrgProduct, limit: int = 20) -> tuple[list[OrgProductReview], float | None, int]:
    reviews = db.session.scalars(
        sa.select(OrgProductReview)
        .where(OrgProductReview.product_id == product.id, OrgProductReview.is_published.is_(True))
        .options(joinedload(OrgProductReview.member).joinedload(OrgMember.user_profile))
        .order_by(OrgProductReview.created_at.desc())
        .limit(limit)
    ).all()
    avg, count = db.session.execute(
        sa.select(sa.func.avg(OrgProductReview.rating), sa.func.count(OrgProductReview.id)).where(
            OrgProductReview.product_id == product.id, OrgProductReview.is_published.is_(True)
        )
    ).one()
    return list(reviews), (float(avg) if avg is not None else None), count or 0


def community_course_rating(product: OrgProduct) -> tuple[float | None, int, str | None]:
    """Average learner-rated difficulty, how many rated, and the most common rated level (one query)."""
    rows = db.session.execute(
        sa.select(
            OrgProductCourseRating.level,
            sa.func.count(OrgProductCourseRating.id),
            sa.func.sum(OrgProductCourseRating.difficulty),
        )
        .where(OrgProductCourseRating.course_product_id == product.id)
        .group_by(OrgProductCourseRating.level)
    ).all()
    count = sum(n for _level, n, _total in rows)
    if not count:
        return None, 0, None
    average = sum(total for _level, _n, total in rows) / count
    level = min(rows, key=lambda row: (-row[1], row[0]))[0]
    return float(average), count, level


def product_collections(product: OrgProduct) -> list[OrgProductCollection]:
    return list(
        db.session.scalars(
            sa.select(OrgProductCollection)
            .join(OrgProductCollectionProduct, OrgProductCollectionProduct.collection_id == OrgProductCollection.id)
            .where(OrgProductCollectionProduct.product_id == product.id)
            .order_by(OrgProductCollection.sort_order, OrgProductCollection.name)
            .options(selectinload(OrgProductCollection.translations))
        )
    )


def sitemap_products(storefront: Storefront) -> list[tuple[str, object]]:
    """(slug, last modified) of every product sold in the market: one query."""
    fp = from_prices(storefront.market_id)
    return db.session.execute(
        sa.select(OrgProduct.slug, OrgProduct.updated_at)
        .join(fp, fp.c.product_id == OrgProduct.id)
        .where(OrgProduct.org_id == storefront.org_id, OrgProduct.status == "published")
        .order_by(OrgProduct.slug)
    ).all()


@dataclass(frozen=True)
class Offer:
    """One buyable plan of a product in a market, with its terms and its price there (plain data)."""

    plan_id: str
    plan_name: str
    plan_description: str | None
    variant_name: str
    variant_count: int
    type: str
    tier: int
    price: Decimal
    price_per_unit: Decimal | None = None
    compare_at_price: Decimal | None = None
    interval: str | None = None
    interval_count: int = 1
    trial_period_days: int = 0
    usage_unit: str | None = None
    included_units: int = 0

    def billing(self, currency: str) -> list[str]:
        """How the plan is paid, in plain words of the page's language: ``["One payment"]``,
        ``["€19 per month after a 14-day free trial"]``, ``["€5 per month + €0.10 per question",
        "50 questions included"]``."""
        price = format_money(self.price, currency)
        if self.type == "subscription":
            every = interval_label(self.interval or "month", self.interval_count)
            if self.trial_period_days:
                return [ngettext("%(price)s per %(interval)s after a %(num)d-day free trial",
                                 "%(price)s per %(interval)s after a %(num)d-day free trial",
                                 self.trial_period_days, price=price, interval=every)]
            return [_("%(price)s per %(interval)s", price=price, interval=every)]
        if self.type == "usage_based":  # billed monthly (app.orders.billing)
            parts = [_("%(price)s per month + %(per_unit)s", price=price,
                       per_unit=price_per_unit(self.usage_unit, format_money(self.price_per_unit or 0, currency)))]
            if self.included_units:
                parts.append(units_included(self.usage_unit, self.included_units))
            return parts
        return [_("One payment")]


def offers_for(product: OrgProduct, market_id: str, chain: Sequence[str | None] = ()) -> list[Offer]:
    """Active plans of active variants that have an active price in the market (loaded rows only),
    their names in the content ``chain``'s language when given (plan translations loaded)."""
    variants = [v for v in product.variants if v.is_active]
    offers = []
    for variant in variants:
        for plan in variant.plans:
            if not plan.is_active:
                continue
            price = next((p for p in plan.market_prices if p.market_id == market_id and p.is_active), None)
            if price is None:
                continue
            sub, usage = plan.subscription, plan.usage_based
            offers.append(Offer(
                plan_id=plan.id,
                plan_name=translated(plan, "name", chain) if chain else plan.name,
                plan_description=translated(plan, "description", chain) if chain else plan.description,
                variant_name=translated(variant, "name", chain) if chain else variant.name,
                variant_count=len(variants),
                type=plan.type,
                tier=plan.access_tier,
                price=price.price,
                price_per_unit=price.price_per_unit,
                compare_at_price=price.compare_at_price,
                interval=sub.interval if plan.type == "subscription" and sub else None,
                interval_count=sub.interval_count if plan.type == "subscription" and sub else 1,
                trial_period_days=(sub.trial_period_days or 0) if plan.type == "subscription" and sub else 0,
                usage_unit=usage.usage_unit if plan.type == "usage_based" and usage else None,
                included_units=(usage.included_units or 0) if plan.type == "usage_based" and usage else 0,
            ))
    return offers
