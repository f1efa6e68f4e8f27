"""Rate limits: registration, resending the verification email, the 429 page, keying on the client
behind proxies (PROXY_FIX), and one limit shared by several processes through Redis (REDIS_URL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.config import proxy_fix_options
from app.extensions import db
from app.platform.models import EmailOutbox
from tests.accounts.test_views import register, sign_up

ROOT = Path(__file__).resolve().parents[2]


def _emails(app, kind: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(EmailOutbox).where(EmailOutbox.kind == kind))


def test_registration_is_rate_limited_per_client(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_RATE_LIMIT", "3 per hour")
    statuses = []
    for n in range(4):
        statuses.append(register(client, email=f"user{n}@example.com").status_code)
        client.post("/account/logout")
    assert statuses == [303, 303, 303, 429]
    refused = register(client, email="late@example.com")
    assert refused.status_code == 429
    assert b"Too many attempts. Please wait" in refused.data
    assert int(refused.headers["Retry-After"]) > 0
    with app.app_context():
        assert _emails(app, "verify_email") == 3  # the refused sign-ups created nothing


def test_resending_the_verification_email_is_limited_per_user(app, client):
    sign_up(client)
    statuses = [client.post("/account/verify/resend").status_code for _ in range(30)]
    limit = int(app.config["VERIFY_RESEND_RATE_LIMIT"].split()[0])
    assert statuses == [303] * limit + [429] * (30 - limit)
    assert _emails(app, "verify_email") == 1 + limit  # not 31

    # Another user on the same connection still has their own allowance.
    client.post("/account/logout")
    sign_up(client, email="grace@example.com", name="Grace Hopper")
    assert client.post("/account/verify/resend").status_code == 303


def test_the_429_page_says_how_long_to_wait_in_the_visitors_language(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1 per 10 minutes")
    login(client, "nobody@example.com", "wrong password!")
    english = client.post("/account/login", data={"email": "nobody@example.com", "password": "x"})
    assert english.status_code == 429
    assert "Too many attempts. Please wait 10 minutes and try again." in english.get_data(as_text=True)
    german = client.post("/account/login", data={"email": "nobody@example.com", "password": "x"},
                         headers={"Accept-Language": "de"})
    assert german.status_code == 429
    assert "Zu viele Versuche. Bitte warten Sie 10 Minuten und versuchen Sie es erneut." in german.get_data(
        as_text=True)


# ---- PROXY_FIX ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (None, None), ("", None), ("0", None), ("off", None),
    ("1", {"x_for": 1, "x_proto": 1, "x_host": 1}),
    ("x_for=1,x_proto=1,x_host=1", {"x_for": 1, "x_proto": 1, "x_host": 1}),
    (" x_for = 2 , x_prefix=1 ", {"x_for": 2, "x_prefix": 1}),
    ("x_for=0", None),
])
def test_proxy_fix_setting_is_parsed(value, expected):
    assert proxy_fix_options(value) == expected


@pytest.mark.parametrize("value", ["x_for", "x_for=one", "x_forwarded=1", "x_for=-1", "yes please"])
def test_a_malformed_proxy_fix_setting_stops_the_app(value):
    with pytest.raises(RuntimeError, match="PROXY_FIX"):
        proxy_fix_options(value)


def _attempts(client, forwarded_for: str, n: int) -> list[int]:
    return [
        client.post("/account/login", data={"email": "nobody@example.com", "password": "wrong password!"},
                    headers={"X-Forwarded-For": forwarded_for}).status_code
        for _ in range(n)
    ]


def test_behind_a_proxy_each_client_address_has_its_own_limit(make_app):
    app = make_app(PROXY_FIX="x_for=1,x_proto=1,x_host=1", LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()  # every request comes from the proxy's address, 127.0.0.1
    assert _attempts(client, "203.0.113.5", 4) == [422, 422, 422, 429]
    assert _attempts(client, "203.0.113.6", 4) == [422, 422, 422, 429]
    # The proxy appends the address it saw: a client cannot pick its own by sending the header.
    assert _attempts(client, "198.51.100.1, 203.0.113.5", 1) == [429]


def test_without_proxy_fix_x_forwarded_for_is_ignored(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    assert _attempts(client, "203.0.113.5", 3) == [422, 422, 422]
    assert _attempts(client, "203.0.113.6", 1) == [429]  # same socket address: same limit


# ---- REDIS_URL: one limit for every worker ---------------------------------------------------

WORKER = """
import json, sys
from app import create_app
from app.extensions import db

app = create_app()  # Config from the environment: REDIS_URL, DATABASE_URL, LOGIN_RATE_LIMIT
assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://"), app.config["RATELIMIT_STORAGE_URI"]
app.config["WTF_CSRF_ENABLED"] = False
with app.app_context():
    db.create_all()
print("ready", flush=True)
sys.stdin.readline()  # start together
client = app.test_client()
statuses = [
    client.post("/account/login", data={"email": "nobody@example.com", "password": "wrong password!"}).status_code
    for _ in range(int(sys.argv[1]))
]
print(json.dumps(statuses), flush=True)
"""


@pytest.mark.redis
@pytest.mark.sqlite_file  # each worker on a SQLite file of its own
def test_two_worker_processes_share_one_login_limit_through_redis(tmp_path):
    import redis

    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).flushdb()  # a fresh count (the server is per run)
    workers = []
    for n in range(2):
        env = {
            **os.environ,
            "REDIS_URL": os.environ["TEST_REDIS_URL"],
            "DATABASE_URL": f"sqlite:///{tmp_path / f'worker{n}.sqlite3'}",
            "VOLMIFY_INSTANCE_DIR": str(tmp_path),
            "VOLMIFY_ENV": "development",
            "SECRET_KEY": "two-workers",
            "LOGIN_RATE_LIMIT": "5 per minute",
        }
        workers.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, "5"], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))
    try:
        for worker in workers:
            line = worker.stdout.readline()
            assert line.strip() == "ready", worker.stderr.read()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    statuses = results[0] + results[1]
    # Ten attempts from one address against "5 per minute": five refused, whichever worker served them.
    assert sorted(statuses) == [422] * 5 + [429] * 5, results

