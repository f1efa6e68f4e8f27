"""Read side of the storefront catalog: what a market sells, filtered, sorted and paginated.

A product is sold in a market when it is published and at least one active plan of an active
variant has an active price in that market. Every function issues a fixed number of queries,
whatever the size of the catalog (eager loading, no per-row lazy loads).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import UserJobProfile, UserProfile
from app.catalog import search
from app.catalog.models import OrgEmployeeProductAttribution as Attribution
from app.catalog.models import (
    OrgProduct,
    OrgProductCollection,
    OrgProductCollectionProduct,
    OrgProductCollectionTranslation,
    OrgProductMarketPriceSummary,
    OrgProductReview,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
    OrgProductVariantPaymentPlanSubscription,
    OrgProductVariantPaymentPlanTranslation,
    OrgProductVariantPaymentPlanUsageBased,
    OrgProductVariantTranslation,
    OrgSkillTranslation,
)
from app.checks import MAX_AMOUNT, decimal_or_none, whole_or_none
from app.courses.models import (
    OrgProductCourse,
    OrgProductCourseRating,
    OrgProductCourseSkill,
)
from app.db import plain_rows, prebuilt, utcnow, with_kept_hash
from app.extensions import db
from app.markets.chain_sql import (
    CHAIN_SLOTS,
    chain_locales,
    chain_slots,
    chain_values,
    in_chain,
)
from app.markets.models import OrgBrand
from app.markets.storefront import Storefront
from app.orgs.models import OrgEmployee, OrgMember
from app.platform.images import ImageView, OrgImage
from app.platform.models import SeoMetadata, SeoMetadataOpenGraph, Skill, SkillTranslation
from app.web.jinja import _money_filter as money
from app.web.labels import gettext as _
from app.web.labels import interval_label, ngettext, price_per_unit, units_included

SORTS = ("relevance", "newest", "price_asc", "price_desc", "name", "rating")
PER_PAGE = 12
COUNT_LIMIT = 1_000  # a listing counts its matches up to here ("more than 1,000 products")
MAX_PAGE = 10_000
PRICE_STEP = Decimal("0.0001")  # Numeric(12, 4)


# ---- sold-in-market building blocks -------------------------------------------------------

def from_prices(storefront: Storefront):
    """The org's "from" prices in the storefront's market (app.catalog.listing keeps them): join it
    on ``product_id`` to keep the products sold there; ``from_price`` is the lowest price a buyer can pay in one payment (the rule is in
    ``listing.refresh_price_summary``)."""
    summary = sa.orm.aliased(OrgProductMarketPriceSummary, name="from_prices")
    return summary, sa.and_(summary.org_id == storefront.org_id, summary.market_id == storefront.market_id)


def market_assortment(org_id: str, market_id: str) -> tuple[list[tuple[OrgProduct, Decimal]], list[OrgProduct]]:
    """The org's published products split by a market (one query): those it sells, each with its
    "from" price (the storefront's rule: the price summary ``from_prices`` reads), and those
    without a price in it."""
    summary = OrgProductMarketPriceSummary
    rows = db.session.execute(
        sa.select(OrgProduct, summary.from_price)
        .outerjoin(summary, sa.and_(summary.product_id == OrgProduct.id, summary.org_id == org_id,
                                    summary.market_id == market_id))
        .where(OrgProduct.org_id == org_id, OrgProduct.status == "published")
        .order_by(sa.func.lower(OrgProduct.name), OrgProduct.id)
    ).all()
    sold = [(product, price) for product, price in rows if price is not None]
    missing = [product for product, price in rows if price is None]
    return sold, missing


def ratings(org_id: str):
    """Subquery: product_id -> average published rating and review count, over one org's reviews."""
    review = OrgProductReview
    return (
        sa.select(
            review.product_id.label("product_id"),
            sa.func.avg(review.rating).label("avg_rating"),
            sa.func.count().label("review_count"),
        )
        .where(review.org_id == org_id, review.is_published.is_(True))
        .group_by(review.product_id)
        .subquery("ratings")
    )


def _rating_of(org_id: str, product_id=OrgProduct.id):
    """Correlated (average, count) of the outer product's (``product_id``'s) published reviews:
    evaluated only for the rows a page returns."""
    review = sa.orm.aliased(OrgProductReview, name="rv")  # short: see ``_creators``
    where = (review.org_id == org_id, review.product_id == product_id, review.is_published.is_(True))
    return (sa.select(sa.func.avg(review.rating)).where(*where).scalar_subquery(),
            sa.select(sa.func.count()).where(*where).scalar_subquery())


def _rating_lateral(org_id, product_id):
    """``_rating_of`` as one LATERAL subquery (``avg_rating``, ``review_count``): the product's
    reviews read once for both (PostgreSQL; SQLite has no LATERAL)."""
    review = sa.orm.aliased(OrgProductReview, name="rv")
    return (sa.select(sa.func.avg(review.rating).label("avg_rating"), sa.func.count().label("review_count"))
            .where(review.org_id == org_id, review.product_id == product_id, review.is_published.is_(True))
            .lateral("rt"))


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
    total: int  # at most COUNT_LIMIT
    page: int
    per_page: int
    more: bool = False  # more than ``total`` products match (the count stopped at COUNT_LIMIT)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# The listing's statements are built once per process for each shape of the filters (which of them
# are set, and the sort), their values passed as bound parameters: building the statement and its
# SQLAlchemy cache key was a large part of an uncached catalog page. A text search is a shape too
# (on PostgreSQL the content chain's languages shape it; the words are values).
_SHAPES = 64
# The content chain's languages in the listing's statement: a fixed number of bound parameters
# (app.markets.chain_sql).


def _filtered(filters: CatalogFilters, matches=None):
    """The products matching ``filters`` with their "from" price (and search rank when searching),
    read from the storefront's market's price summary, which holds each product's status, type and
    "newest" key beside its price (app.catalog.listing): no join of the org's products. Every table
    read is limited to the storefront's org and market. The org, the market and the filters'
    values are bound parameters (``org_id``, ``market_id``, ``type``, ...): only which filters are
    set shapes the statement."""
    org = sa.bindparam("org_id")
    fp = sa.orm.aliased(OrgProductMarketPriceSummary, name="from_prices")

    def value(name):
        return sa.bindparam(name)

    product_id = fp.product_id
    columns = [product_id, fp.from_price.label("from_price")]
    if matches is not None:
        columns.append(matches.c.rank.label("rank"))
    stmt = (
        sa.select(*columns)
        .select_from(fp)
        .where(fp.org_id == org, fp.market_id == sa.bindparam("market_id"), fp.status == "published")
    )
    if filters.sort == "name":  # the name is the product's own (in the org's published products' index)
        stmt = stmt.join(OrgProduct, sa.and_(OrgProduct.id == product_id, OrgProduct.org_id == org,
                                             OrgProduct.status == "published"))
    if matches is not None:
        stmt = stmt.join(matches, matches.c.product_id == product_id)
    elif filters.q:  # nothing searchable in the text (only punctuation): nothing matches
        stmt = stmt.where(sa.false())
    if filters.type:
        stmt = stmt.where(fp.type == value("type"))
    if filters.collection:
        stmt = stmt.where(
            sa.exists()
            .where(OrgProductCollectionProduct.product_id == product_id)
            .where(OrgProductCollectionProduct.collection_id == OrgProductCollection.id)
            .where(OrgProductCollection.org_id == org)
            .where(OrgProductCollection.slug == value("collection"))
        )
    if filters.skill:
        stmt = stmt.where(
            sa.exists()
            .where(OrgProductCourseSkill.course_product_id == product_id)
            .where(OrgProductCourseSkill.org_id == org)
            .where(OrgProductCourseSkill.skill_id == Skill.id)
            .where(Skill.slug == value("skill"))
        )
    if filters.level:
        stmt = stmt.where(
            sa.exists()
            .where(OrgProductCourse.product_id == product_id)
            .where(OrgProductCourse.org_id == org)
            .where(OrgProductCourse.level == value("level"))
        )
    if filters.min_price is not None:
        stmt = stmt.where(fp.from_price >= value("min_price"))
    if filters.max_price is not None:
        stmt = stmt.where(fp.from_price <= value("max_price"))
    return stmt, fp, org


def _order_spec(filters: CatalogFilters, fp, matches, rt) -> list[tuple]:
    """The sort's (expression, descending) keys, the product id last (a stable order). "Newest" is
    the summary's ``listed_at``: the product's published_at, else its created_at."""
    newest = (fp.listed_at, True)
    orders = {
        "newest": [newest],
        "relevance": [(matches.c.rank, True), newest] if matches is not None else [newest],
        "price_asc": [(fp.from_price, False)],
        "price_desc": [(fp.from_price, True)],
        "name": [(sa.func.lower(OrgProduct.name), False)],
        "rating": [(sa.func.coalesce(rt.c.avg_rating, 0), True), (sa.func.coalesce(rt.c.review_count, 0), True)]
        if rt is not None else [],
    }
    return [*orders[filters.sort], (fp.product_id, False)]


# Sorts whose keys the summary holds: the page and the count each read the market's matches in
# the summary's own index (the page stops after its rows), with no set of matches built first.
_DIRECT_SORTS = ("newest", "price_asc", "price_desc")


def _listing_statement(filters: CatalogFilters, matches=None, slots: int = CHAIN_SLOTS, lateral: bool = False):
    """The listing in one statement: the count of matches up to COUNT_LIMIT + 1 and one page, as
    plain rows in the page's order, each product followed by its translations and its creators:

    * (``part`` 0) total, 0, position, id, slug, type, image_url, name, description, brand name,
      "from" price, the cover image's key, widths, width, height and alt text, average rating,
      review count (and NULL, NULL); when the page is empty, one such row with the total alone;
    * (1) NULL, 1, position, product id, a translation's locale, name and description (and NULLs):
      one per translation in the page's content chain (bound parameters ``chain_locale_0`` to
      ``chain_locale_<slots - 1>``, None past the chain's end);
    * (2) NULL, 2, position, product id, a creator's attribution id, display name and profile slug,
      (NULLs), the avatar's key, widths, width, height and alt text, (NULLs), whether the profile is
      public, the share: one per creator attributed at ``now``, the largest share first.

    ``count_limit``, ``limit`` and ``offset`` are bound parameters. (It was six statements, each a
    round trip: the count, the page, the covers, the translations and the creators.) ``lateral``
    (PostgreSQL): a product's rating and review count in one lateral subquery instead of two
    scalar subqueries (SQLite has no LATERAL)."""
    stmt, fp, org = _filtered(filters, matches)
    rt = None
    extra = []
    if filters.sort == "rating":
        rt = ratings(org)
        stmt = stmt.outerjoin(rt, rt.c.product_id == fp.product_id)
        extra = [rt.c.avg_rating.label("avg_rating"), rt.c.review_count.label("review_count")]
    spec = _order_spec(filters, fp, matches, rt)
    if matches is None and filters.sort in _DIRECT_SORTS:
        # The page and the count straight from the summary's index, each scan stopping at its bound
        # (a page needs offset + limit rows of the market's matches in order, the count
        # COUNT_LIMIT + 1).
        source = stmt.with_only_columns(fp.product_id.label("id"), fp.from_price.label("from_price"),
                                        *(key.label(f"k{n}") for n, (key, _d) in enumerate(spec[:-1])))
        ordered = [key.desc() if descending else key.asc() for key, descending in spec]
        chosen = source.order_by(*ordered).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
        bounded = stmt.with_only_columns(fp.product_id).limit(sa.bindparam("count_limit")).subquery("bounded")
    else:
        # The matches with their sort keys, computed once (a CTE read twice is materialized): the
        # count and the page read it instead of each searching or aggregating again. The last key
        # is the product id, the CTE's own ``id``.
        matched = stmt.with_only_columns(
            fp.product_id.label("id"), fp.from_price.label("from_price"), *extra,
            *(key.label(f"k{n}") for n, (key, _descending) in enumerate(spec[:-1])),
        ).cte("matched")
        keys = [*(matched.c[f"k{n}"].desc() if descending else matched.c[f"k{n}"].asc()
                  for n, (_key, descending) in enumerate(spec[:-1])), matched.c.id.asc()]
        chosen = sa.select(matched).order_by(*keys).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
        bounded = sa.select(matched.c.id).limit(sa.bindparam("count_limit")).subquery("bounded")
    counted = sa.select(sa.func.count().label("total")).select_from(bounded).subquery("counted")
    # The page's rows numbered in their order (over the page's rows alone: the rows before it were
    # only counted past).
    chosen = chosen.subquery("chosen")
    keys = [*(chosen.c[f"k{n}"].desc() if descending else chosen.c[f"k{n}"].asc()
              for n, (_key, descending) in enumerate(spec[:-1])), chosen.c.id.asc()]
    page_rows = (
        sa.select(chosen.c.id, chosen.c.from_price, *(chosen.c[c.name] for c in extra),
                  sa.func.row_number().over(order_by=keys).label("position"))
        .cte("page")
    )
    # Three parts, each read once per product of the page (the page's rows are a CTE read three
    # times): the products (with the count, their brand, cover and ratings), their translations in
    # the chain and their creators. As one join, every product came once per translation and
    # creator, and PostgreSQL looked up the creators once per translation and the ratings once per
    # row (4 rows of ~1 kB per product on a German page).
    product, cover = sa.orm.aliased(OrgProduct, name="p"), sa.orm.aliased(OrgImage, name="cover")  # see _creators
    text = sa.orm.aliased(OrgProductTranslation, name="texts")
    creators = _creators(org).subquery("cr")
    product_part = (
        page_rows.join(product, product.id == page_rows.c.id)
        .outerjoin(OrgBrand, OrgBrand.id == product.brand_id)
        .outerjoin(cover, cover.product_id == product.id)
    )
    if rt is not None:
        rating = (page_rows.c.avg_rating, page_rows.c.review_count)
    elif lateral:
        rated = _rating_lateral(org, product.id)
        product_part = product_part.join(rated, sa.true())
        rating = (rated.c.avg_rating, rated.c.review_count)
    else:
        rating = _rating_of(org, product.id)
    nothing = sa.literal_column("NULL")  # (sa.null() is labelled "anon__<n>": longer SQL, see _creators)
    return sa.union_all(
        sa.select(counted.c.total, sa.literal_column("0").label("part"), page_rows.c.position, product.id,
                  product.slug, product.type, product.image_url, product.name, product.description,
                  OrgBrand.name.label("brand_name"), page_rows.c.from_price,
                  cover.key, cover.widths, cover.width, cover.height, cover.alt_text,
                  rating[0].label("avg_rating"), rating[1].label("review_count"),
                  sa.cast(sa.null(), sa.Boolean).label("is_public"), sa.cast(sa.null(), sa.Numeric).label("share"))
        .select_from(counted.outerjoin(product_part, sa.true())),
        # a translation: its locale, name and description in the slug, type and image_url columns
        sa.select(nothing, sa.literal_column("1"), page_rows.c.position, text.product_id,
                  text.locale_key, text.name, text.description, *(nothing,) * 13)
        .join_from(page_rows, text, sa.and_(text.product_id == page_rows.c.id, in_chain(text.locale_key, slots))),
        # a creator: the attribution's id, the display name and the profile's slug in the slug, type
        # and image_url columns, the avatar in the cover's
        sa.select(nothing, sa.literal_column("2"), page_rows.c.position, creators.c.product_id,
                  creators.c.attribution_id, creators.c.display_name, creators.c.slug, nothing, nothing, nothing,
                  nothing, creators.c.key, creators.c.widths, creators.c.width, creators.c.height,
                  creators.c.alt_text, nothing, nothing, creators.c.is_public, creators.c.share)
        .join_from(page_rows, creators, creators.c.product_id == page_rows.c.id),
    ).order_by(sa.literal_column("position"), sa.literal_column("part"), sa.literal_column("share").desc(),
               sa.literal_column("type"))


@functools.lru_cache(maxsize=_SHAPES)
def _prebuilt_listing(shape: tuple, search_shape: tuple | None, slots: int = CHAIN_SLOTS, dialect: str = ""):
    """The listing's statement for one shape of the filters (and of the text search) on one
    database, with bound parameters (built once)."""
    matches = search.matching_subquery(*search_shape, slots) if search_shape is not None else None
    return with_kept_hash(_listing_statement(CatalogFilters(*shape), matches, slots,
                                             lateral=dialect == "postgresql"))


def _shape(filters: CatalogFilters) -> tuple:
    """Filters with each set value replaced by a stand-in: what shapes the statement, not its values."""
    return ("x" if filters.q else "", "x" if filters.type else "", "x" if filters.collection else "",
            "x" if filters.skill else "", "x" if filters.level else "",
            None if filters.min_price is None else Decimal(0), None if filters.max_price is None else Decimal(0),
            filters.sort, 1)


def catalog_page(storefront: Storefront, filters: CatalogFilters, chain: list[str],
                 per_page: int = PER_PAGE) -> CatalogPage:
    """One page of the catalog in one statement whatever the catalog's size (a second when the page
    asked for is past the last one): ``_listing_statement``, the count (which stops at COUNT_LIMIT)
    and the page's rows, chosen on ids and sort keys only, then loaded with their covers,
    translations, creators and ratings (a deep page loads and rates 12 products, as the first
    does; only a sort by rating aggregates the org's reviews, an index-only scan). Plain rows, no
    ORM objects."""
    searching = search.prepared(filters.q, chain) if filters.q else None
    search_shape, search_values = searching if searching is not None else (None, {})
    locales = chain_locales(chain)
    statement = _prebuilt_listing(_shape(filters), search_shape, chain_slots(locales),
                                  db.session.get_bind().dialect.name)
    values = {"limit": per_page, "count_limit": COUNT_LIMIT + 1, "org_id": storefront.org_id,
              "market_id": storefront.market_id, "type": filters.type, "collection": filters.collection,
              "skill": filters.skill, "level": filters.level, "min_price": filters.min_price,
              "max_price": filters.max_price, "now": utcnow(),
              **chain_values(locales),
              **search_values}
    page = filters.page
    rows = plain_rows(db.session, statement, {**values, "offset": (page - 1) * per_page}).all()
    counted = rows[0][0] if rows else 0  # total
    total = min(counted or 0, COUNT_LIMIT)
    pages = max(1, math.ceil(total / per_page))
    if page > pages:  # past the last page: show the last one
        page = pages
        rows = plain_rows(db.session, statement, {**values, "offset": (page - 1) * per_page}).all()
    # Plain tuples by position (the statement's column order, see ``_listing_statement``): a row's
    # attribute access by name costs a key lookup each.
    products: dict[str, tuple] = {}
    texts: dict[str, dict[str, tuple]] = {}
    creators: dict[str, dict[str, Creator]] = {}
    for row in rows:  # in the page's order: a product, its translations, its creators
        product_id = row[3]
        if product_id is None:  # the count's own row of an empty page
            continue
        part = row[1]
        if part == 0:
            products[product_id] = row
        elif part == 1:
            texts.setdefault(product_id, {})[row[4]] = (row[5], row[6])
        else:
            creators.setdefault(product_id, {})[row[4]] = Creator(
                name=row[5], slug=row[6] if row[18] else None, avatar=ImageView.of(*row[11:16]) if row[11] else None)

    def text(product_id: str, index: int, base):
        """``translated``: the first non-empty value in the chain's languages, else the base row's."""
        found = texts.get(product_id)
        if found:
            for key in locales:
                values = found.get(key)
                if values is not None and values[index]:
                    return values[index]
        return base

    cards = [
        ProductCard(
            slug=row[4],
            type=row[5],
            image_url=row[6],
            name=text(product_id, 0, row[7]),
            summary=_summary(text(product_id, 1, row[8])),
            from_price=row[10],
            avg_rating=float(row[16]) if row[16] is not None else None,
            review_count=row[17] or 0,
            brand_name=row[9],
            creators=list(creators[product_id].values()) if product_id in creators else [],
            image=ImageView.of(*row[11:16]) if row[11] else None,
        )
        for product_id, row in products.items()
    ]
    return CatalogPage(cards=cards, total=total, page=page, per_page=per_page, more=(counted or 0) > COUNT_LIMIT)


def _summary(text: str | None, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _creators(org_id=None, product_id=None):
    """The people attributed as creators of products right now (bound parameter ``now``), with
    their avatars, optionally of one org and one product (a column or a scalar subquery):
    (attribution_id, product_id, share, display_name, slug, is_public, and the avatar's key,
    widths, width, height and alt_text). Short table aliases: psycopg converts (and caches) the SQL
    of a statement up to 4,096 characters once, a longer one on every run."""
    now = sa.bindparam("now")
    attribution, employee = sa.orm.aliased(Attribution, name="attr"), sa.orm.aliased(OrgEmployee, name="emp")
    avatar, member = sa.orm.aliased(OrgImage, name="avatar"), sa.orm.aliased(OrgMember, name="mem")
    profile, job = sa.orm.aliased(UserProfile, name="prof"), sa.orm.aliased(UserJobProfile, name="job")
    stmt = (
        sa.select(attribution.id.label("attribution_id"), attribution.product_id.label("product_id"),
                  attribution.revenue_share_percentage.label("share"), profile.display_name.label("display_name"),
                  job.slug.label("slug"), job.is_public.label("is_public"),
                  avatar.key.label("key"), avatar.widths.label("widths"), avatar.width.label("width"),
                  avatar.height.label("height"), avatar.alt_text.label("alt_text"))
        .join(employee, employee.id == attribution.employee_id)
        .outerjoin(avatar, avatar.employee_id == employee.id)
        .join(member, member.id == employee.member_id)
        .join(profile, profile.id == member.user_profile_id)
        .outerjoin(job, job.id == employee.job_profile_id)
        .where(
            # Not ``in_(...)``: a literal IN list is an "expanding" parameter, rendered on every run.
            sa.or_(attribution.attribution_type == "creator", attribution.attribution_type == "collaborator"),
            attribution.effective_from <= now,
            sa.or_(attribution.effective_to.is_(None), attribution.effective_to > now),
        )
    )
    if org_id is not None:
        stmt = stmt.where(attribution.org_id == org_id)
    return stmt.where(attribution.product_id == product_id) if product_id is not None else stmt


@prebuilt
def _facet_rows():
    """Collections and skills leading to something sold in a market, with their translations, in one
    statement of plain rows (kind, id, slug, base name, sort order, locale_key, translated name):
    a collection or skill once per translation, or once with no locale; then ("own", skill id, ...)
    the org's own names for skills (``facets`` applies those of the skills listed). Whether a
    collection or skill leads to something sold is asked once per collection and once for the skills
    (it was asked twice for each, once per part of the statement that read their names)."""
    org, market = sa.bindparam("org_id"), sa.bindparam("market_id")
    summary = sa.orm.aliased(OrgProductMarketPriceSummary, name="from_prices")

    def sold(product_id) -> tuple:
        """Conditions: ``product_id`` (a column to join on) is published and sold in the market."""
        return (summary.product_id == product_id, summary.org_id == org, summary.market_id == market,
                OrgProduct.id == product_id, OrgProduct.org_id == org, OrgProduct.status == "published")

    c, ct, link, sk, st, own = (OrgProductCollection, OrgProductCollectionTranslation, OrgProductCollectionProduct,
                                Skill, SkillTranslation, OrgSkillTranslation)
    course_skill = OrgProductCourseSkill
    no_text = sa.cast(sa.null(), sa.String)
    return sa.union_all(
        sa.select(sa.literal_column("'collection'").label("kind"), c.id.label("id"), c.slug.label("slug"),
                  c.name.label("base"), c.sort_order.label("sort_order"), ct.locale_key.label("locale_key"),
                  ct.name.label("name"))
        .outerjoin(ct, ct.collection_id == c.id)
        .where(c.org_id == org,
               sa.exists().where(link.collection_id == c.id, *sold(link.product_id))),
        sa.select(sa.literal_column("'skill'"), sk.id, sk.slug, sk.name, sa.literal_column("0"), st.locale_key,
                  st.name)
        .outerjoin(st, st.skill_id == sk.id)
        .where(sk.id.in_(sa.select(course_skill.skill_id)
                         .where(course_skill.org_id == org, *sold(course_skill.course_product_id)))),
        sa.select(sa.literal_column("'own'"), own.skill_id, no_text, no_text, sa.literal_column("0"),
                  own.locale_key, own.name)
        .where(own.org_id == org),
    )


def facets(storefront: Storefront, chain: Sequence[str | None] = ()) -> dict:
    """Collections and skills that lead to something sold in this market, named in the content
    ``chain``'s language (one query): collections in their order, skills by name."""
    # (kind, id) -> [slug, sort order, base name, {locale: name}]; a skill's org name wins over the
    # platform's translation in the same locale
    found: dict[tuple[str, str], list] = {}
    own = []
    rows = plain_rows(db.session, _facet_rows(), {"org_id": storefront.org_id, "market_id": storefront.market_id})
    for kind, id_, slug, base, sort_order, locale_key, name in rows.all():
        if kind == "own":
            own.append((id_, locale_key, name))
            continue
        entry = found.get((kind, id_))
        if entry is None:
            entry = found[(kind, id_)] = [slug, sort_order, base, {}]
        if locale_key is not None:
            entry[3][locale_key] = name
    for skill_id, locale_key, name in own:
        entry = found.get(("skill", skill_id))
        if entry is not None:
            entry[3][locale_key] = name
    locales = chain_locales(chain)

    def named(kind: str) -> list[tuple]:
        result = []
        for key, (slug, order, base, texts) in found.items():
            if key[0] != kind:
                continue
            name = base
            for locale in locales:
                if texts.get(locale):
                    name = texts[locale]
                    break
            result.append((slug, order, base, name))
        return result

    collections = sorted(named("collection"), key=lambda item: (item[1], item[2]))
    skills = sorted(named("skill"), key=lambda item: item[3].lower())
    return {"collections": [(slug, name) for slug, _order, _base, name in collections],
            "skills": [(slug, name) for slug, _order, _base, name in skills]}


# ---- product page -------------------------------------------------------------------------------
# Plain rows from statements built once per process (app.db.prebuilt), never ORM objects: the page
# is plain data (app.catalog.pages), and loading the product's object graph (variants, plans,
# prices, the course tree and every translation) was most of an uncached product page's time.

Plan, Variant, Price = OrgProductVariantPaymentPlan, OrgProductVariant, OrgProductVariantPaymentPlanMarketPrice


@dataclass(frozen=True)
class ProductRow:
    """The product page's own row: the product with its brand, SEO metadata and course facts."""

    id: str
    slug: str
    type: str
    name: str
    description: str | None
    image_url: str | None
    brand_name: str | None
    weight_grams: int | None
    shipping_note: str | None
    seo: tuple  # SeoMetadata (title, description, keywords, canonical_url, robots_directive) or Nones
    og: tuple | None  # SeoMetadataOpenGraph (title, description, image_url, image_alt, type)
    course: tuple | None  # (level, difficulty) of a course product
    translations: dict[str, tuple[str, str | None, str | None]]  # locale -> (name, description, shipping note)
    image: ImageView | None = None  # the uploaded cover
    creators: list[Creator] = field(default_factory=list)  # attributed now, the largest share first
    ratings: tuple = (0, None, None)  # a course's learner ratings: (how many, sum of difficulties, commonest level)

    @property
    def community_rating(self) -> tuple[float | None, int, str | None]:
        """The learners' average difficulty, how many rated the course and the commonest level they gave."""
        count, total, level = self.ratings
        if not count:
            return None, 0, None
        return float(total / count), count, level

    def text(self, field: str, chain: Sequence[str | None]):
        """``translated`` over the loaded translations."""
        index = ("name", "description", "shipping_note").index(field)
        for key in chain:
            if key is None:
                break
            values = self.translations.get(key)
            if values is not None and values[index]:
                return values[index]
        return getattr(self, field)


def ratings_part(product_id) -> tuple:
    """The learner ratings of the course ``product_id`` (SQL) per level: (level, how many, the sum of
    their difficulties) rows, for the page's "learners say" (``ratings_of``): a part of the product
    page's statement (``app.db.tagged_union``: its select, no order). One scan of the ratings (they
    were three subqueries, each scanning them)."""
    rating = OrgProductCourseRating
    return (sa.select(rating.level, sa.func.count(rating.id), sa.func.sum(rating.difficulty))
            .where(rating.course_product_id == product_id).group_by(rating.level)), ()


def ratings_of(rows) -> tuple:
    """``ratings_part``'s rows as (how many, the sum of difficulties, the commonest level; ties: the
    first level in alphabetical order), or (0, None, None)."""
    if not rows:
        return 0, None, None
    count = sum(row[1] for row in rows)
    total = sum(row[2] for row in rows)
    level = min(rows, key=lambda row: (-row[1], row[0]))[0]
    return count, total, level


def published_product_id():
    """SQL: the id of the org's (``:org_id``) published product ``:slug``."""
    return (sa.select(OrgProduct.id).where(OrgProduct.org_id == sa.bindparam("org_id"),
                                           OrgProduct.slug == sa.bindparam("slug"), OrgProduct.status == "published")
            .scalar_subquery())


_PRODUCT_COLUMNS = ("id", "slug", "type", "name", "description", "image_url", "brand_id", "weight_grams",
                    "shipping_note", "seo_metadata_id")


def published_product():
    """A CTE ``p``: the org's (``:org_id``) published product ``:slug`` (the columns the product page
    reads), looked up once for every part of the product page's statement on PostgreSQL (each part
    looked it up by its slug again)."""
    columns = OrgProduct.__table__.c
    return (sa.select(*(columns[name] for name in _PRODUCT_COLUMNS))
            .where(OrgProduct.org_id == sa.bindparam("org_id"), OrgProduct.slug == sa.bindparam("slug"),
                   OrgProduct.status == "published")
            .cte("p"))


def product_part(slots: int, found=None) -> tuple:
    """The org's (``:org_id``) published product ``:slug`` (or the row of ``found``, a
    ``published_product``) with its brand, SEO metadata, course
    facts and cover, once per translation in the content chain (``in_chain``) and
    creator attributed at ``:now`` (with their avatar; as the catalog listing reads them), or once
    without; the creators' order (the largest share first): a part of the product page's statement
    (``app.db.tagged_union``: its select and its order)."""
    og = SeoMetadataOpenGraph
    t = OrgProductTranslation
    org = sa.bindparam("org_id")
    if found is None:
        product, found_from = OrgProduct.__table__.c, OrgProduct.__table__
        this_product = (sa.select(OrgProduct.id).where(OrgProduct.org_id == org,
                                                       OrgProduct.slug == sa.bindparam("slug"))
                        .scalar_subquery())
        where = (OrgProduct.org_id == org, OrgProduct.slug == sa.bindparam("slug"), OrgProduct.status == "published")
    else:
        product, found_from = found.c, found
        this_product, where = sa.select(found.c.id).scalar_subquery(), ()
    creators = _creators(org, this_product).subquery("creators")
    return (
        sa.select(
            product.id, product.slug, product.type, product.name, product.description,
            product.image_url, OrgBrand.name, product.weight_grams, product.shipping_note,
            SeoMetadata.id, SeoMetadata.title, SeoMetadata.description, SeoMetadata.keywords,
            SeoMetadata.canonical_url, SeoMetadata.robots_directive,
            og.seo_metadata_id, og.title, og.description, og.image_url, og.image_alt, og.type,
            OrgProductCourse.product_id, OrgProductCourse.level, OrgProductCourse.difficulty,
            OrgImage.key, OrgImage.widths, OrgImage.width, OrgImage.height, OrgImage.alt_text,
            t.locale_key, t.name, t.description, t.shipping_note,
            creators.c.attribution_id, creators.c.display_name, creators.c.slug, creators.c.is_public,
            creators.c.key, creators.c.widths, creators.c.width, creators.c.height, creators.c.alt_text,
        )
        .select_from(found_from)
        .outerjoin(OrgBrand, OrgBrand.id == product.brand_id)
        .outerjoin(SeoMetadata, SeoMetadata.id == product.seo_metadata_id)
        .outerjoin(og, og.seo_metadata_id == SeoMetadata.id)
        .outerjoin(OrgProductCourse, OrgProductCourse.product_id == product.id)
        .outerjoin(OrgImage, OrgImage.product_id == product.id)
        .outerjoin(t, sa.and_(t.product_id == product.id,
                              in_chain(t.locale_key, slots)))
        .outerjoin(creators, creators.c.product_id == product.id)
        .where(*where)
    ), (creators.c.share.desc(), creators.c.display_name)


def product_of(rows, ratings=()) -> ProductRow | None:
    """The ``ProductRow`` of ``product_part``'s rows (None: no such published product). Whether it
    is sold in the market is ``offers_of``'s answer: it is when it has an offer there."""
    if not rows:
        return None
    row = rows[0]
    translations = {}
    creators: dict[str, Creator] = {}
    for r in rows:  # once per translation and creator
        if r[29] is not None:
            translations[r[29]] = (r[30], r[31], r[32])
        if r[33] is not None and r[33] not in creators:
            creators[r[33]] = Creator(name=r[34], slug=r[35] if r[36] else None,
                                      avatar=ImageView.of(*r[37:42]) if r[37] else None)
    return ProductRow(
        id=row[0], slug=row[1], type=row[2], name=row[3], description=row[4], image_url=row[5], brand_name=row[6],
        weight_grams=row[7], shipping_note=row[8],
        seo=tuple(row[10:15]) if row[9] is not None else (None,) * 5,
        og=tuple(row[16:21]) if row[15] is not None else None,
        course=(row[22], row[23]) if row[21] is not None else None,
        translations=translations,
        image=ImageView.of(*row[24:29]) if row[24] else None,
        creators=list(creators.values()),
        ratings=ratings_of(ratings),
    )


def reviews_part(product_id) -> tuple:
    """The newest ``:limit`` published reviews of ``product_id`` (SQL), each with the average and count of
    all of them (window functions: computed before the limit), newest first: a part of the product
    page's statement (``app.db.tagged_union``: its select and its order)."""
    review = OrgProductReview
    newest = (
        sa.select(review.rating, review.title, review.body, UserProfile.display_name.label("author"),
                  review.created_at, sa.func.avg(review.rating, type_=sa.Float).over().label("average"),
                  sa.func.count().over().label("count"), review.id)
        .join(OrgMember, OrgMember.id == review.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .where(review.org_id == sa.bindparam("org_id"), review.product_id == product_id,
               review.is_published.is_(True))
        .order_by(review.created_at.desc(), review.id.desc())  # (reviews written at once: a fixed order)
        .limit(sa.bindparam("limit"))
        .subquery("reviews")
    )
    return sa.select(*list(newest.c)[:7]), (newest.c.created_at.desc(), newest.c.id.desc())


def reviews_of(rows) -> tuple[list[tuple], float | None, int]:
    """``reviews_part``'s rows as (rating, title, body, author, created_at), the average rating and
    how many there are."""
    if not rows:
        return [], None, 0
    return [tuple(r[:5]) for r in rows], float(rows[0][5]), rows[0][6]


def collections_and_skills_part(slots: int, product_id) -> tuple:
    """The collections of ``product_id`` (SQL) and (a course's) skills, with their translations in the
    content chain's locales (``in_chain``): (kind, slug, base name, locale, translated name) rows,
    kind "c" for the collections, in their order, then "s" for the skills: the platform's
    translations, then the org's own names (which ``_named`` lets win). A part of the product page's
    statement (``app.db.tagged_union``: its select and its order)."""
    c, ct, link = OrgProductCollection, OrgProductCollectionTranslation, OrgProductCollectionProduct
    st, own = SkillTranslation, OrgSkillTranslation
    skill_ids = sa.select(OrgProductCourseSkill.skill_id).where(OrgProductCourseSkill.course_product_id == product_id)
    org_id = sa.bindparam("org_id")  # the product's org: the page's product is the storefront org's
    no_text = sa.cast(sa.null(), sa.String)
    rows = sa.union_all(
        sa.select(sa.literal_column("'c'", sa.String).label("kind"), c.slug.label("slug"), c.name.label("base"),
                  ct.locale_key.label("locale"), ct.name.label("name"), c.sort_order.label("k1"), c.name.label("k2"))
        .join(link, link.collection_id == c.id)
        .outerjoin(ct, sa.and_(ct.collection_id == c.id, in_chain(ct.locale_key, slots)))
        .where(link.product_id == product_id),
        sa.select(sa.literal_column("'s'"), Skill.slug, Skill.name, st.locale_key, st.name, sa.literal_column("0"),
                  no_text)
        .outerjoin(st, sa.and_(st.skill_id == Skill.id, in_chain(st.locale_key, slots)))
        .where(Skill.id.in_(skill_ids)),
        sa.select(sa.literal_column("'s'"), Skill.slug, Skill.name, own.locale_key, own.name, sa.literal_column("1"),
                  no_text)
        .join(own, sa.and_(own.skill_id == Skill.id, own.org_id == org_id, in_chain(own.locale_key, slots)))
        .where(Skill.id.in_(skill_ids)),
    ).subquery()
    return (sa.select(rows.c.kind, rows.c.slug, rows.c.base, rows.c.locale, rows.c.name),
            (rows.c.kind, rows.c.k1, rows.c.k2))


def collections_and_skills_of(rows, chain: Sequence[str | None]) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    """(slug, name in the content ``chain``'s language) of the collections the product is in, and
    its skill names as a course (the org's own name, else the platform's translation) in
    alphabetical order (as the catalog's skill filter lists them), from ``collections_and_skills_part``'s rows."""
    collections = _named([row[1:] for row in rows if row[0] == "c"], chain)
    skills = _named([row[1:] for row in rows if row[0] == "s"], chain)
    return list(collections.items()), tuple(sorted(skills.values(), key=str.lower))


def _named(rows, chain: Sequence[str | None]) -> dict[str, str]:
    """(id, base name, locale, translated name) rows -> {id: the name in the chain's language}; of
    two rows of one id and locale the later wins."""
    names: dict[str, str] = {}
    texts: dict[str, dict[str, str]] = {}
    for key, base, locale, name in rows:
        names[key] = base
        if locale is not None:
            texts.setdefault(key, {})[locale] = name
    for key in names:
        for locale in chain:
            if locale is None:
                break
            if texts.get(key, {}).get(locale):
                names[key] = texts[key][locale]
                break
    return names


def sitemap_products(storefront: Storefront) -> list[tuple[str, object]]:
    """(slug, last modified) of every product sold in the market: one query."""
    fp, sold_here = from_prices(storefront)
    return db.session.execute(
        sa.select(OrgProduct.slug, OrgProduct.updated_at)
        .join(fp, sa.and_(fp.product_id == OrgProduct.id, sold_here))
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
        # ``money`` (the templates' cached formatter) and app.web.labels' gettext and ngettext: the
        # same text as Flask-Babel's format_currency, gettext and ngettext, without their lookups.
        price = money(self.price, currency)
        if self.type == "subscription":
            every = interval_label(self.interval or "month", self.interval_count)
            if self.trial_period_days:
                return [ngettext("%(price)s per %(interval)s after a %(num)d-day free trial",
                                 "%(price)s per %(interval)s after a %(num)d-day free trial",
                                 self.trial_period_days, price=price, interval=every)]
            return [_("%(price)s per %(interval)s", price=price, interval=every)]
        if self.type == "usage_based":  # billed monthly (app.orders.billing)
            parts = [_("%(price)s per month + %(per_unit)s", price=price,
                       per_unit=price_per_unit(self.usage_unit, money(self.price_per_unit or 0, currency)))]
            if self.included_units:
                parts.append(units_included(self.usage_unit, self.included_units))
            return parts
        return [_("One payment")]


def offers_part(slots: int, product) -> tuple:
    """The offers of ``product`` (its id in SQL) in ``:market_id``, each once per plan translation and variant
    translation in the content chain (``in_chain``), or once without: a part of the product page's
    statement (``app.db.tagged_union``: its select and its order, the variants' then the plans')."""
    sub, usage = OrgProductVariantPaymentPlanSubscription, OrgProductVariantPaymentPlanUsageBased
    plan_text = sa.orm.aliased(OrgProductVariantPaymentPlanTranslation, name="plan_texts")
    variant_text = sa.orm.aliased(OrgProductVariantTranslation, name="variant_texts")
    active_variants = (
        sa.select(sa.func.count(Variant.id))
        .where(Variant.product_id == product, Variant.is_active.is_(True))
        .scalar_subquery()
    )
    return (
        sa.select(
            Plan.id, Plan.name, Plan.description, Variant.name, active_variants, Plan.type, Plan.access_tier,
            Price.price, Price.price_per_unit, Price.compare_at_price,
            sub.interval, sub.interval_count, sub.trial_period_days, usage.usage_unit, usage.included_units,
            Variant.id, plan_text.locale_key, plan_text.name, plan_text.description,
            variant_text.locale_key, variant_text.name,
        )
        .join(Variant, Variant.id == Plan.variant_id)
        .join(Price, Price.plan_id == Plan.id)
        .outerjoin(sub, sub.plan_id == Plan.id)
        .outerjoin(usage, usage.plan_id == Plan.id)
        .outerjoin(plan_text, sa.and_(plan_text.plan_id == Plan.id, in_chain(plan_text.locale_key, slots)))
        .outerjoin(variant_text, sa.and_(variant_text.variant_id == Variant.id, in_chain(variant_text.locale_key, slots)))
        .where(
            Variant.product_id == product,
            Variant.is_active.is_(True),
            Plan.is_active.is_(True),
            Price.market_id == sa.bindparam("market_id"),
            Price.is_active.is_(True),
        )
    ), (Variant.sort_order, Variant.created_at, Variant.id, Plan.sort_order, Plan.created_at, Plan.id)


def offers_of(found, chain: Sequence[str | None]) -> list[Offer]:
    """Active plans of active variants that have an active price in the market, in the order of
    variants and plans, their plan and variant names in the content ``chain``'s language, from
    ``offers_part``'s rows (none: the product is not sold in the market)."""
    plans: dict[str, tuple] = {}
    texts: dict[str, dict[str, tuple[str, str | None]]] = {}
    for row in found:
        plans.setdefault(row[0], tuple(row[:16]))
        if row[16] is not None:
            texts.setdefault(row[0], {})[row[16]] = (row[17], row[18])
        if row[19] is not None:
            texts.setdefault(row[15], {})[row[19]] = (row[20], None)
    rows = list(plans.values())

    def text(plan_id, index, base):
        for key in chain:
            if key is None:
                break
            values = texts.get(plan_id, {}).get(key)
            if values is not None and values[index]:
                return values[index]
        return base

    return [
        Offer(
            plan_id=plan_id,
            plan_name=text(plan_id, 0, name),
            plan_description=text(plan_id, 1, description),
            variant_name=text(variant_id, 0, variant_name),
            variant_count=variant_count,
            type=plan_type,
            tier=tier,
            price=price,
            price_per_unit=per_unit,
            compare_at_price=compare_at,
            interval=interval if plan_type == "subscription" else None,
            interval_count=(interval_count if interval is not None else 1) if plan_type == "subscription" else 1,
            trial_period_days=(trial or 0) if plan_type == "subscription" else 0,
            usage_unit=usage_unit if plan_type == "usage_based" else None,
            included_units=(included or 0) if plan_type == "usage_based" else 0,
        )
        for (plan_id, name, description, variant_name, variant_count, plan_type, tier, price, per_unit, compare_at,
             interval, interval_count, trial, usage_unit, included, variant_id) in rows
    ]
