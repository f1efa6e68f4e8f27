"""Dashboard pages of one org for its employees (blueprint ``staff``, ``/dashboard/<org_slug>``).

The blueprint, its access rule and the shell's context live in app/staff/blueprint.py; each area
adds its routes in a module of its own (app/staff/submissions.py, ...) imported here, and its
navigation entry in app/staff/nav.py. This module holds the overview page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, url_for

from app.orgs.permissions import can
from app.staff import attributions as _attributions  # noqa: F401  (registers a product's shares page)
from app.staff import audit as _audit  # noqa: F401  (registers the audit log's routes)
from app.staff import collections as _collections  # noqa: F401  (registers the collections' pages)
from app.staff import course_builder as _course_builder  # noqa: F401  (registers the course builder)
from app.staff import earnings as _earnings  # noqa: F401  (registers the earnings pages)
from app.staff import emails as _emails  # noqa: F401  (registers the org's email list)
from app.staff import employees as _employees  # noqa: F401  (registers the employees' routes)
from app.staff import exports as _exports  # noqa: F401  (registers the background CSV exports)
from app.staff import giftcards as _giftcards  # noqa: F401  (registers the gift card pages)
from app.staff import invitations as _invitations  # noqa: F401  (registers the invitation pages)
from app.staff import lessons as _lessons  # noqa: F401  (registers the lesson library and editors)
from app.staff import locales as _locales  # noqa: F401  (registers the org's locales page)
from app.staff import markets as _markets  # noqa: F401  (registers the markets' pages)
from app.staff import media as _media  # noqa: F401  (registers the images and files pages)
from app.staff import members as _members  # noqa: F401  (registers the members' routes)
from app.staff import orders as _orders  # noqa: F401  (registers the orders pages)
from app.staff import overview
from app.staff import plans as _plans  # noqa: F401  (registers the plans and prices tabs of a product)
from app.staff import product_seo as _product_seo  # noqa: F401  (registers the search and sharing tab)
from app.staff import products as _products  # noqa: F401  (registers the product pages)
from app.staff import promotions as _promotions  # noqa: F401  (registers the promotions pages)
from app.staff import reports as _reports  # noqa: F401  (registers the reports page)
from app.staff import submissions as _submissions  # noqa: F401  (registers the review queue's routes)
from app.staff import tax as _tax  # noqa: F401  (registers the tax pages)
from app.staff import translations as _translations  # noqa: F401  (registers the content translation pages)
from app.staff.blueprint import bp
from app.staff.nav import entry_for
from app.staff.submissions import count_waiting
from app.web.htmx import render

__all__ = ["bp"]


@dataclass(frozen=True)
class Figure:
    """A number on the overview and the list it opens (None while that list's page does not exist)."""

    key: str
    count: int
    url: str | None


def _figure(key: str, count: int, **params) -> Figure:
    entry = entry_for(g.employee, key)
    return Figure(key, count, url_for(entry.endpoint, **{**entry.params, **params}) if entry else None)


@bp.get("/")
def index():
    employee, org = g.employee, g.staff_org
    sales = overview.sales_by_day(org) if can(employee, "orders_view") else None
    figures = []
    if can(employee, "orders_view"):
        figures.append(_figure("orders", overview.count_orders_awaiting_fulfilment(org), status="paid"))
    if can(employee, "invite"):
        figures.append(_figure("members", overview.count_new_members(org),
                               joined_from=overview.new_members_since().isoformat()))
    if can(employee, "catalog_own"):
        figures.append(_figure("submissions", count_waiting(employee)))
    return render("staff/index.html", sales=sales, figures=figures, chart_bars=overview.chart_bars,
                  chart=overview)
