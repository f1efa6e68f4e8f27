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
from app.errors import NotFoundError, PermissionDeniedError
from app.extensions import db
from app.giftcards.models import OrgGiftCard
from app.orders import services as order_services
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderRefund
from app.orgs.models import OrgAuditLog, OrgEmployee
from app.payments import refunds
from tests.factories import PASSWORD
from tests.learn.assessment_fixtures import text
from tests.payments.fake_stripe import FakeStripe
from tests.staff import order_fixtures, plans
from tests.staff.data import add_orders
from tests.staff.plans import full_sort

# The tests share one store, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
store = order_fixtures.module_store  # the fixture
page_plans = plans.page_plans  # the fixture

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


# ---- the list -----------------------------------------------------------------------------------

def test_the_overview_figure_opens_the_paid_orders_awaiting_fulfilment(app, login, store):
    admin = _as(app, login, store.academy.admin_email)
    overview = text(admin.get(f"{store.dashboard}/"))
    link = f'href="{store.dashboard}/orders?status=paid"'
    assert link in overview
    html = text(admin.get(f"{store.dashboard}/orders?status=paid"))
    assert numbers(html) == [store.order_number]
    assert 'data-nav="orders" aria-current="page"' in html


def test_search_filters_and_sort(app, login, store):
    admin = _as(app, login, store.academy.admin_email)
    base = f"{store.dashboard}/orders"
    everything = numbers(text(admin.get(base)))
    with app.app_context():
        pending_number = db.session.get(OrgMemberOrder, store.pending_id).order_number
        other_number = db.session.get(OrgMemberOrder, store.other_order_id).order_number
    assert sorted(everything) == sorted([store.order_number, pending_number])  # never another org's
    assert numbers(text(admin.get(f"{base}?q={other_number}"))) == []

    assert numbers(text(admin.get(f"{base}?status=pending"))) == [pending_number]
    assert numbers(text(admin.get(f"{base}?q={store.order_number}"))) == [store.order_number]
    assert sorted(numbers(text(admin.get(f"{base}?q=LENA@example")))) == sorted(everything)  # email, any case
    assert numbers(text(admin.get(f"{base}?q=nobody-like-this"))) == []
    with app.app_context():
        mug = db.session.get(OrgMemberOrderItem, store.mug_item)
        market_id, currency = db.session.get(OrgMemberOrder, store.order_id).market_id, "EUR"
        product_id, member_id = mug.product_id, db.session.get(OrgMemberOrder, store.order_id).member_id
    assert numbers(text(admin.get(f"{base}?product={product_id}"))) == [store.order_number]
    assert sorted(numbers(text(admin.get(f"{base}?market={market_id}&currency={currency}")))) == sorted(everything)
    member_page = text(admin.get(f"{base}?member={member_id}"))
    assert sorted(numbers(member_page)) == sorted(everything) and "Lena Learner</option>" in member_page
    assert numbers(text(admin.get(f"{base}?placed_from=2000-01-01&placed_to=2000-01-02"))) == []
    # Unknown values fall back to no filter (never a 500).
    assert admin.get(f"{base}?status=bogus&market=x&sort=nope&placed_from=not-a-date").status_code == 200
    # Sorted by total: the pending download (10.00) before the big order.
    assert numbers(text(admin.get(f"{base}?sort=total"))) == [pending_number, store.order_number]
    assert numbers(text(admin.get(f"{base}?sort=-total"))) == [store.order_number, pending_number]


def test_csv_export_of_the_filtered_orders(app, login, store):
    admin = _as(app, login, store.academy.admin_email)
    r = admin.get(f"{store.dashboard}/orders?status=paid&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    header, (row,) = rows[0], rows[1:]
    record = dict(zip(header, row, strict=True))
    assert record["Order"] == store.order_number and record["Status"] == "Paid"
    assert record["Email"] == "lena@example.com" and record["Currency"] == "EUR"
    with app.app_context():
        order = db.session.get(OrgMemberOrder, store.order_id)
        assert Decimal(record["Total"]) == order.total_amount
        assert Decimal(record["Gift cards"]) == order.gift_card_amount == Decimal("20.00")


def test_the_query_count_does_not_grow_with_the_orders(app, login, store, count_queries):
    with app.app_context():
        order = db.session.get(OrgMemberOrder, store.order_id)
        member_id, market_id = order.member_id, order.market_id
        add_orders(store.academy.org_id, member_id, market_id, count=5)
        db.session.commit()
    admin = _as(app, login, store.academy.admin_email)
    url = f"{store.dashboard}/orders?q=Ada&per_page=100&status=fulfilled"
    admin.get(url)
    with count_queries() as few:
        assert len(numbers(text(admin.get(url)))) == 5
    with app.app_context():
        add_orders(store.academy.org_id, member_id, market_id, count=500)
        db.session.commit()
    with count_queries() as many:
        html = text(admin.get(url))
    assert "1–100 of 505" in html and len(numbers(html)) == 100
    assert many.count == few.count, str(many)


def test_the_list_reads_only_the_orgs_orders_and_counts_them_without_the_display_joins(
        app, login, store, count_queries):
    """At scale (issue 15) the count reads the org's index alone and the page its newest entries:
    the old form counted the orders joined to their market, every order of every org."""
    admin = _as(app, login, store.academy.admin_email)
    url = f"{store.dashboard}/orders"
    admin.get(url)
    with count_queries() as log:
        html = text(admin.get(url))
    assert "1–2 of 2" in html and len(numbers(html)) == 2  # the other org's order is neither listed nor counted
    counts = [s for s in log.statements if "count(" in s.lower() and "org_member_order" in s]
    assert len(counts) == 1, str(log)
    assert "org_market" not in counts[0] and "JOIN" not in counts[0].upper(), counts[0]
    assert "org_member_order.org_id =" in counts[0], counts[0]
    (page,) = [s for s in log.statements if "FROM org_member_order JOIN org_market" in s]
    assert "org_member_order.org_id =" in page
    assert "ORDER BY org_member_order.created_at DESC" in page
    # A search still counts what it finds through the whole query.
    assert "1–1 of 1" in text(admin.get(f"{url}?q={store.order_number}"))


def test_paid_orders_by_amount_read_the_status_and_amount_index_in_order(app, login, store, page_plans):
    """Issue 15: "paid, largest first" (44 ms of SQL on the bench's 58,800 paid orders) reads the
    first entries of the (org, status, total) index; the old (org, status) index sorted them all."""
    with app.app_context():
        order = db.session.get(OrgMemberOrder, store.order_id)
        member_id, market_id = order.member_id, order.market_id
        for total in ("5.00", "70.00", "12.50"):
            add_orders(store.academy.org_id, member_id, market_id, status="paid", total=total)
        db.session.commit()
    staff = _as(app, login, store.manager_email)
    url = f"{store.dashboard}/orders?status=paid&sort=-total"
    html = text(staff.get(url))
    totals = [Decimal(t.replace(",", "")) for t in re.findall(r'<td class="num">[^<0-9]*([0-9.,]+)', html)]
    assert totals == sorted(totals, reverse=True) and {Decimal("70.00"), Decimal("5.00")} <= set(totals), totals
    assert set(numbers(html)) and {s for _n, s in ROW.findall(html)} == {"paid"}
    (plan,) = page_plans(staff, url, "FROM org_member_order JOIN org_market")
    assert "ix_org_mbr_ord_org_id_st_total_amount" in plan, plan
    assert not full_sort(plan), plan


def test_the_order_page_shows_lines_tax_gift_cards_payments_and_provider_events(app, login, store):
    with app.app_context():
        from app.payments.models import PaymentEvent

        db.session.add(PaymentEvent(provider="stripe", event_id="evt_seen_1", type="charge.refunded",
                                    org_id=store.academy.org_id, order_id=store.order_id, payload={},
                                    result="partial_refund_noted"))
        db.session.commit()
    admin = _as(app, login, store.academy.admin_email)
    html = text(admin.get(store.order_url()))
    for expected in ("Python Course", "Cheat Sheet", "Python Mug", "Coaching Call", store.gift_code,
                     f"manual-{store.order_number}", "charge.refunded", "partial_refund_noted", "Lena Learner",
                     "lena@example.com", "Hauptstr. 1", "Mark as shipped", "Mark booking as done"):
        assert expected in html, expected


# ---- actions ------------------------------------------------------------------------------------

def test_refunding_the_whole_order_restores_the_gift_card_and_ends_all_access(app, login, store):
    manager = _as(app, login, store.manager_email)
    r = manager.post(store.order_url(suffix="/refund"), data={"kind": "order", "reason": "Duplicate order"})
    assert r.status_code == 303
    order = _order(app, store.order_id)
    assert order.status == "refunded" and order.refunded_amount == order.total_amount
    assert {item.status for item in order.items} == {"refunded"}
    with app.app_context():
        card = db.session.scalar(sa.select(OrgGiftCard).where(OrgGiftCard.code == store.gift_code))
        assert card.current_balance == Decimal("20.00")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberProductAccess).where(
            OrgMemberProductAccess.member_id == store.academy.member_id,
            OrgMemberProductAccess.revoked_at.is_(None))) == 0
    (entry,) = _audit(app, store.academy.org_id, "order.refund")
    assert entry.data["before"]["status"] in ("paid", "fulfilled") and entry.data["after"]["status"] == "refunded"
    # Refunded already: a message, not a 500; no refund form any more.
    again = manager.post(store.order_url(suffix="/refund"), data={"kind": "order", "reason": "Again"})
    assert again.status_code == 409 and "already been refunded" in text(again)


def test_a_partial_amount_within_what_was_paid(app, login, store):
    manager = _as(app, login, store.manager_email)
    url = store.order_url(suffix="/refund")
    order = _order(app, store.order_id)
    too_much = manager.post(url, data={"kind": "amount", "amount": str(order.amount_due + 1), "reason": "Late"})
    assert too_much.status_code == 422 and "You can refund at most" in text(too_much)
    assert manager.post(url, data={"kind": "amount", "amount": "abc", "reason": "Late"}).status_code == 422
    assert manager.post(url, data={"kind": "amount", "reason": "Late"}).status_code == 422
    ok = manager.post(url, data={"kind": "amount", "amount": "5.00", "reason": "Late delivery"})
    assert ok.status_code == 303
    after = _order(app, store.order_id)
    assert after.refunded_amount == Decimal("5.00") and after.status == order.status
    assert {item.status for item in after.items} == {"active"}  # access stays
    (entry,) = _audit(app, store.academy.org_id, "order.refund_amount")
    assert entry.data["amount"] == "5.00"


def test_bad_refund_input_gets_a_message_never_a_500(app, login, store):
    manager = _as(app, login, store.manager_email)
    url = store.order_url(suffix="/refund")
    no_reason = manager.post(url, data={"kind": "items", "items": store.course_item, "reason": "  "})
    assert no_reason.status_code == 422 and "Say why you refund" in text(no_reason)
    no_item = manager.post(url, data={"kind": "items", "reason": "Because"})
    assert no_item.status_code == 422 and "Choose at least one item to refund." in text(no_item)
    with app.app_context():
        other_item = db.session.scalar(sa.select(OrgMemberOrderItem.id)
                                       .where(OrgMemberOrderItem.order_id == store.pending_id))
    wrong = manager.post(url, data={"kind": "items", "items": other_item, "reason": "Because"})
    assert wrong.status_code == 422 and "This item is not part of the order." in text(wrong)
    pending = manager.post(store.order_url(store.pending_id, "/refund"), data={"kind": "order", "reason": "x"})
    assert pending.status_code == 409 and "Only a paid order can be refunded." in text(pending)
    assert manager.post(store.order_url(store.other_order_id, "/refund"),
                        data={"kind": "order", "reason": "x"}).status_code == 404
    assert manager.get(store.order_url("0" * 32)).status_code == 404
    assert _order(app, store.order_id).refunded_amount == 0


def test_cancel_a_pending_order_and_not_a_paid_one(app, login, store):
    manager = _as(app, login, store.manager_email)
    html = text(manager.get(store.order_url(store.pending_id)))
    assert "Cancel order" in html and "Refund" not in html.split("Payments and refunds")[1]
    paid = manager.post(store.order_url(suffix="/cancel"))
    assert paid.status_code == 409 and "Only an order awaiting payment can be cancelled." in text(paid)
    r = manager.post(store.order_url(store.pending_id, "/cancel"))
    assert r.status_code == 303
    assert _order(app, store.pending_id).status == "cancelled"
    (entry,) = _audit(app, store.academy.org_id, "order.cancel")
    assert entry.data == {"before": {"status": "pending"}, "after": {"status": "cancelled"},
                          "order_number": entry.data["order_number"]}


def test_ship_a_physical_item_with_a_tracking_note_and_mark_a_booking_done(app, login, store):
    admin = _as(app, login, store.academy.admin_email)
    # A course line is neither shipped nor booked.
    wrong = admin.post(store.order_url(suffix=f"/items/{store.course_item}/ship"), data={"note": "x"})
    assert wrong.status_code == 409 and "not waiting to be shipped" in text(wrong)
    too_long = admin.post(store.order_url(suffix=f"/items/{store.mug_item}/ship"), data={"note": "x" * 501})
    assert too_long.status_code == 422
    r = admin.post(store.order_url(suffix=f"/items/{store.mug_item}/ship"), data={"note": "DHL 00340434"})
    assert r.status_code == 303
    order = _order(app, store.order_id)
    mug = next(i for i in order.items if i.id == store.mug_item)
    assert mug.fulfilment_status == "shipped" and mug.fulfilment_note == "DHL 00340434" and mug.fulfilled_at
    assert order.status == "fulfilled"  # nothing left to ship
    assert "DHL 00340434" in text(admin.get(store.order_url()))
    (entry,) = _audit(app, store.academy.org_id, "order_item.ship")
    assert entry.data["before"]["fulfilment_status"] == "unfulfilled"
    assert entry.data["after"] == {"order_status": "fulfilled", "fulfilment_status": "shipped",
                                   "fulfilment_note": "DHL 00340434"}

    r = admin.post(store.order_url(suffix=f"/items/{store.coaching_item}/done"), data={"note": "Held on Monday"})
    assert r.status_code == 303
    coaching = next(i for i in _order(app, store.order_id).items if i.id == store.coaching_item)
    assert coaching.fulfilment_status == "fulfilled" and coaching.fulfilment_note == "Held on Monday"
    assert _audit(app, store.academy.org_id, "order_item.complete")
    # An item of another order in this order's URL: 404.
    with app.app_context():
        other_item = db.session.scalar(sa.select(OrgMemberOrderItem.id)
                                       .where(OrgMemberOrderItem.order_id == store.pending_id))
    assert admin.post(store.order_url(suffix=f"/items/{other_item}/ship"), data={}).status_code == 404


# ---- every role ---------------------------------------------------------------------------------

ROLE_EMAILS = {
    "admin": lambda s: s.academy.admin_email,
    "manager": lambda s: s.manager_email,
    "creator": lambda s: s.academy.creator_email,
    "staff": lambda s: s.academy.staff_email,
    "other_org": lambda s: s.other_admin_email,
    "member": lambda s: s.outsider_email,
}
# Expected status per role: reading (GET) and changing (POST, refused before anything changes).
READ = {"admin": 200, "manager": 200, "creator": 403, "staff": 200, "other_org": 404, "member": 403}
WRITE = {"admin": 303, "manager": 303, "creator": 403, "staff": 403, "other_org": 404, "member": 403}


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_every_orders_route_answers_each_role_as_the_permission_matrix_says(app, login, store, role):
    client = _as(app, login, ROLE_EMAILS[role](store))
    assert client.get(f"{store.dashboard}/orders").status_code == READ[role]
    assert client.get(f"{store.dashboard}/orders?format=csv").status_code == READ[role]
    assert client.get(store.order_url()).status_code == READ[role]
    posts = [
        (store.order_url(suffix=f"/items/{store.mug_item}/ship"), {"note": "DHL 1"}),
        (store.order_url(suffix=f"/items/{store.coaching_item}/done"), {}),
        (store.order_url(store.pending_id, "/cancel"), {}),
        (store.order_url(suffix="/refund"), {"kind": "items", "items": store.download_item, "reason": "Why"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == WRITE[role], url
    order = _order(app, store.order_id)
    changed = order.refunded_amount > 0
    assert changed == (WRITE[role] == 303)


# ---- Stripe: the refund goes to the payment provider --------------------------------------------

@pytest.fixture
def stripe_api(app):
    with FakeStripe() as fake:
        app.config.update(STRIPE_SECRET_KEY="sk_test_123", STRIPE_WEBHOOK_SECRET="whsec_test",
                          STRIPE_API_BASE=fake.url)
        try:
            yield fake
        finally:
            app.config.update(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None, STRIPE_API_BASE=None)


def _paid_at_stripe(app, store) -> None:
    with app.app_context():
        order = db.session.get(OrgMemberOrder, store.order_id)
        order.payment_provider = "stripe"
        for payment in order.payments:
            payment.provider, payment.provider_reference = "stripe", "pi_test_paid"
        db.session.commit()


def test_a_stripe_order_is_refunded_at_stripe_for_the_cash_part(app, login, store, stripe_api):
    _paid_at_stripe(app, store)
    manager = _as(app, login, store.manager_email)
    r = manager.post(store.order_url(suffix="/refund"),
                     data={"kind": "items", "items": store.download_item, "reason": "Wrong file"})
    assert r.status_code == 303
    (call,) = [form for method, path, form in stripe_api.requests if path == "/v1/refunds"]
    with app.app_context():
        item = db.session.get(OrgMemberOrderItem, store.download_item)
        refund = db.session.scalar(sa.select(OrgMemberOrderRefund).where(OrgMemberOrderRefund.order_id == store.order_id))
        assert call["payment_intent"] == "pi_test_paid" and int(call["amount"]) == int(refund.amount * 100)
        assert refund.amount == item.line_total - item.gift_card_amount  # the gift card share went to the card
        assert refund.provider_reference.startswith("re_")


def test_a_refund_stripe_refuses_records_nothing(app, login, store, stripe_api):
    _paid_at_stripe(app, store)
    app.config["STRIPE_API_BASE"] = stripe_api.url + "/broken"  # every call answers 404
    manager = _as(app, login, store.manager_email)
    r = manager.post(store.order_url(suffix="/refund"), data={"kind": "order", "reason": "Whatever"})
    assert r.status_code == 409 and "did not accept the refund" in text(r)
    order = _order(app, store.order_id)
    assert order.refunded_amount == 0 and {i.status for i in order.items} == {"active"}
    assert _audit(app, store.academy.org_id, "order.refund") == []


def test_a_stripe_refund_whose_commit_was_lost_is_not_paid_out_twice(app, login, store, stripe_api):
    """Stripe refunded, then our commit was lost (the process died): trying the same refund again
    carries the same idempotency key, so Stripe answers with the refund it already made."""
    _paid_at_stripe(app, store)
    with app.app_context():
        order = db.session.get(OrgMemberOrder, store.order_id)
        manager = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == store.academy.org_id,
                                                                 OrgEmployee.role == "manager"))
        refunds.refund(order, by_employee=manager, reason="Wrong file", item_ids=[store.download_item])
        first = next(row.provider_reference for row in order.refunds)
        db.session.rollback()  # the commit never happened
    assert _order(app, store.order_id).refunded_amount == 0
    again = _as(app, login, store.manager_email).post(
        store.order_url(suffix="/refund"), data={"kind": "items", "items": store.download_item, "reason": "Wrong file"})
    assert again.status_code == 303
    calls = [form for method, path, form in stripe_api.requests if path == "/v1/refunds"]
    assert len(calls) == 2 and len({body["id"] for body in stripe_api.idempotent.values()
                                    if body.get("object") == "refund"}) == 1
    with app.app_context():
        (row,) = db.session.scalars(sa.select(OrgMemberOrderRefund).where(OrgMemberOrderRefund.order_id == store.order_id))
        assert row.provider_reference == first  # one refund at Stripe, recorded once


# ---- the services refuse on their own (no view can forget) ----------------------------------------

def test_the_order_services_refuse_an_employee_without_the_orders_right(app, store):
    with app.app_context():
        order = db.session.get(OrgMemberOrder, store.order_id)
        pending = db.session.get(OrgMemberOrder, store.pending_id)
        mug = db.session.get(OrgMemberOrderItem, store.mug_item)
        coaching = db.session.get(OrgMemberOrderItem, store.coaching_item)
        staff, other_admin = (db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org_id,
                                                                              OrgEmployee.role == role))
                              for org_id, role in ((store.academy.org_id, "staff"), (
                                  db.session.get(OrgMemberOrder, store.other_order_id).org_id, "admin")))
        for employee, error in ((staff, PermissionDeniedError), (other_admin, NotFoundError)):
            with pytest.raises(error):
                refunds.refund(order, by_employee=employee, reason="x")
            with pytest.raises(error):
                order_services.refund_item(order, mug, by_employee=employee, reason="x")
            with pytest.raises(error):
                order_services.refund_amount(order, Decimal("1.00"), by_employee=employee)
            with pytest.raises(error):
                order_services.cancel_order(pending, by_employee=employee)
            with pytest.raises(error):
                order_services.mark_shipped(mug, by_employee=employee, note="x")
            with pytest.raises(error):
                order_services.mark_service_done(coaching, by_employee=employee)
        assert order.refunded_amount == 0 and pending.status == "pending" and mug.fulfilment_status == "unfulfilled"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgAuditLog).where(
            OrgAuditLog.org_id == store.academy.org_id, OrgAuditLog.action.startswith("order"))) == 0
        db.session.rollback()


def test_an_order_page_costs_the_same_queries_whatever_it_holds(app, login, store, count_queries):
    admin = _as(app, login, store.academy.admin_email)
    admin.get(store.order_url(store.pending_id))
    with count_queries() as small:  # one item, nothing paid
        assert admin.get(store.order_url(store.pending_id)).status_code == 200
    admin.post(store.order_url(suffix="/refund"), data={"kind": "amount", "amount": "1.00", "reason": "Sorry"})
    with count_queries() as big:  # four items, tax snapshots, a gift card, a payment, a refund
        assert admin.get(store.order_url()).status_code == 200
    assert big.count == small.count, str(big)
