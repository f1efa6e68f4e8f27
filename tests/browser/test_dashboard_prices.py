"""The plans and prices tabs of a product in a real browser (a product of its own in the demo's acme,
so the other tests' prices stay as they are): a manager adds a subscription plan, prices it cell by
cell with htmx (a cell saves itself when left, a bad amount is answered in the cell, the plan's
missing-price warning follows), and without JavaScript saves the whole matrix with one bad cell
(its message; the other cells saved and everything typed kept). At 390 px the matrix scrolls inside
its box. Every page visited here also goes through the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.catalog.models import OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlanMarketPrice
from app.catalog.services import add_plan, add_variant, create_product
from app.extensions import db
from app.markets.models import OrgMarket
from app.orgs.models import Org, OrgEmployee
from tests.browser.flows import log_in


@pytest.fixture(scope="module")
def course(demo):
    """A draft course of acme with a variant and a one-time plan, no price yet."""
    with demo.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "acme"))
        admin = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org.id,
                                                               OrgEmployee.role == "admin"))
        product = create_product(org, type="course", name="Pricing Workshop", slug=f"pricing-{uuid.uuid4().hex[:8]}",
                                 status="draft", by=admin)
        variant = add_variant(product, name="Standard", by=admin)
        plan = add_plan(variant, type="one_time", name="Lifetime", access_tier=1, by=admin)
        markets = {m.slug: m.id for m in db.session.scalars(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))}
        ids = {"product": product.id, "plan": plan.id, "markets": markets}
        db.session.commit()
        db.session.remove()
    return ids


def price(demo, plan_id: str, market_id: str) -> Decimal | None:
    with demo.app_context():
        row = db.session.scalar(sa.select(OrgProductVariantPaymentPlanMarketPrice).where(
            OrgProductVariantPaymentPlanMarketPrice.plan_id == plan_id,
            OrgProductVariantPaymentPlanMarketPrice.market_id == market_id,
            OrgProductVariantPaymentPlanMarketPrice.is_active.is_(True)))
        db.session.remove()
        return None if row is None else row.price


def plan_id_named(demo, name: str) -> str:
    with demo.app_context():
        found = db.session.scalar(sa.select(OrgProductVariantPaymentPlan.id)
                                  .where(OrgProductVariantPaymentPlan.name == name))
        db.session.remove()
        return found


def cell(page: Page, plan_id: str, market_id: str):
    return page.locator(f"#cell-{plan_id}-{market_id}")


def test_a_manager_adds_a_plan_and_prices_it_cell_by_cell_with_htmx(demo, new_context, course):
    password = demo.config["DEMO_PASSWORD"]
    page = new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    log_in(page, "manager@acme.test", password)
    base = f"/dashboard/acme/products/{course['product']}"
    page.goto(f"{base}/plans")
    expect(page.locator("h1")).to_contain_text("Pricing Workshop")
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("Variants and plans")

    # Add a monthly subscription with a 14-day trial at tier 2.
    page.locator("details.plans-add summary").first.click()
    add = page.locator("details.plans-add form").first
    add.get_by_label("Type").select_option("subscription")
    add.get_by_label("Plan name").fill("Monthly")
    add.get_by_label("Access tier").select_option("2")
    add.get_by_label("Billing interval").select_option("month")
    add.get_by_label("Free trial (days)").fill("14")
    add.get_by_role("button", name="Add plan").click()
    expect(page.locator("h1")).to_contain_text("Pricing Workshop")
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("Prices")
    monthly = plan_id_named(demo, "Monthly")
    eu, us = course["markets"]["eu"], course["markets"]["us"]
    warning = page.locator(f"#plan-head-{monthly} .missing-price")
    expect(warning).to_contain_text("No price in")
    page.wait_for_load_state("load")  # htmx binds the cells once its deferred script ran

    # A cell saves itself when left; the plan's warning no longer names that market.
    field = cell(page, monthly, eu).locator("input").first
    field.fill("19.90")
    field.press("Tab")
    expect(cell(page, monthly, eu).locator(".saved")).to_have_text("Saved")
    assert price(demo, monthly, eu) == Decimal("19.90")
    expect(warning).not_to_contain_text("Europe")

    # A bad amount: the message in the cell, what was typed kept, nothing saved.
    field = cell(page, monthly, us).locator("input").first
    field.fill("9.999")
    field.press("Tab")
    expect(cell(page, monthly, us).locator(".error")).to_have_text("USD has at most 2 decimals.")
    expect(cell(page, monthly, us).locator("input").first).to_have_value("9.999")
    assert price(demo, monthly, us) is None
    # Corrected: saved.
    field = cell(page, monthly, us).locator("input").first
    field.fill("9.99")
    field.press("Tab")
    expect(cell(page, monthly, us).locator(".saved")).to_be_visible()
    assert price(demo, monthly, us) == Decimal("9.99")

    # The plans tab shows the plan with its terms.
    page.goto(f"{base}/plans")
    expect(page.locator(f"#plan-{monthly}")).to_contain_text("Billing period: month · 14 trial days")
    # Edit it: a week's trial; then stop selling it.
    page.locator(f"#plan-{monthly}").get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Plan name")).to_have_value("Monthly")
    page.get_by_label("Free trial (days)").fill("7")
    page.get_by_role("button", name="Save plan").click()
    expect(page.locator(f"#plan-{monthly}")).to_contain_text("Billing period: month · 7 trial days")
    page.locator(f"#plan-{monthly}").get_by_role("button", name="Stop selling").click()
    expect(page.locator(f"#plan-{monthly}")).to_have_attribute("data-active", "no")
    expect(page.locator(".flash-success")).to_contain_text("Its buyers keep their access.")


def test_without_javascript_the_whole_matrix_is_saved_and_a_bad_cell_keeps_its_input(demo, new_context, course):
    password = demo.config["DEMO_PASSWORD"]
    context = new_context(viewport={"width": 390, "height": 900}, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    log_in(page, "manager@acme.test", password)
    page.goto(f"/dashboard/acme/products/{course['product']}/prices")
    lifetime, markets = course["plan"], course["markets"]
    eu, us, latam = markets["eu"], markets["us"], markets["latam"]

    # At phone width the matrix scrolls inside its box, the page does not.
    page.wait_for_load_state("load")  # the stylesheet too: the DOM can be there before it
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, width

    cell(page, lifetime, eu).locator("input").first.fill("149")
    cell(page, lifetime, us).locator("input").first.fill("-5")
    cell(page, lifetime, latam).locator("input").first.fill("99.5")
    page.get_by_role("button", name="Save prices").click()

    expect(page.locator(".form-errors")).to_contain_text("1 price needs correcting")
    expect(cell(page, lifetime, us).locator(".error")).to_have_text("The price cannot be negative.")
    expect(cell(page, lifetime, us).locator("input").first).to_have_value("-5")
    expect(cell(page, lifetime, eu).locator("input").first).to_have_value("149.00")
    assert price(demo, lifetime, eu) == Decimal("149.00")
    assert price(demo, lifetime, us) is None
    assert price(demo, lifetime, latam) is not None

    cell(page, lifetime, us).locator("input").first.fill("159")
    page.get_by_role("button", name="Save prices").click()
    expect(page.locator(".flash-success")).to_contain_text("The prices were saved.")
    assert price(demo, lifetime, us) == Decimal("159.00")

    # Clearing a cell stops selling the plan in that market; the warning says so.
    cell(page, lifetime, eu).locator("input").first.fill("")
    page.get_by_role("button", name="Save prices").click()
    expect(page.locator(f"#plan-head-{lifetime} .missing-price")).to_contain_text("No price in")
    assert price(demo, lifetime, eu) is None
