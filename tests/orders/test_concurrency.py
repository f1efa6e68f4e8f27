"""Gift card redemption under real concurrency (PostgreSQL only).

Eight threads, each with its own app context, session and connection, try to spend the same card
at the same moment. They run against a throwaway database created for the test (through
``pg_admin_url``, as tests/test_schema.py does), not the per-test rolled-back connection, because
the point is what committed transactions do to each other. The database is dropped afterwards.
"""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import create_app
from app.catalog.models import OrgProductVariantPaymentPlan
from app.config import TestConfig
from app.errors import ConflictError
from app.extensions import db
from app.giftcards import redemption
from app.giftcards.models import OrgGiftCard, OrgMemberGiftCardUsage
from app.giftcards.services import issue_gift_card
from app.markets.models import OrgMarket
from app.orders import services as orders
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org, OrgMember
from app.pricing import pipeline as pricing
from tests.conftest import build_schema
from tests.factories import make_employee, make_market, make_member, make_org, make_priced_plan

pytestmark = pytest.mark.postgres

THREADS = 8
INITIAL = Decimal("100.00")
AMOUNT = Decimal("30.00")  # only 3 of the 8 can be paid from 100.00
EXPECTED_SUCCESSES = int(INITIAL // AMOUNT)


@pytest.fixture
def pg_app(pg_admin_url):
    """An app on a fresh database of its own (schema and reference data built, committed)."""
    name = f"volmify_orders_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    app = None
    try:
        config = TestConfig()
        config.SQLALCHEMY_DATABASE_URI = sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(
            hide_password=False)
        app = create_app(config)
        build_schema(app)
        yield app
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _setup(app) -> dict[str, str]:
    """A shop selling a 30.00 course (no tax) and a 100.00 gift card, committed; returns ids."""
    with app.app_context():
        org = make_org()
        market = make_market(org, currency_code="EUR")
        plan = make_priced_plan(market, price=AMOUNT)
        card = issue_gift_card(org, amount=INITIAL, currency_code="EUR", by=make_employee(org))
        ids = {"org": org.id, "market": market.id, "plan": plan.id, "card": card.id,
               "members": [make_member(org).id for _n in range(THREADS)]}
        db.session.commit()
        db.session.remove()
    return ids


def _line(plan, market_id: str) -> pricing.LineInput:
    product = plan.variant.product
    return pricing.LineInput(
        plan_id=plan.id, product_id=product.id, variant_id=plan.variant_id, product_name=product.name,
        plan_name=plan.name, plan_type=plan.type, access_tier=plan.access_tier,
        tax_category_id=product.tax_category_id, collection_ids=frozenset(), quantity=1,
        unit_price=plan.price_in(market_id).price,
    )


def _race(app, keys, worker) -> list:
    """Runs ``worker(key)`` in one thread per key (a member's or an order's id), each in its own app
    context and session, all at once; returns what the workers returned (in finishing order). A
    worker that raises fails the test (its session rolled back first); one that hangs (a deadlock?)
    too."""
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(key: str) -> None:
        with app.app_context():
            try:
                result = worker(key)
                with lock:
                    results.append(result)
            except BaseException as exc:  # reported below, with the thread's traceback
                db.session.rollback()
                with lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    assert errors == []
    return results


def _card_state(app, card_id: str) -> tuple[Decimal, int]:
    with app.app_context():
        card = db.session.get(OrgGiftCard, card_id)
        usages = db.session.scalar(
            sa.select(sa.func.count()).select_from(OrgMemberGiftCardUsage)
            .where(OrgMemberGiftCardUsage.gift_card_id == card_id)
        )
        balance = card.current_balance
        db.session.remove()
    return balance, usages


def test_concurrent_checkouts_never_spend_more_than_a_gift_card_holds(pg_app):
    ids = _setup(pg_app)
    quoted = threading.Barrier(THREADS, timeout=30)

    def checkout(member_id: str) -> str:
        org = db.session.get(Org, ids["org"])
        market = db.session.get(OrgMarket, ids["market"])
        member = db.session.get(OrgMember, member_id)
        card = db.session.get(OrgGiftCard, ids["card"])
        plan = db.session.get(OrgProductVariantPaymentPlan, ids["plan"])
        quote = pricing.quote(org, currency="EUR", tax_inclusive=False, lines=[_line(plan, market.id)],
                              billing_country="DE", gift_cards=[card], market_id=market.id)
        assert quote.gift_card_total == AMOUNT and quote.amount_due == 0
        db.session.commit()  # end the read transaction: every thread saw the full balance
        quoted.wait()
        try:
            orders.place_order(org, member, market, quote, billing_name="Buyer",
                               billing_email="buyer@example.com", billing_country="DE")
            db.session.commit()
            return "paid"
        except ConflictError as exc:
            db.session.rollback()
            assert exc.message == "This gift card's balance changed; please review your order."
            return "conflict"

    outcomes = _race(pg_app, ids["members"], checkout)

    successes = outcomes.count("paid")
    balance, usages = _card_state(pg_app, ids["card"])
    assert balance >= 0
    assert successes * AMOUNT == INITIAL - balance
    assert usages == successes == EXPECTED_SUCCESSES
    assert outcomes.count("conflict") == THREADS - successes
    with pg_app.app_context():
        numbers = db.session.scalars(
            sa.select(OrgMemberOrder.order_number).where(OrgMemberOrder.org_id == ids["org"])
        ).all()
        db.session.remove()
    assert len(numbers) == len(set(numbers)) == successes  # failed checkouts left no order behind


def test_concurrent_redemptions_of_one_card_are_all_or_nothing(pg_app):
    ids = _setup(pg_app)
    with pg_app.app_context():  # one pending order per buyer to redeem against
        org = db.session.get(Org, ids["org"])
        market = db.session.get(OrgMarket, ids["market"])
        plan = db.session.get(OrgProductVariantPaymentPlan, ids["plan"])
        order_ids = {}
        for member_id in ids["members"]:
            quote = pricing.quote(org, currency="EUR", tax_inclusive=False, lines=[_line(plan, market.id)],
                                  billing_country="DE", market_id=market.id)
            order = orders.place_order(org, db.session.get(OrgMember, member_id), market, quote,
                                       billing_name="Buyer", billing_email="buyer@example.com",
                                       billing_country="DE")
            order_ids[member_id] = order.id
        db.session.commit()
        db.session.remove()

    start = threading.Barrier(THREADS, timeout=30)

    def spend(member_id: str) -> str:
        card = db.session.get(OrgGiftCard, ids["card"])
        assert card.current_balance == INITIAL
        db.session.commit()
        start.wait()
        try:
            with db.session.begin_nested():
                redemption.redeem(card, amount=AMOUNT, member_id=member_id,
                                  order_id=order_ids[member_id], currency="EUR")
            db.session.commit()
            return "redeemed"
        except ConflictError:
            db.session.rollback()
            return "conflict"

    outcomes = _race(pg_app, ids["members"], spend)

    successes = outcomes.count("redeemed")
    balance, usages = _card_state(pg_app, ids["card"])
    assert balance >= 0
    assert successes * AMOUNT == INITIAL - balance
    assert usages == successes == EXPECTED_SUCCESSES


def test_concurrent_checkouts_of_one_org_get_consecutive_unique_order_numbers(pg_app):
    """Eight first orders of a new org at the same moment: the counter's row does not exist yet, so
    they race to create it; each gets its own number, 1 to 8, and none fails."""
    ids = _setup(pg_app)
    start = threading.Barrier(THREADS, timeout=30)

    def checkout(member_id: str) -> str:
        org = db.session.get(Org, ids["org"])
        market = db.session.get(OrgMarket, ids["market"])
        member = db.session.get(OrgMember, member_id)
        plan = db.session.get(OrgProductVariantPaymentPlan, ids["plan"])
        quote = pricing.quote(org, currency="EUR", tax_inclusive=False, lines=[_line(plan, market.id)],
                              billing_country="DE", market_id=market.id)
        db.session.commit()
        start.wait()
        order = orders.place_order(org, member, market, quote, billing_name="Buyer",
                                   billing_email="buyer@example.com", billing_country="DE")
        number = order.order_number
        db.session.commit()
        return number

    numbers = _race(pg_app, ids["members"], checkout)

    with pg_app.app_context():
        prefix = orders.order_number_prefix(db.session.get(Org, ids["org"]))
        stored = db.session.scalars(
            sa.select(OrgMemberOrder.order_number).where(OrgMemberOrder.org_id == ids["org"])
        ).all()
        db.session.remove()
    expected = [f"{prefix}-{n:06d}" for n in range(1, THREADS + 1)]
    assert sorted(numbers) == sorted(stored) == expected
