"""What the order services announce, for the packages above them that book money (revenue rows,
the ledger) without the order services knowing them (the layers point down: ``app.revenue``
connects its receivers; ``app/__init__.py`` imports it).

Receivers run inside the service call, in the caller's transaction: what they write is committed
or rolled back with the payment or refund itself. A receiver raises to refuse (the whole call
fails); it never commits.

- ``order_paid``: ``sender`` is the order, just paid (payment recorded, items fulfilled); keyword
  ``at`` (the payment time) and, when the sender read it, ``platform_fee_percent`` (the org's).
- ``order_refunded``: ``sender`` is the order; keywords ``refund`` (a ``Refund``: what went back
  now, per item and in total) and ``at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from blinker import Namespace

_signals = Namespace()
order_paid = _signals.signal("order-paid")
order_refunded = _signals.signal("order-refunded")


@dataclass(frozen=True)
class Refund:
    """One refund call: ``items`` maps an item id to the amount of its price that went back now
    (to the payment method and the gift cards together); ``cash`` went to the payment method,
    ``gift_cards`` back onto gift cards."""

    items: dict[str, Decimal] = field(default_factory=dict)
    cash: Decimal = Decimal(0)
    gift_cards: Decimal = Decimal(0)
    at: datetime | None = None
