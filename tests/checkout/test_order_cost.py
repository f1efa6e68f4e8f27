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
from app.extensions import db
from tests.checkout.test_checkout import PREFIX, _checkout_form, _login_and_add, shop  # noqa: F401

CATALOG = (OrgProduct, OrgProductVariant, OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlanMarketPrice)


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


def test_an_order_loads_no_catalog_objects_through_the_orm(shop, client, login, loaded):  # noqa: F811
    _login_and_add(client, login, shop.basic_id)
    client.post(f"{PREFIX}/cart/items/{shop.basic_id}/delete")
    loaded.clear()
    _order(client, shop.premium_id)
    assert loaded == {}, "the cart's offers are read as plain rows (_offers)"
