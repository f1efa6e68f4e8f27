"""Invitation pages outside any storefront (blueprint ``orgs``, ``/invitations/...``).

The emailed links of app.orgs.services (``member_invitation_link``, ``employee_invitation_link``)
point here. Each kind of invitation adds its routes in a module of its own, imported at the end
of this module: app/orgs/member_invitation_views.py (``/invitations/member/<token>``) and
app/orgs/employee_invitation_views.py (``/invitations/employee/<token>``).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/invitations")
