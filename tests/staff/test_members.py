"""The members list and a member's page (app/staff/members.py): columns, filters, search, sort,
CSV, a query count that does not grow with the members; the member's orders, access, progress
and submissions; changing the type, deactivating and reactivating (the learner then loses and
regains the course); who may do what."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User, UserProfile
from app.db import new_id, utcnow
from app.extensions import db
from app.learn.models import OrgMemberLessonProgress
from app.markets.models import OrgMarket
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org, OrgAuditLog, OrgMember
from app.staff.overview import PAID_STATUSES, new_members_since
from tests.factories import PASSWORD, make_employee, make_member, make_org, make_user, unique
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text
from tests.staff.data import add_orders, add_submissions, learner

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

ROW = re.compile(r'<tr data-member="([0-9a-f]{32})" data-status="(\w+)">')


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def _since(app) -> str:
    with app.test_request_context():
        return new_members_since().isoformat()


def ids(html: str) -> list[str]:
    return [m.group(1) for m in ROW.finditer(html)]


def add_members(org_id: str, count: int, *, prefix: str = "bulk") -> list[str]:
    """``count`` members (users, main profiles, memberships) inserted in three statements."""
    users, profiles, members = [], [], []
    now = utcnow()
    for i in range(count):
        uid, pid, mid = new_id(), new_id(), new_id()
        users.append({"id": uid, "email": f"{prefix}-{i}-{uid[:8]}@example.com", "password_hash": None,
                      "is_active": True, "created_at": now, "updated_at": now})
        profiles.append({"id": pid, "user_id": uid, "type": "main", "display_name": f"{prefix.title()} {i}",
                         "created_at": now, "updated_at": now})
        members.append({"id": mid, "org_id": org_id, "user_profile_id": pid, "membership_type": "learner",
                        "status": "active", "joined_at": now - timedelta(minutes=i), "created_at": now,
                        "updated_at": now})
    db.session.execute(sa.insert(User), users)
    db.session.execute(sa.insert(UserProfile), profiles)
    db.session.execute(sa.insert(OrgMember), members)
    return [m["id"] for m in members]


@pytest.fixture
def people(app, academy):
    """Besides the academy's learner (Lena, tier-1 access) and employees: a manager, Cleo (a
    customer who joined 40 days ago, with two paid EUR orders, one partly refunded, and a pending
    one) and Bo (deactivated, no orders)."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        market_id = db.session.scalar(sa.select(OrgMarket.id).where(OrgMarket.org_id == org.id))
        manager = make_employee(org, make_user(f"{unique('manager')}@example.com"), role="manager")
        cleo = make_member(org, make_user(f"{unique('cleo')}@example.com", display_name="Cleo Zed"),
                           membership_type="customer")
        cleo.joined_at = utcnow() - timedelta(days=40)
        add_orders(org.id, cleo.id, market_id, count=2, total="30.00")
        add_orders(org.id, cleo.id, market_id, count=1, status="refunded", total="20.00", refunded="5.00")
        add_orders(org.id, cleo.id, market_id, count=1, status="pending", total="99.00")
        bo = learner(org.id, "Bo Xu")
        bo.status = "suspended"
        db.session.commit()
        return {"manager": manager.member.user_profile.user.email, "cleo": cleo.id, "bo": bo.id,
                "cleo_email": cleo.user_profile.user.email, "market_id": market_id}


# ---- the list ----------------------------------------------------------------------------------

def test_the_list_shows_name_email_type_purchases_and_last_activity(app, login, academy, people):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/members"))
    assert "<h1>Members</h1>" in html
    cleo = html[html.index(f'data-member="{people["cleo"]}"'):]
    cleo = cleo[:cleo.index("</tr>")]
    assert "Cleo Zed" in cleo and people["cleo_email"] in cleo and "Customer" in cleo
    assert "3 orders" in cleo and "€75.00" in cleo  # 30 + 30 + (20 - 5); the pending order is no purchase
    assert f'href="{academy.dashboard}/members/{people["cleo"]}"' in cleo
    bo = html[html.index(f'data-member="{people["bo"]}"'):]
    assert "Deactivated" in bo[:bo.index("</tr>")]
    # Newest first by default: the academy's people joined now, Cleo 40 days ago (last).
    assert ids(html)[-1] == people["cleo"]


def test_filters_search_and_sort(app, login, academy, people):
    admin = _as(app, login, academy.admin_email)
    base = f"{academy.dashboard}/members"
    assert ids(text(admin.get(f"{base}?type=customer"))) == [people["cleo"]]
    assert ids(text(admin.get(f"{base}?status=suspended"))) == [people["bo"]]
    assert people["bo"] not in ids(text(admin.get(f"{base}?status=active")))
    assert ids(text(admin.get(f"{base}?purchases=yes"))) == [people["cleo"]]
    assert people["cleo"] not in ids(text(admin.get(f"{base}?purchases=no")))
    recent = ids(text(admin.get(f"{base}?joined_from={_since(app)}")))
    assert people["cleo"] not in recent and people["bo"] in recent
    old = (utcnow() - timedelta(days=39)).date().isoformat()
    assert ids(text(admin.get(f"{base}?joined_to={old}"))) == [people["cleo"]]
    assert ids(text(admin.get(f"{base}?q={people['cleo_email'][:8]}"))) == [people["cleo"]]
    assert ids(text(admin.get(f"{base}?q=xu+bo"))) == [people["bo"]]
    by_name = text(admin.get(f"{base}?sort=name"))
    names = re.findall(r'/members/[0-9a-f]{32}">([^<]+)</a>', by_name)
    assert names == sorted(names, key=str.lower) and len(names) >= 8
    assert 'aria-sort="ascending"' in by_name
    # Unknown values fall back instead of failing.
    assert admin.get(f"{base}?type=owner&status=gone&purchases=maybe&joined_from=yesterday&sort=password").status_code == 200


def test_the_csv_export_has_the_filtered_rows(app, login, academy, people):
    admin = _as(app, login, academy.admin_email)
    response = admin.get(f"{academy.dashboard}/members?type=customer&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="members-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Name", "Email", "Type", "Status", "Joined", "Paid orders", "Purchases", "Last activity"]
    assert len(rows) == 2
    name, email, kind, status, joined, orders, purchases, activity = rows[1]
    assert (name, email, kind, status, orders, purchases) == ("Cleo Zed", people["cleo_email"], "Customer",
                                                              "Active", "3", "EUR 75.00")
    assert joined and activity


def test_the_list_costs_the_same_queries_for_5_and_500_members(app, login, academy, people, count_queries):
    with app.app_context():
        made = add_members(academy.org_id, 5)
        for member_id in made:
            add_orders(academy.org_id, member_id, people["market_id"], count=1)
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/members?q=bulk&per_page=100&sort=name"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        made = add_members(academy.org_id, 495, prefix="bulkmore")
        for member_id in made[:200]:
            add_orders(academy.org_id, member_id, people["market_id"], count=2, currency="EUR")
        db.session.commit()
    with count_queries() as many:
        html = text(admin.get(url))
    assert "1–100 of 500" in html
    assert many.count == few.count, str(many)


def test_the_list_counts_the_orgs_members_without_the_display_joins(app, login, academy, people, count_queries):
    """The count reads the org's members alone (issue 15: the old form joined profiles, users and
    employments to count them); purchases are summed per member without reading the order ids."""
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/members"
    admin.get(url)
    with count_queries() as log:
        html = text(admin.get(url))
    (count,) = [s for s in log.statements if s.lstrip().upper().startswith("SELECT COUNT(") and "org_member" in s]
    assert "JOIN" not in count.upper() and "org_member.org_id =" in count, count
    shown = re.search(r"1–(\d+) of (\d+)", html)
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(OrgMember)
                                  .where(OrgMember.org_id == academy.org_id))
    assert shown and int(shown.group(2)) == total
    (purchases,) = [s for s in log.statements if "FROM org_member_order" in s and "GROUP BY" in s.upper()]
    assert "org_member_order.id" not in purchases, purchases  # the covering index has no order id
    # A filter still counts through the count query: the members with a paid order.
    with app.app_context():
        buyers = db.session.scalar(sa.select(sa.func.count(sa.distinct(OrgMemberOrder.member_id))).where(
            OrgMemberOrder.org_id == academy.org_id, OrgMemberOrder.status.in_(PAID_STATUSES)))
    assert buyers and f"1–{buyers} of {buyers}" in text(admin.get(f"{url}?purchases=yes"))


# ---- the overview links here -------------------------------------------------------------------

def test_the_overviews_new_members_figure_opens_the_list_of_those_members(app, login, academy, people):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/"))
    figure = re.search(r'data-figure="members" data-count="(\d+)">\s*<a href="([^"]+)"', html)
    assert figure, "the members figure is no link"
    count, url = int(figure.group(1)), figure.group(2).replace("&amp;", "&")
    assert url == f"{academy.dashboard}/members?joined_from={_since(app)}"
    listed = text(admin.get(url))
    assert f'data-total="{count}"' in listed and people["cleo"] not in ids(listed)


# ---- a member's page ---------------------------------------------------------------------------

def test_the_member_page_shows_orders_access_progress_and_submissions(app, login, academy, people):
    with app.app_context():
        [submission] = add_submissions(academy, 1)
        db.session.add(OrgMemberLessonProgress(org_id=academy.org_id, member_id=academy.member_id,
                                               placement_id=academy.text1, lesson_id=_lesson(academy.text1),
                                               status="completed", completed_at=utcnow(), last_viewed_at=utcnow()))
        add_orders(academy.org_id, academy.member_id, people["market_id"], count=1, total="49.00")
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/members/{academy.member_id}"))
    assert "<h1>Lena Learner</h1>" in html and academy.learner_email in html
    order = re.search(r'<tr data-order="([0-9a-f]{32})">\s*<td><a href="([^"]+)">T\d{8}-', html)
    assert order and order.group(2) == f"{academy.dashboard}/orders/{order.group(1)}"  # opens the order page
    access = re.search(rf'<tr data-product="{academy.product_id}" data-active="true">(.*?)</tr>', html, re.S)
    assert access and "Python Course" in access.group(1) and "Tier 1" in access.group(1)
    progress = re.search(rf'<tr data-course="{academy.product_id}" data-percent="(\d+)">(.*?)</tr>', html, re.S)
    assert progress and "1 of 6" in progress.group(2) and progress.group(1) == "16"
    assert f'href="{academy.dashboard}/submissions/{submission}"' in html


def _lesson(placement_id: str) -> str:
    from app.courses.models import OrgProductCourseModuleSectionLesson

    return db.session.get(OrgProductCourseModuleSectionLesson, placement_id).lesson_id


def test_the_member_page_costs_the_same_queries_whatever_the_history(app, login, academy, people, count_queries):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/members/{academy.member_id}"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        add_submissions(academy, 80)
        add_orders(academy.org_id, academy.member_id, people["market_id"], count=80)
        db.session.commit()
    with count_queries() as many:
        assert admin.get(url).status_code == 200
    assert many.count == few.count, str(many)


def test_another_orgs_member_or_an_unknown_id_is_not_found(app, login, academy):
    with app.app_context():
        stranger = make_member(make_org(), make_user()).id
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    for url in (f"/members/{stranger}", "/members/nope", f"/members/{stranger}/type"):
        method = admin.post if url.endswith("/type") else admin.get
        assert method(f"{academy.dashboard}{url}", data={"membership_type": "customer"}).status_code == 404
    with app.app_context():
        assert db.session.get(OrgMember, stranger).membership_type == "learner"


# ---- actions -----------------------------------------------------------------------------------

def test_change_the_member_type(app, login, academy, people):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/members/{people['cleo']}"
    response = admin.post(f"{url}/type", data={"membership_type": "community_member"})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert "Community member" in text(admin.get(url))
    bad = admin.post(f"{url}/type", data={"membership_type": "owner"})
    assert bad.status_code == 422 and "Not a valid choice" in text(bad)
    with app.app_context():
        assert db.session.get(OrgMember, people["cleo"]).membership_type == "community_member"
        [entry] = db.session.scalars(sa.select(OrgAuditLog).where(OrgAuditLog.action == "member.type_changed")).all()
        assert entry.data == {"before": {"membership_type": "customer"}, "after": {"membership_type": "community_member"}}


def test_deactivate_asks_first_then_ends_the_course_and_reactivate_gives_it_back(app, login, academy, people):
    lena = _as(app, login, academy.learner_email)
    lesson = academy.lesson_url(academy.text2)
    assert 'data-locked="false"' in text(lena.get(lesson)) and "Explain your steps." in text(lena.get(
        academy.lesson_url(academy.assignment)))

    manager = _as(app, login, people["manager"])
    url = f"{academy.dashboard}/members/{academy.member_id}"
    ask = manager.post(f"{url}/deactivate")
    assert ask.status_code == 200 and "Deactivate Lena Learner?" in text(ask)
    with app.app_context():
        assert db.session.get(OrgMember, academy.member_id).is_active  # nothing yet
    done = manager.post(f"{url}/deactivate", data={"confirmed": "1"})
    assert done.status_code == 303
    page = text(manager.get(url))
    assert 'data-status="suspended"' in page and 'data-active="false"' in page  # history kept, access ended
    assert "Explain your steps." not in text(lena.get(academy.lesson_url(academy.assignment)))

    assert manager.post(f"{url}/reactivate").status_code == 303
    assert "Explain your steps." in text(lena.get(academy.lesson_url(academy.assignment)))
    with app.app_context():
        actions = db.session.scalars(sa.select(OrgAuditLog.action).where(
            OrgAuditLog.entity_id == academy.member_id).order_by(OrgAuditLog.created_at)).all()
    assert actions == ["member.deactivated", "member.reactivated"]


def test_an_employee_cannot_be_deactivated_from_the_members_page(app, login, academy, people):
    manager = _as(app, login, people["manager"])
    with app.app_context():
        admin_member = db.session.scalar(
            sa.select(OrgMember.id).join(UserProfile).join(User).where(User.email == academy.admin_email))
    response = manager.post(f"{academy.dashboard}/members/{admin_member}/deactivate", data={"confirmed": "1"})
    assert response.status_code == 409 and "Remove them from the employees first" in text(response)
    assert _as(app, login, academy.admin_email).get(f"{academy.dashboard}/").status_code == 200


# ---- who may do what -----------------------------------------------------------------------------

ROUTES = [("get", ""), ("get", "/{member}"), ("post", "/{member}/type"), ("post", "/{member}/deactivate"),
          ("post", "/{member}/reactivate")]


@pytest.mark.parametrize("who, expected", [
    ("admin", {"get": 200, "post": 303}),
    ("manager", {"get": 200, "post": 303}),
    ("creator", {"get": 403, "post": 403}),
    ("staff", {"get": 403, "post": 403}),
    ("other_org_employee", {"get": 404, "post": 404}),
    ("member", {"get": 403, "post": 403}),
])
def test_roles(app, login, academy, people, who, expected):
    with app.app_context():
        if who == "other_org_employee":
            email = make_employee(make_org(), make_user(), role="admin").member.user_profile.user.email
        else:
            email = {"admin": academy.admin_email, "manager": people["manager"], "creator": academy.creator_email,
                     "staff": academy.staff_email, "member": academy.learner_email}[who]
        db.session.commit()
    client = _as(app, login, email)
    for method, path in ROUTES:
        url = f"{academy.dashboard}/members{path.format(member=people['cleo'])}"
        data = {"membership_type": "customer", "confirmed": "1"}
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code == expected[method], (who, method, path, response.status_code)
    with app.app_context():
        cleo = db.session.get(OrgMember, people["cleo"])
        assert cleo.is_active and cleo.membership_type == "customer"  # deactivated, then reactivated
        changed = db.session.scalar(sa.select(sa.func.count()).select_from(OrgAuditLog)
                                    .where(OrgAuditLog.entity_id == people["cleo"]))
    assert changed == (2 if expected["post"] == 303 else 0)


def test_the_members_entry_shows_for_admins_and_managers_only(app, login, academy, people):
    for email, shown in ((academy.admin_email, True), (people["manager"], True),
                         (academy.creator_email, False), (academy.staff_email, False)):
        html = text(_as(app, login, email).get(f"{academy.dashboard}/"))
        assert ('data-nav="members"' in html) is shown, email


def test_order_numbers_stay_plain_text_when_the_order_page_cannot_be_linked(app, login, academy, people,
                                                                            monkeypatch):
    from app.staff import members as members_module

    with app.app_context():
        add_orders(academy.org_id, academy.member_id, people["market_id"], count=1)
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/members/{academy.member_id}"
    monkeypatch.setattr(members_module, "ORDER_ENDPOINT", "staff.members_view")  # exists, other parameters
    html = text(admin.get(url))
    assert re.search(r'<tr data-order="[0-9a-f]{32}">\s*<td>T\d{8}-', html)
    assert re.search(r'data-nav="members" aria-current="page"', html)
    assert not re.search(r'data-nav="employees" aria-current', html)
