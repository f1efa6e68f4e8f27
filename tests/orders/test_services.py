"""Order services: numbering, placing an order from a real quote (items, tax snapshots, discount
use, gift card redemption), payment and fulfilment, shipping, cancellation, refunds and the
access tier a purchase grants."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.catalog.services import create_discount
from app.db import utcnow
from app.entitlements.models import OrgMemberProductAccess, OrgMemberSubscription
from app.entitlements.services import member_access_tier
from app.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.extensions import db
from app.giftcards.models import OrgGiftCard, OrgMemberGiftCardUsage
from app.giftcards.services import issue_gift_card
from app.orders import services as orders
from app.orders.models import (
    OrderNumberCounter,
    OrgMemberOrder,
    OrgMemberOrderItem,
    OrgMemberOrderPayment,
    OrgMemberOrderRefund,
)
from app.pricing import pipeline as pricing
from app.tax import services as tax
from app.tax.models import OrgTaxRateSnapshot
from tests.factories import (
    make_employee,
    make_market,
    make_member,
    make_org,
    make_priced_plan,
    make_product,
    make_region,
    make_tax_category,
    make_tax_rate,
    org_admin,
    unique,
)

pytestmark = pytest.mark.usefixtures("app_ctx")

EUR = "EUR"
ADDRESS = {"line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}


# ---- helpers -------------------------------------------------------------------------------

def build_shop(slug: str | None = None) -> SimpleNamespace:
    """An org with a tax-exclusive EUR market for Germany, 19% VAT on the standard category, a
    member who buys and an admin who issues gift cards and refunds."""
    org = make_org(slug or unique("shop"))
    market = make_market(org, currency_code=EUR, country_codes=("DE", "AT"))
    category = make_tax_category(org, "standard")
    rate = make_tax_rate(org, category=category, region=make_region(org, "DE"), name="VAT",
                         rate=Decimal("0.19"), effective_from=utcnow() - timedelta(days=30))
    return SimpleNamespace(org=org, market=market, category=category, rate=rate, member=make_member(org),
                           admin=make_employee(org, role="admin"))


@pytest.fixture
def shop():
    return build_shop()


def product(shop, *, type="course", name=None, taxed=True):
    return make_product(shop.org, type=type, name=name or unique("Product").replace("-", " "),
                        tax_category=shop.category if taxed else None)


def plan(shop, *, price="49.00", for_product=None, **kwargs):
    return make_priced_plan(shop.market, product=for_product or product(shop), price=Decimal(price), **kwargs)


def line_for(shop, the_plan, quantity=1) -> pricing.LineInput:
    variant = the_plan.variant
    item_product = variant.product
    return pricing.LineInput(
        plan_id=the_plan.id, product_id=item_product.id, variant_id=variant.id, product_name=item_product.name,
        plan_name=the_plan.name, plan_type=the_plan.type, access_tier=the_plan.access_tier,
        tax_category_id=item_product.tax_category_id, collection_ids=frozenset(), quantity=quantity,
        unit_price=the_plan.price_in(shop.market.id).price,
    )


def quote(shop, plans, *, discount=None, gift_cards=(), quantities=None) -> pricing.Quote:
    quantities = quantities or [1] * len(plans)
    return pricing.quote(
        shop.org, currency=shop.market.currency_code, tax_inclusive=shop.market.tax_inclusive,
        lines=[line_for(shop, p, q) for p, q in zip(plans, quantities, strict=True)], billing_country="DE",
        discount=discount, gift_cards=list(gift_cards), market_id=shop.market.id,
    )


def place(shop, plans, *, member=None, shipping_address=None, **quote_kwargs) -> OrgMemberOrder:
    return orders.place_order(
        shop.org, member or shop.member, shop.market, quote(shop, plans, **quote_kwargs),
        billing_name="Ada Lovelace", billing_email="ada@example.com", billing_country="DE",
        shipping_address=shipping_address,
    )


def gift_card(shop, amount="20.00") -> OrgGiftCard:
    return issue_gift_card(shop.org, amount=Decimal(amount), currency_code=EUR, by=shop.admin)


def count(model, *criteria) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*criteria))


def balance(card: OrgGiftCard) -> Decimal:
    db.session.refresh(card)
    return card.current_balance


def tier(shop, item_product, at=None, member=None):
    return member_access_tier(member or shop.member, item_product, at)


# ---- order numbers -------------------------------------------------------------------------

def test_order_numbers_are_the_uppercased_slug_and_a_six_digit_sequence(shop):
    course = plan(shop)
    first, second = place(shop, [course]), place(shop, [course])
    prefix = shop.org.slug.upper()
    assert first.order_number == f"{prefix}-000001"
    assert second.order_number == f"{prefix}-000002"
    assert re.fullmatch(r"[A-Z0-9-]+-\d{6}", first.order_number)
    assert orders.next_order_number(shop.org) == f"{prefix}-000003"


def test_a_number_taken_meanwhile_is_skipped_and_the_session_stays_usable(shop, monkeypatch):
    course = plan(shop)
    taken = place(shop, [course]).order_number
    real = orders.next_order_number
    answers = iter([taken, taken])
    monkeypatch.setattr(orders, "next_order_number", lambda org: next(answers, None) or real(org))
    order = place(shop, [course])
    assert order.order_number != taken and order.order_number.endswith("-000002")
    assert count(OrgMemberOrder, OrgMemberOrder.org_id == shop.org.id) == 2


def test_the_counter_moves_past_numbers_written_without_it(shop):
    """Orders loaded with plain SQL (an import, the bench dataset) do not move the counter: the
    number it hands out is taken, so it catches up with the highest number and goes on from there."""
    course = plan(shop)
    first = place(shop, [course])
    prefix = shop.org.slug.upper()
    # Written without the counter: the next number it hands out (000002) is taken already.
    db.session.execute(sa.update(OrgMemberOrder).where(OrgMemberOrder.id == first.id)
                       .values(order_number=f"{prefix}-000002"))
    assert place(shop, [course]).order_number == f"{prefix}-000003"
    assert place(shop, [course]).order_number == f"{prefix}-000004"
    assert db.session.scalar(sa.select(OrderNumberCounter.last_number)
                             .where(OrderNumberCounter.prefix == prefix)) == 4


def test_the_order_number_is_taken_in_one_statement_without_searching_the_orders(shop, count_queries):
    course = plan(shop)
    place(shop, [course])
    with count_queries() as log:
        number = orders.next_order_number(shop.org)
    assert number.endswith("-000002")
    assert log.count == 1 and "org_member_order " not in log.statements[0], str(log)


def test_an_order_without_codes_is_written_in_one_insert_per_table_without_a_savepoint(shop, count_queries):
    """Nothing can conflict once it is written (no discount, no gift card): no SAVEPOINT and RELEASE,
    no ORM flush; the order and its items are in the session as if flushed (nothing left to write)."""
    first, second = plan(shop), plan(shop)
    with count_queries() as log:
        order = place(shop, [first, second])
    assert not any(s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")) for s in log.all_statements), str(log)
    inserts = [s.split("(")[0].split()[-1] for s in log.statements if s.lstrip().startswith("INSERT")]
    assert inserts == ["order_number_counter", "org_member_order", "org_member_order_item",
                       "org_tax_rate_snapshot"], str(log)
    assert not db.session.new and not db.session.dirty
    assert sa.inspect(order).persistent and [i.payment_plan_id for i in order.items] == [first.id, second.id]
    assert all(i.order is order and i.status == "active" and i.platform_fee == 0 for i in order.items)
    db.session.expire_all()
    stored = db.session.get(OrgMemberOrder, order.id)
    assert (stored.status, stored.billing_address, stored.total_amount) == ("pending", None, order.total_amount)


def test_prefixes_of_other_orgs_never_mix_and_long_slugs_are_cut_but_stay_unique():
    base = unique("ac").replace("-", "")  # e.g. "ac12"
    short, longer = build_shop(base), build_shop(f"{base}-eu")
    twins = [build_shop(f"{base}-academy-{suffix}") for suffix in ("aa", "bb")]
    cut = f"{base}-academy".upper()[:12].rstrip("-")
    assert [orders.order_number_prefix(twin.org) for twin in twins] == [cut, cut]

    def first_number(a_shop):
        return place(a_shop, [plan(a_shop)]).order_number

    # "AC12-000001" and "AC12-EU-000001": the digits after a prefix never contain a hyphen.
    assert first_number(short) == f"{base.upper()}-000001"
    assert first_number(longer) == f"{base.upper()}-EU-000001"
    assert first_number(short) == f"{base.upper()}-000002"
    # Two long slugs cut to the same prefix share one sequence instead of colliding.
    assert [first_number(twin) for twin in twins] == [f"{cut}-000001", f"{cut}-000002"]
    assert all(len(order.order_number) <= 20 for order in db.session.scalars(sa.select(OrgMemberOrder)))


# ---- placing an order ------------------------------------------------------------------------

def test_place_order_copies_every_line_amount_names_tier_and_one_tax_snapshot_per_item(shop):
    course = plan(shop, price="49.00", access_tier=2, name="Pro")
    ebook = plan(shop, price="10.00", for_product=product(shop, type="digital_download", taxed=False))
    discount = create_discount(shop.org, code=unique("SAVE").upper(), name="Ten off", type="percent",
                               value=Decimal("10"), by=org_admin(shop.org))
    q = quote(shop, [course, ebook], discount=discount)
    order = orders.place_order(shop.org, shop.member, shop.market, q, billing_name=" Ada Lovelace ",
                               billing_email="ada@example.com", billing_country="de",
                               billing_address=ADDRESS, locale_key="de")
    assert order.status == "pending" and order.member_id == shop.member.id
    assert (order.subtotal_amount, order.discount_amount, order.tax_amount, order.total_amount,
            order.amount_due, order.gift_card_amount) == (
        Decimal("59.00"), Decimal("5.90"), Decimal("8.38"), Decimal("61.48"), Decimal("61.48"), Decimal("0"))
    assert (order.currency_code, order.billing_country_code, order.billing_name, order.tax_inclusive) == (
        EUR, "DE", "Ada Lovelace", False)
    assert (order.discount_id, order.discount_code) == (discount.id, discount.code)
    assert discount.times_used == 1

    first, second = order.items
    assert (first.product_name, first.plan_name, first.plan_type, first.access_tier, first.quantity) == (
        course.variant.product.name, "Pro", "one_time", 2, 1)
    assert (first.unit_price, first.subtotal_amount, first.discount_amount, first.tax_amount,
            first.line_total, first.tax_rate_percent) == (
        Decimal("49.00"), Decimal("49.00"), Decimal("4.90"), Decimal("8.38"), Decimal("52.48"), Decimal("19"))
    assert (second.tax_amount, second.line_total, second.tax_rate_percent) == (
        Decimal("0"), Decimal("9.00"), None)
    assert sum(item.line_total for item in order.items) == order.total_amount

    snapshots = db.session.scalars(sa.select(OrgTaxRateSnapshot).where(OrgTaxRateSnapshot.order_id == order.id)).all()
    assert [(s.order_item_id, s.original_tax_rate_id) for s in snapshots] == [(first.id, shop.rate.id)]
    assert snapshots[0].snapshot_data == tax.snapshot_data(shop.rate)
    assert snapshots[0].snapshot_data["rate"] == "0.190000"


def test_a_tax_snapshot_never_changes_when_the_rate_is_edited_or_ended_later(shop):
    order = place(shop, [plan(shop, price="100.00")])
    snapshot = db.session.scalar(sa.select(OrgTaxRateSnapshot).where(OrgTaxRateSnapshot.order_id == order.id))
    before = dict(snapshot.snapshot_data)
    assert before["name"] == "VAT" and before["rate"] == "0.190000" and before["effective_to"] is None

    # Edited in place (from its own start), then superseded from now on, then the successor ended.
    tax.update_rate(shop.rate, at=shop.rate.effective_from, name="Old VAT", new_rate=Decimal("0.16"), by=org_admin(shop.rate))
    successor = tax.update_rate(shop.rate, new_rate=Decimal("0.07"), by=org_admin(shop.rate))
    tax.end_rate(successor, at=utcnow() + timedelta(days=1), by=org_admin(successor))
    db.session.expire_all()

    assert shop.rate.rate == Decimal("0.16") and shop.rate.effective_to is not None
    snapshot = db.session.get(OrgTaxRateSnapshot, snapshot.id)
    assert snapshot.snapshot_data == before
    item = db.session.get(OrgMemberOrderItem, order.items[0].id)
    assert (item.tax_amount, item.line_total, item.tax_rate_percent) == (
        Decimal("19.00"), Decimal("119.00"), Decimal("19"))


def test_place_order_checks_the_buyer_and_the_cart(shop):
    course = plan(shop)
    q = quote(shop, [course])
    kwargs = {"billing_name": "Ada", "billing_email": "ada@example.com", "billing_country": "DE"}
    with pytest.raises(ValidationError, match="email"):
        orders.place_order(shop.org, shop.member, shop.market, q, **{**kwargs, "billing_email": "nope"})
    with pytest.raises(ValidationError, match="billing country"):
        orders.place_order(shop.org, shop.member, shop.market, q, **{**kwargs, "billing_country": "XX"})
    other = build_shop()
    with pytest.raises(ValidationError, match="no longer available"):
        orders.place_order(other.org, other.member, other.market, q, **kwargs)
    shop.member.status = "suspended"
    with pytest.raises(PermissionDeniedError):
        orders.place_order(shop.org, shop.member, shop.market, q, **kwargs)
    shop.member.status = "active"
    box = plan(shop, for_product=product(shop, type="physical"))
    with pytest.raises(ValidationError, match="shipping address"):
        place(shop, [box])
    assert count(OrgMemberOrder, OrgMemberOrder.org_id == shop.org.id) == 0


def test_a_discount_whose_limit_was_reached_meanwhile_is_a_conflict_and_nothing_is_written(shop):
    course = plan(shop)
    discount = create_discount(shop.org, code=unique("ONCE").upper(), name="Once", type="percent",
                               value=Decimal("50"), usage_limit=1, by=org_admin(shop.org))
    stale = quote(shop, [course], discount=discount)
    place(shop, [course], discount=discount)
    assert discount.times_used == 1
    with pytest.raises(ConflictError, match="usage limit"):
        orders.place_order(shop.org, shop.member, shop.market, stale, billing_name="Ada",
                           billing_email="ada@example.com", billing_country="DE")
    assert count(OrgMemberOrder, OrgMemberOrder.org_id == shop.org.id) == 1
    assert count(OrgMemberOrderItem, OrgMemberOrderItem.org_id == shop.org.id) == 1
    assert discount.times_used == 1


# ---- gift cards ------------------------------------------------------------------------------

def test_a_gift_card_that_pays_the_whole_order_leaves_nothing_due(shop):
    card = gift_card(shop, "100.00")
    course = plan(shop, price="49.00")
    order = place(shop, [course], gift_cards=[card])
    assert (order.total_amount, order.gift_card_amount, order.amount_due) == (
        Decimal("58.31"), Decimal("58.31"), Decimal("0"))
    assert order.items[0].gift_card_amount == Decimal("58.31")
    assert balance(card) == Decimal("41.69")
    usage = db.session.scalar(sa.select(OrgMemberGiftCardUsage).where(OrgMemberGiftCardUsage.order_id == order.id))
    assert (usage.gift_card_id, usage.member_id, usage.amount_used, usage.restored_at) == (
        card.id, shop.member.id, Decimal("58.31"), None)

    orders.mark_paid(order, provider="gift_card")
    assert order.status == "fulfilled" and order.paid_at is not None
    assert count(OrgMemberOrderPayment, OrgMemberOrderPayment.order_id == order.id) == 0  # no money moved
    assert tier(shop, course.variant.product) == 1


def test_several_gift_cards_each_get_a_usage_row(shop):
    small, big = gift_card(shop, "10.00"), gift_card(shop, "100.00")
    order = place(shop, [plan(shop, price="49.00")], gift_cards=[small, big])
    usages = {u.gift_card_id: u.amount_used for u in db.session.scalars(
        sa.select(OrgMemberGiftCardUsage).where(OrgMemberGiftCardUsage.order_id == order.id))}
    assert usages == {small.id: Decimal("10.00"), big.id: Decimal("48.31")}
    assert (balance(small), balance(big), order.amount_due) == (Decimal("0"), Decimal("51.69"), Decimal("0"))


def test_a_gift_card_spent_meanwhile_is_a_conflict_and_nothing_is_half_written(shop):
    card = gift_card(shop, "30.00")
    course = plan(shop, price="20.00")
    discount = create_discount(shop.org, code=unique("TEN").upper(), name="Ten", type="percent",
                               value=Decimal("10"), by=org_admin(shop.org))
    stale = quote(shop, [course], discount=discount, gift_cards=[card])
    assert stale.gift_card_total == Decimal("21.42")
    place(shop, [course], gift_cards=[card])  # another checkout spends 23.80 of the 30.00
    assert balance(card) == Decimal("6.20")

    with pytest.raises(ConflictError) as caught:
        orders.place_order(shop.org, shop.member, shop.market, stale, billing_name="Ada",
                           billing_email="ada@example.com", billing_country="DE")
    assert caught.value.message == "This gift card's balance changed; please review your order."
    assert count(OrgMemberOrder, OrgMemberOrder.org_id == shop.org.id) == 1
    assert count(OrgMemberOrderItem, OrgMemberOrderItem.org_id == shop.org.id) == 1
    assert count(OrgMemberGiftCardUsage, OrgMemberGiftCardUsage.gift_card_id == card.id) == 1
    assert count(OrgTaxRateSnapshot, OrgTaxRateSnapshot.org_id == shop.org.id) == 1
    assert balance(card) == Decimal("6.20")
    db.session.refresh(discount)
    assert discount.times_used == 0  # the claimed use was rolled back with the savepoint

    # The session is still usable: a fresh quote takes what is left.
    order = place(shop, [course], discount=discount, gift_cards=[card])
    assert (order.gift_card_amount, order.amount_due, balance(card)) == (
        Decimal("6.20"), Decimal("15.22"), Decimal("0"))


def test_cancel_restores_gift_card_balances_and_the_discount_use(shop):
    card = gift_card(shop, "20.00")
    discount = create_discount(shop.org, code=unique("ONE").upper(), name="One", type="percent",
                               value=Decimal("5"), usage_limit=1, by=org_admin(shop.org))
    order = place(shop, [plan(shop)], discount=discount, gift_cards=[card])
    assert (balance(card), discount.times_used, order.amount_due) == (Decimal("0"), 1, Decimal("35.39"))

    orders.cancel_order(order)
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert balance(card) == Decimal("20.00")
    usage = db.session.scalar(sa.select(OrgMemberGiftCardUsage).where(OrgMemberGiftCardUsage.order_id == order.id))
    assert usage.restored_at is not None
    db.session.refresh(discount)
    assert discount.times_used == 0
    with pytest.raises(InvalidTransitionError):
        orders.cancel_order(order)
    assert balance(card) == Decimal("20.00")  # restored once only
    with pytest.raises(InvalidTransitionError):
        orders.mark_paid(order, provider="manual")


# ---- statuses --------------------------------------------------------------------------------

def test_illegal_transitions_raise(shop):
    order = place(shop, [plan(shop)])
    with pytest.raises(InvalidTransitionError):
        order.set_status("fulfilled")  # pending -> fulfilled skips payment
    assert order.status == "pending"

    cancelled = place(shop, [plan(shop)])
    orders.cancel_order(cancelled)
    with pytest.raises(InvalidTransitionError):
        cancelled.set_status("paid")
    with pytest.raises(InvalidTransitionError):
        orders.mark_paid(cancelled, provider="manual")
    assert cancelled.status == "cancelled"
    assert count(OrgMemberOrderPayment, OrgMemberOrderPayment.order_id == cancelled.id) == 0

    orders.mark_paid(order, provider="manual")
    orders.refund(order)
    with pytest.raises(InvalidTransitionError):
        order.set_status("paid")
    assert orders.mark_paid(order, provider="manual").status == "refunded"  # a late event: no-op
    with pytest.raises(ConflictError, match="already been refunded"):
        orders.refund(order)
    with pytest.raises(InvalidTransitionError):
        orders.refund(place(shop, [plan(shop)]))  # pending: nothing was paid


def test_mark_paid_twice_records_one_payment_and_grants_once(shop):
    course = plan(shop, price="49.00")
    order = place(shop, [course])
    orders.mark_paid(order, provider="stripe", reference="pi_1", amount=Decimal("58.31"),
                     processing_fee=Decimal("1.75"))
    orders.mark_paid(order, provider="stripe", reference="pi_1", amount=Decimal("58.31"))
    assert order.status == "fulfilled" and order.payment_provider == "stripe"
    payments = db.session.scalars(sa.select(OrgMemberOrderPayment).where(OrgMemberOrderPayment.order_id == order.id)).all()
    assert [(p.provider, p.provider_reference, p.amount, p.processing_fee, p.status) for p in payments] == [
        ("stripe", "pi_1", Decimal("58.31"), Decimal("1.75"), "succeeded")]
    assert count(OrgMemberProductAccess, OrgMemberProductAccess.member_id == shop.member.id) == 1
    assert order.items[0].fulfilment_status == "fulfilled"


def test_paying_less_than_is_due_does_not_pay_the_order(shop):
    order = place(shop, [plan(shop, price="49.00")])
    with pytest.raises(ConflictError, match="less than the amount due"):
        orders.mark_paid(order, provider="stripe", amount=Decimal("10.00"))
    assert order.status == "pending"


# ---- fulfilment ------------------------------------------------------------------------------

def test_a_higher_tier_bought_later_raises_the_effective_tier_and_a_lower_one_does_not(shop):
    course = product(shop)
    basic = plan(shop, for_product=course, access_tier=1, name="Basic")
    pro = plan(shop, for_product=course, access_tier=3, name="Pro")
    plus = plan(shop, for_product=course, access_tier=2, name="Plus")
    assert tier(shop, course) is None

    orders.mark_paid(place(shop, [basic]), provider="manual")
    assert tier(shop, course) == 1
    pro_order = orders.mark_paid(place(shop, [pro]), provider="manual")
    assert tier(shop, course) == 3
    orders.mark_paid(place(shop, [plus]), provider="manual")
    assert tier(shop, course) == 3
    assert tier(shop, course, member=make_member(shop.org)) is None
    assert tier(shop, course, at=utcnow() - timedelta(days=1)) is None  # before any purchase

    orders.refund(pro_order)
    assert tier(shop, course) == 2


def test_a_subscription_plan_with_trial_days_starts_trialing(shop):
    course = product(shop)
    monthly = plan(shop, for_product=course, type="subscription", interval="month", trial_period_days=14,
                   access_tier=2)
    before = utcnow()
    order = orders.mark_paid(place(shop, [monthly]), provider="manual")
    subscription = db.session.scalar(sa.select(OrgMemberSubscription).where(OrgMemberSubscription.order_id == order.id))
    assert (subscription.status, subscription.plan_id, subscription.product_id, subscription.member_id) == (
        "trialing", monthly.id, course.id, shop.member.id)
    assert before + timedelta(days=14) <= subscription.trial_ends_at <= utcnow() + timedelta(days=14)
    assert subscription.current_period_end == subscription.trial_ends_at
    access = db.session.scalar(sa.select(OrgMemberProductAccess).where(OrgMemberProductAccess.subscription_id == subscription.id))
    assert (access.source, access.access_tier, access.order_item_id) == ("subscription", 2, order.items[0].id)
    assert order.status == "fulfilled"

    assert tier(shop, course) == 2
    assert tier(shop, course, at=subscription.trial_ends_at + timedelta(seconds=1)) is None  # not renewed
    subscription.set_status("past_due")
    assert tier(shop, course) is None


def test_a_subscription_plan_without_trial_is_active_for_one_interval(shop):
    yearly = plan(shop, type="subscription", interval="year", interval_count=1)
    order = orders.mark_paid(place(shop, [yearly]), provider="manual")
    subscription = db.session.scalar(sa.select(OrgMemberSubscription).where(OrgMemberSubscription.order_id == order.id))
    assert subscription.status == "active" and subscription.trial_ends_at is None
    assert subscription.current_period_end == orders.period_end(subscription.current_period_start, "year")

    orders.refund(order)
    db.session.refresh(subscription)
    assert subscription.status == "cancelled" and subscription.ended_at is not None
    assert tier(shop, yearly.variant.product) is None


def test_period_end_uses_calendar_months():
    start = utcnow().replace(year=2025, month=1, day=31, hour=12)
    assert orders.period_end(start, "month") == start.replace(month=2, day=28)
    assert orders.period_end(start, "month", 13) == start.replace(year=2026, month=2, day=28)
    assert orders.period_end(start, "week", 2) == start + timedelta(days=14)
    assert orders.period_end(start.replace(year=2024, month=2, day=29), "year") == start.replace(
        year=2025, month=2, day=28)


def test_services_are_requested_and_physical_items_keep_the_order_paid_until_shipped(shop):
    session_plan = plan(shop, for_product=product(shop, type="service"))
    box = plan(shop, price="15.00", for_product=product(shop, type="physical"))
    mug = plan(shop, price="8.00", for_product=product(shop, type="physical"))
    course = plan(shop)
    order = place(shop, [session_plan, box, mug, course], quantities=[1, 2, 1, 1], shipping_address=ADDRESS)
    assert order.items[1].quantity == 2 and order.items[1].subtotal_amount == Decimal("30.00")

    orders.mark_paid(order, provider="manual")
    by_plan = {item.payment_plan_id: item for item in order.items}
    assert order.status == "paid" and order.fulfilled_at is None
    assert [by_plan[p.id].fulfilment_status for p in (session_plan, box, mug, course)] == [
        "requested", "unfulfilled", "unfulfilled", "fulfilled"]
    assert tier(shop, course.variant.product) == 1
    assert tier(shop, box.variant.product) is None  # goods are shipped, not accessed

    orders.mark_shipped(by_plan[box.id])
    assert order.status == "paid"
    orders.mark_shipped(by_plan[mug.id])
    assert order.status == "fulfilled" and order.fulfilled_at is not None
    orders.mark_shipped(by_plan[mug.id])  # again: nothing changes
    assert by_plan[mug.id].fulfilment_status == "shipped"
    with pytest.raises(ConflictError):
        orders.mark_shipped(by_plan[course.id])


def test_refunding_the_last_unshipped_item_completes_the_order(shop):
    box = plan(shop, for_product=product(shop, type="physical"))
    course = plan(shop)
    order = orders.mark_paid(place(shop, [box, course], shipping_address=ADDRESS), provider="manual")
    assert order.status == "paid"
    orders.refund_item(order, order.items[0], by_employee=shop.admin, reason="Out of stock")
    assert order.status == "fulfilled"
    with pytest.raises(ConflictError):
        orders.mark_shipped(order.items[0])


# ---- refunds ---------------------------------------------------------------------------------

def test_a_full_refund_revokes_access_and_gives_the_gift_cards_back(shop):
    card = gift_card(shop, "20.00")
    course = plan(shop, price="49.00")
    order = orders.mark_paid(place(shop, [course], gift_cards=[card]), provider="stripe", reference="pi_9")
    assert tier(shop, course.variant.product) == 1 and balance(card) == Decimal("0")

    orders.refund(order, by_employee=shop.admin, reason="Changed my mind", provider_reference="re_1")
    assert order.status == "refunded" and order.refunded_at is not None
    assert order.refunded_amount == order.total_amount == Decimal("58.31")
    refunds = db.session.scalars(sa.select(OrgMemberOrderRefund).where(OrgMemberOrderRefund.order_id == order.id)).all()
    assert [(r.amount, r.order_item_id, r.by_employee_id, r.reason, r.provider_reference) for r in refunds] == [
        (Decimal("38.31"), None, shop.admin.id, "Changed my mind", "re_1")]
    assert balance(card) == Decimal("20.00")
    assert tier(shop, course.variant.product) is None
    assert [(i.status, i.refunded_amount) for i in order.items] == [("refunded", Decimal("58.31"))]
    access = db.session.scalar(sa.select(OrgMemberProductAccess).where(OrgMemberProductAccess.order_item_id == order.items[0].id))
    assert access.revoked_at is not None

    orders.mark_paid(order, provider="stripe", reference="pi_9")  # a replayed payment never un-refunds
    assert order.status == "refunded" and tier(shop, course.variant.product) is None


def test_refunding_one_item_revokes_only_its_access_and_returns_its_gift_card_share(shop):
    card = gift_card(shop, "50.00")
    first, second = plan(shop, price="40.00"), plan(shop, price="60.00")
    order = orders.mark_paid(place(shop, [first, second], gift_cards=[card]), provider="manual")
    assert (order.total_amount, order.gift_card_amount, order.amount_due) == (
        Decimal("119.00"), Decimal("50.00"), Decimal("69.00"))
    item = order.items[0]
    assert (item.line_total, item.gift_card_amount) == (Decimal("47.60"), Decimal("20.00"))

    orders.refund_item(order, item)
    assert order.status == "fulfilled"
    assert (item.status, item.refunded_amount) == ("refunded", Decimal("47.60"))
    assert order.refunded_amount == Decimal("47.60")
    assert tier(shop, first.variant.product) is None and tier(shop, second.variant.product) == 1
    assert balance(card) == Decimal("20.00")
    usages = db.session.scalars(sa.select(OrgMemberGiftCardUsage).where(OrgMemberGiftCardUsage.order_id == order.id)
                                .order_by(OrgMemberGiftCardUsage.created_at)).all()
    assert [(u.amount_used, u.restored_at is not None) for u in usages] == [
        (Decimal("50.00"), True), (Decimal("30.00"), False)]  # the kept part is taken again
    refunds = db.session.scalars(sa.select(OrgMemberOrderRefund).where(OrgMemberOrderRefund.order_id == order.id)).all()
    assert [(r.amount, r.order_item_id) for r in refunds] == [(Decimal("27.60"), item.id)]
    with pytest.raises(ConflictError, match="already been refunded"):
        orders.refund_item(order, item)

    orders.refund_item(order, order.items[1])  # the last item: the order is refunded
    assert order.status == "refunded"
    assert order.refunded_amount == order.total_amount
    assert balance(card) == Decimal("50.00")
    assert sum(r.amount for r in order.refunds) == order.amount_due


def test_a_partial_money_refund_keeps_access_and_is_capped_at_what_was_paid(shop):
    card = gift_card(shop, "8.31")
    course = plan(shop, price="49.00")
    order = orders.mark_paid(place(shop, [course], gift_cards=[card]), provider="manual")
    assert order.amount_due == Decimal("50.00")
    with pytest.raises(ValidationError, match="at most €50.00"):
        orders.refund_amount(order, Decimal("50.01"))
    with pytest.raises(ValidationError):
        orders.refund_amount(order, Decimal("0"))
    orders.refund_amount(order, Decimal("20.00"), reason="Late delivery")
    assert (order.status, order.refunded_amount, tier(shop, course.variant.product)) == (
        "fulfilled", Decimal("20.00"), 1)
    with pytest.raises(ValidationError, match="at most €30.00"):
        orders.refund_amount(order, Decimal("30.01"))

    orders.refund(order)  # the rest: 30.00 to the payment method, 8.31 to the gift card
    assert order.status == "refunded" and order.refunded_amount == Decimal("58.31")
    assert sorted(r.amount for r in order.refunds) == [Decimal("20.00"), Decimal("30.00")]
    assert balance(card) == Decimal("8.31")


def test_a_money_refund_of_one_item_is_capped_at_what_was_paid_for_it_and_keeps_its_access(shop):
    card = gift_card(shop, "50.00")
    first, second = plan(shop, price="40.00"), plan(shop, price="60.00")
    order = orders.mark_paid(place(shop, [first, second], gift_cards=[card]), provider="manual")
    item = order.items[0]  # 47.60, of which 20.00 paid by the gift card: 27.60 by the payment method
    with pytest.raises(ValidationError, match="at most €27.60"):
        orders.refund_amount(order, Decimal("27.61"), item=item)
    orders.refund_amount(order, Decimal("10.00"), item=item)
    assert (item.status, item.refunded_amount, order.refunded_amount) == (
        "active", Decimal("10.00"), Decimal("10.00"))
    assert order.status == "fulfilled" and tier(shop, first.variant.product) == 1
    assert balance(card) == Decimal("0")
    with pytest.raises(ValidationError, match="at most €17.60"):
        orders.refund_amount(order, Decimal("17.61"), item=item)

    other = orders.mark_paid(place(shop, [plan(shop)]), provider="manual")
    with pytest.raises(NotFoundError):
        orders.refund_item(order, other.items[0])
    with pytest.raises(NotFoundError):
        orders.refund_amount(order, Decimal("1.00"), item=other.items[0])


def test_only_employees_allowed_to_handle_orders_may_refund(shop):
    order = orders.mark_paid(place(shop, [plan(shop)]), provider="manual")
    creator = make_employee(shop.org, role="creator")
    with pytest.raises(PermissionDeniedError):
        orders.refund(order, by_employee=creator)
    assert order.status == "fulfilled"


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_receipt_shows_the_amounts_as_format_money_writes_them(shop, app, locale):
    from flask_babel import force_locale

    from app.money import format_money
    from app.platform.models import EmailOutbox

    order = place(shop, [plan(shop)])
    with app.test_request_context(), force_locale(locale):
        orders.mark_paid(order, provider="manual")
        expected = [format_money(item.line_total, order.currency_code) for item in order.items]
        total = format_money(order.total_amount, order.currency_code)
    receipt = db.session.scalar(sa.select(EmailOutbox).where(EmailOutbox.kind == "order_receipt")
                                .order_by(EmailOutbox.created_at.desc()))
    assert all(f": {amount}\n" in receipt.body_text for amount in expected), receipt.body_text
    assert f"{total}\n" in receipt.body_text


def test_placing_refuses_another_org_s_member_and_bad_billing_with_translated_text(app, shop):
    """The messages and field names ``place_order`` checks with are translated only for an error
    (lazy strings): the error still carries text, in the request's language."""
    from flask_babel import force_locale

    from app.errors import ValidationError
    from tests.factories import make_member, make_org

    stranger = make_member(make_org(unique("other")))
    the_quote = quote(shop, [plan(shop)])
    with app.test_request_context("/"):
        with pytest.raises(NotFoundError) as caught:
            orders.place_order(shop.org, stranger, shop.market, the_quote, billing_name="A", billing_email="a@example.com",
                               billing_country="DE")
        assert type(caught.value.message) is str and caught.value.message == "Member not found."
        with force_locale("de"), pytest.raises(ValidationError) as caught:
            orders.place_order(shop.org, shop.member, shop.market, the_quote, billing_name=" ",
                               billing_email="a@example.com", billing_country="DE")
        assert type(caught.value.message) is str and "Name" in caught.value.message
        assert caught.value.message != "Name is required."  # German
