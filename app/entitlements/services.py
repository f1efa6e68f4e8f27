"""Entitlement rules: granting and revoking access, when access is active, the tier it gives.

- ``access_is_active(at)`` is the one rule of when an ``org_member_product_access`` row grants
  access: not revoked, started, not ended, when a subscription backs it, that subscription
  trialing or active inside its current period, and the member not deactivated (a deactivated
  member keeps every row, and gets back what has not ended when reactivated). Every query asking "may the member use this?"
  (the course player, certificates, My learning, downloads) uses it, with ``with_subscription``.
- ``grant`` and ``revoke_order_item`` are how orders give and take back access (a refund revokes
  what the item granted and ends the subscription it started).
- Subscriptions change status only through ``OrgMemberSubscription.set_status`` (the state machine
  in ``app.entitlements.models``).

Services flush and raise DomainErrors; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from app.db import held, insert_text, prebuilt, row_values, run_write, utcnow
from app.entitlements.models import (
    SUBSCRIPTION_ACCESS_STATUSES,
    OrgMemberProductAccess,
    OrgMemberSubscription,
)
from app.extensions import db
from app.orgs.models import OrgMember

ACTIVE_MEMBER = "active"  # org_member.status of a member whose access counts

# ---- when access is active -------------------------------------------------------------------

def access_is_active(at: datetime):
    """The SQL condition under which an ``org_member_product_access`` row grants access at ``at``:
    not revoked, started, not ended, when backed by a subscription, that subscription trialing
    or active inside its current period, and its member active (not deactivated). Queries using
    it outer-join ``org_member_subscription`` (``with_subscription``)."""
    access, subscription = OrgMemberProductAccess, OrgMemberSubscription
    member = aliased(OrgMember)  # never correlated with an org_member the outer query reads
    return sa.and_(
        access.revoked_at.is_(None),
        sa.exists().where(member.id == access.member_id, member.status == ACTIVE_MEMBER),
        access.starts_at <= at,
        sa.or_(access.ends_at.is_(None), access.ends_at > at),
        sa.or_(
            access.subscription_id.is_(None),
            sa.and_(
                # one bound value each, not an "expanding" list: SQLAlchemy would render the
                # SQL of every statement using this again on each run (the course player's learner)
                subscription.status.in_([sa.literal(status) for status in SUBSCRIPTION_ACCESS_STATUSES]),
                subscription.current_period_start <= at,
                subscription.current_period_end > at,
            ),
        ),
    )


def with_subscription(stmt: sa.Select) -> sa.Select:
    """``stmt`` (reading ``org_member_product_access``) outer-joined with the subscription behind
    each access row, as ``access_is_active`` needs."""
    return stmt.outerjoin(OrgMemberSubscription, OrgMemberSubscription.id == OrgMemberProductAccess.subscription_id)


def member_access_tier(member: OrgMember, product, at: datetime | None = None) -> int | None:
    """The highest tier of the member's active access to the product (a row or its id) at ``at``
    (default now), or None (one query)."""
    product_id = product if isinstance(product, str) else product.id
    return db.session.scalar(_access_tier(), {"org_id": member.org_id, "member_id": member.id,
                                              "product_id": product_id, "at": at or utcnow()})


@prebuilt
def _access_tier():
    return access_tier_of(sa.bindparam("member_id"))


def access_tier_of(member_id) -> sa.Select:
    """SQL: the highest tier of the active access of ``member_id`` (a bound value, or a column of
    the statement this is a subquery of) to ``:product_id`` in ``:org_id`` at ``:at``, or NULL:
    the statement of ``member_access_tier``."""
    access = OrgMemberProductAccess
    return (
        with_subscription(sa.select(sa.func.max(access.access_tier)))
        .where(access.org_id == sa.bindparam("org_id"), access.member_id == member_id,
               access.product_id == sa.bindparam("product_id"), access_is_active(sa.bindparam("at")))
    )


def member_tiers(member: OrgMember, at: datetime | None = None) -> dict[str, int | None]:
    """product_id -> best active tier (None when all access ended) for every product the member
    ever had access to (one query; the same rule as ``member_access_tier``)."""
    at = at or utcnow()
    access = OrgMemberProductAccess
    best = sa.func.max(sa.case((access_is_active(at), access.access_tier), else_=None))
    rows = db.session.execute(
        with_subscription(sa.select(access.product_id, best))
        .where(access.org_id == member.org_id, access.member_id == member.id)
        .group_by(access.product_id)
    ).all()
    return {product_id: tier for product_id, tier in rows}


# ---- granting and revoking -------------------------------------------------------------------

def grant(*, org_id: str, member_id: str, product_id: str, access_tier: int, at: datetime,
          plan_id: str | None = None, order_item_id: str | None = None,
          subscription: OrgMemberSubscription | None = None) -> OrgMemberProductAccess:
    """Access to the product at ``access_tier`` from ``at`` (open-ended; while ``subscription``
    grants access when one backs it)."""
    if subscription is None:
        # A purchase: one INSERT through Core (no ORM flush of a new object), the object held as if
        # flushed. New objects it may refer to are written first, as the flush would order them.
        if db.session.new:
            db.session.flush()
        row = row_values(OrgMemberProductAccess, dict(
            org_id=org_id, member_id=member_id, product_id=product_id, plan_id=plan_id, order_item_id=order_item_id,
            subscription_id=None, access_tier=access_tier, source="purchase", starts_at=at,
        ))
        run_write(db.session.connection(), _access_insert(), row)
        return held(db.session, OrgMemberProductAccess, row)
    access = OrgMemberProductAccess(
        org_id=org_id, member_id=member_id, product_id=product_id, plan_id=plan_id, order_item_id=order_item_id,
        subscription=subscription, access_tier=access_tier, source="subscription", starts_at=at,
    )
    db.session.add(access)
    return access


@prebuilt
def _access_insert() -> sa.TextClause:
    return insert_text(OrgMemberProductAccess)


def revoke_order_item(org_id: str, order_item_id: str, at: datetime) -> None:
    """End the access an order item granted, and cancel the subscription it started."""
    grants = db.session.scalars(
        sa.select(OrgMemberProductAccess)
        .where(OrgMemberProductAccess.org_id == org_id, OrgMemberProductAccess.order_item_id == order_item_id,
               OrgMemberProductAccess.revoked_at.is_(None))
        .options(selectinload(OrgMemberProductAccess.subscription))
    ).all()
    for access in grants:
        access.revoked_at = at
        subscription = access.subscription
        if subscription is not None and not subscription.has_ended:
            subscription.set_status("cancelled", at=at)
