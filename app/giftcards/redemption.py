"""Spending gift cards on orders and giving the amounts back.

``redeem`` takes an amount off a card with one conditional UPDATE
(``current_balance >= amount``), so concurrent checkouts can never spend more than the balance:
the database decides, not a value read earlier. ``restore`` gives an amount back when an order is
cancelled or refunded. Both write an ``org_member_gift_card_usage`` trail: a usage row per amount
taken, ``restored_at`` set when it is given back (a partial give-back restores the row and takes
the kept part again in a new row, so unrestored rows always sum to what the order still holds).

Services flush and raise DomainErrors; the caller owns the transaction (``place_order`` wraps the
redemptions in a SAVEPOINT so a failed one leaves nothing behind).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.db import utcnow
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.giftcards.models import OrgGiftCard, OrgMemberGiftCardUsage
from app.money import quantize

# Money is Numeric(12, 4); SQLite stores it as REAL, so arithmetic there is rounded back to four
# places (a no-op on PostgreSQL) to keep the balance comparison exact.
_PLACES = 4


def _balance_after(delta) -> sa.ColumnElement:
    return sa.func.round(OrgGiftCard.current_balance + delta, _PLACES, type_=OrgGiftCard.current_balance.type)


def _rounded_balance() -> sa.ColumnElement:
    return sa.func.round(OrgGiftCard.current_balance, _PLACES, type_=OrgGiftCard.current_balance.type)


def balance_changed_message() -> str:
    return _("This gift card's balance changed; please review your order.")


def redeem(card: OrgGiftCard, *, amount: Decimal, member_id: str, order_id: str, currency: str,
           at: datetime | None = None) -> OrgMemberGiftCardUsage:
    """Take ``amount`` off ``card`` for an order, atomically; ``ConflictError`` when the card no
    longer has that much (spent meanwhile), or was disabled, expired or is in another currency."""
    at = at or utcnow()
    amount = quantize(amount, currency)
    if amount <= 0:
        raise ValidationError(_("A gift card amount must be greater than zero."))
    result = db.session.execute(
        sa.update(OrgGiftCard)
        .where(
            OrgGiftCard.id == card.id,
            OrgGiftCard.org_id == card.org_id,
            OrgGiftCard.currency_code == currency.upper(),
            OrgGiftCard.is_active.is_(True),
            sa.or_(OrgGiftCard.expires_at.is_(None), OrgGiftCard.expires_at > at),
            _rounded_balance() >= sa.literal(amount, OrgGiftCard.current_balance.type),
        )
        .values(current_balance=_balance_after(-amount))
        .execution_options(synchronize_session=False)
    )
    db.session.expire(card, ["current_balance", "updated_at"])
    if result.rowcount != 1:
        raise ConflictError(balance_changed_message())
    usage = OrgMemberGiftCardUsage(
        org_id=card.org_id, gift_card_id=card.id, member_id=member_id, order_id=order_id,
        amount_used=amount, used_at=at,
    )
    db.session.add(usage)
    db.session.flush()
    return usage


def restore(usage: OrgMemberGiftCardUsage, *, amount: Decimal | None = None,
            at: datetime | None = None) -> OrgMemberGiftCardUsage | None:
    """Give ``amount`` of ``usage`` (all of it by default) back to its card and mark the usage
    restored. When only part is given back, the rest is taken again in a new usage row, which is
    returned. Restoring an already restored usage does nothing (also under concurrency)."""
    at = at or utcnow()
    currency = usage.gift_card.currency_code
    amount = usage.amount_used if amount is None else quantize(amount, currency)
    if amount <= 0 or amount > usage.amount_used:
        raise ValidationError(_("A gift card can only get back part or all of what was taken from it."))
    claimed = db.session.execute(
        sa.update(OrgMemberGiftCardUsage)
        .where(OrgMemberGiftCardUsage.id == usage.id, OrgMemberGiftCardUsage.restored_at.is_(None))
        .values(restored_at=at)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(usage, ["restored_at", "updated_at"])
    if claimed.rowcount != 1:
        return None
    db.session.execute(
        sa.update(OrgGiftCard)
        .where(OrgGiftCard.id == usage.gift_card_id)
        .values(current_balance=_balance_after(amount))
        .execution_options(synchronize_session=False)
    )
    db.session.expire(usage.gift_card, ["current_balance", "updated_at"])
    kept = usage.amount_used - amount
    if kept <= 0:
        db.session.flush()
        return None
    remainder = OrgMemberGiftCardUsage(
        org_id=usage.org_id, gift_card_id=usage.gift_card_id, member_id=usage.member_id,
        order_id=usage.order_id, amount_used=kept, used_at=usage.used_at,
    )
    db.session.add(remainder)
    db.session.flush()
    return remainder


def active_usages(org_id: str, order_id: str) -> list[OrgMemberGiftCardUsage]:
    """The order's usage rows not given back yet, oldest first."""
    return list(
        db.session.scalars(
            sa.select(OrgMemberGiftCardUsage)
            .where(OrgMemberGiftCardUsage.org_id == org_id, OrgMemberGiftCardUsage.order_id == order_id,
                   OrgMemberGiftCardUsage.restored_at.is_(None))
            .order_by(OrgMemberGiftCardUsage.used_at, OrgMemberGiftCardUsage.created_at,
                      OrgMemberGiftCardUsage.id)
        )
    )
