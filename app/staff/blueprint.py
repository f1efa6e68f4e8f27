"""The dashboard blueprint (``staff``, ``/dashboard/<org_slug>``) and what every page of it shares.

Every page needs a signed-in employee of the org: the URL processor resolves the org (unknown or
inactive → 404) and the signed-in user's employee record; a member of the org who is not an active
employee gets 403, anyone else 404 (the org's dashboard does not exist for them). What each page
shows is then limited by the permission matrix (app.orgs.permissions).

Templates extending ``layouts/staff.html`` get ``org``, ``employee``, ``nav`` (the entries of
app/staff/nav.py this employee may open), ``employments`` (the org switcher) and ``store_links``
(the way back to the storefronts) from the context processor below: a page's view passes only
its own data. Area modules (app/staff/submissions.py, ...) add their routes to ``bp``;
app/staff/views.py imports them all.
"""

from __future__ import annotations

from flask import Blueprint, abort, g
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import PermissionDeniedError
from app.markets.layout_html import provide as provide_header_part
from app.orgs.permissions import can
from app.orgs.services import get_member, get_org_and_employee
from app.staff import product_tabs
from app.staff.nav import nav_for
from app.staff.shell import current_employments, dashboard_link, store_links

bp = Blueprint("staff", __name__, url_prefix="/dashboard/<org_slug>")


@bp.url_value_preprocessor
def resolve_org(endpoint, values):
    g.staff_org_slug = (values or {}).pop("org_slug", None)


@bp.url_defaults
def add_org(endpoint, values):
    if "org_slug" not in values and g.get("staff_org_slug"):
        values["org_slug"] = g.staff_org_slug


@bp.before_request
@login_required
def require_employee():
    org, employee = get_org_and_employee(g.staff_org_slug or "", current_user)
    if org is None:
        abort(404)
    if employee is None or not employee.is_active or not can(employee, "own_earnings"):
        if get_member(org, current_user) is None and employee is None:
            abort(404)
        raise PermissionDeniedError(_("This dashboard is for the organization's employees."))
    g.staff_org = org
    g.employee = employee


@bp.context_processor
def shell_context() -> dict:
    """The frame of every dashboard page (lazy: queries run only when the layout renders them)."""
    if "staff_org" not in g:  # an error page before the org was resolved (404, login)
        return {}
    return {
        "org": g.staff_org,
        "employee": g.employee,
        "nav": nav_for(g.employee),
        "employments": current_employments,
        "store_links": lambda: store_links(g.staff_org),
        "product_tabs": product_tabs.tabs_for,
        "products_url": product_tabs.products_url,
        "product_status_labels": product_tabs.STATUS_LABELS,
    }


# ``dashboard_link()`` for the storefront and account headers (app.accounts.nav_html's account links).
provide_header_part("dashboard_link", dashboard_link)
