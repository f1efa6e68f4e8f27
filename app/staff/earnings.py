"""A creator's earnings (``/dashboard/<org>/earnings``): what the signed-in employee earned,
is owed and was paid, per currency, by month (an SVG chart with its figures as a table), product
and market; every revenue line with a link to its calculation; a CSV of the lines; a printable
monthly statement. Admins open any employee's earnings (``/earnings/employees/<id>``).

The figures are aggregate queries of app/revenue/revenue_earnings.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields import SelectChoice

from app.db import utcnow
from app.errors import DomainError, NotFoundError, PermissionDeniedError
from app.extensions import db
from app.markets.models import OrgMarket
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.orgs.permissions import can
from app.orgs.services import get_or_404
from app.revenue import earnings as revenue_earnings
from app.revenue import payouts
from app.revenue.models import OrgEmployeePayout
from app.revenue.models import OrgEmployeeProductAttributionRevenue as Revenue
from app.staff.blueprint import bp
from app.staff.forms import PayoutForm
from app.staff.overview import local_today
from app.web import charts, tables
from app.web.htmx import redirect, render

KIND_LABELS = {"sale": _l("Sale"), "refund": _l("Refund")}
METHOD_LABELS = {"bank_transfer": _l("Bank transfer"), "paypal": _l("PayPal"), "stripe_connect": _l("Stripe Connect"),
                 "other": _l("Other")}


def person_name(employee) -> str:
    return employee.member.user_profile.display_name


def _kind(kind: str) -> str:
    labels = g.get("_revenue_kind_labels")
    if labels is None:
        labels = g._revenue_kind_labels = {key: str(label) for key, label in KIND_LABELS.items()}
    return labels.get(kind, kind)


LINES = tables.Table(
    id="earnings-lines",
    title=_l("Revenue lines"),
    endpoint="staff.earnings",
    query=revenue_earnings.lines,
    count_query=revenue_earnings.line_keys,
    unfiltered_count=revenue_earnings.line_count,
    key=Revenue.id,
    row_id=lambda row: row[0].id,
    row_label=lambda row: row[1],
    columns=[
        tables.Column("date", _l("Date"), sort=Revenue.calculated_at, csv=lambda row: row[0].calculated_at),
        tables.Column("order", _l("Order"), sort=OrgMemberOrder.order_number, csv=lambda row: row[1]),
        tables.Column("product", _l("Product"), sort=sa.func.lower(OrgMemberOrderItem.product_name),
                      csv=lambda row: row[2]),
        tables.Column("market", _l("Market"), sort=sa.func.lower(OrgMarket.name), csv=lambda row: row[3]),
        tables.Column("kind", _l("Type"), sort=Revenue.kind, csv=lambda row: _kind(row[0].kind)),
        tables.Column("currency", _l("Currency"), html=False, csv=lambda row: row[0].currency_code),
        tables.Column("gross", _l("Gross"), sort=Revenue.gross_revenue, csv=lambda row: row[0].gross_revenue),
        tables.Column("tax", _l("Tax"), html=False, csv=lambda row: row[0].tax_amount),
        tables.Column("platform_fee", _l("Platform fee"), html=False, csv=lambda row: row[0].platform_fee),
        tables.Column("processing_fee", _l("Processing fee"), html=False, csv=lambda row: row[0].processing_fee),
        tables.Column("net", _l("Net"), sort=Revenue.net_revenue, csv=lambda row: row[0].net_revenue),
        tables.Column("share", _l("Your share"), sort=Revenue.attributed_revenue,
                      csv=lambda row: row[0].attributed_revenue),
    ],
    search=[OrgMemberOrder.order_number, OrgMemberOrderItem.product_name],
    search_label=_l("Search order or product"),
    filters=[
        tables.Choice("kind", _l("Type"), options=list(KIND_LABELS.items()), where=lambda value: Revenue.kind == value),
        tables.DateRange("date", _l("Date"), Revenue.calculated_at),
    ],
    default_sort="-date",
    empty=_l("No revenue yet."),
    empty_hint=_l("Your share of each sale of the products you are credited on appears here."),
)


@bp.get("/earnings", defaults={"employee_id": None})
@bp.get("/earnings/employees/<employee_id>")
def earnings(employee_id: str | None):
    chosen = request.args.get("employee")
    if employee_id is None and chosen:  # the admin's "show the earnings of" form
        return redirect(url_for("staff.earnings", employee_id=chosen if chosen != g.employee.id else None))
    return _page(revenue_earnings.earnings_of(g.employee, employee_id))


def _payout_form(employee, totals, formdata=None) -> PayoutForm:
    form = PayoutForm(formdata=formdata)
    owed = [t.currency for t in totals if t.pending > 0] or [t.currency for t in totals]
    form.currency_code.choices = [SelectChoice(currency, currency) for currency in owed]
    form.method.choices = [SelectChoice(key, label) for key, label in METHOD_LABELS.items()]
    return form


def _page(employee, **extra):
    today = local_today()
    months = revenue_earnings.by_month(employee, today)
    totals = revenue_earnings.totals(employee)
    admin_of_other = can(g.employee, "all_earnings")
    return LINES.respond(
        employee, "staff/earnings.html", "staff/_earnings_lines.html",
        person=employee, own=employee.id == g.employee.id, totals=totals, months=months,
        bars={currency: list(zip(values, charts.bar_boxes([m.earned for m in values]), strict=True))
              for currency, values in months.items()},
        person_name=person_name(employee), method_labels=METHOD_LABELS,
        chart=charts, products=revenue_earnings.by_product(employee), markets=revenue_earnings.by_market(employee),
        payouts=revenue_earnings.payouts(employee), statement_months=revenue_earnings.month_starts(today, 12)[::-1],
        people=revenue_earnings.earners(g.employee) if admin_of_other else None,
        payout_form=extra.pop("payout_form", None) or (_payout_form(employee, totals) if admin_of_other and totals
                                                         else None),
        **extra,
    )


@bp.post("/earnings/employees/<employee_id>/payouts")
def record_payout(employee_id: str):
    employee = revenue_earnings.earnings_of(g.employee, employee_id)
    form = _payout_form(employee, revenue_earnings.totals(employee), request.form)
    if form.validate():
        try:
            payouts.record_payout(employee, amount=form.amount.data, currency_code=form.currency_code.data,
                                  method=form.method.data, reference=form.reference.data, by=g.employee)
        except (PermissionDeniedError, NotFoundError):
            raise
        except DomainError as exc:
            db.session.rollback()
            form.amount.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Payout recorded."), "success")
            return redirect(url_for("staff.earnings", employee_id=employee.id))
    response = _page(employee, payout_form=form)
    response.status_code = 422
    return response


@bp.post("/earnings/payouts/<payout_id>/reverse")
def reverse_payout(payout_id: str):
    payout = get_or_404(OrgEmployeePayout, g.staff_org, payout_id)
    try:
        payouts.reverse_payout(payout, by=g.employee)
    except (PermissionDeniedError, NotFoundError):
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Payout reversed: the amount is owed again."), "success")
    return redirect(url_for("staff.earnings", employee_id=payout.employee_id))


@bp.get("/earnings/lines/<row_id>")
def earnings_line(row_id: str):
    row, item, order = revenue_earnings.line(g.employee, row_id)
    return render("staff/earnings_line.html", row=row, item=item, order=order,
                  share_percent=(row.attributed_revenue / row.net_revenue * 100) if row.net_revenue else None)


@bp.get("/earnings/statement", defaults={"employee_id": None})
@bp.get("/earnings/employees/<employee_id>/statement")
def earnings_statement(employee_id: str | None):
    employee = revenue_earnings.earnings_of(g.employee, employee_id)
    try:
        year, month = (int(part) for part in (request.args.get("month") or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = local_today().replace(day=1)
    if first.year < 2000 or first > utcnow().date() + timedelta(days=31):
        abort(404)
    statement = revenue_earnings.statement(employee, first)
    return render("staff/earnings_statement.html", person=employee, person_name=person_name(employee),
                  statement=statement, first=first)
