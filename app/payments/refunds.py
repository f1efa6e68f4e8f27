"""Refunds an employee makes: the one way money goes back from the dashboard.

The order services (``app.orders.services``: ``refund``, ``refund_item``, ``refund_amount``) change
our records, check the employee's right ("orders") and write the audit log; this module then asks
the order's payment provider to send the cash part of it back (``PaymentProvider.refund``: a Stripe
refund on the order's payment intent; the manual provider only names it) and records the
provider's reference on the refund rows. Gift card amounts go back to the cards, never to the
provider.

Order of work: the order is locked (``lock_order``, a row lock on PostgreSQL) and changed in the
session, the provider is called, then the caller commits once. When the provider refuses, a
``ConflictError`` says so and the caller rolls back: nothing is recorded. Stripe then sends
``charge.refunded`` for the refund (handled in ``app.payments.services``): a refund of the whole
order finds it already refunded, a partial one finds its amount recorded, so nothing is refunded
twice.

If the commit fails after Stripe refunded (the process dies, the database goes away), nothing is
lost and nothing is paid out twice: the same refund tried again from the same state carries the
same idempotency key (the order, what had gone back before, the amount), so Stripe answers with
the refund it already made; and ``charge.refunded`` records a partial refund our books do not have
yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import stripe
from flask import current_app
from flask_babel import gettext as _

from app.errors import ConflictError, NotFoundError, ValidationError
from app.money import ZERO, to_minor_units
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.orgs.models import OrgEmployee
from app.payments.providers import get_provider, stripe_enabled


def refund(order: OrgMemberOrder, *, by_employee: OrgEmployee, reason: str | None,
           item_ids: Sequence[str] = (), amount: Decimal | None = None) -> OrgMemberOrder:
    """Refund ``order``: the whole order (no items, no ``amount``), the items ``item_ids`` (each
    with its access revoked and its gift card share restored), or ``amount`` of money only (of
    the one item given, if any). An id that is not an item of the order is a ``NotFoundError``.
    Flushes; the caller commits."""
    items = _items_of(order, item_ids)
    known = {row.id for row in order.refunds}
    cash_before = orders.cash_refunded(order)
    if amount is not None:
        if len(items) > 1:
            raise ValidationError(_("Choose at most one item for a partial refund."))
        orders.refund_amount(order, amount, item=items[0] if items else None, by_employee=by_employee,
                             reason=reason)
    elif items:
        for item in items:
            orders.refund_item(order, item, by_employee=by_employee, reason=reason)
    else:
        orders.refund(order, by_employee=by_employee, reason=reason)
    new_rows = [row for row in order.refunds if row.id not in known]
    cash = sum((row.amount for row in new_rows), ZERO)
    if cash > 0:
        reference = _refund_at_provider(order, cash, cash_before)
        for row in new_rows:
            row.provider_reference = reference
    return order


def _items_of(order: OrgMemberOrder, item_ids: Sequence[str]) -> list[OrgMemberOrderItem]:
    by_id = {item.id: item for item in order.items}
    wanted = list(dict.fromkeys(item_ids))
    if any(item_id not in by_id for item_id in wanted):
        raise NotFoundError(_("This item is not part of the order."))
    return [by_id[item_id] for item_id in wanted]


def _refund_at_provider(order: OrgMemberOrder, cash: Decimal, cash_before: Decimal) -> str | None:
    if order.payment_provider == "stripe" and not stripe_enabled():
        raise ConflictError(_("This order was paid with Stripe, which is not configured here: refund it at Stripe."))
    provider = get_provider("stripe" if order.payment_provider == "stripe" else "manual")
    currency = order.currency_code
    key = f"volmify-refund-{order.id}-{to_minor_units(cash_before, currency)}-{to_minor_units(cash, currency)}"
    try:
        return provider.refund(order, cash, idempotency_key=key)
    except stripe.StripeError as exc:
        current_app.logger.warning("refund of order %s at Stripe failed: %s", order.order_number, exc)
        raise ConflictError(
            _("The payment provider did not accept the refund (%(reason)s). Nothing was refunded.",
              reason=getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__)
        ) from exc
