"""Tests of the test harness itself: per-test rollback and query counting."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.platform.models import Currency

FAKE = "XTS"  # ISO 4217's code reserved for testing


def _fake_currency_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Currency).where(Currency.code == FAKE))


def _insert_fake_currency_and_commit() -> None:
    assert _fake_currency_count() == 0, "a previous test's committed row leaked into this one"
    db.session.add(Currency(code=FAKE, name="Test currency", symbol="T", decimal_places=2))
    db.session.commit()
    db.session.remove()  # a fresh session must still see the committed row within the test
    assert _fake_currency_count() == 1


# Two identical tests: whichever runs second fails if the first one's commit survived.
def test_committed_row_is_rolled_back_after_the_test_1(db_session):
    _insert_fake_currency_and_commit()


def test_committed_row_is_rolled_back_after_the_test_2(db_session):
    _insert_fake_currency_and_commit()


def test_rollback_after_integrity_error_keeps_earlier_commits(db_session):
    _insert_fake_currency_and_commit()
    db_session.add(Currency(code=FAKE, name="Duplicate", symbol="D", decimal_places=2))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()  # what a view that catches IntegrityError does
    assert _fake_currency_count() == 1
    assert db_session.get(Currency, FAKE).name == "Test currency"


def test_commit_in_one_app_context_is_visible_in_the_next(app):
    with app.app_context():
        assert _fake_currency_count() == 0
        db.session.add(Currency(code=FAKE, name="Test currency", symbol="T", decimal_places=2))
        db.session.commit()
    with app.app_context():
        assert _fake_currency_count() == 1


def test_reference_data_is_loaded(db_session):
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Currency)) > 0


def test_count_queries_counts_a_simple_select(db_session, count_queries):
    db_session.execute(sa.text("SELECT 1"))  # the savepoint is opened outside the block
    with count_queries() as q:
        db_session.execute(sa.select(Currency.code).where(Currency.code == "USD")).all()
    assert q.count == 1, str(q)
    assert "currency" in q.statements[0]


def test_count_queries_leaves_out_transaction_control(db_session, count_queries):
    with count_queries() as q:
        db_session.execute(sa.text("SELECT 1"))  # first statement: the session opens a SAVEPOINT
        db_session.commit()  # RELEASE SAVEPOINT
    assert q.count == 1, str(q)
    assert any(s.upper().startswith(("SAVEPOINT", "RELEASE")) for s in q.all_statements)


def test_count_queries_sees_view_queries(client, count_queries):
    with count_queries() as q:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert any("SELECT 1" in s for s in q.statements), str(q)
    with count_queries() as q:
        assert client.get("/ping").status_code == 200
    assert q.count == 0, str(q)
