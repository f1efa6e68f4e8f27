"""Catalog services: products, translations, variants, plans, market prices, collections,
discounts and reviews — the rules an author or a shopper would notice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog import services as catalog
from app.catalog.models import OrgProduct, OrgProductTranslation, OrgProductVariantPaymentPlanMarketPrice
from app.db import utcnow
from app.errors import InvalidTransitionError, NotFoundError, ValidationError
from app.extensions import db
from tests.factories import (
    make_market,
    make_member,
    make_org,
    make_plan,
    make_priced_plan,
    make_product,
    make_tax_category,
    org_admin,
)

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def org():
    return make_org()


@pytest.fixture
def market(org):
    return make_market(org, currency_code="EUR")


# ---- products ---------------------------------------------------------------------------------

def test_create_product_normalizes_slug_and_starts_as_draft(org):
    product = catalog.create_product(org, type="course", name="  Python 101 ", slug=" Python-101 ", by=org_admin(org))
    assert (product.slug, product.name, product.status, product.published_at) == (
        "python-101", "Python 101", "draft", None)
    assert product.org_id == org.id


def test_duplicate_slug_in_same_org_is_a_validation_error_but_other_orgs_may_reuse_it(org):
    catalog.create_product(org, type="course", name="A", slug="intro", by=org_admin(org))
    with pytest.raises(ValidationError, match="already uses the slug “intro”"):
        catalog.create_product(org, type="service", name="B", slug="INTRO", by=org_admin(org))
    other_org = make_org()
    other = catalog.create_product(other_org, type="course", name="A", slug="intro", by=org_admin(other_org))
    assert other.slug == "intro"


@pytest.mark.parametrize("slug", ["", "has space", "trailing-", "ümlaut", "a" * 121])
def test_bad_slugs_are_rejected_with_a_clear_message(org, slug):
    with pytest.raises(ValidationError, match="(?i)slug"):
        catalog.create_product(org, type="course", name="X", slug=slug, by=org_admin(org))


def test_unknown_type_and_missing_name_are_rejected(org):
    with pytest.raises(ValidationError, match="product type"):
        catalog.create_product(org, type="ebook", name="X", slug="x", by=org_admin(org))
    with pytest.raises(ValidationError, match="Name is required"):
        catalog.create_product(org, type="course", name="   ", slug="x", by=org_admin(org))


def test_tax_category_of_another_org_is_not_found(org):
    foreign = make_tax_category(make_org())
    with pytest.raises(NotFoundError):
        catalog.create_product(org, type="course", name="X", slug="x", tax_category=foreign, by=org_admin(org))
    own = make_tax_category(org)
    product = catalog.create_product(org, type="course", name="X", slug="x", tax_category=own, by=org_admin(org))
    assert product.tax_category_id == own.id


def test_seo_metadata_is_stored_and_length_limits_are_enforced(org):
    product = catalog.create_product(
        org, type="course", name="X", slug="x",
        seo={"title": "Learn X", "description": "All about X", "og_image_url": "https://img.example.com/x.png"}, by=org_admin(org)
    )
    assert product.seo_metadata.title == "Learn X"
    assert product.seo_metadata.open_graph.image_url == "https://img.example.com/x.png"
    with pytest.raises(ValidationError, match="at most 60 characters"):
        catalog.create_product(org, type="course", name="Y", slug="y", seo={"title": "t" * 61}, by=org_admin(org))


def test_publish_and_archive_are_idempotent_and_keep_first_publication_date(org):
    product = make_product(org, type="service", status="draft", tax_category=make_tax_category(org, "svc"))
    make_priced_plan(make_market(org), product=product)
    catalog.publish_product(product, by=org_admin(product))
    catalog.publish_product(product, by=org_admin(product))
    first = product.published_at
    assert product.is_published and first is not None
    catalog.archive_product(product, by=org_admin(product))
    catalog.archive_product(product, by=org_admin(product))
    assert product.status == "archived"
    with pytest.raises(InvalidTransitionError):  # an archived product goes back to draft first
        catalog.publish_product(product, by=org_admin(product))
    catalog.return_to_draft(product, by=org_admin(product))
    catalog.publish_product(product, by=org_admin(product))
    assert product.status == "published" and product.published_at == first


def test_update_product_rejects_a_slug_taken_by_another_product(org):
    make_product(org, slug="taken")
    product = make_product(org, slug="mine")
    with pytest.raises(ValidationError, match="already uses the slug"):
        catalog.update_product(product, slug="taken", by=org_admin(product))
    catalog.update_product(product, slug="mine", name="Renamed", by=org_admin(product))  # its own slug is fine
    assert (product.slug, product.name) == ("mine", "Renamed")


# ---- translations -----------------------------------------------------------------------------

def test_translation_is_upserted_per_locale(org):
    product = make_product(org)
    catalog.set_product_translation(product, "de", name="Einführung", description="Alt", by=org_admin(product))
    catalog.set_product_translation(product, "de", name="Einführung in X", description=None, by=org_admin(product))
    rows = db.session.scalars(
        sa.select(OrgProductTranslation).where(OrgProductTranslation.product_id == product.id)
    ).all()
    assert [(t.locale_key, t.name, t.description) for t in rows] == [("de", "Einführung in X", None)]


@pytest.mark.parametrize("locale_key", ["ja", "xx", ""])
def test_translation_for_a_locale_the_org_does_not_offer_is_rejected(org, locale_key):
    product = make_product(org)  # the org offers en, de, fr, es
    with pytest.raises(ValidationError, match="not one of the organization's languages"):
        catalog.set_product_translation(product, locale_key, name="Name", by=org_admin(product))


# ---- variants and plans -----------------------------------------------------------------------

def test_first_variant_is_default_and_a_new_default_replaces_it(org):
    product = make_product(org)
    first = catalog.add_variant(product, name="Standard", sku="STD", by=org_admin(product))
    second = catalog.add_variant(product, name="Deluxe", sku="DLX", is_default=True, by=org_admin(product))
    assert (first.is_default, second.is_default) == (False, True)
    assert product.default_variant is second


def test_duplicate_sku_in_org_is_rejected(org):
    catalog.add_variant(make_product(org), name="A", sku="SKU-1", by=org_admin(org))
    with pytest.raises(ValidationError, match="SKU “SKU-1”"):
        catalog.add_variant(make_product(org), name="B", sku="SKU-1", by=org_admin(org))


def test_plans_get_their_type_specific_settings(org):
    product = make_product(org)
    variant = catalog.add_variant(product, name="Standard", by=org_admin(product))
    one_time = catalog.add_plan(variant, type="one_time", name="Buy", allow_gift_cards=False, by=org_admin(variant))
    monthly = catalog.add_plan(variant, type="subscription", name="Monthly", interval="month",
                               trial_period_days=14, access_tier=2, by=org_admin(variant))
    metered = catalog.add_plan(variant, type="usage_based", name="Pay as you go", usage_unit="API call",
                               included_units=100, by=org_admin(variant))
    assert one_time.terms.allow_gift_cards is False
    assert (monthly.terms.interval, monthly.terms.trial_period_days, monthly.access_tier) == ("month", 14, 2)
    assert (metered.terms.usage_unit, metered.terms.included_units) == ("API call", 100)
    assert [p.name for p in variant.plans] == ["Buy", "Monthly", "Pay as you go"]


@pytest.mark.parametrize("kwargs, message", [
    ({"type": "subscription"}, "needs a billing interval"),
    ({"type": "subscription", "interval": "fortnight"}, "billing interval"),
    ({"type": "usage_based"}, "needs a usage unit"),
    ({"type": "usage_based", "usage_unit": "  "}, "needs a usage unit"),
    ({"type": "one_time", "access_tier": 0}, "access tier must be a whole number of 1 or more"),
    ({"type": "one_time", "access_tier": "gold"}, "access tier must be a whole number of 1 or more"),
    ({"type": "lifetime"}, "plan type"),
])
def test_invalid_plans_are_rejected(org, kwargs, message):
    variant = catalog.add_variant(make_product(org), name="Standard", by=org_admin(org))
    with pytest.raises(ValidationError, match=message):
        catalog.add_plan(variant, name="Plan", **kwargs, by=org_admin(variant))


# ---- market prices ----------------------------------------------------------------------------

def test_price_takes_the_market_currency_and_is_quantized_to_it(org, market):
    plan = make_plan(make_product(org))
    row = catalog.set_market_price(plan, market, price=Decimal("19.995"), compare_at_price="29", by=org_admin(plan))
    assert (row.currency_code, row.price, row.compare_at_price) == ("EUR", Decimal("20.00"), Decimal("29.00"))

    yen = make_market(org, currency_code="JPY", country_codes=("JP",), locale_keys=("en",))
    row = catalog.set_market_price(plan, yen, price="1500.4", by=org_admin(plan))
    assert (row.currency_code, row.price) == ("JPY", Decimal("1500"))


def test_setting_a_price_again_updates_the_same_row(org, market):
    plan = make_plan(make_product(org))
    first = catalog.set_market_price(plan, market, price="10", by=org_admin(plan))
    second = catalog.set_market_price(plan, market, price="12.50", by=org_admin(plan))
    assert first.id == second.id
    prices = db.session.scalars(
        sa.select(OrgProductVariantPaymentPlanMarketPrice).where(
            OrgProductVariantPaymentPlanMarketPrice.plan_id == plan.id)
    ).all()
    assert [p.price for p in prices] == [Decimal("12.50")]
    assert plan.price_in(market.id).price == Decimal("12.50")


@pytest.mark.parametrize("kwargs, message", [
    ({"price": "-0.01"}, "price cannot be negative"),
    ({"price": "abc"}, "valid amount"),
    ({"price": "10", "compare_at_price": "10"}, "compare-at price must be higher"),
    ({"price": "10", "price_per_unit": "0.5"}, "Only usage-based plans"),
])
def test_invalid_prices_are_rejected(org, market, kwargs, message):
    plan = make_plan(make_product(org))
    with pytest.raises(ValidationError, match=message):
        catalog.set_market_price(plan, market, **kwargs, by=org_admin(plan))
    assert plan.price_in(market.id) is None


def test_usage_based_plan_needs_a_price_per_unit(org, market):
    plan = make_plan(make_product(org), type="usage_based")
    with pytest.raises(ValidationError, match="needs a price per unit"):
        catalog.set_market_price(plan, market, price="5", by=org_admin(plan))
    row = catalog.set_market_price(plan, market, price="5", price_per_unit="0.25", by=org_admin(plan))
    assert row.price_per_unit == Decimal("0.25")


def test_a_plan_cannot_be_priced_in_another_orgs_market(org):
    plan = make_plan(make_product(org))
    foreign_market = make_market(make_org())
    with pytest.raises(NotFoundError):
        catalog.set_market_price(plan, foreign_market, price="10", by=org_admin(plan))


# ---- collections ------------------------------------------------------------------------------

def test_collection_slug_is_unique_per_org_and_adding_twice_keeps_one_entry(org):
    collection = catalog.create_collection(org, slug="bestsellers", name="Bestsellers", by=org_admin(org))
    with pytest.raises(ValidationError, match="already uses the slug"):
        catalog.create_collection(org, slug="bestsellers", name="Again", by=org_admin(org))
    a, b = make_product(org), make_product(org)
    catalog.add_to_collection(collection, a, by=org_admin(collection))
    catalog.add_to_collection(collection, b, by=org_admin(collection))
    catalog.add_to_collection(collection, a, by=org_admin(collection))
    db.session.expire(collection, ["products"])
    assert [link.product_id for link in collection.products] == [a.id, b.id]


def test_a_product_of_another_org_cannot_join_a_collection(org):
    collection = catalog.create_collection(org, slug="picks", name="Picks", by=org_admin(org))
    with pytest.raises(NotFoundError):
        catalog.add_to_collection(collection, make_product(make_org()), by=org_admin(collection))


# ---- discounts --------------------------------------------------------------------------------

def test_discount_codes_are_case_insensitive_and_unique_per_org(org):
    discount = catalog.create_discount(org, code=" summer-24 ", name="Summer", type="percent", value="15", by=org_admin(org))
    assert discount.code == "SUMMER-24"
    with pytest.raises(ValidationError, match="already uses the code “SUMMER-24”"):
        catalog.create_discount(org, code="Summer-24", name="Again", type="percent", value="10", by=org_admin(org))
    other_org = make_org()
    assert catalog.create_discount(other_org, code="summer-24", name="Other org", type="percent", value="5",
                                   by=org_admin(other_org))


def test_fixed_discount_is_quantized_in_its_currency(org, market):
    discount = catalog.create_discount(org, code="TENOFF", name="Ten off", type="fixed", value="9.999",
                                       currency_code="eur", market=market, by=org_admin(org))
    assert (discount.value, discount.currency_code, discount.market_id) == (Decimal("10.00"), "EUR", market.id)


@pytest.mark.parametrize("kwargs, message", [
    ({"type": "percent", "value": "101"}, "cannot be more than 100%"),
    ({"type": "percent", "value": "0"}, "greater than zero"),
    ({"type": "fixed", "value": "5"}, "fixed-amount discount needs a currency"),
    ({"type": "fixed", "value": "5", "currency_code": "XYZ"}, "valid currency"),
    ({"type": "percent", "value": "5", "usage_limit": 0}, "Usage limit must be at least 1"),
    ({"type": "percent", "value": "5", "code": "a b"}, "letters, digits, dashes or underscores"),
])
def test_invalid_discounts_are_rejected(org, kwargs, message):
    kwargs = {"code": "CODE", "name": "Promo", **kwargs}
    with pytest.raises(ValidationError, match=message):
        catalog.create_discount(org, **kwargs, by=org_admin(org))


def test_discount_must_end_after_it_starts(org):
    start = utcnow()
    with pytest.raises(ValidationError, match="end after it starts"):
        catalog.create_discount(org, code="WIN", name="W", type="percent", value="5",
                                starts_at=start, ends_at=start, by=org_admin(org))
    naive_start = start.replace(tzinfo=None)
    discount = catalog.create_discount(org, code="WIN", name="W", type="percent", value="5",
                                       starts_at=naive_start, ends_at=start + timedelta(days=7), by=org_admin(org))
    assert discount.is_available(start + timedelta(days=1))
    assert not discount.is_available(start + timedelta(days=7))


def test_fixed_discount_currency_must_match_its_market(org, market):
    with pytest.raises(ValidationError, match=r"must match the market currency \(EUR\)"):
        catalog.create_discount(org, code="USD5", name="5 off", type="fixed", value="5",
                                currency_code="USD", market=market, by=org_admin(org))


def test_discount_scope_rows_must_belong_to_the_org(org):
    other = make_org()
    with pytest.raises(NotFoundError):
        catalog.create_discount(org, code="PPP", name="P", type="percent", value="5", product=make_product(other), by=org_admin(org))
    with pytest.raises(NotFoundError):
        catalog.create_discount(org, code="PPP", name="P", type="percent", value="5", market=make_market(other), by=org_admin(org))


# ---- reviews ----------------------------------------------------------------------------------

def test_reviewing_again_replaces_the_members_review(org):
    product, member = make_product(org), make_member(org)
    first = catalog.add_review(product, member, rating=3, title="OK")
    second = catalog.add_review(product, member, rating=5, title="Great after all")
    assert first.id == second.id
    db.session.expire(product, ["reviews"])
    assert [(r.rating, r.title) for r in product.reviews] == [(5, "Great after all")]


@pytest.mark.parametrize("rating", [0, 6, "five", None])
def test_rating_must_be_one_to_five_stars(org, rating):
    with pytest.raises(ValidationError, match="from 1 to 5 stars"):
        catalog.add_review(make_product(org), make_member(org), rating=rating)


def test_member_of_another_org_cannot_review(org):
    with pytest.raises(NotFoundError):
        catalog.add_review(make_product(org), make_member(make_org()), rating=4)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgProduct).where(
        OrgProduct.org_id == org.id)) == 1
