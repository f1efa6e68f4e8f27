"""Loading the demo data (``flask seed demo``) into an empty database, twice: the second load
changes nothing. (The rest of the demo's tests share one load: tests/test_demo.py.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.demo import database_is_empty, load_demo
from app.extensions import db


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    """The demo creates ten users; a cheap argon2 hash keeps the same code path."""
    from argon2 import PasswordHasher

    from app.accounts import services as accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hash_password", cheap.hash)


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_loading_twice_leaves_every_table_unchanged(db_session):
    assert database_is_empty()
    load_demo()
    first = _row_counts()
    assert not database_is_empty()
    load_demo()
    assert _row_counts() == first
    assert first["org"] == 2 and first["org_product"] > 0 and first["org_lesson"] > 0
