"""Invitations (``/dashboard/<org>/invitations``): member invitations (list, invite one, invite many
from pasted addresses or a CSV file with a per-row report, resend, cancel) and employee
invitations (list, invite with a role, an admin who is not the inviter approves or declines,
resend, cancel). Admins and managers (capability ``invite``); approving and declining needs
``approve_employees`` (admins). The services check the same rights and write the audit log.

The accept pages the emails link to are app/orgs/member_invitation_views.py and
app/orgs/employee_invitation_views.py; after a member joins, they land in the org's storefront
(``storefront_landing`` below, registered with app.orgs.views: the orgs layer knows no markets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import flash, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import UserProfile
from app.errors import DomainError, NotFoundError, PermissionDeniedError
from app.extensions import db
from app.markets.services import list_markets
from app.orgs import services
from app.orgs import views as org_views
from app.orgs.forms import BulkInviteForm, EmployeeInviteForm, InvitationActionForm, MemberInviteForm
from app.orgs.models import (
    EMPLOYEE_INVITATION_STATUSES,
    INVITATION_STATUSES,
    Org,
    OrgEmployee,
    OrgEmployeeInvitation,
    OrgMember,
    OrgMemberInvitation,
)
from app.orgs.permissions import can, require
from app.staff.blueprint import bp
from app.web import tables
from app.web.htmx import redirect, render
from app.web.labels import EMPLOYEE_ROLES, MEMBERSHIP_TYPES, label
from app.web.labels import INVITATION_STATUSES as STATUS_LABELS

MemberInv = OrgMemberInvitation
EmployeeInv = OrgEmployeeInvitation


# ---- where a new member lands ---------------------------------------------------------------------

@org_views.member_landing
def storefront_landing(org: Org) -> str | None:
    """The org's first active storefront (as "View store" lists them), if it has one."""
    market = db.session.scalars(list_markets(org, active_only=True).limit(1)).first()
    return url_for("markets.enter", org_slug=org.slug, market_slug=market.slug) if market else None


# ---- lists ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberRow:
    invitation: OrgMemberInvitation
    status: str
    inviter_name: str | None


@dataclass(frozen=True)
class EmployeeRow:
    invitation: OrgEmployeeInvitation
    status: str
    inviter_name: str | None
    approver_name: str | None

    @property
    def declined_by_admin(self) -> bool:
        return self.status == "declined" and self.invitation.approved_at is None


def _status_text(status: str) -> str:
    labels = g.get("_invitation_status_labels")
    if labels is None:
        labels = g._invitation_status_labels = {key: str(value) for key, value in STATUS_LABELS.items()}
    return labels.get(status, status)


def _name_of(employee_id_column):
    """A scalar subquery: the display name of the employee whose id is in ``employee_id_column``."""
    return (
        sa.select(UserProfile.display_name)
        .join(OrgMember, OrgMember.user_profile_id == UserProfile.id)
        .join(OrgEmployee, OrgEmployee.member_id == OrgMember.id)
        .where(OrgEmployee.id == employee_id_column)
        .scalar_subquery()
    )


def member_invitation_rows(employee: OrgEmployee) -> sa.Select:
    """The org's member invitations with their status as people see it and the inviter's name."""
    require(employee, "invite")
    return (
        sa.select(MemberInv, services.invitation_status_sql(MemberInv), _name_of(MemberInv.invited_by_employee_id))
        .where(MemberInv.org_id == employee.org_id)
    )


def employee_invitation_rows(employee: OrgEmployee) -> sa.Select:
    require(employee, "invite")
    return (
        sa.select(EmployeeInv, services.invitation_status_sql(EmployeeInv),
                  _name_of(EmployeeInv.invited_by_employee_id), _name_of(EmployeeInv.approved_by_employee_id))
        .where(EmployeeInv.org_id == employee.org_id)
    )


def _member_rows(rows: Sequence) -> list[MemberRow]:
    return [MemberRow(inv, status, name) for inv, status, name in rows]


def _employee_rows(rows: Sequence) -> list[EmployeeRow]:
    return [EmployeeRow(inv, status, inviter, approver) for inv, status, inviter, approver in rows]


def _status_filter(model, statuses):
    return tables.Choice("status", _l("Status"), options=[(s, STATUS_LABELS[s]) for s in statuses],
                         where=lambda value: services.invitation_status_sql(model) == value)


MEMBER_INVITATIONS = tables.Table(
    id="member-invitations",
    title=_l("Member invitations"),
    endpoint="staff.invitations",
    query=member_invitation_rows,
    key=MemberInv.id,
    prepare=_member_rows,
    row_id=lambda row: row.invitation.id,
    row_label=lambda row: row.invitation.email,
    row_attrs=lambda row: {"data-invitation": row.invitation.id, "data-status": row.status},
    columns=[
        tables.Column("email", _l("Email"), sort=MemberInv.email, csv=lambda row: row.invitation.email),
        tables.Column("type", _l("Membership type"), sort=MemberInv.type,
                      csv=lambda row: label(MEMBERSHIP_TYPES, row.invitation.type)),
        tables.Column("status", _l("Status"), csv=lambda row: _status_text(row.status)),
        tables.Column("invited_by", _l("Invited by"), csv=lambda row: row.inviter_name),
        tables.Column("sent", _l("Invited"), sort=MemberInv.created_at, csv=lambda row: row.invitation.created_at),
        tables.Column("expires", _l("Valid until"), sort=MemberInv.expires_at,
                      csv=lambda row: row.invitation.expires_at),
        tables.Column("accepted", _l("Accepted"), html=False, csv=lambda row: row.invitation.accepted_at),
        tables.Column("actions", _l("Actions")),
    ],
    search=[MemberInv.email],
    search_label=_l("Search by email"),
    filters=[_status_filter(MemberInv, INVITATION_STATUSES)],
    default_sort="-sent",
    empty=_l("No member invitations yet."),
    empty_hint=_l("Invite people by email, one at a time or many from a list or a CSV file."),
)

EMPLOYEE_INVITATIONS = tables.Table(
    id="employee-invitations",
    title=_l("Employee invitations"),
    endpoint="staff.employee_invitations",
    query=employee_invitation_rows,
    key=EmployeeInv.id,
    prepare=_employee_rows,
    row_id=lambda row: row.invitation.id,
    row_label=lambda row: row.invitation.email,
    row_attrs=lambda row: {"data-invitation": row.invitation.id, "data-status": row.status},
    columns=[
        tables.Column("email", _l("Email"), sort=EmployeeInv.email, csv=lambda row: row.invitation.email),
        tables.Column("role", _l("Role"), sort=EmployeeInv.role, csv=lambda row: label(EMPLOYEE_ROLES, row.invitation.role)),
        tables.Column("status", _l("Status"), csv=lambda row: _status_text(row.status)),
        tables.Column("invited_by", _l("Invited by"), csv=lambda row: row.inviter_name),
        tables.Column("approved_by", _l("Approved by"), csv=lambda row: row.approver_name),
        tables.Column("sent", _l("Invited"), sort=EmployeeInv.created_at, csv=lambda row: row.invitation.created_at),
        tables.Column("expires", _l("Valid until"), sort=EmployeeInv.expires_at,
                      csv=lambda row: row.invitation.expires_at),
        tables.Column("actions", _l("Actions")),
    ],
    search=[EmployeeInv.email],
    search_label=_l("Search by email"),
    filters=[_status_filter(EmployeeInv, EMPLOYEE_INVITATION_STATUSES)],
    default_sort="-sent",
    empty=_l("No employee invitations yet."),
    empty_hint=_l("Invite someone to work for the organization: an admin approves, then the email is sent."),
)


def _list_context() -> dict:
    employee = g.employee
    return {
        "action_form": InvitationActionForm(formdata=None),
        "may_decide": can(employee, "approve_employees"),
        "only_admin": can(employee, "approve_employees") and services.is_only_admin(employee),
        "status_labels": STATUS_LABELS, "membership_labels": MEMBERSHIP_TYPES, "role_labels": EMPLOYEE_ROLES,
    }


@bp.get("/invitations")
def invitations():
    return MEMBER_INVITATIONS.respond(g.employee, "staff/invitations.html", "staff/_member_invitations_table.html",
                                      **_list_context())


@bp.get("/invitations/employees")
def employee_invitations():
    return EMPLOYEE_INVITATIONS.respond(g.employee, "staff/employee_invitations.html",
                                        "staff/_employee_invitations_table.html", **_list_context())


# ---- inviting -------------------------------------------------------------------------------------

@bp.route("/invitations/new", methods=["GET", "POST"])
def invite_member():
    require(g.employee, "invite")
    form = MemberInviteForm()
    if form.validate_on_submit():
        try:
            invitation = services.invite_member(g.staff_org, email=form.email.data, invited_by=g.employee,
                                                membership_type=form.membership_type.data, days=form.days.data)
        except (NotFoundError, PermissionDeniedError):
            raise
        except DomainError as exc:
            db.session.rollback()
            form.email.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The invitation was sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for(".invitations"))
    return render("staff/invite_member.html", form=form, status=422 if form.errors else 200)


@bp.route("/invitations/bulk", methods=["GET", "POST"])
def invite_members_bulk():
    """Paste addresses or upload a CSV file; the answer to the post is the per-row report (a page
    of its own: posting it again only skips the addresses already invited)."""
    require(g.employee, "invite")
    form = BulkInviteForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload and getattr(upload, "filename", ""):
                entries = services.email_entries_from_csv(upload.read())
            else:
                entries = services.email_entries_from_text(form.emails.data)
            report = services.invite_members_bulk(g.staff_org, entries, by=g.employee,
                                                  membership_type=form.membership_type.data, days=form.days.data)
        except (NotFoundError, PermissionDeniedError):
            raise
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            return render("staff/invite_report.html", report=report, counts=_counts(report))
    return render("staff/invite_members_bulk.html", form=form,
                  status=422 if (form.errors or form.form_errors) else 200)


def _counts(report: Sequence[services.BulkInviteRow]) -> dict[str, int]:
    counts = {"invited": 0, "skipped": 0, "refused": 0}
    for row in report:
        counts[row.outcome] += 1
    return counts


@bp.route("/invitations/employees/new", methods=["GET", "POST"])
def invite_employee():
    require(g.employee, "invite")
    form = EmployeeInviteForm()
    if form.validate_on_submit():
        try:
            invitation = services.invite_employee(g.staff_org, email=form.email.data, role=form.role.data,
                                                  invited_by=g.employee, days=form.days.data)
        except (NotFoundError, PermissionDeniedError):
            raise
        except DomainError as exc:
            db.session.rollback()
            form.email.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The invitation of %(email)s waits for an admin's approval; the email is sent once it is "
                    "approved.", email=invitation.email), "success")
            return redirect(url_for(".employee_invitations"))
    return render("staff/invite_employee.html", form=form, status=422 if form.errors else 200)


# ---- acting on one invitation --------------------------------------------------------------------

def _act(model, invitation_id: str, run, done: str, back: str):
    """POST: check the CSRF token, run one service on the org's invitation, commit once, go back to
    the list with a message. A refused change (not open any more, ...) is a flash and a 409 list."""
    require(g.employee, "invite")
    form = InvitationActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for(back), 303)
    invitation = services.get_or_404(model, g.staff_org, invitation_id)
    try:
        run(invitation)
    except (NotFoundError, PermissionDeniedError):
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        table = MEMBER_INVITATIONS if model is MemberInv else EMPLOYEE_INVITATIONS
        page, partial = (("staff/invitations.html", "staff/_member_invitations_table.html") if model is MemberInv
                         else ("staff/employee_invitations.html", "staff/_employee_invitations_table.html"))
        listing = table.listing(g.employee, {}).load()
        return render(page, partial, listing=listing, status=exc.status_code, **_list_context())
    db.session.commit()
    flash(done % {"email": invitation.email}, "success")
    return redirect(url_for(back), 303)


@bp.post("/invitations/<invitation_id>/resend")
def resend_member_invitation(invitation_id: str):
    return _act(MemberInv, invitation_id, lambda inv: services.resend_member_invitation(inv, by=g.employee),
                _("The invitation was sent to %(email)s again."), ".invitations")


@bp.post("/invitations/<invitation_id>/cancel")
def cancel_member_invitation(invitation_id: str):
    return _act(MemberInv, invitation_id, lambda inv: services.cancel_member_invitation(inv, by=g.employee),
                _("The invitation of %(email)s was cancelled."), ".invitations")


@bp.post("/invitations/employees/<invitation_id>/approve")
def approve_employee_invitation(invitation_id: str):
    return _act(EmployeeInv, invitation_id,
                lambda inv: services.approve_employee_invitation(inv, approver=g.employee),
                _("Approved: the invitation was sent to %(email)s."), ".employee_invitations")


@bp.post("/invitations/employees/<invitation_id>/decline")
def decline_employee_invitation(invitation_id: str):
    return _act(EmployeeInv, invitation_id,
                lambda inv: services.decline_employee_invitation_as_admin(inv, by=g.employee),
                _("Declined: %(email)s will not be invited."), ".employee_invitations")


@bp.post("/invitations/employees/<invitation_id>/resend")
def resend_employee_invitation(invitation_id: str):
    return _act(EmployeeInv, invitation_id,
                lambda inv: services.resend_employee_invitation(inv, by=g.employee),
                _("The invitation was sent to %(email)s again."), ".employee_invitations")


@bp.post("/invitations/employees/<invitation_id>/cancel")
def cancel_employee_invitation(invitation_id: str):
    return _act(EmployeeInv, invitation_id,
                lambda inv: services.cancel_employee_invitation(inv, by=g.employee),
                _("The invitation of %(email)s was cancelled."), ".employee_invitations")


__all__ = ["EMPLOYEE_INVITATIONS", "MEMBER_INVITATIONS"]
