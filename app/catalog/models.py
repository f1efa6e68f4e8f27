"""Catalog models: products and their translations, variants, payment plans (with their
one-time / subscription / usage-based extensions and per-market prices), collections, the org's
names for platform skills,
discounts and reviews; which employees share in a product's revenue (attributions) and the
product's allocation total (revenue pool)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.db import OrgScoped, Timestamped, UTCDateTime, enum_check, enum_col, fk, id_pk, money, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.courses.models import OrgProductCourse
    from app.markets.models import OrgBrand, OrgMarket
    from app.orgs.models import OrgEmployee, OrgMember
    from app.platform.models import SeoMetadata

PRODUCT_TYPES = ("course", "digital_download", "service", "physical")
PRODUCT_STATUSES = ("draft", "published", "archived")
PLAN_TYPES = ("one_time", "subscription", "usage_based")
RECURRING_PLAN_TYPES = ("subscription", "usage_based")  # billed period by period (a subscription)
INTERVALS = ("day", "week", "month", "year")
DISCOUNT_TYPES = ("percent", "fixed")
ATTRIBUTION_TYPES = ("creator", "collaborator", "manager", "reviewer")

_ZERO = Decimal("0")

_OWNED = "all, delete-orphan"


def _locale_fk(**kw):
    return mapped_column(sa.String(10), sa.ForeignKey("locale.key"), nullable=False, **kw)


def _currency_fk(nullable: bool = False, **kw):
    return mapped_column(sa.String(3), sa.ForeignKey("currency.code"), nullable=nullable, **kw)


class OrgProduct(OrgScoped, Timestamped, db.Model):
    """Something an org sells: a course, a digital download, a service or a physical good."""

    __tablename__ = "org_product"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "slug"),
        sa.Index(None, "org_id", "status"),
        # The catalog listing's matches (app.catalog.queries) from the index alone on PostgreSQL: an
        # org's published products of a type with what the listing filters and sorts on (an
        # index-only scan; without it the org's 500 products at scale were read from 360 heap pages).
        sa.Index(None, "org_id", "status", "type",
                 postgresql_include=["id", "published_at", "created_at", "name"]),
        enum_check("type", PRODUCT_TYPES),
        enum_check("status", PRODUCT_STATUSES),
        sa.CheckConstraint("weight_grams >= 0", name="weight_min"),
    )

    id: Mapped[str] = id_pk()
    slug: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    type: Mapped[str] = enum_col(PRODUCT_TYPES)
    status: Mapped[str] = enum_col(PRODUCT_STATUSES, default="draft")
    tax_category_id: Mapped[str | None] = fk("org_tax_category.id", nullable=True, ondelete="SET NULL")
    brand_id: Mapped[str | None] = fk("org_brand.id", nullable=True, ondelete="SET NULL")
    seo_metadata_id: Mapped[str | None] = fk("seo_metadata.id", nullable=True, ondelete="SET NULL")
    image_url: Mapped[str | None] = mapped_column(sa.String(255))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # type-specific details: a service's booking note, a physical item's weight and shipping note
    booking_note: Mapped[str | None] = mapped_column(sa.Text)
    weight_grams: Mapped[int | None] = mapped_column(sa.Integer)
    shipping_note: Mapped[str | None] = mapped_column(sa.Text)

    translations: Mapped[list[OrgProductTranslation]] = relationship(
        back_populates="product", cascade=_OWNED, passive_deletes=True
    )
    variants: Mapped[list[OrgProductVariant]] = relationship(
        back_populates="product",
        cascade=_OWNED,
        passive_deletes=True,
        order_by=lambda: (OrgProductVariant.sort_order, OrgProductVariant.created_at),
    )
    course: Mapped[OrgProductCourse | None] = relationship(
        "OrgProductCourse",
        backref=backref("product", uselist=False),
        uselist=False,
        cascade=_OWNED,
        passive_deletes=True,
    )
    reviews: Mapped[list[OrgProductReview]] = relationship(
        back_populates="product", cascade=_OWNED, passive_deletes=True
    )
    seo_metadata: Mapped[SeoMetadata | None] = relationship("SeoMetadata")
    brand: Mapped[OrgBrand | None] = relationship("OrgBrand")

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def translation_for(self, *locale_keys: str) -> OrgProductTranslation | None:
        """The first loaded translation matching ``locale_keys`` in order of preference."""
        by_key = {t.locale_key: t for t in self.translations}
        for key in locale_keys:
            if key in by_key:
                return by_key[key]
        return None

    @property
    def default_variant(self) -> OrgProductVariant | None:
        """The variant flagged default, else the first active one (variants load sorted)."""
        active = [v for v in self.variants if v.is_active]
        return next((v for v in active if v.is_default), active[0] if active else None)


class OrgProductTranslation(OrgScoped, Timestamped, db.Model):
    """A product's name and description (and a physical item's shipping note) in one locale."""

    __tablename__ = "org_product_translation"
    __table_args__ = (sa.UniqueConstraint("product_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    product_id: Mapped[str] = fk("org_product.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    shipping_note: Mapped[str | None] = mapped_column(sa.Text)

    product: Mapped[OrgProduct] = relationship(back_populates="translations")


class OrgProductVariant(OrgScoped, Timestamped, db.Model):
    """A purchasable variation of a product; its payment plans carry price and access tier."""

    __tablename__ = "org_product_variant"
    __table_args__ = (sa.UniqueConstraint("org_id", "sku"),)

    id: Mapped[str] = id_pk()
    product_id: Mapped[str] = fk("org_product.id")
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    is_default: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    download_url: Mapped[str | None] = mapped_column(sa.String(255))
    requires_shipping: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)

    product: Mapped[OrgProduct] = relationship(back_populates="variants")
    translations: Mapped[list[OrgProductVariantTranslation]] = relationship(
        back_populates="variant", cascade=_OWNED, passive_deletes=True
    )
    plans: Mapped[list[OrgProductVariantPaymentPlan]] = relationship(
        back_populates="variant",
        cascade=_OWNED,
        passive_deletes=True,
        order_by=lambda: (OrgProductVariantPaymentPlan.sort_order, OrgProductVariantPaymentPlan.created_at),
    )

    @property
    def has_download(self) -> bool:
        """Whether a buyer of this variant gets a file (the publishing check of a download)."""
        return bool(self.download_url)


class OrgProductVariantTranslation(OrgScoped, Timestamped, db.Model):
    """A variant's name in one locale ("Paperback" -> "Taschenbuch")."""

    __tablename__ = "org_product_variant_translation"
    __table_args__ = (sa.UniqueConstraint("variant_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    variant_id: Mapped[str] = fk("org_product_variant.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)

    variant: Mapped[OrgProductVariant] = relationship(back_populates="translations")


class OrgProductVariantPaymentPlan(OrgScoped, Timestamped, db.Model):
    """How a variant is paid for (one-time, subscription, usage-based) and the access tier it grants."""

    __tablename__ = "org_product_variant_payment_plan"
    __table_args__ = (
        enum_check("type", PLAN_TYPES),
        sa.CheckConstraint("access_tier >= 1", name="access_tier_min"),
    )

    id: Mapped[str] = id_pk()
    variant_id: Mapped[str] = fk("org_product_variant.id")
    type: Mapped[str] = enum_col(PLAN_TYPES)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    access_tier: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)

    variant: Mapped[OrgProductVariant] = relationship(back_populates="plans")
    one_time: Mapped[OrgProductVariantPaymentPlanOneTime | None] = relationship(
        back_populates="plan", uselist=False, cascade=_OWNED, passive_deletes=True
    )
    subscription: Mapped[OrgProductVariantPaymentPlanSubscription | None] = relationship(
        back_populates="plan", uselist=False, cascade=_OWNED, passive_deletes=True
    )
    usage_based: Mapped[OrgProductVariantPaymentPlanUsageBased | None] = relationship(
        back_populates="plan", uselist=False, cascade=_OWNED, passive_deletes=True
    )
    market_prices: Mapped[list[OrgProductVariantPaymentPlanMarketPrice]] = relationship(
        back_populates="plan", cascade=_OWNED, passive_deletes=True
    )
    translations: Mapped[list[OrgProductVariantPaymentPlanTranslation]] = relationship(
        back_populates="plan", cascade=_OWNED, passive_deletes=True
    )

    @property
    def terms(
        self,
    ) -> (
        OrgProductVariantPaymentPlanOneTime
        | OrgProductVariantPaymentPlanSubscription
        | OrgProductVariantPaymentPlanUsageBased
        | None
    ):
        """The type-specific extension row matching ``type``."""
        return {
            "one_time": self.one_time,
            "subscription": self.subscription,
            "usage_based": self.usage_based,
        }.get(self.type)

    def price_in(self, market_id: str) -> OrgProductVariantPaymentPlanMarketPrice | None:
        """The active loaded price for a market; a plan without one is not sold there."""
        return next((p for p in self.market_prices if p.market_id == market_id and p.is_active), None)


class OrgProductVariantPaymentPlanTranslation(OrgScoped, Timestamped, db.Model):
    """A payment plan's name and description in one locale."""

    __tablename__ = "org_product_variant_payment_plan_translation"
    __table_args__ = (sa.UniqueConstraint("plan_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)

    plan: Mapped[OrgProductVariantPaymentPlan] = relationship(back_populates="translations")


class OrgProductVariantPaymentPlanOneTime(Timestamped, db.Model):
    """One-time purchase settings of a payment plan."""

    __tablename__ = "org_product_variant_payment_plan_one_time"

    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id", primary_key=True, index=False)
    allow_gift_cards: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    plan: Mapped[OrgProductVariantPaymentPlan] = relationship(back_populates="one_time")


class OrgProductVariantPaymentPlanSubscription(Timestamped, db.Model):
    """Recurring billing settings of a payment plan."""

    __tablename__ = "org_product_variant_payment_plan_subscription"
    __table_args__ = (
        enum_check("interval", INTERVALS),
        sa.CheckConstraint("interval_count >= 1", name="interval_count_min"),
        sa.CheckConstraint("trial_period_days >= 0", name="trial_days_min"),
    )

    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id", primary_key=True, index=False)
    interval: Mapped[str] = enum_col(INTERVALS, default="month")
    interval_count: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    trial_period_days: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)

    plan: Mapped[OrgProductVariantPaymentPlan] = relationship(back_populates="subscription")


class OrgProductVariantPaymentPlanUsageBased(Timestamped, db.Model):
    """Metered billing settings of a payment plan."""

    __tablename__ = "org_product_variant_payment_plan_usage_based"
    __table_args__ = (sa.CheckConstraint("included_units >= 0", name="included_units_min"),)

    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id", primary_key=True, index=False)
    usage_unit: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    included_units: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)

    plan: Mapped[OrgProductVariantPaymentPlan] = relationship(back_populates="usage_based")


class OrgProductVariantPaymentPlanMarketPrice(OrgScoped, Timestamped, db.Model):
    """A plan's price in one market and its currency (per purchase, per interval, or base + per unit)."""

    __tablename__ = "org_product_variant_payment_plan_market_price"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "market_id"),
        sa.CheckConstraint("price >= 0", name="price_min"),
        sa.CheckConstraint("price_per_unit >= 0", name="price_per_unit_min"),
        sa.CheckConstraint("compare_at_price >= 0", name="compare_at_min"),
    )

    id: Mapped[str] = id_pk()
    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id", index=False)
    market_id: Mapped[str] = fk("org_market.id")
    currency_code: Mapped[str] = _currency_fk()
    price: Mapped[Decimal] = money()
    price_per_unit: Mapped[Decimal | None] = money(nullable=True)
    compare_at_price: Mapped[Decimal | None] = money(nullable=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    plan: Mapped[OrgProductVariantPaymentPlan] = relationship(back_populates="market_prices")
    market: Mapped[OrgMarket] = relationship("OrgMarket")


class OrgProductCollection(OrgScoped, Timestamped, db.Model):
    """A curated, ordered group of products."""

    __tablename__ = "org_product_collection"
    __table_args__ = (sa.UniqueConstraint("org_id", "slug"),)

    id: Mapped[str] = id_pk()
    slug: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)

    translations: Mapped[list[OrgProductCollectionTranslation]] = relationship(
        back_populates="collection", cascade=_OWNED, passive_deletes=True
    )
    products: Mapped[list[OrgProductCollectionProduct]] = relationship(
        back_populates="collection",
        cascade=_OWNED,
        passive_deletes=True,
        order_by=lambda: (OrgProductCollectionProduct.sort_order, OrgProductCollectionProduct.created_at),
    )


class OrgProductCollectionTranslation(OrgScoped, Timestamped, db.Model):
    """A collection's name and description in one locale."""

    __tablename__ = "org_product_collection_translation"
    __table_args__ = (sa.UniqueConstraint("collection_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    collection_id: Mapped[str] = fk("org_product_collection.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)

    collection: Mapped[OrgProductCollection] = relationship(back_populates="translations")


class OrgSkillTranslation(OrgScoped, Timestamped, db.Model):
    """An org's name for a platform skill in one locale: its storefront shows it before the platform's
    translation (the taxonomy is shared, so an org never changes another org's names)."""

    __tablename__ = "org_skill_translation"
    __table_args__ = (sa.UniqueConstraint("org_id", "skill_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    skill_id: Mapped[str] = fk("skill.id")
    locale_key: Mapped[str] = _locale_fk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)


class OrgProductCollectionProduct(OrgScoped, Timestamped, db.Model):
    """Membership of a product in a collection, with its position."""

    __tablename__ = "org_product_collection_product"
    __table_args__ = (sa.UniqueConstraint("collection_id", "product_id"),)

    id: Mapped[str] = id_pk()
    collection_id: Mapped[str] = fk("org_product_collection.id", index=False)
    product_id: Mapped[str] = fk("org_product.id")
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)

    collection: Mapped[OrgProductCollection] = relationship(back_populates="products")
    product: Mapped[OrgProduct] = relationship()


class OrgDiscount(OrgScoped, Timestamped, db.Model):
    """A coupon code: percent or fixed off, optionally limited to a market, product or collection."""

    __tablename__ = "org_discount"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "code"),
        enum_check("type", DISCOUNT_TYPES),
        sa.CheckConstraint("value >= 0", name="value_min"),
        sa.CheckConstraint("type <> 'percent' OR value <= 100", name="percent_max"),
        sa.CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="window"),
        sa.CheckConstraint("usage_limit >= 1", name="usage_limit_min"),
        sa.CheckConstraint("times_used >= 0", name="times_used_min"),
        sa.CheckConstraint("usage_limit IS NULL OR times_used <= usage_limit", name="times_used_max"),
        sa.CheckConstraint("per_member_limit >= 1", name="per_member_limit_min"),
    )

    id: Mapped[str] = id_pk()
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    type: Mapped[str] = enum_col(DISCOUNT_TYPES)
    value: Mapped[Decimal] = money()
    currency_code: Mapped[str | None] = _currency_fk(nullable=True)
    market_id: Mapped[str | None] = fk("org_market.id", nullable=True)
    product_id: Mapped[str | None] = fk("org_product.id", nullable=True)
    collection_id: Mapped[str | None] = fk("org_product_collection.id", nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    usage_limit: Mapped[int | None] = mapped_column(sa.Integer)
    times_used: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    # how many orders one member may place with the code (None: no limit per member)
    per_member_limit: Mapped[int | None] = mapped_column(sa.Integer)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    def is_available(self, at: datetime) -> bool:
        """Active, inside its window (``ends_at`` exclusive) and under its usage limit at ``at``."""
        if not self.is_active:
            return False
        if self.starts_at is not None and at < self.starts_at:
            return False
        if self.ends_at is not None and at >= self.ends_at:
            return False
        return self.usage_limit is None or (self.times_used or 0) < self.usage_limit


class OrgProductReview(OrgScoped, Timestamped, db.Model):
    """A member's 1-5 star review of a product (one per member and product)."""

    __tablename__ = "org_product_review"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "member_id"),
        # the storefront's ratings (app.catalog.queries): an index-only scan of one org's reviews
        sa.Index(None, "org_id", "product_id", "is_published", "rating"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[str] = id_pk()
    product_id: Mapped[str] = fk("org_product.id", index=False)
    member_id: Mapped[str] = fk("org_member.id")
    rating: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    title: Mapped[str | None] = mapped_column(sa.String(120))
    body: Mapped[str | None] = mapped_column(sa.Text)
    is_published: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    product: Mapped[OrgProduct] = relationship(back_populates="reviews")
    member: Mapped[OrgMember] = relationship("OrgMember")


class OrgEmployeeProductAttribution(OrgScoped, Timestamped, db.Model):
    """An employee's share (percent of net) of a product's revenue, valid from ``effective_from``
    until ``effective_to`` (open-ended when NULL)."""

    __tablename__ = "org_employee_product_attribution"
    __table_args__ = (
        sa.UniqueConstraint("employee_id", "product_id", "effective_from"),
        enum_check("attribution_type", ATTRIBUTION_TYPES),
        sa.CheckConstraint(
            "revenue_share_percentage >= 0 AND revenue_share_percentage <= 100", name="share_pct_range"
        ),
        sa.CheckConstraint("effective_to IS NULL OR effective_to > effective_from", name="effective_range"),
    )

    id: Mapped[str] = id_pk()
    employee_id: Mapped[str] = fk("org_employee.id", index=False)
    product_id: Mapped[str] = fk("org_product.id")
    revenue_share_percentage: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), nullable=False)
    attribution_type: Mapped[str] = enum_col(ATTRIBUTION_TYPES)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime())

    employee: Mapped[OrgEmployee] = relationship("OrgEmployee")
    product: Mapped[OrgProduct] = relationship("OrgProduct")

    def is_effective_at(self, moment: datetime) -> bool:
        return self.effective_from <= moment and (self.effective_to is None or moment < self.effective_to)


class OrgProductRevenuePool(OrgScoped, Timestamped, db.Model):
    """The sum of a product's attribution percentages, kept at or below 100%."""

    __tablename__ = "org_product_revenue_pool"
    __table_args__ = (
        sa.CheckConstraint(
            "total_allocation_percentage >= 0 AND total_allocation_percentage <= 100",
            name="alloc_pct_range",
        ),
    )

    id: Mapped[str] = id_pk()
    product_id: Mapped[str] = fk("org_product.id", index=False, unique=True)
    total_allocation_percentage: Mapped[Decimal] = mapped_column(
        sa.Numeric(5, 2), default=_ZERO, nullable=False
    )
    last_allocation_by_employee_id: Mapped[str | None] = fk(
        "org_employee.id", nullable=True, ondelete="SET NULL"
    )
    last_allocation_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def remaining_percentage(self) -> Decimal:
        return Decimal("100") - (self.total_allocation_percentage or _ZERO)


# ---- derived read models (maintained by app.catalog.listing on every flush) -----------------

class SearchVector(sa.types.TypeDecorator):
    """A product search document: ``tsvector`` on PostgreSQL; on SQLite plain text that stays empty
    (the FTS5 index ``org_product_search_fts`` over ``name`` and ``body`` does the searching)."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import TSVECTOR

            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(sa.Text())


class OrgProductMarketPriceSummary(OrgScoped, db.Model):
    """Derived: a product's "from" price in a market, the lowest active price of an active plan of
    an active variant there. A row exists exactly when the product has such a price (it is sold in
    the market, if published). Kept in step by app.catalog.listing whenever prices, plans or
    variants are flushed, so listings, price filters and price sorts read one indexed row per
    product instead of aggregating every variant, plan and price of the market."""

    __tablename__ = "org_product_market_price_summary"
    # A market's rows from the index alone on PostgreSQL (an index-only scan: the listing reads
    # product_id and from_price). It serves every lookup by org too, so ``org_id`` has no index of
    # its own: with one (deduplicated, much smaller) PostgreSQL read a market's rows through it and
    # the heap, filtering out the org's other markets.
    # The second: the catalog listing's matches in the default order ("newest", read backwards) with
    # what its filters read, from the index alone: a page of a market's published products and
    # their count without joining the org's products (migration 0012_listsum).
    __table_args__ = (sa.Index(None, "org_id", "market_id", "from_price",
                               postgresql_include=["product_id", "status", "type", "listed_at"]),
                      sa.Index(None, "org_id", "market_id", "status", "listed_at", "product_id",
                               postgresql_include=["from_price", "type"]))

    org_id: Mapped[str] = fk("org.id", index=False)
    product_id: Mapped[str] = fk("org_product.id", primary_key=True, index=False)
    market_id: Mapped[str] = fk("org_market.id", primary_key=True)
    from_price: Mapped[Decimal] = money()
    # Copies of the product's own columns the listing filters and sorts on (kept by
    # app.catalog.listing with the price): its status and type, and ``listed_at``, the "newest"
    # sort's key (published_at, else created_at).
    status: Mapped[str] = enum_col(PRODUCT_STATUSES)
    type: Mapped[str] = enum_col(PRODUCT_TYPES)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


# PostgreSQL estimates a market's rows of the summary as (the org's share) x (the market's share)
# unless told that a market belongs to one org: 36 rows instead of 508 for a market of 508 products
# at scale, and the catalog then joined the org's products one by one (a nested loop of 1,500
# buffers) instead of hashing them (400). Migration 0010_catsql creates the same statistics.
PRICE_SUMMARY_STATISTICS = "st_org_prod_mkt_prc_summary_org_id_mkt_id"
sa.event.listen(
    OrgProductMarketPriceSummary.__table__, "after_create",
    sa.DDL(f"CREATE STATISTICS {PRICE_SUMMARY_STATISTICS} (dependencies) ON org_id, market_id "
           "FROM org_product_market_price_summary").execute_if(dialect="postgresql"),
)


class OrgProductSearchDocument(OrgScoped, db.Model):
    """Derived: the searchable text of a product in one locale (``locale_key`` NULL: the base row,
    written in the org's default locale): its name and description, and on PostgreSQL their
    ``tsvector`` in the language's text-search configuration (GIN-indexed). On SQLite the FTS5
    table ``org_product_search_fts`` indexes ``name`` and ``body`` (kept by triggers). Rewritten
    by app.catalog.listing whenever a product's name or description or a translation is flushed."""

    __tablename__ = "org_product_search_document"
    __table_args__ = (
        # The org in the GIN index itself (PostgreSQL's btree_gin, migration 0013_searchgin): a
        # search reads only its org's postings of its words, instead of every org's matches AND-ed
        # with a bitmap of the org's documents from a second index.
        sa.Index(None, "org_id", "document", postgresql_using="gin"),
        sa.Index(None, "org_id", "locale_key"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)  # the FTS5 rowid
    product_id: Mapped[str] = fk("org_product.id")
    locale_key: Mapped[str | None] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str | None] = mapped_column(sa.Text)
    document: Mapped[str | None] = mapped_column(SearchVector())


# PostgreSQL: the operator classes that let a GIN index hold a plain column (org_id) beside the
# tsvector; a contrib extension shipped with PostgreSQL, trusted (a database owner may create it).
BTREE_GIN = "CREATE EXTENSION IF NOT EXISTS btree_gin"
sa.event.listen(OrgProductSearchDocument.__table__, "before_create",
                sa.DDL(BTREE_GIN).execute_if(dialect="postgresql"))


# SQLite: the FTS5 index over the search documents (an external-content table: it stores only the
# index; triggers keep it in step with org_product_search_document). Alembic and the schema test
# leave these tables (and FTS5's shadow tables, all prefixed FTS_TABLE) alone: see
# migrations/versions/0008_s_search_and_price_summary.py, which creates the same on SQLite.
FTS_TABLE = "org_product_search_fts"
SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE org_product_search_fts USING fts5(name, body, "
    "content='org_product_search_document', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER org_product_search_fts_ai AFTER INSERT ON org_product_search_document BEGIN "
    "INSERT INTO org_product_search_fts(rowid, name, body) VALUES (new.id, new.name, new.body); END",
    "CREATE TRIGGER org_product_search_fts_ad AFTER DELETE ON org_product_search_document BEGIN "
    "INSERT INTO org_product_search_fts(org_product_search_fts, rowid, name, body) "
    "VALUES ('delete', old.id, old.name, old.body); END",
    "CREATE TRIGGER org_product_search_fts_au AFTER UPDATE ON org_product_search_document BEGIN "
    "INSERT INTO org_product_search_fts(org_product_search_fts, rowid, name, body) "
    "VALUES ('delete', old.id, old.name, old.body); "
    "INSERT INTO org_product_search_fts(rowid, name, body) VALUES (new.id, new.name, new.body); END",
)

for _statement in SQLITE_FTS_DDL:
    sa.event.listen(OrgProductSearchDocument.__table__, "after_create",
                    sa.DDL(_statement).execute_if(dialect="sqlite"))
sa.event.listen(OrgProductSearchDocument.__table__, "after_drop",
                sa.DDL("DROP TABLE IF EXISTS org_product_search_fts").execute_if(dialect="sqlite"))


def is_schema_object(name: str, type_: str, _parent=None) -> bool:
    """For Alembic's ``include_name``: False for the SQLite FTS5 tables, which no model describes."""
    return not (type_ == "table" and name.startswith(FTS_TABLE))
