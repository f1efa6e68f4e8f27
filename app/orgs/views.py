"""Invitation pages outside any storefront (blueprint ``orgs``, ``/invitations/...``).

The emailed links of app.orgs.services (``member_invitation_link``, ``employee_invitation_link``)
point here. Each kind of invitation adds its routes in a module of its own, imported at the end
of this module: app/orgs/member_invitation_views.py (``/invitations/member/<token>``) and
app/orgs/employee_invitation_views.py (``/invitations/employee/<token>``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, url_for

from app.errors import DomainError, NotFoundError
from app.extensions import db
from app.orgs.models import Org

T = TypeVar("T")

bp = Blueprint("orgs", __name__, url_prefix="/invitations")


def attempt(call: Callable[[], T]) -> tuple[T | None, DomainError | None]:
    """Run an invitation page's service call: ``(result, None)``, or ``(None, error)`` with the
    session rolled back when the service refuses (an unknown invitation stays a 404 page)."""
    try:
        return call(), None
    except NotFoundError:
        raise
    except DomainError as exc:
        db.session.rollback()
        return None, exc


# ---- where a member lands after accepting ---------------------------------------------------------
# The org's storefront lives in a layer above this one (app.markets): the dashboard package, which
# sees every layer, registers the function that finds it (app/staff/invitations.py).

MemberLanding = Callable[[Org], "str | None"]
_member_landings: list[MemberLanding] = []


def member_landing(func: MemberLanding) -> MemberLanding:
    """Register ``func(org)``: the URL a new member of ``org`` lands on, or None if it knows none."""
    if func not in _member_landings:
        _member_landings.append(func)
    return func


def landing_for_member(org: Org) -> str:
    """Where a new member lands: the first registered landing that knows one, else the home page."""
    for func in _member_landings:
        url = func(org)
        if url:
            return url
    return url_for("markets.index")


from app.orgs import employee_invitation_views, member_invitation_views  # noqa: E402,F401  (register the routes)
