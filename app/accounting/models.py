"""Accounting models: a chart of accounts per org and currency, and journal entries whose
lines always balance (sum of debits = sum of credits)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

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
    from app.orgs.models import OrgEmployee

ACCOUNT_TYPES = ("asset", "liability", "equity", "revenue", "expense")
NORMAL_BALANCES = ("debit", "credit")

_ZERO = Decimal("0")


def _currency_fk(**kw):
    return mapped_column(sa.String(3), sa.ForeignKey("currency.code"), nullable=False, **kw)


class Account(OrgScoped, Timestamped, db.Model):
    """A ledger account in one currency; creator payables are per-employee sub-accounts.
    ``current_balance`` is kept in the account's normal-balance direction."""

    __tablename__ = "account"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "code", "currency_code", "employee_id"),
        sa.Index(
            None,
            "org_id",
            "code",
            "currency_code",
            unique=True,
            sqlite_where=sa.text("employee_id IS NULL"),
            postgresql_where=sa.text("employee_id IS NULL"),
        ),
        enum_check("type", ACCOUNT_TYPES),
        enum_check("normal_balance", NORMAL_BALANCES),
    )

    id: Mapped[str] = id_pk()
    employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="RESTRICT")
    code: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(256), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(1536), default="", nullable=False)
    type: Mapped[str] = enum_col(ACCOUNT_TYPES)
    normal_balance: Mapped[str] = enum_col(NORMAL_BALANCES)
    current_balance: Mapped[Decimal] = money(default=_ZERO)
    currency_code: Mapped[str] = _currency_fk()
    is_system: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    employee: Mapped[OrgEmployee | None] = relationship("OrgEmployee")

    def balance_change(self, debit: Decimal, credit: Decimal) -> Decimal:
        """How a line with ``debit``/``credit`` moves ``current_balance``."""
        return debit - credit if self.normal_balance == "debit" else credit - debit


class AccountJournalEntry(OrgScoped, Created, db.Model):
    """One money movement (sale, refund, gift card issue/redemption, payout) as a balanced set
    of lines, pointing back at the record that caused it."""

    __tablename__ = "account_journal_entry"
    __table_args__ = (
        sa.Index(None, "source_type", "source_id"),
        sa.Index(None, "org_id", "occurred_at"),
    )

    id: Mapped[str] = id_pk()
    currency_code: Mapped[str] = _currency_fk()
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    memo: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    source_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    source_id: Mapped[str] = mapped_column(sa.String(32), nullable=False)

    lines: Mapped[list[AccountJournalLine]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: (AccountJournalLine.created_at, AccountJournalLine.id),
    )

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit or _ZERO for line in self.lines), _ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit or _ZERO for line in self.lines), _ZERO)

    @property
    def is_balanced(self) -> bool:
        return bool(self.lines) and self.total_debit == self.total_credit


class AccountJournalLine(OrgScoped, Created, db.Model):
    """One side of a journal entry on one account: a debit or a credit, never both."""

    __tablename__ = "account_journal_line"
    __table_args__ = (
        sa.Index(None, "account_id", "created_at"),
        sa.CheckConstraint("debit >= 0", name="debit_nonneg"),
        sa.CheckConstraint("credit >= 0", name="credit_nonneg"),
        sa.CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_side"),
    )

    id: Mapped[str] = id_pk()
    entry_id: Mapped[str] = fk("account_journal_entry.id")
    account_id: Mapped[str] = fk("account.id", ondelete="RESTRICT", index=False)
    debit: Mapped[Decimal] = money(default=_ZERO)
    credit: Mapped[Decimal] = money(default=_ZERO)
    memo: Mapped[str | None] = mapped_column(sa.String(255))

    entry: Mapped[AccountJournalEntry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship()
