"""PostgreSQL keeps the plans of the app's statements across requests (app.db, issue 15).

psycopg prepares a statement once it has run five times on a connection, so PostgreSQL stops
planning it on every run; but psycopg forgets them all on ROLLBACK, and a request that only read
ends its transaction with a rollback. A transaction that ran only SELECTs is ended with COMMIT
instead; one that wrote, or failed, is still rolled back.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(_app):
    with _app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL")
    return engine


def _prepared(conn) -> int:
    return conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()


def test_statements_stay_prepared_after_a_transaction_that_only_read(engine):
    with engine.connect() as conn:
        for _ in range(6):
            conn.execute(sa.text("SELECT 1 + :x AS prepared_probe"), {"x": 1}).scalar()
            # a query with a CTE reads too (the catalog's listing is one)
            conn.execute(sa.text("WITH t AS (SELECT :x AS y) SELECT y FROM t"), {"x": 1}).scalar()
        conn.rollback()  # what closing a read-only request's session does
        assert _prepared(conn) >= 2
        conn.rollback()


def test_a_transaction_that_wrote_is_still_rolled_back(engine):
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE rollback_probe (x integer)")
        conn.commit()
        try:
            conn.exec_driver_sql("SELECT count(*) FROM rollback_probe").scalar()
            conn.exec_driver_sql("INSERT INTO rollback_probe VALUES (1)")
            conn.rollback()
            assert conn.exec_driver_sql("SELECT count(*) FROM rollback_probe").scalar() == 0
            conn.exec_driver_sql("WITH added AS (INSERT INTO rollback_probe VALUES (2) RETURNING x) SELECT x FROM added")
            conn.rollback()
            assert conn.exec_driver_sql("SELECT count(*) FROM rollback_probe").scalar() == 0
            conn.rollback()
            # a failed transaction rolls back too (no commit attempted)
            with pytest.raises(sa.exc.DBAPIError):
                conn.exec_driver_sql("SELECT 1 / (SELECT count(*) FROM rollback_probe)").scalar()
            conn.rollback()
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        finally:
            conn.rollback()
            conn.exec_driver_sql("DROP TABLE rollback_probe")
            conn.commit()
