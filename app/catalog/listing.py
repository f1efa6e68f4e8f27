"""The catalog's derived read models, kept in step with the catalog on every flush.

* ``org_product_market_price_summary``: each product's "from" price per market (the lowest
  active price of an active plan of an active variant), so listings, price filters, price sorts
  and "is it sold here" read one indexed row instead of aggregating the market's prices.
* ``org_product_search_document``: each product's name and description per locale (and the base
  row), with its ``tsvector`` on PostgreSQL; SQLite's FTS5 index follows it through triggers.

One hook (``after_flush`` on every session) sees every ORM write to products, translations,
variants, plans and market prices, wherever it comes from (catalog services, the dashboard price
matrix, the demo loader, test factories), and rewrites the rows of the products concerned in a
few set-based statements. Writes that bypass the ORM (bulk SQL, such as the bench dataset) call
``rebuild()`` afterwards (``flask catalog reindex``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

import sqlalchemy as sa

from app.catalog.models import (
    OrgProduct,
    OrgProductMarketPriceSummary,
    OrgProductSearchDocument,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.orgs.models import Org

# PostgreSQL's built-in text-search configurations by language; any other language: "simple".
TEXT_SEARCH_CONFIGS = {
    "da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish", "fr": "french",
    "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian", "nb": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish",
}
FALLBACK_CONFIG = "simple"
_TEXT_FIELDS = ("name", "description")
# The product's columns the price summary copies (``refresh_price_summary``)
_LISTED_FIELDS = ("status", "type", "published_at", "created_at")


def config_for(locale_key: str | None) -> str:
    """The text-search configuration of a locale's language (``de-AT`` -> ``german``)."""
    if not locale_key:
        return FALLBACK_CONFIG
    return TEXT_SEARCH_CONFIGS.get(locale_key.replace("_", "-").split("-")[0].lower(), FALLBACK_CONFIG)


def _config_sql(locale_column):
    """``config_for`` in SQL, for set-based rewrites."""
    def text(value: str):
        return sa.literal_column(f"'{value}'", sa.String)  # fixed identifiers from the table above

    two = sa.func.coalesce(sa.func.substr(locale_column, 3, 1), text("")).in_([text(""), text("-"), text("_")])
    language = sa.case((two, sa.func.lower(sa.func.substr(locale_column, 1, 2))), else_=text(""))
    return sa.case({text(code): text(config) for code, config in TEXT_SEARCH_CONFIGS.items()},
                   value=language, else_=text(FALLBACK_CONFIG))


# ---- the hook --------------------------------------------------------------------------------

def _value(obj, name: str):
    """An attribute as the object holds it (no load: the row may be gone after the flush)."""
    return sa.inspect(obj).dict.get(name)


def _changed(session) -> tuple[set[str], set[str], set[str], set[str], set[str]]:
    """(products whose prices may have changed, their variants, their plans; products whose text
    did; orgs whose default locale (the language of their products' base rows) did)."""
    products, variants, plans, texts, orgs = set(), set(), set(), set(), set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, OrgProductVariantPaymentPlanMarketPrice):
            plans.add(_value(obj, "plan_id"))
        elif isinstance(obj, OrgProductVariantPaymentPlan):
            variants.add(_value(obj, "variant_id"))
        elif isinstance(obj, OrgProductVariant):
            products.add(_value(obj, "product_id"))
        elif isinstance(obj, OrgProductTranslation):
            texts.add(_value(obj, "product_id"))
        elif isinstance(obj, OrgProduct):
            state = sa.inspect(obj)
            if obj in session.new or any(state.attrs[name].history.has_changes() for name in _TEXT_FIELDS):
                texts.add(_value(obj, "id"))
            if obj not in session.new and any(state.attrs[name].history.has_changes() for name in _LISTED_FIELDS):
                products.add(_value(obj, "id"))  # the summary's copies of them (a new one has no price yet)
        elif isinstance(obj, Org) and obj not in session.new and obj not in session.deleted:
            if sa.inspect(obj).attrs.default_locale_key.history.has_changes():
                orgs.add(_value(obj, "id"))
    return products, variants, plans, texts, orgs


def _after_flush(session, _flush_context) -> None:
    products, variants, plans, texts, orgs = _changed(session)
    texts.discard(None)
    if not (products or variants or plans or texts or orgs):
        return
    conn = session.connection()
    if orgs:
        texts |= set(conn.scalars(sa.select(OrgProduct.id).where(OrgProduct.org_id.in_(orgs))))
    variants.discard(None)
    plans.discard(None)
    if plans:
        variants |= set(conn.scalars(sa.select(OrgProductVariantPaymentPlan.variant_id)
                                     .where(OrgProductVariantPaymentPlan.id.in_(plans))))
    if variants:
        products |= set(conn.scalars(sa.select(OrgProductVariant.product_id)
                                     .where(OrgProductVariant.id.in_(variants))))
    products.discard(None)
    if products:
        refresh_price_summary(conn, products)
    if texts:
        refresh_search_documents(conn, texts)


def install() -> None:
    """Keep the read models in step with every session's flushes (installed once per process)."""
    if not sa.event.contains(sa.orm.Session, "after_flush", _after_flush):
        sa.event.listen(sa.orm.Session, "after_flush", _after_flush)


# ---- set-based refreshes ---------------------------------------------------------------------

def refresh_price_summary(conn, product_ids: Iterable[str] | None = None) -> None:
    """Rewrite the "from" prices of ``product_ids`` (every product when None) in every market, with
    the product's status, type and ``listed_at`` (published_at, else created_at) beside them.

    The "from" price is the lowest amount a buyer can actually pay in one payment: the lowest price
    of a plan with a fixed price (a one-time price, or a subscription's price for one period). A
    usage-based plan's base fee is not a complete price (usage is billed on top), so it counts only
    for a product that has no fixed-price plan in the market.
    """
    summary = OrgProductMarketPriceSummary
    price, plan, variant = OrgProductVariantPaymentPlanMarketPrice, OrgProductVariantPaymentPlan, OrgProductVariant
    fixed = sa.func.min(sa.case((plan.type != "usage_based", price.price)))
    product = OrgProduct
    lowest = (
        sa.select(variant.org_id, variant.product_id, price.market_id,
                  sa.func.coalesce(fixed, sa.func.min(price.price)),
                  product.status, product.type, sa.func.coalesce(product.published_at, product.created_at))
        .join(product, product.id == variant.product_id)
        .join(plan, plan.variant_id == variant.id)
        .join(price, price.plan_id == plan.id)
        .where(price.is_active.is_(True), plan.is_active.is_(True), variant.is_active.is_(True))
        .group_by(variant.org_id, variant.product_id, price.market_id,
                  product.status, product.type, product.published_at, product.created_at)
    )
    delete = sa.delete(summary)
    if product_ids is not None:
        ids = sorted(product_ids)
        lowest = lowest.where(variant.product_id.in_(ids))
        delete = delete.where(summary.product_id.in_(ids))
    conn.execute(delete)
    conn.execute(sa.insert(summary).from_select(
        ["org_id", "product_id", "market_id", "from_price", "status", "type", "listed_at"], lowest))


def _document(dialect: str, config, name, body):
    if dialect != "postgresql":
        return sa.null()
    regconfig = sa.cast(config, sa.dialects.postgresql.REGCONFIG)
    def weighted(column, weight: str):
        empty = sa.literal_column("''", sa.Text)
        return sa.func.setweight(sa.func.to_tsvector(regconfig, sa.func.coalesce(column, empty)),
                                 sa.literal_column(f"'{weight}'"))

    return weighted(name, "A").op("||")(weighted(body, "B"))


def refresh_search_documents(conn, product_ids: Iterable[str] | None = None) -> None:
    """Rewrite the search documents of ``product_ids`` (every product when None): the base row in
    the org's default locale's language, and one row per translation in its own."""
    docs = OrgProductSearchDocument
    dialect = conn.dialect.name
    base_config = _config_sql(Org.default_locale_key)
    base = (
        sa.select(OrgProduct.org_id, OrgProduct.id, sa.null(), OrgProduct.name, OrgProduct.description,
                  _document(dialect, base_config, OrgProduct.name, OrgProduct.description))
        .join(Org, Org.id == OrgProduct.org_id)
    )
    t = OrgProductTranslation
    translated = sa.select(t.org_id, t.product_id, t.locale_key, t.name, t.description,
                           _document(dialect, _config_sql(t.locale_key), t.name, t.description))
    delete = sa.delete(docs)
    if product_ids is not None:
        ids = sorted(product_ids)
        base = base.where(OrgProduct.id.in_(ids))
        translated = translated.where(t.product_id.in_(ids))
        delete = delete.where(docs.product_id.in_(ids))
    conn.execute(delete)
    columns = ["org_id", "product_id", "locale_key", "name", "body", "document"]
    for select in (base, translated):
        conn.execute(sa.insert(docs).from_select(columns, select))


def rebuild(conn) -> None:
    """Rewrite both read models from scratch (after writes that bypassed the ORM); on PostgreSQL
    their statistics are renewed too (the planner would otherwise plan the catalog's statements
    on the numbers of the tables before the rewrite until autovacuum gets to them), and the search
    index's new entries are moved out of its pending list, which every search would otherwise scan
    entry by entry until autovacuum gets to it (thousands of entries after a rebuild)."""
    refresh_price_summary(conn)
    refresh_search_documents(conn)
    if conn.dialect.name == "postgresql":
        for index in OrgProductSearchDocument.__table__.indexes:
            if index.dialect_options["postgresql"]["using"] == "gin":
                conn.execute(sa.select(sa.func.gin_clean_pending_list(sa.cast(index.name, sa.dialects.postgresql.REGCLASS))))
        conn.exec_driver_sql(f"ANALYZE {OrgProductMarketPriceSummary.__tablename__}, "
                             f"{OrgProductSearchDocument.__tablename__}")
