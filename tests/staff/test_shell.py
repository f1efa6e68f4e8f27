"""The dashboard's frame: a navigation offering exactly what each role may open, the org switcher
for people who work for several orgs, the way back to the storefronts, and the "Dashboard" link
in the storefront and account headers (one query per request)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from app.extensions import db
from app.orgs.models import Org, OrgEmployee
from app.orgs.permissions import CAPABILITIES
from app.orgs.services import add_employee
from app.staff import shell
from app.staff.nav import NAV
from tests.factories import PASSWORD, make_employee, make_market, make_member, make_org, make_user
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

NAV_KEY = re.compile(r'data-nav="([a-z_-]+)"')


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


@pytest.fixture
def manager_email(app, academy):
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        email = make_employee(org, make_user(), role="manager").member.user_profile.user.email
        db.session.commit()
    return email


def test_every_nav_entry_is_an_existing_dashboard_page_with_a_known_capability(app):
    assert len({e.key for e in NAV}) == len(NAV)
    for entry in NAV:
        assert entry.endpoint.startswith("staff.") and entry.endpoint in app.view_functions, entry
        assert entry.capability in CAPABILITIES
        rules = list(app.url_map.iter_rules(entry.endpoint))
        # the entry's link needs nothing but the org (other arguments of the endpoint have defaults)
        assert any("GET" in r.methods and set(r.arguments) - set(r.defaults or {}) == {"org_slug"}
                   for r in rules), rules


@pytest.mark.parametrize("role, expected", [
    ("admin", {"audit", "brands", "collections", "earnings", "emails", "employees", "giftcards", "invitations", "lessons", "locales", "markets", "members", "orders", "overview", "products", "profile", "promotions", "reports", "submissions", "tax", "translations"}),
    ("manager", {"collections", "earnings", "employees", "giftcards", "invitations", "lessons", "members", "orders", "overview", "products", "profile", "promotions", "submissions", "translations"}),
    ("creator", {"earnings", "lessons", "overview", "products", "profile", "submissions", "translations"}),
    ("staff", {"earnings", "giftcards", "orders", "overview", "profile"}),
])
def test_the_navigation_offers_exactly_what_the_role_may_open(app, login, academy, manager_email, role, expected):
    email = {"admin": academy.admin_email, "manager": manager_email, "creator": academy.creator_email,
             "staff": academy.staff_email}[role]
    client = _as(app, login, email)
    page = text(client.get(f"{academy.dashboard}/"))
    shown = set(NAV_KEY.findall(page))
    assert shown == expected
    for entry in NAV:  # every entry shown opens; every entry hidden is refused
        with app.test_request_context():
            g.staff_org_slug = academy.org_slug
            from flask import url_for

            url = url_for(entry.endpoint, **entry.params)
        status = client.get(url).status_code
        assert (status == 200) == (entry.key in shown), (entry.key, status)
        if entry.key not in shown:
            assert status == 403


def test_the_current_page_is_marked_in_the_navigation(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/submissions"))
    assert re.search(r'data-nav="submissions" aria-current="page"', html)
    assert not re.search(r'data-nav="overview" aria-current', html)


def test_the_org_switcher_lists_the_orgs_the_user_works_for(app, login, academy):
    with app.app_context():
        admin_user = db.session.scalar(sa.select(OrgEmployee).where(
            OrgEmployee.org_id == academy.org_id, OrgEmployee.role == "admin")).member.user_profile.user
        second = make_org(name="Second School")
        add_employee(second, admin_user, role="staff")
        gone = make_org(name="Former Employer")
        old = add_employee(gone, admin_user, role="manager")
        old.status = "inactive"
        db.session.commit()
        second_slug, gone_slug = second.slug, gone.slug
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/"))
    switcher = re.search(r'<details class="menu org-switcher">(.*?)</details>', html, re.S).group(1)
    assert f'href="/dashboard/{second_slug}/"' in switcher and "Second School" in switcher
    assert f'href="/dashboard/{academy.org_slug}/" aria-current="true"' in switcher
    assert gone_slug not in switcher
    # In the other org the role is staff: its own navigation, the same switcher.
    other = text(admin.get(f"/dashboard/{second_slug}/"))
    assert set(NAV_KEY.findall(other)) == {"earnings", "giftcards", "orders", "overview", "profile"} and "Second School" in other
    assert admin.get(f"/dashboard/{gone_slug}/").status_code == 403

    creator = _as(app, login, academy.creator_email)
    assert "org-switcher" not in text(creator.get(f"{academy.dashboard}/"))


def test_the_way_back_to_the_store(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/"))
    assert f'<a class="store-link" href="/{academy.org_slug}/eu/">View store</a>' in html
    with app.app_context():
        make_market(db.session.get(Org, academy.org_id), "us", name="United States", currency_code="USD",
                    country_codes=("US",), locale_keys=("en",))
        db.session.commit()
    html = text(admin.get(f"{academy.dashboard}/"))
    stores = re.search(r'<details class="menu store-links">(.*?)</details>', html, re.S).group(1)
    assert f'href="/{academy.org_slug}/eu/"' in stores and f'href="/{academy.org_slug}/us/"' in stores
    assert admin.get(f"/{academy.org_slug}/us/").status_code == 302  # a real storefront


def test_employees_find_the_dashboard_in_the_store_and_account_headers(app, login, academy):
    link = f'<a class="dashboard-link" href="{academy.dashboard}/">Dashboard</a>'
    for email in (academy.admin_email, academy.creator_email, academy.staff_email):
        client = _as(app, login, email)
        assert link in text(client.get("/account/")), email
        assert link in text(client.get(f"{academy.prefix}/")), email
    learner = _as(app, login, academy.learner_email)
    assert "dashboard-link" not in text(learner.get("/account/"))
    assert "dashboard-link" not in text(learner.get(f"{academy.prefix}/"))
    assert "dashboard-link" not in text(app.test_client().get(f"{academy.prefix}/"))


def test_the_header_link_leads_to_the_storefronts_org(app, login, academy):
    """Someone working for two orgs is sent to the dashboard of the store they are looking at."""
    with app.app_context():
        first = make_org(name="Aardvark Academy")  # sorts before the academy: the default link
        make_market(first, "eu")
        user = db.session.scalar(sa.select(OrgEmployee).where(
            OrgEmployee.org_id == academy.org_id, OrgEmployee.role == "staff")).member.user_profile.user
        add_employee(first, user, role="creator")
        db.session.commit()
        first_slug = first.slug
    staff = _as(app, login, academy.staff_email)
    assert f'class="dashboard-link" href="/dashboard/{first_slug}/"' in text(staff.get("/account/"))
    assert f'class="dashboard-link" href="{academy.dashboard}/"' in text(staff.get(f"{academy.prefix}/"))
    assert f'class="dashboard-link" href="/dashboard/{first_slug}/"' in text(staff.get(f"/{first_slug}/eu/en/"))


def test_the_header_link_costs_one_query_per_request(app, login, academy, count_queries):
    """One employments query for an employee; none for a learner: the store page's membership
    statement already says whether the user works for any org (issue 15)."""
    employee_queries = re.compile(r"^\s*SELECT org\.slug, org\.name, org_employee\.role\b", re.I)
    admin = _as(app, login, academy.admin_email)
    learner = _as(app, login, academy.learner_email)
    for client in (admin, learner):
        client.get(f"{academy.prefix}/")
    with count_queries() as as_admin:
        admin.get(f"{academy.prefix}/")
    with count_queries() as as_learner:
        learner.get(f"{academy.prefix}/")
    assert sum(bool(employee_queries.search(s)) for s in as_admin.statements) == 1, str(as_admin)
    assert not any(employee_queries.search(s) for s in as_learner.statements), str(as_learner)
    assert as_admin.count == as_learner.count + 1  # the same page; the employments for the switcher link

    with app.test_request_context():
        g._login_user = db.session.scalar(sa.select(OrgEmployee).where(  # Flask-Login's current user
            OrgEmployee.org_id == academy.org_id, OrgEmployee.role == "admin")).member.user_profile.user
        with count_queries() as twice:
            assert shell.current_employments() == shell.current_employments()
        assert twice.count == 1
        assert [e.org_slug for e in shell.current_employments()] == [academy.org_slug]


def test_a_dashboard_page_finds_the_org_and_the_employee_in_one_statement(app, login, academy, count_queries):
    """Issue 15: every dashboard page paid three statements (the org, the employee, its membership)
    before its own; one now, and a suspended membership still closes the dashboard."""
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/collections"
    admin.get(url)
    with count_queries() as log:
        assert admin.get(url).status_code == 200
    lookups = [s for s in log.statements if re.search(r"\bFROM org\b", s) and "org.slug =" in s]
    assert len(lookups) == 1 and "org_employee" in lookups[0], str(log)
    assert not [s for s in log.statements if re.search(r"FROM org_member\s+WHERE org_member.id =", s)], str(log)
    with app.app_context():
        employee = db.session.scalar(sa.select(OrgEmployee).where(
            OrgEmployee.org_id == academy.org_id, OrgEmployee.role == "admin"))
        employee.member.status = "suspended"
        db.session.commit()
    assert admin.get(url).status_code == 403
    assert app.test_client().get("/dashboard/no-such-org/").status_code in (302, 303)
    assert admin.get("/dashboard/no-such-org/").status_code == 404


def test_a_member_who_is_not_an_employee_is_refused_and_strangers_see_nothing(app, login, academy):
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        member_user = make_user()
        make_member(org, member_user)
        db.session.commit()
        email = member_user.email
    member = _as(app, login, email)
    assert member.get(f"{academy.dashboard}/").status_code == 403
    assert "dashboard-link" not in text(member.get("/account/"))
    assert app.test_client().get(f"{academy.dashboard}/").status_code in (302, 303)


def test_an_unreadable_database_drops_the_header_link_instead_of_failing_the_page(app, academy, monkeypatch):
    """An error page rendered after a failed statement (PostgreSQL: an aborted transaction) still
    renders: the header's dashboard link is left out."""

    def broken(user_id):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("current transaction is aborted"))

    monkeypatch.setattr(shell, "employments_of", broken)
    with app.test_request_context("/account/"):
        g._login_user = db.session.scalar(sa.select(OrgEmployee).where(
            OrgEmployee.org_id == academy.org_id, OrgEmployee.role == "admin")).member.user_profile.user
        assert shell.dashboard_link() is None
        assert shell.current_employments() == []
