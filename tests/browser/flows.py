"""Steps several browser tests share: signing up a new user, logging in, and buying a plan with
the manual provider."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

PASSWORD = "copper kettle 42 harbour"


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form and land on the account page."""
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator('form[action*="/account/login"] button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/account/$"))


def register(page, name: str) -> str:
    """Sign up a new user with a unique email and log in (signing up does not log in: it answers
    the same whether or not the address has an account). Returns the email."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    page.goto("/account/register")
    page.locator("#display_name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator('form[action*="/account/register"] button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/account/login"))
    log_in(page, email)
    return email


def buy_basic(page, store: str, course: str) -> None:
    """Buy the tier-1 one-time plan of ``course`` in ``store`` (e.g. /acme/eu/de) and pay on the
    manual provider's test page."""
    page.goto(f"{store}/products/{course}")
    page.locator('.offer[data-tier="1"][data-plan-type="one_time"] button[type="submit"]').first.click()
    expect(page.locator("#cart-badge")).to_contain_text("1")
    page.goto(f"{store}/checkout")
    page.locator("button.place-order").click()
    expect(page).to_have_url(re.compile(r"/orders/ACME-\d{6}/pay$"))
    page.locator('button[name="outcome"][value="pay"]').click()
    expect(page.locator("#order-status [data-status]")).to_have_attribute("data-status", "fulfilled")
