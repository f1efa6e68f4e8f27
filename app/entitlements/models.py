"""Entitlement models: what a member may use (``org_member_product_access``: a product at a tier,
for a time, unless revoked) and the subscriptions that keep some of that access running
(``org_member_subscription``: access while trialing or active inside the current period).

The subscription state machine is ``SUBSCRIPTION_TRANSITIONS``; ``OrgMemberSubscription.set_status``
is the only way a stored subscription changes status (a direct assignment raises), like the
order's ``set_status``. Orders, billing and the payment providers' events all go through it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import OrgScoped, Timestamped, UTCDateTime, enum_check, enum_col, fk, id_pk, utcnow
from app.errors import InvalidTransitionError
from app.extensions import db

if TYPE_CHECKING:
    from app.catalog.models import OrgProduct, OrgProductVariantPaymentPlan

ACCESS_SOURCES = ("purchase", "subscription", "grant", "gift")
SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due", "cancelled", "lapsed")
SUBSCRIPTION_ACCESS_STATUSES = ("trialing", "active")  # the statuses that grant access
SUBSCRIPTION_RUNNING_STATUSES = ("trialing", "active", "past_due")  # billed, not ended
SUBSCRIPTION_ENDED_STATUSES = ("cancelled", "lapsed")  # final: a new purchase starts a new subscription
# Running statuses move freely among themselves (a paid trial becomes active, an unpaid renewal past
# due, a paid one active again; the Stripe provider copies Stripe's status, which may also put a
# running subscription back on trial); ending is final.
SUBSCRIPTION_TRANSITIONS: dict[str, set[str]] = {
    "trialing": {"active", "past_due", "cancelled", "lapsed"},
    "active": {"trialing", "past_due", "cancelled", "lapsed"},
    "past_due": {"trialing", "active", "cancelled", "lapsed"},
    "cancelled": set(),
    "lapsed": set(),
}


def _currency_fk(**kw):
    return mapped_column(sa.String(3), sa.ForeignKey("currency.code"), nullable=False, **kw)


class OrgMemberProductAccess(OrgScoped, Timestamped, db.Model):
    """An entitlement: the member may use the product at ``access_tier`` from ``starts_at``
    until ``ends_at`` (open-ended when NULL) unless revoked."""

    __tablename__ = "org_member_product_access"
    __table_args__ = (
        sa.Index(None, "member_id", "product_id"),
        enum_check("source", ACCESS_SOURCES),
        sa.CheckConstraint("access_tier >= 1", name="access_tier_min"),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="period_order"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id", index=False)
    product_id: Mapped[str] = fk("org_product.id")
    plan_id: Mapped[str | None] = fk(
        "org_product_variant_payment_plan.id", nullable=True, ondelete="SET NULL"
    )
    order_item_id: Mapped[str | None] = fk("org_member_order_item.id", nullable=True, ondelete="SET NULL")
    subscription_id: Mapped[str | None] = fk("org_member_subscription.id", nullable=True, ondelete="SET NULL")
    access_tier: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    source: Mapped[str] = enum_col(ACCESS_SOURCES, default="purchase")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    product: Mapped[OrgProduct] = relationship("OrgProduct")
    subscription: Mapped[OrgMemberSubscription | None] = relationship()


class OrgMemberSubscription(OrgScoped, Timestamped, db.Model):
    """A recurring plan a member subscribes to in one market; grants access while trialing or active."""

    __tablename__ = "org_member_subscription"
    __table_args__ = (
        sa.Index(None, "provider", "provider_subscription_id"),
        sa.Index(None, "status", "current_period_end"),
        enum_check("status", SUBSCRIPTION_STATUSES),
        sa.CheckConstraint("current_period_end > current_period_start", name="period_order"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id")
    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id", ondelete="RESTRICT")
    market_id: Mapped[str] = fk("org_market.id", ondelete="RESTRICT")
    product_id: Mapped[str] = fk("org_product.id")
    order_id: Mapped[str | None] = fk("org_member_order.id", nullable=True, ondelete="SET NULL")
    currency_code: Mapped[str] = _currency_fk()
    status: Mapped[str] = enum_col(SUBSCRIPTION_STATUSES)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_period_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    cancel_at_period_end: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider: Mapped[str] = mapped_column(sa.String(20), default="manual", nullable=False)
    provider_subscription_id: Mapped[str | None] = mapped_column(sa.String(255))

    plan: Mapped[OrgProductVariantPaymentPlan] = relationship("OrgProductVariantPaymentPlan")
    product: Mapped[OrgProduct] = relationship("OrgProduct")

    # Set while ``set_status`` changes the status: the only way a stored subscription changes it.
    _changing_status = False

    @property
    def has_ended(self) -> bool:
        return self.status in SUBSCRIPTION_ENDED_STATUSES

    def set_status(self, new: str, *, at: datetime | None = None, cancelled_at: datetime | None = None) -> bool:
        """Move to ``new`` if ``SUBSCRIPTION_TRANSITIONS`` allows it; returns whether the status
        changed (moving to the current status changes nothing). Ending (``cancelled``, ``lapsed``)
        stamps ``ended_at`` (``at``, default now) and, when cancelled, ``cancelled_at`` (kept if it
        was set when the member cancelled at period end; else ``cancelled_at`` or ``at``). An ended
        subscription never runs again (a new purchase starts a new one): ``InvalidTransitionError``."""
        current = self.status
        if new not in SUBSCRIPTION_STATUSES:
            raise InvalidTransitionError(_("Unknown subscription status %(status)s.", status=repr(new)))
        if new == current:
            return False
        if new not in SUBSCRIPTION_TRANSITIONS[current]:
            raise InvalidTransitionError(
                _("A subscription cannot go from %(current)s to %(new)s.", current=current, new=new))
        at = at or utcnow()
        self._changing_status = True
        try:
            self.status = new
        finally:
            self._changing_status = False
        if new in SUBSCRIPTION_ENDED_STATUSES:
            self.ended_at = self.ended_at or at
            if new == "cancelled":
                self.cancelled_at = self.cancelled_at or cancelled_at or at
        return True

    @validates("status")
    def _status_change(self, _key: str, new: str) -> str:
        """A new subscription starts in any status; a stored one changes only through ``set_status``."""
        if not self._changing_status and not sa.inspect(self).transient:
            raise RuntimeError("a subscription's status changes only through OrgMemberSubscription.set_status")
        return new
