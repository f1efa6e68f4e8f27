"""Products in the dashboard, in a real browser at 1280 and 390 px: a creator opens the products
from the navigation, creates a service (its booking note), sees the publishing checklist, tries to
publish and is told everything missing, chooses a tax category; once a plan with a price exists
(the plans and prices pages are another area's: made here through the services) the product is
published and the list shows it published, with the creator credited. A manager orders a
collection without JavaScript's help being needed (move up). Every page visited here also goes
through the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


def _price_it(app, slug: str) -> None:
    """A variant with a one-time plan priced in acme's EU market (what the plans tab will do)."""
    from app.catalog import services as catalog
    from app.catalog.models import OrgProduct
    from app.extensions import db
    from app.markets.models import OrgMarket
    from app.orgs.models import OrgEmployee

    with app.app_context():
        product = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == slug))
        admin = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == product.org_id,
                                                               OrgEmployee.role == "admin").limit(1))
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == product.org_id,
                                                              OrgMarket.slug == "eu"))
        variant = catalog.add_variant(product, name="Standard", by=admin)
        plan = catalog.add_plan(variant, type="one_time", name="One session", by=admin)
        catalog.set_market_price(plan, market, price=Decimal("80.00"), by=admin)
        db.session.commit()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_creator_creates_a_service_sees_the_checklist_and_publishes_it(demo, new_context, width):
    password = demo.config["DEMO_PASSWORD"]
    page = new_context(viewport={"width": width, "height": 900}, locale="en-US",
                       extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    log_in(page, "creator@acme.test", password)
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="products"]').click()
    expect(page.locator("h1")).to_have_text("Products")
    fits(page, width, ".table-toolbar")

    page.get_by_role("link", name="New product").click()
    page.locator('a[data-type="service"]').click()
    slug = f"mentoring-{uuid.uuid4().hex[:6]}"
    page.locator("#name").fill("Mentoring session")
    page.locator("#slug").fill(slug)
    page.locator("#booking_note").fill("Pick a time after buying.")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.locator("h1")).to_contain_text("Mentoring session")
    expect(page.locator(".flash-success")).to_contain_text("created as a draft")
    expect(page.locator("#booking_note")).to_have_value("Pick a time after buying.")
    fits(page, width, ".product-status")

    # The checklist says what is missing; publishing now is refused with all of it.
    expect(page.locator('.checklist li[data-done="no"]')).to_have_count(4)
    page.get_by_role("button", name="Publish").click()
    refused = page.locator(".publish-refused")
    for missing in ("At least one active variant.", "An active payment plan of an active variant.",
                    "A price in at least one active market.", "A tax category."):
        expect(refused).to_contain_text(missing)
    expect(page.locator(".product-status")).to_have_attribute("data-status", "draft")

    # The tax category is chosen on this page; the plan and its price come from the plans tab.
    page.locator("#tax_category_id").select_option(index=1)
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator(".flash-success")).to_contain_text("saved")
    expect(page.locator('.checklist li[data-check="tax_category"]')).to_have_attribute("data-done", "yes")
    _price_it(demo, slug)
    page.reload()
    expect(page.locator('.checklist li[data-done="no"]')).to_have_count(0)
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text("published")
    expect(page.locator(".product-status")).to_have_attribute("data-status", "published")

    page.locator(".breadcrumb a").click()
    page.wait_for_load_state("load")  # htmx binds the live search once its deferred script ran (failed once in CI)
    page.locator("#products-q").fill(slug)
    expect(page).to_have_url(re.compile(r"[?&]q="))
    row = page.locator(f'#products tbody tr[data-product="{slug}"]')
    expect(row).to_have_attribute("data-status", "published")
    expect(row).to_contain_text("Grace Hopper")


def test_a_manager_orders_a_collection(demo, new_context):
    password = demo.config["DEMO_PASSWORD"]
    page = new_context(viewport={"width": 1280, "height": 900}, locale="en-US",
                       extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    log_in(page, "manager@acme.test", password)
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="collections"]').click()
    expect(page.locator("h1")).to_have_text("Collections")
    page.get_by_role("link", name="New collection").click()
    slug = f"picks-{uuid.uuid4().hex[:6]}"
    page.locator("#name").fill("Staff picks")
    page.locator("#slug").fill(slug)
    page.get_by_role("button", name="Create the collection").click()
    expect(page.locator("h1")).to_have_text("Staff picks")
    items = page.locator(".collection-products li")
    for count in (1, 2):  # the first product offered, twice: two different products
        page.locator("#product_id").select_option(index=1)
        page.get_by_role("button", name="Add to the collection").click()
        expect(items).to_have_count(count)
    first, second = (items.nth(i).get_attribute("data-product") for i in (0, 1))
    items.nth(1).get_by_role("button", name=re.compile("^Move up")).click()
    expect(items.first).to_have_attribute("data-product", second)
    expect(items.nth(1)).to_have_attribute("data-product", first)
    page.reload()
    expect(page.locator(".collection-products li").first).to_have_attribute("data-product", second)


def test_a_course_form_with_bad_input_keeps_what_was_typed(demo, new_context):
    password = demo.config["DEMO_PASSWORD"]
    page = new_context(viewport={"width": 390, "height": 900}, locale="en-US",
                       extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    log_in(page, "creator@acme.test", password)
    page.goto("/dashboard/acme/products/new?type=course")
    page.locator("#name").fill("N" * 10_000)
    page.locator("#slug").fill("python-for-data-analysis")  # the showcase course's
    page.locator("#description").fill("Everything about pandas.")
    page.locator("#difficulty").fill("12")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.locator("#name-error")).to_contain_text("at most 200 characters")
    expect(page.locator("#slug-error")).to_contain_text("already uses the slug")
    expect(page.locator("#difficulty-error")).to_contain_text("from 1 to 10")
    expect(page.locator("#description")).to_have_value("Everything about pandas.")
    fits(page, 390, "form.card")
