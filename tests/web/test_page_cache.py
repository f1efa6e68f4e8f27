"""Whole catalog pages for visitors without cookies come from the read cache (app/web/cache.py,
``page``): the same page for every such visitor, each with a CSRF token of their own; anyone with a
session (signed in, a cart) gets the page rendered for them; an edit shows at once."""

from __future__ import annotations

import re

import pytest

from app.catalog.models import OrgProduct
from app.extensions import db
from app.markets.services import create_market
from app.web import cache
from tests.factories import PASSWORD, make_org, make_priced_plan, make_product, make_user, org_admin

STORE = "/cafe/eu/en/"
PRODUCT = f"{STORE}products/latte-art"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def store(app):
    with app.app_context():
        org = make_org("cafe", name="Cafe Academy", locale_keys=("en", "de"))
        market = create_market(org, slug="eu", name="Europe", type="single_country", currency_code="EUR",
                               default_locale_key="en", locale_keys=("en", "de"), country_codes=("DE",),
                               by=org_admin(org))
        product = make_product(org, name="Latte Art", slug="latte-art")
        plan = make_priced_plan(market, product=product, price="19.00")
        make_user("buyer@example.com")
        db.session.commit()
        plan_id = plan.id
    app.config["STOREFRONT_CACHE_SECONDS"] = 30
    app.config["WTF_CSRF_ENABLED"] = True
    cache.clear()
    yield plan_id
    app.config["STOREFRONT_CACHE_SECONDS"] = 0
    app.config["WTF_CSRF_ENABLED"] = False
    cache.clear()


def _without_tokens(html: str) -> str:
    return META.sub("", TOKEN.sub("", html))


def _two_visitors(app, count_queries, path):
    """Two visitors without cookies open ``path``; the second's page comes from the cache without a
    query. Returns their clients and responses."""
    first, second = app.test_client(), app.test_client()
    one = first.get(path)
    with count_queries() as warm:
        two = second.get(path)
    assert warm.count == 0, str(warm)
    return first, second, one, two


def test_a_second_visitor_gets_the_same_page_without_a_query_or_a_session(store, app, count_queries):
    _first, second, one, two = _two_visitors(app, count_queries, STORE)
    assert "Latte Art" in two.get_data(as_text=True)
    assert one.get_data(as_text=True) == two.get_data(as_text=True)
    assert not META.search(two.get_data(as_text=True)) and "Set-Cookie" not in two.headers
    # The language switcher is a link to the same page in German (no form, no token to keep apart).
    german = re.search(r'<a href="([^"]+)" hreflang="de"', two.get_data(as_text=True)).group(1)
    assert german == "/cafe/eu/de/"
    assert 'lang="de"' in second.get(german).get_data(as_text=True)


def test_the_htmx_fragment_and_the_full_page_are_cached_apart(store, app):
    fragment = app.test_client().get(f"{STORE}?type=course", headers={"HX-Request": "true", "HX-Target": "results"})
    page = app.test_client().get(f"{STORE}?type=course")
    again = app.test_client().get(f"{STORE}?type=course", headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in fragment.get_data(as_text=True) and "<html" in page.get_data(as_text=True)
    assert again.get_data(as_text=True) == fragment.get_data(as_text=True)
    assert again.headers.get("HX-Push-Url") == fragment.headers.get("HX-Push-Url")


def test_a_visitor_with_a_cart_or_signed_in_gets_their_own_page(store, app, login, count_queries):
    app.test_client().get(STORE)  # cached for visitors without cookies
    shopper = app.test_client()
    html = shopper.get(PRODUCT).get_data(as_text=True)
    token = TOKEN.search(html).group(1)  # the add-to-cart form's
    assert shopper.post(f"{STORE}cart/items", data={"plan_id": store, "csrf_token": token}).status_code == 303
    assert 'data-count="1"' in shopper.get(STORE).get_data(as_text=True)

    app.config["WTF_CSRF_ENABLED"] = False
    member = app.test_client()
    login(member, "buyer@example.com", PASSWORD)
    assert "My orders" in member.get(STORE).get_data(as_text=True)
    assert "My orders" not in app.test_client().get(STORE).get_data(as_text=True)


def test_an_edit_shows_to_the_next_visitor_at_once(store, app):
    assert "Latte Art" in app.test_client().get(STORE).get_data(as_text=True)
    with app.app_context():
        product = db.session.scalar(db.select(OrgProduct).where(OrgProduct.slug == "latte-art"))
        product.name = "Flat White Art"
        db.session.commit()
    assert "Flat White Art" in app.test_client().get(STORE).get_data(as_text=True)



def test_the_product_page_is_kept_whole_for_visitors_with_a_token_each_and_rendered_for_members(
        store, app, login, count_queries):
    first, second, one, two = _two_visitors(app, count_queries, PRODUCT)
    html_one, html_two = one.get_data(as_text=True), two.get_data(as_text=True)
    assert _without_tokens(html_one) == _without_tokens(html_two)
    token_one, token_two = META.search(html_one).group(1), META.search(html_two).group(1)
    assert token_one != token_two
    assert TOKEN.search(html_two).group(1) == token_two  # the add-to-cart form: the same token
    assert "session=" in two.headers.get("Set-Cookie", "")
    # The form works for the second visitor (their token, their session) ...
    added = second.post(f"{STORE}cart/items", data={"plan_id": store, "csrf_token": token_two})
    assert added.status_code == 303
    # ... and another visitor's token is refused.
    assert first.post(f"{STORE}cart/items", data={"plan_id": store, "csrf_token": token_two}).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    member = app.test_client()
    login(member, "buyer@example.com", PASSWORD)
    assert "My orders" in member.get(PRODUCT).get_data(as_text=True)
    assert "My orders" not in app.test_client().get(PRODUCT).get_data(as_text=True)


def test_an_edit_to_a_product_shows_on_its_page_at_once_and_a_missing_one_stays_missing(store, app):
    assert "Latte Art" in app.test_client().get(PRODUCT).get_data(as_text=True)
    assert app.test_client().get(f"{STORE}products/nothing-here").status_code == 404
    with app.app_context():
        product = db.session.scalar(db.select(OrgProduct).where(OrgProduct.slug == "latte-art"))
        product.name = "Flat White Art"
        db.session.commit()
    assert "Flat White Art" in app.test_client().get(PRODUCT).get_data(as_text=True)
    assert app.test_client().get(f"{STORE}products/nothing-here").status_code == 404
