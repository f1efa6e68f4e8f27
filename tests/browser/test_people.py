"""Members and employees in a real browser, on the demo data: the Acme admin opens the members
list, filters and searches it, opens a member and changes their type; then opens the employees,
finds a creator and makes them a manager. At 1280 and 390 px wide (nothing scrolls sideways),
with and without JavaScript. Every page visited here also goes through the Nu checker and axe
(test_quality_gates.py)."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in

ADMIN = "admin@acme.test"


@pytest.fixture
def newcomers(demo) -> dict[str, str]:
    """A new learner and a new creator at Acme, named uniquely (each run changes its own people)."""
    from app.accounts.services import create_user
    from app.extensions import db
    from app.orgs.models import Org
    from app.orgs.services import add_employee, ensure_member

    tag = uuid.uuid4().hex[:6]
    names = {"member": f"Mina Member {tag}", "creator": f"Nora Newcreator {tag}"}
    with demo.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "acme"))
        member = create_user(f"mina-{tag}@example.com", "copper kettle 42 harbour", names["member"], verified=True)
        creator = create_user(f"nora-{tag}@example.com", "copper kettle 42 harbour", names["creator"], verified=True)
        ensure_member(org, member)
        add_employee(org, creator, role="creator")
        db.session.commit()
    return names


def no_sideways_scroll(page: Page) -> None:
    page.wait_for_load_state("load")  # the stylesheet too: unstyled, the table is wider (failed once in CI)
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, (page.url, width, viewport)


def toolbar(page: Page, table: str, change, js: bool) -> None:
    """Change the list's toolbar: with JavaScript wait for htmx's answer (the region is swapped
    from it), without, press "Show" (a plain GET)."""
    if js:
        page.wait_for_load_state("load")  # htmx binds the toolbar once its deferred script ran
        with page.expect_response(lambda r: f"/dashboard/acme/{table}" in r.url
                                  and r.request.headers.get("hx-request") == "true"):
            change()
    else:
        change()
        page.locator(f"#{table} .table-toolbar button[type=submit]").click()


def search(page: Page, table: str, text: str, js: bool) -> None:
    toolbar(page, table, lambda: page.locator(f"#{table}-q").fill(text), js)
    expect(page).to_have_url(re.compile(r"[?&]q="))


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [1280, 390])
def test_admin_manages_members_and_employees(demo, newcomers, new_context, width, js):
    context = new_context(viewport={"width": width, "height": 900}, java_script_enabled=js, locale="en-US",
                          extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, ADMIN, demo.config["DEMO_PASSWORD"])

    # The overview's new-members figure opens the list; so does the navigation.
    page.goto("/dashboard/acme/")
    expect(page.locator('[data-figure="members"] a')).to_have_attribute(
        "href", re.compile(r"^/dashboard/acme/members\?joined_from=\d{4}-\d{2}-\d{2}$"))
    page.locator('.staff-nav a[data-nav="members"]').click()
    expect(page.locator("h1")).to_have_text("Members")
    no_sideways_scroll(page)

    # Filter by type, then search: the newcomer is one learner among the demo's.
    types = page.locator("#members tbody tr td:nth-child(3)")
    toolbar(page, "members", lambda: page.locator("#members-type").select_option("learner"), js)
    expect(page).to_have_url(re.compile(r"[?&]type=learner"))
    expect(types.first).to_have_text("Learner")
    expect(types.filter(has_not_text="Learner")).to_have_count(0)
    search(page, "members", newcomers["member"], js)
    rows = page.locator("#members tbody tr")
    expect(rows).to_have_count(1)
    no_sideways_scroll(page)

    # The member's page; change the type.
    rows.first.locator("a", has_text=newcomers["member"]).click()
    expect(page.locator("h1")).to_have_text(newcomers["member"])
    expect(page.locator(".member-profile")).to_have_attribute("data-type", "learner")
    no_sideways_scroll(page)
    page.locator("#membership_type").select_option("customer")
    page.locator(".member-actions button", has_text="Change type").click()
    expect(page.locator(".flash-success")).to_contain_text("The member type is now “Customer”.")
    expect(page.locator(".member-profile")).to_have_attribute("data-type", "customer")
    no_sideways_scroll(page)

    # Employees: find the new creator and make them a manager.
    page.locator('.staff-nav a[data-nav="employees"]').click()
    expect(page.locator("h1")).to_have_text("Employees")
    no_sideways_scroll(page)
    search(page, "employees", newcomers["creator"], js)
    row = page.locator("#employees tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_have_attribute("data-role", "creator")
    row.first.locator("a", has_text=newcomers["creator"]).click()
    expect(page.locator("h1")).to_have_text(newcomers["creator"])
    no_sideways_scroll(page)
    page.locator("#role").select_option("manager")
    page.locator(".member-actions button", has_text="Change role").click()
    expect(page.locator(".flash-success")).to_contain_text("The role is now “Manager”.")
    expect(page.locator("[data-employee][data-role]").first).to_have_attribute("data-role", "manager")
    no_sideways_scroll(page)

    # Removing asks first (the confirmation is a page of its own); cancel keeps them.
    page.locator(".member-actions button", has_text="Remove from the organization").click()
    expect(page.locator("h1")).to_have_text(f"Remove {newcomers['creator']}?")
    no_sideways_scroll(page)
    page.locator("a", has_text="Cancel").click()
    expect(page.locator("[data-employee][data-status]").first).to_have_attribute("data-status", "active")
    assert errors == []
