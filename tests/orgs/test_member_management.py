"""Managing members and employees from the dashboard (app.orgs.services): change a member's type,
deactivate and reactivate a member, change an employee's role and remove an employee. Each checks
the permission matrix and the org, never leaves the org without an admin, and writes the audit
log with the changed fields before and after."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.orgs import services
from app.orgs.models import OrgAuditLog
from app.orgs.permissions import can
from tests.factories import make_employee, make_member, make_org, make_user


def _log(db_session, action: str) -> list[OrgAuditLog]:
    return db_session.scalars(
        sa.select(OrgAuditLog).where(OrgAuditLog.action == action).order_by(OrgAuditLog.created_at)
    ).all()


@pytest.fixture
def team(db_session):
    org = make_org()
    return {
        "org": org,
        "admin": make_employee(org, role="admin"),
        "manager": make_employee(org, role="manager"),
        "creator": make_employee(org, role="creator"),
        "staff": make_employee(org, role="staff"),
        "member": make_member(org, make_user(display_name="Mo Member")),
    }


# ---- member type ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["admin", "manager"])
def test_admins_and_managers_change_a_members_type_with_an_audit_entry(db_session, team, role):
    member, by = team["member"], team[role]
    services.change_member_type(member, membership_type="customer", by=by)
    assert member.membership_type == "customer"
    [entry] = _log(db_session, "member.type_changed")
    assert entry.entity_type == "org_member" and entry.entity_id == member.id
    assert entry.actor_employee_id == by.id and entry.actor_user_id is not None
    assert entry.data == {"before": {"membership_type": "learner"}, "after": {"membership_type": "customer"}}
    services.change_member_type(member, membership_type="customer", by=by)  # nothing changes: no entry
    assert len(_log(db_session, "member.type_changed")) == 1


@pytest.mark.parametrize("role", ["creator", "staff"])
def test_creators_and_staff_cannot_change_members(db_session, team, role):
    member = team["member"]
    for call in (lambda: services.change_member_type(member, membership_type="customer", by=team[role]),
                 lambda: services.deactivate_member(member, by=team[role]),
                 lambda: services.reactivate_member(member, by=team[role])):
        with pytest.raises(PermissionDeniedError):
            call()
    assert member.membership_type == "learner" and member.is_active
    assert _log(db_session, "member.type_changed") == [] and _log(db_session, "member.deactivated") == []


def test_an_unknown_member_type_is_refused(db_session, team):
    with pytest.raises(ValidationError):
        services.change_member_type(team["member"], membership_type="owner", by=team["admin"])
    assert team["member"].membership_type == "learner"


def test_another_orgs_member_is_not_found(db_session, team):
    stranger = make_member(make_org(), make_user())
    for call in (lambda: services.change_member_type(stranger, membership_type="customer", by=team["admin"]),
                 lambda: services.deactivate_member(stranger, by=team["admin"]),
                 lambda: services.reactivate_member(stranger, by=team["admin"])):
        with pytest.raises(NotFoundError):
            call()
    assert stranger.is_active and stranger.membership_type == "learner"


# ---- deactivate / reactivate ------------------------------------------------------------------

def test_deactivate_and_reactivate_a_member_with_audit_entries(db_session, team):
    member, manager = team["member"], team["manager"]
    services.deactivate_member(member, by=manager)
    assert member.status == "suspended" and not member.is_active
    services.deactivate_member(member, by=manager)  # again: nothing changes
    services.reactivate_member(member, by=manager)
    assert member.is_active
    [off] = _log(db_session, "member.deactivated")
    [on] = _log(db_session, "member.reactivated")
    assert off.data == {"before": {"status": "active"}, "after": {"status": "suspended"}}
    assert on.data == {"before": {"status": "suspended"}, "after": {"status": "active"}}


def test_nobody_deactivates_themselves_or_an_active_employee(db_session, team):
    with pytest.raises(ConflictError):
        services.deactivate_member(team["admin"].member, by=team["admin"])
    with pytest.raises(ConflictError):  # a manager cannot lock an admin out through the members page
        services.deactivate_member(team["admin"].member, by=team["manager"])
    assert team["admin"].member.is_active
    services.remove_employee(team["creator"], by=team["admin"])
    services.deactivate_member(team["creator"].member, by=team["manager"])  # removed first: allowed
    assert not team["creator"].member.is_active


# ---- employees: role ----------------------------------------------------------------------------

def test_change_role_writes_before_and_after_and_takes_effect(db_session, team):
    creator = team["creator"]
    assert not can(creator, "invite")
    services.change_employee_role(creator, role="manager", by=team["admin"])
    assert creator.role == "manager" and can(creator, "invite")
    [entry] = _log(db_session, "employee.role_changed")
    assert entry.data == {"before": {"role": "creator"}, "after": {"role": "manager"}}
    assert entry.entity_type == "org_employee" and entry.entity_id == creator.id


@pytest.mark.parametrize("role", ["manager", "creator", "staff"])
def test_only_admins_change_roles(db_session, team, role):
    with pytest.raises(PermissionDeniedError):
        services.change_employee_role(team["creator"], role="staff", by=team[role])
    assert team["creator"].role == "creator"


def test_the_last_admin_is_never_demoted_and_a_removed_employees_role_is_not_changed(db_session, team):
    admin = team["admin"]
    with pytest.raises(ConflictError):
        services.change_employee_role(admin, role="manager", by=admin)
    services.remove_employee(team["staff"], by=admin)
    with pytest.raises(ConflictError):
        services.change_employee_role(team["staff"], role="admin", by=admin)
    assert admin.role == "admin" and team["staff"].role == "staff"
    second = make_employee(team["org"], role="admin")
    services.change_employee_role(admin, role="manager", by=admin)  # another admin exists now
    assert admin.role == "manager"
    with pytest.raises(ConflictError):
        services.change_employee_role(second, role="staff", by=second)


# ---- employees: remove -------------------------------------------------------------------------

def test_remove_an_employee_keeps_the_membership_and_writes_the_audit(db_session, team):
    creator = team["creator"]
    services.remove_employee(creator, by=team["admin"])
    assert creator.status == "inactive" and not can(creator, "own_earnings")
    assert creator.member.is_active  # still a member (their orders and courses stay theirs)
    [entry] = _log(db_session, "employee.removed")
    assert entry.data == {"before": {"status": "active"}, "after": {"status": "inactive"}}
    services.remove_employee(creator, by=team["admin"])  # again: nothing changes
    assert len(_log(db_session, "employee.removed")) == 1


@pytest.mark.parametrize("role", ["manager", "creator", "staff"])
def test_only_admins_remove_employees(db_session, team, role):
    with pytest.raises(PermissionDeniedError):
        services.remove_employee(team["creator"], by=team[role])
    assert team["creator"].is_active


def test_the_last_admin_cannot_be_removed_not_even_by_themselves(db_session, team):
    admin = team["admin"]
    with pytest.raises(ConflictError):
        services.remove_employee(admin, by=admin)
    assert admin.is_active
    second = make_employee(team["org"], role="admin")
    services.remove_employee(admin, by=admin)  # another admin remains: allowed
    assert not admin.is_active
    with pytest.raises(ConflictError):
        services.remove_employee(second, by=second)
    assert _log(db_session, "employee.removed")[0].entity_id == admin.id


def test_another_orgs_employee_is_not_found(db_session, team):
    stranger = make_employee(make_org(), role="staff")
    with pytest.raises(NotFoundError):
        services.remove_employee(stranger, by=team["admin"])
    with pytest.raises(NotFoundError):
        services.change_employee_role(stranger, role="manager", by=team["admin"])
    assert stranger.is_active and stranger.role == "staff"
