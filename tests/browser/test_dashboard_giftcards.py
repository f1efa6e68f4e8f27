"""Gift cards and promotions in the dashboard, in a real browser at 1280 and 390 px: staff issue
three cards from the navigation, see the codes once and download them as CSV, find one card in the
list by its last four characters, open it, disable and re-enable it; a manager creates a discount
code. Every page visited here also goes through the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in

DASH = "/dashboard/acme"


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_issue_cards_download_the_codes_and_find_a_card(demo, new_context, width):
    password = demo.config["DEMO_PASSWORD"]
    context = new_context(viewport={"width": width, "height": 900}, locale="en-US", accept_downloads=True,
                          extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    log_in(page, "staff@acme.test", password)
    page.goto(f"{DASH}/")
    page.locator('.staff-nav a[data-nav="giftcards"]').click()
    expect(page.locator("h1")).to_have_text("Gift cards")
    expect(page.locator(".giftcard-outstanding")).to_be_visible()
    page.get_by_role("link", name="Issue gift cards").click()

    form = page.locator("form.giftcard-issue")
    fits(page, width, "form.giftcard-issue")
    form.get_by_label("Number of cards").fill("3")
    form.get_by_label("Amount per card").fill("15")
    form.get_by_label("Valid until (optional)").fill((date.today() + timedelta(days=90)).isoformat())
    form.get_by_label("Note (optional, for your team)").fill(f"Browser test {width}")
    form.get_by_role("button", name="Issue").click()

    expect(page.locator("h1")).to_have_text("3 gift cards issued")
    codes = page.locator("[data-code]").all_inner_texts()
    assert len(codes) == 3 and len(set(codes)) == 3
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", c) for c in codes)
    fits(page, width, ".giftcard-codes")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the codes (CSV)").click()
    content = open(info.value.path(), encoding="utf-8").read()
    assert all(code in content for code in codes) and content.startswith("Code,Amount,Currency")

    # Shown once: a reload shows no code.
    page.reload()
    expect(page.locator("[data-code]")).to_have_count(0)

    # The list finds a card by its last four characters; its page shows only those.
    code = codes[0]
    page.goto(f"{DASH}/giftcards")
    page.locator("#giftcards-q").fill(code[-4:].lower())
    expect(page).to_have_url(re.compile(r"[?&]q="))
    rows = page.locator("#giftcards tbody tr")
    expect(rows.first).to_contain_text(code[-4:])
    expect(page.locator("main")).not_to_contain_text(code)
    fits(page, width, ".table-toolbar")
    rows.first.locator("a").first.click()
    expect(page.locator("h1")).to_have_text(f"Gift card …{code[-4:]}")
    expect(page.locator("[data-balance]")).to_have_text("€15.00")
    page.get_by_role("button", name="Disable").click()
    expect(page.locator("section.giftcard")).to_have_attribute("data-status", "disabled")
    page.get_by_role("button", name="Enable again").click()
    expect(page.locator("section.giftcard")).to_have_attribute("data-status", "active")
    fits(page, width, ".staff-main")


def test_a_manager_creates_a_discount_code(demo, new_context):
    password = demo.config["DEMO_PASSWORD"]
    page = new_context(viewport={"width": 390, "height": 900}, locale="en-US",
                       extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    log_in(page, "manager@acme.test", password)
    page.goto(f"{DASH}/")
    page.locator('.staff-nav a[data-nav="promotions"]').click()
    expect(page.locator("h1")).to_have_text("Promotions")
    page.get_by_role("link", name="New discount code").click()
    form = page.locator("form.promotion-form")
    form.get_by_label("Code").fill("browser-15")
    form.get_by_label("Name (for your team)").fill("Browser test")
    form.get_by_label("Discount (percent or amount)").fill("150")
    form.get_by_role("button", name="Create the code").click()
    expect(page.locator("#value-error")).to_contain_text("more than 100%")
    page.locator("form.promotion-form").get_by_label("Discount (percent or amount)").fill("15")
    page.locator("form.promotion-form").get_by_label("Uses per member (optional)").fill("1")
    page.locator("form.promotion-form").get_by_role("button", name="Create the code").click()
    expect(page.locator('tr[data-promotion="BROWSER-15"]')).to_be_visible()
    fits(page, 390, ".staff-main")
