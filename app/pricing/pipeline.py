"""The pricing pipeline (DESIGN.md §6): market price x quantity -> discount code -> tax -> gift
cards -> amount to pay.

``quote()`` is pure: given the cart lines and the already-resolved discount and gift card rows it
computes every amount and writes nothing. ``resolve_discount()`` and ``resolve_gift_card()`` turn
the codes a buyer typed into rows of the org, or raise ``ValidationError`` with a message to show
next to the code field.

Money is ``Decimal`` throughout. Each line's amounts are rounded once with ``app.money.quantize``
(ROUND_HALF_UP to the currency's minor unit); order totals are sums of the rounded lines, so an
order always equals the sum of its items. Amounts spread over lines (a fixed discount, the gift
card total) use ``app.money.allocate`` (largest remainder), so the parts sum exactly.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from babel import numbers
from flask_babel import get_locale
from flask_babel import gettext as _

from app.catalog.models import OrgDiscount
from app.catalog.services import normalize_discount_code
from app.db import utcnow
from app.errors import ValidationError
from app.extensions import db
from app.giftcards import services as giftcard_services
from app.giftcards.models import OrgGiftCard
from app.money import ZERO, allocate, quantize
from app.orgs.models import Org
from app.tax.services import RateView, applied_rate

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineInput:
    """One line to price: a plan, its quantity and its price in the market (fresh from the database).
    ``for_plan`` builds it from the plan and its product; the cart, renewals and the payment
    providers all use it."""

    plan_id: str
    product_id: str
    variant_id: str
    product_name: str
    plan_name: str
    plan_type: str
    access_tier: int
    tax_category_id: str | None
    collection_ids: frozenset[str]
    quantity: int
    unit_price: Decimal  # the plan's price in the market (gross in tax-inclusive markets)

    def __post_init__(self):
        if isinstance(self.unit_price, float) or not isinstance(self.unit_price, Decimal):
            raise TypeError("unit_price must be a Decimal")
        if not self.unit_price.is_finite() or self.unit_price < 0:
            raise ValueError("unit_price must be 0 or more")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity < 1:
            raise ValueError("quantity must be an integer of at least 1")
        if not isinstance(self.collection_ids, frozenset):
            object.__setattr__(self, "collection_ids", frozenset(self.collection_ids or ()))

    @classmethod
    def for_plan(cls, plan, product, *, unit_price: Decimal, quantity: int = 1, product_name: str | None = None,
                 plan_name: str | None = None, collection_ids=frozenset()) -> LineInput:
        """The line buying ``quantity`` of ``plan`` (of ``product``) at ``unit_price``: its names (by
        default the product's and the plan's own; the plan name cut to the order item's 100
        characters), plan type, access tier and tax category copied from them."""
        return cls(
            plan_id=plan.id, product_id=product.id, variant_id=plan.variant_id,
            product_name=product_name or product.name, plan_name=(plan_name or plan.name)[:100],
            plan_type=plan.type, access_tier=plan.access_tier, tax_category_id=product.tax_category_id,
            collection_ids=frozenset(collection_ids), quantity=quantity, unit_price=unit_price,
        )


@dataclass
class PricedLine:
    """A line's amounts, each rounded to the currency: ``total`` is what the buyer pays for the
    line including tax, ``net`` is ``total - tax``, ``gift_card`` its share of the gift cards."""

    input: LineInput
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    net: Decimal
    gift_card: Decimal
    tax_rate: RateView | None  # the rate's values (app.tax.services.applied_rate)
    tax_label: str

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.gift_card


@dataclass
class Quote:
    """The priced order. Every total is the sum of the (rounded) line amounts."""

    currency: str
    tax_inclusive: bool
    lines: list[PricedLine]
    discount: OrgDiscount | None
    gift_cards: list[tuple[OrgGiftCard, Decimal]] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    total: Decimal = ZERO
    gift_card_total: Decimal = ZERO
    amount_due: Decimal = ZERO

    @property
    def discount_applies(self) -> bool:
        """True when the discount reduced at least one line (a scoped code may match nothing)."""
        return self.discount is not None and self.discount_total > 0


# ---- time --------------------------------------------------------------------------------

def _moment(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# ---- discount codes ----------------------------------------------------------------------

def check_discount(discount: OrgDiscount, *, market_id: str, currency: str, at: datetime | None = None) -> None:
    """Raise ``ValidationError`` unless ``discount`` can be used in this market and currency at ``at``."""
    at = _moment(at)
    if not discount.is_active:
        raise ValidationError(_("This discount code is no longer active."))
    if discount.starts_at is not None and at < discount.starts_at:
        raise ValidationError(_("This discount code is not valid yet."))
    if discount.ends_at is not None and at >= discount.ends_at:
        raise ValidationError(_("This discount code has expired."))
    if discount.usage_limit is not None and (discount.times_used or 0) >= discount.usage_limit:
        raise ValidationError(_("This discount code has reached its usage limit."))
    if discount.market_id is not None and discount.market_id != market_id:
        raise ValidationError(_("This discount code cannot be used in this store."))
    currency = currency.upper()
    if discount.type == "fixed" and (discount.currency_code or "").upper() != currency:
        raise ValidationError(
            _("This discount code is for prices in %(discount)s, not %(currency)s.",
              discount=discount.currency_code, currency=currency)
        )


def resolve_discount(org: Org, *, code: str | None, market_id: str, currency: str,
                     at: datetime | None = None) -> OrgDiscount:
    """The org's discount with ``code`` (case-insensitive), if it can be used now in this market."""
    normalized = normalize_discount_code(code)
    discount = None
    if normalized:
        discount = db.session.scalar(
            sa.select(OrgDiscount).where(OrgDiscount.org_id == org.id, OrgDiscount.code == normalized)
        )
    if discount is None:
        raise ValidationError(_("The discount code “%(code)s” is not valid.", code=(code or "").strip()))
    check_discount(discount, market_id=market_id, currency=currency, at=at)
    return discount


def _eligible(discount: OrgDiscount, line: LineInput) -> bool:
    if discount.product_id is not None:
        return line.product_id == discount.product_id
    if discount.collection_id is not None:
        return discount.collection_id in line.collection_ids
    return True


def _discounts(discount: OrgDiscount | None, lines: list[LineInput], subtotals: list[Decimal],
               currency: str) -> list[Decimal]:
    """Each line's discount: a percent of each eligible line, or a fixed amount (capped at the
    eligible subtotal) spread over the eligible lines in proportion to their subtotals."""
    zero = quantize(ZERO, currency)
    if discount is None:
        return [zero for _line in lines]
    eligible = [_eligible(discount, line) for line in lines]
    if discount.type == "percent":
        return [
            min(quantize(sub * discount.value / HUNDRED, currency), sub) if ok else zero
            for ok, sub in zip(eligible, subtotals, strict=True)
        ]
    weights = [sub if ok else ZERO for ok, sub in zip(eligible, subtotals, strict=True)]
    amount = min(quantize(discount.value, currency), sum(weights, ZERO))
    return allocate(amount, weights, currency)


# ---- gift cards --------------------------------------------------------------------------

def check_gift_card(card: OrgGiftCard, *, currency: str, at: datetime | None = None) -> None:
    """Raise ``ValidationError`` unless ``card`` can pay for an order in ``currency`` at ``at``."""
    at = _moment(at)
    if not card.is_active:
        raise ValidationError(_("The gift card %(code)s has been disabled.", code=card.code))
    if card.is_expired(at):
        raise ValidationError(_("The gift card %(code)s has expired.", code=card.code))
    if (card.current_balance or ZERO) <= 0:
        raise ValidationError(_("The gift card %(code)s has been used up.", code=card.code))
    currency = currency.upper()
    if card.currency_code.upper() != currency:
        raise ValidationError(
            _("The gift card %(code)s is in %(card)s and cannot pay for an order in %(currency)s.",
              code=card.code, card=card.currency_code, currency=currency)
        )


def resolve_gift_card(org: Org, *, code: str | None, currency: str, at: datetime | None = None) -> OrgGiftCard:
    """The org's gift card with ``code`` (case, spaces and dashes ignored), if usable for this order."""
    card = giftcard_services.get_by_code(org, code)
    if card is None:
        raise ValidationError(_("There is no gift card with the code “%(code)s”.", code=(code or "").strip()))
    check_gift_card(card, currency=currency, at=at)
    return card


# ---- tax ---------------------------------------------------------------------------------

def _names_its_rate(name: str, rate: Decimal) -> bool:
    """Whether a rate's name already states its percentage ("Umsatzsteuer 19 %", "TVA 5,5%")."""
    number = format((rate * HUNDRED).normalize(), "f")
    whole, _dot, fraction = number.partition(".")
    digits = re.escape(whole) + (r"[.,]" + re.escape(fraction) if fraction else "")
    return re.search(rf"(?<![\d.,]){digits}(?:[.,]0+)?\s*%", name) is not None


def _tax_label(rate: RateView) -> str:
    """The rate's name with its percentage, stated once (a name that already says it is kept)."""
    if rate.type == "percent" and not _names_its_rate(rate.name, rate.rate):
        return f"{rate.name} {_percent(str(rate.rate), get_locale())}"
    return rate.name


@functools.lru_cache(maxsize=256)
def _percent(rate: str, locale) -> str:
    """Flask-Babel's ``format_percent(rate, format="#,##0.###%")`` in ``locale`` (its request's), a
    pure function of the rate (as written) and the locale: worked out once per process for each."""
    return numbers.format_percent(Decimal(rate), format="#,##0.###%", locale=locale)


def _line_tax(rate: RateView | None, amount: Decimal, quantity: int, *, currency: str,
              tax_inclusive: bool) -> tuple[Decimal, Decimal, Decimal]:
    """``(tax, net, total)`` of a line whose discounted price is ``amount`` (gross when inclusive)."""
    zero = quantize(ZERO, currency)
    if rate is None:
        tax = zero
    elif rate.type == "percent":
        if tax_inclusive:
            tax = quantize(amount - amount / (1 + rate.rate), currency)
        else:
            tax = quantize(amount * rate.rate, currency)
    else:
        tax = quantize(rate.amount * quantity, currency)
        if tax_inclusive:
            tax = min(tax, amount)  # contained in the price: never more than the line
    if tax_inclusive:
        return tax, amount - tax, amount
    return tax, amount, amount + tax


def _applicable_rate(org: Org, category_id: str | None, *, currency: str, country: str,
                     subdivision: str | None, at: datetime) -> RateView | None:
    rate = applied_rate(org.id, category_id=category_id, country_code=country, subdivision_code=subdivision, at=at)
    if rate is not None and rate.type == "fixed" and (rate.currency_code or "").upper() != currency:
        return None  # a fixed amount in another currency cannot be charged on this order
    return rate


# ---- the pipeline ------------------------------------------------------------------------

def quote(org: Org, *, currency: str, tax_inclusive: bool, lines: list[LineInput], billing_country: str,
          subdivision_code: str | None = None, discount: OrgDiscount | None = None,
          gift_cards: list[OrgGiftCard] | tuple[OrgGiftCard, ...] = (), market_id: str,
          at: datetime | None = None) -> Quote:
    """Price ``lines`` for a buyer in ``billing_country`` (and ``subdivision_code``) at ``at``.

    The discount and gift cards are checked again (``ValidationError`` if one can no longer be
    used); gift cards are applied in the given order, each up to its balance and what is still
    due, and a card that is not needed is left out of ``Quote.gift_cards``. Writes nothing.
    """
    at = _moment(at)
    currency = currency.upper()
    lines = list(lines)
    if discount is not None:
        if discount.org_id != org.id:
            raise ValidationError(_("The discount code “%(code)s” is not valid.", code=discount.code))
        check_discount(discount, market_id=market_id, currency=currency, at=at)

    subtotals = [quantize(line.unit_price * line.quantity, currency) for line in lines]
    discounts = _discounts(discount, lines, subtotals, currency)

    rates: dict[str | None, RateView | None] = {}
    priced: list[PricedLine] = []
    for line, subtotal, line_discount in zip(lines, subtotals, discounts, strict=True):
        if line.tax_category_id not in rates:
            rates[line.tax_category_id] = _applicable_rate(
                org, line.tax_category_id, currency=currency, country=billing_country,
                subdivision=subdivision_code, at=at,
            )
        rate = rates[line.tax_category_id]
        tax, net, total = _line_tax(rate, subtotal - line_discount, line.quantity, currency=currency,
                                    tax_inclusive=tax_inclusive)
        priced.append(PricedLine(
            input=line, subtotal=subtotal, discount=line_discount, tax=tax, total=total, net=net,
            gift_card=quantize(ZERO, currency), tax_rate=rate, tax_label=_tax_label(rate) if rate else "",
        ))

    zero = quantize(ZERO, currency)
    total = sum((p.total for p in priced), zero)

    applied: list[tuple[OrgGiftCard, Decimal]] = []
    seen: set[str] = set()
    remaining = total
    for card in gift_cards:
        if card.id in seen:
            continue
        seen.add(card.id)
        if card.org_id != org.id:
            raise ValidationError(_("There is no gift card with the code “%(code)s”.", code=card.code))
        check_gift_card(card, currency=currency, at=at)
        amount = min(quantize(card.current_balance, currency), remaining)
        if amount <= 0:
            continue
        applied.append((card, amount))
        remaining -= amount
    gift_card_total = sum((amount for _card, amount in applied), zero)
    for p, share in zip(priced, allocate(gift_card_total, [p.total for p in priced], currency), strict=True):
        p.gift_card = share

    return Quote(
        currency=currency,
        tax_inclusive=tax_inclusive,
        lines=priced,
        discount=discount,
        gift_cards=applied,
        subtotal=sum((p.subtotal for p in priced), zero),
        discount_total=sum((p.discount for p in priced), zero),
        tax_total=sum((p.tax for p in priced), zero),
        total=total,
        gift_card_total=gift_card_total,
        amount_due=total - gift_card_total,
    )
