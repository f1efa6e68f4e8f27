"""Every dashboard endpoint x every role: the status each gets (DESIGN.md §3).

``EXPECTED`` has one row per endpoint and method of the ``staff`` blueprint, read from the app's URL
map: a dashboard route without a row fails ``test_every_dashboard_endpoint_has_a_row`` with its
name. A row gives the status for admin, manager, creator (attributed to the academy's course) and
staff; an employee of another org always gets 404 (the org's dashboard does not exist for them,
and on their own dashboard this org's rows do not exist either) and a member who is not an
employee 403. Allowed is 200 (a page) or 303 (a form that worked, redirecting).

To add a page: one ``EXPECTED`` row, with ``args`` building its URL arguments from ``World`` (real
rows made in the ``world`` fixture; add a field there when a page needs a new kind of row) and
``data`` for a POST's form.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import url_for

from app.accounts.models import User
from app.catalog.promotions import create_promotion
from app.extensions import db
from app.giftcards.issuing import batch_cards, issue_gift_cards
from app.learn.models import OrgMemberAssignmentSubmission
from app.markets.models import OrgMarket
from app.orgs.models import Org, OrgAuditLog, OrgMember
from app.orgs.services import approve_employee_invitation, get_employee, invite_employee, invite_member
from app.platform.email import MAX_ATTEMPTS, queue_email
from app.tax.services import create_category
from tests.factories import (
    PASSWORD,
    make_employee,
    make_member,
    make_org,
    make_priced_plan,
    make_product,
    make_user,
    unique,
)
from tests.learn import assessment_fixtures
from tests.staff.order_fixtures import buy

academy = assessment_fixtures.academy  # the fixture

EMPLOYEE_ROLES = ("admin", "manager", "creator", "staff")
ROLES = (*EMPLOYEE_ROLES, "other_org", "member")
OK, DONE, NO, MISSING = 200, 303, 403, 404


def expect(admin: int, manager: int, creator: int, staff: int) -> dict[str, int]:
    """The statuses of the four roles; another org's employee 404, a member who is no employee 403."""
    return {"admin": admin, "manager": manager, "creator": creator, "staff": staff, "other_org": MISSING,
            "member": NO}


@dataclass(frozen=True)
class World:
    """Real rows of the academy the URLs are built from."""

    org_slug: str
    other_org_slug: str
    emails: dict[str, str]
    submission_id: str
    audit_entry_id: str
    member_id: str  # a member who is not an employee
    employee_id: str  # a creator the role form sets to the role they have
    order_id: str  # paid: a download (refunded by the row), a mug (shipped), a coaching call (done)
    download_item: str
    mug_item: str
    coaching_item: str
    pending_order_id: str  # awaiting payment (cancelled by the row)
    member_invitations: dict[str, str]  # pending member invitations: resend, cancel
    employee_invitations: dict[str, str]  # sent by the manager: approve, decline (pending), resend, cancel (approved)
    failed_email_id: str
    # H: a gift card and a discount code of the academy, the currency it sells in
    gift_card_id: str = ""
    discount_id: str = ""
    currency: str = ""


@dataclass(frozen=True)
class Row:
    status: dict[str, int]
    args: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] | None = None


def _submission(w: World) -> dict[str, str]:
    return {"submission_id": w.submission_id}


def _member(w: World) -> dict[str, str]:
    return {"member_id": w.member_id}


def _employee(w: World) -> dict[str, str]:
    return {"employee_id": w.employee_id}


def _member_invitation(which: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"invitation_id": w.member_invitations[which]}


def _employee_invitation(which: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"invitation_id": w.employee_invitations[which]}


# (endpoint, method) -> what each role gets
EXPECTED: dict[tuple[str, str], Row] = {
    ("staff.index", "GET"): Row(expect(OK, OK, OK, OK)),
    # the review queue (catalog_own: creators see the courses attributed to them)
    ("staff.submissions", "GET"): Row(expect(OK, OK, OK, NO)),
    ("staff.submissions_bulk", "POST"): Row(expect(OK, OK, OK, NO),
                                            data=lambda w: {"action": "review", "ids": w.submission_id}),
    ("staff.submission", "GET"): Row(expect(OK, OK, OK, NO), args=_submission),
    ("staff.submission", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_submission,
                                      data=lambda w: {"feedback": "Well done."}),
    ("staff.submission_file", "GET"): Row(expect(OK, OK, OK, NO), args=_submission),
    # the audit log (org_settings: admins)
    ("staff.audit", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.audit_entry", "GET"): Row(expect(OK, NO, NO, NO), args=lambda w: {"entry_id": w.audit_entry_id}),
    # orders (orders_view reads, orders changes)
    ("staff.orders", "GET"): Row(expect(OK, OK, NO, OK)),
    ("staff.order", "GET"): Row(expect(OK, OK, NO, OK), args=lambda w: {"order_id": w.order_id}),
    ("staff.order_refund", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"order_id": w.order_id},
                                        data=lambda w: {"kind": "items", "items": w.download_item,
                                                        "reason": "Wrong file"}),
    ("staff.order_cancel", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"order_id": w.pending_order_id}),
    ("staff.order_item_ship", "POST"): Row(expect(DONE, DONE, NO, NO),
                                           args=lambda w: {"order_id": w.order_id, "item_id": w.mug_item},
                                           data=lambda w: {"note": "DHL 123"}),
    ("staff.order_item_done", "POST"): Row(expect(DONE, DONE, NO, NO),
                                           args=lambda w: {"order_id": w.order_id, "item_id": w.coaching_item}),
    # members and employees (invite: admins and managers; roles and removal: admins)
    ("staff.members", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.members_view", "GET"): Row(expect(OK, OK, NO, NO), args=_member),
    ("staff.members_type", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member,
                                        data=lambda w: {"membership_type": "customer"}),
    ("staff.members_deactivate", "POST"): Row(expect(OK, OK, NO, NO), args=_member),  # asks first
    ("staff.members_reactivate", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member),
    ("staff.employees", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.employees_view", "GET"): Row(expect(OK, OK, NO, NO), args=_employee),
    ("staff.employees_role", "POST"): Row(expect(DONE, NO, NO, NO), args=_employee,
                                          data=lambda w: {"role": "creator"}),
    ("staff.employees_remove", "POST"): Row(expect(OK, NO, NO, NO), args=_employee),  # asks first
    # invitations (invite: admins and managers; approving an employee invitation: admins)
    ("staff.invitations", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.employee_invitations", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_member", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_member", "POST"): Row(expect(DONE, DONE, NO, NO),
                                         data=lambda w: {"email": f"{unique('new')}@example.com",
                                                         "membership_type": "learner", "days": "14"}),
    ("staff.invite_members_bulk", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_members_bulk", "POST"): Row(expect(OK, OK, NO, NO),  # answers with the report
                                               data=lambda w: {"emails": f"{unique('bulk')}@example.com",
                                                               "membership_type": "learner", "days": "14"}),
    ("staff.invite_employee", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_employee", "POST"): Row(expect(DONE, DONE, NO, NO),
                                           data=lambda w: {"email": f"{unique('hire')}@example.com",
                                                           "role": "staff", "days": "14"}),
    ("staff.resend_member_invitation", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member_invitation("resend")),
    ("staff.cancel_member_invitation", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member_invitation("cancel")),
    ("staff.approve_employee_invitation", "POST"): Row(expect(DONE, NO, NO, NO),
                                                       args=_employee_invitation("approve")),
    ("staff.decline_employee_invitation", "POST"): Row(expect(DONE, NO, NO, NO),
                                                       args=_employee_invitation("decline")),
    ("staff.resend_employee_invitation", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                      args=_employee_invitation("resend")),
    ("staff.cancel_employee_invitation", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                      args=_employee_invitation("cancel")),
    # the org's emails (org_settings: admins)
    ("staff.emails", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.email_retry", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"email_id": w.failed_email_id}),
    # H: gift cards (gift_cards: admins, managers, staff) and promotions (catalog_all: admins, managers)
    ("staff.giftcards", "GET"): Row(expect(OK, OK, NO, OK)),
    ("staff.giftcards_new", "GET"): Row(expect(OK, OK, NO, OK)),
    ("staff.giftcards_new", "POST"): Row(expect(DONE, DONE, NO, DONE),
                                         data=lambda w: {"count": "2", "amount": "10", "currency_code": w.currency}),
    # without a batch issued in this session: back to the list (303), and no CSV (404)
    ("staff.giftcards_issued", "GET"): Row(expect(DONE, DONE, NO, DONE)),
    ("staff.giftcards_issued_csv", "GET"): Row(expect(MISSING, MISSING, NO, MISSING)),
    ("staff.giftcards_card", "GET"): Row(expect(OK, OK, NO, OK), args=lambda w: {"card_id": w.gift_card_id}),
    ("staff.giftcards_disable", "POST"): Row(expect(DONE, DONE, NO, DONE), args=lambda w: {"card_id": w.gift_card_id}),
    ("staff.giftcards_enable", "POST"): Row(expect(DONE, DONE, NO, DONE), args=lambda w: {"card_id": w.gift_card_id}),
    ("staff.promotions", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.promotions_new", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.promotions_new", "POST"): Row(expect(DONE, DONE, NO, NO),
                                          data=lambda w: {"code": unique("code").upper(), "name": "New",
                                                          "type": "percent", "value": "5"}),
    ("staff.promotions_edit", "GET"): Row(expect(OK, OK, NO, NO), args=lambda w: {"discount_id": w.discount_id}),
    ("staff.promotions_edit", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"discount_id": w.discount_id},
                                           data=lambda w: {"code": "ROLES", "name": "Roles", "type": "percent",
                                                           "value": "15", "is_active": "y"}),
    ("staff.promotions_deactivate", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                 args=lambda w: {"discount_id": w.discount_id}),
    ("staff.promotions_activate", "POST"): Row(expect(DONE, DONE, NO, NO),
                                               args=lambda w: {"discount_id": w.discount_id}),
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def dashboard_endpoints(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every route of the ``staff`` blueprint."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_dashboard_endpoint_has_a_row(app):
    routes = dashboard_endpoints(app)
    missing = sorted(routes - set(EXPECTED))
    assert not missing, (
        "Dashboard endpoints without a row in EXPECTED (tests/staff/test_endpoint_roles.py): "
        + ", ".join(f"{endpoint} {method}" for endpoint, method in missing)
        + ". Add what admin, manager, creator and staff get."
    )
    stale = sorted(set(EXPECTED) - routes)
    assert not stale, f"EXPECTED rows for endpoints that no longer exist: {stale}"
    for key, row in EXPECTED.items():
        assert set(row.status) == set(ROLES), key
        assert all(row.status[role] in (OK, DONE, NO, MISSING) for role in ROLES), key


@pytest.fixture
def world(app, academy, tmp_path) -> World:
    """The academy with a manager, a learner's submission with a file, an audit entry, and the
    admin of another org."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    learner = app.test_client()
    assert learner.post("/account/login", data={"email": academy.learner_email, "password": PASSWORD}
                        ).status_code in (302, 303)
    r = learner.post(academy.lesson_url(academy.assignment, "/assignment"),
                     data={"body": "My answer", "file": (io.BytesIO(b"%PDF-1.4 notes"), "notes.pdf")},
                     content_type="multipart/form-data")
    assert r.status_code == 303
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        manager = make_employee(org, make_user(f"{unique('manager')}@example.com"), role="manager")
        admin_user = db.session.scalar(sa.select(User).where(User.email == academy.admin_email))
        entry_category = create_category(org, code=unique("cat"), name="Audited", by=get_employee(org, admin_user))
        entry_id = db.session.scalar(sa.select(OrgAuditLog.id).where(OrgAuditLog.entity_id == entry_category.id))
        other = make_org()
        outsider = make_employee(other, make_user(f"{unique('outsider')}@example.com"), role="admin")
        submission_id = db.session.scalar(
            sa.select(OrgMemberAssignmentSubmission.id).where(OrgMemberAssignmentSubmission.member_id == academy.member_id)
        )
        admin = get_employee(org, admin_user)
        plain_member = make_member(org, make_user(f"{unique('member')}@example.com"))
        target = make_employee(org, make_user(f"{unique('creator')}@example.com"), role="creator")
        orders = _orders(org, db.session.get(OrgMember, academy.member_id))
        member_invitations = {which: invite_member(org, email=f"{unique(which)}@example.com", invited_by=admin).id
                              for which in ("resend", "cancel")}
        employee_invitations = {}
        for which in ("approve", "decline", "resend", "cancel"):
            invitation = invite_employee(org, email=f"{unique(which)}@example.com", role="staff", invited_by=manager)
            if which in ("resend", "cancel"):
                approve_employee_invitation(invitation, approver=admin)
            employee_invitations[which] = invitation.id
        failed = queue_email("bounced@example.com", "Your receipt", "Body", kind="receipt", org_id=org.id)
        failed.status, failed.attempts, failed.error = "failed", MAX_ATTEMPTS, "550 mailbox unavailable"
        emails = {
            "admin": academy.admin_email, "manager": manager.member.user_profile.user.email,
            "creator": academy.creator_email, "staff": academy.staff_email,
            "other_org": outsider.member.user_profile.user.email, "member": academy.learner_email,
        }
        world = World(org_slug=academy.org_slug, other_org_slug=other.slug, emails=emails,
                      submission_id=submission_id, audit_entry_id=entry_id, member_id=plain_member.id,
                      employee_id=target.id, member_invitations=member_invitations,
                      employee_invitations=employee_invitations, failed_email_id=failed.id, **orders)
        # H: a gift card and a discount code
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
        batch = issue_gift_cards(org, count=1, amount="25", currency_code=market.currency_code, by=admin)
        discount = create_promotion(org, code="ROLES", name="Roles", type="percent", value="10", by=admin)
        world = dataclasses.replace(world, gift_card_id=batch_cards(org, batch.batch_id)[0].id,
                                    discount_id=discount.id, currency=market.currency_code)
        db.session.commit()
    return world


def _orders(org: Org, member: OrgMember) -> dict[str, str]:
    """A paid order of a download, a mug and a coaching call, and an order awaiting payment."""
    market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
    plans = {kind: (make_priced_plan(market, product=product, price=Decimal("10.00")), product)
             for kind, product in (("download", make_product(org, type="digital_download")),
                                   ("mug", make_product(org, type="physical")),
                                   ("coaching", make_product(org, type="service")))}
    paid = buy(org, member, market, list(plans.values()))
    items = {item.product_id: item.id for item in paid.items}
    pending = buy(org, member, market, [plans["download"]], pay=False)
    return {"order_id": paid.id, "pending_order_id": pending.id,
            **{f"{kind}_item": items[product.id] for kind, (_plan, product) in plans.items()}}


def _client(app, email: str):
    client = app.test_client()
    r = client.post("/account/login", data={"email": email, "password": PASSWORD})
    assert r.status_code in (302, 303), email
    return client


def _url(app, endpoint: str, org_slug: str, args: dict[str, Any]) -> str:
    with app.test_request_context():
        return url_for(endpoint, org_slug=org_slug, **args)


def _call(client, method: str, url: str, row: Row, w: World):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data=row.data(w) if row.data else {})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_permission_matrix_says(app, world, role):
    """Every row as ``role``, in a world of its own (the rows that change something change a row
    no other row uses, so their order does not matter)."""
    client = _client(app, world.emails[role])
    wrong = []
    for (endpoint, method), row in sorted(EXPECTED.items()):
        url = _url(app, endpoint, world.org_slug, row.args(world))
        status = _call(client, method, url, row, world).status_code
        if status != row.status[role]:
            wrong.append(f"{role} {method} {endpoint}: {status}, expected {row.status[role]}")
    assert not wrong, "\n".join(wrong)


def test_another_orgs_employee_finds_none_of_this_orgs_rows_on_their_own_dashboard(app, world):
    """The other org's admin (allowed everything on their own dashboard) asks it for this org's rows."""
    outsider = _client(app, world.emails["other_org"])
    checked = 0
    for (endpoint, method), row in sorted(EXPECTED.items()):
        args = row.args(world)
        if not args:
            continue
        url = _url(app, endpoint, world.other_org_slug, args)
        status = _call(outsider, method, url, row, world).status_code
        assert status == MISSING, f"{method} {endpoint} with this org's rows: {status}"
        checked += 1
    assert checked >= 4
