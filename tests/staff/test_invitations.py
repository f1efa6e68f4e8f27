"""Invitations in the dashboard (/dashboard/<org>/invitations...) and the accept pages the emails
link to (/invitations/member/<token>, /invitations/employee/<token>): who may open what, single
and bulk member invitations with their report, expiry, resend, cancel, employee invitations with
an admin's approval (never the inviter's own), the accounts they create, the audit log, and a
list's query count that does not grow with its rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.db import new_id, utcnow
from app.extensions import db
from app.orgs import services
from app.orgs.models import Org, OrgAuditLog, OrgEmployee, OrgEmployeeInvitation, OrgMemberInvitation
from app.platform.models import EmailOutbox
from tests.factories import (
    PASSWORD,
    make_employee,
    make_job_profile,
    make_market,
    make_member,
    make_org,
    make_user,
    unique,
)

NEW_PASSWORD = "violet kettle harbour 42"


def text(response) -> str:
    return response.get_data(as_text=True)


@dataclass
class Team:
    org_id: str
    slug: str
    admin: str
    admin2: str
    manager: str
    creator: str
    staff: str
    member: str
    outsider: str  # an admin of another org

    @property
    def dashboard(self) -> str:
        return f"/dashboard/{self.slug}"

    def employee(self, email: str) -> OrgEmployee:
        return db.session.scalar(sa.select(OrgEmployee).join(OrgEmployee.member).join(
            OrgEmployee.member.property.mapper.class_.user_profile).join(User).where(
            User.email == email, OrgEmployee.org_id == self.org_id))


@pytest.fixture
def team(app) -> Team:
    with app.app_context():
        org = make_org(unique("team"), name="Team School")
        make_market(org, "eu", name="Europe", locale_keys=("en",), default_locale_key="en")
        emails = {}
        for role_key, role in (("admin", "admin"), ("admin2", "admin"), ("manager", "manager"),
                               ("creator", "creator"), ("staff", "staff")):
            user = make_user(f"{unique(role_key)}@example.com")
            make_employee(org, user, role=role)
            emails[role_key] = user.email
        member = make_user(f"{unique('member')}@example.com")
        make_member(org, member)
        outsider = make_user(f"{unique('outsider')}@example.com")
        make_employee(make_org(unique("other")), outsider, role="admin")
        db.session.commit()
        return Team(org.id, org.slug, member=member.email, outsider=outsider.email, **emails)


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def _outbox(email: str) -> list[EmailOutbox]:
    return list(db.session.scalars(sa.select(EmailOutbox).where(EmailOutbox.to_email == email)
                                   .order_by(EmailOutbox.created_at)))


def _link(email: str) -> str:
    """The path of the last invitation link emailed to ``email``."""
    body = _outbox(email)[-1].body_text
    return re.search(r"https?://[^/\s]+(/invitations/\S+)", body).group(1)


def _member_invitation(team: Team, email: str, *, by: str | None = None, days: int = 14) -> str:
    org = db.session.get(Org, team.org_id)
    return services.invite_member(org, email=email, invited_by=team.employee(by or team.admin), days=days).id


def _employee_invitation(team: Team, email: str, *, by: str, role: str = "creator", approve_by: str | None = None):
    org = db.session.get(Org, team.org_id)
    invitation = services.invite_employee(org, email=email, role=role, invited_by=team.employee(by))
    if approve_by:
        services.approve_employee_invitation(invitation, approver=team.employee(approve_by))
    return invitation


# ---- who may open what ------------------------------------------------------------------------------

@pytest.fixture
def targets(app, team):
    """One member and one employee invitation of the team's org (ids), for the routes that act on one."""
    with app.app_context():
        member_inv = _member_invitation(team, "target@example.com")
        employee_inv = _employee_invitation(team, "hire@example.com", by=team.manager).id
        db.session.commit()
    return member_inv, employee_inv


ROUTES = [
    # (method, path after the dashboard, {role: expected status}); a manager may not approve or decline.
    ("GET", "/invitations", {"admin": 200, "manager": 200}),
    ("GET", "/invitations?format=csv", {"admin": 200, "manager": 200}),
    ("GET", "/invitations/new", {"admin": 200, "manager": 200}),
    ("GET", "/invitations/bulk", {"admin": 200, "manager": 200}),
    ("GET", "/invitations/employees", {"admin": 200, "manager": 200}),
    ("GET", "/invitations/employees?format=csv", {"admin": 200, "manager": 200}),
    ("GET", "/invitations/employees/new", {"admin": 200, "manager": 200}),
    ("POST", "/invitations/new", {"admin": 303, "manager": 303}),
    ("POST", "/invitations/bulk", {"admin": 200, "manager": 200}),
    ("POST", "/invitations/employees/new", {"admin": 303, "manager": 303}),
    ("POST", "/invitations/{m}/resend", {"admin": 303, "manager": 303}),
    ("POST", "/invitations/{m}/cancel", {"admin": 303, "manager": 303}),
    ("POST", "/invitations/employees/{e}/approve", {"admin": 303, "manager": 403}),
    ("POST", "/invitations/employees/{e}/decline", {"admin": 303, "manager": 403}),
    ("POST", "/invitations/employees/{e}/cancel", {"admin": 303, "manager": 303}),
]


def _form_for(path: str) -> dict:
    if path.endswith("/bulk"):
        return {"emails": f"{unique('bulk')}@example.com", "membership_type": "learner", "days": "14"}
    if path.endswith("/employees/new"):
        return {"email": f"{unique('emp')}@example.com", "role": "staff", "days": "14"}
    if path.endswith("/new"):
        return {"email": f"{unique('new')}@example.com", "membership_type": "learner", "days": "14"}
    return {}


@pytest.mark.parametrize("role", ["admin", "manager", "creator", "staff", "outsider", "member"])
@pytest.mark.parametrize("method, path, allowed", ROUTES, ids=[f"{m} {p}" for m, p, _a in ROUTES])
def test_every_invitation_route_answers_each_role_as_the_matrix_says(app, login, team, targets, role, method,
                                                                     path, allowed):
    member_inv, employee_inv = targets
    url = team.dashboard + path.format(m=member_inv, e=employee_inv)
    client = _as(app, login, getattr(team, role))
    response = client.get(url) if method == "GET" else client.post(url, data=_form_for(path))
    expected = {"outsider": 404, "member": 403}.get(role, allowed.get(role, 403))
    assert response.status_code == expected, (role, method, url, text(response)[:300])


def test_nobody_signed_out_reaches_the_dashboard_pages(client, team):
    assert client.get(f"{team.dashboard}/invitations").status_code in (302, 401)


def test_an_invitation_of_another_org_is_not_found(app, login, team):
    with app.app_context():
        other = make_org(unique("elsewhere"))
        foreign = services.invite_member(other, email="foreign@example.com", invited_by=None).id
        db.session.commit()
    admin = _as(app, login, team.admin)
    assert admin.post(f"{team.dashboard}/invitations/{foreign}/cancel").status_code == 404
    assert admin.post(f"{team.dashboard}/invitations/employees/{foreign}/approve").status_code == 404
    with app.app_context():
        assert db.session.get(OrgMemberInvitation, foreign).status == "pending"


# ---- member invitations -----------------------------------------------------------------------------

def test_inviting_one_member_sends_the_email_and_lists_the_invitation(app, login, team):
    manager = _as(app, login, team.manager)
    r = manager.post(f"{team.dashboard}/invitations/new",
                     data={"email": " Ada@Example.com ", "membership_type": "customer", "days": "7"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"{team.dashboard}/invitations")
    page = text(manager.get(f"{team.dashboard}/invitations"))
    assert "ada@example.com" in page and "Customer" in page and "Pending" in page
    with app.app_context():
        [message] = _outbox("ada@example.com")
        assert "/invitations/member/" in message.body_text and "Team School" in message.subject
        invitation = db.session.scalar(sa.select(OrgMemberInvitation).where(OrgMemberInvitation.email == "ada@example.com"))
        assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)


@pytest.mark.parametrize("data, message", [
    ({"email": "not-an-address", "membership_type": "learner", "days": "14"}, "valid email"),
    ({"email": "x@example.com", "membership_type": "owner", "days": "14"}, "Not a valid choice"),
    ({"email": "x@example.com", "membership_type": "learner", "days": "0"}, "from 1 to 90"),
    ({"email": "x@example.com", "membership_type": "learner", "days": "abc"}, "from 1 to 90"),
])
def test_bad_input_gets_a_message_and_nothing_is_sent(app, login, team, data, message):
    admin = _as(app, login, team.admin)
    r = admin.post(f"{team.dashboard}/invitations/new", data=data)
    assert r.status_code == 422 and message in text(r)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberInvitation)
                                 .where(OrgMemberInvitation.org_id == team.org_id)) == 0


def test_inviting_an_existing_member_says_so(app, login, team):
    admin = _as(app, login, team.admin)
    r = admin.post(f"{team.dashboard}/invitations/new", data={"email": team.member, "membership_type": "learner",
                                                              "days": "14"})
    assert r.status_code == 422 and "already a member" in text(r)


def test_bulk_paste_reports_each_entry(app, login, team):
    with app.app_context():
        _member_invitation(team, "already@example.com")
        db.session.commit()
    admin = _as(app, login, team.admin)
    pasted = f"one@example.com, two@example.com\n\nnot-an-email; {team.member}\nalready@example.com ONE@example.com\n"
    r = admin.post(f"{team.dashboard}/invitations/bulk",
                   data={"emails": pasted, "membership_type": "learner", "days": "14"})
    html = text(r)
    assert r.status_code == 200
    rows = re.findall(r'<tr data-outcome="(\w+)">\s*<td class="num">(\d+)</td>\s*<td>([^<]*)</td>'
                      r'.*?<td>([^<]*)</td>\s*</tr>', html, re.S)
    assert [(o, int(n), e) for o, n, e, _r in rows] == [
        ("invited", 1, "one@example.com"), ("invited", 1, "two@example.com"), ("refused", 3, "not-an-email"),
        ("skipped", 3, team.member), ("skipped", 4, "already@example.com"), ("skipped", 4, "ONE@example.com"),
    ]
    reasons = [r for *_x, r in rows]
    assert "valid email" in reasons[2] and reasons[3] == "Already a member." and reasons[4] == "Already invited."
    assert reasons[5] == "Listed twice."
    assert 'data-invited="2" data-skipped="3" data-refused="1"' in html
    with app.app_context():
        assert len(_outbox("one@example.com")) == 1 and len(_outbox("already@example.com")) == 1


def test_bulk_csv_upload_with_a_header_and_an_invalid_line(app, login, team):
    admin = _as(app, login, team.admin)
    csv_bytes = "\ufeffName;E-mail\nAna;ana@example.com\nBo;bo@example\nCy;cy@example.com\n".encode()
    r = admin.post(f"{team.dashboard}/invitations/bulk", content_type="multipart/form-data",
                   data={"emails": "", "membership_type": "community_member", "days": "30",
                         "file": (BytesIO(csv_bytes), "people.csv")})
    html = text(r)
    assert r.status_code == 200
    assert re.findall(r'<tr data-outcome="(\w+)">\s*<td class="num">(\d+)</td>\s*<td>([^<]*)</td>', html) == [
        ("invited", "2", "ana@example.com"), ("refused", "3", "bo@example"), ("invited", "4", "cy@example.com")]
    with app.app_context():
        types = set(db.session.scalars(sa.select(OrgMemberInvitation.type).where(
            OrgMemberInvitation.org_id == team.org_id)))
        assert types == {"community_member"}


def test_bulk_refuses_a_file_that_is_not_text_and_too_many_entries(app, login, team):
    admin = _as(app, login, team.admin)
    r = admin.post(f"{team.dashboard}/invitations/bulk", content_type="multipart/form-data",
                   data={"membership_type": "learner", "days": "14",
                         "file": (BytesIO(b"\xff\xfe\x00\x00binary"), "photo.csv")})
    assert r.status_code == 422 and "UTF-8" in text(r)
    many = "\n".join(f"p{i}@example.com" for i in range(services.BULK_INVITE_MAX + 1))
    r = admin.post(f"{team.dashboard}/invitations/bulk", data={"emails": many, "membership_type": "learner",
                                                               "days": "14"})
    assert r.status_code == 422 and f"at most {services.BULK_INVITE_MAX}" in text(r)
    r = admin.post(f"{team.dashboard}/invitations/bulk", data={"emails": " \n ", "membership_type": "learner",
                                                               "days": "14"})
    assert r.status_code == 422 and "at least one" in text(r)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberInvitation)
                                 .where(OrgMemberInvitation.org_id == team.org_id)) == 0


def test_a_pending_invitation_past_its_date_is_expired_everywhere_until_sent_again(app, login, team):
    with app.app_context():
        late = _member_invitation(team, "late@example.com")
        fresh = _member_invitation(team, "fresh@example.com")
        db.session.get(OrgMemberInvitation, late).expires_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        token = db.session.get(OrgMemberInvitation, late).token
    admin = _as(app, login, team.admin)
    listed = dict(re.findall(r'data-invitation="(\w+)" data-status="(\w+)"', text(admin.get(f"{team.dashboard}/invitations"))))
    assert listed == {late: "expired", fresh: "pending"}
    only_expired = text(admin.get(f"{team.dashboard}/invitations?status=expired"))
    assert late in only_expired and fresh not in only_expired
    only_pending = text(admin.get(f"{team.dashboard}/invitations?status=pending"))
    assert fresh in only_pending and late not in only_pending
    csv_text = text(admin.get(f"{team.dashboard}/invitations?format=csv"))
    assert re.search(r"late@example.com,Learner,Expired", csv_text)
    # The accept page says so, and accepting is refused.
    visitor = app.test_client()
    page = visitor.get(f"/invitations/member/{token}")
    assert page.status_code == 200 and "has expired" in text(page) and "Create your account" not in text(page)
    r = visitor.post(f"/invitations/member/{token}/join", data={"display_name": "Late", "password": NEW_PASSWORD,
                                                                "confirm": NEW_PASSWORD})
    assert r.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "late@example.com")) is None

    # Sending again gives a new date and a second email with the same link.
    r = admin.post(f"{team.dashboard}/invitations/{late}/resend")
    assert r.status_code == 303
    with app.app_context():
        invitation = db.session.get(OrgMemberInvitation, late)
        assert services.invitation_status(invitation) == "pending" and invitation.expires_at > utcnow() + timedelta(days=13)
        assert len(_outbox("late@example.com")) == 2 and token in _outbox("late@example.com")[-1].body_text
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == late,
                                                               OrgAuditLog.action == "member_invitation.resent"))
        assert entry.data["before"]["status"] == "expired" and entry.data["after"]["status"] == "pending"


def test_cancel_then_the_link_is_dead_and_cancelling_again_is_a_conflict(app, login, team):
    with app.app_context():
        inv = _member_invitation(team, "gone@example.com")
        db.session.commit()
        token = db.session.get(OrgMemberInvitation, inv).token
    admin = _as(app, login, team.admin)
    assert admin.post(f"{team.dashboard}/invitations/{inv}/cancel").status_code == 303
    again = admin.post(f"{team.dashboard}/invitations/{inv}/cancel")
    assert again.status_code == 409 and "no longer pending" in text(again)
    assert admin.post(f"{team.dashboard}/invitations/{inv}/resend").status_code == 409
    page = text(app.test_client().get(f"/invitations/member/{token}"))
    assert "cancelled by the organization" in page
    with app.app_context():
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == inv,
                                                               OrgAuditLog.action == "member_invitation.cancelled"))
        assert entry.data == {"before": {"status": "pending"}, "after": {"status": "cancelled"}}
        assert entry.actor_employee_id == team.employee(team.admin).id


# ---- the member accept page -----------------------------------------------------------------------

def test_a_new_person_creates_the_account_joins_and_lands_in_the_store(app, team):
    with app.app_context():
        _member_invitation(team, "newbie@example.com")
        db.session.commit()
        path = _link("newbie@example.com")
    visitor = app.test_client()
    page = text(visitor.get(path))
    assert "Join Team School" in page and "newbie@example.com" in page and "Create your account" in page
    assert f'href="/account/login?next={path}"' in page
    weak = visitor.post(path + "/join", data={"display_name": "Newbie", "password": "newbie12345",
                                              "confirm": "newbie12345"})
    assert weak.status_code == 422 and "name or email" in text(weak)
    r = visitor.post(path + "/join", data={"display_name": "Newbie", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == f"/{team.slug}/eu/"
    assert visitor.get("/account/").status_code == 200  # signed in
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "newbie@example.com"))
        assert user.email_verified_at is not None
        member = services.get_member(team.org_id, user)
        assert member.membership_type == "learner"
        invitation = db.session.scalar(sa.select(OrgMemberInvitation).where(OrgMemberInvitation.email == "newbie@example.com"))
        assert invitation.status == "accepted" and invitation.member_id == member.id
        assert [m.kind for m in _outbox("newbie@example.com")] == ["org_member_invitation"]  # no confirmation email
    assert "already been accepted" in text(visitor.get(path))


def test_an_existing_account_is_asked_to_log_in_and_comes_back(app, login, team):
    with app.app_context():
        make_user("known@example.com")
        _member_invitation(team, "known@example.com")
        db.session.commit()
        path = _link("known@example.com")
    visitor = app.test_client()
    page = text(visitor.get(path))
    assert "already has an account" in page and "Create your account" not in page
    r = visitor.post(path + "/join", data={"display_name": "K", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 409 and "already exists" in text(r)
    r = login(visitor, "known@example.com", PASSWORD, next=path)
    assert r.headers["Location"] == path
    assert "Accept and join" in text(visitor.get(path))
    r = visitor.post(path + "/accept")
    assert r.status_code == 303 and r.headers["Location"] == f"/{team.slug}/eu/"


def test_a_signed_in_user_with_another_address_is_told_and_may_accept(app, login, team):
    with app.app_context():
        _member_invitation(team, "forwarded@example.com")
        other = make_user(f"{unique('reader')}@example.com")
        db.session.commit()
        path, other_email = _link("forwarded@example.com"), other.email
    reader = _as(app, login, other_email)
    page = text(reader.get(path))
    assert "This invitation was sent to forwarded@example.com" in page and other_email in page
    assert reader.post(path + "/accept").status_code == 303
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == other_email))
        assert services.get_member(team.org_id, user) is not None


def test_declining_a_member_invitation_needs_no_account(app, team):
    with app.app_context():
        inv = _member_invitation(team, "nothanks@example.com")
        db.session.commit()
        path = _link("nothanks@example.com")
    visitor = app.test_client()
    assert visitor.post(path + "/decline").status_code == 303
    assert "was declined" in text(visitor.get(path))
    assert visitor.post(path + "/decline").status_code == 409
    with app.app_context():
        assert db.session.get(OrgMemberInvitation, inv).status == "declined"


def test_an_unknown_token_is_not_found(client):
    for path in ("/invitations/member/nope", "/invitations/employee/nope", "/invitations/member/" + "x" * 200):
        assert client.get(path).status_code == 404
    assert client.post("/invitations/member/nope/join", data={}).status_code == 404


# ---- employee invitations ---------------------------------------------------------------------------

def _audit(invitation_id: str) -> list[OrgAuditLog]:
    return list(db.session.scalars(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == invitation_id)
                                   .order_by(OrgAuditLog.created_at, OrgAuditLog.id)))


def test_manager_invites_admin_approves_invitee_joins_as_creator(app, login, team):
    manager = _as(app, login, team.manager)
    r = manager.post(f"{team.dashboard}/invitations/employees/new",
                     data={"email": "newcreator@example.com", "role": "creator", "days": "14"})
    assert r.status_code == 303
    with app.app_context():
        invitation = db.session.scalar(sa.select(OrgEmployeeInvitation).where(
            OrgEmployeeInvitation.email == "newcreator@example.com"))
        inv_id, token = invitation.id, invitation.token
        assert _outbox("newcreator@example.com") == []  # nothing is sent before an admin approves
    assert f'data-invitation="{inv_id}" data-status="pending"' in text(manager.get(f"{team.dashboard}/invitations/employees"))
    # The token of an invitation nobody approved proves nothing yet.
    assert app.test_client().get(f"/invitations/employee/{token}").status_code == 404
    assert manager.post(f"{team.dashboard}/invitations/employees/{inv_id}/approve").status_code == 403

    admin = _as(app, login, team.admin)
    assert admin.post(f"{team.dashboard}/invitations/employees/{inv_id}/approve").status_code == 303
    # The inviter sees the status and who approved.
    listed = text(manager.get(f"{team.dashboard}/invitations/employees"))
    assert f'data-invitation="{inv_id}" data-status="approved"' in listed and "Approved, sent" in listed
    with app.app_context():
        path = _link("newcreator@example.com")
    visitor = app.test_client()
    assert "as Creator" in text(visitor.get(path))
    r = visitor.post(path + "/join", data={"display_name": "New Creator", "password": NEW_PASSWORD,
                                           "confirm": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == f"{team.dashboard}/"
    assert visitor.get(f"{team.dashboard}/").status_code == 200
    with app.app_context():
        employee = team.employee("newcreator@example.com")
        assert employee.role == "creator" and employee.is_active
        entries = _audit(inv_id)
        assert [e.action for e in entries] == ["employee_invitation.created", "employee_invitation.approved",
                                               "employee_invitation.accepted"]
        created, approved, accepted = entries
        assert created.data["before"] == {} and created.data["after"]["role"] == "creator"
        assert created.actor_employee_id == team.employee(team.manager).id
        assert approved.data["before"] == {"status": "pending"} and approved.data["after"]["status"] == "approved"
        assert approved.actor_employee_id == team.employee(team.admin).id
        assert accepted.data["before"] == {"status": "approved"} and accepted.data["after"]["status"] == "accepted"
        assert accepted.actor_employee_id == employee.id


def test_an_admin_cannot_approve_their_own_invitation_while_another_admin_can(app, login, team):
    with app.app_context():
        inv = _employee_invitation(team, "selfie@example.com", by=team.admin).id
        db.session.commit()
    admin = _as(app, login, team.admin)
    assert "Another admin approves it." in text(admin.get(f"{team.dashboard}/invitations/employees"))
    r = admin.post(f"{team.dashboard}/invitations/employees/{inv}/approve")
    assert r.status_code == 403
    assert admin.post(f"{team.dashboard}/invitations/employees/{inv}/decline").status_code == 403
    with app.app_context():
        assert db.session.get(OrgEmployeeInvitation, inv).status == "pending"
        assert _outbox("selfie@example.com") == []
    other = _as(app, login, team.admin2)
    assert other.post(f"{team.dashboard}/invitations/employees/{inv}/approve").status_code == 303


def test_the_only_admin_of_an_org_decides_on_their_own_invitations(db_session):
    org = make_org()
    admin = make_employee(org, role="admin")
    invitation = services.invite_employee(org, email="solo@example.com", role="staff", invited_by=admin)
    services.approve_employee_invitation(invitation, approver=admin)
    assert invitation.status == "approved"
    second = make_employee(org, role="admin")
    another = services.invite_employee(org, email="duo@example.com", role="staff", invited_by=admin)
    with pytest.raises(services.PermissionDeniedError):
        services.approve_employee_invitation(another, approver=admin)
    services.approve_employee_invitation(another, approver=second)


def test_an_admin_declines_and_the_inviter_sees_it(app, login, team):
    with app.app_context():
        inv = _employee_invitation(team, "nope@example.com", by=team.manager).id
        db.session.commit()
    admin = _as(app, login, team.admin)
    assert admin.post(f"{team.dashboard}/invitations/employees/{inv}/decline").status_code == 303
    manager = _as(app, login, team.manager)
    listed = text(manager.get(f"{team.dashboard}/invitations/employees?status=declined"))
    assert f'data-invitation="{inv}" data-status="declined"' in listed and "Declined by an admin" in listed
    again = admin.post(f"{team.dashboard}/invitations/employees/{inv}/approve")
    assert again.status_code == 409
    with app.app_context():
        assert _outbox("nope@example.com") == []
        [_created, declined] = _audit(inv)
        assert declined.action == "employee_invitation.declined"
        assert declined.data == {"before": {"status": "pending"}, "after": {"status": "declined"}}


def test_resend_and_cancel_an_employee_invitation(app, login, team):
    with app.app_context():
        inv = _employee_invitation(team, "resend@example.com", by=team.manager, approve_by=team.admin)
        inv.expires_at = utcnow() - timedelta(days=1)
        inv_id, token = inv.id, inv.token
        db.session.commit()
    manager = _as(app, login, team.manager)
    assert f'data-invitation="{inv_id}" data-status="expired"' in text(manager.get(f"{team.dashboard}/invitations/employees"))
    assert "has expired" in text(app.test_client().get(f"/invitations/employee/{token}"))
    assert manager.post(f"{team.dashboard}/invitations/employees/{inv_id}/resend").status_code == 303
    with app.app_context():
        assert len(_outbox("resend@example.com")) == 2
        assert services.invitation_status(db.session.get(OrgEmployeeInvitation, inv_id)) == "approved"
    assert "Create your account" in text(app.test_client().get(f"/invitations/employee/{token}"))
    assert manager.post(f"{team.dashboard}/invitations/employees/{inv_id}/cancel").status_code == 303
    assert "cancelled by the organization" in text(app.test_client().get(f"/invitations/employee/{token}"))
    with app.app_context():
        actions = [e.action for e in _audit(inv_id)]
        assert actions == ["employee_invitation.created", "employee_invitation.approved",
                           "employee_invitation.resent", "employee_invitation.cancelled"]


def test_a_manager_cannot_resend_or_cancel_another_inviters_invitation(app, login, team):
    with app.app_context():
        inv = _employee_invitation(team, "notyours@example.com", by=team.admin, approve_by=team.admin2).id
        db.session.commit()
    manager = _as(app, login, team.manager)
    assert manager.post(f"{team.dashboard}/invitations/employees/{inv}/resend").status_code == 403
    assert manager.post(f"{team.dashboard}/invitations/employees/{inv}/cancel").status_code == 403


def test_an_existing_user_accepts_with_a_job_profile(app, login, team):
    with app.app_context():
        user = make_user(f"{unique('pro')}@example.com")
        job = make_job_profile(user, title="Data Coach")
        _employee_invitation(team, user.email, by=team.manager, role="staff", approve_by=team.admin)
        db.session.commit()
        email, job_id, path = user.email, job.id, _link(user.email)
    pro = _as(app, login, email)
    page = text(pro.get(path))
    assert "Data Coach" in page and "Accept and join the team" in page
    foreign = pro.post(path + "/accept", data={"job_profile_id": "not-mine"})
    assert foreign.status_code == 422
    r = pro.post(path + "/accept", data={"job_profile_id": job_id})
    assert r.status_code == 303 and r.headers["Location"] == f"{team.dashboard}/"
    with app.app_context():
        employee = team.employee(email)
        assert employee.role == "staff" and employee.job_profile_id == job_id


def test_an_employee_invitation_is_for_its_address_only(app, login, team):
    with app.app_context():
        _employee_invitation(team, "invited@example.com", by=team.manager, approve_by=team.admin)
        db.session.commit()
        path = _link("invited@example.com")
    someone = _as(app, login, team.member)
    page = text(someone.get(path))
    assert "you are logged in as" in page and "Accept and join the team" not in page
    r = someone.post(path + "/accept")
    assert r.status_code == 403
    with app.app_context():
        assert team.employee(team.member) is None


def test_the_invitee_declines_an_employee_invitation(app, team):
    with app.app_context():
        inv = _employee_invitation(team, "busy@example.com", by=team.manager, approve_by=team.admin).id
        db.session.commit()
        path = _link("busy@example.com")
    visitor = app.test_client()
    assert visitor.post(path + "/decline").status_code == 303
    assert "was declined" in text(visitor.get(path))
    with app.app_context():
        invitation = db.session.get(OrgEmployeeInvitation, inv)
        assert invitation.status == "declined" and invitation.approved_at is not None
        assert _audit(inv)[-1].action == "employee_invitation.declined"


# ---- the lists' query count -------------------------------------------------------------------------

def _add_invitations(team: Team, count: int) -> None:
    now = utcnow()
    inviter = team.employee(team.manager).id
    db.session.execute(sa.insert(OrgMemberInvitation), [
        {"id": new_id(), "org_id": team.org_id, "email": f"m{i}-{new_id()[:6]}@example.com", "type": "learner",
         "status": ("pending", "accepted", "declined", "cancelled")[i % 4], "token": new_id() + new_id(),
         "expires_at": now + timedelta(days=(i % 3) - 1), "invited_by_employee_id": inviter,
         "created_at": now, "updated_at": now} for i in range(count)])
    db.session.execute(sa.insert(OrgEmployeeInvitation), [
        {"id": new_id(), "org_id": team.org_id, "email": f"e{i}-{new_id()[:6]}@example.com", "role": "staff",
         "status": ("pending", "approved", "declined")[i % 3], "token": new_id() + new_id(),
         "expires_at": now + timedelta(days=(i % 3) - 1), "invited_by_employee_id": inviter,
         "approved_by_employee_id": inviter if i % 3 == 1 else None, "approved_at": now if i % 3 == 1 else None,
         "created_at": now, "updated_at": now} for i in range(count)])


@pytest.mark.parametrize("path", ["/invitations?per_page=100", "/invitations/employees?per_page=100"])
def test_the_query_count_does_not_grow_with_the_rows(app, login, team, count_queries, path):
    with app.app_context():
        _add_invitations(team, 5)
        db.session.commit()
    admin = _as(app, login, team.admin)
    url = team.dashboard + path
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        _add_invitations(team, 500)
        db.session.commit()
    with count_queries() as many:
        html = text(admin.get(url))
    assert "1–100 of 505" in html
    assert many.count == few.count, str(many)


# ---- reading the addresses --------------------------------------------------------------------------

@pytest.mark.parametrize("data, expected", [
    (b"a@example.com\nb@example.com\n", [(1, "a@example.com"), (2, "b@example.com")]),
    (b"Name\tMail\nAna\tana@example.com\n\nBo\t\n", [(2, "ana@example.com"), (4, "")]),
    (b"Ana;ana@example.com;x\nBo;nothing here\n", [(1, "ana@example.com"), (2, "Bo")]),
    ("\ufeffE-Mail\r\nzoë@example.com\r\n".encode(), [(2, "zoë@example.com")]),
])
def test_addresses_are_read_from_csv_files(app_ctx, data, expected):
    assert services.email_entries_from_csv(data) == expected


def test_the_signed_out_accept_button_asks_to_log_in_and_an_unverified_invitee_is_verified(app, login, team):
    with app.app_context():
        make_user("unverified@example.com", verified=False)
        _member_invitation(team, "unverified@example.com")
        db.session.commit()
        path = _link("unverified@example.com")
    visitor = app.test_client()
    r = visitor.post(path + "/accept")
    assert r.status_code == 303 and r.headers["Location"] == f"/account/login?next={path}"
    assert login(visitor, "unverified@example.com", PASSWORD).status_code == 303
    assert visitor.post(path + "/accept").status_code == 303
    assert visitor.post(path + "/accept").status_code == 303  # a double click lands the same way
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "unverified@example.com"))
        assert user.email_verified_at is not None  # the emailed link proved the address
