"""Recurring billing: renewals with `billing renew`, cancelling at period end, lapsing declined
renewals, metered usage invoices, and the member's subscription and download pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.entitlements.models import OrgMemberSubscription
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.orders import billing
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberUsageRecord
from tests.orders.test_services import build_shop, place, plan, product, tier

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def shop():
    return build_shop()


def subscribe(shop, the_plan) -> OrgMemberSubscription:
    order = orders.mark_paid(place(shop, [the_plan]), provider="manual")
    return db.session.scalar(sa.select(OrgMemberSubscription).where(OrgMemberSubscription.order_id == order.id))


def renewal_orders(subscription) -> list[OrgMemberOrder]:
    from app.orders.models import OrgMemberOrderItem

    billed = sa.select(OrgMemberOrderItem.order_id).where(OrgMemberOrderItem.subscription_id == subscription.id)
    return list(db.session.scalars(
        sa.select(OrgMemberOrder).where(OrgMemberOrder.id.in_(billed)).order_by(OrgMemberOrder.created_at)
    ))


def test_renew_creates_a_taxed_renewal_order_for_the_next_period_and_access_continues(shop):
    course = product(shop)
    monthly = plan(shop, for_product=course, type="subscription", price="11.90", access_tier=2)
    subscription = subscribe(shop, monthly)
    end = subscription.current_period_end

    report = billing.renew_due(at=end + timedelta(minutes=1))

    [renewal] = report.renewed
    assert renewal.status == "pending" and renewal.member_id == shop.member.id
    assert renewal.subtotal_amount == Decimal("11.90") and renewal.tax_amount == Decimal("2.26")  # 19 % on top
    assert renewal.total_amount == Decimal("14.16")
    [item] = renewal.items
    assert (item.subscription_id, item.period_start, item.period_end) == (
        subscription.id, end, orders.period_end(end, "month"))
    assert subscription.current_period_start == end and subscription.status == "active"
    assert tier(shop, course, at=end + timedelta(days=2)) == 2  # still studying while the invoice is open

    orders.mark_paid(renewal, provider="manual")
    assert renewal.status == "fulfilled"
    assert tier(shop, course, at=end + timedelta(days=20)) == 2
    # Running again in the same period does nothing.
    assert billing.renew_due(at=end + timedelta(hours=1)).renewed == []


def test_a_trial_renews_into_its_first_paid_period(shop):
    trial = plan(shop, type="subscription", trial_period_days=14)
    subscription = subscribe(shop, trial)
    assert subscription.status == "trialing"
    report = billing.renew_due(at=subscription.trial_ends_at + timedelta(seconds=1))
    assert len(report.renewed) == 1
    assert subscription.status == "active"
    assert subscription.current_period_start == subscription.trial_ends_at


def test_a_declined_renewal_lapses_the_subscription_and_ends_access(shop):
    course = product(shop)
    subscription = subscribe(shop, plan(shop, for_product=course, type="subscription"))
    end = subscription.current_period_end
    [renewal] = billing.renew_due(at=end + timedelta(minutes=1)).renewed

    orders.cancel_order(renewal, at=end + timedelta(hours=2))  # "decline" on the payment page

    assert subscription.status == "lapsed" and subscription.ended_at == end + timedelta(hours=2)
    assert tier(shop, course, at=end + timedelta(hours=3)) is None


def test_a_renewal_left_unpaid_past_the_grace_period_lapses(shop):
    course = product(shop)
    subscription = subscribe(shop, plan(shop, for_product=course, type="subscription"))
    end = subscription.current_period_end
    [renewal] = billing.renew_due(at=end + timedelta(minutes=1)).renewed
    renewal.created_at = end + timedelta(minutes=1)

    assert billing.renew_due(at=end + timedelta(days=6), grace_days=7).lapsed == []
    report = billing.renew_due(at=end + timedelta(days=8), grace_days=7)

    assert report.lapsed == [subscription]
    assert renewal.status == "cancelled" and subscription.status == "lapsed"
    assert tier(shop, course, at=end + timedelta(days=8, minutes=1)) is None


def test_cancel_at_period_end_keeps_access_until_the_end_then_ends_without_a_renewal(shop):
    course = product(shop)
    subscription = subscribe(shop, plan(shop, for_product=course, type="subscription", access_tier=2))
    end = subscription.current_period_end
    billing.cancel_at_period_end(subscription)
    assert subscription.cancel_at_period_end and subscription.status == "active"
    assert tier(shop, course, at=end - timedelta(minutes=1)) == 2

    report = billing.renew_due(at=end + timedelta(minutes=1))

    assert report.renewed == [] and report.ended == [subscription]
    assert subscription.status == "cancelled" and subscription.ended_at == end
    assert tier(shop, course, at=end + timedelta(minutes=1)) is None
    with pytest.raises(ConflictError):
        billing.resume(subscription)


def test_resume_before_the_period_ends_renews_as_usual(shop):
    subscription = subscribe(shop, plan(shop, type="subscription"))
    billing.cancel_at_period_end(subscription)
    billing.resume(subscription)
    assert not subscription.cancel_at_period_end and subscription.cancelled_at is None
    assert len(billing.renew_due(at=subscription.current_period_end + timedelta(seconds=1)).renewed) == 1


def test_usage_based_invoice_is_base_plus_usage_above_the_included_units(shop):
    metered = plan(shop, type="usage_based", price="10.00", price_per_unit=Decimal("0.25"), included_units=100)
    subscription = subscribe(shop, metered)
    assert subscription.status == "active"  # usage plans are billed monthly
    start, end = subscription.current_period_start, subscription.current_period_end
    billing.record_usage(subscription, "90", at=start + timedelta(days=1))
    billing.record_usage(subscription, Decimal("40.5"), note="batch", at=start + timedelta(days=2))
    assert billing.usage_this_period(subscription) == Decimal("130.5")

    [invoice] = billing.renew_due(at=end + timedelta(minutes=1)).renewed

    base, usage = invoice.items
    assert base.subtotal_amount == Decimal("10.00")
    assert usage.subtotal_amount == Decimal("7.63")  # (130.5 − 100) × 0.25 = 7.625 → 7.63
    assert (usage.period_start, usage.period_end) == (start, end)
    assert "130.5" in usage.plan_name
    assert invoice.subtotal_amount == Decimal("17.63")
    assert invoice.tax_amount == base.tax_amount + usage.tax_amount
    records = db.session.scalars(sa.select(OrgMemberUsageRecord).where(
        OrgMemberUsageRecord.subscription_id == subscription.id)).all()
    assert {r.invoiced_order_id for r in records} == {invoice.id}
    assert billing.usage_this_period(subscription) == 0


def test_usage_within_the_included_units_bills_the_base_only(shop):
    metered = plan(shop, type="usage_based", price="10.00", included_units=100)
    subscription = subscribe(shop, metered)
    billing.record_usage(subscription, 99)
    [invoice] = billing.renew_due(at=subscription.current_period_end + timedelta(seconds=1)).renewed
    assert [i.subtotal_amount for i in invoice.items] == [Decimal("10.00")]


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.23456", "NaN", "1e12", "Infinity", "-Infinity", "sNaN", "1e309",
                                 "1e999999999", ""])
def test_bad_usage_quantities_are_refused(shop, bad):
    subscription = subscribe(shop, plan(shop, type="usage_based"))
    with pytest.raises(ValidationError):
        billing.record_usage(subscription, bad)


def test_usage_cannot_be_recorded_for_a_plain_subscription_or_after_it_ended(shop):
    subscription = subscribe(shop, plan(shop, type="subscription"))
    with pytest.raises(ValidationError):
        billing.record_usage(subscription, 1)
    metered = subscribe(shop, plan(shop, type="usage_based"))
    metered.set_status("lapsed")
    with pytest.raises(ConflictError):
        billing.record_usage(metered, 1)


def test_renew_catches_up_several_missed_periods(shop):
    subscription = subscribe(shop, plan(shop, type="subscription", interval="week"))
    start = subscription.current_period_start
    report = billing.renew_due(at=start + timedelta(weeks=3, hours=1))
    assert len(report.renewed) == 3
    assert subscription.current_period_end == start + timedelta(weeks=4)
    assert len(renewal_orders(subscription)) == 3


def test_stripe_subscriptions_are_left_to_stripe(shop):
    subscription = subscribe(shop, plan(shop, type="subscription"))
    subscription.provider = "stripe"
    assert billing.renew_due(at=subscription.current_period_end + timedelta(days=1)).renewed == []


def test_a_plan_no_longer_sold_ends_the_subscription_at_period_end(shop):
    the_plan = plan(shop, type="subscription")
    subscription = subscribe(shop, the_plan)
    price = the_plan.price_in(shop.market.id)
    price.is_active = False
    report = billing.renew_due(at=subscription.current_period_end + timedelta(seconds=1))
    assert report.renewed == [] and subscription.status == "cancelled"


def test_find_usage_subscription_for_the_cli(shop):
    metered = plan(shop, type="usage_based")
    subscription = subscribe(shop, metered)
    email = shop.member.user_profile.user.email
    found = billing.find_usage_subscription(shop.org.slug, email.upper(), metered.variant.product.slug)
    assert found.id == subscription.id


def test_a_deactivated_members_subscription_is_not_renewed_but_ends(shop):
    """Deactivating a member (the dashboard) ends their access at once; ``billing renew`` then
    ends their subscription at the period's end instead of billing them (or failing on them)."""
    course = product(shop)
    subscription = subscribe(shop, plan(shop, for_product=course, type="subscription"))
    end = subscription.current_period_end
    shop.member.status = "suspended"
    db.session.flush()
    assert tier(shop, course, at=end - timedelta(days=1)) is None

    report = billing.renew_due(at=end + timedelta(minutes=1))
    assert report.renewed == [] and report.ended == [subscription]
    assert subscription.status == "cancelled" and renewal_orders(subscription) == []
