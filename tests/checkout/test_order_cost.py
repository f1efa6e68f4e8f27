"""What one order costs the server (issue 15: 50 orders/s with 8 clients): the cart's reads load no
catalog objects through the ORM, and each step runs a fixed number of statements."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.catalog.models import (
    OrgProduct,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.checkout.models import OrgMemberCart, OrgMemberCartItem
from app.extensions import db
from app.markets.models import OrgMarket, OrgRegion
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment
from app.orgs.models import Org
from app.tax.models import OrgTaxCategory, OrgTaxRate
from tests.checkout.test_checkout import PREFIX, _checkout_form, _login_and_add, shop  # noqa: F401

CATALOG = (OrgProduct, OrgProductVariant, OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlanMarketPrice,
           OrgTaxRate, OrgRegion, OrgTaxCategory, Org, OrgMarket, OrgMemberCart, OrgMemberCartItem,
           OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment)


@pytest.fixture
def loaded(app):
    """Catalog objects the ORM loads (its ``load`` event), by model name."""
    counts: dict[str, int] = {}
    listeners = []
    for model in CATALOG:
        def on_load(_target, _context, name=model.__name__):
            counts[name] = counts.get(name, 0) + 1
        sa.event.listen(model, "load", on_load)
        listeners.append((model, on_load))
    yield counts
    for model, listener in listeners:
        sa.event.remove(model, "load", listener)


@pytest.fixture
def statements(app):
    """The statements each request runs (before_cursor_execute), reset by the test."""
    found: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_rest):
        found.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield found
    sa.event.remove(engine, "before_cursor_execute", record)


def _order(client, plan_id) -> None:
    assert client.post(f"{PREFIX}/cart/items", data={"plan_id": plan_id}).status_code == 303
    placed = client.post(f"{PREFIX}/checkout", data={**_checkout_form(client), "action": "place"})
    assert placed.status_code in (302, 303), placed.get_data(as_text=True)[:500]
    pay = urlsplit(placed.headers["Location"]).path
    assert re.search(r"/orders/[^/]+/pay$", pay)
    assert client.get(pay).status_code == 200
    assert client.post(pay, data={"outcome": "pay"}).status_code in (302, 303)


def test_an_order_of_a_member_loads_no_catalog_tax_or_org_objects_through_the_orm(shop, client, login, loaded):  # noqa: F811
    _login_and_add(client, login, shop.basic_id)
    client.post(f"{PREFIX}/cart/items/{shop.basic_id}/delete")
    _order(client, shop.basic_id)  # the first order makes the buyer a member
    loaded.clear()
    _order(client, shop.premium_id)
    # The cart (member_cart), its offers (_offers) and the tax rate (applied_rate) are read as plain rows; placing
    # the order takes the org's id and slug and the market's currency from the storefront; paying it
    # reads the order, its items and payments as plain rows (member_order_for_update).
    assert loaded == {}


def test_placing_an_order_of_a_member_runs_a_fixed_number_of_statements(shop, client, login, statements):  # noqa: F811
    _login_and_add(client, login, shop.basic_id)
    client.post(f"{PREFIX}/cart/items/{shop.basic_id}/delete")
    _order(client, shop.basic_id)  # the first order makes the buyer a member
    assert client.post(f"{PREFIX}/cart/items", data={"plan_id": shop.premium_id}).status_code == 303
    form = {**_checkout_form(client), "action": "place"}
    statements.clear()
    assert client.post(f"{PREFIX}/checkout", data=form).status_code in (302, 303)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    storefront = [s for s in reads if "FROM org_market JOIN org ON" in s]  # with the sign-in, on a storefront
    assert len(storefront) == 1, reads
    assert not [s for s in reads if s not in storefront and ("FROM org " in s or "FROM org\n" in s)], (
        "the org is the storefront's")
    # the storefront with the signed-in user and the membership, the cart, its offers, the tax rate,
    # the order number, the order, its item, its tax snapshot, the cart's lines deleted (and the
    # test's SAVEPOINT)
    assert len(statements) <= 11, statements


def test_paying_an_order_of_a_member_runs_a_fixed_number_of_statements(shop, client, login, statements):  # noqa: F811
    _login_and_add(client, login, shop.basic_id)
    client.post(f"{PREFIX}/cart/items/{shop.basic_id}/delete")
    _order(client, shop.basic_id)  # the first order makes the buyer a member (and creates the ledger's accounts)
    assert client.post(f"{PREFIX}/cart/items", data={"plan_id": shop.premium_id}).status_code == 303
    placed = client.post(f"{PREFIX}/checkout", data={**_checkout_form(client), "action": "place"})
    pay = urlsplit(placed.headers["Location"]).path
    statements.clear()
    assert client.post(pay, data={"outcome": "pay"}).status_code in (302, 303)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # The order is read with its items, payments, org, market and products' types in one statement:
    # nothing reads the org or the products again.
    assert not [s for s in reads if "FROM org JOIN org_market" in s or "FROM org_product WHERE" in s], reads
    # the storefront with the sign-in, the order (with the above), its payment, the access granted,
    # the tax snapshots' payment time, the receipt, the order's and its item's updates, the
    # attributions (none here: no revenue rows), the ledger's accounts (locked), entry, lines and
    # balances, and the test's SAVEPOINT and its RELEASE (was 17: the org and the products' types
    # were read on their own)
    assert len(statements) <= 15, statements


def test_paying_an_order_of_a_member_flushes_only_the_order_and_its_items(shop, client, login):  # noqa: F811
    """The payment and the access are written through Core; the ORM's flush writes only the order's
    and its items' new values, not the payment again (its zero processing fee was set again, which
    left it modified: an UPDATE of nothing's worth on every manual payment)."""
    from sqlalchemy.orm import Session

    _login_and_add(client, login, shop.basic_id)
    client.post(f"{PREFIX}/cart/items/{shop.basic_id}/delete")
    _order(client, shop.basic_id)
    assert client.post(f"{PREFIX}/cart/items", data={"plan_id": shop.premium_id}).status_code == 303
    placed = client.post(f"{PREFIX}/checkout", data={**_checkout_form(client), "action": "place"})
    pay = urlsplit(placed.headers["Location"]).path
    flushed = []

    def before_flush(session, _context, _objects):
        flushed.append([*session.new, *session.dirty])

    sa.event.listen(Session, "before_flush", before_flush)
    try:
        assert client.post(pay, data={"outcome": "pay"}).status_code in (302, 303)
    finally:
        sa.event.remove(Session, "before_flush", before_flush)
    flushed_types = {type(obj) for objects in flushed for obj in objects}
    assert flushed_types == {OrgMemberOrder, OrgMemberOrderItem}, flushed
    with client.application.app_context():
        order = db.session.scalars(sa.select(OrgMemberOrder).where(
            OrgMemberOrder.order_number == pay.rsplit("/", 2)[-2])).one()
        assert order.status == "fulfilled" and order.paid_at and order.fulfilled_at
        assert [(item.fulfilment_status, item.platform_fee is not None) for item in order.items] == [("fulfilled", True)]
