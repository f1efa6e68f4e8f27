"""The ledger stays right whatever happens: random sequences of purchases in several currencies,
discounts, gift cards, partial and whole refunds and renewals keep every entry balanced, the trial
balance zero per currency, creators' parts plus the org's share equal to net on every item, and the
gift card liability equal to the cards' balances. ``flask ledger check`` says so, or exits 1."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounting import ledger
from app.accounting.models import Account
from app.catalog.attributions import set_attribution
from app.catalog.services import create_discount, set_market_price
from app.entitlements.models import OrgMemberSubscription
from app.extensions import db
from app.giftcards.models import OrgGiftCard
from app.giftcards.services import issue_gift_card
from app.money import precision
from app.orders import billing
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.pricing import pipeline as pricing
from app.revenue.models import OrgEmployeeProductAttributionRevenue as Revenue
from tests.factories import make_employee, make_market, make_plan, make_product
from tests.orders.test_services import build_shop, line_for

D = Decimal
COUNTRY = {"EUR": "DE", "USD": "US", "JPY": "JP"}

buy = st.tuples(st.just("buy"), st.sampled_from(sorted(COUNTRY)),
                st.lists(st.integers(50, 40_000), min_size=1, max_size=3),  # prices in minor units
                st.booleans(), st.booleans(), st.booleans())  # gift card, discount, subscription
refund_part = st.tuples(st.just("refund_part"), st.integers(0, 20), st.integers(1, 99))
refund_item = st.tuples(st.just("refund_item"), st.integers(0, 20))
refund_all = st.tuples(st.just("refund_all"), st.integers(0, 20))
renew = st.tuples(st.just("renew"), st.integers(0, 20))
operations = st.lists(st.one_of(buy, refund_part, refund_item, refund_all, renew), min_size=1, max_size=7)


class World:
    def __init__(self) -> None:
        self.shop = build_shop()
        org = self.shop.org
        self.markets = {"EUR": self.shop.market}
        for currency in ("USD", "JPY"):
            self.markets[currency] = make_market(org, currency_code=currency, country_codes=(COUNTRY[currency],))
        self.creators = [make_employee(org, role="creator"), make_employee(org, role="creator")]
        self.discount = create_discount(org, code="TENOFF", name="Ten off", type="percent", value=D("10"),
                                        by=self.shop.admin)
        self.orders: list[OrgMemberOrder] = []

    def buy(self, currency, prices, with_card, with_discount, subscription) -> None:
        shop, market = self.shop, self.markets[currency]
        lines = []
        for minor in prices:
            product = make_product(shop.org, tax_category=shop.category)
            plan = make_plan(product, type="subscription" if subscription else "one_time")
            set_market_price(plan, market, price=D(minor).scaleb(-precision(currency)), by=shop.admin)
            set_attribution(product, self.creators[0], percent=D("40"), by=shop.admin)
            set_attribution(product, self.creators[1], percent=D("35.5"), by=shop.admin)
            shop.market = market
            lines.append(line_for(shop, plan))
        shop.market = self.markets["EUR"]
        cards = []
        if with_card:
            amount = D(prices[0]).scaleb(-precision(currency)) / 2
            cards = [issue_gift_card(shop.org, amount=max(amount, D(1)), currency_code=currency, by=shop.admin)]
        quote = pricing.quote(shop.org, currency=currency, tax_inclusive=market.tax_inclusive, lines=lines,
                              billing_country=COUNTRY[currency], market_id=market.id,
                              discount=self.discount if with_discount else None, gift_cards=cards)
        order = orders.place_order(shop.org, shop.member, market, quote, billing_name="Ada",
                                   billing_email="ada@example.com", billing_country=COUNTRY[currency])
        self.orders.append(orders.mark_paid(order, provider="manual"))

    def _paid(self, index):
        paid = [o for o in self.orders if o.status in ("paid", "fulfilled")]
        return paid[index % len(paid)] if paid else None

    def refund_part(self, index, percent) -> None:
        order = self._paid(index)
        if order is None:
            return
        left = order.amount_due - sum((r.amount for r in order.refunds), D(0))
        amount = (left * percent / 100).quantize(D(1).scaleb(-precision(order.currency_code)))
        if amount > 0:
            orders.refund_amount(order, amount)

    def refund_item(self, index) -> None:
        order = self._paid(index)
        active = [i for i in order.items if i.status == "active"] if order else []
        if active:
            orders.refund_item(order, active[index % len(active)])

    def refund_all(self, index) -> None:
        order = self._paid(index)
        if order is not None:
            orders.refund(order)

    def renew(self, index) -> None:
        subscriptions = db.session.scalars(sa.select(OrgMemberSubscription).where(
            OrgMemberSubscription.org_id == self.shop.org.id, OrgMemberSubscription.status == "active")).all()
        if not subscriptions:
            return
        subscription = subscriptions[index % len(subscriptions)]
        report = billing.renew_subscription(subscription.id, at=subscription.current_period_end + timedelta(minutes=1),
                                            grace=timedelta(days=7))
        for order in report.renewed:
            if order.status == "pending":
                orders.mark_paid(order, provider="manual")
            self.orders.append(order)


def assert_books_are_right(org_id: str) -> None:
    assert ledger.check(org_id) == []
    assert set(ledger.trial_balance(org_id).values()) <= {D(0)}
    sales = db.session.scalars(sa.select(Revenue).where(Revenue.org_id == org_id, Revenue.kind == "sale")).all()
    by_item = defaultdict(list)
    for row in sales:
        by_item[row.order_item_id].append(row)
    items = {i.id: i for i in db.session.scalars(sa.select(OrgMemberOrderItem).where(
        OrgMemberOrderItem.id.in_(by_item)))}
    for item_id, rows in by_item.items():
        item = items[item_id]
        net = item.line_total - item.tax_amount - item.platform_fee - item.processing_fee
        assert all(r.net_revenue == net for r in rows)
        org_share = net - sum(r.attributed_revenue for r in rows)
        assert sum(r.attributed_revenue for r in rows) + org_share == net
        unit = D(1).scaleb(-precision(item.order.currency_code))  # largest remainder: within a minor unit
        assert abs(org_share - net * D("0.245")) < unit  # 100 - 40 - 35.5 %
    cards = defaultdict(lambda: D(0))
    for card in db.session.scalars(sa.select(OrgGiftCard).where(OrgGiftCard.org_id == org_id)):
        cards[card.currency_code] += card.current_balance
    for currency, total in cards.items():
        assert ledger.balance(org_id, currency, "gift_card_liability") == total, currency


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_random_histories_keep_the_books_right(app_ctx, steps):
    world = World()
    for name, *args in steps:
        with db.session.begin_nested():
            getattr(world, name)(*args)
    assert_books_are_right(world.shop.org.id)


def test_ledger_check_command_passes_on_right_books_and_fails_on_a_tampered_balance(app):
    with app.app_context():
        world = World()
        world.buy("EUR", [4900], True, True, False)
        world.refund_part(0, 30)
        db.session.commit()
        slug = world.shop.org.slug
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "check", "--org", slug])
    assert result.exit_code == 0, result.output
    assert "balances" in result.output
    with app.app_context():
        db.session.execute(sa.update(Account).where(Account.code == "4000").values(current_balance=D("1.00")))
        db.session.commit()
    result = runner.invoke(args=["ledger", "check", "--org", slug])
    assert result.exit_code == 1
    assert "4000 EUR: balance 1.0000 but its lines sum to" in result.output


def test_an_account_the_session_holds_shows_its_new_balance_after_a_posting(app_ctx):
    """``ledger.post`` moves balances through Core: an account object loaded before shows the new
    balance (expired), one the session does not hold is not loaded for it."""
    shop = build_shop()
    ledger.post(shop.org.id, "EUR", memo="first", source_type="test", source_id="t1",
                lines=[ledger.Line("cash", Decimal("10")), ledger.Line("sales", Decimal("-10"))])
    cash = db.session.scalars(sa.select(Account).where(Account.org_id == shop.org.id, Account.code == "1000",
                                                       Account.currency_code == "EUR")).one()
    assert cash.current_balance == Decimal("10")
    ledger.post(shop.org.id, "EUR", memo="second", source_type="test", source_id="t2",
                lines=[ledger.Line("cash", Decimal("5")), ledger.Line("sales", Decimal("-5"))])
    assert cash.current_balance == Decimal("15")
    db.session.expunge(cash)
    ledger.post(shop.org.id, "EUR", memo="third", source_type="test", source_id="t3",
                lines=[ledger.Line("cash", Decimal("1")), ledger.Line("sales", Decimal("-1"))])
    assert ledger.balance(shop.org.id, "EUR", "cash") == Decimal("16")
