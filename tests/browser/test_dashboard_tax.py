"""Tax in the dashboard, in a real browser at 1280 and 390 px (issue 13's acceptance point): a
customer buys a digital-services course in /acme/eu/de at 19 % German VAT; the admin changes the DE
digital-services rate to 20 % in the dashboard (the rate was used, so the page says saving starts a
new rate); a second customer's order is taxed at 20 % while the first order still shows 19 %, and
the rate history shows both periods with the new one current. The preview calculator updates as
the admin types. Every page visited also goes through the Nu checker and axe (test_quality_gates.py).

The live database is shared by the browser tests: the test puts 19 % back at the end (as a third
period, through the same service), so the purchase tests still see German VAT at 19 %."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.db import utcnow
from app.extensions import db
from app.markets.models import OrgRegion
from app.orgs.models import Org, OrgEmployee
from app.tax import admin
from app.tax.models import OrgTaxCategory, OrgTaxRate
from tests.browser.flows import buy_basic, log_in, register

COURSE = "python-for-data-analysis"
STORE = "/acme/eu/de"
GERMAN_RATE = 'tr[data-category="digital-services"][data-region="DE"][data-current="1"]'


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


def _restore_19(app) -> None:
    """Put the German digital-services rate back to 19 % from now (a new period: orders used 20 %)."""
    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "acme"))
        current = db.session.scalar(
            sa.select(OrgTaxRate)
            .join(OrgTaxCategory, OrgTaxCategory.id == OrgTaxRate.tax_category_id)
            .join(OrgRegion, OrgRegion.id == OrgTaxRate.region_id)
            .where(OrgTaxRate.org_id == org.id, OrgTaxCategory.code == "digital-services",
                   OrgRegion.country_code == "DE", OrgRegion.subdivision_code.is_(None),
                   OrgTaxRate.effective_from <= utcnow(),
                   sa.or_(OrgTaxRate.effective_to.is_(None), OrgTaxRate.effective_to > utcnow())))
        if current is not None and current.rate != Decimal("0.19"):
            by = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org.id,
                                                                OrgEmployee.role == "admin").limit(1))
            admin.change_rate(current, name="Umsatzsteuer 19 %", new_rate=Decimal("0.19"), by=by)
            db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("width", [1280, 390])
def test_changing_the_german_rate_to_20_keeps_earlier_orders_at_19(demo, new_context, width):
    password = demo.config["DEMO_PASSWORD"]

    def context():
        return new_context(viewport={"width": width, "height": 900}, locale="en-US",
                           extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})

    try:
        first = context().new_page()
        register(first, "Frieda First")
        buy_basic(first, STORE, COURSE)
        expect(first.locator(".line-tax").first).to_contain_text("19")
        first_order = first.url

        admin_page = context().new_page()
        log_in(admin_page, "admin@acme.test", password)
        admin_page.goto("/dashboard/acme/")
        admin_page.locator('.staff-nav a[data-nav="tax"]').click()
        expect(admin_page.locator("h1")).to_have_text("Tax")
        fits(admin_page, width, ".staff-main")
        admin_page.locator(GERMAN_RATE).locator("a").click()
        expect(admin_page.locator(".used-note")).to_be_visible()  # orders used it: saving starts a new rate
        old_id = re.search(r"/tax/rates/([0-9a-f]{32})", admin_page.url).group(1)
        admin_page.locator("#name").fill("Umsatzsteuer 20 %")
        admin_page.locator("#percent").fill("20")
        admin_page.locator(".tax-rate-form button[type=submit]").click()
        expect(admin_page.locator(".flash-success")).to_contain_text("the new rate")
        history = admin_page.locator(".tax-history tbody tr")
        expect(history.first).to_have_attribute("data-current", "1")
        expect(history.first).to_contain_text("20")
        expect(admin_page.locator(f'.tax-history tr[data-rate="{old_id}"]')).to_contain_text("19")
        expect(admin_page.locator(f'.tax-history tr[data-rate="{old_id}"]')).not_to_have_attribute("data-current", "1")
        fits(admin_page, width, ".table-scroll:has(.tax-history)")

        second = context().new_page()
        register(second, "Sami Second")
        buy_basic(second, STORE, COURSE)
        expect(second.locator(".line-tax").first).to_contain_text("20")

        first.goto(first_order)
        expect(first.locator(".line-tax").first).to_contain_text("19")

        # The preview follows the typing (htmx) and shows the new German rate.
        admin_page.goto("/dashboard/acme/tax/preview")
        digital = admin_page.locator("#category option", has_text="(digital-services)").get_attribute("value")
        admin_page.locator("#category").select_option(digital)
        admin_page.locator("#price").fill("120")
        germany = admin_page.locator('#tax-preview-result tr[data-market="eu"][data-country="DE"]')
        expect(germany.locator(".tax-amount")).to_contain_text("20.00")  # 20 % inside 120.00
        expect(germany.locator(".rate-applied")).to_contain_text("Umsatzsteuer 20")
        fits(admin_page, width, ".tax-preview-form")
    finally:
        _restore_19(demo)
