"""The Content-Security-Policy in a real browser: inline code is blocked, the brand colour (nonce)
applies, and the session-wide guard (tests/browser/csp.py) sees violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.csp import is_csp_violation

INJECT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.inlineScriptRan = true";
  document.head.appendChild(script);
  document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
}"""


def test_inline_script_and_style_are_blocked_and_reported(page: Page, csp_violations):
    page.goto("/account/login")
    with page.expect_console_message(lambda m: is_csp_violation(m.text) and "style-src" in m.text):
        page.evaluate(INJECT)
    assert page.evaluate("() => window.inlineScriptRan") is None
    assert page.locator("#styled").evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    seen = list(csp_violations)
    csp_violations.clear()  # expected here; any other test fails on them
    assert any("script-src" in v for v in seen), seen
    assert any("style-src" in v for v in seen), seen


@pytest.mark.usefixtures("demo")
def test_brand_colour_applies_through_the_nonce(page: Page):
    page.goto("/acme/eu/en/")  # the demo's EU market wears the Acme Europe brand
    expect(page.locator(".store-name")).to_be_visible()
    brand = page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
    assert brand == "#0f766e"  # not app.css's default #4f46e5
