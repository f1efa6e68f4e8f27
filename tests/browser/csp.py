"""Every browser test fails on a Content-Security-Policy violation (issue 9, point 10).

The live app sends its real CSP (no ``'unsafe-inline'``). Each browser context the session opens
(pytest-playwright's ``new_context``/``context``/``page`` and the tests' own helpers all go through
``browser.new_context``) gets two listeners: Chromium's console messages ("Refused to ... because
it violates the following Content Security Policy directive") and the page's
``securitypolicyviolation`` events, reported by an init script. ``tests/browser/conftest.py``
imports the fixtures below.
"""

from __future__ import annotations

import functools

import pytest

MARKER = "csp-violation:"
# Runs in every page and frame before the page's own scripts.
REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("MARKER " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " in " + e.documentURI + (e.sample ? " (" + e.sample + ")" : ""));
});
""".replace("MARKER", MARKER)


def is_csp_violation(text: str) -> bool:
    return text.startswith(MARKER) or "Content Security Policy" in text


@pytest.fixture(scope="session")
def csp_violations(browser) -> list[str]:
    """Violations seen since the current test started (``csp_guard`` empties it per test)."""
    seen: list[str] = []
    original = browser.new_context

    def record(message) -> None:
        if message.type in ("error", "warning") and is_csp_violation(message.text):
            seen.append(f"{message.text} [{message.location.get('url', '')}]")

    @functools.wraps(original)
    def new_context(*args, **kwargs):
        context = original(*args, **kwargs)
        context.add_init_script(REPORTER)
        context.on("console", record)
        return context

    browser.new_context = new_context
    yield seen
    browser.new_context = original


@pytest.fixture(autouse=True)
def csp_guard(csp_violations):
    csp_violations.clear()
    yield
    if csp_violations:
        found = "\n".join(dict.fromkeys(csp_violations))
        csp_violations.clear()
        pytest.fail(f"Content-Security-Policy violations in the browser:\n{found}", pytrace=False)
