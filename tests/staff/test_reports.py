"""The org's reports: tax by country and rate from the snapshots (refunds in proportion), revenue by
market and month, gift card liability against the cards, creator payables, a trial balance whose
columns agree; CSV downloads; admins only."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.attributions import set_attribution
from app.db import utcnow
from app.extensions import db
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.revenue import reports
from app.tax.models import OrgTaxRate, OrgTaxRateSnapshot
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


def _joined_tax(org_id, start, end):
    """The tax report as it was defined before the snapshots carried their order's figures: items
    joined to their orders and snapshots (the reference the one-table aggregate must equal)."""
    item, order, snap = OrgMemberOrderItem, OrgMemberOrder, OrgTaxRateSnapshot
    refunded = sa.case((item.line_total > 0, item.tax_amount * item.refunded_amount / item.line_total), else_=0)
    return db.session.execute(
        sa.select(order.billing_country_code, OrgTaxRate.name, item.tax_rate_percent, order.currency_code,
                  sa.func.count(), sa.func.sum(item.line_total - item.tax_amount), sa.func.sum(item.tax_amount),
                  sa.func.sum(refunded))
        .select_from(item).join(order, order.id == item.order_id).join(snap, snap.order_item_id == item.id)
        .outerjoin(OrgTaxRate, OrgTaxRate.id == snap.original_tax_rate_id)
        .where(item.org_id == org_id, order.status.in_(reports.PAID), order.paid_at >= start, order.paid_at < end)
        .group_by(order.billing_country_code, OrgTaxRate.name, item.tax_rate_percent, order.currency_code)
    ).all()


def test_the_tax_report_from_the_snapshots_equals_the_join_of_items_orders_and_snapshots(app):
    with app.app_context():
        shop = build_shop()
        cheap, dear = plan(shop, price="10.00"), plan(shop, price="100.00")
        start, end = utcnow() - timedelta(days=30), utcnow() + timedelta(days=1)
        orders.mark_paid(place(shop, [cheap, dear]), provider="manual")
        refunded = orders.mark_paid(place(shop, [dear]), provider="manual")
        orders.refund_amount(refunded, D("30.00"), item=refunded.items[0])
        pending = place(shop, [dear])
        orders.cancel_order(place(shop, [cheap]))
        orders.mark_paid(place(shop, [dear]), provider="manual", at=start - timedelta(days=1))  # before the period
        db.session.commit()
        snapshots = {s.order_id: s for s in db.session.scalars(sa.select(OrgTaxRateSnapshot))}
        assert snapshots[pending.id].paid_at is None and snapshots[refunded.id].paid_at == refunded.paid_at
        assert (snapshots[refunded.id].billing_country_code, snapshots[refunded.id].currency_code) == ("DE", "EUR")

        rows = reports.tax(shop.org, start, end, by=shop.admin)
        assert [(r.country, r.rate_name, r.items, r.taxable, r.collected, r.owed) for r in rows] == [
            ("DE", "VAT", 3, D("210.00"), D("39.90"), D("39.90") - (D("19.00") * D("30.00") / D("119.00")).quantize(D("0.01")))]
        expected = [(c, name or "—", p, cur, int(n), reports._money(t, cur), reports._money(col, cur),
                     reports._money(ref, cur)) for c, name, p, cur, n, t, col, ref in _joined_tax(shop.org.id, start, end)]
        assert [(r.country, r.rate_name, r.percent, r.currency, r.items, r.taxable, r.collected, r.refunded)
                for r in rows] == expected


@pytest.mark.postgres
def test_the_reports_are_planned_for_their_own_period_on_postgresql(app, books):
    """Statements stay prepared across requests (app.db); after five runs PostgreSQL may reuse one
    generic plan for any period, which made the reports 5x slower at scale (make bench: 490 ms).
    The reports' transaction plans each statement for its own values."""
    from app.orgs.models import Org, OrgEmployee

    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == books["url"].split("/")[2]))
        admin = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org.id,
                                                                OrgEmployee.role == "admin"))
        now = utcnow()
        for report in (lambda: reports.revenue(org, now - timedelta(days=30), now, by=admin),
                       lambda: reports.tax(org, now - timedelta(days=30), now, by=admin),
                       lambda: reports.trial_balance(org, by=admin)):
            db.session.rollback()
            assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "auto"
            report()
            assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "force_custom_plan"
        db.session.rollback()
