"""Product attributions: which employees share in a product's net revenue, and from when.

An employee's attributions for a product form a timeline of non-overlapping periods
(``effective_from`` inclusive, ``effective_to`` exclusive, open-ended when NULL). At every moment
the shares of all attributions of a product total at most 100 %; the org keeps the rest.
``org_product_revenue_pool.total_allocation_percentage`` holds the highest total allocated at
any moment from the last change on (the current total when nothing is scheduled), so
``remaining_percentage`` is what can still be granted open-ended.

Catalog pages credit the creators from them and the player grants preview rights from them; the
revenue rows written per sale are ``app.revenue``'s, and so is ending an attribution
(``app.revenue.services.end_attribution``: one that has revenue cannot be removed).

Who may change a product is decided here too (``require_product_editor``): the capability
``catalog_all`` (every product of the org) or ``catalog_own`` for the products the employee is
attributed to now. Changing attributions (who earns what share of a product) is catalog work for
all products (``catalog_all``: admins and managers, issue 14); creators read their own.

Services flush and raise DomainErrors; the view commits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.models import (
    ATTRIBUTION_TYPES,
    OrgEmployeeProductAttribution,
    OrgProduct,
    OrgProductRevenuePool,
)
from app.checks import aware, to_amount
from app.db import bound_values, in_bound, plain_rows, prebuilt, prebuilt_for_count, utcnow
from app.errors import PermissionDeniedError, ValidationError
from app.extensions import db
from app.orgs.models import OrgEmployee
from app.orgs.permissions import can
from app.orgs.services import audit_change, authorize, ensure_same_org, snapshot

HUNDRED = Decimal("100")
_ZERO = Decimal("0")
_CENT = Decimal("0.01")

# (effective_from, effective_to | None, percent)
_Period = tuple[datetime, datetime | None, Decimal]


def _pct(value: Decimal) -> str:
    """``Decimal("30.00")`` -> ``"30"``, ``Decimal("12.50")`` -> ``"12.5"`` for messages."""
    text = format(value.quantize(_CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _active(period: _Period, moment: datetime) -> bool:
    start, end, _share = period
    return start <= moment and (end is None or moment < end)


def _total_at(periods: list[_Period], moment: datetime) -> Decimal:
    return sum((p[2] for p in periods if _active(p, moment)), _ZERO)


def _peak(periods: list[_Period], start: datetime, end: datetime | None = None) -> Decimal:
    """The highest total over ``[start, end)``: totals only rise where a period starts."""
    points = [start] + [p[0] for p in periods if p[0] > start and (end is None or p[0] < end)]
    return max((_total_at(periods, t) for t in points), default=_ZERO)


ATTRIBUTION_FIELDS = ("employee_id", "product_id", "revenue_share_percentage", "attribution_type",
                      "effective_from", "effective_to")


def attributed_product_ids(employee: OrgEmployee, at: datetime | None = None) -> sa.Select:
    """The ids of the products ``employee`` is attributed to at ``at`` (default: now), as a subquery."""
    moment = aware(at) or utcnow()
    return sa.select(OrgEmployeeProductAttribution.product_id).where(
        OrgEmployeeProductAttribution.org_id == employee.org_id,
        OrgEmployeeProductAttribution.employee_id == employee.id,
        OrgEmployeeProductAttribution.effective_from <= moment,
        sa.or_(OrgEmployeeProductAttribution.effective_to.is_(None), OrgEmployeeProductAttribution.effective_to > moment),
    )


def may_edit_product(employee: OrgEmployee | None, product: OrgProduct) -> bool:
    """``catalog_all``, or ``catalog_own`` and attributed to ``product`` now."""
    if can(employee, "catalog_all"):
        return True
    if not can(employee, "catalog_own"):
        return False
    stmt = attributed_product_ids(employee).where(OrgEmployeeProductAttribution.product_id == product.id)
    return db.session.scalar(stmt.limit(1)) is not None


def require_product_editor(by: OrgEmployee | None, product: OrgProduct) -> None:
    """The check of every service that changes a product or its content: ``by`` works for the
    product's org (NotFoundError otherwise) and may edit it (PermissionDeniedError otherwise)."""
    if by is None:
        raise PermissionDeniedError(_("You do not have permission to do that."))
    ensure_same_org(by, product.org_id, _("Product not found."))
    if not may_edit_product(by, product):
        raise PermissionDeniedError(_("You do not have permission to change this product."))


def lock_pool(product: OrgProduct) -> OrgProductRevenuePool:
    """The product's pool row, locked (PostgreSQL) so concurrent changes to one product's
    attributions are validated one after another."""
    pool = db.session.scalar(
        sa.select(OrgProductRevenuePool).where(OrgProductRevenuePool.product_id == product.id).with_for_update()
    )
    if pool is None:
        pool = OrgProductRevenuePool(org_id=product.org_id, product_id=product.id, total_allocation_percentage=_ZERO)
        db.session.add(pool)
        db.session.flush()
    return pool


def _attributions(product_id: str) -> list[OrgEmployeeProductAttribution]:
    return list(
        db.session.scalars(
            sa.select(OrgEmployeeProductAttribution)
            .where(OrgEmployeeProductAttribution.product_id == product_id)
            .order_by(OrgEmployeeProductAttribution.effective_from, OrgEmployeeProductAttribution.id)
        )
    )


def _share(value) -> Decimal:
    try:
        share = to_amount(value, _("Revenue share"))
    except ValidationError:
        raise ValidationError(_("Enter the revenue share as a percentage, for example 30.")) from None
    share = share.quantize(_CENT, rounding=ROUND_HALF_UP)
    if share <= 0 or share > HUNDRED:
        raise ValidationError(_("The revenue share must be more than 0% and at most 100%."))
    return share


def sync_revenue_pool(
    product: OrgProduct, *, by: OrgEmployee | None = None, pool: OrgProductRevenuePool | None = None
) -> OrgProductRevenuePool:
    """Recompute the product's pool from its attributions (the peak total from now on)."""
    pool = pool or lock_pool(product)
    now = utcnow()
    periods = [(a.effective_from, a.effective_to, a.revenue_share_percentage) for a in _attributions(product.id)]
    pool.total_allocation_percentage = _peak(periods, now)
    pool.last_allocation_at = now
    if by is not None:
        pool.last_allocation_by_employee_id = by.id
    db.session.flush()
    return pool


def set_attribution(
    product: OrgProduct,
    employee: OrgEmployee,
    *,
    percent,
    type: str = "creator",
    effective_from: datetime | None = None,
    by: OrgEmployee,
) -> OrgEmployeeProductAttribution:
    """Give ``employee`` ``percent`` % of the product's net revenue from ``effective_from``
    (default: now) until their next scheduled change, if any.

    The employee's attribution running at that moment ends there; one starting at exactly that
    moment is updated in place. Raises ValidationError when the product's shares would total
    more than 100 % at any moment. ``by`` (an admin or manager: ``catalog_all``) is recorded on the
    revenue pool and in the audit log.
    """
    authorize(by, product.org_id, "catalog_all", _("Only admins and managers change who earns from a product."))
    ensure_same_org(employee, product.org_id, _("Employee not found."))
    if not employee.is_active:
        raise ValidationError(_("Revenue can only be attributed to active employees."))
    if type not in ATTRIBUTION_TYPES:
        raise ValidationError(_("Choose a valid attribution type."))
    share = _share(percent)
    start = aware(effective_from) or utcnow()

    pool = lock_pool(product)
    rows = _attributions(product.id)
    mine = [a for a in rows if a.employee_id == employee.id]
    same_start = next((a for a in mine if a.effective_from == start), None)
    covering = None
    if same_start is not None:
        end = same_start.effective_to
    else:
        covering = next((a for a in mine if a.effective_from < start and _active(
            (a.effective_from, a.effective_to, a.revenue_share_percentage), start)), None)
        later = [a.effective_from for a in mine if a.effective_from > start]
        end = min(later) if later else None

    others: list[_Period] = []
    for a in rows:
        if a is same_start:
            continue
        a_end = start if a is covering else a.effective_to
        others.append((a.effective_from, a_end, a.revenue_share_percentage))
    peak_others = _peak(others, start, end)
    if peak_others + share > HUNDRED:
        raise ValidationError(
            _("Revenue shares for this product would total %(total)s%%, but at most 100%% can be "
              "allocated. %(available)s%% is still available for this period.",
              total=_pct(peak_others + share), available=_pct(max(HUNDRED - peak_others, _ZERO)))
        )

    if same_start is not None:
        attribution = same_start
        before = snapshot(attribution, ATTRIBUTION_FIELDS)
    else:
        before = None
        if covering is not None:
            covering_before = snapshot(covering, ATTRIBUTION_FIELDS)
            covering.effective_to = start
            audit_change(covering, action="attribution.ended", by=by, fields=ATTRIBUTION_FIELDS,
                         before=covering_before)
        attribution = OrgEmployeeProductAttribution(
            org_id=product.org_id,
            employee_id=employee.id,
            product_id=product.id,
            effective_from=start,
            effective_to=end,
        )
        db.session.add(attribution)
    attribution.revenue_share_percentage = share
    attribution.attribution_type = type
    db.session.flush()
    audit_change(attribution, action="attribution.set", by=by, fields=ATTRIBUTION_FIELDS, before=before)
    sync_revenue_pool(product, by=by, pool=pool)
    return attribution


@prebuilt
def _in_effect() -> sa.Select[tuple[OrgEmployeeProductAttribution]]:
    """``attributions_in_effect``'s query (bound: org_id, product_ids, at)."""
    return _in_effect_of(OrgEmployeeProductAttribution.product_id.in_(sa.bindparam("product_ids", expanding=True)))


def _in_effect_of(products) -> sa.Select[tuple[OrgEmployeeProductAttribution]]:
    """The attributions of ``products`` (a condition on the product id) in effect at ``at``,
    largest share first (bound: org_id, at)."""
    at = sa.bindparam("at", type_=OrgEmployeeProductAttribution.effective_from.type)
    return (
        sa.select(OrgEmployeeProductAttribution)
        .where(
            OrgEmployeeProductAttribution.org_id == sa.bindparam("org_id"),
            products,
            OrgEmployeeProductAttribution.effective_from <= at,
            sa.or_(
                OrgEmployeeProductAttribution.effective_to.is_(None),
                OrgEmployeeProductAttribution.effective_to > at,
            ),
        )
        .order_by(OrgEmployeeProductAttribution.revenue_share_percentage.desc(),
                  OrgEmployeeProductAttribution.effective_from, OrgEmployeeProductAttribution.id)
    )


@prebuilt_for_count
def _shares_in_effect(count: int) -> sa.Select:
    """``_in_effect``'s rows of ``count`` products as the columns a sale's split needs (bound:
    org_id, at, product_0, ...)."""
    attribution = OrgEmployeeProductAttribution
    return _in_effect_of(in_bound(attribution.product_id, "product", count)).with_only_columns(
        attribution.id, attribution.employee_id, attribution.product_id, attribution.revenue_share_percentage)


def shares_in_effect(org_id: str, product_ids, *, at: datetime | None = None) -> dict[str, list[sa.Row]]:
    """``attributions_in_effect`` as rows of ``id``, ``employee_id``, ``product_id`` and
    ``revenue_share_percentage`` (no entities; pending changes are flushed first, as for a query)."""
    moment = aware(at) or utcnow()
    found: dict[str, list[sa.Row]] = {product_id: [] for product_id in product_ids}
    if not found:
        return found
    rows = plain_rows(db.session, _shares_in_effect(len(found)),
                      {"org_id": org_id, "at": moment, **bound_values("product", list(found))})
    for row in rows:
        found[row.product_id].append(row)
    return found


def attributions_in_effect(org_id: str, product_ids, *, at: datetime | None = None
                           ) -> dict[str, list[OrgEmployeeProductAttribution]]:
    """Product id -> its attributions in effect at ``at`` (default: now), largest share first;
    one query for any number of products."""
    moment = aware(at) or utcnow()
    found: dict[str, list[OrgEmployeeProductAttribution]] = {product_id: [] for product_id in product_ids}
    if not found:
        return found
    rows = db.session.scalars(_in_effect(), {"org_id": org_id, "product_ids": list(found), "at": moment})
    for row in rows:
        found[row.product_id].append(row)
    return found


def attribute_creator(product: OrgProduct, employee: OrgEmployee) -> OrgEmployeeProductAttribution:
    """``employee`` created ``product`` without ``catalog_all`` (a creator): they become its creator
    with a 0 % share from now, so ``may_edit_product`` lets them go on editing it. Needs no
    ``catalog_all``: a 0 % share moves no money; an admin or manager sets the real share with
    ``set_attribution``. Called by the services that create a product (they check ``catalog_own``)."""
    ensure_same_org(employee, product.org_id, _("Employee not found."))
    attribution = OrgEmployeeProductAttribution(
        org_id=product.org_id, employee_id=employee.id, product_id=product.id,
        revenue_share_percentage=_ZERO, attribution_type="creator", effective_from=utcnow(),
    )
    db.session.add(attribution)
    db.session.flush()
    audit_change(attribution, action="attribution.set", by=employee, fields=ATTRIBUTION_FIELDS)
    sync_revenue_pool(product, by=employee)
    return attribution


def effective_attributions(product: OrgProduct, *, at: datetime | None = None) -> list[OrgEmployeeProductAttribution]:
    """The product's attributions in effect at ``at`` (default: now), largest share first."""
    return attributions_in_effect(product.org_id, [product.id], at=at)[product.id]


def attribution_timeline(product: OrgProduct) -> list[OrgEmployeeProductAttribution]:
    """Every attribution of the product, current and scheduled first, then ended ones (newest
    first); one query."""
    return list(db.session.scalars(
        sa.select(OrgEmployeeProductAttribution)
        .where(OrgEmployeeProductAttribution.org_id == product.org_id,
               OrgEmployeeProductAttribution.product_id == product.id)
        .order_by(OrgEmployeeProductAttribution.effective_to.is_not(None),
                  OrgEmployeeProductAttribution.effective_from.desc(), OrgEmployeeProductAttribution.id)
    ))


def remaining_share(product: OrgProduct) -> Decimal:
    """What can still be granted open-ended from now on (100 % less the peak of what is allocated)."""
    periods = [(a.effective_from, a.effective_to, a.revenue_share_percentage) for a in _attributions(product.id)]
    return max(HUNDRED - _peak(periods, utcnow()), _ZERO)
