"""Issue 16's acceptance for the store's own sign-in: a visitor of /acme/eu/fr/ clicks "sign in"
on a product page, stays on the French EU-branded page, signs in and is back on the product page.
And a new buyer creates the account inside the checkout, without a detour."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

STORE = "/acme/eu/fr"
PRODUCT = f"{STORE}/products/python-for-data-analysis"


def test_signing_in_from_a_french_product_page_stays_in_the_store_and_returns(demo, new_context):
    page = new_context(locale="fr-FR").new_page()
    page.goto(PRODUCT)
    store_name = page.locator(".site-header .store-name").inner_text()
    page.locator(".site-header nav a", has_text="Se connecter").click()
    expect(page).to_have_url(re.compile(rf"{STORE}/sign-in\?next="))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".site-header .store-name")).to_have_text(store_name)  # the store's brand, not Volmify's
    page.locator("#email").fill("learner@acme.test")
    page.locator("#password").fill(demo.config["DEMO_PASSWORD"])
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(PRODUCT)}$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_a_new_buyer_creates_the_account_inside_the_checkout(demo, new_context):
    page = new_context(locale="fr-FR").new_page()
    page.goto(PRODUCT)
    page.locator('.offer[data-tier="1"][data-plan-type="one_time"] button[type="submit"]').first.click()
    expect(page.locator("#cart-badge")).to_contain_text("1")
    page.goto(f"{STORE}/checkout")
    expect(page.locator("#checkout-sign-up")).to_be_visible()
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    page.locator("#new-display_name").fill("Noémie Nouvelle")
    page.locator("#new-email").fill(email)
    page.locator("#new-password").fill("une phrase assez longue")
    page.locator("#checkout-sign-up button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{STORE}/checkout$"))
    expect(page.locator("#billing_email")).to_have_value(email)
    expect(page.locator("#checkout-summary")).to_contain_text("Python")  # the cart came along


def test_a_french_visitor_finds_the_account_and_orders_inside_the_store_on_a_phone(demo, new_context):
    """/acme/eu/fr/ → sign in → "Mon compte" → "Mes commandes": French, the EU brand, at 390 px
    without sideways scrolling (the quality gates check these pages too)."""
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                       locale="fr-FR").new_page()
    page.goto(f"{STORE}/")
    store_name = page.locator(".site-header .store-name").inner_text()
    page.locator(".nav-toggle").click()
    page.locator(".site-header nav a", has_text="Se connecter").click()
    page.locator("#email").fill("customer@acme.test")
    page.locator("#password").fill(demo.config["DEMO_PASSWORD"])
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{STORE}/$"))
    page.locator(".nav-toggle").click()
    page.locator(".site-header nav a", has_text="Mon compte").click()
    expect(page).to_have_url(re.compile(rf"{STORE}/account/$"))
    for _step in ("account", "orders"):
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.locator(".site-header .store-name")).to_have_text(store_name)
        page.wait_for_load_state("load")  # the stylesheet too
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        if _step == "account":
            page.locator("main .subnav a", has_text="Mes commandes").click()
            expect(page).to_have_url(re.compile(rf"{STORE}/account/orders/$"))
    expect(page.locator("main tr[data-order]").first).to_be_visible()
