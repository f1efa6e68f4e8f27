"""Signed-in lesson views under concurrency on the embedded database (a FILE SQLite database, WAL).

Opening a lesson records the visit. That write used to be flushed before the page rendered and
committed after it, so every signed-in view held SQLite's write lock while rendering, and a second
view that had already read could not upgrade its read lock: SQLite answers "database is locked" at
once in that case (busy_timeout does not apply). Now GET transactions only read, the visit is
recorded after rendering in a short transaction of its own, and transactions that write begin
with ``BEGIN IMMEDIATE`` (app.db), so they wait for each other instead of failing.

These tests build their own app on a file database and serve it from a threaded werkzeug server;
nothing is rolled back (the database is thrown away). They run on the SQLite stage only: the point
is SQLite's locking, and the PostgreSQL stage would run the same file-SQLite test a second time.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.extensions import db
from app.learn.models import OrgMemberLessonProgress
from tests.conftest import file_sqlite_app
from tests.factories import PASSWORD
from tests.learn.player_fixtures import LEARNER, build_school, grant

# SQLite locking: the tests use a file SQLite database of their own (the SQLite stage runs them).
pytestmark = pytest.mark.sqlite_file

THREADS = 8
VIEWS_PER_THREAD = 6


@pytest.fixture
def live(tmp_path):
    """(app, base URL, school) of a threaded server on a file SQLite database of its own."""
    app = file_sqlite_app(tmp_path / 'concurrency.sqlite3')
    with app.app_context():
        school = build_school()
        db.session.commit()
        db.session.remove()
    grant(app, school, 3)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="concurrency-server", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}", school
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _signed_in_opener(base: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    body = urllib.parse.urlencode({"email": LEARNER, "password": PASSWORD}).encode()
    with opener.open(f"{base}/account/login", data=body, timeout=30) as response:
        assert response.status == 200 and response.url.endswith("/account/")  # followed the 303
    return opener


def _status(opener, url: str, *, data: bytes | None = None, headers: dict | None = None) -> int:
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_concurrent_signed_in_lesson_views_never_answer_500(live):
    app, base, school = live
    # Every open lesson (tier 3 opens them all), each never visited before: the first views insert.
    urls = [f"{base}{school.url(i)}" for i in range(len(school.placements))]
    openers = [_signed_in_opener(base) for _n in range(THREADS)]
    start = threading.Barrier(THREADS, timeout=30)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def learner(number: int) -> None:
        opener = openers[number]
        try:
            start.wait()
            for view in range(VIEWS_PER_THREAD):
                url = urls[(number + view) % len(urls)]
                if view % 3 == 2:  # the htmx swap of the lesson region, and a video position save
                    codes = [_status(opener, url, headers={"HX-Request": "true", "HX-Target": "lesson-region"}),
                             _status(opener, f"{base}{school.url(1, '/position')}", data=b"seconds=42")]
                else:
                    codes = [_status(opener, url)]
                with lock:
                    statuses.extend(codes)
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=learner, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a learner hung"
    assert errors == []
    assert len(statuses) == THREADS * (VIEWS_PER_THREAD + VIEWS_PER_THREAD // 3)
    assert sorted(set(statuses)) == [200, 204], f"{statuses.count(500)} of {len(statuses)} requests failed"
    with app.app_context():
        rows = db.session.scalars(sa.select(OrgMemberLessonProgress)).all()
        # One row per lesson (two first visits at once never made two), each with its last view.
        assert sorted(r.placement_id for r in rows) == sorted(school.placements)
        assert all(r.last_viewed_at is not None for r in rows)
        assert {r.placement_id: r.position_seconds for r in rows}[school.placements[1]] == 42
        db.session.remove()


def test_reads_begin_deferred_and_writes_take_the_lock_up_front(live):
    """The SQL a signed-in lesson view and a position save send: a GET reads in a deferred
    transaction and records the visit afterwards in an IMMEDIATE one; a POST begins IMMEDIATE."""
    app, _base, school = live
    client = app.test_client()
    assert client.post("/account/login", data={"email": LEARNER, "password": PASSWORD}).status_code == 303
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper() + (" IMMEDIATE" if "IMMEDIATE" in statement else ""))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(school.url(0)).status_code == 200
        begins = [i for i, s in enumerate(statements) if s.startswith("BEGIN")]
        writes = [i for i, s in enumerate(statements) if s in ("INSERT", "UPDATE")]
        assert [statements[i] for i in begins] == ["BEGIN", "BEGIN IMMEDIATE"]
        assert writes and min(writes) > begins[1]  # nothing written in the read transaction

        statements.clear()
        assert client.post(school.url(1, "/position"), data={"seconds": "7"}).status_code == 204
        assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
