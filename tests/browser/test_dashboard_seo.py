"""The search and sharing tab and the translations tab in a real browser (1280 and 390 px): the
character counters follow what is typed (and turn red past the limit) before anything is sent,
the search-result and social-card previews follow it through htmx, a too long title is refused
with a message on its field, and a saved title reaches the storefront's <head>; a German title
saved on its row (htmx) shows in the German storefront. Every page visited here also goes through
the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.markets.models import OrgMarket
from app.orgs.models import Org
from tests.browser.flows import log_in
from tests.factories import make_priced_plan, make_product, unique


def _product(app) -> tuple[str, str]:
    """A new download of acme sold in the EU market (the demo's own products stay as other tests
    expect them): its id and slug."""
    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "acme"))
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id, OrgMarket.slug == "eu"))
        product = make_product(org, type="digital_download", name="Data Cheat Sheets", slug=unique("sheets"))
        make_priced_plan(market, product=product)
        ids = product.id, product.slug
        db.session.commit()
        db.session.remove()
    return ids


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


@pytest.mark.parametrize("width", [1280, 390])
def test_counters_and_previews_follow_the_typing(demo, new_context, width):
    product_id, slug = _product(demo)
    page = new_context(viewport={"width": width, "height": 900}, locale="en-US").new_page()
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto(f"/dashboard/acme/products/{product_id}/seo")
    expect(page.locator("#seo-form")).to_be_visible()
    fits(page, width, "#seo-form")
    fits(page, width, "#seo-preview")

    counter = page.locator('[data-counter-for="title"]')
    page.locator("#title").fill("")
    page.locator("#title").press_sequentially("Data skills", delay=10)
    expect(counter.locator("[data-count]")).to_have_text("11")
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("[data-preview-title]")).to_contain_text("Data skills")
    expect(page.locator("[data-preview-og-title]")).to_have_text("Data skills")  # the card falls back to it

    page.locator("#og_title").fill("Shared: data skills")
    expect(page.locator('[data-counter-for="og_title"] [data-count]')).to_have_text("19")
    expect(page.locator("[data-preview-og-title]")).to_have_text("Shared: data skills")

    page.locator("#title").fill("x" * 61)
    expect(counter.locator("[data-count]")).to_have_text("61")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    page.locator('#seo-form button[type="submit"]').click()
    expect(page.locator("#title-error")).to_contain_text("60")
    expect(page.locator("#title")).to_have_value("x" * 61)  # kept, not cut

    page.locator("#title").fill("Data skills")
    page.locator('#seo-form button[type="submit"]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    storefront = new_context(viewport={"width": width, "height": 900}).new_page()
    storefront.goto(f"/acme/eu/en/products/{slug}")
    expect(storefront).to_have_title(re.compile(r"^Data skills · "))
    assert storefront.locator('meta[property="og:title"]').get_attribute("content") == "Shared: data skills"


def test_a_german_title_saved_on_its_row_shows_in_the_german_storefront(demo, new_context):
    product_id, slug = _product(demo)
    page = new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto(f"/dashboard/acme/products/{product_id}/translations?locale=de")
    row = page.locator(f"#row-product-{product_id}")
    row.locator(f'[name="product-{product_id}-name"]').fill("Spickzettel für Daten")
    row.locator('button[type="submit"]').click()
    expect(page.locator(f"#row-product-{product_id} [role=status]")).to_be_visible()  # swapped by htmx
    storefront = new_context(viewport={"width": 1280, "height": 900}).new_page()
    storefront.goto(f"/acme/eu/de/products/{slug}")
    expect(storefront.locator("h1")).to_contain_text("Spickzettel für Daten")
