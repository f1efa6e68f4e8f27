"""Shared fixtures: one schema per session, one rolled-back transaction per test.

Database: ``TestConfig`` uses ``TEST_DATABASE_URL`` (never ``DATABASE_URL``), else in-memory
SQLite. ``scripts/test.sh`` runs the suite once on SQLite and once on a throwaway PostgreSQL,
where ``VOLMIFY_PG_ADMIN_URL`` (the server's ``postgres`` database) lets a test create extra
databases (see ``pg_admin_url``).

Fixtures
  app          the application, with every database write of the test rolled back at teardown
               (STYLE.md §15: an outer transaction on one connection, sessions join it with
               SAVEPOINTs, so views may commit or roll back freely).
  client       ``app.test_client()``. Use it WITHOUT an app context pushed.
  app_ctx      pushes an app context for service/model tests (yields the app).
  db_session   ``db.session`` inside ``app_ctx``.
  count_queries  ``with count_queries() as q: ...`` then ``q.count`` / ``q.statements``.
  login        ``login(client, email, password)`` posts the login form.

The app-context rule (Flask-SQLAlchemy docs): do not hold an app context while making requests
with the test client. A request reuses an already-pushed context of the same app, so the view
would share ``g`` and the test's ``db.session`` (objects never expire, teardown never runs). So a
test uses either ``client`` or ``app_ctx``/``db_session``, not both. A view test that needs to
prepare or inspect data opens short blocks instead::

    def test_profile(app, client):
        with app.app_context():
            user = make_user(); db.session.commit()
        client.get("/account/profile")
        with app.app_context():
            assert db.session.scalar(...)
"""

from __future__ import annotations

import atexit
import inspect
import os
import re
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from unittest import mock

# Keep files the app writes (instance/) out of the working tree: must be set before app.config
# is imported, since it reads VOLMIFY_INSTANCE_DIR at import time.
_INSTANCE_DIR = tempfile.mkdtemp(prefix="volmify-instance-")
os.environ["VOLMIFY_INSTANCE_DIR"] = _INSTANCE_DIR
atexit.register(shutil.rmtree, _INSTANCE_DIR, True)

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.extensions import db, limiter  # noqa: E402

LOGIN_URL = "/account/login"

# Test modules import TestConfig; without this pytest tries to collect it as a test class and
# warns. (Better placed in app/config.py itself.)
TestConfig.__test__ = False


def _is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# ---- markers ------------------------------------------------------------------------------

def _test_db_dialect() -> str:
    url = TestConfig().SQLALCHEMY_DATABASE_URI
    return sa.engine.make_url(url).get_backend_name()


CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
_CHROMIUM_SKIPS: list[str] = []
# A throwaway redis-server started by scripts/test.sh (scripts/redis.sh) for `redis`-marked tests.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
_REDIS_SKIPS: list[str] = []


@pytest.hookimpl(trylast=True)  # after `-m` deselection: only selected tests are seen
def pytest_collection_modifyitems(config, items):
    """Nothing is skipped silently: every skip carries a reason shown by `-rs`.

    - `postgres`-marked tests skip on any other database.
    - `sqlite_file`-marked tests (a SQLite file database of their own, whatever the stage's) skip
      on the PostgreSQL stage: they would run the same thing twice.
    - selected browser tests without Chromium: an error under CI=true, a loud skip otherwise.
    - selected `redis` tests without TEST_REDIS_URL: the same.
    """
    if _test_db_dialect() != "postgresql":
        skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run `make test-postgres` (TEST_DATABASE_URL)")
        for item in items:
            if item.get_closest_marker("postgres"):
                item.add_marker(skip_pg)
    else:
        skip_file = pytest.mark.skip(reason="uses a SQLite file database of its own: runs on the SQLite stage")
        for item in items:
            if item.get_closest_marker("sqlite_file"):
                item.add_marker(skip_file)

    _require_redis(items)

    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return
    message = f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)"
    if _is_ci():
        raise pytest.UsageError(f"CI=true and {len(browser_items)} browser tests selected, but {message}")
    skip = pytest.mark.skip(reason=f"SKIPPED BROWSER TEST: {message}")
    for item in browser_items:
        item.add_marker(skip)
    _CHROMIUM_SKIPS.append(message)


def _require_redis(items) -> None:
    redis_items = [item for item in items if item.get_closest_marker("redis")]
    if not redis_items or TEST_REDIS_URL:
        return
    message = "TEST_REDIS_URL is not set (scripts/test.sh starts a redis-server: apt-get install redis-server)"
    if _is_ci():
        raise pytest.UsageError(f"CI=true and {len(redis_items)} redis tests selected, but {message}")
    skip = pytest.mark.skip(reason=f"SKIPPED REDIS TEST: {message}")
    for item in redis_items:
        item.add_marker(skip)
    _REDIS_SKIPS.append(message)


def pytest_terminal_summary(terminalreporter):
    if _CHROMIUM_SKIPS:
        terminalreporter.write_sep("!", f"BROWSER TESTS SKIPPED: {_CHROMIUM_SKIPS[0]}", red=True, bold=True)
    if _REDIS_SKIPS:
        terminalreporter.write_sep("!", f"REDIS TESTS SKIPPED: {_REDIS_SKIPS[0]}", red=True, bold=True)


def pytest_report_header(config):
    url = sa.engine.make_url(TestConfig().SQLALCHEMY_DATABASE_URI)
    return f"volmify test database: {url.render_as_string(hide_password=True)}"


# ---- schema (once per session) --------------------------------------------------------------

def load_reference_data() -> None:
    """Run ``app.platform.reference.load_reference_data`` if it exists (idempotent; flushes)."""
    try:
        from app.platform import reference
    except ImportError:
        return
    loader = getattr(reference, "load_reference_data", None)
    if loader is None:
        return
    params = [p for p in inspect.signature(loader).parameters.values()
              if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    loader(db.session) if params else loader()


def build_schema(app) -> None:
    """Create every table and load the reference data, committed. Call outside any app context."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            # A previous run (or a migration test) may have left tables, including ones no longer
            # in the metadata and alembic_version: start from an empty schema.
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        db.create_all()
        load_reference_data()
        db.session.commit()
        db.session.remove()


def file_sqlite_app(path):
    """An app of its own on a FILE SQLite database at ``path`` (WAL, real locking), its schema
    built: for tests about SQLite's locking, where the shared in-memory test database cannot tell."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    build_schema(app)
    return app


@pytest.fixture(scope="session")
def _app():
    """The application with its schema built; never use it directly in a test (use `app`)."""
    app = create_app(TestConfig())
    build_schema(app)
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


# ---- per-test isolation (STYLE.md §15) --------------------------------------------------------

@pytest.fixture
def _db_connection(request, _app):
    """The one connection the test's sessions use, inside an outer transaction (in a module marked
    ``module_data``: the module's connection, inside a SAVEPOINT of it)."""
    if request.node.get_closest_marker("module_data") is not None:
        engines, conn = request.getfixturevalue("_module_connection")
        nested = conn.begin_nested()
        yield engines, conn
        if nested.is_active:
            nested.rollback()
        return
    with _outer_transaction(_app) as engines_and_connection:
        yield engines_and_connection


@contextmanager
def _outer_transaction(app):
    """(the app's engines, a connection of its own inside a transaction), rolled back at the end."""
    with app.app_context():
        engines = db.engines  # the per-app dict Session.get_bind reads
    conn = engines[None].connect()
    tx = conn.begin()
    try:
        yield engines, conn
    finally:
        if tx.is_active:
            tx.rollback()
        conn.close()


# ---- data built once per module (pytestmark = pytest.mark.module_data) ------------------------

@pytest.fixture(scope="module")
def _module_connection(_app):
    """A module's own connection, inside an outer transaction rolled back when the module ends."""
    with _outer_transaction(_app) as engines_and_connection:
        yield engines_and_connection


@pytest.fixture(scope="module")
def module_app(request, _app, _module_connection):
    """The app on the module's connection, for module-scoped fixtures that build data every test of
    a module marked ``module_data`` shares (building it is the slow part of those tests); it may
    commit. Each test then runs in a SAVEPOINT of that connection, rolled back after it.

    On in-memory SQLite every connection is the same one: in such a module, every test that touches
    the database must use the module's data (mark the whole module)."""
    if request.node.get_closest_marker("module_data") is None:
        pytest.fail(f"{request.node.nodeid} uses data built once per module: mark it "
                    "`pytestmark = pytest.mark.module_data`", pytrace=False)
    engines, conn = _module_connection
    with mock.patch.dict(engines, {None: conn}), mock.patch.dict(
        db.session.session_factory.kw, {"join_transaction_mode": "create_savepoint"}
    ):
        yield _app
        with _app.app_context():
            db.session.remove()


@pytest.fixture(scope="module")
def demo_data(module_app):
    """The demo data (``flask seed demo``), loaded once for the module (mark it ``module_data``)."""
    from argon2 import PasswordHasher

    from app.accounts import services as accounts
    from app.demo import load_demo

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # ten users: the cost is the hashing
    with mock.patch.object(accounts, "hash_password", cheap.hash), module_app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app(_app, _db_connection):
    """The app; every write the test makes (even committed ones) is rolled back afterwards."""
    engines, conn = _db_connection
    # One global Flask-Limiter instance serves every app built in this process; keep its
    # switch on this app's setting and start each test with empty counters.
    limiter.enabled = _app.config.get("RATELIMIT_ENABLED", True)
    limiter.reset()
    with mock.patch.dict(engines, {None: conn}), mock.patch.dict(
        db.session.session_factory.kw, {"join_transaction_mode": "create_savepoint"}
    ):
        yield _app
        with _app.app_context():
            db.session.remove()


@pytest.fixture
def make_app(_app, _db_connection):
    """``make_app(PROXY_FIX="x_for=1")``: another application built from ``TestConfig`` with these
    settings (for settings that act in ``create_app``), on the test's rolled-back connection.

    Flask-Limiter's one global instance follows the last app built; its counters start empty."""
    _engines, conn = _db_connection
    with ExitStack() as stack:
        stack.enter_context(mock.patch.dict(db.session.session_factory.kw,
                                            {"join_transaction_mode": "create_savepoint"}))

        def make(**settings):
            config = TestConfig()
            for name, value in settings.items():
                setattr(config, name, value)
            built = create_app(config)
            with built.app_context():
                engines = db.engines
            for engine in engines.values():
                engine.dispose()
            stack.enter_context(mock.patch.dict(engines, {None: conn}))
            limiter.reset()
            return built

        yield make
        with _app.app_context():
            db.session.remove()


@pytest.fixture
def client(app):
    """A test client. Do not combine with `app_ctx`/`db_session` (see the module docstring)."""
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    """An app context for service and model tests. Never make client requests inside it."""
    with app.app_context():
        yield app


@pytest.fixture
def db_session(app_ctx):
    """``db.session`` bound to the test's rolled-back connection (holds an app context)."""
    yield db.session


@pytest.fixture
def pg_admin_url():
    """URL of the PostgreSQL maintenance database (to CREATE DATABASE); skips off PostgreSQL."""
    url = os.environ.get("VOLMIFY_PG_ADMIN_URL")
    if not url:
        if _is_ci() and _test_db_dialect() == "postgresql":
            pytest.fail("VOLMIFY_PG_ADMIN_URL is not set (scripts/test.sh postgres exports it)")
        pytest.skip("needs VOLMIFY_PG_ADMIN_URL (run `make test-postgres`)")
    return url


# ---- query counting ---------------------------------------------------------------------------

_TX_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


@dataclass
class QueryLog:
    """Statements seen during a ``count_queries()`` block (transaction control excluded)."""

    statements: list[str] = field(default_factory=list)
    all_statements: list[str] = field(default_factory=list)  # including BEGIN/SAVEPOINT/...

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{i}: {s}" for i, s in enumerate(self.statements, 1))


@pytest.fixture
def count_queries(_db_connection):
    """``with count_queries() as q: client.get(url)`` then ``assert q.count <= 5, str(q)``.

    Listens for ``before_cursor_execute`` on the test's connection, so it sees the statements
    of views and services alike. ``executemany`` batches count once.
    """
    _engines, conn = _db_connection

    @contextmanager
    def counter():
        log = QueryLog()

        def before_cursor_execute(_conn, _cursor, statement, _params, _context, _executemany):
            log.all_statements.append(statement)
            if not _TX_CONTROL.match(statement):
                log.statements.append(statement)

        sa.event.listen(conn, "before_cursor_execute", before_cursor_execute)
        try:
            yield log
        finally:
            sa.event.remove(conn, "before_cursor_execute", before_cursor_execute)

    return counter


# ---- accounts ---------------------------------------------------------------------------------

@pytest.fixture
def login():
    """``login(client, email, password)`` posts the login form; returns the (unfollowed) response.

    CSRF is off in TestConfig. A successful login redirects (302/303); a failed one re-renders.
    """

    def do_login(client, email: str, password: str, *, follow_redirects: bool = False, **extra):
        data = {"email": email, "password": password, **extra}
        return client.post(LOGIN_URL, data=data, follow_redirects=follow_redirects)

    return do_login
