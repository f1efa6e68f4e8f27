"""Tax models: categories, rates (category x region, percent or fixed, effective dated) and the
immutable snapshot of every rate applied to an order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import (
    Created,
    OrgScoped,
    Timestamped,
    UTCDateTime,
    enum_check,
    enum_col,
    fk,
    id_pk,
    money,
    utcnow,
)
from app.extensions import db

if TYPE_CHECKING:
    from app.markets.models import OrgRegion

TAX_RATE_TYPES = ("percent", "fixed")
# What the tax report reads of a snapshot beside (org_id, paid_at): its index covers them on PostgreSQL.
REPORT_INCLUDE = ("order_item_id", "original_tax_rate_id", "billing_country_code", "tax_rate_percent",
                  "currency_code", "taxable_amount", "tax_amount")


class OrgTaxCategory(OrgScoped, Timestamped, db.Model):
    """A tax class products belong to (e.g. standard, reduced, digital services)."""

    __tablename__ = "org_tax_category"
    __table_args__ = (sa.UniqueConstraint("org_id", "code"),)

    id: Mapped[str] = id_pk()
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)

    rates: Mapped[list[OrgTaxRate]] = relationship(
        back_populates="tax_category",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: (OrgTaxRate.region_id, OrgTaxRate.effective_from),
    )


class OrgTaxRate(OrgScoped, Timestamped, db.Model):
    """The tax of one category in one region: a fraction (``rate``) or a fixed ``amount``,
    valid from ``effective_from`` until ``effective_to`` (open-ended when NULL)."""

    __tablename__ = "org_tax_rate"
    __table_args__ = (
        sa.Index(None, "tax_category_id", "region_id", "effective_from"),
        enum_check("type", TAX_RATE_TYPES),
        sa.CheckConstraint("rate >= 0 AND rate <= 1", name="rate_range"),
        sa.CheckConstraint("amount >= 0", name="amount_nonneg"),
        sa.CheckConstraint("effective_to IS NULL OR effective_to > effective_from", name="effective_range"),
        sa.CheckConstraint(
            "(type = 'percent' AND rate IS NOT NULL) OR (type = 'fixed' AND amount IS NOT NULL)",
            name="type_value",
        ),
    )

    id: Mapped[str] = id_pk()
    tax_category_id: Mapped[str] = fk("org_tax_category.id", index=False)
    region_id: Mapped[str] = fk("org_region.id")
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    type: Mapped[str] = enum_col(TAX_RATE_TYPES)
    rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 6))
    amount: Mapped[Decimal | None] = money(nullable=True)
    currency_code: Mapped[str | None] = mapped_column(sa.String(3), sa.ForeignKey("currency.code"))
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tax_category: Mapped[OrgTaxCategory] = relationship(back_populates="rates")
    region: Mapped[OrgRegion] = relationship("OrgRegion")

    def is_effective_at(self, moment: datetime) -> bool:
        """True if the rate applies at ``moment`` (from inclusive, to exclusive)."""
        return self.effective_from <= moment and (self.effective_to is None or moment < self.effective_to)


class OrgTaxRateSnapshot(OrgScoped, Created, db.Model):
    """An immutable copy of a tax rate as applied to an order (or one of its items), so later
    edits to rates never change past orders.

    A snapshot of an item also carries what the org's tax report (app/revenue/reports.py) groups
    and sums, copied from the item and its order when the order is placed (country, currency, the
    item's percent, taxable amount and tax, none of which change afterwards) and paid (``paid_at``,
    NULL until then; an order is paid once): the report is then one aggregate over this table's
    ``ix_org_tax_rate_snap_report`` (covering on PostgreSQL) instead of a join of items, orders
    and snapshots. Refunds change an item, not its snapshot: the report reads them from the item."""

    __tablename__ = "org_tax_rate_snapshot"
    __table_args__ = (
        sa.Index("ix_org_tax_rate_snap_report", "org_id", "paid_at", postgresql_include=list(REPORT_INCLUDE)),
    )

    id: Mapped[str] = id_pk()
    original_tax_rate_id: Mapped[str | None] = fk("org_tax_rate.id", nullable=True, ondelete="SET NULL")
    order_id: Mapped[str] = fk("org_member_order.id", ondelete="RESTRICT")
    order_item_id: Mapped[str | None] = fk("org_member_order_item.id", nullable=True, ondelete="RESTRICT")
    by_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")
    snapshot_data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    # The report's copies (an item's snapshot; see the class docstring).
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    billing_country_code: Mapped[str | None] = mapped_column(sa.String(2))
    currency_code: Mapped[str | None] = mapped_column(sa.String(3))
    tax_rate_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 4))
    taxable_amount: Mapped[Decimal | None] = money(nullable=True)
    tax_amount: Mapped[Decimal | None] = money(nullable=True)

    original_tax_rate: Mapped[OrgTaxRate | None] = relationship()
