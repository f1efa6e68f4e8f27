"""Revenue models: the revenue attributed per order item to the product attributions of the catalog
(``app.catalog.models.OrgEmployeeProductAttribution``), and payouts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import OrgEmployeeProductAttribution
from app.db import OrgScoped, Timestamped, UTCDateTime, enum_check, enum_col, fk, id_pk, money, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.orders.models import OrgMemberOrderItem
    from app.orgs.models import OrgEmployee

ATTRIBUTION_REVENUE_KINDS = ("sale", "refund")
PAYOUT_STATUSES = ("pending", "paid", "cancelled")

_ZERO = Decimal("0")


def _currency_fk(**kw):
    return mapped_column(sa.String(3), sa.ForeignKey("currency.code"), nullable=False, **kw)


class OrgEmployeeProductAttributionRevenue(OrgScoped, Timestamped, db.Model):
    """The revenue split of one order item for one attribution: gross - platform fee -
    processing fee - tax = net, of which ``attributed_revenue`` is the employee's part.
    Refund rows (``kind='refund'``) carry negative amounts; at most one sale row per
    attribution and item."""

    __tablename__ = "org_employee_product_attribution_revenue"
    __table_args__ = (
        sa.Index(None, "employee_id", "calculated_at"),
        # The earnings by month and the lines (sorted by date, counted by type and date) read only
        # this index on PostgreSQL (an index-only scan, no visit of 100,000 rows).
        sa.Index("ix_org_emp_prod_attr_rev_earnings", "org_id", "employee_id", "calculated_at",
                 postgresql_include=["currency_code", "kind", "attributed_revenue"]),
        sa.Index(
            None,
            "attribution_id",
            "order_item_id",
            unique=True,
            sqlite_where=sa.text("kind = 'sale'"),
            postgresql_where=sa.text("kind = 'sale'"),
        ),
        enum_check("kind", ATTRIBUTION_REVENUE_KINDS),
    )

    id: Mapped[str] = id_pk()
    attribution_id: Mapped[str] = fk("org_employee_product_attribution.id", ondelete="RESTRICT")
    employee_id: Mapped[str] = fk("org_employee.id", ondelete="RESTRICT", index=False)
    order_item_id: Mapped[str] = fk("org_member_order_item.id", ondelete="RESTRICT")
    # the order's market, copied here so the earnings by market need no join over every item
    market_id: Mapped[str] = fk("org_market.id", ondelete="RESTRICT", index=False)
    currency_code: Mapped[str] = _currency_fk()
    gross_revenue: Mapped[Decimal] = money()
    platform_fee: Mapped[Decimal] = money()
    processing_fee: Mapped[Decimal] = money()
    tax_amount: Mapped[Decimal] = money()
    net_revenue: Mapped[Decimal] = money()
    attributed_revenue: Mapped[Decimal] = money()
    kind: Mapped[str] = enum_col(ATTRIBUTION_REVENUE_KINDS, default="sale")
    payout_id: Mapped[str | None] = fk("org_employee_payout.id", nullable=True, ondelete="SET NULL")
    calculated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    attribution: Mapped[OrgEmployeeProductAttribution] = relationship()
    order_item: Mapped[OrgMemberOrderItem] = relationship("OrgMemberOrderItem")


class OrgEmployeePayout(OrgScoped, Timestamped, db.Model):
    """Money paid (or to be paid) to an employee for attributed revenue over a period."""

    __tablename__ = "org_employee_payout"
    __table_args__ = (
        sa.Index(None, "org_id", "status"),
        enum_check("status", PAYOUT_STATUSES),
        sa.CheckConstraint("amount >= 0", name="amount_nonneg"),
        sa.CheckConstraint("period_end > period_start", name="period_order"),
    )

    id: Mapped[str] = id_pk()
    employee_id: Mapped[str] = fk("org_employee.id", ondelete="RESTRICT")
    currency_code: Mapped[str] = _currency_fk()
    amount: Mapped[Decimal] = money()
    status: Mapped[str] = enum_col(PAYOUT_STATUSES, default="pending")
    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    method: Mapped[str | None] = mapped_column(sa.String(40))  # bank transfer, PayPal, ...
    recorded_by_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL",
                                                     index=False)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    employee: Mapped[OrgEmployee] = relationship("OrgEmployee", foreign_keys=[employee_id])


class OrgEmployeeRevenueTotal(OrgScoped, db.Model):
    """The revenue rows of one employee summed per attribution, market and currency, kept by
    app/revenue/posting.py in the same statement batch as the rows (an upsert per order): the
    earnings page's totals, breakdowns and line count read a few hundred of these instead of
    100,000 rows. ``earned`` includes the (negative) ``refunded``; ``sales`` counts sale rows,
    ``lines`` every row."""

    __tablename__ = "org_employee_revenue_total"
    __table_args__ = (
        sa.UniqueConstraint("employee_id", "attribution_id", "market_id", "currency_code"),
    )

    id: Mapped[str] = id_pk()
    employee_id: Mapped[str] = fk("org_employee.id", ondelete="RESTRICT", index=False)
    attribution_id: Mapped[str] = fk("org_employee_product_attribution.id", ondelete="RESTRICT")
    market_id: Mapped[str] = fk("org_market.id", ondelete="RESTRICT")
    currency_code: Mapped[str] = _currency_fk()
    earned: Mapped[Decimal] = money()
    refunded: Mapped[Decimal] = money()
    sales: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    lines: Mapped[int] = mapped_column(sa.Integer, nullable=False)
