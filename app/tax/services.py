"""Tax rules: categories, effective-dated rates by region, and the rate that applies to a buyer.

A rate is effective at ``at`` when ``effective_from <= at < effective_to`` (or ``effective_to`` is
NULL). Rates of one category in one region never overlap, so at most one applies at any moment.
Changing a rate from a date on ends the old row and starts a new one (``update_rate``); orders
keep their own snapshot of what was applied. Services flush and raise DomainErrors.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload

from app.checks import aware, to_decimal_number
from app.db import plain_rows, utcnow, with_kept_hash
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import OrgRegion
from app.markets.services import normalize_subdivision
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit_change, authorize, ensure_same_org, scoped, snapshot
from app.platform.services import active_currency
from app.tax.models import TAX_RATE_TYPES, OrgTaxCategory, OrgTaxRate

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
RATE_PLACES = Decimal("0.000001")  # Numeric(7, 6): 8.875% is 0.088750
AMOUNT_PLACES = Decimal("0.0001")  # Numeric(12, 4)
AMOUNT_MAX = Decimal("99999999.9999")
CATEGORY_FIELDS = ("code", "name", "description")
RATE_FIELDS = ("tax_category_id", "region_id", "name", "type", "rate", "amount", "currency_code", "effective_from",
               "effective_to")


def _decimal(value: Any, places: Decimal, message: str) -> Decimal:
    number = to_decimal_number(value, message, places=-places.as_tuple().exponent)
    return number.quantize(places)


# ---- categories --------------------------------------------------------------------------

def check_code(code: str | None) -> str:
    """A category code as stored (trimmed, lowercase), or ValidationError."""
    code = (code or "").strip().lower()
    if not CODE_RE.match(code):
        raise ValidationError(_("Use up to 40 lowercase letters, digits, dots, hyphens or underscores for the code."))
    return code


def check_name(name: str | None) -> str:
    """A category's or rate's name (trimmed, 1 to 100 characters), or ValidationError."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Enter a name of at most 100 characters."))
    return name


def create_category(org: Org, *, code: str, name: str, description: str | None = None,
                    by: OrgEmployee) -> OrgTaxCategory:
    """The org's tax category with ``code``, created if missing (idempotent by code). Tax is an org
    setting: ``by`` needs ``org_settings``."""
    authorize(by, org, "org_settings")
    code = check_code(code)
    existing = get_category_by_code(org, code)
    if existing is not None:
        return existing
    name = check_name(name)
    category = OrgTaxCategory(org_id=org.id, code=code, name=name, description=description)
    db.session.add(category)
    db.session.flush()
    audit_change(category, action="tax_category.created", by=by, fields=CATEGORY_FIELDS)
    return category


def get_category_by_code(org: Org, code: str) -> OrgTaxCategory | None:
    return db.session.scalar(scoped(OrgTaxCategory, org).where(OrgTaxCategory.code == (code or "").strip().lower()))


def list_categories(org: Org) -> sa.Select[tuple[OrgTaxCategory]]:
    return scoped(OrgTaxCategory, org).order_by(OrgTaxCategory.name)


# ---- rates -------------------------------------------------------------------------------

def validate_value(type: str, rate: Any, amount: Any, currency_code: str | None):
    """Check that the value matches the type; returns ``(rate, amount, currency_code)``."""
    if type not in TAX_RATE_TYPES:
        raise ValidationError(_("Choose a tax type from the list."))
    if type == "percent":
        if rate is None or rate == "":
            raise ValidationError(_("Enter the tax rate."))
        if amount is not None:
            raise ValidationError(_("A percentage tax has a rate, not a fixed amount."))
        value = _decimal(rate, RATE_PLACES,
                         _("Enter the rate as a fraction between 0 and 1 with at most 6 decimals (19% is 0.19)."))
        if value < 0 or value > 1:
            raise ValidationError(
                _("Enter the rate as a fraction between 0 and 1 with at most 6 decimals (19% is 0.19).")
            )
        return value, None, None
    if amount is None or amount == "":
        raise ValidationError(_("Enter the tax amount."))
    if rate is not None:
        raise ValidationError(_("A fixed tax has an amount, not a rate."))
    value = _decimal(amount, AMOUNT_PLACES, _("Enter the amount as a number with at most 4 decimals."))
    if value < 0 or value > AMOUNT_MAX:
        raise ValidationError(_("Enter an amount of 0 or more."))
    return None, value, active_currency(currency_code, _("Choose the currency of the fixed amount."))


def check_period(effective_from: datetime, effective_to: datetime | None) -> None:
    if effective_to is not None and effective_to <= effective_from:
        raise ValidationError(_("The end date must be after the start date."))


def check_no_overlap(org_id: str, category_id: str, region_id: str, effective_from: datetime,
                      effective_to: datetime | None, *, exclude_id: str | None = None) -> None:
    stmt = sa.select(OrgTaxRate).where(
        OrgTaxRate.org_id == org_id,
        OrgTaxRate.tax_category_id == category_id,
        OrgTaxRate.region_id == region_id,
        sa.or_(OrgTaxRate.effective_to.is_(None), OrgTaxRate.effective_to > effective_from),
    )
    if effective_to is not None:
        stmt = stmt.where(OrgTaxRate.effective_from < effective_to)
    if exclude_id is not None:
        stmt = stmt.where(OrgTaxRate.id != exclude_id)
    clash = db.session.scalar(stmt.order_by(OrgTaxRate.effective_from).limit(1))
    if clash is not None:
        raise ValidationError(
            _("Another rate (%(name)s) already applies to this category and region in that period. "
              "End it first or choose other dates.", name=clash.name)
        )


def create_rate(org: Org, *, category: OrgTaxCategory, region: OrgRegion, name: str, type: str,
                rate: Decimal | None = None, amount: Decimal | None = None, currency_code: str | None = None,
                effective_from: datetime | None = None, effective_to: datetime | None = None,
                by: OrgEmployee) -> OrgTaxRate:
    """Add a rate of ``category`` in ``region``: a fraction (``rate``) or a fixed ``amount`` in a currency."""
    authorize(by, org, "org_settings")
    ensure_same_org(category, org)
    ensure_same_org(region, org)
    name = check_name(name)
    rate_value, amount_value, currency = validate_value(type, rate, amount, currency_code)
    effective_from = aware(effective_from) if effective_from is not None else utcnow()
    effective_to = aware(effective_to) if effective_to is not None else None
    check_period(effective_from, effective_to)
    check_no_overlap(org.id, category.id, region.id, effective_from, effective_to)
    tax_rate = OrgTaxRate(
        org_id=org.id, tax_category_id=category.id, region_id=region.id, name=name, type=type,
        rate=rate_value, amount=amount_value, currency_code=currency,
        effective_from=effective_from, effective_to=effective_to,
    )
    db.session.add(tax_rate)
    db.session.flush()
    audit_change(tax_rate, action="tax_rate.created", by=by, fields=RATE_FIELDS)
    return tax_rate


def end_rate(rate: OrgTaxRate, *, at: datetime, by: OrgEmployee) -> OrgTaxRate:
    """Stop applying ``rate`` from ``at`` on (exclusive end)."""
    authorize(by, rate.org_id, "org_settings")
    before = snapshot(rate, RATE_FIELDS)
    at = aware(at)
    if at <= rate.effective_from:
        raise ValidationError(_("The end date must be after the start date."))
    check_no_overlap(rate.org_id, rate.tax_category_id, rate.region_id, rate.effective_from, at,
                      exclude_id=rate.id)
    rate.effective_to = at
    db.session.flush()
    audit_change(rate, action="tax_rate.ended", by=by, fields=RATE_FIELDS, before=before)
    return rate


_KEEP: Any = object()


def update_rate(rate: OrgTaxRate, *, at: datetime | None = None, name: str | None = None,
                new_rate: Any = _KEEP, amount: Any = _KEEP, currency_code: Any = _KEEP,
                by: OrgEmployee) -> OrgTaxRate:
    """Change a rate's value from ``at`` (default now) on; returns the rate that applies from then.

    A rate that is already in effect at ``at`` is ended there and a successor with the new value
    starts at ``at`` (keeping the old end date), so the history of what applied when is kept.
    A rate that only starts after ``at`` is edited in place.
    """
    authorize(by, rate.org_id, "org_settings")
    before = snapshot(rate, RATE_FIELDS)
    at = aware(at) if at is not None else utcnow()
    if rate.effective_to is not None and at >= rate.effective_to:
        raise ValidationError(_("This rate has already ended. Add a new rate instead."))
    value_rate = rate.rate if new_rate is _KEEP else new_rate
    value_amount = rate.amount if amount is _KEEP else amount
    value_currency = rate.currency_code if currency_code is _KEEP else currency_code
    if rate.type == "percent":
        value_amount, value_currency = None, None
    else:
        value_rate = None
    rate_value, amount_value, currency = validate_value(rate.type, value_rate, value_amount, value_currency)
    new_name = check_name(name or rate.name)

    if at <= rate.effective_from:
        rate.name, rate.rate, rate.amount, rate.currency_code = new_name, rate_value, amount_value, currency
        db.session.flush()
        audit_change(rate, action="tax_rate.updated", by=by, fields=RATE_FIELDS, before=before)
        return rate

    successor = OrgTaxRate(
        org_id=rate.org_id, tax_category_id=rate.tax_category_id, region_id=rate.region_id, name=new_name,
        type=rate.type, rate=rate_value, amount=amount_value, currency_code=currency,
        effective_from=at, effective_to=rate.effective_to,
    )
    rate.effective_to = at
    db.session.flush()
    db.session.add(successor)
    db.session.flush()
    audit_change(rate, action="tax_rate.ended", by=by, fields=RATE_FIELDS, before=before)
    audit_change(successor, action="tax_rate.created", by=by, fields=RATE_FIELDS)
    return successor


def rate_for(org: Org, *, category_id: str | None, country_code: str | None, subdivision_code: str | None = None,
             at: datetime) -> OrgTaxRate | None:
    """The rate of the category that applies to a buyer in that country (and subdivision) at ``at``.

    A rate of the buyer's subdivision region wins over the country-level region's rate.
    """
    params = _rate_params(org.id, category_id, country_code, subdivision_code, at)
    if params is None:
        return None
    return db.session.scalar(_rate_statement("subdivision" in params), params)


def _rate_params(org_id: str, category_id: str | None, country_code: str | None, subdivision_code: str | None,
                 at: datetime) -> dict | None:
    """The bound values of ``_rate_lookup`` (None: no category or country, no rate)."""
    country_code = (country_code or "").strip().upper()
    if not category_id or not country_code:
        return None
    params = {"org_id": org_id, "category_id": category_id, "country_code": country_code, "at": aware(at)}
    subdivision = normalize_subdivision(country_code, subdivision_code)
    if subdivision:
        params["subdivision"] = subdivision
    return params


def _rate_lookup(with_subdivision: bool) -> tuple[tuple, tuple]:
    """The WHERE and ORDER BY of the one rate that applies, shared by ``rate_for`` and
    ``applied_rate``; bound at execution: org_id, category_id, country_code, at (and subdivision)."""
    at = sa.bindparam("at", type_=OrgTaxRate.effective_from.type)
    region_match = (
        sa.or_(OrgRegion.subdivision_code.is_(None), OrgRegion.subdivision_code == sa.bindparam("subdivision"))
        if with_subdivision else OrgRegion.subdivision_code.is_(None)
    )
    where = (
        OrgTaxRate.org_id == sa.bindparam("org_id"),
        OrgRegion.org_id == sa.bindparam("org_id"),
        OrgTaxRate.tax_category_id == sa.bindparam("category_id"),
        OrgRegion.country_code == sa.bindparam("country_code"),
        region_match,
        OrgTaxRate.effective_from <= at,
        sa.or_(OrgTaxRate.effective_to.is_(None), OrgTaxRate.effective_to > at),
    )
    # the subdivision's rate first, then the latest
    order = (sa.case((OrgRegion.subdivision_code.is_(None), 1), else_=0), OrgTaxRate.effective_from.desc())
    return where, order


@functools.cache
def _rate_statement(with_subdivision: bool) -> sa.Select[tuple[OrgTaxRate]]:
    """``rate_for``'s query, built once per process (in two shapes: with or without a subdivision)."""
    where, order = _rate_lookup(with_subdivision)
    return (
        sa.select(OrgTaxRate)
        .join(OrgRegion, OrgRegion.id == OrgTaxRate.region_id)
        .where(*where)
        # The region and category come along: an order's tax snapshot (``snapshot_data``) reads them.
        .options(contains_eager(OrgTaxRate.region), joinedload(OrgTaxRate.tax_category))
        .order_by(*order)
        .limit(1)
    )


class RegionView(NamedTuple):
    """The columns of a rate's region that pricing and the order's snapshot read."""

    id: str
    name: str
    country_code: str
    subdivision_code: str | None


class CategoryView(NamedTuple):
    id: str
    code: str
    name: str


class RateView(NamedTuple):
    """A tax rate as pricing reads it (``applied_rate``): the rate's columns, its region and its
    category, from one row (what ``snapshot_data`` records reads the same attributes)."""

    id: str
    org_id: str
    tax_category_id: str
    region_id: str
    name: str
    type: str
    rate: Decimal | None
    amount: Decimal | None
    currency_code: str | None
    effective_from: datetime
    effective_to: datetime | None
    region: RegionView
    tax_category: CategoryView


def applied_rate(org_id: str, *, category_id: str | None, country_code: str | None,
                 subdivision_code: str | None = None, at: datetime) -> RateView | None:
    """``rate_for``'s rate as plain values (``RateView``), not ORM objects: pricing reads it on every
    cart, checkout and order (loading the rate, its region and its category as objects cost more
    Python than the query). The same rule and SQL as ``rate_for``."""
    params = _rate_params(org_id, category_id, country_code, subdivision_code, at)
    if params is None:
        return None
    row = plain_rows(db.session, _rate_view_statement("subdivision" in params), params).first()
    if row is None:
        return None
    return RateView(*row[:11], RegionView(*row[11:15]), CategoryView(*row[15:18]))


@functools.cache
def _rate_view_statement(with_subdivision: bool) -> sa.Select:
    """``_rate_statement``'s query as columns (built once per process per shape)."""
    where, order = _rate_lookup(with_subdivision)
    rate, region, category = OrgTaxRate, OrgRegion, OrgTaxCategory
    return with_kept_hash(
        sa.select(rate.id, rate.org_id, rate.tax_category_id, rate.region_id, rate.name, rate.type, rate.rate,
                  rate.amount, rate.currency_code, rate.effective_from, rate.effective_to,
                  region.id, region.name, region.country_code, region.subdivision_code,
                  category.id, category.code, category.name)
        .join(region, region.id == rate.region_id)
        .join(category, category.id == rate.tax_category_id)
        .where(*where)
        .order_by(*order)
        .limit(1)
    )


def list_rates(org: Org, *, category: OrgTaxCategory | None = None) -> sa.Select[tuple[OrgTaxRate]]:
    stmt = scoped(OrgTaxRate, org).order_by(OrgTaxRate.tax_category_id, OrgTaxRate.region_id,
                                            OrgTaxRate.effective_from)
    if category is not None:
        stmt = stmt.where(OrgTaxRate.tax_category_id == category.id)
    return stmt


def snapshot_data(rate: OrgTaxRate) -> dict[str, Any]:
    """What ``org_tax_rate_snapshot.snapshot_data`` records about an applied rate (JSON-safe)."""
    region = rate.region
    category = rate.tax_category
    return {
        "name": rate.name,
        "type": rate.type,
        "rate": str(rate.rate) if rate.rate is not None else None,
        "amount": str(rate.amount) if rate.amount is not None else None,
        "currency": rate.currency_code,
        "region": region.name,
        "country": region.country_code,
        "subdivision": region.subdivision_code,
        "category": category.code,
        "effective_from": rate.effective_from.isoformat(),
        "effective_to": rate.effective_to.isoformat() if rate.effective_to else None,
    }
