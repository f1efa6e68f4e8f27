"""Orders in the dashboard, in a real browser at 1280 and 390 px: a new customer buys the showcase
course; staff find the order in the list and open it read only (no action forms, a refund post is
refused with 403); a manager finds it, refunds the course item with a reason, and the customer's
"My learning" then says the course is no longer accessible. Every page visited here also goes
through the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import buy_basic, log_in, register

COURSE = "python-for-data-analysis"
STORE = "/acme/eu/en"


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


def open_order(page: Page, email: str, number: str, width: int) -> None:
    """From the navigation to the orders list, search the customer's email, open the order."""
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="orders"]').click()
    expect(page.locator("h1")).to_have_text("Orders")
    page.locator("#orders-q").fill(email)
    # Enter submits the search whether htmx has bound its "input" trigger yet or not (a fill that
    # lands before htmx has processed the fresh page would otherwise change nothing)
    page.locator("#orders-q").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    rows = page.locator("#orders tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-order", number)
    for selector in (".table-toolbar", ".table-scroll"):
        fits(page, width, selector)
    rows.first.locator("a", has_text=number).click()
    expect(page.locator("h1")).to_have_text(f"Order {number}")
    fits(page, width, ".staff-main")


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_read_only_then_a_manager_refunds_the_course(demo, new_context, width):
    password = demo.config["DEMO_PASSWORD"]

    def context():
        return new_context(viewport={"width": width, "height": 900}, locale="en-US",
                           extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})

    customer = context().new_page()
    email = register(customer, "Rita Refund")
    buy_basic(customer, STORE, COURSE)
    number = re.search(r"ACME-\d{6}", customer.url).group(0)
    customer.goto(f"{STORE}/learn/")
    expect(customer.locator("main")).to_contain_text("Python for Data Analysis")
    expect(customer.locator("main")).not_to_contain_text("No access")

    # Staff: the order read only; a refund posted anyway is refused.
    staff = context().new_page()
    log_in(staff, "staff@acme.test", password)
    open_order(staff, email, number, width)
    expect(staff.locator(".read-only-note")).to_be_visible()
    expect(staff.locator(".refund-panel")).to_have_count(0)
    expect(staff.locator("form.item-action")).to_have_count(0)
    token = staff.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = staff.context.request.post(staff.url + "/refund",
                                         form={"csrf_token": token, "kind": "order", "reason": "Staff try"})
    assert refused.status == 403

    # A manager refunds the course item with a reason.
    manager = context().new_page()
    log_in(manager, "manager@acme.test", password)
    open_order(manager, email, number, width)
    panel = manager.locator(".refund-panel")
    fits(manager, width, ".refund-panel")
    panel.locator('input[name="kind"][value="items"]').check()
    item = manager.locator("tr[data-item]").first
    item_id = item.get_attribute("data-item")
    panel.locator(f'input[name="items"][value="{item_id}"]').check()
    panel.locator("textarea[name=reason]").fill("Bought the wrong course")
    panel.locator("button[type=submit]").click()
    expect(manager.locator(".flash-success")).to_contain_text("The refund was recorded")
    expect(manager.locator(f'tr[data-item="{item_id}"]')).to_have_attribute("data-item-status", "refunded")
    expect(manager.locator(".refunds")).to_contain_text("Bought the wrong course")
    expect(manager.locator(".order-head")).to_have_attribute("data-status", "refunded")

    # The customer lost the course.
    customer.goto(f"{STORE}/learn/")
    expect(customer.locator("main")).to_contain_text("No access")


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_sees_the_orgs_emails(demo, new_context, width):
    page = new_context(viewport={"width": width, "height": 900}, locale="en-US",
                       extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="emails"]').click()
    expect(page.locator("h1")).to_have_text("Emails")
    expect(page.locator('.staff-nav a[aria-current="page"]')).to_have_attribute("data-nav", "emails")
    fits(page, width, ".staff-main")
    page.goto("/dashboard/acme/emails?status=failed")
    expect(page.locator("#emails")).to_be_visible()
