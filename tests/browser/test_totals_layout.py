"""Totals in the cart, the checkout summary and the receipt read as two columns: every label on the
line of its amount, the amounts right-aligned under each other; and the tax rate is named once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import register

STORE = "/acme/eu/de"
COURSE = f"{STORE}/products/python-for-data-analysis"

# For each <dl class="totals"> on the page: [label top - amount top, amount right edge] per row.
ROWS_JS = """
() => [...document.querySelectorAll('dl.totals')].map(dl => [...dl.querySelectorAll(':scope > dt')].map(dt => {
  const dd = dt.nextElementSibling, a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
  return [Math.abs(a.top - b.top), Math.round(b.right), dt.textContent.trim()];
}))
"""


def assert_two_columns(page) -> None:
    lists = page.evaluate(ROWS_JS)
    assert lists, "no totals on the page"
    for rows in lists:
        assert len(rows) >= 2
        for offset, _right, label in rows:
            assert offset < 3, f"{label!r} is not on the line of its amount"
        rights = {right for _offset, right, _label in rows}
        assert max(rights) - min(rights) <= 1, f"amounts are not right-aligned: {rows}"


def test_totals_line_up_and_the_rate_is_named_once(demo, new_context):
    context = new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page = context.new_page()
    register(page, "Tabea Tabelle")
    page.goto(COURSE)
    page.locator('.offer[data-tier="1"][data-plan-type="one_time"] button[type="submit"]').first.click()
    expect(page.locator("#cart-badge")).to_contain_text("1")

    page.goto(f"{STORE}/cart")
    assert_two_columns(page)

    page.goto(f"{STORE}/checkout")
    summary = page.locator("#checkout-summary")
    expect(summary.locator(".tax-total")).to_be_visible()
    assert_two_columns(page)
    text = summary.inner_text()
    assert len(re.findall(r"19\s?%", text)) == 1, text  # "Umsatzsteuer 19 %", not "Umsatzsteuer 19 % 19%"

    summary.locator("button.place-order").click()
    expect(page).to_have_url(re.compile(r"/orders/ACME-\d{6}/pay$"))
    page.locator('button[name="outcome"][value="pay"]').click()
    expect(page.locator("#order-status [data-status]")).to_have_attribute("data-status", "fulfilled")
    page.wait_for_load_state("load")  # the stylesheet too: the DOM can be there before it (failed once in CI)
    assert_two_columns(page)
