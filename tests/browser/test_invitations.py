"""Invitations in a real browser, on the demo data (issue 11's acceptance):

- a manager invites newcreator@example.com as creator; an admin approves; the invitee follows the
  emailed link (read from the outbox rows of the live database), creates an account and lands in
  the dashboard as a creator; the audit log holds the three steps with before and after values;
- an admin bulk-invites 3 members from a CSV file with one invalid line, sees the per-row report,
  and one invitee accepts and lands in the storefront.

Every page visited here also goes through the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in

NEW_PASSWORD = "amber lantern 73 meadow"


def _emailed_path(app, email: str) -> str:
    """The invitation link of the last email queued to ``email`` (its path on the live server)."""
    from app.extensions import db
    from app.platform.models import EmailOutbox

    with app.app_context():
        body = db.session.scalars(sa.select(EmailOutbox.body_text).where(EmailOutbox.to_email == email)
                                  .order_by(EmailOutbox.created_at.desc())).first()
        db.session.remove()
    assert body is not None, f"no email to {email}"
    return re.search(r"https?://[^/\s]+(/invitations/\S+)", body).group(1)


def _log_out(page: Page) -> None:
    page.context.clear_cookies()


def test_manager_invites_admin_approves_invitee_joins_as_creator(demo, page: Page):
    from app.extensions import db
    from app.orgs.models import OrgAuditLog, OrgEmployeeInvitation

    password = demo.config["DEMO_PASSWORD"]
    # The manager invites.
    log_in(page, "manager@acme.test", password)
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="invitations"]').click()
    page.get_by_role("navigation", name="Invitations").get_by_role("link", name="Employees").click()
    page.locator("#invite-employee").click()
    page.locator("#email").fill("newcreator@example.com")
    page.locator("#role").select_option("creator")
    page.get_by_role("button", name="Ask for approval").click()
    expect(page).to_have_url(re.compile(r"/dashboard/acme/invitations/employees$"))
    row = page.locator("#employee-invitations tbody tr", has_text="newcreator@example.com")
    expect(row).to_have_attribute("data-status", "pending")
    expect(row).to_contain_text("Waiting for approval")
    expect(row.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)  # a manager cannot
    with demo.app_context():
        invitation_id = db.session.scalar(sa.select(OrgEmployeeInvitation.id).where(
            OrgEmployeeInvitation.email == "newcreator@example.com"))
        db.session.remove()

    # An admin approves: the email is sent now.
    _log_out(page)
    log_in(page, "admin@acme.test", password)
    page.goto("/dashboard/acme/invitations/employees?status=pending")
    row = page.locator(f'#employee-invitations tr[data-invitation="{invitation_id}"]')
    row.get_by_role("button", name="Approve the invitation of newcreator@example.com").click()
    expect(page.locator(".flash-success")).to_contain_text("Approved")
    page.goto("/dashboard/acme/invitations/employees")
    expect(row).to_have_attribute("data-status", "approved")

    # The invitee follows the emailed link, creates the account and lands in the dashboard.
    _log_out(page)
    path = _emailed_path(demo, "newcreator@example.com")
    page.goto(path)
    expect(page.locator("h1")).to_have_text("Join the Acme Academy team")
    expect(page.locator(".invitation")).to_contain_text("as Creator")
    page.locator("#display_name").fill("Nova Creator")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account and accept").click()
    expect(page).to_have_url(re.compile(r"/dashboard/acme/$"))
    expect(page.locator(".flash-success")).to_contain_text("Welcome to the Acme Academy team")
    links = page.locator(".staff-nav a")
    assert [links.nth(i).get_attribute("data-nav") for i in range(links.count())] == [
        "overview", "products", "lessons", "submissions", "translations", "earnings", "profile"]

    # The audit log holds the three steps with before and after values.
    with demo.app_context():
        entries = db.session.execute(sa.select(OrgAuditLog.action, OrgAuditLog.data).where(
            OrgAuditLog.entity_id == invitation_id).order_by(OrgAuditLog.created_at, OrgAuditLog.id)).all()
        db.session.remove()
    assert [action for action, _data in entries] == [
        "employee_invitation.created", "employee_invitation.approved", "employee_invitation.accepted"]
    (_c, created), (_a, approved), (_x, accepted) = entries
    assert created["before"] == {} and created["after"]["role"] == "creator"
    assert created["after"]["email"] == "newcreator@example.com" and created["after"]["status"] == "pending"
    assert approved["before"] == {"status": "pending"} and approved["after"]["status"] == "approved"
    assert accepted["before"] == {"status": "approved"} and accepted["after"]["status"] == "accepted"


def test_admin_bulk_invites_from_a_csv_and_one_invitee_accepts(demo, page: Page, tmp_path):
    csv_file = tmp_path / "members.csv"
    csv_file.write_text("email\nbulk-ana@example.com\nnot an address\nbulk-bo@example.com\nbulk-cy@example.com\n",
                        encoding="utf-8")
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/dashboard/acme/invitations")
    page.locator("#invite-members-bulk").click()
    page.locator("#file").set_input_files(str(csv_file))
    page.locator("#membership_type").select_option("learner")
    page.get_by_role("button", name="Send the invitations").click()

    expect(page.locator("h1")).to_have_text("Invitations sent")
    expect(page.locator(".bulk-summary")).to_contain_text("3 invited, 0 skipped, 1 refused.")
    rows = page.locator(".bulk-report tbody tr")
    expect(rows).to_have_count(4)
    assert [rows.nth(i).get_attribute("data-outcome") for i in range(4)] == ["invited", "refused", "invited", "invited"]
    expect(rows.nth(1)).to_contain_text("not an address")
    expect(rows.nth(1)).to_contain_text("valid email")
    page.get_by_role("link", name="See the invitations").click()
    for email in ("bulk-ana@example.com", "bulk-bo@example.com", "bulk-cy@example.com"):
        expect(page.locator("#member-invitations tbody tr", has_text=email)).to_have_attribute("data-status", "pending")

    # Bo accepts: a new account, signed in, in the store.
    _log_out(page)
    page.goto(_emailed_path(demo, "bulk-bo@example.com"))
    expect(page.locator("h1")).to_have_text("Join Acme Academy")
    page.locator("#display_name").fill("Bo Bulk")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account and accept").click()
    expect(page).to_have_url(re.compile(r"/acme/[a-z]+/[a-z]{2}(-[A-Z]{2})?/$"))
    expect(page.locator(".flash-success")).to_contain_text("Welcome to Acme Academy")

    _log_out(page)
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/dashboard/acme/invitations?status=accepted")
    expect(page.locator("#member-invitations tbody tr", has_text="bulk-bo@example.com")).to_have_attribute(
        "data-status", "accepted")
