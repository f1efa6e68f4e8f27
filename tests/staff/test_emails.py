"""The org's emails page (``/dashboard/<org>/emails``, admins): only this org's emails (never
another org's, never platform emails such as a password reset), with attempts, next attempt and
last error; "retry now" for a failed one (audited); every role's answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.orgs.models import Org, OrgAuditLog, OrgEmployee
from app.orgs.services import invite_member
from app.platform import email
from app.platform.models import EmailOutbox
from tests.factories import PASSWORD
from tests.learn.assessment_fixtures import text
from tests.staff import order_fixtures

store = order_fixtures.store  # the fixture

ROW = re.compile(r'<tr data-email="([0-9a-f]{32})" data-status="(\w+)">')


def _as(app, login, email_):
    c = app.test_client()
    assert login(c, email_, PASSWORD).status_code in (302, 303)
    return c


@pytest.fixture
def mails(app, store):
    """An invitation of this org (queued through the service), one of this org that failed for good,
    one waiting for its retry, another org's, and a platform email (no org)."""
    with app.app_context():
        org = db.session.get(Org, store.academy.org_id)
        admin = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org.id,
                                                               OrgEmployee.role == "admin"))
        invite_member(org, email="invitee@example.com", invited_by=admin)
        invitation = db.session.scalar(sa.select(EmailOutbox).where(EmailOutbox.to_email == "invitee@example.com"))
        failed = email.queue_email("bounced@example.com", "Your receipt", "Body", kind="receipt", org_id=org.id)
        failed.status, failed.attempts, failed.error = "failed", email.MAX_ATTEMPTS, "550 mailbox unavailable"
        waiting = email.queue_email("later@example.com", "Welcome", "Body", kind="receipt", org_id=org.id)
        waiting.attempts, waiting.error = 2, "421 try again later"
        waiting.next_attempt_at = utcnow() + timedelta(minutes=5)
        other = email.queue_email("theirs@example.com", "Other org", "Body", kind="receipt",
                                  org_id=db.session.scalar(sa.select(Org.id).where(Org.slug == store.other_org_slug)))
        platform = email.queue_email("reset@example.com", "Reset your password", "Body", kind="password_reset")
        receipt = db.session.scalar(sa.select(EmailOutbox).where(EmailOutbox.kind == "order_receipt",
                                                                 EmailOutbox.org_id == org.id))
        db.session.commit()
        return {"invitation": invitation.id, "failed": failed.id, "waiting": waiting.id, "other": other.id,
                "platform": platform.id, "receipt": receipt.id}


def test_the_page_lists_only_this_orgs_emails_with_their_attempts(app, login, store, mails):
    admin = _as(app, login, store.academy.admin_email)
    r = admin.get(f"{store.dashboard}/emails")
    assert r.status_code == 200
    html = text(r)
    shown = dict(ROW.findall(html))
    assert shown == {mails["invitation"]: "queued", mails["failed"]: "failed", mails["waiting"]: "queued",
                     mails["receipt"]: "queued"}
    assert f"Your receipt for order {store.order_number}" in html  # queued when the order was paid
    assert "invitee@example.com" in html and "550 mailbox unavailable" in html and "421 try again later" in html
    assert "reset@example.com" not in html and "theirs@example.com" not in html
    assert html.count("Retry now</button>") == 1  # only the failed one
    assert dict(ROW.findall(text(admin.get(f"{store.dashboard}/emails?status=failed")))) == {
        mails["failed"]: "failed"}
    csv_text = admin.get(f"{store.dashboard}/emails?format=csv").get_data(as_text=True)
    assert "bounced@example.com" in csv_text and "reset@example.com" not in csv_text


def test_retry_now_queues_a_failed_email_again_and_is_audited(app, login, store, mails):
    admin = _as(app, login, store.academy.admin_email)
    r = admin.post(f"{store.dashboard}/emails/{mails['failed']}/retry")
    assert r.status_code == 303
    assert "queued again" in text(admin.get(r.headers["Location"]))
    with app.app_context():
        message = db.session.get(EmailOutbox, mails["failed"])
        assert message.status == "queued" and message.next_attempt_at is None
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.action == "email.retry"))
        assert entry.org_id == store.academy.org_id and entry.entity_id == mails["failed"]
        assert entry.data["before"]["status"] == "failed" and entry.data["after"]["status"] == "queued"
        # The next send tries it.
        sent = []
        email.deliver_pending(transport=lambda m: sent.append(m.to_email))
        assert "bounced@example.com" in sent
    # Not failed (any more): a message, no change; another org's or a platform email: 404.
    again = admin.post(f"{store.dashboard}/emails/{mails['waiting']}/retry", follow_redirects=True)
    assert again.status_code == 200 and "Only an email that failed can be retried." in text(again)
    assert admin.post(f"{store.dashboard}/emails/{mails['other']}/retry").status_code == 404
    assert admin.post(f"{store.dashboard}/emails/{mails['platform']}/retry").status_code == 404


ROLE_EMAILS = {
    "admin": lambda s: s.academy.admin_email,
    "manager": lambda s: s.manager_email,
    "creator": lambda s: s.academy.creator_email,
    "staff": lambda s: s.academy.staff_email,
    "other_org": lambda s: s.other_admin_email,
    "member": lambda s: s.outsider_email,
}
READ = {"admin": 200, "manager": 403, "creator": 403, "staff": 403, "other_org": 404, "member": 403}
WRITE = {"admin": 303, "manager": 403, "creator": 403, "staff": 403, "other_org": 404, "member": 403}


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_every_emails_route_answers_each_role_as_the_permission_matrix_says(app, login, store, mails, role):
    client = _as(app, login, ROLE_EMAILS[role](store))
    assert client.get(f"{store.dashboard}/emails").status_code == READ[role]
    assert client.post(f"{store.dashboard}/emails/{mails['failed']}/retry").status_code == WRITE[role]
    with app.app_context():
        status = db.session.get(EmailOutbox, mails["failed"]).status
    assert status == ("queued" if WRITE[role] == 303 else "failed")


def test_a_paid_order_queues_its_receipt_for_the_org(app, store):
    with app.app_context():
        receipts = db.session.scalars(sa.select(EmailOutbox).where(EmailOutbox.kind == "order_receipt",
                                                                   EmailOutbox.org_id == store.academy.org_id)).all()
        (receipt,) = receipts  # the paid order only (the pending one is not paid)
        assert receipt.to_email == "lena@example.com" and store.order_number in receipt.subject
        assert "Python Course" in receipt.body_text and "Total: " in receipt.body_text
        assert f"/{store.academy.org_slug}/eu/en/account/orders/{store.order_number}" in receipt.body_text
