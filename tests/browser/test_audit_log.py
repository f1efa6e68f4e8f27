"""The audit log in a real browser, on the demo data (built through the services, so every change
of the demo is in Acme's log): the admin opens it from the navigation, narrows it by action and a
search, opens an entry with its values before and after, at 1280 and 390 px, with and without
JavaScript; a manager gets 403. Every page visited here also goes through the Nu checker and axe
(test_quality_gates.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


@pytest.mark.parametrize("width, js", [(1280, True), (390, False)])
def test_the_admin_reads_the_audit_log(demo, new_context, width, js):
    page = new_context(viewport={"width": width, "height": 900}, java_script_enabled=js, locale="en-US").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="audit"]').click()
    expect(page.locator("h1")).to_have_text("Audit log")
    expect(page.locator('.staff-nav a[aria-current="page"]')).to_have_attribute("data-nav", "audit")
    rows = page.locator("#audit tr[data-entry]")
    expect(rows.first).to_be_visible()

    # Only the archived product's entries: the action filter, then a search within them.
    page.locator("#audit-action").select_option("product.archived")
    if not js:
        page.locator("#audit .table-apply button").click()
    expect(page).to_have_url(re.compile(r"action=product\.archived"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-action", "product.archived")
    page.locator("#audit-q").fill("status")
    if not js:
        page.locator("#audit .table-apply button").click()
    expect(page).to_have_url(re.compile(r"q=status"))
    expect(rows).to_have_count(1)
    for selector in (".staff-main", "#audit .table-toolbar", "h1"):
        fits(page, width, selector)

    # The entry: who, the entity, and the status before and after.
    rows.first.locator("a").click()
    expect(page.locator("h1")).to_have_text("product.archived")
    expect(page.locator(".audit-facts")).to_contain_text("Margaret Hamilton (admin@acme.test)")
    change = page.locator('.audit-changes tr[data-field="status"]')
    expect(change.locator("td").nth(0)).to_have_text("published")
    expect(change.locator("td").nth(1)).to_have_text("archived")
    fits(page, width, ".staff-main")
    assert errors == []


def test_a_manager_may_not_read_it(demo, new_context):
    page = new_context(locale="en-US").new_page()
    log_in(page, "manager@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/dashboard/acme/")
    expect(page.locator('.staff-nav a[data-nav="audit"]')).to_have_count(0)
    response = page.goto("/dashboard/acme/audit")
    assert response is not None and response.status == 403
