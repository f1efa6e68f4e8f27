"""GET requests that write (the cart merging a session cart, an email confirmation link) do so in a
short transaction of their own that takes SQLite's write lock up front (app.db.write_transaction).

A GET transaction begins deferred (it only reads); had it written, SQLite would have to upgrade
its read lock, which fails at once with "database is locked" whenever another connection wrote
in between. The tests record the SQL sent and check that every INSERT/UPDATE comes after a
``BEGIN IMMEDIATE``. They run on the SQLite stage only (the point is SQLite's locking) on a file
database of their own, like tests/learn/test_concurrency.py.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.accounts.services import make_verification_token
from app.checkout.models import OrgMemberCartItem
from app.extensions import db
from app.orgs.models import Org
from app.orgs.services import ensure_member
from tests.conftest import file_sqlite_app
from tests.factories import PASSWORD, make_market, make_org, make_priced_plan, make_user

# SQLite locking: the tests use a file SQLite database of their own (the SQLite stage runs them).
pytestmark = pytest.mark.sqlite_file

STORE = "/getw/eu/en"


@pytest.fixture
def file_app(tmp_path):
    app = file_sqlite_app(tmp_path / 'get-writes.sqlite3')
    with app.app_context():
        org = make_org("getw")
        market = make_market(org, "eu", locale_keys=("en",), default_locale_key="en")
        plan = make_priced_plan(market)
        make_user("shopper@example.com")
        make_user("unconfirmed@example.com", verified=False)
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    yield app, plan_id
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Statements:
    """The first word of every SQL statement the app's engine sends (BEGIN marked IMMEDIATE)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement.split()[0].upper() + (" IMMEDIATE" if "IMMEDIATE" in statement else ""))

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def writes_take_the_lock_first(self) -> bool:
        """Each INSERT/UPDATE/DELETE belongs to a transaction begun with BEGIN IMMEDIATE."""
        begun = None
        wrote = False
        for statement in self.seen:
            if statement.startswith("BEGIN"):
                begun = statement
            elif statement in ("INSERT", "UPDATE", "DELETE"):
                wrote = True
                if begun != "BEGIN IMMEDIATE":
                    return False
        return wrote


def test_cart_page_merges_a_session_cart_in_a_write_transaction(file_app):
    """A signed-in shopper who put something in the cart before becoming a member of the org:
    the cart page moves the session cart into the member cart without writing in its read
    transaction, and shows the item."""
    app, plan_id = file_app
    client = app.test_client()
    assert client.post("/account/login", data={"email": "shopper@example.com", "password": PASSWORD}).status_code == 303
    assert client.post(f"{STORE}/cart/items", data={"plan_id": plan_id}).status_code == 303
    with app.app_context():  # the shopper becomes a member of the org (e.g. an invitation)
        user = db.session.scalar(sa.select(User).where(User.email == "shopper@example.com"))
        ensure_member(db.session.scalar(sa.select(Org).where(Org.slug == "getw")), user)
        db.session.commit()
        db.session.remove()

    with Statements(app) as sql:
        page = client.get(f"{STORE}/cart")
    assert page.status_code == 200
    assert sql.writes_take_the_lock_first(), sql.seen
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberCartItem)) == 1
        db.session.remove()
    assert client.get(f"{STORE}/cart").status_code == 200  # nothing left to merge: a plain read
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberCartItem)) == 1
        db.session.remove()


def test_email_confirmation_link_writes_in_a_write_transaction(file_app):
    app, _plan_id = file_app
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "unconfirmed@example.com"))
        token = make_verification_token(user)
        db.session.remove()
    client = app.test_client()
    with Statements(app) as sql:
        response = client.get(f"/account/verify/{token}")
    assert response.status_code in (302, 303)
    assert sql.writes_take_the_lock_first(), sql.seen
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "unconfirmed@example.com"))
        assert user.email_verified_at is not None
        db.session.remove()


# ---- lesson visits: a GET writes only when the visit changes something --------------------------

@pytest.fixture
def school_app(tmp_path):
    from tests.learn.player_fixtures import build_school, grant

    app = file_sqlite_app(tmp_path / 'lesson-visits.sqlite3')
    with app.app_context():
        school = build_school()
        db.session.commit()
        db.session.remove()
    grant(app, school, 1)  # lessons 1 and 2 open
    client = app.test_client()
    from tests.learn.player_fixtures import LEARNER
    assert client.post("/account/login", data={"email": LEARNER, "password": PASSWORD}).status_code == 303
    yield app, school, client
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _seen(app, school, index: int):
    from app.learn.models import OrgMemberLessonProgress

    with app.app_context():
        stamp = db.session.scalar(sa.select(OrgMemberLessonProgress.last_viewed_at).where(
            OrgMemberLessonProgress.placement_id == school.placements[index]))
        db.session.remove()
    return stamp


def test_reopening_the_lesson_viewed_last_writes_nothing(school_app):
    """The first view of a lesson records it (started, last viewed) in a write transaction; opening
    it again right after reads only: no write, no write lock, the recorded time stays."""
    app, school, client = school_app
    with Statements(app) as sql:
        assert client.get(school.url(0)).status_code == 200
    assert sql.writes_take_the_lock_first(), sql.seen
    first = _seen(app, school, 0)
    assert first is not None

    for _ in range(2):
        with Statements(app) as sql:
            assert client.get(school.url(0)).status_code == 200
        assert not any(s in ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE") for s in sql.seen), sql.seen
    assert _seen(app, school, 0) == first


def test_going_back_to_an_earlier_lesson_is_recorded_and_resume_leads_there(school_app):
    """Re-opening a lesson after viewing another one is a change (it is now the last viewed): it is
    recorded, and once every open lesson is complete, the course link resumes at it."""
    app, school, client = school_app
    for index in (0, 1):
        assert client.post(school.url(index, "/complete")).status_code == 303
    assert client.get(school.url(1)).status_code == 200
    with Statements(app) as sql:
        assert client.get(school.url(0)).status_code == 200
    assert sql.writes_take_the_lock_first(), sql.seen
    assert _seen(app, school, 0) > _seen(app, school, 1)
    resume = client.get(school.url())
    assert resume.status_code == 302 and resume.headers["Location"].endswith(school.placements[0])


def test_reopening_the_lesson_viewed_last_refreshes_it_after_a_while(school_app):
    """"Last viewed" of the lesson viewed last is refreshed once it is VISIT_REFRESH_SECONDS old."""
    from datetime import timedelta

    from app.learn import progress
    from app.learn.models import OrgMemberLessonProgress

    app, school, client = school_app
    assert client.get(school.url(0)).status_code == 200
    earlier = _seen(app, school, 0) - timedelta(seconds=progress.VISIT_REFRESH_SECONDS + 1)
    with app.app_context():
        db.session.execute(sa.update(OrgMemberLessonProgress).values(last_viewed_at=earlier))
        db.session.commit()
        db.session.remove()
    with Statements(app) as sql:
        assert client.get(school.url(0)).status_code == 200
    assert sql.writes_take_the_lock_first(), sql.seen
    assert _seen(app, school, 0) > earlier


def test_a_file_database_runs_in_wal_mode_without_a_disk_sync_per_commit(file_app):
    # synchronous=NORMAL, SQLite's setting for WAL: a commit no longer waits for the disk (1.4-2.7 ms)
    app, _plan_id = file_app
    with app.app_context():
        conn = db.session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL (FULL is 2)
        db.session.remove()
