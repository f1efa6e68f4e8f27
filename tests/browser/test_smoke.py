"""Smoke tests of the browser harness: Chromium reaches the live server and runs htmx."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_home_page_loads_with_htmx_and_csrf_token(page: Page, live_server: str):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto("/")
    assert response is not None and response.status == 200
    assert page.url.startswith(live_server)
    expect(page).to_have_title("Volmify storefronts")
    # htmx 2 is served from static/ and has run.
    assert page.evaluate("() => window.htmx && window.htmx.version").startswith("2.")
    # Nothing on the home page posts: no token, no session cookie for a visitor who only looks.
    expect(page.locator('meta[name="csrf-token"]')).to_have_count(0)
    assert [c["name"] for c in page.context.cookies()] == []
    # The live app has CSRF switched on, so a page with a form carries a token, in the head too.
    page.goto("/account/login")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token and page.locator('input[name="csrf_token"]').get_attribute("value") == token
    assert errors == []


def test_ping_through_the_browser(page: Page):
    page.goto("/ping")
    expect(page.locator("body")).to_have_text("ok")
