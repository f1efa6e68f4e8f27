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


def _month(column) -> sa.ColumnElement:
    """``YYYY-MM`` of a timestamp, in SQL (UTC)."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def revenue(org: Org, start: datetime, end: datetime, *, by) -> list[RevenueRow]:
    authorize(by, org, "all_earnings")
    order = OrgMemberOrder
    month = _month(order.paid_at).label("month")
    rows = db.session.execute(
        sa.select(OrgMarket.name, order.currency_code, month, sa.func.count(), sa.func.sum(order.total_amount),
                  sa.func.sum(order.refunded_amount), sa.func.sum(order.tax_amount))
        .join(OrgMarket, OrgMarket.id == order.market_id)
        .where(order.org_id == org.id, order.status.in_(PAID), order.paid_at >= start, order.paid_at < end)
        .group_by(OrgMarket.name, order.currency_code, month)
        .order_by(month.desc(), OrgMarket.name, order.currency_code)
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
    proportion to what went back of each item). An item has at most one snapshot (the rate that
    applied), so the items are counted with ``count(*)``: a ``count(DISTINCT)`` cannot be hashed
    and sorted every item of the period (a second for 120,000 items)."""
    authorize(by, org, "all_earnings")
    item, order, snap = OrgMemberOrderItem, OrgMemberOrder, OrgTaxRateSnapshot
    refunded_tax = sa.case((item.line_total > 0, item.tax_amount * item.refunded_amount / item.line_total), else_=0)
    rows = db.session.execute(
        sa.select(order.billing_country_code, OrgTaxRate.name, item.tax_rate_percent, order.currency_code,
                  sa.func.count(), sa.func.sum(item.line_total - item.tax_amount),
                  sa.func.sum(item.tax_amount), sa.func.sum(refunded_tax))
        .select_from(item)
        .join(order, order.id == item.order_id)
        .join(snap, snap.order_item_id == item.id)
        .outerjoin(OrgTaxRate, OrgTaxRate.id == snap.original_tax_rate_id)
        .where(item.org_id == org.id, order.status.in_(PAID), order.paid_at >= start, order.paid_at < end)
        .group_by(order.billing_country_code, OrgTaxRate.name, item.tax_rate_percent, order.currency_code)
        .order_by(order.billing_country_code, OrgTaxRate.name)
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
    rows = db.session.execute(
        sa.select(Account.code, Account.name, Account.currency_code, Account.normal_balance,
                  sa.func.sum(Account.current_balance))
        .where(Account.org_id == org.id)
        .group_by(Account.code, Account.name, Account.currency_code, Account.normal_balance)
        .order_by(Account.currency_code, Account.code)
    ).all()
    return [TrialRow(code, name, c, normal, _money(total, c)) for code, name, c, normal, total in rows]

