"""Promotions in the dashboard (app/staff/promotions.py, app/catalog/promotions.py): create, edit,
deactivate, the list with uses and revenue (one aggregate query), bad input on its field, roles,
and the checkout honouring every rule the form sets (per-member limit, collection and market scope,
window, deactivation)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgDiscount
from app.catalog.services import add_to_collection, create_collection, set_market_price
from app.db import utcnow
from app.extensions import db
from app.markets.services import create_market
from app.orgs.models import Org, OrgAuditLog
from tests.factories import PASSWORD, make_employee, make_org, make_plan, make_product, make_user, org_admin

PREFIX = "/promoshop/eu/en"
US = "/promoshop/us/en"
DASH = "/dashboard/promoshop"


@pytest.fixture
def shop(app) -> dict:
    """Two courses in EUR (one in the "Clay" collection) and one in USD; staff, manager, creator, buyer."""
    with app.app_context():
        org = make_org("promoshop", name="Promo Shop")
        admin = org_admin(org)
        eu = create_market(org, slug="eu", name="Europe", type="multi_region", currency_code="EUR",
                           default_locale_key="en", locale_keys=("en",), country_codes=("DE",),
                           tax_inclusive=True, by=admin)
        us = create_market(org, slug="us", name="US", type="single_country", currency_code="USD",
                           default_locale_key="en", locale_keys=("en",), country_codes=("US",),
                           tax_inclusive=False, by=admin)
        clay = make_product(org, name="Clay", slug="clay")
        glaze = make_product(org, name="Glaze", slug="glaze")
        plans = {}
        for product in (clay, glaze):
            plan = make_plan(product, name="Full", access_tier=1)
            set_market_price(plan, eu, price=Decimal("100.00"), by=admin)
            set_market_price(plan, us, price=Decimal("100.00"), by=admin)
            plans[product.slug] = plan.id  # the plan to buy
            plans[f"{product.slug}_product"] = product.id
        collection = create_collection(org, slug="clay-things", name="Clay things", by=admin)
        add_to_collection(collection, clay, by=admin)
        make_employee(org, make_user("pr-manager@example.com"), role="manager")
        make_employee(org, make_user("pr-staff@example.com"), role="staff")
        make_employee(org, make_user("pr-creator@example.com"), role="creator")
        make_user("pr-buyer@example.com", display_name="Bea Buyer")
        db.session.commit()
        return {"org_id": org.id, "eu": eu.id, "us": us.id, "collection": collection.id, **plans}


def _as(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code in (302, 303)
    return client


def _create(client, **data):
    form = {"code": "SPRING", "name": "Spring", "type": "percent", "value": "10", "currency_code": "",
            "market_id": "", "scope": "", **data}
    return client.post(f"{DASH}/promotions/new", data=form)


def _discount(app, code: str) -> OrgDiscount:
    with app.app_context():
        d = db.session.scalar(sa.select(OrgDiscount).where(OrgDiscount.code == code))
        db.session.expunge(d)
        return d


def _checkout(client, prefix: str, plan_id: str, code: str, *, place: bool = False):
    client.post(f"{prefix}/cart/items", data={"plan_id": plan_id})
    html = client.get(f"{prefix}/checkout").get_data(as_text=True)
    fields = dict(re.findall(r'name="(cart_fingerprint|submission)"[^>]*value="([^"]*)"', html))
    country = "US" if prefix == US else "DE"
    return client.post(f"{prefix}/checkout", data={
        **fields, "billing_name": "Bea Buyer", "billing_email": "pr-buyer@example.com", "billing_country": country,
        "discount_code": code, "action": "place" if place else "apply"})


# ---- create, edit, deactivate -------------------------------------------------------------------

def test_a_manager_creates_edits_and_deactivates_a_code_with_the_audit_trail(app, shop, login):
    manager = _as(app, login, "pr-manager@example.com")
    response = _create(manager, code="spring-24", type="fixed", value="15", currency_code="EUR",
                       market_id=shop["eu"], scope=f"collection:{shop['collection']}", usage_limit="100",
                       per_member_limit="1", ends_on=(utcnow() + timedelta(days=10)).date().isoformat())
    assert response.status_code == 303, response.get_data(as_text=True)
    d = _discount(app, "SPRING-24")
    assert (d.type, d.value, d.currency_code, d.market_id, d.collection_id, d.usage_limit, d.per_member_limit) == (
        "fixed", Decimal("15.0000"), "EUR", shop["eu"], shop["collection"], 100, 1)
    listing = manager.get(f"{DASH}/promotions").get_data(as_text=True)
    assert 'data-promotion="SPRING-24"' in listing and "Clay things" in listing and "Europe" in listing

    page = manager.get(f"{DASH}/promotions/{d.id}").get_data(as_text=True)
    assert 'value="SPRING-24"' in page
    assert re.search(rf'<option selected value="collection:{shop["collection"]}"', page)
    edited = manager.post(f"{DASH}/promotions/{d.id}", data={
        "code": "SPRING-24", "name": "Spring sale", "type": "percent", "value": "20", "currency_code": "",
        "market_id": "", "scope": f"product:{shop['glaze_product']}", "usage_limit": "", "per_member_limit": "2",
        "is_active": "y"})
    assert edited.status_code == 303, edited.get_data(as_text=True)
    d = _discount(app, "SPRING-24")
    assert (d.type, d.value, d.product_id, d.collection_id, d.market_id, d.per_member_limit, d.usage_limit) == (
        "percent", Decimal("20.0000"), shop["glaze_product"], None, None, 2, None)
    assert manager.post(f"{DASH}/promotions/{d.id}/deactivate").status_code == 303
    assert _discount(app, "SPRING-24").is_active is False
    assert 'data-status="inactive"' in manager.get(f"{DASH}/promotions/{d.id}").get_data(as_text=True)
    with app.app_context():
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == d.id)))
    assert actions == {"discount.created", "discount.updated", "discount.deactivated"}


@pytest.mark.parametrize("data, field, message", [
    ({"value": "150"}, "value", "more than 100%"),
    ({"value": "0"}, "value", "greater than zero"),
    ({"value": "-5"}, "value", "greater than zero"),
    ({"value": "1e30"}, "value", "too large"),
    ({"type": "fixed", "value": "5"}, "currency_code", "needs a currency"),
    ({"type": "fixed", "value": "5", "currency_code": "USD", "market_id": "EU"}, "currency_code", "market currency"),
    ({"code": "a"}, "code", "3 to 40"),
    ({"code": "sp ring"}, "code", "3 to 40"),
    ({"name": "bad\x00name"}, "name", "not allowed"),
    ({"starts_on": "2030-01-10", "ends_on": "2030-01-05"}, "ends_on", "end after it starts"),
    ({"ends_on": "2001-01-01"}, "ends_on", "future"),
    ({"usage_limit": "0"}, "usage_limit", "at least 1"),
    ({"per_member_limit": "-1"}, "per_member_limit", "at least 1"),
    ({"per_member_limit": "99999999999999999999"}, "per_member_limit", "at least 1"),
])
def test_bad_input_gets_a_message_on_its_field(app, shop, login, data, field, message):
    if data.get("market_id") == "EU":
        data = {**data, "market_id": shop["eu"]}
    response = _create(_as(app, login, "pr-manager@example.com"), **data)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    assert error and message.lower() in error.group(1).lower(), response.get_data(as_text=True)[-3000:]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgDiscount)) == 0


def test_a_taken_code_and_a_limit_below_the_uses_are_refused(app, shop, login):
    manager = _as(app, login, "pr-manager@example.com")
    assert _create(manager, code="TAKEN").status_code == 303
    again = _create(manager, code="taken")
    assert again.status_code == 422 and "already uses the code" in again.get_data(as_text=True)
    d = _discount(app, "TAKEN")
    with app.app_context():
        db.session.get(OrgDiscount, d.id).times_used = 3
        db.session.commit()
    lower = manager.post(f"{DASH}/promotions/{d.id}", data={
        "code": "TAKEN", "name": "x", "type": "percent", "value": "10", "usage_limit": "2", "is_active": "y"})
    assert lower.status_code == 422 and "used 3 times already" in lower.get_data(as_text=True)


def test_only_admins_and_managers_see_promotions(app, shop, login):
    for email, status in (("pr-staff@example.com", 403), ("pr-creator@example.com", 403),
                          ("pr-manager@example.com", 200)):
        assert _as(app, login, email).get(f"{DASH}/promotions").status_code == status
    assert _create(_as(app, login, "pr-staff@example.com")).status_code == 403


# ---- the list: uses and revenue -------------------------------------------------------------------

def test_the_list_shows_uses_and_the_revenue_of_paid_orders(app, shop, login):
    manager = _as(app, login, "pr-manager@example.com")
    assert _create(manager, code="TENOFF").status_code == 303
    buyer = _as(app, login, "pr-buyer@example.com")
    placed = _checkout(buyer, PREFIX, shop["clay"], "TENOFF", place=True)
    assert placed.status_code == 303
    pay_url = placed.headers["Location"]
    assert buyer.post(pay_url, data={"outcome": "pay"}).status_code == 303
    html = manager.get(f"{DASH}/promotions").get_data(as_text=True)
    row = html[html.index('data-promotion="TENOFF"'):]
    row = row[:row.index("</tr>")]
    assert ">1<" in row.replace(" ", "") and 'data-revenue="EUR">€90.00' in row and "1 paid order" in row


def test_the_list_costs_the_same_queries_for_5_and_300_codes(app, shop, login, count_queries):
    manager = _as(app, login, "pr-manager@example.com")
    manager.get(f"{DASH}/promotions")

    def add(start: int, count: int) -> None:
        with app.app_context():
            org_id = shop["org_id"]
            db.session.execute(sa.insert(OrgDiscount), [
                {"org_id": org_id, "code": f"CODE{i:04d}", "name": f"Code {i}", "type": "percent",
                 "value": Decimal(5), "times_used": 0, "is_active": True} for i in range(start, start + count)])
            db.session.commit()

    add(0, 5)
    with count_queries() as few:
        assert manager.get(f"{DASH}/promotions", query_string={"per_page": "100"}).status_code == 200
    add(5, 295)
    with count_queries() as many:
        html = manager.get(f"{DASH}/promotions", query_string={"per_page": "100"}).get_data(as_text=True)
    assert html.count("data-promotion=") == 100
    assert many.count == few.count, str(many)


# ---- the checkout honours the rules ----------------------------------------------------------------

def test_the_checkout_enforces_the_per_member_limit(app, shop, login):
    manager = _as(app, login, "pr-manager@example.com")
    assert _create(manager, code="ONCE", per_member_limit="1").status_code == 303
    buyer = _as(app, login, "pr-buyer@example.com")
    first = _checkout(buyer, PREFIX, shop["clay"], "ONCE", place=True)
    assert first.status_code == 303
    second = _checkout(buyer, PREFIX, shop["glaze"], "once")
    assert "already used this discount code" in second.get_data(as_text=True)
    refused = _checkout(buyer, PREFIX, shop["glaze"], "ONCE", place=True)
    assert refused.status_code == 422
    # another member may still use it
    make = _as(app, login, "pr-manager@example.com")  # employees are buyers too
    assert _checkout(make, PREFIX, shop["glaze"], "ONCE", place=True).status_code == 303


def test_the_per_member_limit_is_enforced_when_the_order_is_placed(app, shop):
    """The order service refuses too (a quote made before the first order was placed)."""
    from app.catalog.models import OrgProduct, OrgProductVariantPaymentPlan
    from app.catalog.promotions import create_promotion
    from app.errors import ConflictError
    from app.markets.models import OrgMarket
    from app.orders import services as orders
    from app.orgs.services import ensure_member
    from app.pricing import pipeline as pricing

    with app.app_context():
        org = db.session.get(Org, shop["org_id"])
        discount = create_promotion(org, code="TWICE", name="x", type="percent", value="10", per_member_limit=2,
                                    by=org_admin(org))
        market = db.session.get(OrgMarket, shop["eu"])
        plan = db.session.get(OrgProductVariantPaymentPlan, shop["clay"])
        product = db.session.get(OrgProduct, plan.variant.product_id)
        member = ensure_member(org, make_user(), membership_type="customer")

        def place():
            quote = pricing.quote(org, currency="EUR", tax_inclusive=True, market_id=market.id,
                                  billing_country="DE", discount=discount,
                                  lines=[pricing.LineInput.for_plan(plan, product, unit_price=Decimal("100"))])
            return orders.place_order(org, member, market, quote, billing_name="M", billing_email="m@example.com",
                                      billing_country="DE")

        first, _second = place(), place()
        with pytest.raises(ConflictError):
            place()
        orders.cancel_order(first)  # a cancelled order gives its use back
        place()


def test_the_checkout_honours_collection_and_market_scope_and_deactivation(app, shop, login):
    manager = _as(app, login, "pr-manager@example.com")
    assert _create(manager, code="CLAYONLY", scope=f"collection:{shop['collection']}").status_code == 303
    assert _create(manager, code="EUONLY", market_id=shop["eu"]).status_code == 303
    buyer = _as(app, login, "pr-buyer@example.com")
    glaze = _checkout(buyer, PREFIX, shop["glaze"], "CLAYONLY").get_data(as_text=True)
    assert "does not apply to these items" in glaze
    both = _checkout(buyer, PREFIX, shop["clay"], "CLAYONLY").get_data(as_text=True)
    assert "−€10.00" in both  # 10 % of the clay course only
    us = _checkout(buyer, US, shop["clay"], "EUONLY").get_data(as_text=True)
    assert "cannot be used in this store" in us
    d = _discount(app, "EUONLY")
    assert manager.post(f"{DASH}/promotions/{d.id}/deactivate").status_code == 303
    eu = _checkout(buyer, PREFIX, shop["clay"], "EUONLY").get_data(as_text=True)
    assert "no longer active" in eu


def test_a_code_starts_and_ends_with_its_window(app, shop, login):
    manager = _as(app, login, "pr-manager@example.com")
    later = (utcnow() + timedelta(days=5)).date().isoformat()
    assert _create(manager, code="LATER", starts_on=later).status_code == 303
    buyer = _as(app, login, "pr-buyer@example.com")
    assert "not valid yet" in _checkout(buyer, PREFIX, shop["clay"], "LATER").get_data(as_text=True)
    html = manager.get(f"{DASH}/promotions", query_string={"status": "scheduled"}).get_data(as_text=True)
    assert 'data-promotion="LATER"' in html
