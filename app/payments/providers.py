"""Payment providers behind one interface.

- ``manual``: the default, no network. Paying shows a test payment page with "pay" and "decline".
- ``stripe``: enabled when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set. Creates a Checkout
  Session with the server-computed lines and the order id in metadata; the order is fulfilled by
  the verified ``checkout.session.completed`` webhook (app/payments/webhooks.py). An order starting
  a subscription plan opens the session in ``subscription`` mode: Stripe then bills the later
  periods, and its subscription and invoice webhooks keep our subscription in step
  (app/payments/services.py).

Providers never touch the database inside a network call's transaction: the view commits the
pending order first, then calls ``start_payment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import stripe
from flask import current_app
from flask_babel import gettext as _

from app.errors import ConflictError
from app.extensions import db
from app.money import quantize, to_minor_units
from app.orgs.models import Org
from app.pricing.pipeline import LineInput, quote

STRIPE_NAME_MAX = 40  # a coupon's name at Stripe


@dataclass(frozen=True)
class StartResult:
    redirect_url: str
    reference: str | None = None


class PaymentProvider:
    name = "base"

    def start_payment(self, order, *, success_url: str, cancel_url: str, manual_url: str) -> StartResult:
        raise NotImplementedError

    def refund(self, order, amount: Decimal, *, idempotency_key: str | None = None) -> str | None:
        """Refund ``amount`` of ``order`` at the provider; returns the provider's reference. A call
        repeated with the same ``idempotency_key`` refunds once."""
        raise NotImplementedError

    def set_cancel_at_period_end(self, subscription, cancel: bool) -> None:
        """Tell the provider that ``subscription`` stops (``cancel``) or keeps renewing at the end
        of its period. Our own record is changed by ``app.orders.billing`` (cancel_at_period_end /
        resume); call this after it."""
        raise NotImplementedError


class ManualProvider(PaymentProvider):
    """A test payment page on our own site: nothing leaves the machine."""

    name = "manual"

    def start_payment(self, order, *, success_url, cancel_url, manual_url) -> StartResult:
        return StartResult(redirect_url=manual_url)

    def refund(self, order, amount, *, idempotency_key=None) -> str | None:
        return f"manual-refund-{order.order_number}"

    def set_cancel_at_period_end(self, subscription, cancel) -> None:
        """Nothing to tell: ``flask billing renew`` reads our own record."""


class StripeProvider(PaymentProvider):
    name = "stripe"

    def __init__(self, secret_key: str, api_base: str | None = None):
        options = {"max_network_retries": 0 if api_base else 2}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(secret_key, **options)

    def start_payment(self, order, *, success_url, cancel_url, manual_url) -> StartResult:
        """A Checkout Session charging what is due. An order starting subscription plans opens it in
        ``subscription`` mode (see ``_subscription_terms``), any other order in ``payment`` mode."""
        currency = order.currency_code
        cur = currency.lower()
        terms = _subscription_terms(order)
        recurring = terms.items if terms else {}
        line_items = []
        reduction = Decimal(0)  # what gift cards and discounts take off the first period at Stripe
        for item, share in _due_shares(order):
            name = f"{item.product_name} — {item.plan_name} × {item.quantity}"
            if item.id in recurring:
                # The recurring price is what a renewal costs (no discount or gift card, tax of the
                # buyer's country); the first period's reduction is a one-off coupon below. A trial
                # line is free now: Stripe charges its first period when the trial ends.
                period_price = max(recurring[item.id], share)
                if not terms.trial_days:
                    reduction += period_price - share
                line_items.append({"quantity": 1, "price_data": {
                    "currency": cur, "unit_amount": to_minor_units(period_price, currency),
                    "product_data": {"name": name},
                    "recurring": {"interval": terms.interval, "interval_count": terms.interval_count},
                }})
            elif share > 0:
                line_items.append({"quantity": 1, "price_data": {
                    "currency": cur, "unit_amount": to_minor_units(share, currency),
                    "product_data": {"name": name},
                }})
        metadata = {"order_id": order.id, "order_number": order.order_number, "org_id": order.org_id}
        params = {
            "mode": "subscription" if terms else "payment",
            "line_items": line_items,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": order.id,
            "customer_email": order.billing_email,
            "metadata": metadata,
        }
        if terms:
            subscription_data = {"metadata": {"order_id": order.id, "org_id": order.org_id}}
            if terms.trial_days:
                subscription_data["trial_period_days"] = terms.trial_days
            params["subscription_data"] = subscription_data
            if reduction > 0:
                coupon = self.client.v1.coupons.create(params={
                    "amount_off": to_minor_units(reduction, currency), "currency": cur, "duration": "once",
                    "max_redemptions": 1, "metadata": {"order_id": order.id},
                    "name": _("Order %(number)s", number=order.order_number)[:STRIPE_NAME_MAX],
                })
                params["discounts"] = [{"coupon": coupon.id}]
        else:
            params["payment_intent_data"] = {"metadata": {"order_id": order.id}}
        session = self.client.v1.checkout.sessions.create(params=params)
        return StartResult(redirect_url=session.url, reference=session.id)

    def refund(self, order, amount, *, idempotency_key=None) -> str | None:
        payment = next((p for p in order.payments if p.provider == "stripe" and p.provider_reference), None)
        if payment is None:
            return None
        refund = self.client.v1.refunds.create(params={
            "payment_intent": payment.provider_reference,
            "amount": to_minor_units(amount, order.currency_code),
            "metadata": {"order_id": order.id},
        }, options={"idempotency_key": idempotency_key} if idempotency_key else None)
        return refund.id

    def set_cancel_at_period_end(self, subscription, cancel) -> None:
        if not subscription.provider_subscription_id:
            raise ConflictError(
                _("This subscription is still being set up with the payment provider. Please try again in a minute.")
            )
        self.client.v1.subscriptions.update(
            subscription.provider_subscription_id, params={"cancel_at_period_end": bool(cancel)}
        )


@dataclass(frozen=True)
class SubscriptionTerms:
    interval: str
    interval_count: int
    trial_days: int
    items: dict[str, Decimal]  # order item id -> the price of one period after the trial


def _due_shares(order) -> list[tuple]:
    """``(item, share)`` for every item: its part of what is due after gift cards (the last priced
    item takes the rounding rest, so the shares add up to ``amount_due``)."""
    currency = order.currency_code
    remaining = quantize(order.amount_due, currency)
    priced = [item for item in order.items if item.line_total > 0]
    shares = {}
    for index, item in enumerate(priced):
        share = item.line_total - (item.gift_card_amount or 0)
        if index == len(priced) - 1:
            share = remaining
        share = max(quantize(share, currency), Decimal(0))
        remaining -= share
        shares[item.id] = share
    return [(item, shares.get(item.id, quantize(0, currency))) for item in order.items]


def _subscription_terms(order) -> SubscriptionTerms | None:
    """The billing terms when ``order`` starts subscription plans Stripe can bill together (one
    interval and one trial length for all of them), else None.

    None means ``payment`` mode: usage-based plans (billed by ``flask billing renew``), renewal
    invoices (their items carry ``subscription_id``) and orders mixing intervals or trials are
    charged once; the subscriptions they start then renew with the manual billing (see
    ``app.payments.services``)."""
    items = [item for item in order.items if item.plan_type == "subscription" and not item.subscription_id]
    if not items:
        return None
    found = set()
    prices: dict[str, Decimal] = {}
    for item in items:
        plan = item.payment_plan
        terms = plan.subscription
        if terms is None:
            return None
        found.add((terms.interval, terms.interval_count, terms.trial_period_days or 0))
        prices[item.id] = _period_price(order, item, plan)
    if len(found) != 1:
        return None
    interval, count, trial_days = found.pop()
    return SubscriptionTerms(interval, count, trial_days, prices)


def _period_price(order, item, plan) -> Decimal:
    """What one period of ``item``'s plan costs the buyer, priced like a renewal
    (``app.orders.billing.invoice``): the market price, no discount or gift card, the tax of the
    order's billing country today."""
    currency = order.currency_code
    price = plan.price_in(order.market_id)
    if price is None:  # no longer sold: Stripe renews at what was paid now
        return quantize(item.line_total, currency)
    product = item.product
    line = LineInput.for_plan(plan, product, quantity=item.quantity, unit_price=quantize(price.price, currency))
    priced = quote(db.session.get(Org, order.org_id), currency=currency, tax_inclusive=order.tax_inclusive,
                   lines=[line], billing_country=order.billing_country_code, market_id=order.market_id)
    return priced.lines[0].total


def stripe_enabled() -> bool:
    cfg = current_app.config
    return bool(cfg.get("STRIPE_SECRET_KEY") and cfg.get("STRIPE_WEBHOOK_SECRET"))


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider for new payments (Stripe when configured), or the one named."""
    if name is None:
        name = "stripe" if stripe_enabled() else "manual"
    if name == "stripe":
        cfg = current_app.config
        return StripeProvider(cfg["STRIPE_SECRET_KEY"], cfg.get("STRIPE_API_BASE"))
    return ManualProvider()
