"""The earnings page: a creator's totals equal their revenue rows to the cent; the chart, the
breakdowns, each line's calculation, the CSV, the monthly statement; admins open anyone's."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.attributions import set_attribution
from app.extensions import db
from app.orders import services as orders
from app.revenue.models import OrgEmployeePayout
from app.revenue.models import OrgEmployeeProductAttributionRevenue as Revenue
from app.revenue.payouts import record_payout
from tests.factories import PASSWORD, make_employee
from tests.orders.test_services import build_shop, place, plan

D = Decimal


def _email(employee) -> str:
    return employee.member.user_profile.user.email


@pytest.fixture
def sold(app):
    """A creator with 70 % of two courses, three sales (one partly refunded) and a payout."""
    with app.app_context():
        shop = build_shop()
        creator = make_employee(shop.org, role="creator")
        manager = make_employee(shop.org, role="manager")
        plans = [plan(shop, price="49.00"), plan(shop, price="19.99")]
        for p in plans:
            set_attribution(p.variant.product, creator, percent=D("70"), by=shop.admin)
        first = orders.mark_paid(place(shop, plans), provider="manual")
        orders.mark_paid(place(shop, [plans[0]]), provider="manual")
        orders.refund_amount(first, D("5.00"), item=first.items[0])
        record_payout(creator, amount=D("10.00"), currency_code="EUR", method="bank_transfer", reference="T-1",
                      by=shop.admin)
        db.session.commit()
        data = {"slug": shop.org.slug, "creator": creator.id, "creator_email": _email(creator),
                "admin_email": _email(shop.admin), "manager_email": _email(manager),
                "earned": db.session.scalar(sa.select(sa.func.sum(Revenue.attributed_revenue))
                                            .where(Revenue.employee_id == creator.id))}
    return data


def _signed_in(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 303
    return client


def _figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]+)<', html).group(1)


def test_the_totals_equal_the_sum_of_the_revenue_rows_to_the_cent(app, login, sold):
    client = _signed_in(app, login, sold["creator_email"])
    html = client.get(f"/dashboard/{sold['slug']}/earnings").get_data(as_text=True)
    earned = D(sold["earned"]).quantize(D("0.01"))
    assert _figure(html, "earned") == f"€{earned:,.2f}"
    assert _figure(html, "paid") == "€10.00"
    assert _figure(html, "pending") == f"€{earned - D('10.00'):,.2f}"
    assert _figure(html, "sales") == "3"
    assert '<svg class="chart"' in html and "By product" in html and "By market" in html
    assert "Bank transfer" in html and "T-1" in html


def test_each_line_links_to_its_calculation(app, login, sold):
    client = _signed_in(app, login, sold["creator_email"])
    with app.app_context():
        row = db.session.scalar(sa.select(Revenue).where(Revenue.employee_id == sold["creator"],
                                                         Revenue.kind == "sale").order_by(Revenue.gross_revenue.desc()))
        values = (row.id, row.gross_revenue, row.tax_amount, row.net_revenue, row.attributed_revenue)
    html = client.get(f"/dashboard/{sold['slug']}/earnings").get_data(as_text=True)
    assert f"/earnings/lines/{values[0]}" in html
    page = client.get(f"/dashboard/{sold['slug']}/earnings/lines/{values[0]}").get_data(as_text=True)
    assert _figure(page, "gross") == f"€{values[1]:,.2f}"
    assert _figure(page, "tax") == f"−€{values[2]:,.2f}"
    assert _figure(page, "net") == f"€{values[3]:,.2f}"
    assert _figure(page, "share") == f"€{values[4]:,.2f}"
    assert "70" in page  # the share's percent of net


def test_the_csv_holds_every_line_with_its_calculation(app, login, sold):
    client = _signed_in(app, login, sold["creator_email"])
    response = client.get(f"/dashboard/{sold['slug']}/earnings?format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Date", "Order"] and "Your share" in rows[0]
    share = rows[0].index("Your share")
    assert len(rows) == 1 + 4  # three sales and a refund
    assert sum(D(r[share]) for r in rows[1:]).quantize(D("0.01")) == D(sold["earned"]).quantize(D("0.01"))


def test_the_monthly_statement_lists_the_month_and_what_is_owed(app, login, sold):
    client = _signed_in(app, login, sold["creator_email"])
    html = client.get(f"/dashboard/{sold['slug']}/earnings").get_data(as_text=True)
    month = re.search(r'<option value="(\d{4}-\d{2})"', html).group(1)
    statement = client.get(f"/dashboard/{sold['slug']}/earnings/statement?month={month}").get_data(as_text=True)
    earned = D(sold["earned"]).quantize(D("0.01"))
    assert _figure(statement, "month") == f"€{earned:,.2f}"
    assert _figure(statement, "owed") == f"€{earned - D('10.00'):,.2f}"
    assert "T-1" in statement
    assert client.get(f"/dashboard/{sold['slug']}/earnings/statement?month=nonsense").status_code == 200
    assert client.get(f"/dashboard/{sold['slug']}/earnings/statement?month=1900-01").status_code == 404


def test_admins_open_anyone_s_earnings_others_do_not(app, login, sold):
    url = f"/dashboard/{sold['slug']}/earnings/employees/{sold['creator']}"
    admin = _signed_in(app, login, sold["admin_email"])
    assert _figure(admin.get(url).get_data(as_text=True), "paid") == "€10.00"
    manager = _signed_in(app, login, sold["manager_email"])
    assert manager.get(url).status_code == 404
    assert "No earnings yet" in manager.get(f"/dashboard/{sold['slug']}/earnings").get_data(as_text=True)


def test_the_page_costs_the_same_queries_for_few_and_many_lines(app, login, count_queries):
    counts = []
    for sales in (2, 40):
        with app.app_context():
            shop = build_shop()
            creator = make_employee(shop.org, role="creator")
            the_plan = plan(shop, price="9.00")
            set_attribution(the_plan.variant.product, creator, percent=D("50"), by=shop.admin)
            for _n in range(sales):
                orders.mark_paid(place(shop, [the_plan]), provider="manual")
            db.session.commit()
            slug, email = shop.org.slug, _email(creator)
        client = _signed_in(app, login, email)
        with count_queries() as q:
            assert client.get(f"/dashboard/{slug}/earnings").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_an_admin_records_a_payout_that_shows_as_paid_and_can_reverse_it(app, login, sold):
    admin = _signed_in(app, login, sold["admin_email"])
    url = f"/dashboard/{sold['slug']}/earnings/employees/{sold['creator']}"
    page = admin.get(url).get_data(as_text=True)
    assert "Record a payout" in page
    too_much = admin.post(f"{url}/payouts", data={"currency_code": "EUR", "amount": "99999", "method": "paypal"})
    assert too_much.status_code == 422 and "is owed to this employee" in too_much.get_data(as_text=True)
    bad = admin.post(f"{url}/payouts", data={"currency_code": "EUR", "amount": "ten", "method": "paypal"})
    assert bad.status_code == 422 and "Enter an amount such as 25.00." in bad.get_data(as_text=True)
    done = admin.post(f"{url}/payouts", data={"currency_code": "EUR", "amount": "5.00", "method": "paypal",
                                             "reference": "PP-7"})
    assert done.status_code == 303
    page = admin.get(url).get_data(as_text=True)
    assert _figure(page, "paid") == "€15.00" and "PP-7" in page
    with app.app_context():
        payout_id = db.session.scalar(sa.select(OrgEmployeePayout.id).where(OrgEmployeePayout.reference == "PP-7"))
    assert admin.post(f"/dashboard/{sold['slug']}/earnings/payouts/{payout_id}/reverse").status_code == 303
    assert _figure(admin.get(url).get_data(as_text=True), "paid") == "€10.00"
    creator = _signed_in(app, login, sold["creator_email"])
    own = creator.get(f"/dashboard/{sold['slug']}/earnings").get_data(as_text=True)
    assert "Record a payout" not in own and "PP-7" in own and "Reversed" in own
