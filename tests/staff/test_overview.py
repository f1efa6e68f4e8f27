"""The overview page: sales today and over the last 30 days per currency (paid orders, less what
was refunded on them), new members, orders awaiting fulfilment and submissions awaiting review,
each linking to its list where that page exists; a chart of the last 30 days with a text
alternative; what each role sees; a fixed number of queries whatever the number of orders."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.markets.models import OrgMarket
from app.orgs.models import Org, OrgMember
from app.staff import overview
from tests.factories import PASSWORD, make_market
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import build_academy, text
from tests.staff.data import add_orders, add_submissions, learner

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def _market_id(org_id: str, slug: str = "eu") -> str:
    return db.session.scalar(sa.select(OrgMarket.id).where(OrgMarket.org_id == org_id, OrgMarket.slug == slug))


def _card(html: str, currency: str) -> str:
    match = re.search(rf'<article class="card sales-card stack" data-currency="{currency}">(.*?)</article>', html, re.S)
    assert match, f"no {currency} sales card"
    return match.group(1)


def _figure(card: str, name: str) -> str:
    return re.search(rf'<dd data-figure="{name}">([^<]*)</dd>', card).group(1)


@pytest.fixture
def sales(app, academy):
    """EUR: today a fulfilled 10.00, a paid 5.00 (awaiting fulfilment), a fully refunded 20.00;
    five days ago a fulfilled 30.00 with 12.00 refunded; ignored: a pending and a cancelled order
    today and a sale 40 days ago. USD: 7.00 yesterday."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        us = make_market(org, "us", currency_code="USD", country_codes=("US",), locale_keys=("en",))
        eu = _market_id(academy.org_id)
        now = utcnow()
        order = dict(org_id=academy.org_id, member_id=academy.member_id, market_id=eu)
        add_orders(**order, total="10.00")
        add_orders(**order, total="5.00", status="paid")
        add_orders(**order, total="20.00", refunded="20.00", status="refunded")
        add_orders(**order, total="30.00", refunded="12.00", paid_at=now - timedelta(days=5))
        add_orders(**order, total="100.00", status="pending")
        add_orders(**order, total="100.00", status="cancelled")
        add_orders(**order, total="1000.00", paid_at=now - timedelta(days=40))
        add_orders(academy.org_id, academy.member_id, us.id, total="7.00", currency="USD",
                   paid_at=now - timedelta(days=1))
        db.session.commit()


def test_sales_per_currency_today_and_over_30_days_net_of_refunds(app, login, academy, sales):
    html = text(_as(app, login, academy.admin_email).get(f"{academy.dashboard}/"))
    eur = _card(html, "EUR")
    assert _figure(eur, "today") == "€15.00"  # 10 + 5 + (20 - 20)
    assert _figure(eur, "total") == "€33.00"  # today's 15 + (30 - 12)
    assert _figure(eur, "orders") == "4"
    assert _figure(eur, "refunded") == "€32.00"
    usd = _card(html, "USD")
    assert _figure(usd, "today") == "$0.00" and _figure(usd, "total") == "$7.00" and _figure(usd, "orders") == "1"
    assert html.index('data-currency="EUR"') < html.index('data-currency="USD"')


def test_the_chart_has_a_text_alternative(app, login, academy, sales):
    html = text(_as(app, login, academy.admin_email).get(f"{academy.dashboard}/"))
    eur = _card(html, "EUR")
    svg = re.search(r"<svg[^>]*>.*?</svg>", eur, re.S).group(0)
    labelled = re.search(r'role="img" aria-labelledby="([^" ]+) ([^"]+)"', svg)
    assert labelled
    assert f'<title id="{labelled.group(1)}">Net sales per day in EUR, last 30 days</title>' in svg
    desc = re.search(rf'<desc id="{labelled.group(2)}">([^<]*)</desc>', svg).group(1)
    assert "€33.00 in total" in desc and "today €15.00" in desc
    bars = re.findall(r'<rect class="chart-bar( today)?" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)">', svg)
    assert len(bars) == 30 and bars[-1][0] == " today"
    heights = [float(h) for _today, _y, h in bars]
    assert max(heights) == heights[-5 - 1] > heights[-1] > 0  # 18.00 five days ago is the best day, then 15.00
    assert "style=" not in svg and "<script" not in svg
    # The same figures as a table.
    table = re.search(r'<details class="chart-data">(.*?)</details>', eur, re.S).group(1)
    rows = re.findall(r'<tr><th scope="row">[^<]+</th>((?:<td class="num">[^<]*</td>)+)</tr>', table)
    assert len(rows) == 30
    cells = [re.findall(r">([^<]*)</td>", row) for row in rows]
    assert cells[0] == ["3", "€35.00", "€20.00", "€15.00"]  # today first: orders, paid, refunded, net
    assert cells[5] == ["1", "€30.00", "€12.00", "€18.00"]
    assert cells[1] == ["0", "€0.00", "€0.00", "€0.00"]


def test_sales_are_bucketed_by_local_day_up_to_today(app_ctx, db_session):
    a = build_academy()
    eu = _market_id(a.org_id)
    now = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
    for paid_at, total in ((datetime(2024, 5, 10, 0, 0, 30, tzinfo=UTC), "1.00"),
                           (datetime(2024, 5, 9, 23, 59, tzinfo=UTC), "2.00"),
                           (datetime(2024, 4, 11, 0, 0, 1, tzinfo=UTC), "4.00"),
                           (datetime(2024, 4, 10, 23, 59, tzinfo=UTC), "8.00"),
                           (datetime(2024, 5, 11, 0, 0, 1, tzinfo=UTC), "16.00")):
        add_orders(a.org_id, a.member_id, eu, total=total, paid_at=paid_at)
    org = db_session.get(Org, a.org_id)
    with app_ctx.test_request_context():
        [eur] = overview.sales_by_day(org, now=now)
    assert eur.currency == "EUR" and len(eur.days) == 30
    assert eur.days[0].day.isoformat() == "2024-04-11" and eur.today.day.isoformat() == "2024-05-10"
    assert eur.today.gross == Decimal("1.00") and eur.days[-2].gross == Decimal("2.00")
    assert eur.days[0].gross == Decimal("4.00")
    assert eur.total.gross == Decimal("7.00") and eur.total.orders == 3
    assert all(d.gross.as_tuple().exponent == -2 for d in eur.days)  # quantized to the currency


@pytest.mark.parametrize("role, sees_sales, figures", [
    ("admin", True, {"orders", "members", "submissions"}),
    ("staff", True, {"orders"}),
    ("creator", False, {"submissions"}),
])
def test_each_role_sees_its_figures(app, login, academy, sales, role, sees_sales, figures):
    email = {"admin": academy.admin_email, "staff": academy.staff_email, "creator": academy.creator_email}[role]
    html = text(_as(app, login, email).get(f"{academy.dashboard}/"))
    assert set(re.findall(r'<li class="card figure" data-figure="(\w+)"', html)) == figures
    assert ('id="sales-title"' in html) is sees_sales
    assert ("sales-card" in html) is sees_sales


def test_figures_count_and_link_to_their_lists_where_they_exist(app, login, academy, sales):
    with app.app_context():
        add_submissions(academy, 3)
        add_submissions(academy, 2, status="reviewed")
        # Members: the learner joined today; the employees long ago; two more 29 and 31 days ago.
        members = db.session.scalars(sa.select(OrgMember).where(OrgMember.org_id == academy.org_id)).all()
        for member in members:
            if member.id != academy.member_id:
                member.joined_at = utcnow() - timedelta(days=400)
        learner(academy.org_id, "Recent").joined_at = utcnow() - timedelta(days=29)
        learner(academy.org_id, "Older").joined_at = utcnow() - timedelta(days=31)
        db.session.commit()
    html = text(_as(app, login, academy.admin_email).get(f"{academy.dashboard}/"))

    def figure(key):
        return re.search(rf'<li class="card figure" data-figure="{key}" data-count="(\d+)">(.*?)</li>', html, re.S)

    assert figure("submissions").group(1) == "3"
    assert f'<a href="{academy.dashboard}/submissions">' in figure("submissions").group(2)
    assert figure("orders").group(1) == "1"  # the paid one
    assert figure("members").group(1) == "2"  # the learner (today) and "Recent"
    # The orders figure opens the paid orders, the members figure the members list for the same days.
    assert f'<a href="{academy.dashboard}/orders?status=paid">' in figure("orders").group(2)
    assert f'<a href="{academy.dashboard}/members?joined_from=' in figure("members").group(2)


def test_no_sales_yet_says_what_will_appear(app, login, academy):
    html = text(_as(app, login, academy.admin_email).get(f"{academy.dashboard}/"))
    assert "No sales in the last 30 days." in html and "Paid orders from your storefronts show up here" in html
    assert "sales-card" not in html


def test_the_overview_query_count_does_not_grow_with_orders(app, login, academy, count_queries):
    with app.app_context():
        eu = _market_id(academy.org_id)
        add_orders(academy.org_id, academy.member_id, eu, count=5)
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    admin.get(f"{academy.dashboard}/")
    with count_queries() as few:
        assert admin.get(f"{academy.dashboard}/").status_code == 200
    with app.app_context():
        for days in range(0, 50, 2):
            add_orders(academy.org_id, academy.member_id, eu, count=20, paid_at=utcnow() - timedelta(days=days))
        db.session.commit()
    with count_queries() as many:
        html = text(admin.get(f"{academy.dashboard}/"))
    assert _figure(_card(html, "EUR"), "orders") == "305"  # 5 + 15 days × 20 in the last 30 days
    assert many.count == few.count, str(many)


def test_postgresql_sums_the_sales_a_day_at_a_time(app, login, academy, sales, count_queries):
    """Issue 15: on PostgreSQL each day is summed from the (org, paid_at) index grouped by currency
    alone; labelling every order of the month with its day (a CASE of 30 dates) and sorting them
    all by (currency, day) took about twice as long at scale. SQLite keeps the labels."""
    admin = _as(app, login, academy.admin_email)
    admin.get(f"{academy.dashboard}/")
    with count_queries() as log:
        html = text(admin.get(f"{academy.dashboard}/"))
    assert 'data-currency="EUR"' in html
    (statement,) = [s for s in log.statements if "FROM org_member_order" in s and "sum(" in s]
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert ("LATERAL" in statement and "CASE" not in statement) if postgresql else "CASE" in statement, statement
