"""The audit log page (``/dashboard/<org>/audit``): admins browse every change employees made, filter
by employee, entity, action and date, search, sort by time, open an entry with its before/after
values and export the filtered entries as CSV (streamed). It only reads: no route changes an entry.
Who may open it (admins; 403 for the other roles, 404 for other orgs) is in test_endpoint_roles.py."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.catalog import services as catalog
from app.catalog.models import OrgProduct
from app.db import new_id, utcnow
from app.extensions import db
from app.giftcards.services import issue_gift_card
from app.learn.models import OrgMemberAssignmentSubmission
from app.orgs import origin
from app.orgs.models import Org, OrgAuditLog, OrgEmployee
from app.orgs.services import get_employee
from app.tax.services import create_category
from tests.factories import PASSWORD
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

ROW = re.compile(r'<tr data-entry="([0-9a-f]{32})" data-action="([\w.]+)">')


@dataclass(frozen=True)
class Log:
    admin_id: str
    staff_id: str
    category: str  # entry ids
    card: str
    renamed: str
    product_id: str


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def _employee(org, email):
    return get_employee(org, db.session.scalar(sa.select(User).where(User.email == email)))


def _entry_of(action: str, entity_id: str) -> str:
    return db.session.scalar(sa.select(OrgAuditLog.id).where(OrgAuditLog.action == action,
                                                             OrgAuditLog.entity_id == entity_id))


@pytest.fixture
def log(app, academy) -> Log:
    """Three changes through the services: the admin adds a tax category (from 192.0.2.10) and
    renames the course, the staff member issues a gift card."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        admin, staff = _employee(org, academy.admin_email), _employee(org, academy.staff_email)
        with origin.acting_from("192.0.2.10"):
            category = create_category(org, code="ebooks", name="E-books", by=admin)
        card = issue_gift_card(org, amount="30", currency_code="EUR", by=staff)
        product = db.session.get(OrgProduct, academy.product_id)
        old_name = product.name
        catalog.update_product(product, name=f"{old_name} (2nd edition)", by=admin)
        made = Log(admin.id, staff.id, _entry_of("tax_category.created", category.id),
                   _entry_of("gift_card.issued", card.id), _entry_of("product.updated", product.id), product.id)
        db.session.commit()
    return made


def ids(html: str) -> list[str]:
    return [m.group(1) for m in ROW.finditer(html)]


def test_the_admin_sees_every_change_newest_first(app, login, academy, log):
    admin = _as(app, login, academy.admin_email)
    r = admin.get(f"{academy.dashboard}/audit")
    assert r.status_code == 200
    html = text(r)
    listed = ids(html)
    assert {log.category, log.card, log.renamed} <= set(listed)
    # newest first: the rename was the last change
    assert listed.index(log.renamed) < listed.index(log.card) < listed.index(log.category)
    row = html[html.index(f'data-entry="{log.renamed}"'):]
    row = row[:row.index("</tr>")]
    assert "product.updated" in row and "<td>Product</td>" in row and "<td>name</td>" in row  # the changed fields
    assert 'data-nav="audit"' in html and 'aria-current="page"' in html


def test_filters_search_and_sorting(app, login, academy, log):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/audit"
    assert ids(text(admin.get(f"{url}?employee={log.staff_id}"))) == [log.card]
    assert log.card not in ids(text(admin.get(f"{url}?employee={log.admin_id}")))
    assert ids(text(admin.get(f"{url}?entity=org_tax_category"))) == [log.category]
    assert ids(text(admin.get(f"{url}?action=gift_card.issued"))) == [log.card]
    # the filters offer what is in the log, entities by name
    page = text(admin.get(url))
    assert '<option value="org_tax_category">Tax category</option>' in page
    assert '<option value="gift_card.issued">gift_card.issued</option>' in page
    # dates: both ends included
    today, tomorrow = utcnow().date(), utcnow().date() + timedelta(days=1)
    assert set(ids(text(admin.get(f"{url}?when_from={today}&when_to={today}")))) >= {log.card, log.category}
    assert ids(text(admin.get(f"{url}?when_from={tomorrow}"))) == []
    # search: the person, the action, the address and the values
    assert ids(text(admin.get(f"{url}?q=E-books"))) == [log.category]
    assert ids(text(admin.get(f"{url}?q=192.0.2.10"))) == [log.category]
    assert ids(text(admin.get(f"{url}?q=2nd+edition"))) == [log.renamed]
    # sorted by time both ways
    mine = (log.category, log.card, log.renamed)  # in the order they were made
    oldest_first = [i for i in ids(text(admin.get(f"{url}?sort=time&per_page=100"))) if i in mine]
    newest_first = [i for i in ids(text(admin.get(f"{url}?sort=-time&per_page=100"))) if i in mine]
    assert oldest_first == list(mine) and newest_first == list(reversed(mine))


def test_an_entry_shows_who_when_where_and_the_values_before_and_after(app, login, academy, log):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/audit/{log.renamed}"))
    assert "product.updated" in html and log.product_id in html
    row = html[html.index('data-field="name"'):]
    row = row[:row.index("</tr>")]
    assert "Python Course" in row and "Python Course (2nd edition)" in row
    assert row.index("Python Course<") < row.index("(2nd edition)")  # before, then after
    created = text(admin.get(f"{academy.dashboard}/audit/{log.category}"))
    assert "192.0.2.10" in created and "E-books" in created
    assert admin.get(f"{academy.dashboard}/audit/{'0' * 32}").status_code == 404


def _csv(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_export_of_the_filtered_entries_is_streamed(app, login, academy, log):
    admin = _as(app, login, academy.admin_email)
    r = admin.get(f"{academy.dashboard}/audit?format=csv&employee={log.admin_id}&sort=time", buffered=False)
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.is_streamed
    rows = _csv(r)
    assert rows[0] == ["When", "Who", "Email", "Action", "Entity", "Entity ID", "Changed fields", "Before", "After",
                       "Address"]
    actions = [row[3] for row in rows[1:]]
    assert actions[-2:] == ["tax_category.created", "product.updated"] and "gift_card.issued" not in actions
    renamed = rows[-1]
    assert renamed[2] == academy.admin_email and renamed[4] == "Product" and renamed[5] == log.product_id
    assert renamed[7] == '{"name": "Python Course"}' and renamed[8] == '{"name": "Python Course (2nd edition)"}'
    assert rows[-2][9] == "192.0.2.10"


def test_the_log_can_only_be_read(app, login, academy, log):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.audit")]
    assert {rule.endpoint for rule in rules} == {"staff.audit", "staff.audit_entry"}
    assert all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in rules)
    admin = _as(app, login, academy.admin_email)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin, method)(f"{academy.dashboard}/audit/{log.card}").status_code == 405
    with app.app_context():
        assert db.session.get(OrgAuditLog, log.card) is not None


def _add_entries(org_id: str, employee_id: str, count: int) -> None:
    now = utcnow()
    rows = [{
        "id": new_id(), "org_id": org_id, "action": "product.updated", "entity_type": "org_product",
        "entity_id": new_id(), "actor_employee_id": employee_id, "actor_user_id": None,
        "data": {"before": {"name": f"Old {i}"}, "after": {"name": f"New {i}"}}, "ip_address": "192.0.2.1",
        "created_at": now - timedelta(minutes=i),
    } for i in range(count)]
    db.session.execute(sa.insert(OrgAuditLog), rows)


def test_the_query_count_does_not_grow_with_the_entries(app, login, academy, log, count_queries):
    with app.app_context():
        _add_entries(academy.org_id, log.admin_id, 5)
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/audit?q=new&per_page=100"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        _add_entries(academy.org_id, log.admin_id, 500)
        db.session.commit()
    with count_queries() as many:
        html = text(admin.get(url))
    assert "1–100 of 505" in html
    assert many.count == few.count, str(many)
    with count_queries() as entry_page:
        assert admin.get(f"{academy.dashboard}/audit/{log.renamed}").status_code == 200
    assert entry_page.count <= few.count


def test_other_roles_see_no_audit_entry_in_the_navigation(app, login, academy):
    with app.app_context():
        staff = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == academy.org_id,
                                                               OrgEmployee.role == "staff"))
        assert staff is not None
    for email in (academy.creator_email, academy.staff_email):
        html = text(_as(app, login, email).get(academy.dashboard))
        assert 'data-nav="audit"' not in html


def test_a_review_in_the_dashboard_is_audited_with_the_requests_address(app, login, academy, tmp_path):
    """End to end: the employee's POST goes through the service, which records the client address
    the request came from (no view passes it)."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    learner = _as(app, login, academy.learner_email)
    assert learner.post(academy.lesson_url(academy.assignment, "/assignment"), data={"body": "Done"}).status_code == 303
    with app.app_context():
        submission_id = db.session.scalar(sa.select(OrgMemberAssignmentSubmission.id)
                                          .where(OrgMemberAssignmentSubmission.member_id == academy.member_id))
    creator = app.test_client()
    assert login(creator, academy.creator_email, PASSWORD).status_code in (302, 303)
    r = creator.post(f"{academy.dashboard}/submissions/{submission_id}", data={"feedback": "Nice work."},
                     environ_base={"REMOTE_ADDR": "198.51.100.77"})
    assert r.status_code == 303
    with app.app_context():
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == submission_id))
        creator_user = db.session.scalar(sa.select(User).where(User.email == academy.creator_email))
        assert entry.action == "submission.reviewed" and entry.entity_type == "org_member_assignment_submission"
        assert entry.actor_user_id == creator_user.id and entry.ip_address == "198.51.100.77"
        assert entry.data["before"]["status"] == "submitted" and entry.data["after"]["status"] == "reviewed"
        assert entry.data["before"]["feedback"] is None and entry.data["after"]["feedback"] == "Nice work."
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/audit?entity=org_member_assignment_submission"))
    assert ids(html) == [entry.id] and "198.51.100.77" in html and "Assignment submission" in html


def test_search_finds_values_with_accents_in_any_case(app, login, academy):
    """A German or French value (stored as JSON) is found by its own letters, in either case:
    the JSON keeps them as written (not \\u escapes) and case folding covers more than ASCII."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        admin = _employee(org, academy.admin_email)
        category = create_category(org, code="hoerbuch", name="Hörbücher für Élèves", by=admin)
        entry = _entry_of("tax_category.created", category.id)
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/audit"
    assert ids(text(admin.get(f"{url}?q=Hörbücher"))) == [entry]
    assert ids(text(admin.get(f"{url}?q=HÖRBÜCHER"))) == [entry]
    assert ids(text(admin.get(f"{url}?q=élèves"))) == [entry]
