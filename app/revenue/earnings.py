"""What an employee earned: the read side of the revenue rows and payouts (issue 14, point 4).

Every figure is an aggregate query over ``org_employee_product_attribution_revenue`` (sales and
refunds; the totals, breakdowns and line count over their running sums per attribution, market
and currency, ``org_employee_revenue_total``, kept by app/revenue/posting.py) and
``org_employee_payout``; nothing loops over rows in Python, so a creator with
100,000 rows costs the same handful of statements as one with ten.

- earned: the sum of the employee's parts (refund rows are negative);
- paid: their payouts not reversed;
- pending: earned − paid (what the org owes them: their creator payable account).

Who may read whose earnings: everyone their own (``own_earnings``); admins (``all_earnings``)
anyone's of their org (``earnings_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.models import OrgEmployeeProductAttribution as Attribution
from app.catalog.models import OrgProduct
from app.errors import NotFoundError
from app.extensions import db
from app.markets.models import OrgMarket
from app.money import ZERO, quantize
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.orgs.models import OrgEmployee
from app.orgs.permissions import can
from app.orgs.services import authorize, employee_names, get_or_404
from app.revenue.models import OrgEmployeePayout
from app.revenue.models import OrgEmployeeProductAttributionRevenue as Revenue
from app.revenue.models import OrgEmployeeRevenueTotal as Total
from app.web.tables import day_start

MONTHS = 12


def earnings_of(viewer: OrgEmployee, employee_id: str | None) -> OrgEmployee:
    """The employee whose earnings ``viewer`` opens: themselves, or (admins) any of the org's."""
    authorize(viewer, viewer.org_id, "own_earnings")
    if not employee_id or employee_id == viewer.id:
        return viewer
    if not can(viewer, "all_earnings"):
        raise NotFoundError(_("Not found."))
    return get_or_404(OrgEmployee, viewer.org_id, employee_id)


@dataclass(frozen=True)
class Totals:
    currency: str
    earned: Decimal
    refunded: Decimal  # the (negative) refund part of earned
    paid: Decimal
    sales: int

    @property
    def pending(self) -> Decimal:
        return self.earned - self.paid


def _mine(employee: OrgEmployee):
    return (Total.org_id == employee.org_id, Total.employee_id == employee.id)


def totals(employee: OrgEmployee) -> list[Totals]:
    """Earned, refunded, paid and pending per currency (two queries; the revenue from the
    employee's running totals, ``OrgEmployeeRevenueTotal``, not from every row)."""
    rows = db.session.execute(
        sa.select(Total.currency_code, sa.func.sum(Total.earned), sa.func.sum(Total.refunded), sa.func.sum(Total.sales))
        .where(*_mine(employee))
        .group_by(Total.currency_code)
    ).all()
    paid = dict(db.session.execute(
        sa.select(OrgEmployeePayout.currency_code, sa.func.sum(OrgEmployeePayout.amount))
        .where(OrgEmployeePayout.org_id == employee.org_id, OrgEmployeePayout.employee_id == employee.id,
               OrgEmployeePayout.status == "paid")
        .group_by(OrgEmployeePayout.currency_code)
    ).tuples().all())
    result = []
    found = {currency: (earned, refunded, count) for currency, earned, refunded, count in rows}
    for currency in sorted(set(found) | set(paid)):
        earned, refunded, count = found.get(currency, (ZERO, ZERO, 0))
        result.append(Totals(currency, quantize(earned or ZERO, currency), quantize(refunded or ZERO, currency),
                             quantize(paid.get(currency) or ZERO, currency), int(count or 0)))
    return result


def line_count(employee: OrgEmployee) -> int:
    """The number of the employee's revenue rows (from their running totals: one small query)."""
    return int(db.session.scalar(sa.select(sa.func.sum(Total.lines)).where(*_mine(employee))) or 0)


@dataclass(frozen=True)
class Month:
    first_day: date
    earned: Decimal

    @property
    def key(self) -> str:
        return self.first_day.strftime("%Y-%m")


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    firsts = []
    year, month = today.year, today.month
    for _i in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(firsts))


def by_month(employee: OrgEmployee, today: date, months: int = MONTHS) -> dict[str, list[Month]]:
    """Currency -> the earned amount of each of the last ``months`` months, oldest first (one query)."""
    firsts = month_starts(today, months)
    starts = [day_start(d) for d in firsts]  # midnight in the request's time zone
    bucket = sa.case(*((Revenue.calculated_at >= starts[i], i) for i in range(months - 1, -1, -1)), else_=-1)
    inner = (sa.select(bucket.label("month"), Revenue.currency_code.label("currency"),
                       Revenue.attributed_revenue.label("amount"))
             .where(Revenue.org_id == employee.org_id, Revenue.employee_id == employee.id,
                    Revenue.calculated_at >= starts[0]).subquery())
    rows = db.session.execute(sa.select(inner.c.currency, inner.c.month, sa.func.sum(inner.c.amount))
                              .group_by(inner.c.currency, inner.c.month)).all()
    found: dict[str, dict[int, Decimal]] = {}
    for currency, index, amount in rows:
        if 0 <= index < months:
            found.setdefault(currency, {})[index] = quantize(amount or ZERO, currency)
    return {currency: [Month(firsts[i], values.get(i, quantize(ZERO, currency))) for i in range(months)]
            for currency, values in sorted(found.items())}


@dataclass(frozen=True)
class Breakdown:
    label: str
    currency: str
    earned: Decimal
    sales: int


def _breakdown(employee: OrgEmployee, label, group, join) -> list[Breakdown]:
    """Earned per ``group`` and currency, largest first (one query over the employee's running
    totals: a few hundred rows, whatever the number of revenue rows)."""
    earned = sa.func.sum(Total.earned)
    stmt = (join(sa.select(label, Total.currency_code, earned, sa.func.sum(Total.sales)).select_from(Total))
            .where(*_mine(employee))
            .group_by(group, label, Total.currency_code)
            .order_by(earned.desc(), label))
    return [Breakdown(name, currency, quantize(amount or ZERO, currency), int(count or 0))
            for name, currency, amount, count in db.session.execute(stmt)]


def by_product(employee: OrgEmployee) -> list[Breakdown]:
    """Earned per product and currency, largest first (one query)."""
    return _breakdown(employee, OrgProduct.name, OrgProduct.id,
                      lambda s: s.join(Attribution, Attribution.id == Total.attribution_id)
                      .join(OrgProduct, OrgProduct.id == Attribution.product_id))


def by_market(employee: OrgEmployee) -> list[Breakdown]:
    """Earned per market and currency, largest first (one query)."""
    return _breakdown(employee, OrgMarket.name, OrgMarket.id,
                      lambda s: s.join(OrgMarket, OrgMarket.id == Total.market_id))


def lines(employee: OrgEmployee) -> sa.Select:
    """The employee's revenue rows with their order, product and market (for lists and exports)."""
    return (
        sa.select(Revenue, OrgMemberOrder.order_number, OrgMemberOrderItem.product_name, OrgMarket.name)
        .join(OrgMemberOrderItem, OrgMemberOrderItem.id == Revenue.order_item_id)
        .join(OrgMemberOrder, OrgMemberOrder.id == OrgMemberOrderItem.order_id)
        .join(OrgMarket, OrgMarket.id == Revenue.market_id)
        .where(Revenue.org_id == employee.org_id, Revenue.employee_id == employee.id)
    )


def line_keys(employee: OrgEmployee) -> sa.Select:
    """The rows of ``lines`` without their joins (every one is on a required foreign key), to count them."""
    return sa.select(Revenue.id).where(Revenue.org_id == employee.org_id, Revenue.employee_id == employee.id)


def line(viewer: OrgEmployee, row_id: str) -> tuple[Revenue, OrgMemberOrderItem, OrgMemberOrder]:
    """One revenue row with its item and order: its employee's, or any of the org's for admins."""
    row = get_or_404(Revenue, viewer.org_id, row_id)
    if row.employee_id != viewer.id and not can(viewer, "all_earnings"):
        raise NotFoundError(_("Not found."))
    item = db.session.get(OrgMemberOrderItem, row.order_item_id)
    return row, item, db.session.get(OrgMemberOrder, item.order_id)


def payouts(employee: OrgEmployee) -> list[OrgEmployeePayout]:
    return list(db.session.scalars(
        sa.select(OrgEmployeePayout)
        .where(OrgEmployeePayout.org_id == employee.org_id, OrgEmployeePayout.employee_id == employee.id)
        .order_by(OrgEmployeePayout.created_at.desc()).limit(50)
    ))


@dataclass(frozen=True)
class Statement:
    """One calendar month of an employee's earnings: every line, the totals per currency, the
    payouts made in the month and what is owed at its end."""

    lines: list
    totals: dict[str, Decimal]
    payouts: list[OrgEmployeePayout]
    owed_at_end: dict[str, Decimal]


def statement(employee: OrgEmployee, first_day: date) -> Statement:
    """The statement of the month starting ``first_day`` (four queries)."""
    next_first = date(first_day.year + (first_day.month == 12), first_day.month % 12 + 1, 1)
    start, end = day_start(first_day), day_start(next_first)
    rows = db.session.execute(
        lines(employee).where(Revenue.calculated_at >= start, Revenue.calculated_at < end)
        .order_by(Revenue.calculated_at, Revenue.id)
    ).all()
    month_totals: dict[str, Decimal] = {}
    for row, *_rest in rows:
        month_totals[row.currency_code] = month_totals.get(row.currency_code, ZERO) + row.attributed_revenue
    paid_out = list(db.session.scalars(
        sa.select(OrgEmployeePayout)
        .where(OrgEmployeePayout.org_id == employee.org_id, OrgEmployeePayout.employee_id == employee.id,
               OrgEmployeePayout.paid_at >= start, OrgEmployeePayout.paid_at < end)
        .order_by(OrgEmployeePayout.paid_at)
    ))
    earned_until = dict(db.session.execute(
        sa.select(Revenue.currency_code, sa.func.sum(Revenue.attributed_revenue))
        .where(Revenue.org_id == employee.org_id, Revenue.employee_id == employee.id, Revenue.calculated_at < end)
        .group_by(Revenue.currency_code)
    ).tuples().all())
    paid_until = dict(db.session.execute(
        sa.select(OrgEmployeePayout.currency_code, sa.func.sum(OrgEmployeePayout.amount))
        .where(OrgEmployeePayout.org_id == employee.org_id, OrgEmployeePayout.employee_id == employee.id,
               OrgEmployeePayout.paid_at < end,
               sa.or_(OrgEmployeePayout.reversed_at.is_(None), OrgEmployeePayout.reversed_at >= end))
        .group_by(OrgEmployeePayout.currency_code)
    ).tuples().all())
    owed = {currency: quantize((earned_until.get(currency) or ZERO) - (paid_until.get(currency) or ZERO), currency)
            for currency in sorted(set(earned_until) | set(paid_until))}
    return Statement(rows, {c: quantize(v, c) for c, v in sorted(month_totals.items())}, paid_out, owed)


def earners(viewer: OrgEmployee) -> list[tuple[str, str]]:
    """(id, name) of the org's employees, by name: whose earnings an admin may open (one query)."""
    return list(employee_names(viewer.org_id).items())
