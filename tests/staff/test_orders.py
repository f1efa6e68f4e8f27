"""The dashboard's orders: the list (filters, search, sort, CSV, a query count that does not grow),
an order's page with everything that happened to it, and the actions (refund the order, items or
an amount; cancel; ship; a booking done) with their audit records; staff read only; every role's
answer; bad input gives a message, never a 500."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.entitlements.models import OrgMemberProductAccess
from app.extensions import db
from app.giftcards.models import OrgGiftCard
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderRefund
from app.orgs.models import OrgAuditLog
from tests.factories import PASSWORD
from tests.learn.assessment_fixtures import text
from tests.staff import order_fixtures
from tests.staff.data import add_orders

store = order_fixtures.store  # the fixture

ROW = re.compile(r'<tr data-order="([^"]+)" data-status="(\w+)">')


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def numbers(html: str) -> list[str]:
    return [m.group(1) for m in ROW.finditer(html)]


def _order(app, order_id: str) -> OrgMemberOrder:
    with app.app_context():
        order = db.session.get(OrgMemberOrder, order_id)
        order.items  # noqa: B018  (loaded while the session is open)
        db.session.expunge_all()
        return order


def _audit(app, org_id: str, action: str) -> list[OrgAuditLog]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(OrgAuditLog).where(OrgAuditLog.org_id == org_id,
                                                                      OrgAuditLog.action == action)))
        db.session.expunge_all()
        return rows


# ---- acceptance: staff read only, a manager refunds one item and the learner loses access ---------

def test_staff_read_only_and_a_manager_refunds_one_item_and_the_learner_loses_the_course(app, login, store):
    a = store.academy
    learner = _as(app, login, a.learner_email)
    lesson = a.lesson_url(a.text1)
    before = learner.get(lesson)
    assert before.status_code == 200 and "upgrade-panel" not in text(before)  # bought: the lesson plays
    assert "No access" not in text(learner.get(f"{a.prefix}/learn/"))  # My learning

    staff = _as(app, login, a.staff_email)
    page = staff.get(store.order_url())
    assert page.status_code == 200
    html = text(page)
    assert store.order_number in html and "Python Course" in html and "Coaching Call" in html
    assert 'action="' + store.order_url(suffix="/refund") not in html and "Mark as shipped" not in html
    refused = staff.post(store.order_url(suffix="/refund"),
                         data={"kind": "items", "items": store.course_item, "reason": "Asked for it"})
    assert refused.status_code == 403
    assert _order(app, store.order_id).refunded_amount == 0

    manager = _as(app, login, store.manager_email)
    html = text(manager.get(store.order_url()))
    assert 'action="' + store.order_url(suffix="/refund") + '"' in html
    done = manager.post(store.order_url(suffix="/refund"),
                        data={"kind": "items", "items": store.course_item, "reason": "Course not what I expected"})
    assert done.status_code == 303 and done.headers["Location"].endswith(store.order_url())
    after = text(manager.get(store.order_url()))
    assert "The refund was recorded" in after and "Course not what I expected" in after

    # The learner lost the course (the lesson is locked, My learning says so)
    # but keeps the download.
    locked = text(learner.get(lesson))
    assert 'class="card upgrade-panel"' in locked
    assert "No access (free preview lessons only)." in text(learner.get(f"{a.prefix}/learn/"))
    with app.app_context():
        access = {row.order_item_id: row.revoked_at for row in db.session.scalars(
            sa.select(OrgMemberProductAccess).where(OrgMemberProductAccess.member_id == a.member_id))}
        assert access[store.course_item] is not None and access[store.download_item] is None

    order = _order(app, store.order_id)
    by_id = {item.id: item for item in order.items}
    assert by_id[store.course_item].status == "refunded" and by_id[store.download_item].status == "active"
    assert order.status in ("paid", "fulfilled") and order.refunded_amount == by_id[store.course_item].line_total
    (entry,) = _audit(app, a.org_id, "order.refund_item")
    assert entry.entity_id == store.order_id and entry.data["reason"] == "Course not what I expected"
    assert entry.data["before"][f"item {store.course_item}"]["status"] == "active"
    assert entry.data["after"][f"item {store.course_item}"]["status"] == "refunded"
    with app.app_context():
        refund = db.session.scalar(sa.select(OrgMemberOrderRefund).where(OrgMemberOrderRefund.order_id == store.order_id))
        assert refund.provider_reference == f"manual-refund-{store.order_number}"  # through the provider
        assert refund.by_employee_id is not None
