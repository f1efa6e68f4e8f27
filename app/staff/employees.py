"""Employees (``/dashboard/<org>/employees``): the list (app/web/tables.py), an employee's page,
and the admin's actions on it: change the role, remove from the organization (services
``change_employee_role`` and ``remove_employee`` in app.orgs.services: never the last admin).

Who: DESIGN.md §3 gives "approve employee invitations, change roles" to admins only
(``approve_employees``: the forms show for admins alone, the services refuse anyone else), and
"invite members / employees" to admins and managers (``invite``): managers invite employees, so
they see the team they invite into, read-only. Creators and staff get 403.

A removed employee keeps their history (their audit entries, attributions, reviews) and their
membership; the dashboard refuses them from their next request (app/staff/blueprint.py reads the
employee's status on every request).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import flash, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User, UserJobProfile, UserProfile
from app.errors import DomainError, NotFoundError
from app.extensions import db
from app.orgs import services as orgs
from app.orgs.models import EMPLOYEE_ROLES, EMPLOYEE_STATUSES, OrgEmployee, OrgMember
from app.orgs.permissions import can, require
from app.staff.blueprint import bp
from app.staff.forms import ConfirmForm, EmployeeRoleForm
from app.staff.members import cached_label
from app.web import labels, tables
from app.web.htmx import redirect, render


@dataclass(frozen=True)
class EmployeeRow:
    employee: OrgEmployee
    name: str
    email: str
    job_title: str | None

    @property
    def since(self) -> datetime:
        return self.employee.hired_at


def employee_rows(employee: OrgEmployee) -> sa.Select:
    """The org's employees with their name, email and linked job profile; 403 unless ``invite``."""
    require(employee, "invite")
    return (
        sa.select(OrgEmployee, UserProfile.display_name, User.email, UserJobProfile.title)
        .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .join(User, User.id == UserProfile.user_id)
        .outerjoin(UserJobProfile, UserJobProfile.id == OrgEmployee.job_profile_id)
        .where(OrgEmployee.org_id == employee.org_id)
    )


def _rows(rows: Sequence) -> list[EmployeeRow]:
    return [EmployeeRow(e, name, email, title) for e, name, email, title in rows]


def role_label(value: str) -> str:
    return cached_label(labels.EMPLOYEE_ROLES, value, "_employee_role_labels")


def employee_status_label(value: str) -> str:
    return cached_label(labels.EMPLOYEE_STATUSES, value, "_employee_status_labels")


EMPLOYEES = tables.Table(
    id="employees",
    title=_l("Employees"),
    endpoint="staff.employees",
    query=employee_rows,
    key=OrgEmployee.id,
    prepare=_rows,
    row_id=lambda row: row.employee.id,
    row_label=lambda row: f"{row.name} <{row.email}>",
    row_attrs=lambda row: {"data-employee": row.employee.id, "data-role": row.employee.role,
                           "data-status": row.employee.status},
    columns=[
        tables.Column("name", _l("Name"), sort=sa.func.lower(UserProfile.display_name), csv=lambda row: row.name),
        tables.Column("email", _l("Email"), sort=User.email, csv=lambda row: row.email),
        tables.Column("role", _l("Role"), sort=OrgEmployee.role, csv=lambda row: role_label(row.employee.role)),
        tables.Column("status", _l("Status"), sort=OrgEmployee.status,
                      csv=lambda row: employee_status_label(row.employee.status)),
        tables.Column("job_profile", _l("Job profile"), sort=sa.func.lower(UserJobProfile.title),
                      csv=lambda row: row.job_title),
        tables.Column("since", _l("Since"), sort=OrgEmployee.hired_at, csv=lambda row: row.since),
    ],
    search=[UserProfile.display_name, User.email],
    search_label=_l("Search name or email"),
    filters=[
        tables.Choice("role", _l("Role"), options=list(labels.EMPLOYEE_ROLES.items()),
                      where=lambda value: OrgEmployee.role == value),
        tables.Choice("status", _l("Status"), options=list(labels.EMPLOYEE_STATUSES.items()),
                      where=lambda value: OrgEmployee.status == value, default="active", any_value="all"),
    ],
    default_sort="name",
    empty=_l("Nobody works here yet."),
    empty_hint=_l("Invite people to work with you; they appear here once they accept."),
)
assert set(labels.EMPLOYEE_ROLES) == set(EMPLOYEE_ROLES) and set(labels.EMPLOYEE_STATUSES) == set(EMPLOYEE_STATUSES)


@bp.get("/employees")
def employees():
    return EMPLOYEES.respond(g.employee, "staff/employees.html", "staff/_employees_table.html",
                             role_label=role_label, status_label=employee_status_label)


# ---- an employee's page --------------------------------------------------------------------------

def employee_row(employee: OrgEmployee, employee_id: str) -> EmployeeRow:
    """One employee of the org (403 unless ``invite``; another org's or unknown: 404), one query."""
    found = db.session.execute(employee_rows(employee).where(OrgEmployee.id == employee_id)).first() \
        if employee_id else None
    if found is None:
        raise NotFoundError(_("This employee does not exist."))
    return _rows([found])[0]


def _render_employee(employee_id: str, *, role_form: EmployeeRoleForm | None = None, error: str | None = None,
                     status: int = 200):
    row = employee_row(g.employee, employee_id)
    role_form = role_form or EmployeeRoleForm(formdata=None, data={"role": row.employee.role})
    return render("staff/employee.html", row=row, role_form=role_form, remove_form=ConfirmForm(formdata=None),
                  may_manage=can(g.employee, "approve_employees"), error=error, role_label=role_label,
                  status_label=employee_status_label, status=status)


@bp.get("/employees/<employee_id>")
def employees_view(employee_id: str):
    return _render_employee(employee_id)


def _employee(employee_id: str) -> OrgEmployee:
    require(g.employee, "invite")
    return orgs.get_or_404(OrgEmployee, g.employee.org_id, employee_id, _("This employee does not exist."))


@bp.post("/employees/<employee_id>/role")
def employees_role(employee_id: str):
    target = _employee(employee_id)
    form = EmployeeRoleForm()
    status = 422
    if form.validate():
        try:
            orgs.change_employee_role(target, role=form.role.data, by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status_code
        else:
            db.session.commit()
            flash(_("The role is now “%(role)s”.", role=role_label(target.role)), "success")
            if not can(g.employee, "invite"):  # an admin made themselves creator or staff
                return redirect(url_for(".index"))
            return redirect(url_for(".employees_view", employee_id=employee_id))
    return _render_employee(employee_id, role_form=form, status=status)


@bp.post("/employees/<employee_id>/remove")
def employees_remove(employee_id: str):
    target = _employee(employee_id)
    form = ConfirmForm()
    if not form.validate():
        return _render_employee(employee_id, error=_("The form has expired. Try again."), status=400)
    if not form.is_confirmed:
        if not can(g.employee, "approve_employees"):
            return _render_employee(employee_id, error=_("You do not have permission to do that."), status=403)
        return render("staff/employee_confirm.html", row=employee_row(g.employee, employee_id), form=form)
    try:
        orgs.remove_employee(target, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        return _render_employee(employee_id, error=exc.message, status=exc.status_code)
    db.session.commit()
    if target.id == g.employee.id:  # they removed themselves: the dashboard is no longer theirs
        flash(_("You no longer work for %(org)s.", org=g.staff_org.name), "success")
        return redirect(url_for("accounts.profile"))
    flash(_("The employee was removed. Their history is kept."), "success")
    return redirect(url_for(".employees"))
