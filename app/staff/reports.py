"""The org's reports (``/dashboard/<org>/reports``, admins): revenue by market, currency and month;
tax by country and rate for a period (from the orders' tax snapshots); gift card liability;
creator payables; the trial balance. Each table also downloads as CSV (``?format=csv&report=...``).
The figures are app/revenue/reports.py's aggregate queries."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Response, g, request
from flask_babel import gettext as _

from app.revenue import reports
from app.staff.blueprint import bp
from app.staff.overview import local_today
from app.web.htmx import render
from app.web.tables import day_start


def _date(name: str, default: date) -> date:
    try:
        value = date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return default
    return value if date(2000, 1, 1) <= value <= date(2999, 12, 31) else default


def _csv(filename: str, header: list[str], rows: list[list]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@\t\r" else v for v in row])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/reports")
def reports_page():
    org, by = g.staff_org, g.employee
    today = local_today()
    first = _date("from", today.replace(month=1, day=1))
    last = _date("to", today)
    if first > last:
        first, last = last, first
    start, end = day_start(first), day_start(last + timedelta(days=1))
    which = request.args.get("report")
    if request.args.get("format") == "csv" and which == "revenue":
        rows = reports.revenue(org, start, end, by=by)
        return _csv(f"revenue-{first}-{last}.csv",
                    [_("Month"), _("Market"), _("Currency"), _("Orders"), _("Paid"), _("Refunded"), _("Tax"), _("Net")],
                    [[r.month, r.market, r.currency, r.orders, r.paid, r.refunded, r.tax, r.net] for r in rows])
    if request.args.get("format") == "csv" and which == "tax":
        rows = reports.tax(org, start, end, by=by)
        return _csv(f"tax-{first}-{last}.csv",
                    [_("Country"), _("Rate"), _("Percent"), _("Currency"), _("Items"), _("Taxable amount"),
                     _("Tax collected"), _("Tax refunded"), _("Tax owed")],
                    [[r.country, r.rate_name, r.percent, r.currency, r.items, r.taxable, r.collected, r.refunded,
                      r.owed] for r in rows])
    return render("staff/reports.html", first=first, last=last,
                  revenue=reports.revenue(org, start, end, by=by), tax=reports.tax(org, start, end, by=by),
                  liability=reports.gift_card_liability(org, by=by), payables=reports.creator_payables(org, by=by),
                  trial=reports.trial_balance(org, by=by))
