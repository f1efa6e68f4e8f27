"""Gift card models: cards issued by employees and the amounts members redeem against orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import OrgScoped, Timestamped, UTCDateTime, fk, id_pk, money, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.orgs.models import OrgEmployee


class OrgGiftCard(OrgScoped, Timestamped, db.Model):
    """A prepaid balance in one currency, identified by a unique code (stored upper-case)."""

    __tablename__ = "org_gift_card"
    __table_args__ = (
        sa.CheckConstraint("initial_amount > 0", name="initial_positive"),
        sa.CheckConstraint("current_balance >= 0", name="balance_nonneg"),
        sa.CheckConstraint("current_balance <= initial_amount", name="balance_le_initial"),
    )

    id: Mapped[str] = id_pk()
    code: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=False)
    currency_code: Mapped[str] = mapped_column(sa.String(3), sa.ForeignKey("currency.code"), nullable=False)
    initial_amount: Mapped[Decimal] = money()
    current_balance: Mapped[Decimal] = money()
    issued_by_employee_id: Mapped[str] = fk("org_employee.id", ondelete="RESTRICT")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    recipient_email: Mapped[str | None] = mapped_column(sa.String(254))
    note: Mapped[str | None] = mapped_column(sa.String(255))
    # the cards issued together in one request (their codes can be downloaded once, right after)
    batch_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)

    usages: Mapped[list[OrgMemberGiftCardUsage]] = relationship(
        back_populates="gift_card",
        order_by=lambda: (OrgMemberGiftCardUsage.used_at, OrgMemberGiftCardUsage.id),
    )
    issued_by: Mapped[OrgEmployee] = relationship("OrgEmployee")

    @staticmethod
    def normalize_code(code: str) -> str:
        return code.strip().upper()

    @validates("code")
    def _normalize_code(self, key: str, value: str) -> str:
        return self.normalize_code(value) if value is not None else value

    def is_expired(self, moment: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (moment or utcnow())

    def is_usable(self, moment: datetime | None = None) -> bool:
        """Active, not expired and with a positive balance."""
        return bool(self.is_active) and not self.is_expired(moment) and self.current_balance > 0


class OrgMemberGiftCardUsage(OrgScoped, Timestamped, db.Model):
    """An amount taken from a gift card for an order; ``restored_at`` is set when a cancelled or
    refunded order gives it back."""

    __tablename__ = "org_member_gift_card_usage"
    __table_args__ = (sa.CheckConstraint("amount_used > 0", name="amount_positive"),)

    id: Mapped[str] = id_pk()
    gift_card_id: Mapped[str] = fk("org_gift_card.id", ondelete="RESTRICT")
    member_id: Mapped[str] = fk("org_member.id", ondelete="RESTRICT")
    order_id: Mapped[str] = fk("org_member_order.id", ondelete="RESTRICT")
    amount_used: Mapped[Decimal] = money()
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    gift_card: Mapped[OrgGiftCard] = relationship(back_populates="usages")

    @property
    def is_restored(self) -> bool:
        return self.restored_at is not None
