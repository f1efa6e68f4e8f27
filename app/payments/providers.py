"""Payment providers behind one interface.

- ``manual``: the default, no network. Paying shows a test payment page with "pay" and "decline".
- ``stripe``: enabled when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set. Creates a Checkout
  Session with the server-computed lines and the order id in metadata; the order is fulfilled by
  the verified ``checkout.session.completed`` webhook (app/payments/webhooks.py).

Providers never touch the database inside a network call's transaction: the view commits the
pending order first, then calls ``start_payment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import stripe
from flask import current_app

from app.money import quantize, to_minor_units


@dataclass(frozen=True)
class StartResult:
    redirect_url: str
    reference: str | None = None


class PaymentProvider:
    name = "base"

    def start_payment(self, order, *, success_url: str, cancel_url: str, manual_url: str) -> StartResult:
        raise NotImplementedError

    def refund(self, order, amount: Decimal) -> str | None:
        """Refund ``amount`` of ``order`` at the provider; returns the provider's reference."""
        raise NotImplementedError


class ManualProvider(PaymentProvider):
    """A test payment page on our own site: nothing leaves the machine."""

    name = "manual"

    def start_payment(self, order, *, success_url, cancel_url, manual_url) -> StartResult:
        return StartResult(redirect_url=manual_url)

    def refund(self, order, amount) -> str | None:
        return f"manual-refund-{order.order_number}"


class StripeProvider(PaymentProvider):
    name = "stripe"

    def __init__(self, secret_key: str, api_base: str | None = None):
        options = {"max_network_retries": 0 if api_base else 2}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(secret_key, **options)

    def start_payment(self, order, *, success_url, cancel_url, manual_url) -> StartResult:
        currency = order.currency_code
        due = quantize(order.amount_due, currency)
        # Stripe charges what is due after gift cards: one line per item, each item's share of the due amount.
        line_items = []
        remaining = due
        items = [item for item in order.items if item.line_total > 0]
        for index, item in enumerate(items):
            share = item.line_total - (item.gift_card_amount or 0)
            if index == len(items) - 1:
                share = remaining
            share = max(quantize(share, currency), Decimal(0))
            remaining -= share
            if share <= 0:
                continue
            line_items.append({
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": to_minor_units(share, currency),
                    "product_data": {"name": f"{item.product_name} — {item.plan_name} × {item.quantity}"},
                },
            })
        session = self.client.v1.checkout.sessions.create(params={
            "mode": "payment",
            "line_items": line_items,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": order.id,
            "customer_email": order.billing_email,
            "metadata": {"order_id": order.id, "order_number": order.order_number, "org_id": order.org_id},
            "payment_intent_data": {"metadata": {"order_id": order.id}},
        })
        return StartResult(redirect_url=session.url, reference=session.id)

    def refund(self, order, amount) -> str | None:
        payment = next((p for p in order.payments if p.provider == "stripe" and p.provider_reference), None)
        if payment is None:
            return None
        refund = self.client.v1.refunds.create(params={
            "payment_intent": payment.provider_reference,
            "amount": to_minor_units(amount, order.currency_code),
            "metadata": {"order_id": order.id},
        })
        return refund.id


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
