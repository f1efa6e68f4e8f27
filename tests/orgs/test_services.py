"""Org services: orgs, members, employees, permissions, invitations, scoping and the audit log."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounts.models import UserJobProfile
from app.db import utcnow
from app.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.orgs import services
from app.orgs.models import OrgAuditLog, OrgEmployee, OrgLocale, OrgMember, OrgMemberInvitation
from app.orgs.permissions import CAPABILITIES, can
from app.platform.models import EmailOutbox, Skill
from tests.factories import make_employee, make_job_profile, make_member, make_org, make_user


def _outbox(db_session, email: str) -> list[EmailOutbox]:
    return list(db_session.scalars(sa.select(EmailOutbox).where(EmailOutbox.to_email == email)
                                   .order_by(EmailOutbox.created_at)))


def _count(db_session, model, *where) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# ---- orgs ------------------------------------------------------------------------------------

def test_create_org_adds_its_locales_with_one_default(db_session):
    org = services.create_org(name="Acme Academy", slug="acme", default_locale_key="de",
                              locale_keys=("en", "fr"), platform_fee_percent=Decimal("7.5"))
    rows = {ol.locale_key: ol.is_default for ol in db_session.scalars(
        sa.select(OrgLocale).where(OrgLocale.org_id == org.id))}
    assert rows == {"de": True, "en": False, "fr": False}  # the default joins the list
    assert org.default_locale_key == "de"
    assert org.platform_fee_percent == Decimal("7.50")
    assert org.active_locale_keys[0] == "de"


@pytest.mark.parametrize("slug", ["a", "Has Space", "under_score", "x" * 51, "dashboard", "webhooks", ""])
def test_create_org_rejects_bad_or_reserved_slugs(db_session, slug):
    with pytest.raises(ValidationError):
        services.create_org(name="Acme", slug=slug)


def test_create_org_rejects_a_taken_slug_case_insensitively(db_session):
    make_org("acme")
    with pytest.raises(ValidationError, match="taken"):
        services.create_org(name="Other Acme", slug="ACME")


@pytest.mark.parametrize("kwargs", [
    {"locale_keys": ("en", "xx")},
    {"default_locale_key": "zz"},
    {"platform_fee_percent": Decimal("100.01")},
    {"platform_fee_percent": Decimal("-1")},
    {"name": "   "},
])
def test_create_org_validates_locales_fee_and_name(db_session, kwargs):
    data = {"name": "Acme", "slug": "acme-co", **kwargs}
    with pytest.raises(ValidationError):
        services.create_org(**data)


def test_get_org_by_slug_hides_inactive_orgs_unless_asked(db_session):
    org = make_org("sleepy")
    org.is_active = False
    db_session.flush()
    assert services.get_org_by_slug("sleepy") is None
    assert services.get_org_by_slug("sleepy", active_only=False) is org
    assert services.get_org_by_slug("missing") is None


# ---- members and employees ----------------------------------------------------------------

def test_ensure_member_is_idempotent_and_uses_the_main_profile(db_session):
    org, user = make_org(), make_user()
    first = services.ensure_member(org, user, membership_type="customer")
    again = services.ensure_member(org, user, membership_type="learner")
    assert again.id == first.id
    assert first.membership_type == "customer"
    assert first.user_profile.type == "main" and first.user_profile.user_id == user.id
    assert _count(db_session, OrgMember, OrgMember.org_id == org.id) == 1


def test_ensure_member_rejects_an_unknown_membership_type(db_session):
    with pytest.raises(ValidationError):
        services.ensure_member(make_org(), make_user(), membership_type="vip")


def test_get_member_is_scoped_to_the_org(db_session):
    org, other = make_org(), make_org()
    user = make_user()
    member = make_member(org, user)
    assert services.get_member(org, user) is member
    assert services.get_member(other, user) is None


def test_add_employee_ensures_membership_and_is_idempotent(db_session):
    org, user = make_org(), make_user()
    employee = services.add_employee(org, user, role="creator")
    assert employee.member.user_profile.user_id == user.id
    assert services.add_employee(org, user, role="admin").id == employee.id
    assert employee.role == "creator"  # an active employee is returned unchanged
    assert _count(db_session, OrgEmployee, OrgEmployee.org_id == org.id) == 1


def test_add_employee_reactivates_an_inactive_employee_with_the_new_role(db_session):
    org, user = make_org(), make_user()
    employee = make_employee(org, user, role="staff")
    employee.status = "inactive"
    db_session.flush()
    again = services.add_employee(org, user, role="manager")
    assert again.id == employee.id and again.is_active and again.role == "manager"


def test_add_employee_links_only_the_users_own_job_profile(db_session):
    org, user = make_org(), make_user()
    someone_elses = make_job_profile(make_user())
    with pytest.raises(ValidationError):
        services.add_employee(org, user, role="creator", job_profile=someone_elses)
    own = make_job_profile(user, slug="jane-teaches", title="Teacher")
    employee = services.add_employee(org, user, role="creator", job_profile=own)
    assert employee.job_profile_id == own.id


def test_add_employee_rejects_an_unknown_role(db_session):
    with pytest.raises(ValidationError):
        services.add_employee(make_org(), make_user(), role="owner")


def test_change_role_needs_an_admin_and_keeps_the_last_admin(db_session):
    org = make_org()
    admin = make_employee(org, role="admin")
    manager = make_employee(org, role="manager")
    with pytest.raises(PermissionDeniedError):
        services.change_employee_role(admin, role="staff", by=manager)
    with pytest.raises(ConflictError):
        services.change_employee_role(admin, role="staff", by=admin)
    services.change_employee_role(manager, role="admin", by=admin)
    services.change_employee_role(admin, role="staff", by=manager)  # manager is an admin now
    assert admin.role == "staff"
    log = db_session.scalars(sa.select(OrgAuditLog).where(OrgAuditLog.action == "employee.role_changed")).all()
    assert [entry.data for entry in log] == [{"before": {"role": "manager"}, "after": {"role": "admin"}},
                                             {"before": {"role": "admin"}, "after": {"role": "staff"}}]


def test_change_role_of_another_orgs_employee_is_not_found(db_session):
    org, other = make_org(), make_org()
    with pytest.raises(NotFoundError):
        services.change_employee_role(make_employee(other, role="staff"), role="manager",
                                      by=make_employee(org, role="admin"))


# ---- permission matrix (DESIGN.md §3) ------------------------------------------------------

MATRIX = {
    "org_settings": {"admin"},
    "approve_employees": {"admin"},
    "invite": {"admin", "manager"},
    "catalog_all": {"admin", "manager"},
    "catalog_own": {"admin", "manager", "creator"},
    "gift_cards": {"admin", "manager", "staff"},
    "orders": {"admin", "manager"},
    "orders_view": {"admin", "manager", "staff"},
    "own_earnings": {"admin", "manager", "creator", "staff"},
    "all_earnings": {"admin"},
}


def test_the_capability_table_matches_the_design():
    assert {cap: set(roles) for cap, roles in CAPABILITIES.items()} == MATRIX


@pytest.mark.parametrize("role", ["admin", "manager", "creator", "staff"])
def test_can_follows_the_matrix_for_each_role(db_session, role):
    employee = make_employee(make_org(), role=role)
    assert {cap for cap in MATRIX if can(employee, cap)} == {cap for cap, roles in MATRIX.items() if role in roles}


def test_inactive_employees_and_suspended_members_can_do_nothing(db_session):
    org = make_org()
    inactive = make_employee(org, role="admin")
    inactive.status = "inactive"
    suspended = make_employee(org, role="admin")
    suspended.member.status = "suspended"
    db_session.flush()
    assert not any(can(inactive, cap) or can(suspended, cap) for cap in MATRIX)
    assert not can(None, "own_earnings")


def test_an_unknown_capability_is_a_programming_error(db_session):
    with pytest.raises(KeyError):
        can(make_employee(make_org()), "launch_rockets")


# ---- scoping -------------------------------------------------------------------------------

def test_scoped_and_get_or_404_never_return_another_orgs_rows(db_session):
    org, other = make_org(), make_org()
    mine, theirs = make_member(org), make_member(other)
    assert db_session.scalars(services.scoped(OrgMember, org)).all() == [mine]
    assert services.get_or_404(OrgMember, org, mine.id) is mine
    for bad_id in (theirs.id, "does-not-exist", None):
        with pytest.raises(NotFoundError):
            services.get_or_404(OrgMember, org, bad_id)


# ---- member invitations -----------------------------------------------------------------------

def test_invite_member_queues_an_email_with_the_link(db_session):
    org = make_org(name="Acme Academy")
    inviter = make_employee(org, role="manager")
    invitation = services.invite_member(org, email=" New.Person@Example.com ", invited_by=inviter,
                                        membership_type="customer", days=7)
    assert invitation.email == "new.person@example.com"
    assert invitation.status == "pending" and invitation.type == "customer"
    assert 20 <= len(invitation.token) <= 64
    assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
    [message] = _outbox(db_session, "new.person@example.com")
    assert "Acme Academy" in message.subject
    assert f"/invitations/member/{invitation.token}" in message.body_text
    assert message.kind == "org_member_invitation"


def test_invite_member_inside_a_request_does_not_crash(app_ctx, db_session):
    org = make_org()
    with app_ctx.test_request_context("/"):
        invitation = services.invite_member(org, email="req@example.com", invited_by=None)
    [message] = _outbox(db_session, "req@example.com")
    assert invitation.token in message.body_text


def test_inviting_again_resends_the_same_pending_invitation(db_session):
    org = make_org()
    first = services.invite_member(org, email="twice@example.com", invited_by=None, days=1)
    second = services.invite_member(org, email="TWICE@example.com", invited_by=None, days=10)
    assert second.id == first.id and second.token == first.token
    assert second.expires_at - utcnow() > timedelta(days=9)
    assert len(_outbox(db_session, "twice@example.com")) == 2
    assert _count(db_session, OrgMemberInvitation, OrgMemberInvitation.org_id == org.id) == 1


@pytest.mark.parametrize("kwargs", [
    {"email": "not-an-email"},
    {"email": "a@b"},
    {"membership_type": "vip"},
    {"days": 0},
    {"days": 365},
])
def test_invite_member_validates_its_input(db_session, kwargs):
    data = {"email": "ok@example.com", "invited_by": None, **kwargs}
    with pytest.raises(ValidationError):
        services.invite_member(make_org(), **data)


def test_only_inviting_roles_of_the_same_org_may_invite(db_session):
    org = make_org()
    with pytest.raises(PermissionDeniedError):
        services.invite_member(org, email="x@example.com", invited_by=make_employee(org, role="creator"))
    with pytest.raises(NotFoundError):
        services.invite_member(org, email="x@example.com", invited_by=make_employee(make_org(), role="admin"))


def test_inviting_an_existing_member_is_a_conflict(db_session):
    org = make_org()
    user = make_user("member@example.com")
    make_member(org, user)
    with pytest.raises(ConflictError):
        services.invite_member(org, email="member@example.com", invited_by=None)


def test_accept_member_invitation_creates_the_membership_once(db_session):
    org = make_org()
    invitation = services.invite_member(org, email="learner@example.com", invited_by=None,
                                        membership_type="community_member")
    user = make_user("learner@example.com")
    member = services.accept_member_invitation(invitation.token, user)
    assert member.org_id == org.id and member.membership_type == "community_member"
    assert invitation.status == "accepted" and invitation.member_id == member.id
    assert invitation.accepted_at is not None
    assert services.accept_member_invitation(invitation.token, user).id == member.id  # double click
    with pytest.raises(ConflictError):
        services.accept_member_invitation(invitation.token, make_user())  # used by someone else


def test_an_expired_member_invitation_cannot_be_accepted(db_session):
    invitation = services.invite_member(make_org(), email="late@example.com", invited_by=None)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(ConflictError, match="expired"):
        services.accept_member_invitation(invitation.token, make_user("late@example.com"))
    assert services.invitation_status(invitation) == "expired"  # computed: a pending one past its date


def test_unknown_or_declined_member_invitations_are_refused(db_session):
    with pytest.raises(NotFoundError):
        services.accept_member_invitation("no-such-token", make_user())
    invitation = services.invite_member(make_org(), email="no@example.com", invited_by=None)
    services.decline_member_invitation(invitation.token)
    with pytest.raises(ConflictError):
        services.accept_member_invitation(invitation.token, make_user("no@example.com"))
    with pytest.raises(InvalidTransitionError):
        services.decline_member_invitation(invitation.token)


def test_an_invitation_of_an_inactive_org_is_not_valid(db_session):
    org = make_org()
    invitation = services.invite_member(org, email="closed@example.com", invited_by=None)
    org.is_active = False
    with pytest.raises(NotFoundError):
        services.accept_member_invitation(invitation.token, make_user("closed@example.com"))


# ---- employee invitations ---------------------------------------------------------------------

@pytest.fixture
def team(db_session):
    org = make_org(name="Team Org")
    return org, make_employee(org, role="admin"), make_employee(org, role="manager")


def test_employee_invitation_flow_pending_approved_accepted(db_session, team):
    org, admin, manager = team
    invitation = services.invite_employee(org, email="hire@example.com", role="creator", invited_by=manager)
    assert invitation.status == "pending"
    assert _outbox(db_session, "hire@example.com") == []  # nothing is sent before approval
    hire = make_user("hire@example.com")
    with pytest.raises(NotFoundError):  # its link was never sent: the token proves nothing yet
        services.accept_employee_invitation(invitation.token, hire)

    with pytest.raises(PermissionDeniedError):
        services.approve_employee_invitation(invitation, approver=manager)
    services.approve_employee_invitation(invitation, approver=admin)
    assert invitation.status == "approved" and invitation.approved_by_employee_id == admin.id
    [message] = _outbox(db_session, "hire@example.com")
    assert f"/invitations/employee/{invitation.token}" in message.body_text

    employee = services.accept_employee_invitation(invitation.token, hire)
    assert employee.org_id == org.id and employee.role == "creator" and employee.is_active
    assert invitation.status == "accepted" and invitation.employee_id == employee.id
    assert services.accept_employee_invitation(invitation.token, hire).id == employee.id
    actions = db_session.scalars(
        sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == invitation.id).order_by(OrgAuditLog.created_at)
    ).all()
    assert actions == ["employee_invitation.created", "employee_invitation.approved", "employee_invitation.accepted"]


def test_employee_invitation_must_be_accepted_by_the_invited_email(db_session, team):
    org, admin, _manager = team
    invitation = services.invite_employee(org, email="right@example.com", role="staff", invited_by=admin)
    services.approve_employee_invitation(invitation, approver=admin)
    with pytest.raises(PermissionDeniedError):
        services.accept_employee_invitation(invitation.token, make_user("wrong@example.com"))
    assert invitation.status == "approved"


def test_an_approved_invitation_expires(db_session, team):
    org, admin, _manager = team
    invitation = services.invite_employee(org, email="slow@example.com", role="staff", invited_by=admin)
    services.approve_employee_invitation(invitation, approver=admin)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(ConflictError, match="expired"):
        services.accept_employee_invitation(invitation.token, make_user("slow@example.com"))
    assert services.invitation_status(invitation) == "expired"


def test_only_pending_invitations_can_be_approved(db_session, team):
    org, admin, _manager = team
    invitation = services.invite_employee(org, email="twice@example.com", role="staff", invited_by=admin)
    services.approve_employee_invitation(invitation, approver=admin)
    with pytest.raises(InvalidTransitionError):
        services.approve_employee_invitation(invitation, approver=admin)
    assert len(_outbox(db_session, "twice@example.com")) == 1


def test_an_admin_of_another_org_cannot_approve(db_session, team):
    org, admin, _manager = team
    invitation = services.invite_employee(org, email="x@example.com", role="staff", invited_by=admin)
    with pytest.raises(NotFoundError):
        services.approve_employee_invitation(invitation, approver=make_employee(make_org(), role="admin"))
    assert invitation.status == "pending"


def test_cancelled_and_declined_invitations_cannot_be_accepted(db_session, team):
    org, admin, manager = team
    cancelled = services.invite_employee(org, email="c@example.com", role="staff", invited_by=manager)
    services.cancel_employee_invitation(cancelled, by=manager)  # the inviting manager may withdraw it
    declined = services.invite_employee(org, email="d@example.com", role="staff", invited_by=admin)
    services.approve_employee_invitation(declined, approver=admin)
    decliner = make_user("d@example.com")
    services.decline_employee_invitation(declined.token, decliner)
    assert (cancelled.status, declined.status) == ("cancelled", "declined")
    with pytest.raises(NotFoundError):  # cancelled before approval: never sent
        services.accept_employee_invitation(cancelled.token, make_user("c@example.com"))
    with pytest.raises(ConflictError):
        services.accept_employee_invitation(declined.token, decliner)
    with pytest.raises(InvalidTransitionError):
        services.cancel_employee_invitation(declined, by=admin)


def test_a_manager_cannot_cancel_someone_elses_invitation(db_session, team):
    org, admin, manager = team
    invitation = services.invite_employee(org, email="e@example.com", role="staff", invited_by=admin)
    with pytest.raises(PermissionDeniedError):
        services.cancel_employee_invitation(invitation, by=manager)


def test_invite_employee_refuses_duplicates_and_non_inviters(db_session, team):
    org, admin, manager = team
    services.invite_employee(org, email="dup@example.com", role="staff", invited_by=manager)
    with pytest.raises(ConflictError):
        services.invite_employee(org, email="DUP@example.com", role="creator", invited_by=admin)
    colleague = make_user("colleague@example.com")
    make_employee(org, colleague, role="staff")
    with pytest.raises(ConflictError):
        services.invite_employee(org, email="colleague@example.com", role="manager", invited_by=admin)
    with pytest.raises(PermissionDeniedError):
        services.invite_employee(org, email="z@example.com", role="staff",
                                 invited_by=make_employee(org, role="creator"))
    with pytest.raises(ValidationError):
        services.invite_employee(org, email="z@example.com", role="owner", invited_by=admin)


def test_accepting_with_a_different_current_role_is_a_conflict(db_session, team):
    org, admin, _manager = team
    user = make_user("already@example.com")
    invitation = services.invite_employee(org, email="already@example.com", role="manager", invited_by=admin)
    services.approve_employee_invitation(invitation, approver=admin)
    make_employee(org, user, role="staff")  # joined by another path meanwhile
    with pytest.raises(ConflictError):
        services.accept_employee_invitation(invitation.token, user)


# ---- audit log ----------------------------------------------------------------------------------

def test_audit_records_the_employees_user_and_refuses_other_orgs(db_session):
    org = make_org()
    user = make_user()
    employee = make_employee(org, user, role="admin")
    entry = services.audit(org, action="org.updated", entity_type="org", entity_id=org.id,
                           actor_employee=employee, data={"field": "name"})
    assert entry.actor_user_id == user.id and entry.actor_employee_id == employee.id
    with pytest.raises(NotFoundError):
        services.audit(make_org(), action="x", entity_type="org", actor_employee=employee)


# ---- job profiles (app/accounts/jobs.py, used to link employees) --------------------------------

def test_create_job_profile_validates_and_links_skills(db_session):
    from app.accounts.jobs import create_job_profile, get_public_job_profile

    db_session.add(Skill(slug="python", name="Python"))
    db_session.flush()
    user = make_user(display_name="Jane Doe")
    job = create_job_profile(user, slug="Jane-Doe", title="Python teacher", years_of_experience=5,
                             hourly_rate=Decimal("80.50"), skill_slugs=["python", "python"])
    assert job.slug == "jane-doe" and job.hourly_rate == Decimal("80.50")
    assert [s.skill.slug for s in job.skills] == ["python"]
    assert job.profile.type == "job" and job.profile.display_name == "Jane Doe"
    assert get_public_job_profile("jane-doe") is job
    job.is_public = False
    db_session.flush()
    assert get_public_job_profile("jane-doe") is None

    for kwargs in ({"slug": "jane-doe"}, {"slug": "-bad"}, {"title": ""}, {"years_of_experience": -1},
                   {"hourly_rate": Decimal("-1")}, {"hourly_rate": Decimal("1.001")}, {"skill_slugs": ["cobol"]}):
        data = {"slug": "another", "title": "Teacher", **kwargs}
        with pytest.raises(ValidationError):
            create_job_profile(user, **data)
    assert _count(db_session, UserJobProfile) == 1
