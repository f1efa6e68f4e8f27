"""The storefront cache is per process, but an edit reaches every process and host through the
generation number in Redis (app/web/cache.py): two gunicorn servers (two hosts, for the cache)
cache a product page for 300 s, an edit is committed by a third process, and both serve it within
one second.

A change written behind SQLAlchemy's back (raw SQL, no generation bump) stays unseen: that shows
the pages really are cached, so the edit is seen through the invalidation and not a cache miss.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from app import create_app
from app.catalog.models import OrgProduct
from app.config import TestConfig
from app.extensions import db
from app.markets.services import create_market
from tests.conftest import build_schema
from tests.factories import make_org, make_priced_plan, make_product, org_admin

# Both servers share a SQLite file of their own, whatever the stage's database.
pytestmark = [pytest.mark.redis, pytest.mark.sqlite_file]

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/cachetest/us/en/products/field-guide"
START_DEADLINE = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, timeout: float = 10) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{PAGE}", timeout=timeout) as response:
        return response.read().decode()


def _wait_until_serving(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)  # polling interval
    pytest.fail(f"gunicorn did not listen within {START_DEADLINE:.0f} s: {log.read_text()}")


@pytest.fixture
def two_servers(tmp_path):
    """(test-side app, [port, port], database path): two gunicorn servers on one SQLite file and
    the run's Redis, a product page cached for 300 s."""
    redis_url = os.environ["TEST_REDIS_URL"]
    redis.Redis.from_url(redis_url).delete("volmify:storefront:generation")
    path = tmp_path / "shared.sqlite3"
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    config.REDIS_URL = redis_url
    app = create_app(config)
    build_schema(app)
    with app.app_context():
        org = make_org("cachetest", name="Cache Test", locale_keys=("en",))
        us = create_market(org, slug="us", name="US", type="single_country", currency_code="USD",
                           default_locale_key="en", locale_keys=("en",), country_codes=("US",), by=org_admin(org))
        product = make_product(org, type="digital_download", name="Field Guide Original", slug="field-guide")
        make_priced_plan(us, product=product, price="12.00")
        db.session.commit()
        db.session.remove()

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": redis_url,
           "STOREFRONT_CACHE_SECONDS": "300", "VOLMIFY_ENV": "development", "SECRET_KEY": "cache-test",
           "VOLMIFY_INSTANCE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    servers, ports = [], []
    try:
        for n in range(2):
            port = _free_port()
            log = tmp_path / f"gunicorn{n}.log"
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT))
            ports.append(port)
            _wait_until_serving(servers[-1], port, log)
        yield app, ports, path
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)  # quick shutdown
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        with app.app_context():
            db.engine.dispose()


def test_an_edit_shows_on_every_server_within_one_second(two_servers):
    app, ports, path = two_servers
    for port in ports:  # the first request waits for the worker to load the app
        assert "Field Guide Original" in _get(port, timeout=START_DEADLINE)  # now cached in both

    with sqlite3.connect(path) as raw:  # behind the app's back: no generation bump
        raw.execute("UPDATE org_product SET name = 'Field Guide Unseen' WHERE slug = 'field-guide'")
    for port in ports:
        assert "Field Guide Original" in _get(port), "the page was not cached: the test proves nothing"

    with app.app_context():  # the dashboard's commit, from another process
        product = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == "field-guide"))
        product.name = "Field Guide Revised"
        db.session.commit()
        db.session.remove()
    edited = time.monotonic()

    seen: dict[int, float] = {}
    while len(seen) < len(ports) and time.monotonic() - edited < 5:
        for port in ports:
            if port not in seen and "Field Guide Revised" in _get(port):
                seen[port] = time.monotonic() - edited
    assert sorted(seen) == sorted(ports), f"not every server shows the edit after 5 s: {seen}"
    assert max(seen.values()) < 1.0, seen
