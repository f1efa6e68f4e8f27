"""The storefront on a phone (390 × 844, the size of a current iPhone): a new buyer walks the catalog,
a course page, the cart, the checkout and a lesson. On every page nothing scrolls sideways and the
control the page is for is on the first screen: the first product, the price with its "add to cart"
button, the cart's "check out" and "remove", the "place order" button, the lesson's heading and
text. The header's menu, the catalog's filters and the player's syllabus are folded <details> that
open on a tap (no JavaScript needed for them). A screenshot of each first screen is saved (under
pytest's temporary directory; its path is printed with -s), and every page visited here goes
through the Nu checker and axe at 390 px (test_quality_gates.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import register

WIDTH, HEIGHT = 390, 844
COURSE = "python-for-data-analysis"


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    path = tmp_path_factory.mktemp("phone-390")
    print(f"\nphone screenshots: {path}")
    return path


def _rgb(hex_colour: str) -> str:
    """``#0f766e`` as the browser computes it: ``rgb(15, 118, 110)``."""
    red, green, blue = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def first_screen(page: Page, name: str, key: str, screenshots) -> None:
    """Save the first screen; nothing scrolls sideways; ``key`` is visible with its top on the first screen."""
    page.wait_for_load_state("load")  # the stylesheet too: the DOM can be there before it
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=screenshots / f"{name}.png")
    page.screenshot(path=screenshots / f"{name}-full.png", full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH, f"{name}: the page is {scroll_width}px wide, it scrolls sideways at {WIDTH}px"
    control = page.locator(key).first
    expect(control).to_be_visible()
    box = control.evaluate("el => { const r = el.getBoundingClientRect(); return {top: r.top, right: r.right}; }")
    assert box["top"] < HEIGHT, f"{name}: {key} starts at {box['top']:.0f}px, below the first screen ({HEIGHT}px)"
    assert box["right"] <= WIDTH, f"{name}: {key} ends at {box['right']:.0f}px, off the screen"


def test_a_buyer_on_a_phone_sees_each_pages_key_control_on_the_first_screen(demo, new_context, screenshots):
    context = new_context(viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True, locale="en-US")
    page = context.new_page()
    register(page, "Phoebe Phone")
    store = "/acme/eu/en"

    # The catalog: a one-row header with the menu folded, the filters folded, the first product on screen.
    page.goto(f"{store}/")
    first_screen(page, "catalog", ".product-card", screenshots)
    # a product without a cover: its initials on the store's brand colour (a designed placeholder, not an empty box)
    placeholder = page.locator('.product-card[data-slug="one-on-one-coaching"] svg.placeholder.cover')
    expect(placeholder.locator("text")).to_have_text("1C")
    brand, fill = placeholder.evaluate(
        "svg => [getComputedStyle(document.documentElement).getPropertyValue('--brand').trim(),"
        " getComputedStyle(svg.querySelector('rect')).fill]")
    assert fill == _rgb(brand), (brand, fill)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 80, header
    my_learning = page.locator(".site-header .my-learning-link")
    expect(my_learning).to_be_hidden()
    page.locator(".nav-toggle").click()
    expect(my_learning).to_be_visible()
    page.screenshot(path=screenshots / "catalog-menu.png")
    page.locator(".nav-toggle").click()
    expect(my_learning).to_be_hidden()
    search = page.locator("#filter-q")
    expect(search).to_be_hidden()
    page.locator(".filters-toggle").click()
    expect(search).to_be_visible()
    search.fill("SQL")
    search.press("Enter")
    expect(page.locator(f'.product-card[data-slug="{COURSE}"]')).to_have_count(0)
    expect(page.locator('.product-card[data-slug="sql-essentials"]')).to_be_visible()

    # A course page: the title, then the price with its "add to cart" button on the first screen.
    page.goto(f"{store}/products/{COURSE}")
    first_offer = page.locator(".offer").first
    first_screen(page, "product", ".offer .price", screenshots)
    first_screen(page, "product", ".offer button[type=submit]", screenshots)
    facts = page.locator(".course-facts dl.summary-facts")
    expect(facts.locator("dt")).to_have_count(4)  # level, difficulty, content, skills
    first_offer.locator("button[type=submit]").click()
    expect(page.locator("#cart-badge")).to_contain_text("1")

    # The cart: stacked lines; "check out" and "remove" on the first screen.
    page.goto(f"{store}/cart")
    first_screen(page, "cart", ".cart-summary a.button", screenshots)
    first_screen(page, "cart", ".cart-remove button", screenshots)

    # The checkout: the "place order" button on the first screen, the codes folded.
    page.locator(".cart-summary a.button").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.locator("#discount_code")).to_be_hidden()
    first_screen(page, "checkout", "button.place-order", screenshots)
    page.locator(".checkout-codes > summary").click()
    expect(page.locator("#discount_code")).to_be_visible()
    page.locator("button.place-order").click()
    expect(page).to_have_url(re.compile(r"/orders/ACME-\d{6}/pay$"))
    page.locator('button[name="outcome"][value="pay"]').click()
    expect(page.locator("#order-status [data-status]")).to_have_attribute("data-status", "fulfilled")
    first_screen(page, "order", "#order-status", screenshots)

    # A lesson: its heading and text before the syllabus, which is folded below it.
    page.goto(f"{store}/learn/{COURSE}/")
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/[0-9a-f]+$"))
    first_screen(page, "lesson", "#lesson-title", screenshots)
    first_screen(page, "lesson", ".lesson-body", screenshots)
    sidebar = page.locator("#learn-sidebar")
    expect(sidebar).to_be_hidden()
    page.locator(".syllabus-toggle").click()
    expect(sidebar).to_be_visible()
    lesson_box = page.locator("#lesson-region").bounding_box()
    assert sidebar.bounding_box()["y"] > lesson_box["y"] + lesson_box["height"] - 1  # the syllabus is below the lesson


@pytest.mark.parametrize("locale", ["de", "fr"])
def test_german_and_french_store_pages_fit_a_phone(demo, new_context, screenshots, locale):
    """Longer words, same first screen: the catalog's first product, the course's price and button."""
    context = new_context(viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True, locale=locale)
    page = context.new_page()
    page.goto(f"/acme/eu/{locale}/")
    first_screen(page, f"catalog-{locale}", ".product-card", screenshots)
    page.goto(f"/acme/eu/{locale}/products/{COURSE}")
    first_screen(page, f"product-{locale}", ".offer button[type=submit]", screenshots)


def test_the_phone_menus_open_without_javascript(demo, new_context, screenshots):
    """The header's menu and the filters are <details>: a tap opens them with JavaScript off; the
    syllabus of a free preview lesson is open below the lesson (there is no script to fold it)."""
    context = new_context(viewport={"width": WIDTH, "height": HEIGHT}, java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto("/acme/eu/en/")
    login = page.locator('.site-header a[href*="/sign-in"]')
    expect(login).to_be_hidden()
    page.locator(".nav-toggle").click()
    expect(login).to_be_visible()
    page.locator(".nav-toggle").click()  # the open menu lies over the page: close it again
    expect(login).to_be_hidden()
    page.locator(".filters-toggle").click()
    expect(page.locator("#filter-q")).to_be_visible()

    page.goto(f"/acme/eu/en/products/{COURSE}")
    page.locator(".syllabus .lesson", has=page.locator(".badge", has_text="Free preview")).first.wait_for()
    page.goto(f"/acme/eu/en/learn/{COURSE}/")
    first_screen(page, "lesson-no-js", "#lesson-title", screenshots)
    lesson = page.locator("#lesson-region").bounding_box()
    sidebar = page.locator("#learn-sidebar")
    expect(sidebar).to_be_visible()
    assert sidebar.bounding_box()["y"] > lesson["y"] + lesson["height"] - 1
