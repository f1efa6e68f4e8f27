"""Recurring billing: renewing subscriptions, cancelling at period end, metered usage.

A subscription (a subscription plan, or a usage-based plan billed monthly) is paid for one period
at a time. ``renew_due`` (``flask --app wsgi billing renew``, run daily) handles every
subscription of the manual provider whose period has ended:

- cancelled at period end → the subscription ends (``cancelled``), after a last invoice for the
  usage above the included units, if any;
- otherwise → a renewal order for the next period (base price, plus for usage-based plans
  max(0, used − included) × price per unit of the period that ended), priced like a checkout
  (tax of the buyer's billing country at renewal time). The period moves on at once, so access
  continues while the invoice is paid; a declined renewal (the order cancelled) lapses the
  subscription, and so does a renewal left unpaid for ``BILLING_GRACE_DAYS``.

Subscriptions of the Stripe provider are not renewed here: Stripe bills them and its
subscription and invoice webhooks update them (``app/payments/services.py``).

Renewing is idempotent across processes and hosts: each subscription is locked while it is
handled (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL: a second renewer skips it, and once
the first commits it reads the period already moved on; SQLite has one writer at a time), and a
unique constraint on the invoice lines (subscription, period start, billing kind) refuses a
period billed twice whatever happens.

Services flush and raise DomainErrors; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User, UserProfile
from app.catalog.models import (
    OrgProduct,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.checks import to_decimal_number
from app.db import utcnow
from app.entitlements.models import (
    SUBSCRIPTION_ACCESS_STATUSES,
    SUBSCRIPTION_RUNNING_STATUSES,
    OrgMemberSubscription,
)
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.markets.models import OrgMarket
from app.money import ZERO, quantize
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberUsageRecord
from app.orgs.models import Org, OrgMember
from app.orgs.services import ensure_same_org
from app.pricing.pipeline import LineInput, quote

MAX_PERIODS_PER_RUN = 24  # catching up after a long pause, without looping forever
MAX_USAGE_QUANTITY = Decimal("100000000")


@dataclass
class RenewalReport:
    renewed: list[OrgMemberOrder] = field(default_factory=list)
    ended: list[OrgMemberSubscription] = field(default_factory=list)
    lapsed: list[OrgMemberSubscription] = field(default_factory=list)

    def extend(self, other: RenewalReport) -> None:
        self.renewed += other.renewed
        self.ended += other.ended
        self.lapsed += other.lapsed


# ---- periods -------------------------------------------------------------------------------

def plan_interval(plan: OrgProductVariantPaymentPlan) -> tuple[str, int]:
    """A subscription plan's billing interval; usage-based plans are billed monthly."""
    terms = plan.subscription
    if terms is not None:
        return terms.interval, terms.interval_count
    return "month", 1


def next_period_end(subscription: OrgMemberSubscription, start: datetime) -> datetime:
    interval, count = plan_interval(subscription.plan)
    return orders.period_end(start, interval, count)


# ---- usage ---------------------------------------------------------------------------------

def _usage_quantity(value) -> Decimal:
    quantity = to_decimal_number(value, _("Enter the quantity as a number, e.g. 3 or 2.5."))
    if quantity <= 0:
        raise ValidationError(_("The quantity must be greater than zero."))
    if quantity >= MAX_USAGE_QUANTITY or quantity != quantity.quantize(Decimal("0.0001")):
        raise ValidationError(_("The quantity can have at most 4 decimal places and must be below 100,000,000."))
    return quantity


def record_usage(subscription: OrgMemberSubscription, quantity, *, note: str | None = None,
                 at: datetime | None = None) -> OrgMemberUsageRecord:
    """Record ``quantity`` units used on a usage-based subscription (billed at its period end)."""
    if subscription.plan.type != "usage_based":
        raise ValidationError(_("Usage can only be recorded for usage-based plans."))
    if subscription.status not in SUBSCRIPTION_ACCESS_STATUSES:
        raise ConflictError(_("This subscription has ended; no more usage can be recorded."))
    note = (note or "").strip()[:200] or None
    record = OrgMemberUsageRecord(
        org_id=subscription.org_id, member_id=subscription.member_id, subscription_id=subscription.id,
        plan_id=subscription.plan_id, quantity=_usage_quantity(quantity), recorded_at=at or utcnow(), note=note,
    )
    db.session.add(record)
    db.session.flush()
    return record


def _open_usage(subscription: OrgMemberSubscription, until: datetime) -> list[OrgMemberUsageRecord]:
    return list(db.session.scalars(
        sa.select(OrgMemberUsageRecord)
        .where(OrgMemberUsageRecord.org_id == subscription.org_id,
               OrgMemberUsageRecord.subscription_id == subscription.id,
               OrgMemberUsageRecord.invoiced_order_id.is_(None),
               OrgMemberUsageRecord.recorded_at < until)
        .order_by(OrgMemberUsageRecord.recorded_at)
    ))


def usage_this_period(subscription: OrgMemberSubscription) -> Decimal:
    """Units recorded and not invoiced yet (what the next invoice bills)."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(OrgMemberUsageRecord.quantity), 0))
        .where(OrgMemberUsageRecord.org_id == subscription.org_id,
               OrgMemberUsageRecord.subscription_id == subscription.id,
               OrgMemberUsageRecord.invoiced_order_id.is_(None))
    ) or Decimal(0)


def open_usage_by_subscription(org_id: str, subscriptions) -> dict[str, Decimal]:
    """subscription id -> units not invoiced yet, for the usage-based ones (one query)."""
    ids = [s.id for s in subscriptions if s.plan.type == "usage_based"]
    if not ids:
        return {}
    usage = OrgMemberUsageRecord
    return dict(db.session.execute(
        sa.select(usage.subscription_id, sa.func.sum(usage.quantity))
        .where(usage.org_id == org_id, usage.subscription_id.in_(ids), usage.invoiced_order_id.is_(None))
        .group_by(usage.subscription_id)
    ).tuples().all())


def overage_amount(used: Decimal, included: int, price_per_unit: Decimal | None, currency: str) -> Decimal:
    """max(0, used − included) × price per unit, rounded to the currency."""
    extra = max(Decimal(used) - Decimal(included or 0), Decimal(0))
    return quantize(extra * (price_per_unit or ZERO), currency)


# ---- cancelling ----------------------------------------------------------------------------

def cancel_at_period_end(subscription: OrgMemberSubscription, *, at: datetime | None = None) -> OrgMemberSubscription:
    """Stop renewing: access continues until the current period ends."""
    if subscription.status not in SUBSCRIPTION_ACCESS_STATUSES:
        raise ConflictError(_("This subscription has already ended."))
    if not subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = True
        subscription.cancelled_at = at or utcnow()
    db.session.flush()
    return subscription


def resume(subscription: OrgMemberSubscription) -> OrgMemberSubscription:
    """Undo a cancellation while the period is still running."""
    if subscription.status not in SUBSCRIPTION_ACCESS_STATUSES:
        raise ConflictError(_("This subscription has already ended; subscribe again from the store."))
    subscription.cancel_at_period_end = False
    subscription.cancelled_at = None
    db.session.flush()
    return subscription


# ---- renewal orders ------------------------------------------------------------------------

def _initial_order(subscription: OrgMemberSubscription) -> OrgMemberOrder | None:
    return db.session.get(OrgMemberOrder, subscription.order_id) if subscription.order_id else None


def _market_price(subscription: OrgMemberSubscription) -> OrgProductVariantPaymentPlanMarketPrice | None:
    return db.session.scalar(
        sa.select(OrgProductVariantPaymentPlanMarketPrice)
        .where(OrgProductVariantPaymentPlanMarketPrice.org_id == subscription.org_id,
               OrgProductVariantPaymentPlanMarketPrice.plan_id == subscription.plan_id,
               OrgProductVariantPaymentPlanMarketPrice.market_id == subscription.market_id,
               OrgProductVariantPaymentPlanMarketPrice.is_active.is_(True))
    )


def invoice(subscription: OrgMemberSubscription, *, period_start: datetime, period_end: datetime | None,
            usage_until: datetime, at: datetime) -> OrgMemberOrder | None:
    """A pending order billing ``subscription``: the base price of the period
    ``period_start``..``period_end`` (none when ``period_end`` is None, i.e. a final usage invoice)
    and the usage above the included units recorded before ``usage_until``. None if nothing is due."""
    org = db.session.get(Org, subscription.org_id)
    market = db.session.get(OrgMarket, subscription.market_id)
    member = db.session.get(OrgMember, subscription.member_id)
    plan = subscription.plan
    product = db.session.get(OrgProduct, subscription.product_id)
    price = _market_price(subscription)
    if price is None:
        raise NotFoundError(_("This plan is no longer sold in this market."))
    currency = market.currency_code

    lines, periods = [], []
    if period_end is not None:
        lines.append(LineInput.for_plan(plan, product, unit_price=quantize(price.price, currency)))
        periods.append((period_start, period_end, "period"))
    records: list[OrgMemberUsageRecord] = []
    if plan.type == "usage_based" and plan.usage_based is not None:
        records = _open_usage(subscription, usage_until)
        used = sum((r.quantity for r in records), Decimal(0))
        amount = overage_amount(used, plan.usage_based.included_units, price.price_per_unit, currency)
        if amount > 0:
            name = _("%(plan)s: %(used)s %(unit)s (%(included)s included)", plan=plan.name,
                     used=f"{used.normalize():f}", unit=plan.usage_based.usage_unit,
                     included=plan.usage_based.included_units)
            lines.append(LineInput.for_plan(plan, product, plan_name=name, unit_price=amount))
            periods.append((subscription.current_period_start, usage_until, "usage"))
    if not lines:
        return None

    first = _initial_order(subscription)
    country = (first.billing_country_code if first else None) or member.billing_country_code
    if not country:
        raise ValidationError(_("The member has no billing country."))
    priced = quote(org, currency=currency, tax_inclusive=market.tax_inclusive, lines=lines,
                   billing_country=country, market_id=market.id, at=at)
    profile_name = member.user_profile.display_name if member.user_profile else ""
    try:
        with db.session.begin_nested():
            order = orders.place_order(
                org, member, market, priced,
                billing_name=(first.billing_name if first else profile_name) or profile_name or "-",
                billing_email=first.billing_email if first else member.user_profile.user.email,
                billing_country=country, billing_address=first.billing_address if first else None,
                locale_key=first.locale_key if first else None, provider=subscription.provider or "manual",
            )
            for item, (start, end, kind) in zip(order.items, periods, strict=True):
                item.subscription_id = subscription.id
                item.period_start, item.period_end, item.billing_kind = start, end, kind
            for record in records:
                record.invoiced_order_id = order.id
            db.session.flush()
    except IntegrityError:  # another renewer billed this period meanwhile (the unique line key)
        raise ConflictError(_("This period of the subscription has already been billed.")) from None
    if order.amount_due <= 0:
        orders.mark_paid(order, provider=order.payment_provider or "manual", at=at)
    return order


def _renew_once(subscription: OrgMemberSubscription, at: datetime, report: RenewalReport) -> bool:
    """Handle one ended period; True if the subscription moved to a new period."""
    end = subscription.current_period_end
    member = db.session.get(OrgMember, subscription.member_id)
    if not member.is_active:  # a deactivated member is not billed again: the subscription ends
        subscription.set_status("cancelled", at=end)
        report.ended.append(subscription)
        return False
    if subscription.cancel_at_period_end:
        final = invoice(subscription, period_start=end, period_end=None, usage_until=end, at=at) \
            if subscription.plan.type == "usage_based" else None
        if final is not None:
            report.renewed.append(final)
        subscription.set_status("cancelled", at=end)
        report.ended.append(subscription)
        return False
    if _market_price(subscription) is None:
        subscription.set_status("cancelled", at=end)
        report.ended.append(subscription)
        return False
    new_end = next_period_end(subscription, end)
    order = invoice(subscription, period_start=end, period_end=new_end, usage_until=end, at=at)
    subscription.set_status("active", at=end)
    subscription.current_period_start = end
    subscription.current_period_end = new_end
    if order is not None:
        report.renewed.append(order)
    return True


def _pending_renewals(subscription: OrgMemberSubscription) -> list[OrgMemberOrder]:
    billed = sa.select(OrgMemberOrderItem.order_id).where(OrgMemberOrderItem.subscription_id == subscription.id)
    return list(db.session.scalars(
        sa.select(OrgMemberOrder)
        .where(OrgMemberOrder.org_id == subscription.org_id, OrgMemberOrder.status == "pending",
               OrgMemberOrder.id.in_(billed))
        .order_by(OrgMemberOrder.created_at)
    ))


def lapse_unpaid(subscription: OrgMemberSubscription, *, at: datetime, grace: timedelta) -> bool:
    """Lapse the subscription if a renewal order stayed unpaid past the grace period (the order is
    cancelled, giving back what it held)."""
    overdue = [order for order in _pending_renewals(subscription) if order.created_at + grace <= at]
    if not overdue:
        return False
    for order in overdue:
        orders.cancel_order(order, at=at)  # a declined renewal lapses its subscription
    return subscription.status == "lapsed"


def _running_subscriptions() -> sa.Select:
    """The subscriptions ``flask billing renew`` handles: running ones of the manual provider."""
    return (
        sa.select(OrgMemberSubscription)
        .where(OrgMemberSubscription.provider != "stripe",
               OrgMemberSubscription.status.in_(SUBSCRIPTION_RUNNING_STATUSES))
    )


def renewal_candidates(*, org: Org | None = None) -> list[str]:
    """Ids of the subscriptions to look at, oldest period end first (``renew_subscription`` each)."""
    query = _running_subscriptions().with_only_columns(OrgMemberSubscription.id).order_by(
        OrgMemberSubscription.current_period_end, OrgMemberSubscription.id)
    if org is not None:
        query = query.where(OrgMemberSubscription.org_id == org.id)
    return list(db.session.scalars(query))


def renew_subscription(subscription_id: str, *, at: datetime, grace: timedelta) -> RenewalReport:
    """Renew one subscription whose period has ended (catching up missed periods), end it if it was
    cancelled at period end, or lapse it if a renewal was declined or left unpaid for ``grace``.

    The subscription's row is locked first and read afresh: one another renewer holds is skipped
    (``SKIP LOCKED``), one it has just renewed is no longer due. Flushes; the caller commits."""
    report = RenewalReport()
    subscription = db.session.scalar(
        _running_subscriptions()
        .where(OrgMemberSubscription.id == subscription_id)
        .options(selectinload(OrgMemberSubscription.plan).selectinload(OrgProductVariantPaymentPlan.subscription),
                 selectinload(OrgMemberSubscription.plan).selectinload(OrgProductVariantPaymentPlan.usage_based))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if subscription is None:  # held by another renewer, or no longer running
        return report
    if lapse_unpaid(subscription, at=at, grace=grace):
        report.lapsed.append(subscription)
        return report
    for _period in range(MAX_PERIODS_PER_RUN):
        if subscription.status not in SUBSCRIPTION_ACCESS_STATUSES or subscription.current_period_end > at:
            break
        if not _renew_once(subscription, at, report):
            break
    db.session.flush()
    return report


def renew_due(*, at: datetime | None = None, grace_days: int = 7, org: Org | None = None) -> RenewalReport:
    """Renew every manual subscription whose period has ended, end the ones cancelled at period
    end, and lapse the ones whose renewal was declined or left unpaid for ``grace_days``, in one
    transaction (``flask billing renew`` commits after each subscription instead)."""
    at = at or utcnow()
    report = RenewalReport()
    for subscription_id in renewal_candidates(org=org):
        report.extend(renew_subscription(subscription_id, at=at, grace=timedelta(days=grace_days)))
    return report


def member_subscription(org_id: str, member: OrgMember, subscription_id: str) -> OrgMemberSubscription:
    """The member's own subscription in this org; anyone else's is a 404."""
    subscription = db.session.scalar(
        sa.select(OrgMemberSubscription)
        .where(OrgMemberSubscription.org_id == org_id, OrgMemberSubscription.id == subscription_id,
               OrgMemberSubscription.member_id == member.id)
    )
    if subscription is None:
        raise NotFoundError(_("Subscription not found."))
    ensure_same_org(subscription, org_id, _("Subscription not found."))
    return subscription


def find_usage_subscription(org_slug: str, email: str, product_slug: str) -> OrgMemberSubscription:
    """The running usage-based subscription of the member with ``email`` to ``product_slug``."""
    subscription = db.session.scalar(
        sa.select(OrgMemberSubscription)
        .join(Org, Org.id == OrgMemberSubscription.org_id)
        .join(OrgMember, OrgMember.id == OrgMemberSubscription.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .join(User, User.id == UserProfile.user_id)
        .join(OrgProduct, OrgProduct.id == OrgMemberSubscription.product_id)
        .join(OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlan.id == OrgMemberSubscription.plan_id)
        .where(Org.slug == org_slug, User.email == (email or "").strip().lower(), OrgProduct.slug == product_slug,
               OrgProductVariantPaymentPlan.type == "usage_based",
               OrgMemberSubscription.status.in_(SUBSCRIPTION_ACCESS_STATUSES))
        .order_by(OrgMemberSubscription.created_at.desc())
        .limit(1)
    )
    if subscription is None:
        raise NotFoundError(_("No running usage-based subscription for this member and product."))
    return subscription
