"""Revenue on every payment and refund, exactly, with its journal entries (issue 14, point 2 and
the ledger postings of point 3)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounting import ledger
from app.catalog.attributions import set_attribution
from app.catalog.services import set_market_price
from app.db import utcnow
from app.extensions import db
from app.giftcards.issuing import issue_gift_cards
from app.orders import events
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.pricing import pipeline as pricing
from app.revenue import posting
from app.revenue.models import OrgEmployeeProductAttributionRevenue as Revenue
from app.revenue.models import OrgEmployeeRevenueTotal
from tests.factories import (
    PASSWORD,
    make_employee,
    make_market,
    make_org,
    make_plan,
    make_product,
    make_region,
    make_tax_category,
    make_tax_rate,
    make_user,
    org_admin,
)
from tests.orders.test_services import build_shop, gift_card, line_for, place, plan

D = Decimal


@pytest.fixture
def fees(app):
    """Processing fees as the worked example has them: 3 % on manual payments."""
    saved = app.config["PROCESSING_FEES"]
    app.config["PROCESSING_FEES"] = {**saved, "manual": ("3", "0")}
    yield
    app.config["PROCESSING_FEES"] = saved


def rows_of(order) -> list[Revenue]:
    return list(db.session.scalars(
        sa.select(Revenue).join(OrgMemberOrderItem, OrgMemberOrderItem.id == Revenue.order_item_id)
        .where(OrgMemberOrderItem.order_id == order.id).order_by(Revenue.created_at, Revenue.id)))


# ---- the worked example of the source documents ------------------------------------------------

def test_the_worked_example_through_the_real_checkout(app, client, login, fees):
    """Paid 100.00 with 8.00 tax, platform 5 %, processing 3 % -> net 84.00; a 70 % creator gets
    58.80, the org 25.20."""
    with app.app_context():
        org = make_org("worked", locale_keys=("en",))
        admin = org_admin(org)
        market = make_market(org, "eu", currency_code="EUR", locale_keys=("en",), country_codes=("DE",),
                             tax_inclusive=False)
        category = make_tax_category(org, "flat")
        make_tax_rate(org, category=category, region=make_region(org, "DE"), name="Flat tax", type="fixed",
                      amount=D("8.00"), currency_code="EUR", effective_from=utcnow() - timedelta(days=1))
        product = make_product(org, name="Worked Example", slug="worked-example", tax_category=category)
        the_plan = make_plan(product, name="Full")
        set_market_price(the_plan, market, price=D("92.00"), by=admin)
        creator = make_employee(org, make_user("maker@example.com"), role="creator")
        set_attribution(product, creator, percent=D("70"), by=admin)
        make_user("payer@example.com")
        db.session.commit()
        plan_id, creator_id, org_id = the_plan.id, creator.id, org.id

    assert login(client, "payer@example.com", PASSWORD).status_code == 303
    prefix = "/worked/eu/en"
    assert client.post(f"{prefix}/cart/items", data={"plan_id": plan_id}).status_code == 303
    html = client.get(f"{prefix}/checkout").get_data(as_text=True)
    fields = dict(re.findall(r'name="(cart_fingerprint|submission)"[^>]*value="([^"]*)"', html))
    placed = client.post(f"{prefix}/checkout", data={**fields, "billing_name": "Pat Payer",
                                                     "billing_email": "payer@example.com",
                                                     "billing_country": "DE", "action": "place"})
    assert placed.status_code == 303, placed.get_data(as_text=True)[:2000]
    assert client.post(placed.headers["Location"], data={"outcome": "pay"}).status_code == 303

    with app.app_context():
        order = db.session.scalar(sa.select(OrgMemberOrder).where(OrgMemberOrder.org_id == org_id))
        item = order.items[0]
        assert (order.total_amount, order.tax_amount) == (D("100.00"), D("8.00"))
        assert (item.platform_fee, item.processing_fee) == (D("5.00"), D("3.00"))
        [row] = rows_of(order)
        assert row.employee_id == creator_id and row.kind == "sale"
        assert (row.gross_revenue, row.tax_amount, row.platform_fee, row.processing_fee, row.net_revenue,
                row.attributed_revenue) == (D("100.00"), D("8.00"), D("5.00"), D("3.00"), D("84.00"), D("58.80"))
        assert row.net_revenue - row.attributed_revenue == D("25.20")  # the org's share
        assert ledger.balance(org_id, "EUR", "creator_payable", creator_id) == D("58.80")
        assert ledger.balance(org_id, "EUR", "tax_payable") == D("8.00")
        assert ledger.balance(org_id, "EUR", "cash") == D("92.00")  # 100 in, 3 + 5 fees out
        assert ledger.check(org_id) == []


# ---- exact splits --------------------------------------------------------------------------------

def _shop_with_creators(*percents: str):
    shop = build_shop()
    creators = [make_employee(shop.org, role="creator") for _ in percents]
    return shop, creators


def test_three_creators_share_net_to_the_cent_and_the_org_keeps_the_rest(app_ctx, fees):
    shop, (a, b, c) = _shop_with_creators("33.33", "33.33", "33.33")
    the_plan = plan(shop, price="10.00")
    product = the_plan.variant.product
    for employee in (a, b, c):
        set_attribution(product, employee, percent=D("33.33"), by=shop.admin)
    order = orders.mark_paid(place(shop, [the_plan]), provider="manual")
    rows = rows_of(order)
    net = rows[0].net_revenue
    parts = [r.attributed_revenue for r in rows]
    assert len(rows) == 3 and all(r.kind == "sale" for r in rows)
    org_share = net - sum(parts)
    assert org_share >= 0 and sum(parts) + org_share == net
    assert max(parts) - min(parts) <= D("0.01")
    assert ledger.check(shop.org.id) == []


@pytest.mark.parametrize("currency,price", [("JPY", "1001"), ("KWD", "10.001")])
def test_currencies_without_cents_and_with_three_decimals_split_in_their_minor_unit(app_ctx, fees, currency, price):
    shop = build_shop()
    market = make_market(shop.org, currency_code=currency, country_codes=("FR",))
    product = make_product(shop.org, tax_category=None)
    the_plan = make_plan(product)
    set_market_price(the_plan, market, price=D(price), by=shop.admin)
    creator = make_employee(shop.org, role="creator")
    set_attribution(product, creator, percent=D("70"), by=shop.admin)
    shop.market = market
    quote = pricing.quote(shop.org, currency=currency, tax_inclusive=market.tax_inclusive,
                          lines=[line_for(shop, the_plan)], billing_country="FR", market_id=market.id)
    order = orders.place_order(shop.org, shop.member, market, quote, billing_name="A", billing_email="a@example.com",
                               billing_country="FR")
    orders.mark_paid(order, provider="manual")
    [row] = rows_of(order)
    exp = D(1).scaleb(-{"JPY": 0, "KWD": 3}[currency])
    for value in (row.platform_fee, row.processing_fee, row.net_revenue, row.attributed_revenue):
        assert value == value.quantize(exp)
    assert row.net_revenue == row.gross_revenue - row.tax_amount - row.platform_fee - row.processing_fee
    assert ledger.check(shop.org.id) == []


def test_an_item_without_attributions_leaves_the_org_everything_and_still_books_the_sale(app_ctx):
    shop = build_shop()
    order = orders.mark_paid(place(shop, [plan(shop, price="49.00")]), provider="manual")
    assert rows_of(order) == []
    assert ledger.balance(shop.org.id, "EUR", "sales") == order.total_amount - order.tax_amount
    assert ledger.check(shop.org.id) == []


def test_attributions_in_effect_at_payment_time_count_not_later_ones(app_ctx):
    shop, (early,) = _shop_with_creators("50")
    the_plan = plan(shop)
    product = the_plan.variant.product
    set_attribution(product, early, percent=D("50"), by=shop.admin)
    later = make_employee(shop.org, role="creator")
    set_attribution(product, later, percent=D("40"), effective_from=utcnow() + timedelta(days=5), by=shop.admin)
    order = orders.mark_paid(place(shop, [the_plan]), provider="manual")
    assert [r.employee_id for r in rows_of(order)] == [early.id]


# ---- refunds ---------------------------------------------------------------------------------

def test_partial_refunds_reverse_in_proportion_and_a_full_refund_nets_to_zero(app_ctx, fees):
    shop, (creator,) = _shop_with_creators("70")
    the_plan = plan(shop, price="49.00")
    set_attribution(the_plan.variant.product, creator, percent=D("70"), by=shop.admin)
    order = orders.mark_paid(place(shop, [the_plan]), provider="manual")
    [sale] = rows_of(order)
    orders.refund_amount(order, D("10.00"), item=order.items[0])
    refund_rows = [r for r in rows_of(order) if r.kind == "refund"]
    assert len(refund_rows) == 1 and refund_rows[0].gross_revenue == D("-10.00")
    ratio = D("10.00") / sale.gross_revenue
    assert abs(refund_rows[0].attributed_revenue + sale.attributed_revenue * ratio) <= D("0.01")
    orders.refund_amount(order, D("3.33"))  # an order-level amount counts against the item
    orders.refund(order)
    rows = rows_of(order)
    for field in ("gross_revenue", "tax_amount", "platform_fee", "processing_fee", "net_revenue",
                  "attributed_revenue"):
        assert sum(getattr(r, field) for r in rows) == 0, field
    assert ledger.balance(shop.org.id, "EUR", "creator_payable", creator.id) == 0
    assert ledger.balance(shop.org.id, "EUR", "tax_payable") == 0
    assert ledger.check(shop.org.id) == []


def test_a_refunded_gift_card_part_returns_to_the_cards_liability(app_ctx):
    shop = build_shop()
    card = gift_card(shop, "20.00")
    order = orders.mark_paid(place(shop, [plan(shop, price="49.00")], gift_cards=[card]), provider="manual")
    assert ledger.balance(shop.org.id, "EUR", "gift_card_liability") == 0  # 20 issued, 20 used
    orders.refund(order)
    assert ledger.balance(shop.org.id, "EUR", "gift_card_liability") == D("20.00")
    db.session.refresh(card)
    assert card.current_balance == D("20.00")
    assert ledger.check(shop.org.id) == []


def test_the_running_totals_equal_the_sums_of_the_rows_after_sales_and_refunds(app_ctx, fees):
    """The earnings page reads ``org_employee_revenue_total``: it must hold, per employee,
    attribution, market and currency, exactly what the rows add up to."""
    shop, (a, b) = _shop_with_creators("60", "25")
    first, second = plan(shop, price="49.00"), plan(shop, price="19.99")
    for the_plan in (first, second):
        set_attribution(the_plan.variant.product, a, percent=D("60"), by=shop.admin)
    set_attribution(first.variant.product, b, percent=D("25"), by=shop.admin)
    order = orders.mark_paid(place(shop, [first, second]), provider="manual")
    orders.mark_paid(place(shop, [first]), provider="manual")
    orders.refund_amount(order, D("10.00"), item=order.items[0])
    orders.refund(order)

    kind = Revenue.kind
    expected = {tuple(row[:4]): tuple(row[4:]) for row in db.session.execute(
        sa.select(Revenue.employee_id, Revenue.attribution_id, Revenue.market_id, Revenue.currency_code,
                  sa.func.sum(Revenue.attributed_revenue),
                  sa.func.sum(sa.case((kind == "refund", Revenue.attributed_revenue), else_=0)),
                  sa.func.count().filter(kind == "sale"), sa.func.count())
        .where(Revenue.org_id == shop.org.id)
        .group_by(Revenue.employee_id, Revenue.attribution_id, Revenue.market_id, Revenue.currency_code))}
    totals = {(t.employee_id, t.attribution_id, t.market_id, t.currency_code): (t.earned, t.refunded, t.sales, t.lines)
              for t in db.session.scalars(sa.select(OrgEmployeeRevenueTotal)
                                          .where(OrgEmployeeRevenueTotal.org_id == shop.org.id))}
    assert len(expected) == 3 and all(lines == 4 or lines == 2 for *_rest, lines in expected.values())
    assert totals == expected
    assert {key[2] for key in totals} == {order.market_id}


# ---- a fixed number of queries per order -----------------------------------------------------

def _posting_queries(shop, creator, items: int, count_queries) -> int:
    plans = [plan(shop, price="9.00") for _ in range(items)]
    for p in plans:
        set_attribution(p.variant.product, creator, percent=D("60"), by=shop.admin)
    order = place(shop, plans)
    with events.order_paid.muted():
        orders.mark_paid(order, provider="manual")
    with count_queries() as q:
        posting.record_sale(order)
    assert len(rows_of(order)) == items
    return q.count


def test_posting_costs_the_same_queries_for_1_and_20_items(app_ctx, count_queries):
    shop, (creator,) = _shop_with_creators("60")
    _posting_queries(shop, creator, 1, count_queries)  # creates the accounts: then the steady state
    assert _posting_queries(shop, creator, 1, count_queries) == _posting_queries(shop, creator, 20, count_queries)


def test_a_batch_of_gift_cards_is_booked_as_one_liability_entry(app_ctx):
    shop = build_shop()
    batch = issue_gift_cards(shop.org, count=25, amount="20.00", currency_code="EUR", by=shop.admin)
    assert ledger.balance(shop.org.id, "EUR", "gift_card_liability") == D("500.00")
    assert len(ledger.entries_for("gift_card_issue", batch.batch_id)) == 1
    assert ledger.check(shop.org.id) == []
