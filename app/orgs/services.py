"""Org rules: creating orgs, members and employees, invitations, the audit log and org-scoped queries.

Services flush and raise DomainErrors; the view commits. Every lookup of org-owned data is
filtered by the org, and a row of another org is reported as not found (never as forbidden).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager
from werkzeug.routing import BuildError

from app.accounts.models import MAIN_PROFILE, User, UserJobProfile, UserProfile
from app.accounts.services import create_invited_user, main_profile
from app.checks import check_email, check_slug, normalize_email, to_decimal_number
from app.db import prebuilt, utcnow
from app.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.extensions import db
from app.orgs import events
from app.orgs.current import remember_member
from app.orgs.models import (
    EMPLOYEE_ROLES,
    MEMBERSHIP_TYPES,
    Org,
    OrgAuditLog,
    OrgEmployee,
    OrgEmployeeInvitation,
    OrgLocale,
    OrgMember,
    OrgMemberInvitation,
)
from app.orgs.origin import current_address
from app.orgs.permissions import CAPABILITIES, can, require
from app.platform.email import queue_email
from app.platform.links import public_path_url, public_url
from app.platform.models import Locale

__all__ = [
    "CAPABILITIES",
    "accept_employee_invitation",
    "accept_member_invitation",
    "add_employee",
    "approve_employee_invitation",
    "audit",
    "audit_change",
    "authorize",
    "can",
    "cancel_employee_invitation",
    "cancel_member_invitation",
    "change_employee_role",
    "change_member_type",
    "create_org",
    "decline_employee_invitation",
    "deactivate_member",
    "decline_member_invitation",
    "ensure_member",
    "ensure_same_org",
    "get_employee",
    "get_member",
    "get_or_404",
    "members_by_org",
    "get_org_by_slug",
    "invite_employee",
    "invite_member",
    "reactivate_member",
    "remove_employee",
    "require",
    "scoped",
    # invitations (issue 11)
    "BulkInviteRow",
    "decline_employee_invitation_as_admin",
    "email_entries_from_csv",
    "email_entries_from_text",
    "employee_invitation_by_token",
    "invitation_status",
    "invitation_status_sql",
    "invite_members_bulk",
    "is_only_admin",
    "join_by_employee_invitation",
    "join_by_member_invitation",
    "member_invitation_by_token",
    "resend_employee_invitation",
    "resend_member_invitation",
    "snapshot",
]

M = TypeVar("M")

# First URL segments the platform itself uses: an org with one of these slugs would be unreachable.
RESERVED_SLUGS = frozenset({
    "account", "accounts", "admin", "api", "creators", "dashboard", "dev", "healthz", "invitations",
    "login", "logout", "ping", "register", "static", "webhooks",
})
INVITATION_DAYS_MAX = 90
OPEN_EMPLOYEE_INVITATION = ("pending", "approved")


# ---- org-scoped queries ------------------------------------------------------------------
# The one rule of tenancy: a row of another org does not exist as far as this org is concerned
# (NotFoundError, a 404), never "forbidden".

def _org_id(org: Org | str) -> str:
    return org if isinstance(org, str) else org.id


def scoped(model: type[M], org: Org | str) -> sa.Select[tuple[M]]:
    """``select(model)`` limited to the rows of ``org`` (an org or its id)."""
    return sa.select(model).where(model.org_id == _org_id(org))


def ensure_same_org(obj, org: Org | str, message: str | None = None) -> None:
    """NotFoundError (``message``: text, or a lazy string translated only then) unless ``obj`` is a
    row of ``org`` (an org or its id)."""
    if obj is None or getattr(obj, "org_id", None) != _org_id(org):
        raise NotFoundError(str(message or _("Not found.")))


def get_or_404(model: type[M], org: Org | str, value: M | str | None, message: str | None = None) -> M:
    """The row of ``model`` in ``org``, given as the row itself or its primary key; NotFoundError
    (``message``) if it is missing or another org's."""
    if isinstance(value, model):
        ensure_same_org(value, org, message)
        return value
    pk = sa.inspect(model).primary_key
    if len(pk) != 1:
        raise TypeError(f"get_or_404 needs a single-column primary key, {model.__name__} has {len(pk)}")
    row = db.session.scalar(scoped(model, org).where(pk[0] == value)) if isinstance(value, str) and value else None
    if row is None:
        raise NotFoundError(message or _("Not found."))
    return row


def authorize(by: OrgEmployee | None, org: Org | str, capability: str, message: str | None = None) -> None:
    """The check every service that changes org data starts with: ``by`` (the acting employee)
    works for ``org`` (another org's employee: NotFoundError, the org does not exist for them)
    and has ``capability`` in the permission matrix (PermissionDeniedError, with ``message`` if
    given)."""
    if by is not None:
        ensure_same_org(by, org, _("Not found."))
    if message is None:
        require(by, capability)
    elif not can(by, capability):
        raise PermissionDeniedError(message)


# ---- orgs ----------------------------------------------------------------------------------

def _validate_slug(slug: str) -> str:
    slug = check_slug(slug, min_length=2, max_length=50)
    if slug in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved. Choose another one."))
    return slug


def _fee_percent(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("platform_fee_percent must be a Decimal, not a float")
    fee = to_decimal_number(value, _("The platform fee must be a number between 0 and 100."), minimum=0, maximum=100)
    return fee.quantize(Decimal("0.01"))


def create_org(*, name: str, slug: str, description: str | None = None, default_locale_key: str = "en",
               locale_keys: tuple[str, ...] | list[str] = ("en",),
               platform_fee_percent: Decimal = Decimal("5")) -> Org:
    """Create an org with its locales; the default locale is always one of them (``is_default``)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Enter a name of at most 100 characters."))
    slug = _validate_slug(slug)
    if db.session.scalar(sa.select(Org.id).where(Org.slug == slug)) is not None:
        raise ValidationError(_("This address is already taken. Choose another one."))
    keys = list(dict.fromkeys([default_locale_key, *locale_keys]))
    known = set(db.session.scalars(sa.select(Locale.key).where(Locale.key.in_(keys), Locale.is_active.is_(True))))
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValidationError(_("Unknown language: %(keys)s.", keys=", ".join(unknown)))

    org = Org(
        name=name,
        slug=slug,
        description=description,
        default_locale_key=default_locale_key,
        platform_fee_percent=_fee_percent(platform_fee_percent),
        is_active=True,
    )
    db.session.add(org)
    db.session.flush()
    for key in keys:
        db.session.add(OrgLocale(org_id=org.id, locale_key=key, is_default=key == default_locale_key))
    db.session.flush()
    db.session.expire(org, ["locales"])
    return org


def get_org_by_slug(slug: str, *, active_only: bool = True) -> Org | None:
    stmt = sa.select(Org).where(Org.slug == (slug or "").strip().lower())
    if active_only:
        stmt = stmt.where(Org.is_active.is_(True))
    return db.session.scalar(stmt)


# ---- members and employees ---------------------------------------------------------------

def _of_user(stmt: sa.Select, user: User) -> sa.Select:
    """``stmt`` (selecting from ``org_member``) limited to the memberships of ``user``: those of
    their main profile (a job profile is never a member)."""
    return (
        stmt.join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .where(UserProfile.user_id == user.id, MAIN_PROFILE)
    )


@prebuilt
def _member_of_user():
    return (
        sa.select(OrgMember)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .where(OrgMember.org_id == sa.bindparam("org_id"), UserProfile.user_id == sa.bindparam("user_id"),
               MAIN_PROFILE)
    )


def get_member(org: Org | str, user: User) -> OrgMember | None:
    """The user's membership in ``org`` (an org or its id; active or not), if any: one query
    (``_of_user(scoped(OrgMember, org), user)``, prebuilt: every signed-in storefront page asks)."""
    return db.session.scalar(_member_of_user(), {"org_id": _org_id(org), "user_id": user.id})


def members_by_org(user: User, org_ids) -> dict[str, OrgMember]:
    """org id -> the user's membership, for those of ``org_ids`` where the user is a member (one query)."""
    ids = set(org_ids)
    if not ids:
        return {}
    members = db.session.scalars(_of_user(sa.select(OrgMember), user).where(OrgMember.org_id.in_(ids)))
    return {member.org_id: member for member in members}


def get_employee(org: Org | str, user: User) -> OrgEmployee | None:
    """The user's employee record in ``org`` (active or not), if any."""
    return db.session.scalar(
        _of_user(scoped(OrgEmployee, org).join(OrgMember, OrgMember.id == OrgEmployee.member_id), user)
    )


@prebuilt
def _org_with_employment():
    employment = (
        sa.join(OrgEmployee, OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, sa.and_(UserProfile.id == OrgMember.user_profile_id,
                                   UserProfile.user_id == sa.bindparam("user_id"), MAIN_PROFILE))
    )
    return (
        sa.select(Org, OrgEmployee)
        .outerjoin(employment, OrgEmployee.org_id == Org.id)
        .where(Org.slug == sa.bindparam("slug"), Org.is_active.is_(True))
        .options(contains_eager(OrgEmployee.member))
    )


def get_org_and_employee(slug: str, user: User) -> tuple[Org | None, OrgEmployee | None]:
    """The active org called ``slug`` and the user's employee record in it (active or not; its
    membership loaded), as ``get_org_by_slug`` and ``get_employee`` give them, in one query (every
    dashboard page asks: it was three, the org, the employee and its membership)."""
    row = db.session.execute(_org_with_employment(),
                             {"slug": (slug or "").strip().lower(), "user_id": user.id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def ensure_member(org: Org, user: User, *, membership_type: str = "learner") -> OrgMember:
    """The user's membership in ``org``, created with ``membership_type`` if missing (idempotent)."""
    if membership_type not in MEMBERSHIP_TYPES:
        raise ValidationError(_("Choose a membership type from the list."))
    member = get_member(org, user)
    if member is not None:
        return member
    member = OrgMember(org_id=org.id, user_profile_id=main_profile(user).id, membership_type=membership_type)
    db.session.add(member)
    db.session.flush()
    remember_member(org.id, user.id, member)  # a membership read earlier in the request said "none"
    return member


def _check_job_profile(user: User, job_profile: UserJobProfile | None) -> None:
    if job_profile is None:
        return
    owner_id = db.session.scalar(sa.select(UserProfile.user_id).where(UserProfile.id == job_profile.user_profile_id))
    if owner_id != user.id:
        raise ValidationError(_("Choose one of your own job profiles."))


def add_employee(org: Org, user: User, *, role: str, job_profile: UserJobProfile | None = None) -> OrgEmployee:
    """Make the user an employee of ``org`` (ensuring a membership first).

    Idempotent per member: an active employee is returned as is (a job profile is linked if it
    had none); an inactive one is reactivated with ``role``.
    """
    if role not in EMPLOYEE_ROLES:
        raise ValidationError(_("Choose a role from the list."))
    _check_job_profile(user, job_profile)
    member = ensure_member(org, user)
    employee = db.session.scalar(scoped(OrgEmployee, org).where(OrgEmployee.member_id == member.id))
    if employee is None:
        employee = OrgEmployee(org_id=org.id, member_id=member.id, role=role,
                               job_profile_id=job_profile.id if job_profile else None)
        db.session.add(employee)
    elif not employee.is_active:
        employee.status = "active"
        employee.role = role
        employee.hired_at = utcnow()
        if job_profile is not None:
            employee.job_profile_id = job_profile.id
    elif job_profile is not None and employee.job_profile_id is None:
        employee.job_profile_id = job_profile.id
    db.session.flush()
    return employee


def _admin_count(org: Org) -> int:
    """The org's active admins, their rows locked until the transaction ends (``FOR UPDATE`` on
    PostgreSQL; SQLite writers are serialised by ``BEGIN IMMEDIATE``), so two admins demoting or
    removing each other at the same moment cannot leave the org without one."""
    return len(db.session.scalars(
        sa.select(OrgEmployee.id).where(
            OrgEmployee.org_id == org.id, OrgEmployee.role == "admin", OrgEmployee.status == "active"
        ).with_for_update()
    ).all())


def change_employee_role(employee: OrgEmployee, *, role: str, by: OrgEmployee) -> OrgEmployee:
    """An admin changes an employee's role; the org always keeps at least one active admin.

    Only a current employee's role changes (a removed employee comes back through an invitation).
    """
    ensure_same_org(employee, by.org_id)
    require(by, "approve_employees")
    if role not in EMPLOYEE_ROLES:
        raise ValidationError(_("Choose a role from the list."))
    if not employee.is_active:
        raise ConflictError(_("This person no longer works for the organization."))
    if employee.role == role:
        return employee
    org = db.session.get(Org, employee.org_id)
    if employee.role == "admin" and _admin_count(org) <= 1:
        raise ConflictError(_("The organization needs at least one admin. Make someone else an admin first."))
    old = employee.role
    employee.role = role
    db.session.flush()
    audit(org, action="employee.role_changed", entity_type="org_employee", entity_id=employee.id,
          actor_employee=by, data={"before": {"role": old}, "after": {"role": role}})
    return employee


# ---- managing members and employees (dashboard) ------------------------------------------
# Each takes the acting employee, checks the permission matrix and the org, changes the row and
# writes the audit log with the changed fields before and after. Doing what is already done
# changes nothing and writes no audit entry (a form sent twice is not an error).

def _set_member_fields(member: OrgMember, by: OrgEmployee, action: str, **changes: str) -> OrgMember:
    before = {key: getattr(member, key) for key in changes if getattr(member, key) != changes[key]}
    if not before:
        return member
    for key in before:
        setattr(member, key, changes[key])
    db.session.flush()
    audit(db.session.get(Org, member.org_id), action=action, entity_type="org_member", entity_id=member.id,
          actor_employee=by, data={"before": before, "after": {key: changes[key] for key in before}})
    return member


def change_member_type(member: OrgMember, *, membership_type: str, by: OrgEmployee) -> OrgMember:
    """Make the member a learner, customer or community member (admins and managers)."""
    ensure_same_org(member, by.org_id, _("Member not found."))
    require(by, "invite")
    if membership_type not in MEMBERSHIP_TYPES:
        raise ValidationError(_("Choose a membership type from the list."))
    return _set_member_fields(member, by, "member.type_changed", membership_type=membership_type)


def deactivate_member(member: OrgMember, *, by: OrgEmployee) -> OrgMember:
    """End the member's access (courses, downloads, orders; ``access_is_active`` in
    app.entitlements refuses a deactivated member) and keep their history: orders, progress,
    submissions and access records stay as they are, so reactivating gives back what was still
    running (``billing renew`` ends their subscriptions at the period's end instead of billing
    them). Nobody deactivates themselves, and an employee is removed from the employees first."""
    ensure_same_org(member, by.org_id, _("Member not found."))
    require(by, "invite")
    if member.id == by.member_id:
        raise ConflictError(_("You cannot deactivate your own membership."))
    employee = db.session.scalar(
        scoped(OrgEmployee, member.org_id).where(OrgEmployee.member_id == member.id, OrgEmployee.status == "active")
    )
    if employee is not None:
        raise ConflictError(_("This member works for the organization. Remove them from the employees first."))
    return _set_member_fields(member, by, "member.deactivated", status="suspended")


def reactivate_member(member: OrgMember, *, by: OrgEmployee) -> OrgMember:
    """Give a deactivated member their access back (what had not ended meanwhile)."""
    ensure_same_org(member, by.org_id, _("Member not found."))
    require(by, "invite")
    return _set_member_fields(member, by, "member.reactivated", status="active")


def remove_employee(employee: OrgEmployee, *, by: OrgEmployee) -> OrgEmployee:
    """An admin removes an employee: status ``inactive`` (history, earned revenue and audit entries
    stay; the dashboard refuses them from their next request). They stay a member of the org.
    ``events.employee_removed`` lets the revenue rules end their attributions now, so later sales
    are not credited to them. The org always keeps at least one active admin, so the last admin
    cannot remove themselves."""
    ensure_same_org(employee, by.org_id)
    require(by, "approve_employees")
    if not employee.is_active:
        return employee
    org = db.session.get(Org, employee.org_id)
    if employee.role == "admin" and _admin_count(org) <= 1:
        raise ConflictError(_("The organization needs at least one admin. Make someone else an admin first."))
    employee.status = "inactive"
    db.session.flush()
    audit(org, action="employee.removed", entity_type="org_employee", entity_id=employee.id,
          actor_employee=by, data={"before": {"status": "active"}, "after": {"status": "inactive"}})
    events.employee_removed.send(employee, by=by, at=utcnow())
    return employee


# ---- invitations ---------------------------------------------------------------------------
# Statuses are those of the source documents: pending, accepted, declined, expired, cancelled (an
# employee invitation is "approved" between an admin's approval and the invitee's answer). A
# pending or approved invitation past its expiry IS expired wherever it shows (``invitation_status``
# in Python, ``invitation_status_sql`` in queries); the stored status catches up when someone acts
# on it. Every change writes the audit log with the changed fields before and after.

OPEN_MEMBER_INVITATION = ("pending",)
BULK_INVITE_MAX = 500
BULK_LINE_CHARS = 1000


def _new_token() -> str:
    return secrets.token_urlsafe(32)[:64]


def _expiry(days: int) -> datetime:
    if not isinstance(days, int) or isinstance(days, bool) or days < 1 or days > INVITATION_DAYS_MAX:
        raise ValidationError(_("An invitation is valid for 1 to %(n)d days.", n=INVITATION_DAYS_MAX))
    return utcnow() + timedelta(days=days)


def _check_inviter(org: Org, employee: OrgEmployee | None) -> None:
    if employee is None:
        return
    if employee.org_id != org.id:
        raise NotFoundError(_("Not found."))
    require(employee, "invite")


def _link(endpoint: str, path: str, **values: Any) -> str:
    """An absolute URL on PUBLIC_URL (never the request's host); ``path`` until the endpoint exists."""
    try:
        return public_url(endpoint, **values)
    except BuildError:
        return public_path_url(path)


def member_invitation_link(invitation: OrgMemberInvitation) -> str:
    return _link("orgs.accept_member_invitation", f"/invitations/member/{invitation.token}",
                 token=invitation.token)


def employee_invitation_link(invitation: OrgEmployeeInvitation) -> str:
    return _link("orgs.accept_employee_invitation", f"/invitations/employee/{invitation.token}",
                 token=invitation.token)


def _send_member_invitation(org: Org, invitation: OrgMemberInvitation) -> None:
    link = member_invitation_link(invitation)
    queue_email(
        invitation.email,
        _("You are invited to join %(org)s", org=org.name),
        _("You have been invited to join %(org)s on Volmify.\n\n"
          "Accept the invitation: %(link)s\n\n"
          "The link is valid until %(date)s. If you did not expect this email, ignore it.",
          org=org.name, link=link, date=format_date(invitation.expires_at, format="long")),
        kind="org_member_invitation", org_id=org.id,
    )


def _send_employee_invitation(org: Org, invitation: OrgEmployeeInvitation) -> None:
    link = employee_invitation_link(invitation)
    queue_email(
        invitation.email,
        _("Join the %(org)s team on Volmify", org=org.name),
        _("You have been invited to work for %(org)s on Volmify as %(role)s.\n\n"
          "Accept the invitation: %(link)s\n\n"
          "The link is valid until %(date)s. If you did not expect this email, ignore it.",
          org=org.name, role=_role_label(invitation.role), link=link,
          date=format_date(invitation.expires_at, format="long")),
        kind="org_employee_invitation", org_id=org.id,
    )


def _role_label(role: str) -> str:
    return {
        "admin": _("admin"),
        "manager": _("manager"),
        "creator": _("creator"),
        "staff": _("staff"),
    }.get(role, role)


def _is_expired(invitation: OrgMemberInvitation | OrgEmployeeInvitation) -> bool:
    return invitation.expires_at <= utcnow()


def invitation_status(invitation: OrgMemberInvitation | OrgEmployeeInvitation) -> str:
    """The status as people see it: a pending or approved invitation past its expiry is expired."""
    if invitation.status in ("pending", "approved") and _is_expired(invitation):
        return "expired"
    return invitation.status


def invitation_status_sql(model: type[OrgMemberInvitation] | type[OrgEmployeeInvitation]) -> sa.ColumnElement:
    """``invitation_status`` as an SQL expression (lists filter and sort by it)."""
    return sa.case(
        (sa.and_(model.status.in_(("pending", "approved")), model.expires_at <= utcnow()), "expired"),
        else_=model.status,
    )


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _active_org(org_id: str) -> Org:
    org = db.session.get(Org, org_id)
    if org is None or not org.is_active:
        raise NotFoundError(_("This invitation is not valid."))
    return org


def _proves_address(user: User, email: str) -> None:
    """The emailed link proves its address: an unverified account with that address is verified."""
    if user.email_verified_at is None and normalize_email(user.email) == email:
        user.email_verified_at = utcnow()


# -- member invitations --

def invite_member(org: Org, *, email: str, invited_by: OrgEmployee | None, membership_type: str = "learner",
                  days: int = 14) -> OrgMemberInvitation:
    """Invite someone to join ``org`` as a member and queue the email.

    Inviting an email that already has a pending invitation extends it and sends it again
    (same link) instead of creating a second one. ``invited_by`` None is the platform itself
    (seed data); an employee needs the ``invite`` capability.
    """
    _check_inviter(org, invited_by)
    email = check_email(email)
    if membership_type not in MEMBERSHIP_TYPES:
        raise ValidationError(_("Choose a membership type from the list."))
    expires_at = _expiry(days)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None and get_member(org, user) is not None:
        raise ConflictError(_("%(email)s is already a member.", email=email))

    invitation = db.session.scalar(
        scoped(OrgMemberInvitation, org).where(
            OrgMemberInvitation.email == email, OrgMemberInvitation.status == "pending"
        )
    )
    if invitation is None:
        invitation = OrgMemberInvitation(
            org_id=org.id, email=email, type=membership_type, status="pending", token=_new_token(),
            expires_at=expires_at, invited_by_employee_id=invited_by.id if invited_by else None,
        )
        db.session.add(invitation)
        db.session.flush()
        action, before = "member_invitation.created", {}
        after = {"email": email, "type": membership_type, "status": "pending", "expires_at": _when(expires_at)}
    else:
        before = {"status": invitation_status(invitation), "type": invitation.type,
                  "expires_at": _when(invitation.expires_at)}
        invitation.type = membership_type
        invitation.expires_at = expires_at
        if invited_by is not None:
            invitation.invited_by_employee_id = invited_by.id
        db.session.flush()
        action = "member_invitation.resent"
        after = {"status": "pending", "type": membership_type, "expires_at": _when(expires_at)}
    audit(org, action=action, entity_type="org_member_invitation", entity_id=invitation.id,
          actor_employee=invited_by, data={"before": before, "after": after})
    _send_member_invitation(org, invitation)
    return invitation


def resend_member_invitation(invitation: OrgMemberInvitation, *, by: OrgEmployee,
                             days: int = 14) -> OrgMemberInvitation:
    """Send a pending (or expired) invitation again with the same link, valid ``days`` from now."""
    ensure_same_org(invitation, by.org_id)
    require(by, "invite")
    if invitation.status not in ("pending", "expired"):
        raise InvalidTransitionError(_("Only a pending or expired invitation can be sent again."))
    org = _active_org(invitation.org_id)
    user = db.session.scalar(sa.select(User).where(User.email == invitation.email))
    if user is not None and get_member(org, user) is not None:
        raise ConflictError(_("%(email)s is already a member.", email=invitation.email))
    before = {"status": invitation_status(invitation), "expires_at": _when(invitation.expires_at)}
    invitation.status = "pending"
    invitation.expires_at = _expiry(days)
    db.session.flush()
    audit(org, action="member_invitation.resent", entity_type="org_member_invitation", entity_id=invitation.id,
          actor_employee=by, data={"before": before,
                                   "after": {"status": "pending", "expires_at": _when(invitation.expires_at)}})
    _send_member_invitation(org, invitation)
    return invitation


def member_invitation_by_token(token: str) -> OrgMemberInvitation:
    """The invitation of an emailed link (any status), or NotFoundError; its org must be active."""
    invitation = db.session.scalar(
        sa.select(OrgMemberInvitation).where(OrgMemberInvitation.token == token)
    ) if token and len(token) <= 64 else None
    if invitation is None:
        raise NotFoundError(_("This invitation is not valid."))
    _active_org(invitation.org_id)
    return invitation



def _check_open_member_invitation(invitation: OrgMemberInvitation) -> None:
    status = invitation_status(invitation)
    if status == "expired":
        raise ConflictError(_("This invitation has expired. Ask for a new one."))
    if status == "accepted":
        raise ConflictError(_("This invitation has already been used."))
    if status != "pending":
        raise ConflictError(_("This invitation is no longer valid."))


def accept_member_invitation(token: str, user: User) -> OrgMember:
    """The signed-in ``user`` joins the org with the invited membership type.

    The link is what proves the invitation: whoever holds it may accept it with the account they
    are signed in with (the page says so when that is not the invited address). Accepting twice
    returns the same membership; someone who already is a member keeps their membership.
    """
    invitation = member_invitation_by_token(token)
    org = _active_org(invitation.org_id)
    if invitation.status == "accepted":
        member = get_member(org, user)
        if member is not None and member.id == invitation.member_id:
            return member
    _check_open_member_invitation(invitation)
    member = ensure_member(org, user, membership_type=invitation.type)
    invitation.status = "accepted"
    invitation.accepted_at = utcnow()
    invitation.member_id = member.id
    _proves_address(user, invitation.email)
    db.session.flush()
    audit(org, action="member_invitation.accepted", entity_type="org_member_invitation", entity_id=invitation.id,
          actor_user=user, data={"before": {"status": "pending"},
                                 "after": {"status": "accepted", "member_id": member.id}})
    return member


def join_by_member_invitation(token: str, *, display_name: str, password: str) -> tuple[User, OrgMember]:
    """Create the account of the invited address (verified: the link proves it) and accept."""
    invitation = member_invitation_by_token(token)
    _check_open_member_invitation(invitation)
    user = create_invited_user(invitation.email, password, display_name)
    return user, accept_member_invitation(token, user)


def decline_member_invitation(token: str, user: User | None = None) -> OrgMemberInvitation:
    """The invited person says no (the link is the proof; ``user`` when signed in, for the log)."""
    invitation = member_invitation_by_token(token)
    if invitation_status(invitation) != "pending":
        raise InvalidTransitionError(_("This invitation is no longer pending."))
    invitation.status = "declined"
    db.session.flush()
    audit(_active_org(invitation.org_id), action="member_invitation.declined", entity_type="org_member_invitation",
          entity_id=invitation.id, actor_user=user,
          data={"before": {"status": "pending"}, "after": {"status": "declined"}})
    return invitation


def cancel_member_invitation(invitation: OrgMemberInvitation, *, by: OrgEmployee) -> OrgMemberInvitation:
    if by.org_id != invitation.org_id:
        raise NotFoundError(_("Not found."))
    require(by, "invite")
    if invitation.status not in ("pending", "expired"):
        raise InvalidTransitionError(_("This invitation is no longer pending."))
    before = invitation_status(invitation)
    invitation.status = "cancelled"
    db.session.flush()
    audit(db.session.get(Org, invitation.org_id), action="member_invitation.cancelled",
          entity_type="org_member_invitation", entity_id=invitation.id, actor_employee=by,
          data={"before": {"status": before}, "after": {"status": "cancelled"}})
    return invitation


# -- bulk member invitations --

@dataclass(frozen=True)
class BulkInviteRow:
    """One entry of a bulk invitation and what became of it: ``invited``, ``skipped`` (already a
    member, already invited, listed twice) or ``refused`` (not a valid address), with the reason."""

    line: int
    entry: str
    outcome: str
    reason: str = ""
    email: str = ""


_SEPARATORS = re.compile(r"[\s,;]+")
_HEADER_NAMES = {"email", "e-mail", "email address", "e-mail address", "mail", "courriel", "correo"}


def email_entries_from_text(text: str | None) -> list[tuple[int, str]]:
    """Pasted addresses: one or more per line, separated by spaces, commas or semicolons;
    (line number, entry) pairs, blank lines left out."""
    entries = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        entries.extend((number, part[:BULK_LINE_CHARS]) for part in _SEPARATORS.split(line.strip()) if part)
    return entries


def _csv_delimiter(text: str) -> str:
    """The separator of a CSV file: of comma, semicolon and tab, the one found on every one of its
    first lines (the most often), else a comma (a file of one column)."""
    lines = [line for line in text.splitlines()[:20] if line.strip()][:5]
    found = {sep: min(line.count(sep) for line in lines) for sep in (",", ";", "\t")} if lines else {}
    best = max(found, key=lambda sep: found[sep], default=",")
    return best if found.get(best) else ","


def email_entries_from_csv(data: bytes) -> list[tuple[int, str]]:
    """The addresses of an uploaded CSV file (UTF-8, with or without a BOM; comma, semicolon or
    tab separated): the column headed "email" when there is a header, else on each line the first
    cell holding an "@" (or the first non-empty cell, which is then refused as invalid)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not a CSV text file in UTF-8. Save it as CSV (UTF-8) and try again.")) \
            from None
    if "\x00" in text:
        raise ValidationError(_("The file is not a CSV text file in UTF-8. Save it as CSV (UTF-8) and try again."))
    column: int | None = None
    entries: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=_csv_delimiter(text))
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if column is None and not entries:
                header = [cell.lower() for cell in cells]
                found = next((i for i, name in enumerate(header) if name in _HEADER_NAMES), None)
                if found is not None:
                    column = found
                    continue
            if column is not None:
                cell = cells[column] if column < len(cells) else ""
            else:
                cell = next((c for c in cells if "@" in c), next(c for c in cells if c))
            entries.append((reader.line_num, cell[:BULK_LINE_CHARS]))
    except csv.Error:
        raise ValidationError(_("The file could not be read as CSV (line %(n)d).", n=reader.line_num)) from None
    return entries


def invite_members_bulk(org: Org, entries: list[tuple[int, str]], *, by: OrgEmployee, membership_type: str = "learner",
                        days: int = 14) -> list[BulkInviteRow]:
    """Invite every valid new address of ``entries`` ((line, text) pairs); one report row per entry.

    Nothing is half done: the whole list is checked first (type, days, at most BULK_INVITE_MAX
    entries); then each address is invited (email queued, audit written), skipped (already a
    member, already has a pending invitation, listed twice) or refused (invalid, with the reason).
    """
    _check_inviter(org, by)
    if by is None:
        raise PermissionDeniedError(_("You do not have permission to do that."))
    if membership_type not in MEMBERSHIP_TYPES:
        raise ValidationError(_("Choose a membership type from the list."))
    _expiry(days)
    if not entries:
        raise ValidationError(_("Enter at least one email address."))
    if len(entries) > BULK_INVITE_MAX:
        raise ValidationError(_("Invite at most %(n)d addresses at a time.", n=BULK_INVITE_MAX))

    checked: list[tuple[int, str, str | None, str]] = []  # line, entry, email, refusal
    for line, entry in entries:
        try:
            checked.append((line, entry, check_email(entry), ""))
        except ValidationError as exc:
            checked.append((line, entry, None, exc.message))
    emails = {email for _line, _entry, email, _reason in checked if email}
    members = set(db.session.scalars(
        sa.select(User.email)
        .join(UserProfile, sa.and_(UserProfile.user_id == User.id, MAIN_PROFILE))
        .join(OrgMember, OrgMember.user_profile_id == UserProfile.id)
        .where(OrgMember.org_id == org.id, User.email.in_(emails))
    )) if emails else set()
    invited = set(db.session.scalars(
        scoped(OrgMemberInvitation, org).with_only_columns(OrgMemberInvitation.email).where(
            OrgMemberInvitation.email.in_(emails), OrgMemberInvitation.status == "pending",
            OrgMemberInvitation.expires_at > utcnow())
    )) if emails else set()

    report: list[BulkInviteRow] = []
    seen: set[str] = set()
    for line, entry, email, refusal in checked:
        if email is None:
            report.append(BulkInviteRow(line, entry, "refused", refusal))
        elif email in seen:
            report.append(BulkInviteRow(line, entry, "skipped", _("Listed twice."), email))
        elif email in members:
            report.append(BulkInviteRow(line, entry, "skipped", _("Already a member."), email))
        elif email in invited:
            report.append(BulkInviteRow(line, entry, "skipped", _("Already invited."), email))
        else:
            invite_member(org, email=email, invited_by=by, membership_type=membership_type, days=days)
            report.append(BulkInviteRow(line, entry, "invited", "", email))
        if email:
            seen.add(email)
    return report


# -- employee invitations --

def invite_employee(org: Org, *, email: str, role: str, invited_by: OrgEmployee,
                    days: int = 14) -> OrgEmployeeInvitation:
    """Record an employee invitation (status ``pending``); an admin must approve it before it is sent."""
    if invited_by is None:
        raise PermissionDeniedError(_("You do not have permission to do that."))
    _check_inviter(org, invited_by)
    email = check_email(email)
    if role not in EMPLOYEE_ROLES:
        raise ValidationError(_("Choose a role from the list."))
    expires_at = _expiry(days)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None:
        employee = get_employee(org, user)
        if employee is not None and employee.is_active:
            raise ConflictError(_("%(email)s already works for this organization.", email=email))
    open_invitation = db.session.scalar(
        scoped(OrgEmployeeInvitation, org).where(
            OrgEmployeeInvitation.email == email,
            OrgEmployeeInvitation.status.in_(OPEN_EMPLOYEE_INVITATION),
            OrgEmployeeInvitation.expires_at > utcnow(),
        )
    )
    if open_invitation is not None:
        raise ConflictError(_("%(email)s already has an open invitation. Cancel it before inviting again.",
                              email=email))
    invitation = OrgEmployeeInvitation(
        org_id=org.id, email=email, role=role, status="pending", token=_new_token(),
        expires_at=expires_at, invited_by_employee_id=invited_by.id,
    )
    db.session.add(invitation)
    db.session.flush()
    audit(org, action="employee_invitation.created", entity_type="org_employee_invitation",
          entity_id=invitation.id, actor_employee=invited_by,
          data={"before": {}, "after": {"email": email, "role": role, "status": "pending",
                                        "expires_at": _when(expires_at)}})
    return invitation


def is_only_admin(employee: OrgEmployee) -> bool:
    """Whether ``employee`` is the org's one active admin (who may then decide on their own invitations)."""
    return employee.role == "admin" and employee.is_active and _admin_count(db.session.get(Org, employee.org_id)) <= 1


def _decide(invitation: OrgEmployeeInvitation, admin: OrgEmployee | None) -> Org:
    """Checks shared by approve and decline: an admin of the org, not the inviter (unless the
    inviter is the org's only active admin: nobody else could ever decide), a pending invitation."""
    if admin is None or admin.org_id != invitation.org_id:
        raise NotFoundError(_("Not found."))
    require(admin, "approve_employees")
    org = db.session.get(Org, invitation.org_id)
    if invitation.invited_by_employee_id == admin.id and _admin_count(org) > 1:
        raise PermissionDeniedError(_("Another admin must decide on an invitation you sent."))
    if invitation.status != "pending":
        raise InvalidTransitionError(_("Only a pending invitation can be approved or declined."))
    return org


def approve_employee_invitation(invitation: OrgEmployeeInvitation, *,
                                approver: OrgEmployee) -> OrgEmployeeInvitation:
    """An admin who is not the inviter approves a pending employee invitation; the email is sent then."""
    org = _decide(invitation, approver)
    if _is_expired(invitation):
        invitation.status = "expired"
        db.session.flush()
        raise ConflictError(_("This invitation has expired. Invite the person again."))
    invitation.status = "approved"
    invitation.approved_by_employee_id = approver.id
    invitation.approved_at = utcnow()
    db.session.flush()
    audit(org, action="employee_invitation.approved", entity_type="org_employee_invitation",
          entity_id=invitation.id, actor_employee=approver,
          data={"before": {"status": "pending"},
                "after": {"status": "approved", "approved_by_employee_id": approver.id,
                          "email": invitation.email, "role": invitation.role}})
    _send_employee_invitation(org, invitation)
    return invitation


def decline_employee_invitation_as_admin(invitation: OrgEmployeeInvitation, *,
                                         by: OrgEmployee) -> OrgEmployeeInvitation:
    """An admin who is not the inviter declines a pending invitation: nothing is ever sent.

    Stored as ``declined`` without an approval time (one the invitee declined was approved first)."""
    org = _decide(invitation, by)
    before = invitation_status(invitation)
    invitation.status = "declined"
    db.session.flush()
    audit(org, action="employee_invitation.declined", entity_type="org_employee_invitation",
          entity_id=invitation.id, actor_employee=by,
          data={"before": {"status": before}, "after": {"status": "declined"}})
    return invitation


def _can_manage(by: OrgEmployee, invitation: OrgEmployeeInvitation) -> bool:
    return can(by, "approve_employees") or (can(by, "invite") and invitation.invited_by_employee_id == by.id)


def resend_employee_invitation(invitation: OrgEmployeeInvitation, *, by: OrgEmployee,
                               days: int = 14) -> OrgEmployeeInvitation:
    """Send an approved invitation again (also once expired), valid ``days`` from now: admins any,
    managers the ones they sent. A pending one has not been sent: it waits for an admin."""
    if by is None or by.org_id != invitation.org_id:
        raise NotFoundError(_("Not found."))
    if not _can_manage(by, invitation):
        raise PermissionDeniedError(_("You do not have permission to do that."))
    if invitation.status not in ("approved", "expired") or invitation.approved_at is None:
        raise InvalidTransitionError(_("Only an approved invitation can be sent again."))
    org = _active_org(invitation.org_id)
    before = {"status": invitation_status(invitation), "expires_at": _when(invitation.expires_at)}
    invitation.status = "approved"
    invitation.expires_at = _expiry(days)
    db.session.flush()
    audit(org, action="employee_invitation.resent", entity_type="org_employee_invitation", entity_id=invitation.id,
          actor_employee=by, data={"before": before,
                                   "after": {"status": "approved", "expires_at": _when(invitation.expires_at)}})
    _send_employee_invitation(org, invitation)
    return invitation


def employee_invitation_by_token(token: str) -> OrgEmployeeInvitation:
    """The invitation of an emailed link, once approved (any later status), or NotFoundError: a
    pending one was never sent, so its token proves nothing yet."""
    invitation = db.session.scalar(
        sa.select(OrgEmployeeInvitation).where(OrgEmployeeInvitation.token == token)
    ) if token and len(token) <= 64 else None
    if invitation is None or invitation.approved_at is None:
        raise NotFoundError(_("This invitation is not valid."))
    _active_org(invitation.org_id)
    return invitation



def _check_open_employee_invitation(invitation: OrgEmployeeInvitation) -> None:
    status = invitation_status(invitation)
    if status == "expired":
        raise ConflictError(_("This invitation has expired. Ask for a new one."))
    if status == "accepted":
        raise ConflictError(_("This invitation has already been used."))
    if status == "pending":
        raise ConflictError(_("This invitation is waiting for an admin's approval."))
    if status != "approved":
        raise ConflictError(_("This invitation is no longer valid."))


def accept_employee_invitation(token: str, user: User, *, job_profile_id: str | None = None) -> OrgEmployee:
    """The invited person (signed in with the invited email) becomes an employee with the approved
    role (and a member if not already), optionally as one of their job profiles.

    Accepting twice returns the same employee.
    """
    invitation = employee_invitation_by_token(token)
    org = _active_org(invitation.org_id)
    if normalize_email(user.email) != invitation.email:
        raise PermissionDeniedError(
            _("This invitation was sent to another email address. Sign in with that address to accept it.")
        )
    if invitation.status == "accepted":
        employee = get_employee(org, user)
        if employee is not None and employee.id == invitation.employee_id:
            return employee
    _check_open_employee_invitation(invitation)
    job_profile = None
    if job_profile_id:
        job_profile = db.session.get(UserJobProfile, job_profile_id)
        if job_profile is None:
            raise ValidationError(_("Choose one of your own job profiles."))
    existing = get_employee(org, user)
    if existing is not None and existing.is_active and existing.role != invitation.role:
        raise ConflictError(_("You already work for this organization as %(role)s.",
                              role=_role_label(existing.role)))
    employee = add_employee(org, user, role=invitation.role, job_profile=job_profile)
    invitation.status = "accepted"
    invitation.accepted_at = utcnow()
    invitation.employee_id = employee.id
    _proves_address(user, invitation.email)
    db.session.flush()
    audit(org, action="employee_invitation.accepted", entity_type="org_employee_invitation",
          entity_id=invitation.id, actor_user=user, actor_employee=employee,
          data={"before": {"status": "approved"},
                "after": {"status": "accepted", "employee_id": employee.id, "role": invitation.role,
                          "job_profile_id": employee.job_profile_id}})
    return employee


def join_by_employee_invitation(token: str, *, display_name: str, password: str) -> tuple[User, OrgEmployee]:
    """Create the account of the invited address (verified: the link proves it) and accept."""
    invitation = employee_invitation_by_token(token)
    _check_open_employee_invitation(invitation)
    user = create_invited_user(invitation.email, password, display_name)
    return user, accept_employee_invitation(token, user)


def decline_employee_invitation(token: str, user: User | None = None) -> OrgEmployeeInvitation:
    """The invited person says no to an approved invitation (the link is the proof; ``user`` when
    signed in, for the log)."""
    invitation = employee_invitation_by_token(token)
    if invitation_status(invitation) != "approved":
        raise InvalidTransitionError(_("This invitation is no longer open."))
    invitation.status = "declined"
    db.session.flush()
    audit(_active_org(invitation.org_id), action="employee_invitation.declined",
          entity_type="org_employee_invitation", entity_id=invitation.id, actor_user=user,
          data={"before": {"status": "approved"}, "after": {"status": "declined"}})
    return invitation


def cancel_employee_invitation(invitation: OrgEmployeeInvitation, *, by: OrgEmployee) -> OrgEmployeeInvitation:
    """Withdraw an open invitation: admins any, managers the ones they sent."""
    if by is None or by.org_id != invitation.org_id:
        raise NotFoundError(_("Not found."))
    if not _can_manage(by, invitation):
        raise PermissionDeniedError(_("You do not have permission to do that."))
    if invitation.status not in (*OPEN_EMPLOYEE_INVITATION, "expired"):
        raise InvalidTransitionError(_("This invitation is no longer open."))
    before = invitation_status(invitation)
    invitation.status = "cancelled"
    db.session.flush()
    audit(db.session.get(Org, invitation.org_id), action="employee_invitation.cancelled",
          entity_type="org_employee_invitation", entity_id=invitation.id, actor_employee=by,
          data={"before": {"status": before}, "after": {"status": "cancelled"}})
    return invitation


# ---- audit log -----------------------------------------------------------------------------

_CURRENT: Any = object()


def audit(org: Org | str, *, action: str, entity_type: str, entity_id: str | None = None,
          actor_user: User | None = None, actor_employee: OrgEmployee | None = None,
          data: dict[str, Any] | None = None, ip_address: str | None = _CURRENT) -> OrgAuditLog:
    """Append an audit record to ``org`` (an org or its id). The acting user defaults to the
    employee's user; the address to the current request's (``app.orgs.origin``)."""
    org_id = _org_id(org)
    if actor_employee is not None and actor_employee.org_id != org_id:
        raise NotFoundError(_("Not found."))
    actor_user_id = actor_user.id if actor_user is not None else None
    if actor_user_id is None and actor_employee is not None:
        # through the relationships: loaded once per session (the identity map), not per entry
        actor_user_id = actor_employee.member.user_profile.user_id
    entry = OrgAuditLog(
        org_id=org_id, action=action, entity_type=entity_type, entity_id=entity_id,
        actor_user_id=actor_user_id, actor_employee_id=actor_employee.id if actor_employee else None,
        data=data, ip_address=current_address() if ip_address is _CURRENT else ip_address,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _json_value(value: Any) -> Any:
    """``value`` as the audit log's JSON stores it (amounts and dates as text)."""
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def snapshot(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    """``{field: value}`` of ``row`` for the audit log (JSON-safe); take it before changing a row."""
    return {name: _json_value(getattr(row, name)) for name in fields}


def audit_change(row: Any, *, action: str, by: OrgEmployee, fields: Iterable[str],
                 before: dict[str, Any] | None = None, entity: Any = None,
                 extra: dict[str, Any] | None = None) -> OrgAuditLog | None:
    """Audit what ``by`` changed in ``row``: ``before`` is the ``snapshot`` of ``fields`` taken
    before the change (None for a new row). The entry's data holds the changed fields only:
    ``{"before": {field: old}, "after": {field: new}}``; no change, no entry. The entry names
    ``entity`` (default: ``row``, an org-owned row) by its table and id: a row without an org of
    its own (e.g. a product's SEO metadata) is recorded on the row it belongs to. ``extra`` adds
    values that are not columns of ``row`` to a new row's "after" (e.g. a market's countries)."""
    entity = row if entity is None else entity
    fields = list(fields)
    after = snapshot(row, fields)
    if before is None:
        changed = [name for name in fields if after[name] is not None]
        old: dict[str, Any] = {}
    else:
        changed = [name for name in fields if before.get(name) != after[name]]
        if not changed:
            return None
        old = {name: before.get(name) for name in changed}
    identity = sa.inspect(entity).identity or (None,)
    new = {name: after[name] for name in changed}
    if extra:
        new.update({key: _json_value(value) for key, value in extra.items()})
    return audit(entity.org_id, action=action, entity_type=entity.__tablename__,
                 entity_id=identity[0] if len(identity) == 1 else None, actor_employee=by,
                 data={"before": old, "after": new})


def my_employments(user: User) -> list[tuple[OrgEmployee, Org]]:
    """The user's active employments with their orgs (one query), by org name."""
    return [(employee, org) for employee, org in db.session.execute(
        sa.select(OrgEmployee, Org)
        .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .join(Org, Org.id == OrgEmployee.org_id)
        .where(UserProfile.user_id == user.id, OrgEmployee.status == "active", Org.is_active.is_(True))
        .order_by(Org.name)
    ).tuples()]


def set_employment_profile(employee: OrgEmployee, user: User, *, job_profile: UserJobProfile | None,
                           show_on_profile: bool) -> OrgEmployee:
    """The user links one of their job profiles to their own employment (or none) and chooses
    whether it appears on that profile's public page. Another user's employment is not found."""
    if employee not in [e for e, _org in my_employments(user)]:
        raise NotFoundError(_("Not found."))
    _check_job_profile(user, job_profile)
    before = snapshot(employee, ("job_profile_id", "show_on_profile"))
    employee.job_profile_id = job_profile.id if job_profile is not None else None
    employee.show_on_profile = bool(show_on_profile)
    db.session.flush()
    audit_change(employee, action="employee.profile_link", by=employee, fields=("job_profile_id", "show_on_profile"),
                 before=before)
    return employee


def employee_names(org_id: str, *, ids=None, active_only: bool = False) -> dict[str, str]:
    """Employee id -> display name for the org's employees (``ids`` only, if given), by name;
    one query."""
    stmt = (sa.select(OrgEmployee.id, UserProfile.display_name)
            .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
            .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
            .where(OrgEmployee.org_id == org_id)
            .order_by(sa.func.lower(UserProfile.display_name)))
    if ids is not None:
        stmt = stmt.where(OrgEmployee.id.in_(list(ids)))
    if active_only:
        stmt = stmt.where(OrgEmployee.status == "active")
    return dict(db.session.execute(stmt).tuples().all())
