"""The subscription state machine (app.entitlements.models): the only way a subscription changes
status. Running statuses move among themselves, ending is final and stamps when (and, cancelled,
since when) the subscription ended, and a stored subscription cannot be changed around it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import utcnow
from app.entitlements.models import SUBSCRIPTION_TRANSITIONS, OrgMemberSubscription
from app.entitlements.services import member_access_tier
from app.errors import InvalidTransitionError
from tests.factories import (
    make_access,
    make_market,
    make_member,
    make_org,
    make_priced_plan,
    make_subscription,
)

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def shop():
    org = make_org()
    market = make_market(org)
    plan = make_priced_plan(market, type="subscription")
    member = make_member(org)
    return member, plan, market


def subscription(shop, status="active") -> OrgMemberSubscription:
    member, plan, market = shop
    return make_subscription(member, plan, market, status=status)


@pytest.mark.parametrize("start, new", [
    ("trialing", "active"), ("active", "past_due"), ("past_due", "active"), ("trialing", "past_due"),
    ("active", "trialing"),  # the Stripe provider copies Stripe's status
])
def test_running_subscriptions_move_among_the_running_statuses(shop, start, new):
    sub = subscription(shop, start)
    assert sub.set_status(new) is True
    assert (sub.status, sub.ended_at, sub.cancelled_at) == (new, None, None)


@pytest.mark.parametrize("start", ["trialing", "active", "past_due"])
def test_ending_stamps_the_moment(shop, start):
    at = utcnow() + timedelta(days=3)
    lapsed, cancelled = subscription(shop, start), subscription(shop, start)
    lapsed.set_status("lapsed", at=at)
    cancelled.set_status("cancelled", at=at)
    assert (lapsed.status, lapsed.ended_at, lapsed.cancelled_at) == ("lapsed", at, None)
    assert (cancelled.status, cancelled.ended_at, cancelled.cancelled_at) == ("cancelled", at, at)


def test_a_cancellation_at_period_end_keeps_when_the_member_cancelled(shop):
    sub = subscription(shop)
    asked = utcnow()
    sub.cancel_at_period_end, sub.cancelled_at = True, asked
    sub.set_status("cancelled", at=sub.current_period_end)
    assert (sub.cancelled_at, sub.ended_at) == (asked, sub.current_period_end)


@pytest.mark.parametrize("ended", ["cancelled", "lapsed"])
@pytest.mark.parametrize("new", ["trialing", "active", "past_due", "cancelled", "lapsed"])
def test_an_ended_subscription_never_runs_again(shop, ended, new):
    sub = subscription(shop)
    sub.set_status(ended)
    if new == ended:
        assert sub.set_status(new) is False  # nothing to do
        return
    with pytest.raises(InvalidTransitionError):
        sub.set_status(new)
    assert sub.status == ended
    assert SUBSCRIPTION_TRANSITIONS[ended] == set()


def test_moving_to_the_current_status_changes_nothing(shop):
    sub = subscription(shop)
    assert sub.set_status("active") is False
    with pytest.raises(InvalidTransitionError):
        sub.set_status("paused")


def test_a_stored_subscription_changes_status_only_through_set_status(shop):
    sub = subscription(shop)  # a new subscription starts in the status it is given
    with pytest.raises(RuntimeError, match="set_status"):
        sub.status = "lapsed"
    assert sub.status == "active"


def test_ending_the_subscription_ends_the_access_it_backs(shop):
    member, plan, _market = shop
    sub = subscription(shop)
    make_access(member, plan.variant.product, tier=2, subscription=sub, plan=plan)
    assert member_access_tier(member, plan.variant.product) == 2
    sub.set_status("past_due")
    assert member_access_tier(member, plan.variant.product) is None  # no access until paid
    sub.set_status("active")
    assert member_access_tier(member, plan.variant.product) == 2
    sub.set_status("lapsed")
    assert member_access_tier(member, plan.variant.product) is None
