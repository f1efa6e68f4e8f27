"""Browser tests: Playwright (pytest-playwright's `page`) driving Debian's Chromium.

Every test under tests/browser is marked `browser` automatically; run them with
`make test-browser` (scripts/test.sh browser). They talk to a real HTTP server (`live_server`)
backed by its own app (`live_app`) and a temporary file SQLite database shared by the server's
threads. Nothing here is rolled back between tests: the database lives for the session, so a
test creates the data it needs under unique names. Do not use the function-scoped `app`,
`client` or `db_session` fixtures in these tests (they patch a different app's connection).

`playwright install` does not work on these machines (no browser download): Chromium comes
from the system (`CHROMIUM_PATH`, default /usr/bin/chromium).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.browser import quality
from tests.browser.csp import csp_guard, csp_violations  # noqa: F401  (fail on any CSP violation)
from tests.browser.quality import _record_visited_pages, page_recorder  # noqa: F401 (fixtures: record visited pages)
from tests.conftest import load_reference_data

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium floods the closed network with refused
# connections; --no-sandbox because the suite runs as root here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The demo's EU market domain resolves to the live server (tests add the server's port).
DEMO_EU_HOST = "eu.acme.localhost"
HOST_RULES = f"--host-resolver-rules=MAP {DEMO_EU_HOST} 127.0.0.1"

_HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before `-m browser` / `-m "not browser"` deselects anything
def pytest_collection_modifyitems(config, items):
    # Conftest hooks see every collected item, not only this directory's: filter by path.
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
    quality.run_gates_last(items)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": [*CHROMIUM_ARGS, HOST_RULES]}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """An app of its own for the live server: file SQLite, real CSRF tokens, no rate limits."""
    db_path = tmp_path_factory.mktemp("live-db") / "volmify-browser.sqlite3"
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{db_path}"
    config.WTF_CSRF_ENABLED = True  # real forms carry the token
    config.RATELIMIT_ENABLED = False
    app = create_app(config)
    with app.app_context():
        db.create_all()
        load_reference_data()
        db.session.commit()
        app.config["VOLMIFY_DEMO_LOADED"] = _load_demo_once()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _load_demo_once() -> bool:
    """Load app.demo's data into the live database (once: only into a database without orgs).

    Returns False when app.demo is not there (storefront tests then skip, see `demo`).
    """
    if importlib.util.find_spec("app.demo") is None:
        return False
    from app.demo import database_is_empty, load_demo

    if database_is_empty():
        load_demo()  # flushes, never commits
        db.session.commit()
    return True


@pytest.fixture(scope="session")
def demo(live_app):
    """The live server's database holds the demo data (acme with its us/eu/latam markets)."""
    if not live_app.config.get("VOLMIFY_DEMO_LOADED"):
        pytest.skip("app.demo.load_demo is not available")
    return live_app


@pytest.fixture(scope="session")
def ui_text(live_app):
    """``ui_text("de", "My account")``: the UI string as the app's catalog renders it in a locale.

    Asserts that a non-English catalog really translates it, so a page compared with it is known
    to be in that language (without hard-coding the translators' wording in tests).
    """

    def translate(locale: str, msgid: str, **variables) -> str:
        from flask_babel import force_locale, gettext

        with live_app.test_request_context():
            with force_locale(locale):
                text = gettext(msgid, **variables)
            with force_locale("en"):
                english = gettext(msgid, **variables)
        if not locale.startswith("en"):
            assert text != english, f"translations/{locale.split('-')[0]} does not translate {msgid!r}"
        return text

    return translate


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of a threaded werkzeug server running `live_app` in a daemon thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live_app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"  # emailed links
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright's base URL, so `page.goto("/account/login")` reaches the live server."""
    return live_server
