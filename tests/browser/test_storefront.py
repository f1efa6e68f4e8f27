"""The storefront in a real browser, on the demo data (app.demo, loaded by the `demo` fixture):
locale choice from Accept-Language, the language switcher, market currencies and taxes, a market
domain, htmx catalog filtering with history, the same filters without JavaScript, a draft's 404.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.flows import register

SHOWCASE = "python-for-data-analysis"
DRAFT = "machine-learning-foundations"
DEMO_EU_HOST = "eu.acme.localhost"  # mapped to 127.0.0.1 by the launch args in conftest.py
EURO_PRICE = re.compile(r"\d+,\d{2}\s€")  # CLDR puts a no-break space before the sign (fr, de)
DOLLAR_PRICE = re.compile(r"\$\d+\.\d{2}")

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def new_context(browser: Browser, base_url: str):
    """``new_context(**options)``: a fresh browser context on the live server, closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        options.setdefault("base_url", base_url)
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def visitor(new_context, language: str) -> Page:
    """A page whose browser speaks ``language`` (e.g. fr-BE) first."""
    primary = language.split("-")[0]
    context = new_context(locale=language,
                          extra_http_headers={"Accept-Language": f"{language},{primary};q=0.9"})
    return context.new_page()


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def expect_euro_prices(page: Page, vat_note: str) -> None:
    prices = page.locator(".price strong")
    expect(prices.first).to_be_visible()
    for text in prices.all_inner_texts():
        assert EURO_PRICE.search(text), text
        assert "$" not in text and not re.search(r"€\s?\d", text), text  # the sign after the number
    for note in page.locator(".price small").all_inner_texts():
        assert note == vat_note, note  # a tax-inclusive market


def test_eu_market_picks_french_from_accept_language_then_switches_to_german(new_context, live_server, ui_text):
    page = visitor(new_context, "fr-BE")
    page.goto("/acme/eu/")
    expect(page).to_have_url(f"{live_server}/acme/eu/fr/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    card = page.locator(f'.product-card[data-slug="{SHOWCASE}"]')
    expect(card.locator("h2")).to_have_text("Python pour l'analyse de données")
    expect_euro_prices(page, ui_text("fr", "incl. VAT"))
    expect(page.locator("#catalog-filters button[type=submit]")).to_have_text(ui_text("fr", "Apply filters"))
    switcher = page.locator(".language-switcher")  # a visitor's: links to this page in each language
    expect(switcher.locator('[aria-current="true"]')).to_have_text("Français")
    expect(switcher.locator("a[hreflang]")).to_have_count(2)  # de and en

    # On a product page, switching the language keeps the page.
    card.locator("h2 a").click()
    expect(page).to_have_url(f"{live_server}/acme/eu/fr/products/{SHOWCASE}")
    page.locator('.language-switcher a[hreflang="de"]').click()
    expect(page).to_have_url(f"{live_server}/acme/eu/de/products/{SHOWCASE}")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text("Python für die Datenanalyse")
    expect(page.locator('.language-switcher [aria-current="true"]')).to_have_text("Deutsch")
    expect(page.locator(".offer .price strong").first).to_have_text(EURO_PRICE)
    expect_euro_prices(page, ui_text("de", "incl. VAT"))
    expect(page.locator(".tax-note")).to_have_text(ui_text("de", "All prices include VAT."))
    expect(page.locator("#offers h2")).to_have_text(ui_text("de", "Choose your plan"))

    # The catalog with filters: the query string survives the switch too.
    page.goto("/acme/eu/de/?type=course")
    page.locator('.language-switcher a[hreflang="fr"]').click()
    expect(page).to_have_url(f"{live_server}/acme/eu/fr/?type=course")
    expect(page.locator(f'.product-card[data-slug="{SHOWCASE}"] h2')).to_have_text(
        "Python pour l'analyse de données")


def test_a_signed_in_users_language_switcher_saves_the_choice(new_context, live_server):
    page = visitor(new_context, "en-GB")
    register(page, "Switcher")
    page.goto(f"/acme/eu/en/products/{SHOWCASE}")
    page.locator('form.language-switcher button[name="to"][value="fr"]').click()
    expect(page).to_have_url(f"{live_server}/acme/eu/fr/products/{SHOWCASE}")
    expect(page.locator("h1")).to_have_text("Python pour l'analyse de données")
    page.goto("/acme/eu/")  # the browser still asks for English: the saved choice comes first
    expect(page).to_have_url(f"{live_server}/acme/eu/fr/")


def test_us_market_shows_dollars_plus_tax_in_english(new_context, live_server):
    page = visitor(new_context, "de-DE")  # the US market offers English only
    page.goto("/acme/us/")
    expect(page).to_have_url(f"{live_server}/acme/us/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    card = page.locator(f'.product-card[data-slug="{SHOWCASE}"]')
    expect(card.locator("h2")).to_have_text("Python for Data Analysis")
    expect(card.locator(".price strong")).to_have_text(DOLLAR_PRICE)
    expect(card.locator(".price small")).to_have_text("plus tax")
    for text in page.locator(".price strong").all_inner_texts():
        assert DOLLAR_PRICE.search(text) and "€" not in text, text
    expect(page.locator(".language-switcher")).to_have_count(0)  # nothing to switch to


def test_latam_market_offers_spanish_only(new_context, live_server, ui_text):
    page = visitor(new_context, "en-US")
    page.goto("/acme/latam/")
    expect(page).to_have_url(f"{live_server}/acme/latam/es/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(f'.product-card[data-slug="{SHOWCASE}"] h2')).to_have_text(
        "Python para el análisis de datos")
    expect(page.locator(".price small").first).to_have_text(ui_text("es", "incl. VAT"))
    expect(page.locator(".language-switcher")).to_have_count(0)

    # A locale the market does not offer redirects to Spanish, keeping the page.
    page.goto("/acme/latam/en/")
    expect(page).to_have_url(f"{live_server}/acme/latam/es/")
    page.goto(f"/acme/latam/fr/products/{SHOWCASE}")
    expect(page).to_have_url(f"{live_server}/acme/latam/es/products/{SHOWCASE}")
    expect(page.locator("h1")).to_have_text("Python para el análisis de datos")


def test_eu_market_domain_serves_the_storefront_under_the_locale_only(new_context, live_server, ui_text):
    port = urlsplit(live_server).port
    origin = f"http://{DEMO_EU_HOST}:{port}"
    # A visitor whose language the market does not offer gets the market default (de).
    page = visitor(new_context, "it-IT")
    response = page.goto(f"{origin}/")
    assert response is not None and response.ok
    expect(page).to_have_url(f"{origin}/de/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator(".store-name")).to_have_text("Acme Europe")
    card = page.locator(f'.product-card[data-slug="{SHOWCASE}"]')
    expect(card.locator("h2")).to_have_text("Python für die Datenanalyse")
    expect_euro_prices(page, ui_text("de", "incl. VAT"))
    # Links stay on the domain, without the org and market in the path.
    expect(card.locator("h2 a")).to_have_attribute("href", f"/de/products/{SHOWCASE}")
    card.locator("h2 a").click()
    expect(page).to_have_url(f"{origin}/de/products/{SHOWCASE}")
    page.locator('.language-switcher a[hreflang="fr"]').click()
    expect(page).to_have_url(f"{origin}/fr/products/{SHOWCASE}")
    expect(page.locator("h1")).to_have_text("Python pour l'analyse de données")


def test_english_pages_of_the_eu_market_show_the_english_base_text(new_context, live_server):
    page = visitor(new_context, "en-GB")
    page.goto(f"/acme/eu/en/products/{SHOWCASE}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Python for Data Analysis", timeout=1000)


def test_catalog_filters_with_htmx_keep_the_page_and_the_history(new_context, live_server):
    page = visitor(new_context, "en-US")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/acme/us/en/")
    results = page.locator("#results")
    all_total = int(results.get_attribute("data-total"))
    page.evaluate("() => { window.__noReload = 'still here'; }")

    # Type "Course": the results region is swapped in place and the URL records the filter.
    with page.expect_response(lambda r: "type=course" in r.url) as info:
        page.locator("#filter-type").select_option("course")
    assert info.value.request.headers.get("hx-request") == "true"
    expect(page).to_have_url(re.compile(r"[?&]type=course(&|$)"))
    courses = page.locator("#results .product-card")
    expect(courses.first).to_be_visible()
    expect(results).not_to_have_attribute("data-total", str(all_total))
    course_total = int(results.get_attribute("data-total"))
    assert 1 < course_total < all_total
    expect(courses).to_have_count(course_total)
    for badge in courses.locator(".badge").all_inner_texts():
        assert badge == "Course"

    # A search word narrows it further (htmx fires after a short typing delay).
    page.locator("#filter-q").fill("python")
    expect(page).to_have_url(re.compile(r"[?&]q=python(&|$)"))
    assert query(page)["type"] == ["course"]
    expect(results).to_have_attribute("data-total", "1")
    expect(page.locator("#results .product-card")).to_have_count(1)
    expect(page.locator(f'#results .product-card[data-slug="{SHOWCASE}"]')).to_be_visible()
    assert page.evaluate("() => window.__noReload") == "still here"  # no full page load so far
    filtered_url = page.url

    # Back and forward within the page: htmx restores each state from the server.
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]type=course(&|$)"))
    assert "q" not in query(page)
    expect(results).to_have_attribute("data-total", str(course_total))
    expect(page.locator("#filter-q")).to_have_value("")
    expect(page.locator("#filter-type")).to_have_value("course")
    page.go_forward()
    expect(page).to_have_url(filtered_url)
    expect(results).to_have_attribute("data-total", "1")
    expect(page.locator("#filter-q")).to_have_value("python")

    # A reload renders the same filtered page from the URL alone.
    page.reload()
    assert page.evaluate("() => window.__noReload") is None
    expect(page).to_have_url(filtered_url)
    expect(results).to_have_attribute("data-total", "1")
    expect(page.locator(f'#results .product-card[data-slug="{SHOWCASE}"]')).to_be_visible()
    expect(page.locator("#filter-q")).to_have_value("python")
    expect(page.locator("#filter-type")).to_have_value("course")

    # Back again: the previous state (courses, no search word).
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]type=course(&|$)"))
    assert "q" not in query(page)
    expect(results).to_have_attribute("data-total", str(course_total))
    expect(page.locator("#results .product-card")).to_have_count(course_total)
    expect(page.locator("#filter-q")).to_have_value("")
    expect(page.locator("#filter-type")).to_have_value("course")
    assert errors == []


def test_catalog_filters_without_javascript(new_context, live_server):
    context = new_context(java_script_enabled=False, locale="en-US",
                          extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    page.goto("/acme/us/en/")
    all_total = page.locator("#results").get_attribute("data-total")
    page.locator("#filter-type").select_option("course")
    page.locator("#filter-q").fill("python")
    expect(page).to_have_url(f"{live_server}/acme/us/en/")  # nothing happens before submitting
    expect(page.locator("#results")).to_have_attribute("data-total", all_total)
    page.locator("#catalog-filters button[type=submit]").click()  # "Apply filters"
    expect(page).to_have_url(re.compile(r"/acme/us/en/\?"))
    args = query(page)
    assert args["type"] == ["course"] and args["q"] == ["python"]
    expect(page.locator("#results")).to_have_attribute("data-total", "1")
    expect(page.locator(f'#results .product-card[data-slug="{SHOWCASE}"]')).to_be_visible()
    expect(page.locator("#filter-q")).to_have_value("python")
    expect(page.locator("#filter-type")).to_have_value("course")


def test_draft_product_is_a_404_page(new_context):
    page = visitor(new_context, "en-US")
    response = page.goto(f"/acme/us/en/products/{DRAFT}")
    assert response is not None and response.status == 404
    expect(page.locator('.error-panel[data-status="404"]')).to_be_visible()
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("Machine Learning Foundations")
    # The published showcase product of the same org and market is there.
    response = page.goto(f"/acme/us/en/products/{SHOWCASE}")
    assert response is not None and response.status == 200
