"""The price matrix of a product in the dashboard (``/dashboard/<org>/products/<id>/prices``):
plans × markets in each market's currency and tax display, warnings for missing prices, one cell
at a time with htmx and the whole matrix without JavaScript, bad input kept with its message,
clearing a cell, past orders unchanged, a fixed number of queries, and who may."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.models import (
    OrgProduct,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.catalog.services import set_market_price
from app.extensions import db
from app.markets.models import OrgMarket
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org, OrgAuditLog, OrgMember
from tests.factories import (
    make_employee,
    make_market,
    make_org,
    make_plan,
    make_product,
    make_user,
    org_admin,
    unique,
)
from tests.learn.assessment_fixtures import text
from tests.staff import price_fixtures
from tests.staff.order_fixtures import buy

priced = price_fixtures.priced  # the fixtures
as_user = price_fixtures.as_user

Price = OrgProductVariantPaymentPlanMarketPrice
HX = {"HX-Request": "true", "HX-Target": "cell"}


def key(plan: str, market: str) -> str:
    return f"{plan}.{market}"


def price_row(app, plan: str, market: str) -> Price | None:
    with app.app_context():
        row = db.session.scalar(sa.select(Price).where(Price.plan_id == plan, Price.market_id == market))
        if row is not None:
            db.session.expunge(row)
        return row


def cell_html(html: str, plan: str, market: str) -> str:
    match = re.search(rf'<td class="price-cell[^"]*" id="cell-{plan}-{market}".*?</td>', html, re.S)
    assert match, f"no cell {plan} × {market}"
    return match.group(0)


def input_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def test_the_matrix_shows_each_market_with_its_currency_tax_display_and_the_missing_prices(priced, as_user):
    p = priced
    r = as_user(p.academy.admin_email).get(p.prices_url)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    heads = re.findall(r'<th scope="col" data-market="([^"]+)"[^>]*>\s*([^<]+?)\s*<small class="market-meta">(.*?)</small>',
                       html, re.S)
    by_market = {m: (name, re.sub(r"<[^>]+>", "", meta)) for m, name, meta in heads}
    assert by_market[p.eu] == ("Europe", "EUR · excl. tax")
    assert by_market[p.kw] == ("Kuwait", "KWD · incl. tax")
    assert by_market[p.us][1] == "USD · excl. tax · Inactive market"
    assert list(by_market)[-1] == p.us  # inactive markets last
    # Basic is priced in Europe only: the active markets it misses are named, the inactive one is not.
    assert input_value(html, f"price-{key(p.basic, p.eu)}") == "49.00"
    basic_head = re.search(rf'id="plan-head-{p.basic}".*?</th>', html, re.S).group(0)
    assert "No price in Japan, Kuwait: not sold there." in basic_head
    # The usage-based plan has a price per unit in its cells; the others do not.
    assert f'name="unit-{key(p.credits, p.eu)}"' in html and f'name="unit-{key(p.basic, p.eu)}"' not in html
    # Inputs show each currency's minor unit.
    assert 'placeholder="0"' in cell_html(html, p.basic, p.jp)
    assert 'placeholder="0.000"' in cell_html(html, p.basic, p.kw)


def test_a_cell_saved_with_htmx_comes_back_with_its_value_and_the_plans_warning(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    r = admin.post(p.cell_url(p.basic, p.jp), data={f"price-{key(p.basic, p.jp)}": " 5000 "}, headers=HX)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith(f'<td class="price-cell" id="cell-{p.basic}-{p.jp}"')
    assert input_value(html, f"price-{key(p.basic, p.jp)}") == "5000" and "Saved" in html
    head = re.search(rf'<th scope="row" id="plan-head-{p.basic}" data-hx-swap-oob="true">.*?</th>', html, re.S).group(0)
    assert "No price in Kuwait: not sold there." in head  # Japan is priced now
    row = price_row(app, p.basic, p.jp)
    assert row.price == Decimal("5000") and row.currency_code == "JPY" and row.is_active
    with app.app_context():
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == row.id))
        assert entry.action == "price.set" and entry.data["after"]["price"] in ("5000", "5000.0000")

    # KWD has three decimals; the usage-based plan needs its price per unit.
    r = admin.post(p.cell_url(p.credits, p.kw), data={f"price-{key(p.credits, p.kw)}": "1.250",
                                                      f"unit-{key(p.credits, p.kw)}": "0.005"}, headers=HX)
    assert r.status_code == 200
    row = price_row(app, p.credits, p.kw)
    assert (row.price, row.price_per_unit) == (Decimal("1.250"), Decimal("0.005"))
    head = re.search(rf'id="plan-head-{p.credits}".*?</th>', r.get_data(as_text=True), re.S).group(0)
    assert "No price in Europe, Japan: not sold there." in head


@pytest.mark.parametrize(("market", "typed", "message"), [
    ("eu", "12.345", "EUR has at most 2 decimals."),
    ("jp", "10.5", "JPY has no decimals: enter a whole amount."),
    ("kw", "1.2345", "KWD has at most 3 decimals."),
    ("eu", "-5", "The price cannot be negative."),
    ("eu", "99999999999999999999999", "The price is too large."),
    ("eu", "1e999999999", "The price is too large."),
    ("eu", "NaN", "The price must be a number, such as 49.00."),
    ("eu", "forty", "The price must be a number, such as 49.00."),
    ("jp", "12,50", "The price must be a number, such as 49."),
])
def test_a_bad_cell_gets_its_message_keeps_what_was_typed_and_changes_nothing(app, priced, as_user, market,
                                                                             typed, message):
    p = priced
    market_id = getattr(p, market)
    before = price_row(app, p.basic, market_id)
    r = as_user(p.academy.admin_email).post(p.cell_url(p.basic, market_id),
                                            data={f"price-{key(p.basic, market_id)}": typed}, headers=HX)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in text(r)
    assert input_value(html, f"price-{key(p.basic, market_id)}") == typed
    assert 'aria-invalid="true"' in html
    after = price_row(app, p.basic, market_id)
    assert (after and (after.price, after.is_active)) == (before and (before.price, before.is_active))


def test_usage_based_cells_need_both_amounts(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    r = admin.post(p.cell_url(p.credits, p.eu), data={f"price-{key(p.credits, p.eu)}": "5"}, headers=HX)
    assert r.status_code == 422 and "A usage-based plan needs a price per unit." in text(r)
    r = admin.post(p.cell_url(p.credits, p.eu), data={f"unit-{key(p.credits, p.eu)}": "0.10",
                                                      f"price-{key(p.credits, p.eu)}": ""}, headers=HX)
    assert r.status_code == 422 and "Enter the base price too (0 for none)." in text(r)
    assert price_row(app, p.credits, p.eu) is None


def test_clearing_a_cell_stops_selling_the_plan_there_and_keeps_the_row(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    r = admin.post(p.cell_url(p.basic, p.eu), data={f"price-{key(p.basic, p.eu)}": "  "}, headers=HX)
    assert r.status_code == 200
    assert input_value(r.get_data(as_text=True), f"price-{key(p.basic, p.eu)}") == ""
    assert "No price in Europe, Japan, Kuwait" in text(r)
    row = price_row(app, p.basic, p.eu)
    assert row is not None and not row.is_active and row.price == Decimal("49.00")
    with app.app_context():
        assert db.session.scalar(sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == row.id)
                                 .order_by(OrgAuditLog.created_at.desc()).limit(1)) == "price.cleared"
        plan = db.session.get(OrgProductVariantPaymentPlan, p.basic)
        assert plan.price_in(p.eu) is None  # the storefront no longer offers it there
    # The storefront: no price in the EU market any more.
    page = as_user(p.academy.learner_email).get(p.academy.product_url)
    assert "49.00" not in text(page) and "€49" not in text(page)
    # Typing a price again sells it again.
    r = admin.post(p.cell_url(p.basic, p.eu), data={f"price-{key(p.basic, p.eu)}": "59"}, headers=HX)
    row = price_row(app, p.basic, p.eu)
    assert r.status_code == 200 and row.is_active and row.price == Decimal("59.00")


def test_without_javascript_the_whole_matrix_is_saved_and_a_bad_cell_loses_nothing(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    page = admin.get(p.prices_url).get_data(as_text=True)
    form = dict(re.findall(r'name="((?:price|unit)-[^"]+)" value="([^"]*)"', page))
    form[f"price-{key(p.basic, p.jp)}"] = " 4900.0 "
    form[f"price-{key(p.monthly, p.eu)}"] = "9.99"
    form[f"price-{key(p.monthly, p.kw)}"] = "3.5555"  # one decimal too many
    form[f"price-{key(p.credits, p.eu)}"] = "2"
    form[f"unit-{key(p.credits, p.eu)}"] = "0.02"
    r = admin.post(p.prices_url, data=form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "1 price needs correcting" in text(r) and "KWD has at most 3 decimals." in text(r)
    bad = cell_html(html, p.monthly, p.kw)
    assert 'aria-invalid="true"' in bad and input_value(bad, f"price-{key(p.monthly, p.kw)}") == "3.5555"
    # The good cells were saved and show their values; the existing price is untouched.
    assert price_row(app, p.basic, p.jp).price == Decimal("4900")
    assert price_row(app, p.monthly, p.eu).price == Decimal("9.99")
    credits = price_row(app, p.credits, p.eu)
    assert (credits.price, credits.price_per_unit) == (Decimal("2.00"), Decimal("0.02"))
    assert price_row(app, p.basic, p.eu).price == Decimal("49.00")
    assert price_row(app, p.monthly, p.kw) is None
    assert input_value(html, f"price-{key(p.basic, p.jp)}") == "4900"  # as saved
    assert "3 prices were saved." in text(r)

    # Corrected and posted again: saved, redirected; unchanged cells write no audit entry.
    with app.app_context():
        audits = db.session.scalar(sa.select(sa.func.count()).select_from(OrgAuditLog)
                                   .where(OrgAuditLog.action.like("price.%")))
    form[f"price-{key(p.monthly, p.kw)}"] = "3.555"
    r = admin.post(p.prices_url, data=form)
    assert r.status_code == 303
    assert price_row(app, p.monthly, p.kw).price == Decimal("3.555")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgAuditLog)
                                 .where(OrgAuditLog.action.like("price.%"))) == audits + 1
    assert "The prices were saved." in text(admin.get(p.prices_url))


def test_a_cell_posted_without_javascript_redirects_or_shows_the_matrix_with_its_error(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    r = admin.post(p.cell_url(p.basic, p.kw), data={f"price-{key(p.basic, p.kw)}": "7.5"})
    assert r.status_code == 303 and price_row(app, p.basic, p.kw).price == Decimal("7.500")
    r = admin.post(p.cell_url(p.basic, p.kw), data={f"price-{key(p.basic, p.kw)}": "abc"})
    assert r.status_code == 422 and '<table class="data-table price-matrix"' in r.get_data(as_text=True)
    assert input_value(r.get_data(as_text=True), f"price-{key(p.basic, p.kw)}") == "abc"


def test_a_price_change_never_changes_a_past_order(app, priced, as_user):
    p = priced
    with app.app_context():
        org = db.session.get(Org, p.academy.org_id)
        member = db.session.get(OrgMember, p.academy.member_id)
        market = db.session.get(OrgMarket, p.eu)
        plan = db.session.get(OrgProductVariantPaymentPlan, p.basic)
        product = db.session.get(OrgProduct, p.product_id)
        order = buy(org, member, market, [(plan, product)])
        order_id, number, total = order.id, order.order_number, order.total_amount
        db.session.commit()
    admin = as_user(p.academy.admin_email)
    assert admin.post(p.cell_url(p.basic, p.eu), data={f"price-{key(p.basic, p.eu)}": "99.00"},
                      headers=HX).status_code == 200
    assert price_row(app, p.basic, p.eu).price == Decimal("99.00")
    with app.app_context():
        order = db.session.get(OrgMemberOrder, order_id)
        assert [item.unit_price for item in order.items] == [Decimal("49.00")]
        assert order.total_amount == total
    page = admin.get(f"{p.academy.dashboard}/orders/{order_id}")
    assert page.status_code == 200 and number in text(page)
    assert "€49.00" in text(page) and "€99.00" not in text(page)


def _matrix(org: Org, product: OrgProduct, plans: int, markets: int) -> None:
    for i in range(markets):
        make_market(org, unique("m"), name=f"Market {i}", currency_code=("EUR", "JPY", "KWD", "USD")[i % 4],
                    locale_keys=("en",))
    admin = org_admin(org)
    for i in range(plans):
        plan = make_plan(product, name=f"Plan {i}", type=("one_time", "subscription", "usage_based")[i % 3])
        for market in db.session.scalars(sa.select(OrgMarket).where(OrgMarket.org_id == org.id)).all()[: i % 3]:
            set_market_price(plan, market, price="10", price_per_unit="1" if plan.type == "usage_based" else None,
                             by=admin)


def test_the_matrix_takes_the_same_number_of_queries_for_2x2_and_20x10(app, as_user, count_queries):
    counts = []
    for plans, markets in ((2, 2), (20, 10)):
        with app.app_context():
            org = make_org()
            admin = make_employee(org, make_user(f"{unique('admin')}@example.com"), role="admin")
            product = make_product(org, by=admin)
            _matrix(org, product, plans, markets)
            email, slug, product_id = admin.member.user_profile.user.email, org.slug, product.id
            db.session.commit()
        client = as_user(email)
        url = f"/dashboard/{slug}/products/{product_id}/prices"
        client.get(url)
        with count_queries() as q:
            r = client.get(url)
        assert r.status_code == 200
        assert r.get_data(as_text=True).count('class="price-cell') == plans * markets
        counts.append(q.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts


@pytest.mark.parametrize(("role", "status"), [
    ("admin_email", 200), ("creator_email", 200), ("other_creator_email", 403), ("staff_email", 403),
])
def test_who_may_price_the_product(app, priced, as_user, role, status):
    p = priced
    client = as_user(getattr(p.academy, role))
    assert client.get(p.prices_url).status_code == status
    r = client.post(p.cell_url(p.basic, p.jp), data={f"price-{key(p.basic, p.jp)}": "100"}, headers=HX)
    assert r.status_code == status
    assert (price_row(app, p.basic, p.jp) is not None) == (status == 200)
    r = client.post(p.prices_url, data={f"price-{key(p.basic, p.kw)}": "1"})
    assert r.status_code == (303 if status == 200 else status)


def test_another_orgs_plan_or_market_is_not_found(app, priced, as_user):
    p = priced
    with app.app_context():
        other = make_org()
        foreign_market = make_market(other, "eu", name="Elsewhere")
        foreign_plan = make_plan(make_product(other))
        ids = foreign_market.id, foreign_plan.id
        db.session.commit()
    admin = as_user(p.academy.admin_email)
    assert admin.post(p.cell_url(p.basic, ids[0]), data={f"price-{key(p.basic, ids[0])}": "1"},
                      headers=HX).status_code == 404
    assert admin.post(p.cell_url(ids[1], p.eu), data={f"price-{key(ids[1], p.eu)}": "1"},
                      headers=HX).status_code == 404
    # Posting another org's cell names in the matrix form changes nothing.
    assert admin.post(p.prices_url, data={f"price-{key(ids[1], ids[0])}": "1"}).status_code == 303
    assert price_row(app, ids[1], ids[0]) is None
