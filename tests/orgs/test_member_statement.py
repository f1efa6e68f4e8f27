"""SQLite compiles the per-request membership statement once, not on every run (issue 15).

``user_profile (user_id, type)`` is a partial index (``WHERE type = 'main'``): a statement that
compares ``type`` with a bound parameter is compiled again by SQLite each time it runs (to check
whether the partial index applies). An authorizer is called only while SQLite compiles.
"""

from __future__ import annotations

import pytest

from app.accounts.services import main_profile
from app.extensions import db
from app.orgs.current import load_member, member_select
from tests.factories import make_member, make_org, make_user


def _compiles(run) -> int:
    """How many authorizer callbacks (compilations) a second run of ``run()`` causes."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite")
    raw = connection.connection.dbapi_connection
    calls = []
    raw.set_authorizer(lambda *_args: calls.append(1) or 0)
    try:
        run()  # compiled once here (setting an authorizer expires compiled statements)
        calls.clear()
        run()
    finally:
        raw.set_authorizer(None)
    return len(calls)


def test_the_membership_statement_is_compiled_once(app_ctx):
    org, user = make_org(), make_user()
    make_member(org, user)
    db.session.flush()
    statement = member_select()
    assert _compiles(lambda: load_member(statement, org.id, user)) == 0


def test_the_main_profile_statement_is_compiled_once(app_ctx):
    user = make_user()
    db.session.flush()
    assert _compiles(lambda: main_profile(user)) == 0
