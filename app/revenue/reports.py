"""The org's reports (admins: ``all_earnings``; issue 14, point 5). Each is one aggregate query
over a period, whatever the number of orders:

- revenue by market, currency and month: paid orders, what was paid, refunded, tax, net of both;
- tax by country and rate, from each item's tax snapshot (what a VAT return needs): taxable
  amount, tax collected, tax refunded, owed;
- gift card liability per currency (the ledger account and the cards' balances side by side);
- creator payables per employee and currency;
- the trial balance per currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from app.accounting.ledger import CHART
from app.accounting.models import Account
from app.accounts.models import UserProfile
from app.db import plan_for_each_run
from app.extensions import db
from app.giftcards.models import OrgGiftCard
from app.markets.models import OrgMarket
from app.money import quantize
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.orgs.models import Org, OrgEmployee, OrgMember
from app.orgs.services import authorize
from app.tax.models import OrgTaxRate, OrgTaxRateSnapshot

PAID = ("paid", "fulfilled", "refunded")


def _money(value, currency: str) -> Decimal:
    return quantize(Decimal(str(value or 0)), currency)


@dataclass(frozen=True)
class RevenueRow:
    market: str
    currency: str
    month: str  # YYYY-MM
    orders: int
    paid: Decimal
    refunded: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded - self.tax


def _month_key(column) -> sa.ColumnElement:
    """The month of a timestamp (UTC) to group by: on PostgreSQL ``date_trunc('month', ...)``,
    spelled with literals so that the planner matches it with the statistics migration 0008_t
    keeps on it (it then knows an org has a few dozen months, not one group per order, and hashes
    instead of sorting every order); on SQLite its ``YYYY-MM`` text."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.date_trunc(sa.literal_column("'month'"), sa.func.timezone(sa.literal_column("'UTC'"), column))
    return sa.func.strftime("%Y-%m", column)


def _month_text(key) -> sa.ColumnElement:
    """``YYYY-MM`` of a ``_month_key``."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(key, sa.literal_column("'YYYY-MM'"))
    return key


def revenue(org: Org, start: datetime, end: datetime, *, by) -> list[RevenueRow]:
    """Paid orders of the period by market (name), currency and month: summed per market id
    first, then named (a handful of groups joined to their market, not every order)."""
    authorize(by, org, "all_earnings")
    plan_for_each_run(db.session)  # aggregates over many rows: a plan for these values
    order = OrgMemberOrder
    key = _month_key(order.paid_at)
    groups = (
        sa.select(order.market_id, order.currency_code, key.label("month"), sa.func.count().label("orders"),
                  sa.func.sum(order.total_amount).label("paid"), sa.func.sum(order.refunded_amount).label("refunded"),
                  sa.func.sum(order.tax_amount).label("tax"))
        .where(order.org_id == org.id, order.status.in_(PAID), order.paid_at >= start, order.paid_at < end)
        .group_by(order.market_id, order.currency_code, key)
    ).subquery()
    month = _month_text(groups.c.month).label("month")
    rows = db.session.execute(
        sa.select(OrgMarket.name, groups.c.currency_code, month, sa.func.sum(groups.c.orders),
                  sa.func.sum(groups.c.paid), sa.func.sum(groups.c.refunded), sa.func.sum(groups.c.tax))
        .select_from(groups)
        .join(OrgMarket, OrgMarket.id == groups.c.market_id)
        .group_by(OrgMarket.name, groups.c.currency_code, month)
        .order_by(month.desc(), OrgMarket.name, groups.c.currency_code)
    ).all()
    return [RevenueRow(market, currency, m, int(n), _money(paid, currency), _money(refunded, currency),
                       _money(tax, currency)) for market, currency, m, n, paid, refunded, tax in rows]


@dataclass(frozen=True)
class TaxRow:
    country: str
    rate_name: str
    percent: Decimal | None
    currency: str
    items: int
    taxable: Decimal
    collected: Decimal
    refunded: Decimal

    @property
    def owed(self) -> Decimal:
        return self.collected - self.refunded


def tax(org: Org, start: datetime, end: datetime, *, by) -> list[TaxRow]:
    """Tax by billing country and applied rate for orders paid in the period (refunds in
    proportion to what went back of each item). One aggregate over the items' tax snapshots,
    which carry their order's payment time, country and currency and their item's percent,
    taxable amount and tax (app/tax/models.py; ``ix_org_tax_rate_snap_report`` covers them on
    PostgreSQL), summed per rate id and then named. Refunds change the item, not its snapshot:
    only the org's refunded items are joined (``ix_org_mbr_ord_item_refunded``, partial). An item
    has at most one snapshot, so ``count(*)`` counts items."""
    authorize(by, org, "all_earnings")
    plan_for_each_run(db.session)  # aggregates over many rows: a plan for these values
    item, snap = OrgMemberOrderItem, OrgTaxRateSnapshot
    refunded_tax = sa.case((item.line_total > 0, item.tax_amount * item.refunded_amount / item.line_total), else_=0)
    groups = (
        sa.select(snap.billing_country_code, snap.original_tax_rate_id, snap.tax_rate_percent, snap.currency_code,
                  sa.func.count().label("item_count"), sa.func.sum(snap.taxable_amount).label("taxable"),
                  sa.func.sum(snap.tax_amount).label("collected"), sa.func.sum(refunded_tax).label("refunded"))
        .select_from(snap)
        .outerjoin(item, sa.and_(item.id == snap.order_item_id, item.org_id == org.id, item.refunded_amount > 0))
        .where(snap.org_id == org.id, snap.order_item_id.is_not(None), snap.paid_at >= start, snap.paid_at < end)
        .group_by(snap.billing_country_code, snap.original_tax_rate_id, snap.tax_rate_percent, snap.currency_code)
    ).subquery()
    rows = db.session.execute(
        sa.select(groups.c.billing_country_code, OrgTaxRate.name, groups.c.tax_rate_percent, groups.c.currency_code,
                  sa.func.sum(groups.c.item_count), sa.func.sum(groups.c.taxable), sa.func.sum(groups.c.collected),
                  sa.func.sum(groups.c.refunded))
        .select_from(groups)
        .outerjoin(OrgTaxRate, OrgTaxRate.id == groups.c.original_tax_rate_id)
        .group_by(groups.c.billing_country_code, OrgTaxRate.name, groups.c.tax_rate_percent, groups.c.currency_code)
        .order_by(groups.c.billing_country_code, OrgTaxRate.name, groups.c.tax_rate_percent, groups.c.currency_code)
    ).all()
    return [TaxRow(country, name or "—", percent, currency, int(n), _money(taxable, currency),
                   _money(collected, currency), _money(refunded, currency))
            for country, name, percent, currency, n, taxable, collected, refunded in rows]


@dataclass(frozen=True)
class LiabilityRow:
    currency: str
    ledger: Decimal
    cards: Decimal
    active_cards: int


def gift_card_liability(org: Org, *, by) -> list[LiabilityRow]:
    authorize(by, org, "all_earnings")
    plan_for_each_run(db.session)  # aggregates over many rows: a plan for these values
    ledger = dict(db.session.execute(
        sa.select(Account.currency_code, Account.current_balance)
        .where(Account.org_id == org.id, Account.code == CHART["gift_card_liability"].code)).tuples().all())
    cards = {currency: (total, n) for currency, total, n in db.session.execute(
        sa.select(OrgGiftCard.currency_code, sa.func.sum(OrgGiftCard.current_balance),
                  sa.func.count(sa.case((OrgGiftCard.current_balance > 0, 1))))
        .where(OrgGiftCard.org_id == org.id).group_by(OrgGiftCard.currency_code))}
    return [LiabilityRow(c, _money(ledger.get(c), c), _money(cards.get(c, (0, 0))[0], c), int(cards.get(c, (0, 0))[1]))
            for c in sorted(set(ledger) | set(cards))]


@dataclass(frozen=True)
class PayableRow:
    employee_id: str
    name: str
    currency: str
    owed: Decimal


def creator_payables(org: Org, *, by) -> list[PayableRow]:
    authorize(by, org, "all_earnings")
    plan_for_each_run(db.session)  # aggregates over many rows: a plan for these values
    rows = db.session.execute(
        sa.select(Account.employee_id, UserProfile.display_name, Account.currency_code, Account.current_balance)
        .join(OrgEmployee, OrgEmployee.id == Account.employee_id)
        .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .where(Account.org_id == org.id, Account.code == CHART["creator_payable"].code)
        .order_by(Account.current_balance.desc())
    ).all()
    return [PayableRow(eid, name, c, _money(owed, c)) for eid, name, c, owed in rows]


@dataclass(frozen=True)
class TrialRow:
    code: str
    name: str
    currency: str
    normal_balance: str
    balance: Decimal


def trial_balance(org: Org, *, by) -> list[TrialRow]:
    """Every account's balance (per-employee payables summed), by currency and code."""
    authorize(by, org, "all_earnings")
    plan_for_each_run(db.session)  # aggregates over many rows: a plan for these values
    rows = db.session.execute(
        sa.select(Account.code, Account.name, Account.currency_code, Account.normal_balance,
                  sa.func.sum(Account.current_balance))
        .where(Account.org_id == org.id)
        .group_by(Account.code, Account.name, Account.currency_code, Account.normal_balance)
        .order_by(Account.currency_code, Account.code)
    ).all()
    return [TrialRow(code, name, c, normal, _money(total, c)) for code, name, c, normal, total in rows]

