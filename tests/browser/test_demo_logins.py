"""Every demo login that `make run` prints (`flask seed info`, app.demo.demo_summary) signs in and
buys in a storefront, through to the paid order page: the Acme people in the EU store with the
README's discount code, Globex's admin in the Globex store (whose market sells to its countries)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import demo_summary
from tests.browser.flows import log_in

DEMO_LOGINS = demo_summary("http://127.0.0.1:5000")[1]


@pytest.mark.parametrize("role, email", DEMO_LOGINS, ids=[email for _role, email in DEMO_LOGINS])
def test_every_demo_login_signs_in_and_completes_a_purchase(demo, new_context, role, email):
    context = new_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, email, demo.config["DEMO_PASSWORD"])
    expect(page.locator("body")).to_contain_text(email)

    if email.endswith("@globex.test"):
        store, course, code = "/globex/global/en", "introduction-to-cryptography", None
    else:
        store, course, code = "/acme/eu/en", "python-for-data-analysis", "WELCOME10"
    page.goto(f"{store}/products/{course}")
    page.locator('.offer[data-tier="1"][data-plan-type="one_time"] button[type="submit"]').first.click()
    expect(page.locator("#cart-badge")).to_contain_text("1")

    page.goto(f"{store}/checkout")
    expect(page.locator("#billing_email")).to_have_value(email)  # the account's reserved .test address
    if code:
        page.locator("#discount_code").fill(code)
        page.locator('button[name="action"][value="apply"]').click()
        expect(page.locator("#checkout-summary .discount")).to_be_visible()
    page.locator("button.place-order").click()
    expect(page).to_have_url(re.compile(r"/orders/[A-Z]+-\d{6}/pay$"))
    page.locator('button[name="outcome"][value="pay"]').click()
    expect(page.locator("#order-status [data-status]")).to_have_attribute("data-status", "fulfilled")
    expect(page).to_have_url(re.compile(rf"{store}/account/orders/[A-Z]+-\d{{6}}$"))
    expect(page.locator(".order-total")).to_be_visible()
    assert errors == []
