"""Issue 13's acceptance for markets, end to end in a real browser, every step through the UI.

The admin (admin@acme.test) creates the market "Japan" (single country JP, JPY, English) in the
dashboard — a country of another active market is refused there with its message on the field —
adds Japan as a tax region and a 10 % digital-services rate for it, and prices the existing
"Python for Data Analysis" course in JPY in its price matrix. The market's page then lists the
course under what it sells and the other published products under what it lacks. A visitor of
/acme/japan/en/ sees the course priced in whole yen (no decimals) and no other product, buys it
with the manual payment provider, and the order's tax is 10 % rounded to whole yen. The course is
not shown priced where it has no price (the Japan price is not in the other markets).

The rate change 19 % → 20 % in Germany (earlier orders keep 19 %, the next gets 20 %, the history
shows both) is tests/browser/test_dashboard_tax.py. The live database is shared by the browser
tests: the Japan market is deactivated at the end (through the same service), so the other tests
see acme's markets as the demo made them. Pages run at 390 px too and go through the Nu checker
and axe (test_quality_gates.py).
"""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.markets import services as market_services
from app.markets.models import OrgMarket
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org, OrgEmployee
from tests.browser.flows import buy_basic, log_in, register

COURSE = "python-for-data-analysis"
COURSE_NAME = "Python for Data Analysis"
STORE = "/acme/japan/en"
PRICE = "4999"  # yen; 10 % tax is 499.9 → 500


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


def _close_japan(app) -> None:
    """Deactivate the Japan market (the other browser tests know acme's markets as the demo made them)."""
    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "acme"))
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id, OrgMarket.slug == "japan"))
        if market is not None and market.is_active:
            by = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org.id,
                                                                OrgEmployee.role == "admin").limit(1))
            market_services.update_market(
                market, slug=market.slug, name=market.name, type=market.type, currency_code=market.currency_code,
                default_locale_key=market.default_locale_key, locale_keys=market.locale_keys,
                country_codes=market.country_codes, country_locale_overrides=market.country_locale_overrides,
                tax_inclusive=market.tax_inclusive, brand=market.brand, domains=market.hosts, is_active=False, by=by)
            db.session.commit()
        db.session.remove()


def _create_japan(page: Page, width: int) -> None:
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="markets"]').click()
    expect(page.locator("h1")).to_have_text("Markets")
    page.get_by_role("link", name="New market").click()
    form = page.locator("form.market-form")
    form.locator("#name").fill("Japan")
    form.locator("#slug").fill("japan")
    form.locator("#type").select_option("single_country")
    form.locator("#currency_code").select_option("JPY")
    form.locator('input[name="locales"][value="en"]').check()
    form.locator("#default_locale_key").select_option("en")
    # Germany is Europe's: refused on the field, everything typed kept.
    form.locator("#country-DE").check()
    form.get_by_role("button", name="Create the market").click()
    expect(page.locator("#countries-error")).to_contain_text("DE is already in the active market “Europe”")
    expect(page.locator("#name")).to_have_value("Japan")
    expect(page.locator("#currency_code")).to_have_value("JPY")
    fits(page, width, ".market-form")
    page.locator("#country-DE").uncheck()
    page.locator("#country-JP").check()
    page.get_by_role("button", name="Create the market").click()
    expect(page.locator(".flash-success")).to_contain_text("The market “Japan” was created")
    expect(page.locator("h1")).to_have_text("Japan")


def _tax_japan(page: Page) -> None:
    page.locator('.staff-nav a[data-nav="tax"]').click()
    expect(page.locator("h1")).to_have_text("Tax")
    page.get_by_role("link", name="Add a region").click()
    page.locator("#country_code").select_option("JP")
    page.locator("#name").fill("Japan")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("The region “Japan” is saved")
    page.get_by_role("link", name="Add a rate").click()
    digital = page.locator("#category option", has_text="(digital-services)").get_attribute("value")
    page.locator("#category").select_option(digital)
    japan = page.locator("#region option", has_text="(JP)").get_attribute("value")
    page.locator("#region").select_option(japan)
    page.locator("#name").fill("JCT 10 %")
    page.locator("#type").select_option("percent")
    page.locator("#percent").fill("10")
    page.locator(".tax-rate-form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("The rate “JCT 10 %” is saved")
    page.locator('.staff-nav a[data-nav="tax"]').click()
    expect(page.locator('tr[data-category="digital-services"][data-region="JP"][data-current="1"]')).to_contain_text("10")


def _price_in_yen(page: Page) -> None:
    page.locator('.staff-nav a[data-nav="products"]').click()
    page.get_by_role("link", name=COURSE_NAME, exact=True).first.click()
    page.get_by_role("navigation", name="Product").get_by_role("link", name="Prices", exact=True).click()
    basic = page.locator("#price-matrix tbody tr", has=page.locator("th", has_text="Basic")).first
    cell = basic.locator('td.price-cell[data-currency="JPY"] input[name^="price-"]')
    cell.fill(PRICE)
    page.get_by_role("button", name="Save prices").click()  # with htmx the cell saved itself on leaving it
    expect(page.locator(".flash-success")).to_be_visible()
    page.reload()
    expect(page.locator('#price-matrix td.price-cell[data-currency="JPY"] input[name^="price-"]').first).to_have_value(PRICE)


def _market_page_lists_the_course(page: Page) -> None:
    page.locator('.staff-nav a[data-nav="markets"]').click()
    page.locator('tr[data-market="japan"] a', has_text="Japan").click()
    expect(page.locator(f'.market-sells li[data-product="{COURSE}"]')).to_contain_text("¥4,999")
    expect(page.locator(f'.market-sells li[data-product="{COURSE}"] a')).to_have_attribute("href", re.compile(r"/prices$"))
    expect(page.locator(".market-sells li")).to_have_count(1)
    expect(page.locator('.market-lacks li[data-product="sql-essentials"] a')).to_have_attribute(
        "href", re.compile(r"/prices$"))


def test_an_admin_opens_japan_and_a_visitor_buys_the_course_in_whole_yen(demo, new_context):
    password = demo.config["DEMO_PASSWORD"]

    def context(width: int):
        return new_context(viewport={"width": width, "height": 900}, locale="en-US",
                           extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})

    errors: list[str] = []
    try:
        admin = context(1280).new_page()
        admin.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(admin, "admin@acme.test", password)
        _create_japan(admin, 1280)
        _tax_japan(admin)
        _price_in_yen(admin)
        _market_page_lists_the_course(admin)

        # The markets' pages at 390 px.
        narrow = context(390).new_page()
        log_in(narrow, "admin@acme.test", password)
        narrow.goto("/dashboard/acme/settings/markets")
        fits(narrow, 390, ".staff-main")
        narrow.locator('tr[data-market="japan"] a', has_text="Japan").click()
        fits(narrow, 390, ".market-form")
        fits(narrow, 390, ".market-sells")

        # A visitor of /acme/japan/en/ sees the course in whole yen, and nothing it has no price for.
        visitor = context(390).new_page()
        register(visitor, "Yuki Visitor")
        visitor.goto(f"{STORE}/")
        card = visitor.locator(".card", has_text=COURSE_NAME).first
        expect(card.locator(".price")).to_contain_text("¥4,999")
        assert not re.search(r"4,999\.\d", card.locator(".price").inner_text())
        expect(visitor.locator(".card", has_text="SQL Essentials")).to_have_count(0)
        fits(visitor, 390, ".card")
        buy_basic(visitor, STORE, COURSE)
        expect(visitor.locator(".line-tax").first).to_contain_text("¥500")
        expect(visitor.locator(".order-tax")).to_have_text("¥500")
        number = re.search(r"/orders/(ACME-\d{6})", visitor.url).group(1)
        with demo.app_context():
            order = db.session.scalar(sa.select(OrgMemberOrder).where(OrgMemberOrder.order_number == number))
            assert (order.currency_code, order.subtotal_amount, order.tax_amount, order.total_amount) == (
                "JPY", Decimal("4999"), Decimal("500"), Decimal("5499"))
            db.session.remove()

        # Where the course has no yen price, it is not offered at the Japan price.
        visitor.goto(f"/acme/eu/en/products/{COURSE}")
        expect(visitor.locator(".offer .price").first).not_to_contain_text("¥")
        visitor.goto("/acme/latam/es/")
        expect(visitor.locator(".card", has_text="¥")).to_have_count(0)
    finally:
        _close_japan(demo)
    assert not errors, errors
