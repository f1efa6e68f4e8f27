"""Checkout models: a member's cart per market and its items (payment plans x quantity)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import OrgScoped, Timestamped, fk, id_pk
from app.extensions import db

if TYPE_CHECKING:
    from app.catalog.models import OrgProductVariantPaymentPlan
    from app.markets.models import OrgMarket


class OrgMemberCart(OrgScoped, Timestamped, db.Model):
    """A member's open cart in one market, with the codes they entered and their billing country."""

    __tablename__ = "org_member_cart"
    __table_args__ = (sa.UniqueConstraint("member_id", "market_id"),)

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id", index=False)
    market_id: Mapped[str] = fk("org_market.id")
    discount_code: Mapped[str | None] = mapped_column(sa.String(40))
    gift_card_codes: Mapped[list[str] | None] = mapped_column(sa.JSON)
    billing_country_code: Mapped[str | None] = mapped_column(
        sa.String(2), sa.ForeignKey("country.code", ondelete="SET NULL")
    )

    items: Mapped[list[OrgMemberCartItem]] = relationship(
        back_populates="cart",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: (OrgMemberCartItem.created_at, OrgMemberCartItem.id),
    )
    market: Mapped[OrgMarket] = relationship("OrgMarket")

    @property
    def item_count(self) -> int:
        return sum(item.quantity for item in self.items)


class OrgMemberCartItem(OrgScoped, Timestamped, db.Model):
    """One payment plan in a cart, with a quantity; prices are always recomputed server-side."""

    __tablename__ = "org_member_cart_item"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "plan_id"),
        sa.CheckConstraint("quantity >= 1", name="quantity_min"),
    )

    id: Mapped[str] = id_pk()
    cart_id: Mapped[str] = fk("org_member_cart.id", index=False)
    plan_id: Mapped[str] = fk("org_product_variant_payment_plan.id")
    quantity: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)

    cart: Mapped[OrgMemberCart] = relationship(back_populates="items")
    plan: Mapped[OrgProductVariantPaymentPlan] = relationship("OrgProductVariantPaymentPlan")
