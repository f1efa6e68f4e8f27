"""Provider events: recorded once in ``payment_event`` (unique provider + event id), then handled.

Handling is idempotent: a replayed event is recognised by its id and ignored, and the order
services themselves refuse to fulfil twice or to move a refunded order back to paid, so events
arriving out of order cannot undo a refund.

Stripe subscriptions (plans of type "subscription" bought through a Checkout Session in
``subscription`` mode) follow Stripe's webhooks:

- ``checkout.session.completed`` pays the first order (which starts our subscription) and links
  that subscription to Stripe's (``provider_subscription_id``);
- ``customer.subscription.created/updated/deleted`` copy Stripe's status, period, trial end and
  cancel-at-period-end;
- ``invoice.paid``/``invoice.payment_succeeded`` of a renewal (billing_reason
  ``subscription_cycle``) book a paid renewal order for the period billed (one per subscription and
  period, whichever of the two events comes first and however often);
- ``invoice.payment_failed`` makes the subscription past due (no access until paid).

Order of delivery. Stripe does not deliver events in order, so a state change is applied only if it
is not older than what we already applied for that subscription:

1. an ended subscription (cancelled or lapsed) stays ended: Stripe never revives a canceled
   subscription either (a new purchase makes a new one);
2. an event about an earlier period than ours (its period starts more than ``PERIOD_TOLERANCE``
   before ours) is stale;
3. otherwise the event's ``created`` time is compared with the newest event already applied to the
   subscription: those are the ``payment_event`` rows of the subscription's first order (every
   subscription event is filed under it, ``payment_event.order_id``) whose result says they were
   applied. An older event is stale; one from the same second is applied.

A stale event is still recorded (result ``stale``). Money is never stale: a renewal Stripe charged
is booked even when its event arrives late.

Events that come before their order is paid. Stripe may deliver ``charge.refunded`` (or a
subscription event) before ``checkout.session.completed``, e.g. when our endpoint was down for the
completion and Stripe retried it later. Such an event waits (result ``waiting_for_order``):

- filed under its order (``payment_event.order_id``) when the event names it: the order id in the
  metadata Stripe copies from the payment intent onto the charge, or in the subscription's;
- otherwise unfiled, keyed by the payment it names (payment intent, invoice), for up to
  ``WAIT_FOR_ORDER``: Stripe retries a webhook for three days, so a completion that has not come
  by then never will (the event is then given up as ``unknown_order``).

When the completion pays the order, the waiting events of that order and of its payment are applied
in the order Stripe created them, so a refund that came first still refunds (and revokes access).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.entitlements.models import (
    SUBSCRIPTION_ACCESS_STATUSES,
    SUBSCRIPTION_ENDED_STATUSES,
    OrgMemberSubscription,
)
from app.errors import DomainError
from app.extensions import db
from app.money import from_minor_units
from app.orders import billing
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment
from app.payments.models import PaymentEvent

# Stripe subscription status -> ours. "incomplete" (first payment still open) changes nothing;
# "paused" (a trial ended without a payment method) stops access like past_due.
STRIPE_SUBSCRIPTION_STATUSES = {
    "trialing": "trialing",
    "active": "active",
    "past_due": "past_due",
    "paused": "past_due",
    "canceled": "cancelled",
    "unpaid": "lapsed",
    "incomplete_expired": "lapsed",
}
SUBSCRIPTION_EVENTS = ("customer.subscription.created", "customer.subscription.updated",
                       "customer.subscription.deleted")
INVOICE_PAID_EVENTS = ("invoice.paid", "invoice.payment_succeeded")
STATE_EVENTS = (*SUBSCRIPTION_EVENTS, *INVOICE_PAID_EVENTS, "invoice.payment_failed")
APPLIED_RESULTS = ("synced", "ended", "renewed", "renewed_amount_differs", "past_due")
WAITING = "waiting_for_order"  # an event that came before its order was paid (see the module doc)
WAIT_FOR_ORDER = timedelta(days=7)  # how long an event naming only a payment waits for its order
PERIOD_TOLERANCE = timedelta(hours=1)  # our first period starts when the webhook arrives, Stripe's earlier


def record_event(provider: str, event_id: str, type_: str, payload: dict) -> PaymentEvent | None:
    """Store the event; None when it was already recorded (a replay)."""
    existing = db.session.scalar(
        sa.select(PaymentEvent).where(PaymentEvent.provider == provider, PaymentEvent.event_id == event_id)
    )
    if existing is not None:
        return None
    event = PaymentEvent(provider=provider, event_id=event_id, type=type_, payload=payload)
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:  # the same event delivered concurrently
        return None
    return event


def _order(order_id: str | None) -> OrgMemberOrder | None:
    return db.session.get(OrgMemberOrder, order_id) if order_id else None


def _order_from_metadata(obj: dict) -> OrgMemberOrder | None:
    """The order named in an object's metadata (an id of ours, checked against the org if named)."""
    metadata = obj.get("metadata") or {}
    order = _order(metadata.get("order_id"))
    if order is None or (metadata.get("org_id") and metadata["org_id"] != order.org_id):
        return None
    return order


def _payment_references(obj: dict) -> set[str]:
    """The payments a charge belongs to: its payment intent and (older API versions) its invoice."""
    refs = set()
    for key in ("payment_intent", "invoice"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("id")
        if value:
            refs.add(value)
    return refs


def _order_for_payment_intent(reference: str | None) -> OrgMemberOrder | None:
    if not reference:
        return None
    return db.session.scalar(
        sa.select(OrgMemberOrder)
        .join(OrgMemberOrderPayment, OrgMemberOrderPayment.order_id == OrgMemberOrder.id)
        .where(OrgMemberOrderPayment.provider == "stripe", OrgMemberOrderPayment.provider_reference == reference)
    )


def handle_stripe_event(event: PaymentEvent) -> str:
    """Apply one verified Stripe event; returns a short result for the event row."""
    obj = (event.payload.get("data") or {}).get("object") or {}
    kind = event.type
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        order = _order((obj.get("metadata") or {}).get("order_id") or obj.get("client_reference_id"))
        if order is None:
            return "unknown_order"
        event.org_id, event.order_id = order.org_id, order.id
        if obj.get("payment_status") not in (None, "paid", "no_payment_required"):
            return "awaiting_payment"
        if order.status != "pending":
            if kind == "checkout.session.completed" and order.status in ("paid", "fulfilled"):
                _link_subscriptions(order, obj)
                _apply_waiting(order, set())
            return "already_" + order.status
        amount = obj.get("amount_total")
        reference = obj.get("payment_intent") or obj.get("invoice") or obj.get("id")
        orders.mark_paid(
            order,
            provider="stripe",
            reference=reference,
            amount=from_minor_units(amount, order.currency_code) if amount is not None else None,
        )
        _link_subscriptions(order, obj)
        _apply_waiting(order, {obj.get("payment_intent"), obj.get("invoice"), reference} - {None})
        return "paid"
    if kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        order = _order((obj.get("metadata") or {}).get("order_id") or obj.get("client_reference_id"))
        if order is None:
            return "unknown_order"
        event.org_id, event.order_id = order.org_id, order.id
        if order.status == "pending":
            orders.cancel_order(order)
            return "cancelled"
        return "ignored"
    if kind == "charge.refunded":
        # A subscription's first order is paid by an invoice (older API versions name it on the charge).
        order = (_order_for_payment_intent(obj.get("payment_intent")) or _order_for_payment_intent(obj.get("invoice"))
                 or _order_from_metadata(obj))
        if order is None:
            return WAITING if _payment_references(obj) else "unknown_order"  # its order may not be paid yet
        event.org_id, event.order_id = order.org_id, order.id
        orders.lock_order(order)  # a completion being handled meanwhile finishes first (fresh status)
        if order.status == "pending":
            return WAITING  # refunded before the completion arrived: applied once it has
        if order.status not in ("paid", "fulfilled"):
            return "already_" + order.status
        refunded = from_minor_units(obj.get("amount_refunded") or 0, order.currency_code)
        captured = from_minor_units(obj.get("amount_captured") or obj.get("amount") or 0, order.currency_code)
        if refunded and refunded >= captured:
            orders.refund(order, reason="Refunded at Stripe")
            return "refunded"
        # A partial refund made at Stripe (its dashboard, or ours when the commit after the call was
        # lost): record what our books do not have yet, money only; access stays.
        missing = min(refunded, order.amount_due) - orders.cash_refunded(order)
        if missing > 0:
            orders.refund_amount(order, missing, reason="Refunded at Stripe", provider_reference=_latest_refund(obj))
            return "partial_refund_recorded"
        return "partial_refund_noted"
    if kind in SUBSCRIPTION_EVENTS:
        return _subscription_event(event, obj)
    if kind in INVOICE_PAID_EVENTS:
        return _invoice_paid(event, obj)
    if kind == "invoice.payment_failed":
        return _invoice_failed(event, obj)
    return "ignored"


def _latest_refund(charge: dict) -> str | None:
    """The id of the charge's newest refund, when the event carries its refunds."""
    refunds = (charge.get("refunds") or {}).get("data") or []
    return refunds[0].get("id") if refunds else None


# ---- Stripe subscriptions ------------------------------------------------------------------

def _ts(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value not in (None, "") else None


def _subscription_period(obj: dict) -> tuple[datetime | None, datetime | None]:
    """The current period of a Stripe subscription: on the subscription itself (API versions
    before 2025-03-31) or on its first item (later versions)."""
    start, end = obj.get("current_period_start"), obj.get("current_period_end")
    if start is None or end is None:
        items = (obj.get("items") or {}).get("data") or []
        first = next((i for i in items if i.get("current_period_start") is not None), None)
        if first is not None:
            start, end = first.get("current_period_start"), first.get("current_period_end")
    return _ts(start), _ts(end)


def _invoice_subscription_id(obj: dict) -> str | None:
    """``invoice.subscription`` before 2025-03-31, ``invoice.parent.subscription_details`` after."""
    sub = obj.get("subscription")
    if sub is None:
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        sub = details.get("subscription")
    if isinstance(sub, dict):
        sub = sub.get("id")
    return sub


def _invoice_metadata(obj: dict) -> dict:
    details = (obj.get("parent") or {}).get("subscription_details") or obj.get("subscription_details") or {}
    if details.get("metadata"):
        return details["metadata"]
    for line in (obj.get("lines") or {}).get("data") or []:
        if line.get("metadata", {}).get("order_id"):
            return line["metadata"]
    return obj.get("metadata") or {}


def _invoice_period(obj: dict) -> tuple[datetime | None, datetime | None]:
    """The period a subscription invoice bills: its subscription line's period. (The invoice's own
    period_start/period_end is the period that just ended.)"""
    lines = (obj.get("lines") or {}).get("data") or []
    for line in lines:
        period = line.get("period") or {}
        if period.get("start") is not None and period.get("end") is not None and period["end"] > period["start"]:
            return _ts(period["start"]), _ts(period["end"])
    return _ts(obj.get("period_end")), None


def _stripe_subscriptions(stripe_id: str | None, metadata: dict | None,
                          event: PaymentEvent | None = None) -> list[OrgMemberSubscription]:
    """Our subscriptions billed by the Stripe subscription ``stripe_id`` (locked): the ones linked
    to it, else the Stripe subscriptions started by the order in ``metadata`` (then linked).
    ``event`` is filed under that order when it exists but has not started them yet."""
    if not stripe_id:
        return []
    base = sa.select(OrgMemberSubscription).where(OrgMemberSubscription.provider == "stripe").with_for_update()
    found = list(db.session.scalars(
        base.where(OrgMemberSubscription.provider_subscription_id == stripe_id).order_by(OrgMemberSubscription.id)
    ))
    if found:
        return found
    metadata = metadata or {}
    order = _order(metadata.get("order_id"))
    if order is None or (metadata.get("org_id") and metadata["org_id"] != order.org_id):
        return []
    found = list(db.session.scalars(
        base.where(OrgMemberSubscription.org_id == order.org_id, OrgMemberSubscription.order_id == order.id,
                   OrgMemberSubscription.provider_subscription_id.is_(None))
        .order_by(OrgMemberSubscription.id)
    ))
    for subscription in found:
        subscription.provider_subscription_id = stripe_id
    if not found and event is not None and order.status == "pending":
        event.org_id, event.order_id = order.org_id, order.id
    return found


def _link_subscriptions(order: OrgMemberOrder, session: dict) -> None:
    """After the first order is paid: link the Stripe subscriptions it started to Stripe's (the
    events that arrived before it are applied next, by ``_apply_waiting``). A session paid in
    ``payment`` mode (an order Stripe cannot bill as one subscription) leaves them to the manual
    billing instead."""
    started = list(db.session.scalars(
        sa.select(OrgMemberSubscription)
        .where(OrgMemberSubscription.org_id == order.org_id, OrgMemberSubscription.order_id == order.id,
               OrgMemberSubscription.provider == "stripe",
               OrgMemberSubscription.provider_subscription_id.is_(None))
    ))
    stripe_id = session.get("subscription")
    if isinstance(stripe_id, dict):
        stripe_id = stripe_id.get("id")
    for subscription in started:
        if session.get("mode") == "subscription" and stripe_id:
            subscription.provider_subscription_id = stripe_id
        else:
            subscription.provider = "manual"  # renewed by `flask billing renew`
    db.session.flush()


def _apply_waiting(order: OrgMemberOrder, references: set[str]) -> None:
    """Apply the events that came before ``order`` was paid (see the module doc): the ones filed
    under it, and the unfiled ones naming one of its payments ``references``, oldest first. Unfiled
    events older than ``WAIT_FOR_ORDER`` are given up on the way."""
    waiting = list(db.session.scalars(
        sa.select(PaymentEvent)
        .where(PaymentEvent.provider == "stripe", PaymentEvent.order_id == order.id, PaymentEvent.result == WAITING)
    ))
    cutoff = utcnow() - WAIT_FOR_ORDER
    for event in db.session.scalars(
        sa.select(PaymentEvent)
        .where(PaymentEvent.provider == "stripe", PaymentEvent.order_id.is_(None), PaymentEvent.result == WAITING)
    ):
        obj = (event.payload.get("data") or {}).get("object") or {}
        if references and _payment_references(obj) & references:
            waiting.append(event)
        elif event.created_at < cutoff:
            event.result = "unknown_order"
    for earlier in sorted(waiting, key=lambda e: (e.payload.get("created") or 0, e.created_at)):
        earlier.result = handle_stripe_event(earlier)
        earlier.processed_at = utcnow()
    db.session.flush()


def _file(event: PaymentEvent, subscriptions: list[OrgMemberSubscription]) -> None:
    """File the event under the subscription's first order (see "Order of delivery")."""
    event.org_id, event.order_id = subscriptions[0].org_id, subscriptions[0].order_id


def _last_applied(subscription: OrgMemberSubscription, event: PaymentEvent) -> int | None:
    if not subscription.order_id:
        return None
    payloads = db.session.scalars(
        sa.select(PaymentEvent.payload)
        .where(PaymentEvent.provider == "stripe", PaymentEvent.order_id == subscription.order_id,
               PaymentEvent.type.in_(STATE_EVENTS), PaymentEvent.result.in_(APPLIED_RESULTS),
               PaymentEvent.id != event.id)
    ).all()
    return max((int(p["created"]) for p in payloads if p.get("created") is not None), default=None)


def _is_stale(subscription: OrgMemberSubscription, event: PaymentEvent,
              period_start: datetime | None = None) -> bool:
    if subscription.status in SUBSCRIPTION_ENDED_STATUSES:
        return True
    if period_start is not None and period_start < subscription.current_period_start - PERIOD_TOLERANCE:
        return True
    created = event.payload.get("created")
    last = _last_applied(subscription, event)
    return created is not None and last is not None and int(created) < last


def _subscription_event(event: PaymentEvent, obj: dict) -> str:
    subscriptions = _stripe_subscriptions(obj.get("id"), obj.get("metadata"), event)
    if not subscriptions:
        return WAITING if event.order_id else "unknown_subscription"
    _file(event, subscriptions)
    now = utcnow()
    deleted = event.type == "customer.subscription.deleted"
    status = "cancelled" if deleted else STRIPE_SUBSCRIPTION_STATUSES.get(obj.get("status"))
    start, end = _subscription_period(obj)
    applied = False
    for subscription in subscriptions:
        if status in SUBSCRIPTION_ENDED_STATUSES:  # final at Stripe: apply whenever it comes
            if subscription.status not in SUBSCRIPTION_ENDED_STATUSES:
                subscription.set_status(status, at=_ts(obj.get("ended_at")) or now,
                                        cancelled_at=_ts(obj.get("canceled_at")))
                applied = True
            continue
        if _is_stale(subscription, event, start):
            continue
        applied = True
        if start is not None and end is not None and end > start:
            subscription.current_period_start, subscription.current_period_end = start, end
        if obj.get("trial_end") is not None:
            subscription.trial_ends_at = _ts(obj["trial_end"])
        cancel_at = _ts(obj.get("cancel_at"))
        cancel = bool(obj.get("cancel_at_period_end")) or (
            cancel_at is not None and cancel_at <= subscription.current_period_end + PERIOD_TOLERANCE)
        if cancel and not subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = True
            subscription.cancelled_at = _ts(obj.get("canceled_at")) or now
        elif not cancel and subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = False
            subscription.cancelled_at = None
        if status is not None:
            subscription.set_status(status, at=now)
    db.session.flush()
    if not applied:
        return "stale"
    return "ended" if status in SUBSCRIPTION_ENDED_STATUSES else "synced"


def _renewal_booked(subscription: OrgMemberSubscription, invoice_id: str | None, start: datetime) -> bool:
    """A renewal order of ``subscription`` for the period starting at ``start`` (or paid by this
    invoice) exists already."""
    if invoice_id and db.session.scalar(
        sa.select(OrgMemberOrderPayment.id)
        .where(OrgMemberOrderPayment.org_id == subscription.org_id, OrgMemberOrderPayment.provider == "stripe",
               OrgMemberOrderPayment.provider_reference == invoice_id)
        .limit(1)
    ) is not None:
        return True
    return db.session.scalar(
        sa.select(OrgMemberOrderItem.id)
        .join(OrgMemberOrder, OrgMemberOrder.id == OrgMemberOrderItem.order_id)
        .where(OrgMemberOrderItem.org_id == subscription.org_id,
               OrgMemberOrderItem.subscription_id == subscription.id,
               OrgMemberOrderItem.period_start > start - PERIOD_TOLERANCE,
               OrgMemberOrderItem.period_start < start + PERIOD_TOLERANCE,
               OrgMemberOrder.status != "cancelled")
        .limit(1)
    ) is not None


def _book_renewal(subscription: OrgMemberSubscription, obj: dict, start: datetime, end: datetime,
                  shared: bool, now: datetime) -> tuple[OrgMemberOrder | None, bool]:
    """A paid renewal order for ``start``..``end``; returns it and whether Stripe's amount differed."""
    try:
        with db.session.begin_nested():
            order = billing.invoice(subscription, period_start=start, period_end=end, usage_until=start, at=now)
            if order is None:
                return None, False
            # Stripe charged a price fixed when the subscription started; our order is priced like
            # a checkout today. When they agree (the usual case) the payment records what Stripe
            # collected. When Stripe collected less (a price or tax rate changed here since), the
            # payment records our amount due, since mark_paid never books an order as paid for less
            # than is due, and the event's result says so for someone to look at. One Stripe invoice
            # paying several of our subscriptions is split the same way (amount None each).
            paid = obj.get("amount_paid")
            amount = None
            differs = False
            if paid is not None and (obj.get("currency") or "").upper() in ("", order.currency_code):
                amount = from_minor_units(paid, order.currency_code)
                differs = amount != order.amount_due
                if shared or amount < order.amount_due:
                    amount = None
            orders.mark_paid(order, provider="stripe", reference=obj.get("id"), amount=amount, at=now)
    except DomainError as exc:  # e.g. the plan is no longer sold in that market
        current_app.logger.warning("Stripe invoice %s for subscription %s not booked: %s",
                                   obj.get("id"), subscription.id, exc.message)
        return None, False
    if differs:
        current_app.logger.warning("Stripe invoice %s: Stripe charged %s, order %s is due %s",
                                   obj.get("id"), obj.get("amount_paid"), order.order_number, order.amount_due)
    return order, differs


def _invoice_paid(event: PaymentEvent, obj: dict) -> str:
    """A renewal Stripe charged: book it as a paid order and move the subscription on. The first
    invoice (``subscription_create``) is the checkout's order, already booked."""
    reason = obj.get("billing_reason")
    if reason != "subscription_cycle":
        return "ignored_" + (reason or "invoice")[:30]
    subscriptions = _stripe_subscriptions(_invoice_subscription_id(obj), _invoice_metadata(obj), event)
    if not subscriptions:
        return WAITING if event.order_id else "unknown_subscription"
    _file(event, subscriptions)
    now = utcnow()
    start, end = _invoice_period(obj)
    if start is None:
        return "no_period"
    booked, differs, applied = [], False, False
    for subscription in subscriptions:
        period_end = end or billing.next_period_end(subscription, start)
        if not _renewal_booked(subscription, obj.get("id"), start):
            order, mismatch = _book_renewal(subscription, obj, start, period_end, len(subscriptions) > 1, now)
            if order is not None:
                booked.append(order)
                differs = differs or mismatch
        if _is_stale(subscription, event, start):
            continue
        applied = True
        if period_end > subscription.current_period_end:
            subscription.current_period_start, subscription.current_period_end = start, period_end
        subscription.set_status("active", at=now)  # paid: a trial is over, a past-due subscription is back
    db.session.flush()
    if not applied:
        return "renewal_booked_stale" if booked else "stale"
    if not booked:
        return "already_renewed"
    return "renewed_amount_differs" if differs else "renewed"


def _invoice_failed(event: PaymentEvent, obj: dict) -> str:
    """Stripe could not collect a subscription invoice: past due, no access until it is paid."""
    subscriptions = _stripe_subscriptions(_invoice_subscription_id(obj), _invoice_metadata(obj), event)
    if not subscriptions:
        return WAITING if event.order_id else "unknown_subscription"
    _file(event, subscriptions)
    invoice_id = obj.get("id")
    if invoice_id and db.session.scalar(
        sa.select(OrgMemberOrderPayment.id)
        .where(OrgMemberOrderPayment.provider == "stripe", OrgMemberOrderPayment.provider_reference == invoice_id)
        .limit(1)
    ) is not None:
        return "already_paid"  # a late failure of an invoice that was paid on a retry
    applied = False
    for subscription in subscriptions:
        if _is_stale(subscription, event) or subscription.status not in SUBSCRIPTION_ACCESS_STATUSES:
            continue
        subscription.set_status("past_due")
        applied = True
    db.session.flush()
    return "past_due" if applied else "stale"


def process(event: PaymentEvent) -> None:
    event.result = handle_stripe_event(event)
    event.processed_at = utcnow()
    db.session.flush()

