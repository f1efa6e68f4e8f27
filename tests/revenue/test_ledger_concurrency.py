"""Account balances follow their lines under concurrency (PostgreSQL only): eight payments of one
creator's product committed at the same moment, on books whose accounts do not exist yet."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from app.accounting import ledger
from app.catalog.attributions import set_attribution
from app.extensions import db
from app.orders import services as orders
from app.orders.models import OrgMemberOrder
from app.pricing import pipeline as pricing
from tests.factories import make_employee, make_market, make_member, make_org, make_priced_plan
from tests.orders.test_concurrency import _line, _race, pg_app  # noqa: F401  (pg_app is a fixture)

pytestmark = pytest.mark.postgres

THREADS = 8


def test_parallel_payments_keep_every_balance_equal_to_its_lines(pg_app):  # noqa: F811
    with pg_app.app_context():
        org = make_org()
        market = make_market(org, currency_code="EUR")
        plan = make_priced_plan(market, price=Decimal("30.00"))
        creator = make_employee(org, role="creator")
        set_attribution(plan.variant.product, creator, percent=Decimal("50"), by=make_employee(org))
        order_ids = []
        for _n in range(THREADS):
            quote = pricing.quote(org, currency="EUR", tax_inclusive=False, lines=[_line(plan, market.id)],
                                  billing_country="DE", market_id=market.id)
            order = orders.place_order(org, make_member(org), market, quote, billing_name="Buyer",
                                       billing_email="buyer@example.com", billing_country="DE")
            order_ids.append(order.id)
        ids = {"org": org.id, "creator": creator.id}
        db.session.commit()
        db.session.remove()

    start = threading.Barrier(THREADS, timeout=30)

    def pay(order_id: str) -> None:
        order = db.session.get(OrgMemberOrder, order_id)
        start.wait()
        orders.mark_paid(order, provider="manual")
        db.session.commit()

    _race(pg_app, order_ids, pay)
    with pg_app.app_context():
        assert ledger.check(ids["org"]) == []
        assert ledger.balance(ids["org"], "EUR", "sales") == THREADS * Decimal("30.00")
        # 30.00 - 5 % platform fee = 28.50 net, half of it the creator's
        assert ledger.balance(ids["org"], "EUR", "creator_payable", ids["creator"]) == THREADS * Decimal("14.25")
        db.session.remove()
