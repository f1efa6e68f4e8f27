"""A purchase in a real browser: a new user in /acme/eu/de/ buys the Premium plan of a course with a
discount code and a gift card covering part of it, pays with the manual provider, and sees the order
with German VAT (19 %) extracted from the gross price."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.flows import log_in

PASSWORD = "violet kettle 42 harbour"
COURSE = "/acme/eu/de/products/python-for-data-analysis"


def test_buy_premium_with_discount_and_gift_card_manual_payment(demo, new_context):
    context = new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page = context.new_page()
    page.goto("/account/register")
    page.locator("#display_name").fill("Käthe Käuferin")
    email = f"buyer-{uuid.uuid4().hex[:10]}@example.com"
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator('form[action*="/account/register"] button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/account/login"))
    log_in(page, email, PASSWORD)

    page.goto(COURSE)
    premium = page.locator(".offer", has=page.locator("h3", has_text="Premium"))
    premium.locator('button[type="submit"]').click()
    expect(page.locator(".cart-badge, #cart-badge").first).to_contain_text("1")

    page.goto("/acme/eu/de/checkout")
    expect(page.locator("#billing_country")).to_have_value("DE")  # the country that speaks German
    page.locator("#discount_code").fill("WELCOME10")
    page.locator("#gift_card_codes").fill("ACME-GIFT-EU50")
    page.locator('button[name="action"][value="apply"]').click()
    summary = page.locator("#checkout-summary")
    expect(summary.locator(".discount")).to_contain_text("9,90")
    expect(summary.locator(".total")).to_contain_text("89,10")
    expect(summary.locator(".tax-total")).to_contain_text("14,23")
    expect(summary.locator(".amount-due")).to_contain_text("39,10")

    summary.locator("button.place-order").click()
    expect(page).to_have_url(re.compile(r"/orders/ACME-\d{6}/pay$"))
    page.locator('button[name="outcome"][value="pay"]').click()
    expect(page.locator("#order-status [data-status]")).to_have_attribute("data-status", "fulfilled")
    expect(page.locator(".order-tax")).to_contain_text("14,23")
    expect(page.locator(".line-tax").first).to_contain_text("19")
    expect(page.locator(".order-total")).to_contain_text("89,10")

    # The course opens at tier 2: Premium lessons are open, VIP (tier 3) lessons stay locked.
    page.goto("/acme/eu/de/learn/python-for-data-analysis/")
    lessons = page.locator("#learn-sidebar .syllabus-lesson")
    expect(lessons.first).to_be_visible()
    expect(page.locator('#learn-sidebar .syllabus-lesson[data-tier="2"][data-locked="false"]').first).to_be_attached()
    expect(page.locator('#learn-sidebar .syllabus-lesson[data-tier="2"][data-locked="true"]')).to_have_count(0)
    expect(page.locator('#learn-sidebar .syllabus-lesson[data-tier="3"][data-locked="true"]').first).to_be_attached()
    tier2 = page.locator('#learn-sidebar .syllabus-lesson[data-tier="2"] a').first
    tier2.click()
    expect(page.locator("#lesson-region")).to_have_attribute("data-locked", "false")
    expect(page.locator("#lesson-region .upgrade-offers")).to_have_count(0)
