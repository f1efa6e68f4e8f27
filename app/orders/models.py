"""Order models: orders and their items, payments and refunds, and metered usage. (The entitlements
an order grants and the subscriptions it starts are ``app.entitlements``'.)"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _
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
from app.errors import InvalidTransitionError
from app.extensions import db

if TYPE_CHECKING:
    from app.catalog.models import OrgProduct, OrgProductVariantPaymentPlan
    from app.markets.models import OrgMarket
    from app.orgs.models import OrgMember

ORDER_STATUSES = ("pending", "paid", "fulfilled", "cancelled", "refunded")
ORDER_TRANSITIONS: dict[str, set[str]] = {
    "pending": {"paid", "cancelled"},
    "paid": {"fulfilled", "refunded"},
    "fulfilled": {"refunded"},
    "cancelled": set(),
    "refunded": set(),
}
ORDER_STATUS_STAMPS = {
    "paid": "paid_at",
    "fulfilled": "fulfilled_at",
    "cancelled": "cancelled_at",
    "refunded": "refunded_at",
}
ORDER_ITEM_STATUSES = ("active", "refunded")
# What a renewal or usage invoice line bills: the plan's price for the period period_start..period_end
# (in advance), or the usage recorded in period_start..period_end above the included units (in arrears).
BILLING_KINDS = ("period", "usage")
FULFILMENT_STATUSES = ("unfulfilled", "fulfilled", "shipped", "delivered", "requested", "returned")
ORDER_PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded")
ORDER_REFUND_STATUSES = ("pending", "succeeded", "failed")

_ZERO = Decimal("0")
# What the overview's sales per day read of an org's orders paid in the period.
SALES_INCLUDE = ("status", "currency_code", "total_amount", "refunded_amount")
# What the members list sums of a member's orders per currency (its index covers them on PostgreSQL).
PURCHASES_INCLUDE = ("org_id", "status", "total_amount", "refunded_amount", "created_at")
# What the tax report reads of a refunded item beside its org (its partial index covers them on PostgreSQL).
REFUND_INCLUDE = ("id", "line_total", "tax_amount", "refunded_amount")


def _currency_fk(nullable: bool = False, **kw):
    return mapped_column(sa.String(3), sa.ForeignKey("currency.code"), nullable=nullable, **kw)


def _nonneg(*columns: str) -> tuple[sa.CheckConstraint, ...]:
    return tuple(sa.CheckConstraint(f"{c} >= 0", name=f"{c}_nonneg") for c in columns)


_ORDER_AMOUNTS = (
    "subtotal_amount",
    "discount_amount",
    "tax_amount",
    "gift_card_amount",
    "total_amount",
    "amount_due",
    "refunded_amount",
)
_ITEM_AMOUNTS = (
    "unit_price",
    "subtotal_amount",
    "discount_amount",
    "tax_amount",
    "gift_card_amount",
    "line_total",
    "refunded_amount",
)


class OrgMemberOrder(OrgScoped, Timestamped, db.Model):
    """A member's order in one market and currency, with the totals of the pricing pipeline
    and a status that only moves along ``ORDER_TRANSITIONS`` (see ``set_status``)."""

    __tablename__ = "org_member_order"
    __table_args__ = (
        # The org's orders in one status: counted from this index (small: its equal keys are stored
        # once), e.g. the overview's orders to ship and the orders list's status filter.
        sa.Index(None, "org_id", "status"),
        # ... and in that status by amount: the list's "paid, largest first" reads the first entries
        # instead of sorting every paid order (issue 15). Not instead of the one above: with the
        # amounts its entries no longer share keys, and counting 58,800 paid orders took twice as long.
        sa.Index(None, "org_id", "status", "total_amount"),
        # The org reports' period (app/revenue/reports.py) and the overview's sales per day, which
        # it covers on PostgreSQL (app/staff/overview.py: read from the index alone).
        sa.Index(None, "org_id", "paid_at", postgresql_include=list(SALES_INCLUDE)),
        sa.Index(None, "member_id", "created_at"),
        sa.Index(None, "provider_session_id"),
        # The dashboard's orders list, newest first: its first page reads 25 index entries.
        sa.Index(None, "org_id", "created_at"),
        # The members list's purchases per member and currency (app/staff/members.py): read from
        # the index alone, not from every order's row.
        sa.Index("ix_org_mbr_ord_purchases", "member_id", "currency_code",
                 postgresql_include=list(PURCHASES_INCLUDE)),
        enum_check("status", ORDER_STATUSES),
        *_nonneg(*_ORDER_AMOUNTS),
        sa.CheckConstraint("refunded_amount <= total_amount", name="refund_le_total"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id", ondelete="RESTRICT", index=False)
    market_id: Mapped[str] = fk("org_market.id", ondelete="RESTRICT")
    order_number: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=False)
    status: Mapped[str] = enum_col(ORDER_STATUSES, default="pending")
    currency_code: Mapped[str] = _currency_fk()
    tax_inclusive: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    subtotal_amount: Mapped[Decimal] = money()
    discount_amount: Mapped[Decimal] = money(default=_ZERO)
    tax_amount: Mapped[Decimal] = money(default=_ZERO)
    gift_card_amount: Mapped[Decimal] = money(default=_ZERO)
    total_amount: Mapped[Decimal] = money()
    amount_due: Mapped[Decimal] = money()
    refunded_amount: Mapped[Decimal] = money(default=_ZERO)
    discount_id: Mapped[str | None] = fk("org_discount.id", nullable=True, ondelete="SET NULL")
    discount_code: Mapped[str | None] = mapped_column(sa.String(40))
    billing_country_code: Mapped[str] = mapped_column(
        sa.String(2), sa.ForeignKey("country.code"), nullable=False
    )
    billing_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    billing_email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    locale_key: Mapped[str | None] = mapped_column(sa.String(10))
    payment_provider: Mapped[str | None] = mapped_column(sa.String(20))
    provider_session_id: Mapped[str | None] = mapped_column(sa.String(255))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    items: Mapped[list[OrgMemberOrderItem]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: (OrgMemberOrderItem.created_at, OrgMemberOrderItem.id),
    )
    payments: Mapped[list[OrgMemberOrderPayment]] = relationship(
        back_populates="order",
        order_by=lambda: (OrgMemberOrderPayment.created_at, OrgMemberOrderPayment.id),
    )
    refunds: Mapped[list[OrgMemberOrderRefund]] = relationship(
        back_populates="order",
        order_by=lambda: (OrgMemberOrderRefund.created_at, OrgMemberOrderRefund.id),
    )
    member: Mapped[OrgMember] = relationship("OrgMember")
    market: Mapped[OrgMarket] = relationship("OrgMarket")

    def can_transition_to(self, new: str) -> bool:
        return new in ORDER_TRANSITIONS.get(self.status or "pending", set())

    def set_status(self, new: str, *, at: datetime | None = None) -> None:
        """Move to ``new`` if ``ORDER_TRANSITIONS`` allows it and stamp ``<new>_at``;
        otherwise raise ``InvalidTransitionError``."""
        current = self.status or "pending"
        if new not in ORDER_STATUSES:
            raise InvalidTransitionError(_("Unknown order status %(status)s.", status=repr(new)))
        if new not in ORDER_TRANSITIONS[current]:
            raise InvalidTransitionError(
                _("An order cannot go from %(current)s to %(new)s.", current=current, new=new)
            )
        self.status = new
        setattr(self, ORDER_STATUS_STAMPS[new], at or utcnow())

    @property
    def refundable_amount(self) -> Decimal:
        return self.total_amount - (self.refunded_amount or _ZERO)


class OrderNumberCounter(db.Model):
    """The last order number given out per order-number prefix (``ACME`` for ``ACME-000124``), so
    the next one is one ``UPDATE ... RETURNING`` instead of a search of the order numbers. Keyed by
    prefix, not by org: orgs whose long slugs cut to the same prefix share one sequence (the numbers
    are unique across the platform). The row is locked from the increment to the commit, so two
    checkouts of one org number their orders one after the other; a rolled-back order gives its
    number back."""

    __tablename__ = "order_number_counter"

    prefix: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(sa.Integer, nullable=False)


class OrgMemberOrderItem(OrgScoped, Timestamped, db.Model):
    """One line of an order: the plan bought, copies of its names and tier at purchase time,
    and the line's share of discount, tax and gift cards."""

    __tablename__ = "org_member_order_item"
    __table_args__ = (
        enum_check("fulfilment_status", FULFILMENT_STATUSES),
        enum_check("status", ORDER_ITEM_STATUSES),
        sa.CheckConstraint("access_tier >= 1", name="access_tier_min"),
        sa.CheckConstraint("quantity >= 1", name="quantity_min"),
        *_nonneg(*_ITEM_AMOUNTS),
        sa.CheckConstraint("refunded_amount <= line_total", name="refund_le_total"),
        sa.CheckConstraint("period_end IS NULL OR period_end > period_start", name="period_order"),
        enum_check("billing_kind", BILLING_KINDS),
        # A subscription's period is billed once, however many renewers run (`flask billing renew`).
        sa.UniqueConstraint("subscription_id", "period_start", "billing_kind"),
        # The org tax report's refunds (app/revenue/reports.py): an org's refunded items only.
        sa.Index("ix_org_mbr_ord_item_refunded", "org_id", postgresql_include=list(REFUND_INCLUDE),
                 postgresql_where=sa.text("refunded_amount > 0"), sqlite_where=sa.text("refunded_amount > 0")),
    )

    id: Mapped[str] = id_pk()
    order_id: Mapped[str] = fk("org_member_order.id")
    product_id: Mapped[str] = fk("org_product.id", ondelete="RESTRICT")
    variant_id: Mapped[str] = fk("org_product_variant.id", ondelete="RESTRICT")
    payment_plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id", ondelete="RESTRICT")
    product_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    plan_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    plan_type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    access_tier: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    quantity: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    unit_price: Mapped[Decimal] = money()
    subtotal_amount: Mapped[Decimal] = money()
    discount_amount: Mapped[Decimal] = money(default=_ZERO)
    tax_amount: Mapped[Decimal] = money(default=_ZERO)
    gift_card_amount: Mapped[Decimal] = money(default=_ZERO)
    line_total: Mapped[Decimal] = money()
    # What the item's payment cost (set when the order is paid; app.revenue.posting): the org's
    # platform fee on it and its share of the payment provider's fee.
    platform_fee: Mapped[Decimal] = money(default=_ZERO)
    processing_fee: Mapped[Decimal] = money(default=_ZERO)
    tax_rate_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 4))
    refunded_amount: Mapped[Decimal] = money(default=_ZERO)
    fulfilment_status: Mapped[str] = enum_col(FULFILMENT_STATUSES, default="unfulfilled")
    # Set by an employee: when a physical item was shipped or a service delivered, and a note (a
    # tracking number, what was done).
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilment_note: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[str] = enum_col(ORDER_ITEM_STATUSES, default="active")
    # A renewal or usage invoice line: the subscription it bills and the period it covers.
    subscription_id: Mapped[str | None] = fk("org_member_subscription.id", nullable=True, ondelete="SET NULL")
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    billing_kind: Mapped[str | None] = enum_col(BILLING_KINDS, nullable=True)

    order: Mapped[OrgMemberOrder] = relationship(back_populates="items")
    product: Mapped[OrgProduct] = relationship("OrgProduct")
    payment_plan: Mapped[OrgProductVariantPaymentPlan] = relationship("OrgProductVariantPaymentPlan")

    @property
    def refundable_amount(self) -> Decimal:
        return self.line_total - (self.refunded_amount or _ZERO)


class OrgMemberOrderPayment(OrgScoped, Timestamped, db.Model):
    """A payment attempt for an order through a provider, with the provider's processing fee."""

    __tablename__ = "org_member_order_payment"
    __table_args__ = (
        sa.Index(None, "provider", "provider_reference"),
        enum_check("status", ORDER_PAYMENT_STATUSES),
        *_nonneg("amount", "processing_fee"),
    )

    id: Mapped[str] = id_pk()
    order_id: Mapped[str] = fk("org_member_order.id", ondelete="RESTRICT")
    provider: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    provider_reference: Mapped[str | None] = mapped_column(sa.String(255))
    amount: Mapped[Decimal] = money()
    currency_code: Mapped[str] = _currency_fk()
    status: Mapped[str] = enum_col(ORDER_PAYMENT_STATUSES, default="pending")
    processing_fee: Mapped[Decimal] = money(default=_ZERO)

    order: Mapped[OrgMemberOrder] = relationship(back_populates="payments")


class OrgMemberOrderRefund(OrgScoped, Timestamped, db.Model):
    """Money returned for an order, or for one of its items."""

    __tablename__ = "org_member_order_refund"
    __table_args__ = (
        enum_check("status", ORDER_REFUND_STATUSES),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[str] = id_pk()
    order_id: Mapped[str] = fk("org_member_order.id", ondelete="RESTRICT")
    order_item_id: Mapped[str | None] = fk("org_member_order_item.id", nullable=True, ondelete="RESTRICT")
    amount: Mapped[Decimal] = money()
    reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = enum_col(ORDER_REFUND_STATUSES, default="succeeded")
    provider_reference: Mapped[str | None] = mapped_column(sa.String(255))
    by_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")

    order: Mapped[OrgMemberOrder] = relationship(back_populates="refunds")
    order_item: Mapped[OrgMemberOrderItem | None] = relationship()


class OrgMemberUsageRecord(OrgScoped, Created, db.Model):
    """Metered usage reported for a usage-based plan; ``invoiced_order_id`` is set once billed."""

    __tablename__ = "org_member_usage_record"
    __table_args__ = (
        sa.Index(None, "subscription_id", "recorded_at"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id")
    subscription_id: Mapped[str | None] = fk(
        "org_member_subscription.id", nullable=True, ondelete="SET NULL", index=False
    )
    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id")
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    invoiced_order_id: Mapped[str | None] = fk("org_member_order.id", nullable=True, ondelete="SET NULL")
    note: Mapped[str | None] = mapped_column(sa.String(200))
