"""The page a member invitation's email links to (``/invitations/member/<token>``).

It shows the org and what joining means. Signed in (with any address: the link is the proof, and
the page says so when it is not the invited one): accept or decline. Not signed in: create the
account of the invited address (verified: the link proves it) and join in one step, or log in and
come back here. Accepting lands the new member in the org's storefront (``landing_for_member``).
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.services import get_user_by_email
from app.accounts.signin import sign_in
from app.extensions import db
from app.orgs import services
from app.orgs.forms import InvitationActionForm, JoinForm
from app.orgs.models import Org
from app.orgs.views import attempt, bp, landing_for_member
from app.web.htmx import render
from app.web.labels import MEMBERSHIP_TYPES, label

TEMPLATE = "orgs/member_invitation.html"


def _page(token: str, *, join_form: JoinForm | None = None, error: str | None = None, status: int = 200):
    invitation = services.member_invitation_by_token(token)
    signed_in = current_user.is_authenticated
    return render(
        TEMPLATE, status=status, invitation=invitation, org=db.session.get(Org, invitation.org_id),
        status_now=services.invitation_status(invitation), error=error,
        membership_label=label(MEMBERSHIP_TYPES, invitation.type),
        other_address=signed_in and current_user.email != invitation.email,
        has_account=not signed_in and get_user_by_email(invitation.email) is not None,
        join_form=join_form or JoinForm(formdata=None), action_form=InvitationActionForm(formdata=None),
        login_url=url_for("accounts.login", next=url_for("orgs.accept_member_invitation", token=token)),
    )


@bp.get("/member/<token>")
def accept_member_invitation(token: str):
    return _page(token)


def _welcome(member_org) -> None:
    flash(_("Welcome to %(org)s: you are a member now.", org=member_org.name), "success")


@bp.post("/member/<token>/accept")
def accept_member(token: str):
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("orgs.accept_member_invitation", token=token)), 303)
    if not InvitationActionForm().validate_on_submit():
        return _page(token, error=_("The form has expired. Please try again."), status=400)
    member, error = attempt(lambda: services.accept_member_invitation(token, current_user))
    if error is not None:
        return _page(token, error=error.message, status=error.status_code)
    db.session.commit()
    _welcome(member.org)
    return redirect(landing_for_member(member.org), 303)


@bp.post("/member/<token>/join")
def join_member(token: str):
    """Create the invited address's account, accept, and sign the new member in."""
    if current_user.is_authenticated:
        return redirect(url_for("orgs.accept_member_invitation", token=token), 303)
    form = JoinForm()
    if not form.validate_on_submit():
        return _page(token, join_form=form, status=422)
    name, password = form.display_name.data, form.password.data
    joined, error = attempt(lambda: services.join_by_member_invitation(token, display_name=name, password=password))
    if error is not None:
        return _page(token, join_form=form, error=error.message, status=error.status_code)
    user, member = joined
    sign_in(user)
    db.session.commit()
    _welcome(member.org)
    return redirect(landing_for_member(member.org), 303)


@bp.post("/member/<token>/decline")
def decline_member(token: str):
    if not InvitationActionForm().validate_on_submit():
        return _page(token, error=_("The form has expired. Please try again."), status=400)
    invitation, error = attempt(lambda: services.decline_member_invitation(
        token, current_user if current_user.is_authenticated else None))
    if error is not None:
        return _page(token, error=error.message, status=error.status_code)
    db.session.commit()
    flash(_("You declined the invitation of %(org)s.", org=db.session.get(Org, invitation.org_id).name), "success")
    return redirect(url_for("orgs.accept_member_invitation", token=token), 303)
