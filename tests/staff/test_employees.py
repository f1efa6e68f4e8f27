"""The employees list and an employee's page (app/staff/employees.py): columns, filters, CSV and
a query count that does not grow; admins change roles (the navigation follows at once) and remove
employees (the dashboard refuses them at once), never the last admin; managers see the team
read-only; who may do what."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounts.models import User, UserProfile
from app.catalog import attributions as product_attributions
from app.catalog.attributions import set_attribution
from app.catalog.models import OrgProduct
from app.db import new_id, utcnow
from app.extensions import db
from app.orgs.models import Org, OrgAuditLog, OrgEmployee, OrgMember
from app.revenue.services import end_attribution
from tests.factories import PASSWORD, make_employee, make_job_profile, make_org, make_user, unique
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text
from tests.staff.test_members import add_members

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

ROW = re.compile(r'<tr data-employee="([0-9a-f]{32})" data-role="(\w+)" data-status="(\w+)">')
NAV_KEY = re.compile(r'data-nav="([a-z_-]+)"')


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def rows(html: str) -> list[tuple[str, str, str]]:
    return [m.groups() for m in ROW.finditer(html)]


def _employee_id(email: str) -> str:
    return db.session.scalar(
        sa.select(OrgEmployee.id).join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id).join(User, User.id == UserProfile.user_id)
        .where(User.email == email))


@pytest.fixture
def team(app, academy):
    """The academy's admin, creators (Grace has a job profile) and staff, plus a manager; ids by role."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        manager = make_employee(org, make_user(f"{unique('manager')}@example.com", display_name="Max Manager"),
                                role="manager")
        creator = db.session.get(OrgEmployee, _employee_id(academy.creator_email))
        user = creator.member.user_profile.user
        creator.job_profile_id = make_job_profile(user, title="Data teacher").id
        db.session.commit()
        return {"manager_email": manager.member.user_profile.user.email, "manager": manager.id,
                "admin": _employee_id(academy.admin_email), "creator": creator.id,
                "staff": _employee_id(academy.staff_email)}


# ---- the list ------------------------------------------------------------------------------------

def test_the_list_shows_name_email_role_status_job_profile_and_since(app, login, academy, team):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/employees"))
    assert "<h1>Employees</h1>" in html
    listed = rows(html)
    assert len(listed) == 5 and all(status == "active" for _id, _role, status in listed)
    creator = html[html.index(f'data-employee="{team["creator"]}"'):]
    creator = creator[:creator.index("</tr>")]
    assert academy.creator_email in creator and "Creator" in creator and "Data teacher" in creator
    assert f'href="{academy.dashboard}/employees/{team["creator"]}"' in creator
    assert "You" in html[html.index(f'data-employee="{team["admin"]}"'):][:600]


def test_filters_search_sort_and_csv(app, login, academy, team):
    admin = _as(app, login, academy.admin_email)
    base = f"{academy.dashboard}/employees"
    assert [r[0] for r in rows(text(admin.get(f"{base}?role=creator")))] != []
    assert {r[1] for r in rows(text(admin.get(f"{base}?role=creator")))} == {"creator"}
    assert [r[0] for r in rows(text(admin.get(f"{base}?q=max+manager")))] == [team["manager"]]
    assert admin.post(f"{base}/{team['staff']}/remove", data={"confirmed": "1"}).status_code == 303
    assert team["staff"] not in [r[0] for r in rows(text(admin.get(base)))]  # active ones by default
    assert [r[0] for r in rows(text(admin.get(f"{base}?status=inactive")))] == [team["staff"]]
    assert team["staff"] in [r[0] for r in rows(text(admin.get(f"{base}?status=all")))]
    by_role = [r[1] for r in rows(text(admin.get(f"{base}?sort=-role")))]
    assert by_role == sorted(by_role, reverse=True)
    response = admin.get(f"{base}?role=creator&sort=name&format=csv")
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0] == ["Name", "Email", "Role", "Status", "Job profile", "Since"]
    assert len(table) == 3 and {r[2] for r in table[1:]} == {"Creator"}
    assert "Data teacher" in [r[4] for r in table[1:]]


def add_employees(org_id: str, count: int) -> None:
    member_ids = add_members(org_id, count, prefix="worker")
    now = utcnow()
    db.session.execute(sa.insert(OrgEmployee), [
        {"id": new_id(), "org_id": org_id, "member_id": mid, "role": "staff", "status": "active",
         "hired_at": now, "created_at": now, "updated_at": now} for mid in member_ids])


def test_the_list_costs_the_same_queries_for_5_and_500_employees(app, login, academy, team, count_queries):
    with app.app_context():
        add_employees(academy.org_id, 5)
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/employees?q=worker&per_page=100"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        add_employees(academy.org_id, 495)
        db.session.commit()
    with count_queries() as many:
        html = text(admin.get(url))
    assert "1–100 of 500" in html
    assert many.count == few.count, str(many)


# ---- change role ----------------------------------------------------------------------------------

def test_an_admin_changes_a_role_and_the_navigation_follows_at_once(app, login, academy, team):
    creator = _as(app, login, academy.creator_email)
    assert "members" not in NAV_KEY.findall(text(creator.get(f"{academy.dashboard}/")))
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/employees/{team['creator']}"
    response = admin.post(f"{url}/role", data={"role": "manager"})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert "Manager" in text(admin.get(url))
    nav = NAV_KEY.findall(text(creator.get(f"{academy.dashboard}/")))
    assert {"members", "employees"} <= set(nav)  # the same sign-in, the next request
    with app.app_context():
        [entry] = db.session.scalars(sa.select(OrgAuditLog).where(OrgAuditLog.action == "employee.role_changed")).all()
        assert entry.entity_id == team["creator"]
        assert entry.data == {"before": {"role": "creator"}, "after": {"role": "manager"}}
    bad = admin.post(f"{url}/role", data={"role": "owner"})
    assert bad.status_code == 422 and "Not a valid choice" in text(bad)


def test_the_last_admin_keeps_the_role_and_cannot_be_removed(app, login, academy, team):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/employees/{team['admin']}"
    demote = admin.post(f"{url}/role", data={"role": "staff"})
    assert demote.status_code == 409 and "at least one admin" in text(demote)
    remove = admin.post(f"{url}/remove", data={"confirmed": "1"})
    assert remove.status_code == 409 and "at least one admin" in text(remove)
    assert admin.get(f"{academy.dashboard}/employees").status_code == 200  # still the admin
    # With a second admin, the first may step down; the page then is no longer theirs.
    assert admin.post(f"{academy.dashboard}/employees/{team['manager']}/role", data={"role": "admin"}).status_code == 303
    stepped_down = admin.post(f"{url}/role", data={"role": "staff"})
    assert stepped_down.status_code == 303 and stepped_down.headers["Location"] == f"{academy.dashboard}/"
    assert admin.get(f"{academy.dashboard}/employees").status_code == 403


# ---- remove ----------------------------------------------------------------------------------------

def test_removing_asks_first_and_the_removed_employee_is_refused_at_once(app, login, academy, team):
    creator = _as(app, login, academy.creator_email)
    assert creator.get(f"{academy.dashboard}/submissions").status_code == 200
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/employees/{team['creator']}/remove"
    ask = admin.post(url)
    assert ask.status_code == 200 and "will lose access to the dashboard" in text(ask)
    assert "Their revenue shares of products end now" in text(ask)
    with app.app_context():
        assert db.session.get(OrgEmployee, team["creator"]).is_active
    done = admin.post(url, data={"confirmed": "1"})
    assert done.status_code == 303 and done.headers["Location"] == f"{academy.dashboard}/employees"
    for path in ("/", "/submissions", "/employees"):  # the same sign-in, the next request
        assert creator.get(f"{academy.dashboard}{path}").status_code == 403
    with app.app_context():
        employee = db.session.get(OrgEmployee, team["creator"])
        assert employee.status == "inactive" and employee.member.is_active  # still a member
        [entry] = db.session.scalars(sa.select(OrgAuditLog).where(OrgAuditLog.action == "employee.removed")).all()
        assert entry.data == {"before": {"status": "active"}, "after": {"status": "inactive"}}
    page = text(admin.get(f"{academy.dashboard}/employees/{team['creator']}"))
    assert 'data-status="inactive"' in page and "Change role" not in page


def test_a_removed_creator_earns_nothing_from_later_sales(app, login, academy, team):
    """Removing an employee ends their running attribution at that moment and deletes a scheduled
    one: their share goes back to the org (the pool shows it free again)."""
    with app.app_context():
        product = db.session.get(OrgProduct, academy.product_id)
        creator, admin = (db.session.get(OrgEmployee, team[role]) for role in ("creator", "admin"))
        for attribution in list(product_attributions.attribution_timeline(product)):
            end_attribution(attribution, by=admin)
        set_attribution(product, creator, percent=Decimal("40"), by=admin)
        set_attribution(product, creator, percent=Decimal("60"), effective_from=utcnow() + timedelta(days=30),
                        by=admin)
        db.session.commit()
        assert product_attributions.remaining_share(product) == Decimal("40")  # 60 % from next month
    admin = _as(app, login, academy.admin_email)
    assert admin.post(f"{academy.dashboard}/employees/{team['creator']}/remove",
                      data={"confirmed": "1"}).status_code == 303
    with app.app_context():
        product = db.session.get(OrgProduct, academy.product_id)
        timeline = [a for a in product_attributions.attribution_timeline(product) if a.employee_id == team["creator"]]
        now = utcnow()
        assert timeline and all(a.effective_to is not None and a.effective_to <= now for a in timeline)  # ended
        assert all(a.effective_from <= now for a in timeline)  # the scheduled 60 % is gone
        assert product_attributions.effective_attributions(product) == []
        assert product_attributions.remaining_share(product) == Decimal("100")
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action)))
        assert {"attribution.ended", "attribution.removed", "employee.removed"} <= actions


def test_an_admin_may_remove_themselves_when_another_admin_remains(app, login, academy, team):
    with app.app_context():
        make_employee(db.session.get(Org, academy.org_id), make_user(), role="admin")
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    response = admin.post(f"{academy.dashboard}/employees/{team['admin']}/remove", data={"confirmed": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/account/"
    assert admin.get(f"{academy.dashboard}/").status_code == 403


def test_managers_see_the_team_read_only(app, login, academy, team):
    manager = _as(app, login, team["manager_email"])
    assert manager.get(f"{academy.dashboard}/employees").status_code == 200
    page = text(manager.get(f"{academy.dashboard}/employees/{team['creator']}"))
    assert "Change role" not in page and "Remove from the organization" not in page
    assert "Only admins change roles and remove employees." in page
    url = f"{academy.dashboard}/employees/{team['creator']}"
    assert manager.post(f"{url}/role", data={"role": "admin"}).status_code == 403
    assert manager.post(f"{url}/remove").status_code == 403
    assert manager.post(f"{url}/remove", data={"confirmed": "1"}).status_code == 403
    with app.app_context():
        employee = db.session.get(OrgEmployee, team["creator"])
        assert employee.role == "creator" and employee.is_active


def test_another_orgs_employee_or_an_unknown_id_is_not_found(app, login, academy, team):
    with app.app_context():
        stranger = make_employee(make_org(), make_user(), role="staff").id
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    assert admin.get(f"{academy.dashboard}/employees/{stranger}").status_code == 404
    assert admin.get(f"{academy.dashboard}/employees/nope").status_code == 404
    assert admin.post(f"{academy.dashboard}/employees/{stranger}/role", data={"role": "admin"}).status_code == 404
    assert admin.post(f"{academy.dashboard}/employees/{stranger}/remove", data={"confirmed": "1"}).status_code == 404
    with app.app_context():
        assert db.session.get(OrgEmployee, stranger).is_active


# ---- who may do what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who, expected", [
    ("admin", {"list": 200, "page": 200, "role": 303, "remove": 303}),
    ("manager", {"list": 200, "page": 200, "role": 403, "remove": 403}),
    ("creator", {"list": 403, "page": 403, "role": 403, "remove": 403}),
    ("staff", {"list": 403, "page": 403, "role": 403, "remove": 403}),
    ("other_org_employee", {"list": 404, "page": 404, "role": 404, "remove": 404}),
    ("member", {"list": 403, "page": 403, "role": 403, "remove": 403}),
])
def test_roles(app, login, academy, team, who, expected):
    with app.app_context():
        target = make_employee(db.session.get(Org, academy.org_id), make_user(), role="creator").id
        if who == "other_org_employee":
            email = make_employee(make_org(), make_user(), role="admin").member.user_profile.user.email
        else:
            email = {"admin": academy.admin_email, "manager": team["manager_email"], "creator": academy.creator_email,
                     "staff": academy.staff_email, "member": academy.learner_email}[who]
        db.session.commit()
    client = _as(app, login, email)
    base = f"{academy.dashboard}/employees"
    got = {
        "list": client.get(base).status_code,
        "page": client.get(f"{base}/{target}").status_code,
        "role": client.post(f"{base}/{target}/role", data={"role": "staff"}).status_code,
        "remove": client.post(f"{base}/{target}/remove", data={"confirmed": "1"}).status_code,
    }
    assert got == expected
    with app.app_context():
        employee = db.session.get(OrgEmployee, target)
        changed = (employee.role, employee.status) != ("creator", "active")
    assert changed is (expected["role"] == 303)
