"""Accounts in a real browser: register, confirm by email, language preferences (htmx), log out,
reset a forgotten password, log in again. Emails are read from the development outbox page.

Selectors avoid English UI text once the user has chosen German (the pages follow the user's
default language): forms are found by their action, fields by their ids.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "violet kettle 42 harbour"
NEW_PASSWORD = "amber lantern 17 meadow"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # An English-speaking visitor: the UI language only changes when the user chooses German.
    return {**browser_context_args, "locale": "en-US", "extra_http_headers": {"Accept-Language": "en-US,en;q=0.9"}}


def unique_email() -> str:
    return f"browser-{uuid.uuid4().hex[:12]}@example.com"


def submit(page: Page, action_part: str) -> None:
    """Click the submit button of the form whose action contains ``action_part``."""
    page.locator(f'form[action*="{action_part}"] button[type="submit"]').first.click()


def register(page: Page, email: str, password: str = PASSWORD, name: str = "Browser Tester") -> None:
    """Sign up: the answer is the login page, whether or not the address had an account."""
    page.goto("/account/register")
    page.locator("#display_name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#confirm").fill(password)
    submit(page, "/account/register")
    expect(page).to_have_url(re.compile(r"/account/login$"))


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    submit(page, "/account/login")


def log_out(page: Page) -> None:
    submit(page, "/account/logout")
    expect(page.locator('form[action$="/account/logout"]')).to_have_count(0)
    expect(page.locator('a[href^="/account/login"]').first).to_be_visible()


def open_outbox_link(page: Page, email: str, path_part: str) -> None:
    """Open the newest outbox email to ``email`` and follow its link containing ``path_part``."""
    page.goto("/dev/outbox")
    message = page.locator("article.outbox-message").filter(
        has=page.locator(".to", has_text=re.compile(f"^{re.escape(email)}$"))
    ).filter(has=page.locator(f'a.outbox-link[href*="{path_part}"]')).first
    expect(message).to_be_visible()
    message.locator(f'a.outbox-link[href*="{path_part}"]').first.click()


def test_register_confirm_languages_reset_password_and_log_in_again(page: Page, ui_text):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    email = unique_email()

    # Register: the login page says an email went out; logged in, the email is not confirmed yet.
    register(page, email)
    expect(page.locator("#flashes .flash-success")).to_contain_text(email)
    log_in(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.locator('[data-verified="no"]')).to_be_visible()

    # The confirmation link from the outbox confirms the account.
    open_outbox_link(page, email, "/account/verify/")
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.locator('[data-verified="yes"]')).to_be_visible()
    expect(page.locator('[data-verified="no"]')).to_have_count(0)

    # Language preferences: German as default, through the htmx form, swapped in place.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.evaluate("() => { window.__noReload = 'still here'; }")
    locales = page.locator("#locales")
    form = locales.locator('form[action$="/account/locales"]')
    form.locator("#locale_key").select_option("de")
    form.locator("#proficiency").select_option("fluent")
    form.locator("#is_default").check()
    with page.expect_response(lambda r: r.url.endswith("/account/locales") and r.request.method == "POST") as info:
        form.locator('button[type="submit"]').click()
    assert info.value.status == 200
    assert info.value.request.headers.get("hx-request") == "true"
    german_row = locales.locator('tr[data-locale="de"]')
    expect(german_row).to_be_visible()
    expect(german_row.locator(".badge")).to_be_visible()  # the default badge
    assert page.evaluate("() => window.__noReload") == "still here"  # no full page load
    expect(page).to_have_url(re.compile(r"/account/$"))
    # Only the region was swapped: one profile heading, one locales section.
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("#locales")).to_have_count(1)

    # After a reload the whole UI follows the saved default language.
    page.reload()
    assert page.evaluate("() => window.__noReload") is None
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text(ui_text("de", "My account"))
    expect(page.locator("#locales h2")).to_have_text(ui_text("de", "Languages"))
    expect(page.locator('#locales tr[data-locale="de"] .badge')).to_have_text(ui_text("de", "default"))
    expect(page.locator('form[action$="/account/logout"] button')).to_have_text(ui_text("de", "Log out"))

    # Log out; the reset flow runs as an anonymous English visitor.
    log_out(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/account/login")
    page.locator('a[href$="/account/forgot"]').click()
    expect(page).to_have_url(re.compile(r"/account/forgot$"))
    page.locator("#email").fill(email)
    submit(page, "/account/forgot")
    expect(page).to_have_url(re.compile(r"/account/login$"))
    expect(page.locator("#flashes .flash-success")).to_contain_text(email)

    open_outbox_link(page, email, "/account/reset/")
    expect(page).to_have_url(re.compile(r"/account/reset/[^/]+$"))
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    submit(page, "/account/reset/")
    expect(page).to_have_url(re.compile(r"/account/login$"))
    expect(page.locator("#flashes .flash-success")).to_be_visible()

    # The old password no longer works; the new one does.
    log_in(page, email, PASSWORD)
    expect(page.locator(".form-errors")).to_be_visible()
    log_in(page, email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.locator('[data-verified="yes"]')).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")  # the preference was kept
    expect(page.locator("h1")).to_have_text(ui_text("de", "My account"))

    # Log out and back in once more.
    log_out(page)
    log_in(page, email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.locator("body")).to_contain_text(email)
    assert errors == []


def test_used_reset_link_is_refused(page: Page):
    email = unique_email()
    register(page, email)
    page.goto("/account/forgot")
    page.locator("#email").fill(email)
    submit(page, "/account/forgot")
    expect(page).to_have_url(re.compile(r"/account/login$"))
    open_outbox_link(page, email, "/account/reset/")
    reset_url = page.url
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    submit(page, "/account/reset/")
    expect(page).to_have_url(re.compile(r"/account/login$"))
    response = page.goto(reset_url)
    assert response is not None and response.status == 400
    expect(page.locator(".token-error")).to_be_visible()


def test_wrong_password_shows_the_form_error(page: Page):
    email = unique_email()
    register(page, email)
    with page.expect_response(lambda r: r.url.endswith("/account/login") and r.request.method == "POST") as info:
        log_in(page, email, "not the right password 99")
    assert info.value.status == 422
    errors = page.locator(".form-errors[role=alert]")
    expect(errors).to_have_text("The email or password is not correct.")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator('form[action$="/account/logout"]')).to_have_count(0)


def test_unknown_email_shows_the_same_form_error(page: Page):
    with page.expect_response(lambda r: r.url.endswith("/account/login") and r.request.method == "POST") as info:
        log_in(page, unique_email(), PASSWORD)
    assert info.value.status == 422
    expect(page.locator(".form-errors")).to_have_text("The email or password is not correct.")
