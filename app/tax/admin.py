"""Tax administration (the dashboard's tax pages): adding and editing categories and regions,
changing rates without rewriting history, and the rate history of a category in a region.

Built on app.tax.services (``create_category``, ``create_rate``, ``update_rate``, ``end_rate``) and
app.markets.services (``create_region``); each rule lives in one place:

- **A rate was used** when an order's tax snapshot (``org_tax_rate_snapshot.original_tax_rate_id``)
  points at it (``used_rate_ids``): the checkout writes one snapshot per item a rate applied to.
- **A used rate is never edited in place** (``change_rate``): the change ends it and starts a new
  rate (``update_rate``) from a moment that is not in the past, so every order keeps the rate its
  snapshot names and the history shows both periods. A rate no order used is corrected in place
  (value, name, dates), still refusing overlapping windows.
- **Ending a used rate** (``close_rate``) happens now or later, never in the past.

Everything needs ``org_settings`` (DESIGN.md §3: admins), is audited, flushes and raises
DomainErrors.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.checks import aware, clean_text
from app.db import utcnow
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import OrgRegion
from app.markets.services import REGION_FIELDS, check_region_country, check_region_subdivision, create_region
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit_change, authorize, ensure_same_org, scoped, snapshot
from app.tax import services as tax
from app.tax.models import OrgTaxCategory, OrgTaxRate, OrgTaxRateSnapshot

DESCRIPTION_MAX = 2000


class FieldError(ValidationError):
    """A ValidationError that names the form field it belongs to (the view shows it there)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _on(field: str, call, *args, **kwargs):
    """Run ``call``; a ValidationError it raises becomes a ``FieldError`` on ``field``."""
    try:
        return call(*args, **kwargs)
    except FieldError:
        raise
    except ValidationError as exc:
        raise FieldError(field, exc.message) from None


# ---- categories --------------------------------------------------------------------------

def _description(value: str | None) -> str | None:
    return _on("description", clean_text, value, _("The description"), max_length=DESCRIPTION_MAX)


def add_category(org: Org, *, code: str, name: str, description: str | None = None,
                 by: OrgEmployee) -> OrgTaxCategory:
    """A new category; a code the org already uses is refused (``create_category`` would return it)."""
    authorize(by, org, "org_settings")
    description = _description(description)
    if tax.get_category_by_code(org, code) is not None:
        raise FieldError("code", _("A category with this code already exists."))
    _on("code", tax.check_code, code)
    return _on("name", tax.create_category, org, code=code, name=name, description=description, by=by)


def update_category(category: OrgTaxCategory, *, code: str, name: str, description: str | None,
                    by: OrgEmployee) -> OrgTaxCategory:
    """Change a category's code, name and description (orders keep the code their snapshot copied)."""
    authorize(by, category.org_id, "org_settings")
    before = snapshot(category, tax.CATEGORY_FIELDS)
    code = _on("code", tax.check_code, code)
    other = db.session.scalar(scoped(OrgTaxCategory, category.org_id).where(
        OrgTaxCategory.code == code, OrgTaxCategory.id != category.id))
    if other is not None:
        raise FieldError("code", _("A category with this code already exists."))
    category.code = code
    category.name = _on("name", tax.check_name, name)
    category.description = _description(description)
    db.session.flush()
    audit_change(category, action="tax_category.updated", by=by, fields=tax.CATEGORY_FIELDS, before=before)
    return category


# ---- regions -----------------------------------------------------------------------------

def _find_region(org_id: str, country_code: str, subdivision_code: str | None) -> OrgRegion | None:
    where = (OrgRegion.subdivision_code.is_(None) if subdivision_code is None
             else OrgRegion.subdivision_code == subdivision_code)
    return db.session.scalar(scoped(OrgRegion, org_id).where(OrgRegion.country_code == country_code, where))


def _place(country_code: str | None, subdivision_code: str | None) -> tuple[str, str | None]:
    """The region's country and subdivision, checked by app.markets.services (errors on their fields)."""
    country = _on("country_code", check_region_country, country_code)
    return country, _on("subdivision_code", check_region_subdivision, country, subdivision_code)


def add_region(org: Org, *, name: str, country_code: str, subdivision_code: str | None = None,
               by: OrgEmployee) -> OrgRegion:
    """A new region; one the org already has (same country and subdivision) is refused
    (``create_region`` would return it)."""
    authorize(by, org, "org_settings")
    name = _on("name", tax.check_name, name)
    country, subdivision = _place(country_code, subdivision_code)
    if _find_region(org.id, country, subdivision) is not None:
        raise FieldError("subdivision_code" if subdivision else "country_code",
                         _("The organization already has this region."))
    return create_region(org, name=name, country_code=country, subdivision_code=subdivision, by=by)


def update_region(region: OrgRegion, *, name: str, country_code: str, subdivision_code: str | None,
                  by: OrgEmployee) -> OrgRegion:
    """Rename a region; its country and subdivision change only while no rate belongs to it (the
    rates' history would otherwise move to another place)."""
    authorize(by, region.org_id, "org_settings")
    before = snapshot(region, REGION_FIELDS)
    name = _on("name", tax.check_name, name)
    country, subdivision = _place(country_code, subdivision_code)
    if (country, subdivision) != (region.country_code, region.subdivision_code):
        has_rates = db.session.scalar(sa.select(sa.exists().where(OrgTaxRate.region_id == region.id)))
        if has_rates:
            raise FieldError("country_code", _("This region has tax rates: its country and subdivision stay. "
                                               "Add a new region instead."))
        if _find_region(region.org_id, country, subdivision) is not None:
            raise FieldError("subdivision_code" if subdivision else "country_code",
                             _("The organization already has this region."))
        region.country_code, region.subdivision_code = country, subdivision
    region.name = name
    db.session.flush()
    audit_change(region, action="region.updated", by=by, fields=REGION_FIELDS, before=before)
    return region


# ---- rates -------------------------------------------------------------------------------

def used_rate_ids(org: Org | str, rate_ids: Iterable[str]) -> set[str]:
    """The rates among ``rate_ids`` that an order used (an order's tax snapshot points at them)."""
    ids = list(set(rate_ids))
    if not ids:
        return set()
    org_id = org if isinstance(org, str) else org.id
    # One EXISTS per rate (stops at its first snapshot on the rate's index), not every snapshot
    # of the org's rates made DISTINCT: a used rate has one per item of every order it taxed.
    snap = OrgTaxRateSnapshot
    return set(db.session.scalars(
        sa.select(OrgTaxRate.id)
        .where(OrgTaxRate.org_id == org_id, OrgTaxRate.id.in_(ids),
               sa.exists().where(snap.original_tax_rate_id == OrgTaxRate.id, snap.org_id == org_id))
    ))


def is_used(rate: OrgTaxRate) -> bool:
    return rate.id in used_rate_ids(rate.org_id, [rate.id])


def add_rate(org: Org, *, category: OrgTaxCategory, region: OrgRegion, name: str, type: str,
             rate: Decimal | None = None, amount: Decimal | None = None, currency_code: str | None = None,
             effective_from: datetime | None = None, effective_to: datetime | None = None,
             by: OrgEmployee) -> OrgTaxRate:
    """``create_rate`` with its messages on the form's fields."""
    authorize(by, org, "org_settings")
    ensure_same_org(category, org)
    ensure_same_org(region, org)
    name = _on("name", tax.check_name, name)
    _on("percent" if type == "percent" else "amount", tax.validate_value, type, rate, amount, currency_code)
    _check_dates(effective_from, effective_to)
    return _on("effective_from", tax.create_rate, org, category=category, region=region, name=name, type=type,
               rate=rate, amount=amount, currency_code=currency_code, effective_from=effective_from,
               effective_to=effective_to, by=by)


def _check_dates(effective_from: datetime | None, effective_to: datetime | None) -> None:
    start = aware(effective_from) if effective_from is not None else utcnow()
    if effective_to is not None:
        _on("effective_to", tax.check_period, start, aware(effective_to))


def change_rate(rate: OrgTaxRate, *, name: str, type: str | None = None, new_rate: Decimal | None = None,
                amount: Decimal | None = None, currency_code: str | None = None,
                effective_from: datetime | None = None, effective_to: datetime | None = None,
                by: OrgEmployee) -> OrgTaxRate:
    """Save the rate form; returns the rate that holds the new values.

    A rate an order used keeps its values: it ends at ``effective_from`` (now when None; never in
    the past) and a new rate with the new name and value starts there (``update_rate``); its type
    and end date stay. A rate no order used is corrected in place: type, value, name and window.
    """
    authorize(by, rate.org_id, "org_settings")
    name = _on("name", tax.check_name, name)
    type = type or rate.type
    value_field = "percent" if type == "percent" else "amount"
    if is_used(rate):
        if type != rate.type:
            raise FieldError("type", _("Orders used this rate: its type stays. End it and add a new rate instead."))
        at = aware(effective_from) if effective_from is not None else utcnow()
        if at < utcnow().replace(second=0, microsecond=0):
            raise FieldError("effective_from", _("Orders used this rate: a change applies from now or a later "
                                                 "moment, never from the past."))
        values = _on(value_field, tax.validate_value, type, new_rate, amount, currency_code)
        if (name, *values) == (rate.name, rate.rate, rate.amount, rate.currency_code):
            raise FieldError(value_field, _("Nothing changed: enter the new value."))
        return _on("effective_from", tax.update_rate, rate, at=max(at, utcnow()), name=name, new_rate=values[0],
                   amount=values[1], currency_code=values[2], by=by)
    before = snapshot(rate, tax.RATE_FIELDS)
    rate_value, amount_value, currency = _on(value_field, tax.validate_value, type, new_rate, amount, currency_code)
    start = aware(effective_from) if effective_from is not None else rate.effective_from
    end = aware(effective_to) if effective_to is not None else None
    _on("effective_to", tax.check_period, start, end)
    _on("effective_from", tax.check_no_overlap, rate.org_id, rate.tax_category_id, rate.region_id, start, end,
        exclude_id=rate.id)
    rate.name, rate.type, rate.rate, rate.amount, rate.currency_code = name, type, rate_value, amount_value, currency
    rate.effective_from, rate.effective_to = start, end
    db.session.flush()
    audit_change(rate, action="tax_rate.corrected", by=by, fields=tax.RATE_FIELDS, before=before)
    return rate


def close_rate(rate: OrgTaxRate, *, at: datetime | None, by: OrgEmployee) -> OrgTaxRate:
    """End ``rate`` at ``at`` (now when None); a rate orders used is never ended in the past."""
    authorize(by, rate.org_id, "org_settings")
    at = aware(at) if at is not None else utcnow()
    if at < utcnow().replace(second=0, microsecond=0) and is_used(rate):
        raise FieldError("ends_at", _("Orders used this rate: it ends now or later, never in the past."))
    if rate.effective_to is not None and at >= rate.effective_to:
        raise FieldError("ends_at", _("This rate already ends by then."))
    return _on("ends_at", tax.end_rate, rate, at=at, by=by)


def rate_history(org: Org, category: OrgTaxCategory, region: OrgRegion) -> list[OrgTaxRate]:
    """Every period of ``category`` in ``region``, newest first."""
    ensure_same_org(category, org)
    ensure_same_org(region, org)
    return list(db.session.scalars(
        scoped(OrgTaxRate, org).where(OrgTaxRate.tax_category_id == category.id, OrgTaxRate.region_id == region.id)
        .order_by(OrgTaxRate.effective_from.desc())
    ))


def rate_rows(org: Org) -> list[tuple[OrgTaxRate, OrgTaxCategory, OrgRegion]]:
    """Every rate of the org with its category and region (one query), by category, region, start."""
    return [tuple(row) for row in db.session.execute(
        sa.select(OrgTaxRate, OrgTaxCategory, OrgRegion)
        .join(OrgTaxCategory, OrgTaxCategory.id == OrgTaxRate.tax_category_id)
        .join(OrgRegion, OrgRegion.id == OrgTaxRate.region_id)
        .where(OrgTaxRate.org_id == org.id)
        .order_by(OrgTaxCategory.name, OrgTaxCategory.id, OrgRegion.country_code,
                  OrgRegion.subdivision_code.nulls_first(), OrgTaxRate.effective_from.desc())
    )]


def is_current(rate: OrgTaxRate, at: datetime | None = None) -> bool:
    return rate.is_effective_at(at or utcnow())

