"""The list machinery (app/web/tables.py, macros/table.html), exercised through the review queue,
the first list built with it: sorting, search, filters, pagination, htmx regions with the URL
pushed, the same URLs without JavaScript, bulk actions with a confirmation, the streamed CSV
export (with formula cells neutralised) and a query count that does not grow with the rows."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.learn.models import OrgMemberAssignmentSubmission
from app.orgs.models import OrgEmployee
from app.staff import submissions as submissions_module
from app.web import tables
from tests.factories import PASSWORD
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import build_academy, text
from tests.staff.data import add_submissions, learner

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

ROW = re.compile(r'<tr data-submission="([0-9a-f]{32})" data-status="(\w+)">')
HTMX = {"HX-Request": "true"}


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def ids(html: str) -> list[str]:
    return [m.group(1) for m in ROW.finditer(html)]


@pytest.fixture
def queue(app, academy):
    """Three learners' submissions: Cleo (oldest), Ana, Bo (newest); Bo's is reviewed."""
    with app.app_context():
        start = utcnow() - timedelta(days=3)
        made = {}
        for offset, name, status in ((0, "Cleo Zed", "submitted"), (60, "ana Young", "submitted"),
                                     (120, "Bo Xu", "reviewed")):
            member = learner(academy.org_id, name)
            made[name] = add_submissions(academy, 1, member_id=member.id, body=f"Answer of {name}",
                                         status=status, start=start + timedelta(minutes=offset))[0]
        db.session.commit()
    return made


# ---- sorting, search, filters --------------------------------------------------------------------

def test_sorting_by_a_column_both_ways_and_unknown_sorts_fall_back(app, login, academy, queue):
    admin = _as(app, login, academy.admin_email)
    base = f"{academy.dashboard}/submissions?status=all"
    default = ids(text(admin.get(base)))
    assert default == [queue["Cleo Zed"], queue["ana Young"], queue["Bo Xu"]]  # waiting first, oldest first

    by_learner = text(admin.get(f"{base}&sort=learner"))
    assert ids(by_learner) == [queue["ana Young"], queue["Bo Xu"], queue["Cleo Zed"]]  # case-insensitive
    assert 'aria-sort="ascending"' in by_learner
    # The header link now sorts the other way.
    assert f'href="/dashboard/{academy.org_slug}/submissions?status=all&amp;sort=-learner"' in by_learner
    descending = text(admin.get(f"{base}&sort=-learner"))
    assert ids(descending) == [queue["Cleo Zed"], queue["Bo Xu"], queue["ana Young"]]
    assert 'aria-sort="descending"' in descending

    for bad in ("body", "-password", "learner;drop", "%00"):
        r = admin.get(f"{base}&sort={bad}")
        assert r.status_code in (200, 400)
        if r.status_code == 200:
            assert ids(text(r)) == default


def test_search_and_filters_narrow_the_rows(app, login, academy, queue):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/submissions"
    assert ids(text(admin.get(f"{url}?status=all&q=cleo"))) == [queue["Cleo Zed"]]
    # Every word must match (learner, course or assignment); % and _ are literal.
    assert ids(text(admin.get(f"{url}?status=all&q=young+clean"))) == [queue["ana Young"]]
    assert ids(text(admin.get(f"{url}?status=all&q=%25"))) == []
    # Status: waiting by default, reviewed, all; an unknown value is the default.
    assert set(ids(text(admin.get(url)))) == {queue["Cleo Zed"], queue["ana Young"]}
    assert ids(text(admin.get(f"{url}?status=reviewed"))) == [queue["Bo Xu"]]
    assert set(ids(text(admin.get(f"{url}?status=bogus")))) == {queue["Cleo Zed"], queue["ana Young"]}
    # Course: options are the courses this employee may review.
    html = text(admin.get(f"{url}?status=all&course={academy.product_id}"))
    assert len(ids(html)) == 3 and f'<option value="{academy.product_id}" selected>' in html
    assert ids(text(admin.get(f"{url}?status=all&course=not-a-course"))) == ids(text(admin.get(f"{url}?status=all")))
    # Dates: both ends included; an invalid date is ignored.
    today = utcnow().date()
    assert ids(text(admin.get(f"{url}?status=all&submitted_from={today}"))) == []
    assert len(ids(text(admin.get(f"{url}?status=all&submitted_to={today}")))) == 3
    assert len(ids(text(admin.get(f"{url}?status=all&submitted_from=2020-13-45")))) == 3


def test_a_search_without_results_offers_to_clear_it(app, login, academy, queue):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/submissions?q=nobody-called-this"))
    assert "Nothing matches this search and these filters." in html
    assert f'href="/dashboard/{academy.org_slug}/submissions"' in html and "Clear the search and filters" in html
    # Nothing at all (no filter): what to do next.
    other = _as(app, login, academy.other_creator_email)
    html = text(other.get(f"{academy.dashboard}/submissions"))
    assert "No submissions are waiting for review." in html
    assert "appear here as soon as they hand them in" in html


# ---- pagination -----------------------------------------------------------------------------------

def test_pages_counts_and_page_size(app, login, academy):
    with app.app_context():
        made = add_submissions(academy, 60, start=utcnow() - timedelta(days=2))
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/submissions"
    first = text(admin.get(url))
    assert ids(first) == made[:25]
    assert "1–25 of 60" in first and 'data-total="60"' in first
    assert 'rel="next"' in first and f'href="{url}?page=2"' in first and 'rel="prev"' not in first
    third = text(admin.get(f"{url}?page=3"))
    assert ids(third) == made[50:] and "51–60 of 60" in third and 'rel="next"' not in third
    assert ids(text(admin.get(f"{url}?per_page=50&page=2"))) == made[50:]
    # Out of range: the last page; a size not offered: the default; nonsense: the first page.
    assert ids(text(admin.get(f"{url}?page=99"))) == made[50:]
    assert len(ids(text(admin.get(f"{url}?per_page=100000")))) == 25
    for page in ("-1", "abc", "²", "9" * 30):
        assert ids(text(admin.get(f"{url}?page={page}"))) == made[:25]


def test_the_query_count_does_not_grow_with_the_rows(app, login, academy, count_queries):
    with app.app_context():
        add_submissions(academy, 5)
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/submissions?status=all&q=clean&per_page=100"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        add_submissions(academy, 500)
        db.session.commit()
    with count_queries() as many:
        html = text(admin.get(url))
    assert "1–100 of 505" in html, re.search(r"table-count[^<]*<", html)
    assert many.count == few.count, str(many)


# ---- htmx regions, pushed URLs, the same URLs without JavaScript ------------------------------------

def test_htmx_gets_the_region_it_targets_and_the_url_is_pushed(app, login, academy, queue):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/submissions?status=all&q=&sort=learner"
    full = admin.get(url)
    assert text(full).startswith("<!doctype html>") and 'id="submissions-results"' in text(full)

    results = admin.get(url, headers={**HTMX, "HX-Target": "submissions-results"})
    html = text(results)
    assert html.lstrip().startswith('<div id="submissions-results"') and "<html" not in html
    assert 'class="table-toolbar"' not in html  # the search box being typed in is not replaced
    assert ids(html) == ids(text(full))
    # The canonical URL (empty search dropped) is pushed; pages vary on HX-Request.
    assert results.headers["HX-Push-Url"] == f"{academy.dashboard}/submissions?status=all&sort=learner"
    assert "HX-Request" in results.headers["Vary"]

    whole = text(admin.get(url, headers={**HTMX, "HX-Target": "submissions"}))
    assert whole.lstrip().startswith('<div id="submissions" class="table-view') and 'class="table-toolbar"' in whole

    # The links and forms htmx uses are plain URLs too.
    assert re.search(r'<form class="table-toolbar" method="get" action="[^"]+/submissions"', whole)
    for href in re.findall(r'data-hx-get="([^"]+)"', whole):
        assert admin.get(href.replace("&amp;", "&")).status_code == 200


# ---- CSV export -----------------------------------------------------------------------------------

def _csv(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_exports_the_filtered_rows_in_order_and_neutralises_formulas(app, login, academy):
    with app.app_context():
        evil = learner(academy.org_id, "=HYPERLINK(\"http://evil.example\",\"x\")")
        add_submissions(academy, 1, member_id=evil.id, body="+SUM(A1:A9)")
        add_submissions(academy, 1, body="@cmd", start=utcnow() - timedelta(days=2))
        add_submissions(academy, 1, body="- minus", status="reviewed", start=utcnow() - timedelta(days=3))
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    r = admin.get(f"{academy.dashboard}/submissions?format=csv&page=2")  # the waiting ones, every page
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="submissions-\d{4}-\d{2}-\d{2}\.csv"', r.headers["Content-Disposition"])
    rows = _csv(r)
    header, body = rows[0], rows[1:]
    assert header == ["Submitted", "Learner", "Course", "Assignment", "Status", "Reviewed", "Answer", "File",
                      "Feedback"]
    assert len(body) == 2  # the reviewed one is filtered out, like on the page
    answers = [row[6] for row in body]
    assert answers == ["'@cmd", "'+SUM(A1:A9)"]  # the list's order: oldest waiting first
    assert body[1][1] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert body[0][3] == "Clean the data" and body[0][4] == "Waiting for review"

    everything = _csv(admin.get(f"{academy.dashboard}/submissions?format=csv&status=all&sort=-submitted"))
    assert [row[6] for row in everything[1:]] == ["'+SUM(A1:A9)", "'@cmd", "'- minus"]


def test_csv_cells():
    from decimal import Decimal

    cell = tables.csv_cell
    for formula in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1"):
        assert cell(formula) == "'" + formula
    assert cell("Ada") == "Ada" and cell("a=b") == "a=b" and cell(None) == ""
    assert cell(Decimal("-12.50")) == Decimal("-12.50") and cell(-3) == -3  # numbers are numbers


def test_the_export_is_streamed_in_batches(app, login, academy, monkeypatch):
    """A large export never holds every row: rows are fetched `csv_batch` at a time (yield_per,
    a server-side cursor on PostgreSQL) and each batch is written before the next is fetched."""
    with app.app_context():
        add_submissions(academy, 95)
        db.session.commit()
    batches: list[int] = []
    table = submissions_module.SUBMISSIONS

    def counting_prepare(rows):
        batches.append(len(rows))
        return table.prepare(rows)

    monkeypatch.setattr(submissions_module, "SUBMISSIONS",
                        dataclasses.replace(table, csv_batch=10, prepare=counting_prepare))
    executions: list[dict] = []

    def record(conn, cursor, statement, params, context, executemany):
        if "org_member_assignment_submission" in statement and "LIMIT" not in statement.upper():
            executions.append(dict(context.execution_options))

    admin = _as(app, login, academy.admin_email)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = admin.get(f"{academy.dashboard}/submissions?format=csv", buffered=False)
        assert response.is_streamed
        chunks = iter(response.response)
        header = next(chunks)
        assert (header.decode() if isinstance(header, bytes) else header).startswith("\ufeffSubmitted")
        first = next(chunks)
        assert batches == [10], batches  # one batch fetched and written, the rest not yet read
        assert (first.decode() if isinstance(first, bytes) else first).count("\n") == 10
        rest = list(chunks)
        response.close()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert batches == [10] * 9 + [5]
    assert len(rest) == 9
    assert executions and executions[-1].get("yield_per") == 10
    if engine.dialect.name == "postgresql":
        assert executions[-1].get("stream_results") is True


# ---- bulk actions ---------------------------------------------------------------------------------

def _bulk(client, academy, data, headers=None):
    return client.post(f"{academy.dashboard}/submissions/bulk", data=data, headers=headers or {})


def test_bulk_review_without_javascript_asks_first_then_comes_back_to_the_same_list(app, login, academy, queue):
    admin = _as(app, login, academy.admin_email)
    chosen = [queue["Cleo Zed"], queue["ana Young"]]
    state = {"status": "all", "sort": "learner"}

    ask = _bulk(admin, academy, {**state, "action": "review", "ids": chosen})
    html = text(ask)
    assert ask.status_code == 200 and "<!doctype html>" in html
    assert "Mark 2 submissions as reviewed?" in html and "Cleo Zed · Clean the data" in html
    assert 'name="confirmed" value="1"' in html and 'name="feedback"' in html
    with app.app_context():  # nothing changed yet
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberAssignmentSubmission).where(
            OrgMemberAssignmentSubmission.status == "reviewed")) == 1

    empty = _bulk(admin, academy, {**state, "action": "review", "ids": chosen, "confirmed": "1", "feedback": " "})
    assert empty.status_code == 422 and "Write some feedback for the learner." in text(empty)

    done = _bulk(admin, academy, {**state, "action": "review", "ids": chosen, "confirmed": "1",
                                  "feedback": "Thanks, well done."})
    assert done.status_code == 303
    target = urlsplit(done.headers["Location"])
    assert target.path == f"{academy.dashboard}/submissions"
    assert parse_qs(target.query) == {"status": ["all"], "sort": ["learner"]}
    back = text(admin.get(done.headers["Location"]))
    assert "2 submissions marked as reviewed." in back
    with app.app_context():
        rows = db.session.scalars(sa.select(OrgMemberAssignmentSubmission).where(
            OrgMemberAssignmentSubmission.id.in_(chosen))).all()
        assert {(r.status, r.feedback) for r in rows} == {("reviewed", "Thanks, well done.")}


def test_bulk_with_htmx_swaps_the_confirmation_in_place(app, login, academy, queue):
    admin = _as(app, login, academy.admin_email)
    headers = {**HTMX, "HX-Target": "submissions"}
    ask = _bulk(admin, academy, {"action": "review", "ids": [queue["Cleo Zed"]]}, headers)
    html = text(ask)
    assert ask.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="submissions"') and "Mark 1 submission as reviewed?" in html

    done = _bulk(admin, academy, {"action": "review", "ids": [queue["Cleo Zed"]], "confirmed": "1",
                                  "feedback": "Good."}, headers)
    html = text(done)
    assert done.status_code == 200 and html.lstrip().startswith('<div id="submissions" class="table-view')
    assert "1 submission marked as reviewed." in html
    assert queue["Cleo Zed"] not in ids(html)  # the default view shows the waiting ones
    assert done.headers["HX-Push-Url"] == f"{academy.dashboard}/submissions"


def test_bulk_refuses_nothing_selected_other_orgs_rows_and_roles_without_the_right(app, login, academy, queue):
    admin = _as(app, login, academy.admin_email)
    r = _bulk(admin, academy, {"action": "review"})
    assert r.status_code == 303
    assert "Select at least one row first." in text(admin.get(r.headers["Location"]))
    r = _bulk(admin, academy, {"action": "delete-everything", "ids": [queue["Cleo Zed"]]})
    assert r.status_code == 303
    assert "Choose what to do with the selected rows." in text(admin.get(r.headers["Location"]))
    r = _bulk(admin, academy, {"action": "review"}, {**HTMX, "HX-Target": "submissions"})
    assert r.status_code == 422 and "Select at least one row first." in text(r)

    with app.app_context():
        other = build_academy()
        foreign = add_submissions(other, 1)[0]
        db.session.commit()
    other_admin = _as(app, login, other.admin_email)
    r = _bulk(other_admin, other, {"action": "review", "ids": [queue["Cleo Zed"]], "confirmed": "1",
                                   "feedback": "sneaky"})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(OrgMemberAssignmentSubmission, queue["Cleo Zed"]).status == "submitted"
    # A creator cannot act on courses not attributed to them; staff may not review at all.
    other_creator = _as(app, login, academy.other_creator_email)
    ask = _bulk(other_creator, academy, {"action": "review", "ids": [queue["Cleo Zed"], foreign]})
    assert ask.status_code == 303
    staff = _as(app, login, academy.staff_email)
    assert _bulk(staff, academy, {"action": "review", "ids": [queue["Cleo Zed"]]}).status_code == 403
    assert staff.get(f"{academy.dashboard}/submissions?format=csv").status_code == 403


# ---- the parser on its own ------------------------------------------------------------------------

def test_listing_state_is_whitelisted_and_urls_are_canonical(app_ctx, db_session):
    a = build_academy()
    employee = db_session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == a.org_id,
                                                             OrgEmployee.role == "admin"))
    table = submissions_module.SUBMISSIONS
    with app_ctx.test_request_context(f"/dashboard/{a.org_slug}/submissions"):
        from flask import g

        g.staff_org_slug = a.org_slug
        listing = table.listing(employee, {"q": "  many   spaces ", "sort": "-course", "page": "3", "per_page": "50",
                                           "status": "reviewed", "course": "nope", "submitted_from": "2024-02-30",
                                           "submitted_to": "2024-03-01"})
        assert listing.q == "many spaces" and listing.sort == "-course" and listing.page == 3
        assert listing.values == {"status": "reviewed", "course": "", "submitted_from": "", "submitted_to": "2024-03-01"}
        assert listing.params() == {"q": "many spaces", "status": "reviewed", "submitted_to": "2024-03-01",
                                    "sort": "-course", "per_page": 50, "page": 3}
        assert listing.is_filtered
        plain = table.listing(employee, {})
        assert plain.params() == {} and not plain.is_filtered and plain.sort == ""
        assert plain.url() == f"/dashboard/{a.org_slug}/submissions"
        long = table.listing(employee, {"q": "x" * 500})
        assert len(long.q) == tables.MAX_SEARCH_CHARS

        plain.total, plain.page = 400, 8
        assert [link.number for link in plain.page_links()] == [1, None, 6, 7, 8, 9, 10, None, 16]


def test_a_table_refuses_inconsistent_declarations():
    with pytest.raises(ValueError):
        dataclasses.replace(submissions_module.SUBMISSIONS, default_sort="answer")  # not sortable
    with pytest.raises(ValueError):
        dataclasses.replace(submissions_module.SUBMISSIONS,
                            filters=[tables.Choice("q", "Q", options=[], where=lambda v: None)])  # reserved


def test_the_list_machinery_imports_no_feature_package():
    """app/web/tables.py is plumbing every area uses: it may not depend on any of them."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(tables.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    own = {name for name in imported if name == "app" or name.startswith("app.")}
    assert own <= {"app.errors", "app.extensions", "app.web", "app.web.htmx"}, own
