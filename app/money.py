"""Money helpers: amounts are ``Decimal`` (never float), each next to its currency code (a column on
the row or its parent), rounded once to the currency's minor unit here."""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency as babel_format_currency
from babel.numbers import get_currency_precision
from flask_babel import format_currency

ZERO = Decimal("0")


def precision(currency: str) -> int:
    """Decimal places of a currency (USD 2, JPY 0, KWD 3), from CLDR."""
    return get_currency_precision(currency)


@functools.lru_cache(maxsize=512)
def _minor_unit(currency: str) -> Decimal:
    """The currency's smallest amount (``Decimal("0.01")`` for USD): looked up once per currency."""
    return Decimal(1).scaleb(-precision(currency))


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round half up to the currency's minor unit. The one place rounding happens."""
    return Decimal(amount).quantize(_minor_unit(currency), rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Integer minor units for payment providers (Stripe): 12.34 USD -> 1234, 500 JPY -> 500."""
    return int(quantize(amount, currency).scaleb(precision(currency)))


def from_minor_units(value: int, currency: str) -> Decimal:
    return quantize(Decimal(value).scaleb(-precision(currency)), currency)


def format_money(amount, currency: str | None = None, locale: str | None = None) -> str:
    """Format for display in the active locale (Babel/CLDR): 1.234,56 € in de, €1,234.56 in en."""
    if amount is None or currency is None:
        return ""
    value = quantize(amount, currency)
    if locale:
        return babel_format_currency(value, currency, locale=locale)
    return format_currency(value, currency)


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` by ``weights`` into minor-unit parts that sum exactly to ``total``
    (largest remainder). Weights need not sum to 1; the caller passes shares of the whole."""
    exp = Decimal(1).scaleb(-precision(currency))
    total = quantize(total, currency)
    weight_sum = sum(weights, ZERO)
    if not weights or weight_sum == 0:
        return [ZERO.quantize(exp) for _ in weights]
    raw = [total * w / weight_sum for w in weights]
    floors = [r.quantize(exp, rounding="ROUND_DOWN") for r in raw]
    remainder = int(((total - sum(floors, ZERO)) / exp).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - floors[i]), reverse=True)
    for i in order[:remainder]:
        floors[i] += exp
    return floors
