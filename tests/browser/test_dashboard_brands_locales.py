"""Brands and locales in the dashboard, in a real browser at 1280 and 390 px (issue 13 points 1
and 2): the demo admin adds Italian to the org's locales, is told German cannot be removed while
markets use it, creates a brand whose yellow colour is refused (the message names its contrast
ratio), then saves it with a dark colour and a tagline and sees it on the list; the Europe
storefront shows its brand's name, tagline and title. Every page visited also goes through the Nu
checker and axe (test_quality_gates.py).

The live database is shared by the browser tests: the test removes Italian again at the end (through
the page), so the other tests see the demo's locales; the new brand is used by no market."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in

DASHBOARD = "/dashboard/acme"


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


@pytest.mark.parametrize("width", [1280, 390])
def test_an_admin_adds_a_locale_and_creates_a_brand_with_colour_and_tagline(demo, new_context, width):
    page = new_context(viewport={"width": width, "height": 900}, locale="en-US").new_page()
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])

    # Locales: add Italian from the registry; German is used by markets and stays.
    page.goto(f"{DASHBOARD}/settings/locales")
    expect(page.locator("h1")).to_have_text("Locales")
    expect(page.locator('tr[data-locale="en"][data-default="1"]')).to_be_visible()
    page.select_option("#locale_key", "it")
    page.get_by_role("button", name="Add the locale").click()
    expect(page.locator("#flashes")).to_contain_text("was added")
    expect(page.locator('tr[data-locale="it"]')).to_contain_text("Italian")
    expect(page.locator('tr[data-locale="de"]')).to_contain_text("remove it from its markets first")
    fits(page, width, ".org-locales")
    # Italian is used by no market: it can be removed again (and is, so other tests see the demo's locales).
    page.locator('tr[data-locale="it"]').get_by_role("button", name="Remove").click()
    expect(page.locator("#flashes")).to_contain_text("The locale it was removed.")
    expect(page.locator('tr[data-locale="it"]')).to_have_count(0)

    # Brands: a yellow brand colour is refused with its contrast ratio; a dark one is saved.
    page.goto(f"{DASHBOARD}/settings/brands")
    page.get_by_role("link", name="Add a brand").click()
    expect(page.locator("h1")).to_have_text("Add a brand")
    slug = f"acme-kids-{width}"
    page.fill("#name", f"Acme Kids {width}")
    page.fill("#slug", slug)
    page.fill("#primary_color", "#ffff00")
    page.fill("#tagline", "Coding for young minds.")
    page.get_by_role("button", name="Save the brand").click()
    expect(page.locator("#primary_color-error")).to_contain_text("1.07:1")
    expect(page.locator("#primary_color")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#tagline")).to_have_value("Coding for young minds.")  # nothing typed is lost
    fits(page, width, ".brand-form")
    page.fill("#primary_color", "#b91c1c")
    page.get_by_role("button", name="Save the brand").click()
    expect(page).to_have_url(re.compile(r"/dashboard/acme/settings/brands$"))
    row = page.locator(f'section[data-brand="{slug}"]')
    expect(row).to_contain_text(f"Acme Kids {width}")
    expect(row.locator(".brand-tagline")).to_have_text("Coding for young minds.")
    expect(row.locator(".brand-color")).to_have_text("#b91c1c")
    fits(page, width, f'section[data-brand="{slug}"]')

    # The edit page shows what was saved.
    row.get_by_role("link", name=f"Edit Acme Kids {width}").click()
    expect(page.locator("#primary_color")).to_have_value("#b91c1c")

    # A market's storefront shows its brand: name and tagline, and the name in the title.
    page.goto("/acme/eu/en/")
    expect(page.locator(".store-name")).to_have_text("Acme Europe")
    expect(page.locator(".brand-tagline")).to_have_text("Courses for Europe, in your language.")
    expect(page).to_have_title("Acme Europe")
