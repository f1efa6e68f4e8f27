"""The org's reports: tax by country and rate from the snapshots (refunds in proportion), revenue by
market and month, gift card liability against the cards, creator payables, a trial balance whose
columns agree; CSV downloads; admins only."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from app.catalog.attributions import set_attribution
from app.extensions import db
from app.orders import services as orders
from tests.factories import PASSWORD, make_employee
from tests.orders.test_services import build_shop, gift_card, place, plan

D = Decimal


def _email(employee) -> str:
    return employee.member.user_profile.user.email


@pytest.fixture
def books(app):
    with app.app_context():
        shop = build_shop()
        creator = make_employee(shop.org, role="creator")
        manager = make_employee(shop.org, role="manager")
        the_plan = plan(shop, price="100.00")  # 19 % VAT on top: 119.00
        set_attribution(the_plan.variant.product, creator, percent=D("50"), by=shop.admin)
        orders.mark_paid(place(shop, [the_plan]), provider="manual")
        refunded = orders.mark_paid(place(shop, [the_plan]), provider="manual")
        orders.refund_amount(refunded, D("59.50"), item=refunded.items[0])  # half of 119.00
        gift_card(shop, "30.00")
        db.session.commit()
        return {"url": f"/dashboard/{shop.org.slug}/reports", "admin": _email(shop.admin),
                "manager": _email(manager)}


def _as(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 303
    return client


def test_tax_owed_by_country_and_rate_counts_refunds_in_proportion(app, login, books):
    admin = _as(app, login, books["admin"])
    html = admin.get(books["url"]).get_data(as_text=True)
    # 2 × 19.00 collected, half of one refunded: 28.50 owed to Germany at 19 %
    assert re.search(r'data-figure="tax-owed">€28\.50<', html)
    assert "Germany" in html and "VAT" in html
    response = admin.get(books["url"] + "?report=tax&format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][-1] == "Tax owed" and rows[1][0] == "DE" and D(rows[1][-1]) == D("28.50")


def test_revenue_liability_payables_and_a_trial_balance_that_agrees(app, login, books):
    admin = _as(app, login, books["admin"])
    html = admin.get(books["url"]).get_data(as_text=True)
    revenue = re.search(r'<table data-report="revenue">(.*?)</table>', html, re.S).group(1)
    assert "€238.00" in revenue and "€59.50" in revenue  # paid, refunded
    liability = re.search(r'<table data-report="liability">(.*?)</table>', html, re.S).group(1)
    assert liability.count("€30.00") == 2  # ledger and cards agree
    trial = re.search(r'<table data-report="trial">(.*?)</table>', html, re.S).group(1)
    debit = sum(D(v.replace(",", "")) for v in re.findall(r'<td class="num">€([\d,.]+)</td><td class="num"></td>', trial))
    credit = sum(D(v.replace(",", "")) for v in re.findall(r'<td class="num"></td><td class="num">€([\d,.]+)</td>', trial))
    assert debit == credit > 0
    assert 'data-report="payables"' in html


def test_reports_are_for_admins_and_bad_periods_fall_back(app, login, books):
    assert _as(app, login, books["manager"]).get(books["url"]).status_code == 403
    admin = _as(app, login, books["admin"])
    assert admin.get(books["url"] + "?from=nonsense&to=2026-13-45").status_code == 200
    assert admin.get(books["url"] + "?from=2001-01-01&to=2001-01-31").status_code == 200
