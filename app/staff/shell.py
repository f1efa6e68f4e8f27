"""What the dashboard's frame shows around every page: the orgs the signed-in user works for (the
org switcher, and the "Dashboard" link in the storefront and account headers) and the org's
storefronts (the way back to the store).

Each is one query, run at most once per request (cached on ``flask.g``) and only when a template
asks for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, request, url_for

from app.accounts.signin import request_user
from app.db import prebuilt
from app.extensions import db
from app.markets.services import list_markets
from app.orgs.current import employments_select, member_value
from app.orgs.models import Org, OrgEmployee

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Employment:
    """One org the user works for, as the switcher and the header link show it."""

    org_slug: str
    org_name: str
    role: str

    @property
    def url(self) -> str:
        return url_for("staff.index", org_slug=self.org_slug)


@dataclass(frozen=True)
class StoreLink:
    name: str
    url: str


def employments_of(user_id: str) -> list[Employment]:
    """The active orgs where ``user_id`` is an active employee with an active membership (one query)."""
    rows = db.session.execute(_employments(), {"user_id": user_id}).all()
    return [Employment(slug, name, role) for slug, name, role in rows]


@prebuilt
def _employments():
    return employments_select(Org.slug, Org.name, OrgEmployee.role).order_by(Org.name, Org.slug)


def current_employments() -> list[Employment]:
    """``employments_of`` the signed-in user, once per request (none for visitors). No query when
    this request's membership statement (app/orgs/current.py) already found that the user works
    for no org: most signed-in storefront visitors are buyers and learners."""
    request_g = g._get_current_object()  # one lookup through the proxy
    found = request_g.__dict__.get("_staff_employments")
    if found is None:
        user = request_user()
        if not (user and user.is_authenticated) or _works_nowhere(request_g, user.id):
            found = []
        else:
            found = employments_of(user.id)
        request_g._staff_employments = found
    return found


def _works_nowhere(request_g, user_id: str) -> bool:
    storefront = request_g.__dict__.get("storefront")
    if storefront is None:
        return False
    return member_value(storefront.org_id, user_id, "works_anywhere", None) is False


def dashboard_link() -> Employment | None:
    """The dashboard the storefront and account headers link to, for employees: the org of the
    storefront being shown if they work for it, else their first org. None on dashboard pages (the
    dashboard has its own switcher), for visitors and for people who work for no org.

    A page rendered after a failed statement (an error page) must still render: a database error
    here drops the link instead of turning the page into a 500."""
    if request.blueprint == "staff":
        return None
    try:
        employments = current_employments()
    except sa.exc.SQLAlchemyError:  # e.g. an aborted transaction while rendering an error page
        log.warning("dashboard link skipped: the database could not be read", exc_info=True)
        g._staff_employments = []
        return None
    if not employments:
        return None
    storefront = g.get("storefront")
    wanted = getattr(storefront, "org_slug", None)
    return next((e for e in employments if e.org_slug == wanted), employments[0])


def store_links(org: Org) -> list[StoreLink]:
    """The org's active storefronts (one query, once per request)."""
    if "_staff_store_links" not in g:
        markets = db.session.scalars(list_markets(org, active_only=True)).all()
        g._staff_store_links = [
            StoreLink(m.name, url_for("markets.enter", org_slug=org.slug, market_slug=m.slug)) for m in markets
        ]
    return g._staff_store_links
