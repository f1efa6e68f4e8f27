"""The page an approved employee invitation's email links to (``/invitations/employee/<token>``).

It shows the org and the role. The invitation is for its address only: signed in with it, accept
(optionally as one of the user's job profiles) or decline; signed in with another address, the page
says so; not signed in, create the account of the invited address (verified: the link proves it)
and accept in one step, or log in and come back here. Accepting lands in the org's dashboard.
A pending invitation (not approved yet) was never sent: its link is not valid (404).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from app.accounts.jobs import list_job_profiles
from app.accounts.services import get_user_by_email
from app.accounts.signin import sign_in
from app.checks import normalize_email
from app.extensions import db
from app.orgs import services
from app.orgs.forms import AcceptEmployeeForm, InvitationActionForm, JoinForm
from app.orgs.models import Org
from app.orgs.views import attempt, bp
from app.web.htmx import render
from app.web.labels import EMPLOYEE_ROLES, label

TEMPLATE = "orgs/employee_invitation.html"


def _accept_form(formdata=None) -> AcceptEmployeeForm:
    form = AcceptEmployeeForm(formdata=formdata) if formdata is not None else AcceptEmployeeForm(formdata=None)
    choices = [SelectChoice("", _("Myself (no job profile)"))]
    if current_user.is_authenticated:
        choices += [SelectChoice(job.id, f"{job.title} (/creators/{job.slug})") for job in list_job_profiles(current_user)]
    form.job_profile_id.choices = choices
    return form


def _page(token: str, *, join_form: JoinForm | None = None, accept_form: AcceptEmployeeForm | None = None,
          error: str | None = None, status: int = 200):
    invitation = services.employee_invitation_by_token(token)
    signed_in = current_user.is_authenticated
    own = signed_in and normalize_email(current_user.email) == invitation.email
    return render(
        TEMPLATE, status=status, invitation=invitation, org=db.session.get(Org, invitation.org_id),
        status_now=services.invitation_status(invitation), error=error,
        role_label=label(EMPLOYEE_ROLES, invitation.role),
        other_address=signed_in and not own,
        has_account=not signed_in and get_user_by_email(invitation.email) is not None,
        join_form=join_form or JoinForm(formdata=None),
        accept_form=accept_form or (_accept_form() if own else None),
        action_form=InvitationActionForm(formdata=None),
        login_url=url_for("accounts.login", next=url_for("orgs.accept_employee_invitation", token=token)),
    )


@bp.get("/employee/<token>")
def accept_employee_invitation(token: str):
    return _page(token)


def _welcome(employee) -> None:
    flash(_("Welcome to the %(org)s team.", org=employee.org.name), "success")


@bp.post("/employee/<token>/accept")
def accept_employee(token: str):
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("orgs.accept_employee_invitation", token=token)), 303)
    form = _accept_form(request.form)
    if not form.validate_on_submit():
        return _page(token, accept_form=form, status=422)
    job_profile_id = form.job_profile_id.data or None
    employee, error = attempt(
        lambda: services.accept_employee_invitation(token, current_user, job_profile_id=job_profile_id))
    if error is not None:
        return _page(token, error=error.message, status=error.status_code)
    db.session.commit()
    _welcome(employee)
    return redirect(url_for("staff.index", org_slug=employee.org.slug), 303)


@bp.post("/employee/<token>/join")
def join_employee(token: str):
    """Create the invited address's account, accept, and sign the new employee in."""
    if current_user.is_authenticated:
        return redirect(url_for("orgs.accept_employee_invitation", token=token), 303)
    form = JoinForm()
    if not form.validate_on_submit():
        return _page(token, join_form=form, status=422)
    name, password = form.display_name.data, form.password.data
    joined, error = attempt(lambda: services.join_by_employee_invitation(token, display_name=name, password=password))
    if error is not None:
        return _page(token, join_form=form, error=error.message, status=error.status_code)
    user, employee = joined
    sign_in(user)
    db.session.commit()
    _welcome(employee)
    return redirect(url_for("staff.index", org_slug=employee.org.slug), 303)


@bp.post("/employee/<token>/decline")
def decline_employee(token: str):
    if not InvitationActionForm().validate_on_submit():
        return _page(token, error=_("The form has expired. Please try again."), status=400)
    invitation, error = attempt(lambda: services.decline_employee_invitation(
        token, current_user if current_user.is_authenticated else None))
    if error is not None:
        return _page(token, error=error.message, status=error.status_code)
    db.session.commit()
    flash(_("You declined the invitation of %(org)s.", org=db.session.get(Org, invitation.org_id).name), "success")
    return redirect(url_for("orgs.accept_employee_invitation", token=token), 303)
