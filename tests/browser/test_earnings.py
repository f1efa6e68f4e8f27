"""Creator earnings in a real browser (issue 14's acceptance): after the demo's sales,
creator@acme.test sees their earnings with a chart and a line's calculation; an admin records a
payout to them that then appears as paid on the creator's own page. At 1280 and 390 px; every page
visited also goes through the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import log_in

DASH = "/dashboard/acme"


def _figure(page, currency: str, name: str) -> str:
    return page.locator(f'.earnings-card[data-currency="{currency}"] [data-figure="{name}"]').inner_text()


def _amount(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


@pytest.mark.parametrize("width", [1280, 390])
def test_a_creator_sees_earnings_and_an_admin_records_a_payout_that_shows_as_paid(demo, new_context, width):
    password = demo.config["DEMO_PASSWORD"]
    options = {"viewport": {"width": width, "height": 900}, "locale": "en-US",
               "extra_http_headers": {"Accept-Language": "en-US,en;q=0.9"}}

    creator = new_context(**options).new_page()
    log_in(creator, "creator@acme.test", password)
    creator.goto(f"{DASH}/")
    creator.locator('.staff-nav a[data-nav="earnings"]').click()
    expect(creator.locator("h1")).to_have_text("Your earnings")
    expect(creator.locator("svg.chart").first).to_be_visible()
    paid_before = _amount(_figure(creator, "USD", "paid"))
    pending_before = _amount(_figure(creator, "USD", "pending"))
    assert pending_before > 1
    # a line's calculation: gross -> tax -> fees -> net -> share
    creator.locator("#earnings-lines-results td.num a").first.click()
    expect(creator.locator("h1")).to_contain_text("order")
    for figure in ("gross", "tax", "platform", "processing", "net", "share"):
        expect(creator.locator(f'[data-figure="{figure}"]')).to_be_visible()

    admin = new_context(**options).new_page()
    log_in(admin, "admin@acme.test", password)
    admin.goto(f"{DASH}/earnings")
    admin.locator("#earnings-person").select_option(label="Grace Hopper")
    admin.locator("form.earnings-person").get_by_role("button", name="Show").click()
    expect(admin.locator("h1")).to_have_text("Earnings of Grace Hopper")
    form = admin.locator("form.payout-form")
    form.get_by_label("Currency").select_option("USD")
    form.get_by_label("Amount").fill("1.00")
    form.get_by_label("Method").select_option("bank_transfer")
    reference = f"BROWSER-{width}"
    form.get_by_label("Reference (optional)").fill(reference)
    form.get_by_role("button", name="Record the payout").click()
    expect(admin.locator(".flash-success")).to_contain_text("Payout recorded.")

    creator.goto(f"{DASH}/earnings")
    expect(creator.locator(f'tr[data-status="paid"]:has-text("{reference}")')).to_be_visible()
    assert _amount(_figure(creator, "USD", "paid")) == pytest.approx(paid_before + 1.00)
    assert _amount(_figure(creator, "USD", "pending")) == pytest.approx(pending_before - 1.00)


def test_an_admin_reads_the_reports_and_a_products_shares(demo, new_context):
    password = demo.config["DEMO_PASSWORD"]
    page = new_context(viewport={"width": 1280, "height": 900}, locale="en-US",
                       extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    log_in(page, "admin@acme.test", password)
    page.goto(f"{DASH}/")
    page.locator('.staff-nav a[data-nav="reports"]').click()
    expect(page.locator("h1")).to_have_text("Reports")
    expect(page.locator('table[data-report="trial"]')).to_be_visible()
    expect(page.locator('table[data-report="tax"]')).to_be_visible()
    page.goto(f"{DASH}/products?q=python")
    page.locator("#products-results a").filter(has_text="Python for Data Analysis").first.click()
    page.get_by_role("link", name="Creators and shares").click()
    expect(page.locator('tr[data-state="current"]').first).to_be_visible()
    expect(page.locator('[data-figure="remaining"]')).to_contain_text("Still available from now on")
