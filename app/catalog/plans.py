"""Variants, payment plans and the price matrix of one product, as the dashboard changes them.

Creating a variant or a plan and setting one price are ``app.catalog.services`` (``add_variant``,
``add_plan``, ``set_market_price``); this module adds the rest: editing a variant (name, SKU,
default, active, order), editing a plan and its type's terms, deactivating and reactivating a
plan, and the price matrix (plans × the org's markets) with its cells.

Past buyers are never touched: an order item keeps the price, names and tier it was sold with
(``app.orders``), and access rows keep the tier they granted (``app.entitlements``), so a new
price, a renamed plan or a deactivated plan only changes what is sold from now on. A deactivated
plan is no longer offered in any storefront; subscriptions already running on it keep renewing at
its price.

Services flush and raise DomainErrors; the view commits. Each takes the acting employee (``by``),
checks ``require_product_editor`` and writes the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, selectinload

from app.catalog.attributions import require_product_editor
from app.catalog.models import (
    OrgProduct,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.catalog.services import (
    PLAN_FIELDS,
    PRICE_FIELDS,
    VARIANT_FIELDS,
    check_sku_free,
    check_terms,
    plan_tier,
    set_market_price,
)
from app.checks import clean_text, to_decimal_number
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.markets.models import OrgMarket
from app.money import precision, quantize
from app.orgs.models import OrgEmployee
from app.orgs.services import audit_change, snapshot

VARIANT_STATE_FIELDS = (*VARIANT_FIELDS, "is_active", "sort_order")
PLAN_STATE_FIELDS = (*PLAN_FIELDS, "is_active")
TERMS_FIELDS = {
    "one_time": ("allow_gift_cards",),
    "subscription": ("interval", "interval_count", "trial_period_days"),
    "usage_based": ("usage_unit", "included_units"),
}
MAX_PRICE = Decimal("100000000")  # Numeric(12, 4) holds amounts below 10^8


# ---- variants --------------------------------------------------------------------------------

def product_variants(product: OrgProduct) -> list[OrgProductVariant]:
    """The product's variants in order with their plans and the plans' terms (five queries
    whatever their number)."""
    plan = OrgProductVariantPaymentPlan
    return list(db.session.scalars(
        sa.select(OrgProductVariant).where(OrgProductVariant.org_id == product.org_id,
                                           OrgProductVariant.product_id == product.id)
        .order_by(OrgProductVariant.sort_order, OrgProductVariant.created_at, OrgProductVariant.id)
        .options(selectinload(OrgProductVariant.plans).options(
            selectinload(plan.one_time), selectinload(plan.subscription), selectinload(plan.usage_based)))
    ))


def _siblings(variant: OrgProductVariant) -> list[OrgProductVariant]:
    return list(db.session.scalars(
        sa.select(OrgProductVariant).where(OrgProductVariant.product_id == variant.product_id)
        .order_by(OrgProductVariant.sort_order, OrgProductVariant.created_at, OrgProductVariant.id)
    ))


def update_variant(variant: OrgProductVariant, *, name: str, sku: str | None, is_default: bool, is_active: bool,
                   by: OrgEmployee) -> OrgProductVariant:
    """Rename a variant, change its SKU (unique in the org), make it the default (the other
    variants stop being it) and activate or deactivate it. The default variant stays active: make
    another one the default first."""
    require_product_editor(by, variant.product)
    before = snapshot(variant, VARIANT_STATE_FIELDS)
    name = clean_text(name, _("Variant name"), max_length=100, required=True)
    sku = clean_text(sku, _("SKU"), max_length=64)
    if sku is not None and sku != variant.sku:
        check_sku_free(variant.org_id, sku, exclude_id=variant.id)
    if variant.is_default and not is_default:
        raise ValidationError(_("A product always has a default variant: make another variant the default instead."))
    if is_default and not is_active:
        raise ValidationError(_("The default variant cannot be inactive. Make another variant the default first."))
    siblings = _siblings(variant)
    if is_default and not variant.is_default:
        for other in siblings:
            if other.id != variant.id and other.is_default:
                other_before = snapshot(other, VARIANT_STATE_FIELDS)
                other.is_default = False
                db.session.flush()
                audit_change(other, action="variant.updated", by=by, fields=VARIANT_STATE_FIELDS, before=other_before)
    variant.name, variant.sku = name, sku
    variant.is_default, variant.is_active = bool(is_default), bool(is_active)
    db.session.flush()
    audit_change(variant, action="variant.updated", by=by, fields=VARIANT_STATE_FIELDS, before=before)
    return variant


def move_variant(variant: OrgProductVariant, direction: str, *, by: OrgEmployee) -> OrgProductVariant:
    """Move a variant one place up or down among its product's variants (nothing at either end)."""
    require_product_editor(by, variant.product)
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."))
    siblings = _siblings(variant)
    index = next(i for i, v in enumerate(siblings) if v.id == variant.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return variant
    siblings[index], siblings[other] = siblings[other], siblings[index]
    befores = {v.id: snapshot(v, ("sort_order",)) for v in siblings}
    for position, row in enumerate(siblings, start=1):  # renumber: old rows may share a position
        row.sort_order = position
    db.session.flush()
    for row in siblings:
        audit_change(row, action="variant.moved", by=by, fields=("sort_order",), before=befores[row.id])
    return variant


# ---- payment plans ---------------------------------------------------------------------------

def update_plan(plan: OrgProductVariantPaymentPlan, *, name: str, description: str | None, access_tier,
                allow_gift_cards: bool = True, interval: str | None = None, interval_count=1,
                trial_period_days=0, usage_unit: str | None = None, included_units=0,
                by: OrgEmployee) -> OrgProductVariantPaymentPlan:
    """Change a plan's name, description, access tier and its type's terms (the type itself is
    fixed: create another plan for another kind of payment). Past orders and access keep what they
    were sold with; the new tier applies to purchases from now on."""
    require_product_editor(by, plan.variant.product)
    before = snapshot(plan, PLAN_STATE_FIELDS)
    terms = plan.terms
    if terms is None:  # only a plan written around the services lacks its terms row
        raise ValidationError(_("This plan has no terms to edit."))
    terms_fields = TERMS_FIELDS[plan.type]
    terms_before = snapshot(terms, terms_fields)
    name = clean_text(name, _("Plan name"), max_length=100, required=True)
    description = clean_text(description, _("Description"), max_length=100_000)
    tier = plan_tier(access_tier)
    values = check_terms(plan.type, allow_gift_cards=allow_gift_cards, interval=interval,
                         interval_count=interval_count, trial_period_days=trial_period_days,
                         usage_unit=usage_unit, included_units=included_units)
    plan.name, plan.description, plan.access_tier = name, description, tier
    for key, value in values.items():
        setattr(terms, key, value)
    db.session.flush()
    audit_change(plan, action="plan.updated", by=by, fields=PLAN_STATE_FIELDS, before=before)
    audit_change(terms, action="plan.terms_updated", by=by, fields=terms_fields, before=terms_before, entity=plan)
    return plan


def set_plan_active(plan: OrgProductVariantPaymentPlan, active: bool, *, by: OrgEmployee) -> OrgProductVariantPaymentPlan:
    """Stop selling a plan (storefronts no longer offer it) or sell it again. Its buyers keep their
    access and their running subscriptions; its prices stay for when it is reactivated."""
    require_product_editor(by, plan.variant.product)
    before = snapshot(plan, ("is_active",))
    plan.is_active = bool(active)
    db.session.flush()
    audit_change(plan, action="plan.reactivated" if active else "plan.deactivated", by=by, fields=("is_active",),
                 before=before)
    return plan


# ---- the price matrix ------------------------------------------------------------------------

def price_step(currency: str) -> Decimal:
    """The smallest amount of ``currency`` (0.01 EUR, 1 JPY, 0.001 KWD)."""
    return Decimal(1).scaleb(-precision(currency))


def parse_price(raw, currency: str, label: str) -> Decimal | None:
    """A price typed for ``currency``: empty is None; otherwise a non-negative amount with at most
    the currency's decimals (never rounded silently) that the money columns hold."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    places = precision(currency)
    number = to_decimal_number(text, _("%(field)s must be a number, such as %(example)s.", field=label,
                                       example=format(quantize(Decimal("49"), currency), "f")))
    if number < 0:
        raise ValidationError(_("%(field)s cannot be negative.", field=label))
    if number >= MAX_PRICE:
        raise ValidationError(_("%(field)s is too large.", field=label))
    if number != number.quantize(price_step(currency)):
        if places == 0:
            raise ValidationError(_("%(currency)s has no decimals: enter a whole amount.", currency=currency))
        raise ValidationError(_("%(currency)s has at most %(n)d decimals.", currency=currency, n=places))
    return number


def display_amount(amount: Decimal | None, currency: str) -> str:
    """An amount as the matrix's input shows it: the currency's decimals, no grouping (``49.00``)."""
    return "" if amount is None else format(quantize(amount, currency), "f")


@dataclass
class PriceMatrix:
    """A product's plans (by variant order) × the org's markets, with the prices loaded."""

    product: OrgProduct
    plans: list[OrgProductVariantPaymentPlan]
    markets: list[OrgMarket]
    prices: dict[tuple[str, str], OrgProductVariantPaymentPlanMarketPrice] = field(default_factory=dict)

    def price(self, plan_id: str, market_id: str) -> OrgProductVariantPaymentPlanMarketPrice | None:
        """The active price of a cell (a cleared cell has none)."""
        row = self.prices.get((plan_id, market_id))
        return row if row is not None and row.is_active else None

    def missing(self, plan: OrgProductVariantPaymentPlan) -> list[OrgMarket]:
        """The active markets an active plan has no price in (a plan that is not sold misses nothing)."""
        if not plan.is_active or not plan.variant.is_active:
            return []
        return [m for m in self.markets if m.is_active and self.price(plan.id, m.id) is None]

    def cell_values(self, plan: OrgProductVariantPaymentPlan, market: OrgMarket) -> tuple[str, str]:
        """(price, price per unit) as the cell's inputs show them."""
        row = self.price(plan.id, market.id)
        if row is None:
            return "", ""
        return (display_amount(row.price, market.currency_code),
                display_amount(row.price_per_unit, market.currency_code))


def price_matrix(product: OrgProduct, *, plan_id: str | None = None, market_id: str | None = None) -> PriceMatrix:
    """The matrix in four queries whatever its size: the org's markets (active first, by name),
    the product's plans with their variants (and the usage-based terms), the prices. ``plan_id`` and ``market_id`` limit it to
    one row or one cell (404 for another product's plan or another org's market)."""
    markets_stmt = (sa.select(OrgMarket).where(OrgMarket.org_id == product.org_id)
                    .order_by(OrgMarket.is_active.desc(), OrgMarket.name, OrgMarket.id))
    if market_id is not None:
        markets_stmt = markets_stmt.where(OrgMarket.id == market_id)
    markets = list(db.session.scalars(markets_stmt))
    plan = OrgProductVariantPaymentPlan
    plans_stmt = (sa.select(plan).join(plan.variant)
                  .options(contains_eager(plan.variant), selectinload(plan.usage_based))
                  .where(OrgProductVariant.product_id == product.id, plan.org_id == product.org_id)
                  .order_by(OrgProductVariant.sort_order, OrgProductVariant.created_at, OrgProductVariant.id,
                            plan.sort_order, plan.created_at, plan.id))
    if plan_id is not None:
        plans_stmt = plans_stmt.where(plan.id == plan_id)
    plans = list(db.session.scalars(plans_stmt).unique())
    if (plan_id is not None and not plans) or (market_id is not None and not markets):
        raise NotFoundError(_("This price does not exist."))
    price = OrgProductVariantPaymentPlanMarketPrice
    prices_stmt = sa.select(price).where(price.org_id == product.org_id, price.plan_id.in_([p.id for p in plans]))
    if market_id is not None:
        prices_stmt = prices_stmt.where(price.market_id == market_id)
    prices = {(row.plan_id, row.market_id): row for row in db.session.scalars(prices_stmt)} if plans else {}
    return PriceMatrix(product=product, plans=plans, markets=markets, prices=prices)


def cell_key(plan_id: str, market_id: str) -> str:
    return f"{plan_id}.{market_id}"


def clear_market_price(plan: OrgProductVariantPaymentPlan, market: OrgMarket, *,
                       by: OrgEmployee) -> OrgProductVariantPaymentPlanMarketPrice | None:
    """Stop selling the plan in ``market``: its price row stays (past orders and running
    subscriptions refer to it) but is inactive. Nothing to do without a price."""
    require_product_editor(by, plan.variant.product)
    row = db.session.scalar(sa.select(OrgProductVariantPaymentPlanMarketPrice).where(
        OrgProductVariantPaymentPlanMarketPrice.plan_id == plan.id,
        OrgProductVariantPaymentPlanMarketPrice.market_id == market.id))
    if row is None or not row.is_active:
        return row
    before = snapshot(row, PRICE_FIELDS)
    row.is_active = False
    db.session.flush()
    audit_change(row, action="price.cleared", by=by, fields=PRICE_FIELDS, before=before)
    return row


def save_cell(matrix: PriceMatrix, plan: OrgProductVariantPaymentPlan, market: OrgMarket, *, price,
              price_per_unit=None, by: OrgEmployee) -> bool:
    """Set one cell from what was typed: empty clears it, an unchanged value does nothing.
    Returns whether something changed; ValidationError (nothing changed) for bad input."""
    currency = market.currency_code
    amount = parse_price(price, currency, _("The price"))
    per_unit = (parse_price(price_per_unit, currency, _("The price per unit"))
                if plan.type == "usage_based" else None)
    current = matrix.price(plan.id, market.id)
    if amount is None:
        if plan.type == "usage_based" and per_unit is not None:
            raise ValidationError(_("Enter the base price too (0 for none)."))
        if current is None:
            return False
        clear_market_price(plan, market, by=by)
        return True
    if plan.type == "usage_based" and per_unit is None:
        raise ValidationError(_("A usage-based plan needs a price per unit."))
    if current is not None and current.price == amount and current.price_per_unit == per_unit:
        return False
    row = set_market_price(plan, market, price=amount, price_per_unit=per_unit,
                           compare_at_price=current.compare_at_price if current is not None else None, by=by)
    matrix.prices[(plan.id, market.id)] = row
    return True


def save_matrix(product: OrgProduct, entries: dict[str, tuple[str | None, str | None]], *,
                by: OrgEmployee) -> tuple[PriceMatrix, int, dict[str, str]]:
    """Save every cell of the product's matrix given in ``entries`` (``cell_key`` -> (price, price
    per unit) as typed). Good cells are saved even when others are refused: returns the matrix,
    how many cells changed and the error message per refused cell."""
    require_product_editor(by, product)
    matrix = price_matrix(product)
    saved, errors = 0, {}
    for plan in matrix.plans:
        for market in matrix.markets:
            key = cell_key(plan.id, market.id)
            if key not in entries:
                continue
            price, per_unit = entries[key]
            try:
                with db.session.begin_nested():
                    saved += save_cell(matrix, plan, market, price=price, price_per_unit=per_unit, by=by)
            except ValidationError as exc:
                errors[key] = exc.message
    return matrix, saved, errors
