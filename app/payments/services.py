"""Provider events: recorded once in ``payment_event`` (unique provider + event id), then handled.

Handling is idempotent: a replayed event is recognised by its id and ignored, and the order
services themselves refuse to fulfil twice or to move a refunded order back to paid, so events
arriving out of order cannot undo a refund.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.extensions import db
from app.money import from_minor_units
from app.orders.models import OrgMemberOrder, OrgMemberOrderPayment
from app.payments.models import PaymentEvent


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
    from app.orders import services as orders

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
            return "already_" + order.status
        amount = obj.get("amount_total")
        orders.mark_paid(
            order,
            provider="stripe",
            reference=obj.get("payment_intent") or obj.get("id"),
            amount=from_minor_units(amount, order.currency_code) if amount is not None else None,
        )
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
        order = _order_for_payment_intent(obj.get("payment_intent"))
        if order is None:
            return "unknown_order"
        event.org_id, event.order_id = order.org_id, order.id
        if order.status not in ("paid", "fulfilled"):
            return "already_" + order.status
        refunded = from_minor_units(obj.get("amount_refunded") or 0, order.currency_code)
        captured = from_minor_units(obj.get("amount_captured") or obj.get("amount") or 0, order.currency_code)
        if refunded and refunded >= captured:
            orders.refund(order, reason="Refunded at Stripe")
            return "refunded"
        return "partial_refund_noted"
    return "ignored"


def process(event: PaymentEvent) -> None:
    event.result = handle_stripe_event(event)
    event.processed_at = utcnow()
    db.session.flush()

