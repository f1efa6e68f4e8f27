"""Rows for the dashboard tests, written straight to the tables: many submissions (the list,
its CSV export) and orders with chosen statuses, amounts and payment times (the overview's
figures). Inside an app context; they flush, the caller commits."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.courses.models import OrgProductCourseModuleSectionLesson
from app.db import new_id, utcnow
from app.extensions import db
from app.learn.models import OrgMemberAssignmentSubmission
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org
from tests.factories import make_member, make_user, unique
from tests.learn.assessment_fixtures import Academy

_numbers = itertools.count(1)


def learner(org_id: str, name: str):
    """A new member of the org called ``name``."""
    return make_member(db.session.get(Org, org_id), make_user(f"{unique('l')}@example.com", display_name=name))


def add_submissions(a: Academy, count: int, *, member_id: str | None = None, body: str = "Answer",
                    status: str = "submitted", start: datetime | None = None, placement: str | None = None) -> list[str]:
    """``count`` submissions of the academy's (tier-1) assignment, a minute apart from ``start``."""
    placement_id = placement or a.assignment
    lesson_id = db.session.scalar(sa.select(OrgProductCourseModuleSectionLesson.lesson_id)
                                  .where(OrgProductCourseModuleSectionLesson.id == placement_id))
    start = start or utcnow() - timedelta(days=1)
    rows = []
    for i in range(count):
        at = start + timedelta(minutes=i)
        rows.append({
            "id": new_id(), "org_id": a.org_id, "member_id": member_id or a.member_id, "lesson_id": lesson_id,
            "placement_id": placement_id, "body": f"{body} {i}" if count > 1 else body, "status": status,
            "feedback": "ok" if status == "reviewed" else None, "reviewed_at": at if status == "reviewed" else None,
            "created_at": at, "updated_at": at,
        })
    if rows:
        db.session.execute(sa.insert(OrgMemberAssignmentSubmission), rows)
    return [r["id"] for r in rows]


def add_orders(org_id: str, member_id: str, market_id: str, *, count: int = 1, status: str = "fulfilled",
               total: str = "10.00", refunded: str = "0", currency: str = "EUR", paid_at: datetime | None = None) -> None:
    """``count`` orders with these amounts; paid at ``paid_at`` (now) unless pending or cancelled."""
    now = utcnow()
    paid_at = paid_at or now
    rows = []
    for _ in range(count):
        n = next(_numbers)
        rows.append({
            "id": new_id(), "org_id": org_id, "member_id": member_id, "market_id": market_id,
            "order_number": f"T{n:08d}-{new_id()[:6]}", "status": status, "currency_code": currency,
            "tax_inclusive": False, "subtotal_amount": Decimal(total), "discount_amount": Decimal(0),
            "tax_amount": Decimal(0), "gift_card_amount": Decimal(0), "total_amount": Decimal(total),
            "amount_due": Decimal(total), "refunded_amount": Decimal(refunded), "billing_country_code": "DE",
            "billing_name": "Ada Buyer", "billing_email": "ada@example.com",
            "paid_at": None if status in ("pending", "cancelled") else paid_at,
            "created_at": now, "updated_at": now,
        })
    db.session.execute(sa.insert(OrgMemberOrder), rows)
