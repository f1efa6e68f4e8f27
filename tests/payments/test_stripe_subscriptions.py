"""Stripe-backed subscriptions, with the real Stripe SDK against the local fake Stripe server:
Checkout Sessions in subscription mode, and the subscription and invoice webhooks that keep our
subscription in step with Stripe's (period, status, cancel at period end, renewal orders)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProductVariantPaymentPlan
from app.db import utcnow
from app.entitlements.models import OrgMemberSubscription
from app.entitlements.services import member_access_tier
from app.errors import ConflictError
from app.extensions import db
from app.giftcards.services import issue_gift_card
from app.markets.models import OrgMarket
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment
from app.orgs.models import Org, OrgMember
from app.payments.models import PaymentEvent
from app.payments.providers import ManualProvider, get_provider
from app.pricing import pipeline as pricing
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
)
from tests.payments.fake_stripe import DAY, FakeStripe, sign

WEBHOOK_SECRET = "whsec_test_secret"


@dataclass
class Shop:
    org_id: str
    market_id: str
    member_id: str
    admin_id: str
    product_id: str
    monthly_id: str  # 10.00 net a month, 19% VAT on top: 11.90
    trial_id: str  # 20.00 net a month after a 14-day trial: 23.80
    yearly_id: str
    one_time_id: str  # 5.00 net: 5.95
    usage_id: str


@pytest.fixture
def stripe_app(app):
    with FakeStripe() as fake:
        app.config.update(STRIPE_SECRET_KEY="sk_test_123", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                          STRIPE_API_BASE=fake.url)
        try:
            yield fake
        finally:
            app.config.update(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None, STRIPE_API_BASE=None)


@pytest.fixture
def shop(app) -> Shop:
    with app.app_context():
        org = make_org()
        market = make_market(org, currency_code="EUR", country_codes=("DE", "AT"))
        category = make_tax_category(org, "standard")
        make_tax_rate(org, category=category, region=make_region(org, "DE"), rate=Decimal("0.19"),
                      effective_from=utcnow() - timedelta(days=30))
        product = make_product(org, name="Streaming Course", tax_category=category)
        monthly = make_priced_plan(market, product=product, price="10.00", type="subscription", interval="month",
                                   name="Monthly", access_tier=2)
        trial = make_priced_plan(market, product=product, price="20.00", type="subscription", interval="month",
                                 trial_period_days=14, name="Trial", access_tier=2)
        yearly = make_priced_plan(market, product=product, price="100.00", type="subscription", interval="year",
                                  name="Yearly", access_tier=2)
        one_time = make_priced_plan(market, product=make_product(org, tax_category=category), price="5.00",
                                    name="Workbook")
        usage = make_priced_plan(market, product=make_product(org, tax_category=category), price="3.00",
                                 type="usage_based", name="Credits")
        member = make_member(org)
        admin = make_employee(org, role="admin")
        db.session.commit()
        return Shop(org.id, market.id, member.id, admin.id, product.id, monthly.id, trial.id, yearly.id,
                    one_time.id, usage.id)


# ---- helpers -------------------------------------------------------------------------------

def _place(shop: Shop, plan_ids: list[str], gift_card_amount: str | None = None) -> OrgMemberOrder:
    """A pending Stripe order for the plans, priced like the checkout does (a trial's first
    period is free). Needs an app context."""
    org, market = db.session.get(Org, shop.org_id), db.session.get(OrgMarket, shop.market_id)
    lines = []
    for plan_id in plan_ids:
        plan = db.session.get(OrgProductVariantPaymentPlan, plan_id)
        product = plan.variant.product
        trial = plan.subscription.trial_period_days if plan.type == "subscription" and plan.subscription else 0
        lines.append(pricing.LineInput(
            plan_id=plan.id, product_id=product.id, variant_id=plan.variant_id, product_name=product.name,
            plan_name=plan.name, plan_type=plan.type, access_tier=plan.access_tier,
            tax_category_id=product.tax_category_id, collection_ids=frozenset(), quantity=1,
            unit_price=Decimal(0) if trial else plan.price_in(market.id).price,
        ))
    cards = []
    if gift_card_amount:
        admin = db.session.get(orders.OrgEmployee, shop.admin_id)
        cards.append(issue_gift_card(org, amount=Decimal(gift_card_amount), currency_code="EUR", by=admin))
    quote = pricing.quote(org, currency="EUR", tax_inclusive=market.tax_inclusive, lines=lines,
                          billing_country="DE", gift_cards=cards, market_id=market.id)
    return orders.place_order(org, db.session.get(OrgMember, shop.member_id), market, quote,
                              billing_name="Ada Lovelace", billing_email="ada@example.com", billing_country="DE",
                              provider="stripe")


def _checkout(app, stripe_app: FakeStripe, shop: Shop, plan_ids: list[str], **kwargs) -> tuple[str, str]:
    """Place the order and open its Checkout Session; returns (order id, session id)."""
    with app.app_context():
        order = _place(shop, plan_ids, **kwargs)
        db.session.commit()
        result = get_provider().start_payment(order, success_url="http://shop.test/ok",
                                              cancel_url="http://shop.test/cancel", manual_url="/pay")
        order.provider_session_id = result.reference
        db.session.commit()
        return order.id, result.reference


def _deliver(client, event: dict):
    payload = json.dumps(event)
    response = client.post("/webhooks/stripe", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["status"]


def _subscription(order_id: str) -> OrgMemberSubscription:
    return db.session.scalar(sa.select(OrgMemberSubscription).where(OrgMemberSubscription.order_id == order_id))


def _tier(shop: Shop, at: datetime | None = None) -> int | None:
    return member_access_tier(db.session.get(OrgMember, shop.member_id), shop.product_id, at)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _subscribed(app, client, stripe_app, shop, plan_ids=None) -> tuple[str, str]:
    """A paid first order whose subscription is linked; returns (order id, Stripe subscription id)."""
    order_id, session_id = _checkout(app, stripe_app, shop, plan_ids or [shop.monthly_id])
    assert _deliver(client, stripe_app.completed_event(session_id)) == "paid"
    return order_id, stripe_app.sessions[session_id]["subscription"]


# ---- Checkout Sessions -----------------------------------------------------------------------

def test_a_subscription_plan_opens_a_subscription_mode_session_with_a_recurring_price(app, shop, stripe_app):
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.monthly_id, shop.one_time_id])
    params = stripe_app.session_params[session_id]
    assert params["mode"] == "subscription"
    assert params["line_items[0][price_data][unit_amount]"] == "1190"
    assert params["line_items[0][price_data][recurring][interval]"] == "month"
    assert params["line_items[0][price_data][recurring][interval_count]"] == "1"
    assert params["line_items[1][price_data][unit_amount]"] == "595"  # the workbook stays a one-time line
    assert "line_items[1][price_data][recurring][interval]" not in params
    assert params["subscription_data[metadata][order_id]"] == order_id
    assert params["subscription_data[metadata][org_id]"] == shop.org_id
    assert params["metadata[order_id]"] == order_id
    assert "subscription_data[trial_period_days]" not in params
    assert "payment_intent_data[metadata][order_id]" not in params  # not allowed in subscription mode
    assert "discounts[0][coupon]" not in params
    assert stripe_app.sessions[session_id]["amount_total"] == 1785


def test_a_trial_plan_gets_trial_days_and_its_full_price_recurs(app, client, shop, stripe_app):
    # The trial line is free today; the workbook makes something due, so the order reaches Stripe.
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.trial_id, shop.one_time_id])
    params = stripe_app.session_params[session_id]
    assert params["mode"] == "subscription"
    assert params["subscription_data[trial_period_days]"] == "14"
    assert params["line_items[0][price_data][unit_amount]"] == "2380"  # charged when the trial ends
    assert params["line_items[0][price_data][recurring][interval]"] == "month"
    assert params["line_items[1][price_data][unit_amount]"] == "595"
    assert stripe_app.sessions[session_id]["amount_total"] == 595  # only the workbook today

    assert _deliver(client, stripe_app.completed_event(session_id)) == "paid"
    with app.app_context():
        subscription = _subscription(order_id)
        assert subscription.status == "trialing" and subscription.provider == "stripe"
        assert subscription.provider_subscription_id == stripe_app.sessions[session_id]["subscription"]
        assert _tier(shop) == 2


def test_a_gift_card_reduces_only_the_first_period_through_a_one_off_coupon(app, shop, stripe_app):
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.monthly_id], gift_card_amount="5.00")
    params = stripe_app.session_params[session_id]
    assert params["line_items[0][price_data][unit_amount]"] == "1190"  # every later period costs 11.90
    coupon = stripe_app.coupons[params["discounts[0][coupon]"]]
    assert (coupon["amount_off"], coupon["currency"], coupon["duration"], coupon["max_redemptions"]) == (
        500, "eur", "once", 1)
    assert stripe_app.sessions[session_id]["amount_total"] == 690
    with app.app_context():
        assert db.session.get(OrgMemberOrder, order_id).amount_due == Decimal("6.90")


def test_orders_without_subscription_plans_keep_payment_mode(app, client, shop, stripe_app):
    _, session_id = _checkout(app, stripe_app, shop, [shop.one_time_id])
    params = stripe_app.session_params[session_id]
    assert params["mode"] == "payment" and params["line_items[0][price_data][unit_amount]"] == "595"
    assert "line_items[0][price_data][recurring][interval]" not in params
    assert "payment_intent_data[metadata][order_id]" in params and "subscription_data[metadata][order_id]" not in params

    # A usage-based plan is charged once at Stripe; later periods are billed by `flask billing renew`.
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.usage_id])
    assert stripe_app.session_params[session_id]["mode"] == "payment"
    assert _deliver(client, stripe_app.completed_event(session_id)) == "paid"
    with app.app_context():
        subscription = _subscription(order_id)
        assert subscription.provider == "manual" and subscription.provider_subscription_id is None


def test_plans_stripe_cannot_bill_together_fall_back_to_a_one_off_payment_and_manual_renewal(
        app, client, shop, stripe_app):
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.monthly_id, shop.yearly_id])
    assert stripe_app.session_params[session_id]["mode"] == "payment"
    assert _deliver(client, stripe_app.completed_event(session_id)) == "paid"
    with app.app_context():
        providers = set(db.session.scalars(
            sa.select(OrgMemberSubscription.provider).where(OrgMemberSubscription.order_id == order_id)))
        assert providers == {"manual"}


# ---- webhooks --------------------------------------------------------------------------------

def test_completed_links_the_subscription_and_an_early_created_event_is_applied_after_it(
        app, client, shop, stripe_app):
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.monthly_id])
    sub_id = stripe_app.sessions[session_id]["subscription"]
    # Stripe often sends customer.subscription.created before checkout.session.completed.
    early = stripe_app.subscription_event(sub_id, "customer.subscription.created", cancel_at_period_end=True)
    assert _deliver(client, early) == "waiting_for_order"
    completed = stripe_app.completed_event(session_id)
    assert _deliver(client, completed) == "paid"
    assert _deliver(client, completed) == "duplicate"
    with app.app_context():
        subscription = _subscription(order_id)
        assert (subscription.provider, subscription.provider_subscription_id) == ("stripe", sub_id)
        assert subscription.status == "active" and subscription.cancel_at_period_end is True
        item = stripe_app.subscriptions[sub_id]["items"]["data"][0]
        assert subscription.current_period_end == _at(item["current_period_end"])
        assert db.session.scalar(sa.select(PaymentEvent.result).where(PaymentEvent.type == early["type"])) == "synced"
        payment = db.session.scalar(sa.select(OrgMemberOrderPayment).where(OrgMemberOrderPayment.order_id == order_id))
        assert payment.provider_reference == stripe_app.sessions[session_id]["invoice"]
        assert payment.amount == Decimal("11.90")
        assert _tier(shop) == 2


def test_subscription_updated_moves_the_period_on_and_keeps_access(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    item = stripe_app.subscriptions[sub_id]["items"]["data"][0]
    start, end = item["current_period_end"], item["current_period_end"] + 30 * DAY
    assert _deliver(client, stripe_app.subscription_event(
        sub_id, current_period_start=start, current_period_end=end)) == "synced"
    with app.app_context():
        subscription = _subscription(order_id)
        assert (subscription.current_period_start, subscription.current_period_end) == (_at(start), _at(end))
        assert subscription.status == "active"
        assert _tier(shop, at=_at(start) + timedelta(days=1)) == 2  # the new period grants access


def test_legacy_shapes_with_the_period_on_the_subscription_are_understood(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    item = stripe_app.subscriptions[sub_id]["items"]["data"][0]
    start, end = item["current_period_end"], item["current_period_end"] + 30 * DAY
    event = stripe_app.subscription_event(sub_id, legacy=True, current_period_start=start, current_period_end=end)
    event["data"]["object"]["items"]["data"][0].pop("current_period_start")
    assert _deliver(client, event) == "synced"
    assert _deliver(client, stripe_app.invoice_event(sub_id, period_start=start, period_end=end, legacy=True)) == \
        "renewed"
    with app.app_context():
        assert _subscription(order_id).current_period_end == _at(end)


def test_a_renewal_invoice_books_exactly_one_paid_order_however_often_it_arrives(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    item = stripe_app.subscriptions[sub_id]["items"]["data"][0]
    start, end = item["current_period_end"], item["current_period_end"] + 30 * DAY
    paid = stripe_app.invoice_event(sub_id, period_start=start, period_end=end)
    invoice_id = paid["data"]["object"]["id"]
    assert _deliver(client, paid) == "renewed"
    assert _deliver(client, paid) == "duplicate"
    assert _deliver(client, paid) == "duplicate"
    # Stripe sends invoice.payment_succeeded for the same invoice under another event id.
    succeeded = {**paid, "id": "evt_other_" + invoice_id, "type": "invoice.payment_succeeded"}
    assert _deliver(client, succeeded) == "already_renewed"
    # The first invoice is the checkout's order, booked already.
    first = stripe_app.invoice_event(sub_id, billing_reason="subscription_create", period_start=start - 30 * DAY,
                                     period_end=start)
    assert _deliver(client, first) == "ignored_subscription_create"
    with app.app_context():
        renewals = db.session.scalars(
            sa.select(OrgMemberOrder).where(OrgMemberOrder.id != order_id, OrgMemberOrder.org_id == shop.org_id)
        ).all()
        assert len(renewals) == 1
        renewal = renewals[0]
        assert renewal.status == "fulfilled" and renewal.payment_provider == "stripe"
        assert renewal.amount_due == Decimal("11.90") and renewal.tax_amount == Decimal("1.90")
        payment = renewal.payments[0]
        assert (payment.provider_reference, payment.amount) == (invoice_id, Decimal("11.90"))
        line = db.session.scalar(sa.select(OrgMemberOrderItem).where(OrgMemberOrderItem.order_id == renewal.id))
        subscription = _subscription(order_id)
        assert (line.subscription_id, line.period_start, line.period_end) == (subscription.id, _at(start), _at(end))
        assert (subscription.current_period_start, subscription.current_period_end) == (_at(start), _at(end))
        assert subscription.status == "active"
        assert _tier(shop, at=_at(start) + timedelta(days=1)) == 2


def test_a_renewal_stripe_charged_less_for_is_booked_at_our_amount_and_flagged(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    assert _deliver(client, stripe_app.invoice_event(sub_id, amount=1000)) == "renewed_amount_differs"
    with app.app_context():
        renewal = db.session.scalar(sa.select(OrgMemberOrder).where(OrgMemberOrder.id != order_id,
                                                                    OrgMemberOrder.org_id == shop.org_id))
        assert renewal.status == "fulfilled" and renewal.payments[0].amount == Decimal("11.90")


def test_a_failed_payment_makes_the_subscription_past_due_without_access(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    failed = stripe_app.invoice_event(sub_id, "invoice.payment_failed")
    assert _deliver(client, failed) == "past_due"
    with app.app_context():
        assert _subscription(order_id).status == "past_due"
        assert _tier(shop) is None
    # Stripe retries and succeeds: the renewal is booked and access is back.
    invoice_id = failed["data"]["object"]["id"]
    assert _deliver(client, stripe_app.invoice_event(sub_id, invoice_id=invoice_id)) == "renewed"
    late_failure = stripe_app.invoice_event(sub_id, "invoice.payment_failed", invoice_id=invoice_id)
    assert _deliver(client, late_failure) == "already_paid"
    with app.app_context():
        assert _subscription(order_id).status == "active"
        assert _tier(shop, at=_subscription(order_id).current_period_start + timedelta(hours=2)) == 2


def test_deleted_ends_access_and_an_older_update_never_revives_it(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    now = _ts(utcnow())
    stale_update = stripe_app.subscription_event(sub_id, status="active", created=now - 60)
    deleted = stripe_app.subscription_event(sub_id, "customer.subscription.deleted", status="canceled",
                                            ended_at=now, created=now)
    assert _deliver(client, deleted) == "ended"
    with app.app_context():
        subscription = _subscription(order_id)
        assert subscription.status == "cancelled" and subscription.ended_at == _at(now)
        assert _tier(shop) is None
    assert _deliver(client, stale_update) == "stale"
    # Even a later-stamped non-final update cannot revive it: Stripe never revives a canceled one.
    assert _deliver(client, stripe_app.subscription_event(sub_id, status="active", created=now + 60)) == "stale"
    with app.app_context():
        assert _subscription(order_id).status == "cancelled" and _tier(shop) is None


def test_an_older_update_delivered_late_does_not_overwrite_a_newer_state(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    now = _ts(utcnow())
    older = stripe_app.subscription_event(sub_id, status="past_due", created=now)
    newer = stripe_app.subscription_event(sub_id, status="active", cancel_at_period_end=True, created=now + 5)
    assert _deliver(client, newer) == "synced"
    assert _deliver(client, older) == "stale"
    with app.app_context():
        subscription = _subscription(order_id)
        assert subscription.status == "active" and subscription.cancel_at_period_end is True
        assert subscription.cancelled_at is not None
        assert _tier(shop) == 2
    # Resumed at Stripe: the cancellation is cleared.
    assert _deliver(client, stripe_app.subscription_event(sub_id, cancel_at_period_end=False,
                                                          created=now + 10)) == "synced"
    with app.app_context():
        subscription = _subscription(order_id)
        assert subscription.cancel_at_period_end is False and subscription.cancelled_at is None


def test_an_update_about_an_earlier_period_is_stale(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    item = stripe_app.subscriptions[sub_id]["items"]["data"][0]
    first_start, first_end = item["current_period_start"], item["current_period_end"]
    assert _deliver(client, stripe_app.invoice_event(sub_id)) == "renewed"
    old = stripe_app.subscription_event(sub_id, status="past_due", current_period_start=first_start,
                                        current_period_end=first_end, created=_ts(utcnow()) + 30)
    assert _deliver(client, old) == "stale"
    with app.app_context():
        subscription = _subscription(order_id)
        assert subscription.status == "active" and subscription.current_period_start == _at(first_end)


def test_events_of_unknown_subscriptions_change_nothing(app, client, shop, stripe_app):
    _, sub_id = _subscribed(app, client, stripe_app, shop)
    event = stripe_app.invoice_event(sub_id)
    event["data"]["object"]["parent"]["subscription_details"] = {"subscription": "sub_unknown", "metadata": {}}
    assert _deliver(client, event) == "unknown_subscription"


# ---- cancel at period end --------------------------------------------------------------------

def test_cancel_at_period_end_reaches_stripe(app, client, shop, stripe_app):
    order_id, sub_id = _subscribed(app, client, stripe_app, shop)
    with app.app_context():
        subscription = _subscription(order_id)
        provider = get_provider(subscription.provider)
        provider.set_cancel_at_period_end(subscription, True)
        assert stripe_app.requests[-1][:2] == ("POST", f"/v1/subscriptions/{sub_id}")
        assert stripe_app.requests[-1][2]["cancel_at_period_end"] == "true"
        assert stripe_app.subscriptions[sub_id]["cancel_at_period_end"] is True
        provider.set_cancel_at_period_end(subscription, False)
        assert stripe_app.requests[-1][2]["cancel_at_period_end"] == "false"

        subscription.provider_subscription_id = None  # not linked yet: nothing to tell Stripe about
        with pytest.raises(ConflictError):
            provider.set_cancel_at_period_end(subscription, True)
        ManualProvider().set_cancel_at_period_end(subscription, True)  # a no-op
        db.session.rollback()


# ---- events that come before their order is paid ---------------------------------------------

def _payments(order_id: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberOrderPayment)
                             .where(OrgMemberOrderPayment.order_id == order_id))


@pytest.mark.parametrize("metadata", [True, False], ids=["charge-names-the-order", "charge-names-only-its-payment"])
def test_a_refund_delivered_before_the_completion_takes_effect_once_the_order_is_paid(
        app, client, shop, stripe_app, metadata):
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.one_time_id])
    assert stripe_app.session_params[session_id]["mode"] == "payment"
    completed = stripe_app.completed_event(session_id)  # Stripe created it first...
    refunded = stripe_app.refunded_event(session_id, metadata=metadata)

    assert _deliver(client, refunded) == "waiting_for_order"  # ...but the refund arrives first
    with app.app_context():
        assert db.session.get(OrgMemberOrder, order_id).status == "pending" and _payments(order_id) == 0

    # The completion, delivered three times (Stripe retries), and once more as a separate event.
    assert _deliver(client, completed) == "paid"
    assert _deliver(client, completed) == "duplicate"
    assert _deliver(client, completed) == "duplicate"
    assert _deliver(client, stripe_app.completed_event(session_id)) == "already_refunded"

    with app.app_context():
        order = db.session.get(OrgMemberOrder, order_id)
        assert order.status == "refunded"
        assert _payments(order_id) == 1
        assert len(order.refunds) == 1 and order.refunds[0].amount == order.amount_due
        member = db.session.get(OrgMember, shop.member_id)
        product_id = db.session.get(OrgProductVariantPaymentPlan, shop.one_time_id).variant.product_id
        assert member_access_tier(member, product_id) is None  # access revoked
        event = db.session.scalar(sa.select(PaymentEvent).where(PaymentEvent.event_id == refunded["id"]))
        assert (event.result, event.order_id) == ("refunded", order_id)


def test_a_refund_of_a_first_subscription_invoice_before_its_completion_ends_the_subscription(
        app, client, shop, stripe_app):
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.monthly_id])
    completed = stripe_app.completed_event(session_id)
    # The invoice's charge names the invoice, not our order.
    assert _deliver(client, stripe_app.refunded_event(session_id, metadata=False)) == "waiting_for_order"
    assert _deliver(client, completed) == "paid"
    assert _deliver(client, completed) == "duplicate"
    with app.app_context():
        order = db.session.get(OrgMemberOrder, order_id)
        assert order.status == "refunded" and _payments(order_id) == 1
        assert _subscription(order_id).status in ("cancelled", "lapsed")
        assert _tier(shop) is None


def test_a_partial_refund_before_the_completion_is_recorded_and_keeps_access(app, client, shop, stripe_app):
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.one_time_id])
    completed = stripe_app.completed_event(session_id)
    refunded = stripe_app.refunded_event(session_id, amount=100)
    assert _deliver(client, refunded) == "waiting_for_order"
    assert _deliver(client, completed) == "paid"
    with app.app_context():
        order = db.session.get(OrgMemberOrder, order_id)
        assert order.status == "fulfilled" and order.refunded_amount == Decimal("1.00")
        event = db.session.scalar(sa.select(PaymentEvent).where(PaymentEvent.event_id == refunded["id"]))
        assert event.result == "partial_refund_recorded"
        assert {item.status for item in order.items} == {"active"}  # money only: access stays


def test_a_partial_refund_made_at_stripe_is_recorded_once(app, client, shop, stripe_app):
    """Refunds made in Stripe's dashboard (or ours, when the commit after the call was lost) reach
    our books through ``charge.refunded``; its amount is cumulative, so a later event for the same
    total records nothing more."""
    order_id, session_id = _checkout(app, stripe_app, shop, [shop.one_time_id])
    assert _deliver(client, stripe_app.completed_event(session_id)) == "paid"
    assert _deliver(client, stripe_app.refunded_event(session_id, amount=250)) == "partial_refund_recorded"
    assert _deliver(client, stripe_app.refunded_event(session_id, amount=250)) == "partial_refund_noted"
    assert _deliver(client, stripe_app.refunded_event(session_id, amount=400)) == "partial_refund_recorded"
    with app.app_context():
        order = db.session.get(OrgMemberOrder, order_id)
        assert order.refunded_amount == Decimal("4.00") and order.status == "fulfilled"
        assert sorted(r.amount for r in order.refunds) == [Decimal("1.50"), Decimal("2.50")]


def test_an_event_whose_order_never_comes_is_given_up_after_the_wait(app, client, shop, stripe_app):
    _order_id, session_id = _checkout(app, stripe_app, shop, [shop.one_time_id])
    stray = stripe_app.event("charge.refunded", {"id": "ch_stray", "object": "charge", "payment_intent": "pi_other",
                                                 "amount": 500, "amount_captured": 500, "amount_refunded": 500})
    assert _deliver(client, stray) == "waiting_for_order"
    with app.app_context():
        event = db.session.scalar(sa.select(PaymentEvent).where(PaymentEvent.event_id == stray["id"]))
        event.created_at = utcnow() - timedelta(days=8)  # past the wait
        db.session.commit()
    assert _deliver(client, stripe_app.completed_event(session_id)) == "paid"
    with app.app_context():
        event = db.session.scalar(sa.select(PaymentEvent).where(PaymentEvent.event_id == stray["id"]))
        assert event.result == "unknown_order"
        order = db.session.scalar(sa.select(OrgMemberOrder).where(OrgMemberOrder.provider_session_id == session_id))
        assert order.status == "fulfilled"
