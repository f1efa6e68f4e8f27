"""The cart: session carts for visitors, member carts, the login merge, the rules on what can be
added, htmx fragments vs plain redirects, and the add-to-cart forms of the product page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.catalog.models import OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlanMarketPrice
from app.catalog.services import set_market_price
from app.checkout import cart as carts
from app.checkout.models import OrgMemberCart, OrgMemberCartItem
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import OrgMarket
from app.markets.services import create_market
from app.orgs.models import Org
from app.orgs.services import get_member
from app.web import cache
from tests.factories import (
    PASSWORD,
    make_member,
    make_org,
    make_plan,
    make_priced_plan,
    make_product,
    make_region,
    make_tax_category,
    make_tax_rate,
    make_user,
    org_admin,
)

EU = "/shop/eu/en"
US = "/shop/us/en"
HTMX = {"HX-Request": "true"}


@dataclass
class World:
    eu_id: str
    us_id: str
    course: str  # one-time plan of a course, priced in eu and us
    premium: str  # a second plan of the course
    mug: str  # a physical product, priced in eu
    ebook: str  # digital download, priced in eu and us
    only_us: str  # priced in us only
    draft: str  # plan of a draft product priced in eu
    inactive: str  # inactive plan priced in eu
    rival: str  # another org's plan priced in its own eu market
    member_email: str
    stranger_email: str


# The tests share one world, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data


@pytest.fixture(scope="module")
def world(module_app) -> World:
    with module_app.app_context():
        org = make_org("shop", name="Shop Academy")
        eu = create_market(org, slug="eu", name="Europe", type="multi_region", currency_code="EUR",
                           default_locale_key="en", locale_keys=("en", "de"), country_codes=("DE", "AT"),
                           tax_inclusive=True, domains=("eu.shop.localhost",), by=org_admin(org))
        us = create_market(org, slug="us", name="United States", type="single_country", currency_code="USD",
                           default_locale_key="en", locale_keys=("en",), country_codes=("US",), by=org_admin(org))
        course = make_product(org, name="Data Science Bootcamp", slug="data-science")
        basic = make_priced_plan(eu, product=course, name="Basic", price="1234.56")
        set_market_price(basic, us, price=Decimal("49.00"), by=org_admin(basic))
        premium = make_priced_plan(eu, product=course, name="Premium", access_tier=2, price="1999.00")
        mug = make_priced_plan(eu, product=make_product(org, type="physical", name="Logo Mug", slug="mug"),
                               name="Mug", price="12.50")
        ebook = make_priced_plan(eu, product=make_product(org, type="digital_download", name="Pandas Cookbook",
                                                          slug="pandas-cookbook"), name="PDF", price="9.99")
        set_market_price(ebook, us, price=Decimal("12.00"), by=org_admin(ebook))
        only_us = make_priced_plan(us, product=make_product(org, name="Only In America", slug="only-us"),
                                   price="5.00")
        draft = make_priced_plan(eu, product=make_product(org, name="Secret Draft", slug="secret-draft",
                                                          status="draft"), price="5.00")
        inactive = make_priced_plan(eu, product=course, name="Retired", price="10.00")
        inactive.is_active = False

        rival_org = make_org("rival", name="Rival Inc", locale_keys=("en",))
        rival_eu = create_market(rival_org, slug="eu", name="Rival EU", type="single_country",
                                 currency_code="EUR", default_locale_key="en", locale_keys=("en",),
                                 country_codes=("DE",), by=org_admin(rival_org))
        rival = make_priced_plan(rival_eu, product=make_product(rival_org, slug="rival-course"), price="10.00")

        member = make_user("member@example.com")
        make_member(org, member)
        stranger = make_user("stranger@example.com")
        db.session.commit()
        return World(eu.id, us.id, basic.id, premium.id, mug.id, ebook.id, only_us.id, draft.id, inactive.id,
                     rival.id, member.email, stranger.email)


def add(client, plan_id, quantity=None, *, base=EU, htmx=False, **extra):
    data = {"plan_id": plan_id, **extra}
    if quantity is not None:
        data["quantity"] = quantity
    return client.post(f"{base}/cart/items", data=data, headers=HTMX if htmx else {})


def session_carts(client) -> dict:
    with client.session_transaction() as sess:
        return json.loads(json.dumps(sess.get("cart", {})))


def trigger_count(response) -> int:
    return json.loads(response.headers["HX-Trigger"])["cart-changed"]["count"]


def badge_count(html: str) -> int:
    match = re.search(r'class="badge cart-count" data-count="(\d+)"', html)
    assert match, "no cart badge on the page"
    return int(match.group(1))


def member_cart_rows(app, email: str) -> dict[str, dict[str, int]]:
    """{market_id: {plan_id: quantity}} of the member carts of the user with ``email``."""
    from app.accounts.models import UserProfile
    from app.orgs.models import OrgMember

    with app.app_context():
        rows = db.session.execute(
            sa.select(OrgMemberCart.market_id, OrgMemberCartItem.plan_id, OrgMemberCartItem.quantity)
            .join(OrgMemberCartItem, OrgMemberCartItem.cart_id == OrgMemberCart.id)
            .join(OrgMember, OrgMember.id == OrgMemberCart.member_id)
            .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
            .join(User, User.id == UserProfile.user_id)
            .where(User.email == email)
        ).all()
    result: dict[str, dict[str, int]] = {}
    for market_id, plan_id, quantity in rows:
        result.setdefault(market_id, {})[plan_id] = quantity
    return result


# ---- visitor: add / update / remove, with and without htmx -----------------------------------------

def test_add_without_js_redirects_to_the_cart_with_a_flash(world, client):
    response = add(client, world.course)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/shop/eu/en/cart")
    assert session_carts(client) == {world.eu_id: {world.course: 1}}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added Data Science Bootcamp · Basic to your cart." in page
    assert f'data-plan="{world.course}"' in page
    assert "€1,234.56" in page
    assert badge_count(page) == 1


def test_add_with_htmx_returns_a_confirmation_fragment_and_the_cart_changed_event(world, client):
    response = add(client, world.mug, 3, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Added Logo Mug · Mug to your cart." in html
    assert 'href="/shop/eu/en/cart"' in html
    assert trigger_count(response) == 3
    assert "HX-Request" in response.headers["Vary"]
    assert session_carts(client) == {world.eu_id: {world.mug: 3}}


def test_update_and_remove_with_htmx_return_the_cart_region(world, client):
    add(client, world.mug, 2)
    add(client, world.course)
    response = client.post(f"{EU}/cart/items/{world.mug}", data={"quantity": "5"}, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<section id=\"cart\"") and "<html" not in html
    assert f'data-plan="{world.mug}" data-quantity="5"' in html
    assert "€62.50" in html  # 5 x 12.50, priced by the server
    assert trigger_count(response) == 6

    response = client.post(f"{EU}/cart/items/{world.mug}/delete", headers=HTMX)
    assert response.status_code == 200
    assert trigger_count(response) == 1
    assert world.mug not in response.get_data(as_text=True)
    assert session_carts(client) == {world.eu_id: {world.course: 1}}

    response = client.post(f"{EU}/cart/items/{world.course}/delete", headers=HTMX)
    assert trigger_count(response) == 0
    assert "Your cart is empty." in response.get_data(as_text=True)
    assert session_carts(client) == {}


def test_update_and_remove_without_js_redirect(world, client):
    add(client, world.mug)
    response = client.post(f"{EU}/cart/items/{world.mug}", data={"quantity": "4"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/shop/eu/en/cart")
    assert "HX-Trigger" not in response.headers
    page = client.get(f"{EU}/cart").get_data(as_text=True)
    assert "Your cart was updated." in page and badge_count(page) == 4
    response = client.post(f"{EU}/cart/items/{world.mug}/delete")
    assert response.status_code == 303
    page = client.get(f"{EU}/cart").get_data(as_text=True)
    assert "The item was removed from your cart." in page and "Your cart is empty." in page
    # removing what is not there is harmless
    assert client.post(f"{EU}/cart/items/{world.mug}/delete").status_code == 303


def test_badge_endpoint_and_badge_on_store_pages(world, client):
    add(client, world.mug, 7)
    badge = client.get(f"{EU}/cart/badge", headers=HTMX).get_data(as_text=True)
    assert 'data-hx-trigger="cart-changed from:body"' in badge and badge_count(badge) == 7
    assert badge_count(client.get(f"{EU}/").get_data(as_text=True)) == 7
    assert badge_count(client.get(f"{EU}/products/data-science").get_data(as_text=True)) == 7


def test_cart_page_shows_fresh_market_prices_never_client_ones(world, app, client):
    add(client, world.mug, 2, price="0.01", unit_price="0.01")
    with app.app_context():
        plan = db.session.get(OrgProductVariantPaymentPlan, world.mug)
        market = db.session.get(OrgMarket, world.eu_id)
        set_market_price(plan, market, price=Decimal("15.00"), by=org_admin(plan))
        db.session.commit()
    page = client.get(f"{EU}/cart").get_data(as_text=True)
    assert "€15.00" in page and "€30.00" in page and "0.01" not in page


def test_cart_summary_is_priced_by_the_pricing_pipeline(world, app, client):
    """The us market has one country, so the cart can estimate its tax (exclusive market: added on top)."""
    with app.app_context():
        from app.catalog.models import OrgProduct

        org = db.session.scalar(sa.select(Org).where(Org.slug == "shop"))
        category = make_tax_category(org, "digital")
        make_tax_rate(org, category=category, region=make_region(org, "US"), name="Sales tax", rate=Decimal("0.10"),
                      effective_from=datetime(2000, 1, 1, tzinfo=UTC))
        ebook = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == "pandas-cookbook"))
        ebook.tax_category_id = category.id
        db.session.commit()
    add(client, world.ebook, base=US)
    add(client, world.course, base=US)
    page = client.get(f"{US}/cart").get_data(as_text=True)
    assert re.search(r'class="num subtotal">\$61.00<', page)
    assert "Estimated tax (US)" in page and re.search(r'class="num tax">\$1.20<', page)
    assert re.search(r'class="num total"><strong>\$62.20<', page)


# ---- quantity rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("quantity", ["0", "100", "-1", "abc", "1.5", "1e3", "²", "99999999999999999999", " ",
                                      "Infinity", "-Infinity", "NaN", "1e309", "٣"])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_quantities_are_rejected_and_change_nothing(world, client, quantity, htmx):
    add(client, world.mug, 2)
    response = add(client, world.mug, quantity, htmx=htmx)
    if quantity == " ":  # empty means one
        assert response.status_code in (200, 303)
        assert session_carts(client) == {world.eu_id: {world.mug: 3}}
        return
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 99." in response.get_data(as_text=True)
    assert "HX-Trigger" not in response.headers
    assert session_carts(client) == {world.eu_id: {world.mug: 2}}
    response = client.post(f"{EU}/cart/items/{world.mug}", data={"quantity": quantity},
                           headers=HTMX if htmx else {})
    assert response.status_code == 422
    assert "Enter a whole number from 1 to 99." in response.get_data(as_text=True)
    assert session_carts(client) == {world.eu_id: {world.mug: 2}}


def test_only_physical_products_can_be_bought_more_than_once(world, client):
    response = add(client, world.course, 2, htmx=True)
    assert response.status_code == 422
    assert "You can buy one of this at a time." in response.get_data(as_text=True)
    assert session_carts(client) == {}

    add(client, world.course)
    again = add(client, world.course, htmx=True)
    assert again.status_code == 200 and "already in your cart" in again.get_data(as_text=True)
    assert trigger_count(again) == 1
    response = client.post(f"{EU}/cart/items/{world.course}", data={"quantity": "2"})
    assert response.status_code == 422
    assert "You can buy one of this at a time." in response.get_data(as_text=True)
    assert session_carts(client) == {world.eu_id: {world.course: 1}}

    add(client, world.mug, 60)
    too_many = add(client, world.mug, 40)
    assert too_many.status_code == 422 and "at most 99" in too_many.get_data(as_text=True)
    assert add(client, world.mug, 39).status_code == 303
    assert session_carts(client)[world.eu_id][world.mug] == 99


def test_updating_a_line_that_is_not_in_the_cart_is_a_clear_error(world, client):
    response = client.post(f"{EU}/cart/items/{world.mug}", data={"quantity": "2"})
    assert response.status_code == 404
    assert "This item is no longer in your cart." in response.get_data(as_text=True)
    assert session_carts(client) == {}


# ---- what can be added --------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["only_us", "rival", "draft", "inactive", "missing", "long", "empty"])
@pytest.mark.parametrize("htmx", [False, True])
def test_plans_not_sold_in_the_market_are_rejected_and_change_nothing(world, client, which, htmx):
    add(client, world.ebook)
    special = {"missing": "no-such-plan", "long": "x" * 500, "empty": ""}
    plan_id = special[which] if which in special else getattr(world, which)
    response = add(client, plan_id, htmx=htmx)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if which == "empty":
        assert "Choose a plan to add." in html
    elif which == "long":
        assert "Field cannot be longer" in html or "not available" in html
    else:
        assert "This plan is not available in this market." in html
    assert "HX-Trigger" not in response.headers
    assert ("<html" in html) is (not htmx)
    assert session_carts(client) == {world.eu_id: {world.ebook: 1}}


def test_members_get_the_same_rules(world, client, login, app):
    login(client, world.member_email, PASSWORD)
    for plan_id in (world.only_us, world.rival, world.draft, world.inactive):
        assert add(client, plan_id).status_code == 422
    assert add(client, world.course, 2).status_code == 422
    assert member_cart_rows(app, world.member_email) == {}


def test_a_line_no_longer_sold_is_shown_unavailable_and_can_be_removed(world, app, client):
    add(client, world.mug, 2)
    add(client, world.ebook)
    with app.app_context():
        db.session.execute(
            sa.update(OrgProductVariantPaymentPlanMarketPrice)
            .where(OrgProductVariantPaymentPlanMarketPrice.plan_id == world.ebook)
            .values(is_active=False)
        )
        db.session.commit()
    page = client.get(f"{EU}/cart").get_data(as_text=True)
    assert "No longer available in this market." in page
    assert re.search(r'class="num subtotal">€25.00<', page)
    response = client.post(f"{EU}/cart/items/{world.ebook}", data={"quantity": "1"})
    assert response.status_code == 422
    assert client.post(f"{EU}/cart/items/{world.ebook}/delete").status_code == 303
    assert session_carts(client) == {world.eu_id: {world.mug: 2}}


def test_a_malformed_session_cart_is_ignored(world, client):
    with client.session_transaction() as sess:
        sess["cart"] = {"x": "junk", world.eu_id: {world.mug: "7", world.course: 1, "": 3, world.ebook: True}}
    page = client.get(f"{EU}/cart")
    assert page.status_code == 200
    assert badge_count(page.get_data(as_text=True)) == 1
    with client.session_transaction() as sess:
        sess["cart"] = "garbage"
    assert client.get(f"{EU}/cart").status_code == 200


# ---- markets -------------------------------------------------------------------------------------------

def test_carts_are_per_market(world, client):
    add(client, world.course)
    add(client, world.mug, 2)
    add(client, world.ebook, base=US)
    assert session_carts(client) == {world.eu_id: {world.course: 1, world.mug: 2}, world.us_id: {world.ebook: 1}}
    us_page = client.get(f"{US}/cart").get_data(as_text=True)
    assert badge_count(us_page) == 1 and "$12.00" in us_page and world.mug not in us_page
    eu_page = client.get(f"{EU}/cart").get_data(as_text=True)
    assert badge_count(eu_page) == 3 and world.ebook not in eu_page
    client.post(f"{US}/cart/items/{world.ebook}/delete")
    assert session_carts(client) == {world.eu_id: {world.course: 1, world.mug: 2}}


def test_member_carts_are_per_market(world, app, client, login):
    login(client, world.member_email, PASSWORD)
    add(client, world.course)
    add(client, world.course, base=US)
    add(client, world.mug, 4)
    assert member_cart_rows(app, world.member_email) == {
        world.eu_id: {world.course: 1, world.mug: 4}, world.us_id: {world.course: 1},
    }
    assert badge_count(client.get(f"{US}/cart").get_data(as_text=True)) == 1
    assert badge_count(client.get(f"{EU}/cart").get_data(as_text=True)) == 5


def test_the_market_domain_serves_the_same_cart(world, client):
    host = {"Host": "eu.shop.localhost"}
    response = client.post("/en/cart/items", data={"plan_id": world.mug, "quantity": "2"}, headers=host)
    assert response.status_code == 303 and response.headers["Location"].endswith("/en/cart")
    assert "/shop/" not in response.headers["Location"]
    badge = client.get("/en/cart/badge", headers=host).get_data(as_text=True)
    assert badge_count(badge) == 2 and 'href="/en/cart"' in badge
    response = client.post(f"/en/cart/items/{world.mug}", data={"quantity": "3"}, headers={**host, **HTMX})
    assert trigger_count(response) == 3 and f'action="/en/cart/items/{world.mug}"' in response.get_data(as_text=True)


def test_the_cart_page_on_a_market_domain(world, client):
    host = {"Host": "eu.shop.localhost"}
    client.post("/en/cart/items", data={"plan_id": world.mug}, headers=host)
    response = client.get("/en/cart", headers=host)
    assert response.status_code == 200 and badge_count(response.get_data(as_text=True)) == 1


# ---- members and the login merge -------------------------------------------------------------------

def test_member_cart_is_stored_in_the_database_not_the_session(world, app, client, login):
    login(client, world.member_email, PASSWORD)
    response = add(client, world.mug, 2, htmx=True)
    assert trigger_count(response) == 2
    assert session_carts(client) == {}
    assert member_cart_rows(app, world.member_email) == {world.eu_id: {world.mug: 2}}
    client.post(f"{EU}/cart/items/{world.mug}", data={"quantity": "3"})
    client.post(f"{EU}/cart/items/{world.mug}/delete")
    assert member_cart_rows(app, world.member_email) == {}


def test_login_merges_the_session_cart_into_the_member_cart(world, app, client, login):
    # the member already has 98 mugs and the course in the eu cart from another device
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == world.member_email))
        member = get_member(db.session.get(OrgMarket, world.eu_id).org_id, user)
        cart = carts.member_cart(member, world.eu_id)
        carts.add_item(cart, world.mug, 98)
        carts.add_item(cart, world.course)
        db.session.commit()

    add(client, world.mug, 5)
    add(client, world.course)
    add(client, world.ebook)
    add(client, world.ebook, base=US)
    response = login(client, world.member_email, PASSWORD)
    assert response.status_code in (302, 303)
    assert member_cart_rows(app, world.member_email) == {
        world.eu_id: {world.mug: 99, world.course: 1, world.ebook: 1},
        world.us_id: {world.ebook: 1},
    }
    assert session_carts(client) == {}
    assert badge_count(client.get(f"{EU}/cart").get_data(as_text=True)) == 101


def test_a_logged_in_non_member_keeps_the_session_cart(world, app, client, login):
    add(client, world.mug, 2)
    login(client, world.stranger_email, PASSWORD)
    assert session_carts(client) == {world.eu_id: {world.mug: 2}}
    add(client, world.course)
    assert session_carts(client) == {world.eu_id: {world.mug: 2, world.course: 1}}
    assert member_cart_rows(app, world.stranger_email) == {}
    assert badge_count(client.get(f"{EU}/cart").get_data(as_text=True)) == 3


def test_becoming_a_member_later_moves_the_session_cart_over(world, app, client, login):
    login(client, world.stranger_email, PASSWORD)
    add(client, world.mug, 2)
    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "shop"))
        make_member(org, db.session.scalar(sa.select(User).where(User.email == world.stranger_email)))
        db.session.commit()
    page = client.get(f"{EU}/cart").get_data(as_text=True)
    assert badge_count(page) == 2 and f'data-plan="{world.mug}"' in page
    assert member_cart_rows(app, world.stranger_email) == {world.eu_id: {world.mug: 2}}
    assert session_carts(client) == {}


# ---- services ---------------------------------------------------------------------------------------

def test_service_rules_on_a_session_cart(world, app):
    with app.app_context():
        cart = carts.SessionCart(org_id=db.session.get(OrgProductVariantPaymentPlan, world.mug).org_id,
                                 market_id=world.eu_id)
        with pytest.raises(ValidationError):
            carts.add_item(cart, world.mug, 0)
        with pytest.raises(ValidationError):
            carts.add_item(cart, world.mug, True)
        with pytest.raises(ValidationError):
            carts.add_item(cart, world.rival)
        assert carts.add_item(cart, world.mug, 2).quantity == 2
        assert carts.set_quantity(cart, world.mug, 5) == 5
        assert carts.count(cart) == 5
        lines = carts.cart_lines(_storefront(), cart)
        assert [(line.plan_id, line.quantity, line.unit_price) for line in lines] == [
            (world.mug, 5, Decimal("12.5000"))
        ]
        assert carts.remove_item(cart, world.mug) is True
        assert carts.remove_item(cart, world.mug) is False


def test_a_cart_holds_a_bounded_number_of_lines(world, app, client):
    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "shop"))
        eu = db.session.get(OrgMarket, world.eu_id)
        ids = [make_priced_plan(eu, product=make_product(org), price="1.00").id for _ in range(carts.MAX_LINES + 1)]
        db.session.commit()
    for plan_id in ids[:-1]:
        assert add(client, plan_id).status_code == 303
    response = add(client, ids[-1])
    assert response.status_code == 422 and "Your cart is full" in response.get_data(as_text=True)
    assert len(session_carts(client)[world.eu_id]) == carts.MAX_LINES


def _storefront():
    from app.markets.storefront import storefront_for

    return storefront_for("shop", "eu")


# ---- query counts ---------------------------------------------------------------------------------------

def _fill(app, client, world, n: int) -> None:
    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "shop"))
        eu = db.session.get(OrgMarket, world.eu_id)
        ids = []
        for _ in range(n):
            product = make_product(org, type="physical")
            make_plan(product, name="Extra")  # a second variant plan: product names stay per product
            ids.append(make_priced_plan(eu, product=product, price="2.00").id)
        db.session.commit()
    for plan_id in ids:
        assert add(client, plan_id, 2).status_code == 303


@pytest.mark.parametrize("member", [False, True])
def test_cart_page_queries_do_not_grow_with_the_cart(world, app, client, login, count_queries, member):
    if member:
        login(client, world.member_email, PASSWORD)
    client.get(f"{EU}/cart")  # warm-up
    _fill(app, client, world, 1)
    with count_queries() as one:
        response = client.get(f"{EU}/cart")
    assert response.status_code == 200 and badge_count(response.get_data(as_text=True)) == 2
    _fill(app, client, world, 19)
    with count_queries() as twenty:
        response = client.get(f"{EU}/cart")
    assert response.status_code == 200 and badge_count(response.get_data(as_text=True)) == 40
    assert one.count == twenty.count, str(twenty)
    # 15: the header's one query for the "Dashboard" link (issue 11); plan and variant names in the
    # page's language (issue 16)
    assert twenty.count <= 15, str(twenty)


def test_adding_to_a_member_cart_writes_one_insert_without_a_savepoint(world, app, client, login, count_queries):
    login(client, world.member_email, PASSWORD)
    assert add(client, world.course).status_code == 303  # the cart's row (and a first line)

    def savepoints(log) -> int:
        return sum(1 for s in log.all_statements if s.lstrip().startswith("SAVEPOINT"))

    with count_queries() as adding:
        assert add(client, world.ebook).status_code == 303
    assert [s.split("(")[0].strip() for s in adding.statements if not s.lstrip().startswith("SELECT")] == [
        "INSERT INTO org_member_cart_item"], str(adding)
    assert adding.count <= 6, str(adding)  # the storefront, the user, the member, the cart, the offer, the line
    with count_queries() as again:  # already in the cart: nothing written
        assert add(client, world.ebook).status_code == 303
    assert all(s.lstrip().startswith("SELECT") for s in again.statements), str(again)
    # the line was a SAVEPOINT, a flush and a RELEASE: now as many SAVEPOINTs as a request that writes
    # nothing takes (the test harness's own)
    assert savepoints(adding) == savepoints(again)
    assert member_cart_rows(app, world.member_email) == {world.eu_id: {world.course: 1, world.ebook: 1}}


# ---- the product page's add-to-cart forms -----------------------------------------------------------------

FORM_RE = re.compile(r'<form id="buy-([0-9a-f]+)"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)


def test_product_page_has_an_add_to_cart_form_per_offer(world, client):
    html = client.get(f"{EU}/products/data-science").get_data(as_text=True)
    forms = {plan_id: (action, body) for plan_id, action, body in FORM_RE.findall(html)}
    assert set(forms) == {world.course, world.premium}  # the inactive plan is not offered
    for plan_id, (action, body) in forms.items():
        assert action == "/shop/eu/en/cart/items"
        assert f'name="plan_id" value="{plan_id}"' in body
        assert f'<button type="submit" class="button" form="buy-{plan_id}">Add to cart</button>' in html
        assert f'id="buy-status-{plan_id}"' in html
    assert 'name="quantity"' not in html  # one course per order: no quantity field
    mug = client.get(f"{EU}/products/mug").get_data(as_text=True)
    assert f'name="quantity" form="buy-{world.mug}"' in mug


def test_add_to_cart_forms_carry_a_per_session_csrf_token_outside_the_cached_body(world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["STOREFRONT_CACHE_SECONDS"] = 30
    cache.clear()
    try:
        first, second = app.test_client(), app.test_client()
        page_one = first.get(f"{EU}/products/data-science").get_data(as_text=True)
        page_two = second.get(f"{EU}/products/data-science").get_data(as_text=True)

        def tokens(html):
            return [re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
                    for _plan, _action, body in FORM_RE.findall(html)]

        one, two = tokens(page_one), tokens(page_two)
        assert len(one) == len(two) == 2
        assert set(one).isdisjoint(two)
        # the cached product body is shared by both visitors and holds no token
        body_one = page_one.split('<article class="product', 1)[1].split("</article>", 1)[0]
        body_two = page_two.split('<article class="product', 1)[1].split("</article>", 1)[0]
        assert body_one == body_two and "csrf" not in body_one

        # a plain form post needs the token; htmx sends it in a header
        assert first.post(f"{EU}/cart/items", data={"plan_id": world.course}).status_code == 400
        ok = first.post(f"{EU}/cart/items", data={"plan_id": world.course, "csrf_token": one[0]})
        assert ok.status_code == 303
        htmx = second.post(f"{EU}/cart/items", data={"plan_id": world.course},
                           headers={**HTMX, "X-CSRFToken": two[0]})
        assert htmx.status_code == 200 and trigger_count(htmx) == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
        app.config["STOREFRONT_CACHE_SECONDS"] = 0
        cache.clear()


def test_the_cart_names_products_and_plans_in_the_page_language_and_falls_back_to_the_base_name(world, app, client):
    from app.catalog.models import (
        OrgProductTranslation,
        OrgProductVariantPaymentPlanTranslation,
        OrgProductVariantTranslation,
    )

    with app.app_context():
        basic = db.session.get(OrgProductVariantPaymentPlan, world.course)
        ebook = db.session.get(OrgProductVariantPaymentPlan, world.ebook)
        course = basic.variant.product
        db.session.add_all([
            OrgProductTranslation(org_id=course.org_id, product_id=course.id, locale_key="de",
                                  name="Data-Science-Intensivkurs"),
            OrgProductVariantPaymentPlanTranslation(org_id=course.org_id, plan_id=basic.id, locale_key="de",
                                                    name="Grundpaket"),
            # an empty translation counts as missing: the base name shows
            OrgProductVariantPaymentPlanTranslation(org_id=course.org_id, plan_id=ebook.id, locale_key="de", name=""),
        ])
        # a second active variant: the cart names the variant of each line
        from app.catalog.services import add_variant

        add_variant(course, name="Hardcover", by=org_admin(course))
        db.session.add(OrgProductVariantTranslation(org_id=course.org_id, variant_id=basic.variant_id,
                                                    locale_key="de", name="Standardausgabe"))
        db.session.commit()
    german = add(client, world.course, base="/shop/eu/de", htmx=True)
    assert "Data-Science-Intensivkurs · Grundpaket" in german.get_data(as_text=True)
    add(client, world.ebook, base="/shop/eu/de")
    page = client.get("/shop/eu/de/cart").get_data(as_text=True)
    assert "Data-Science-Intensivkurs" in page and "Grundpaket" in page
    assert "Pandas Cookbook" in page and "PDF" in page  # no German names: the base ones
    assert "Standardausgabe" in page
    english = client.get("/shop/eu/en/cart").get_data(as_text=True)
    assert "Data Science Bootcamp" in english and "Basic" in english and "Grundpaket" not in english
