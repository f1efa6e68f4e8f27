"""PostgreSQL: reads run outside a transaction, writes and row locks inside one (app.db, issue 15).

A connection reads in autocommit, so a request that only reads sends no BEGIN and no COMMIT, and
the statements psycopg prepared (after five runs) keep their plans across requests: psycopg forgets
them all on ROLLBACK, which such a request no longer sends. The first statement that writes or
locks opens the transaction, which is then committed or rolled back as one, its locks held to its
end.
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


def _in_transaction(conn) -> bool:
    from psycopg import pq

    return conn.connection.dbapi_connection.info.transaction_status != pq.TransactionStatus.IDLE


def test_reads_open_no_transaction_and_stay_prepared(engine):
    with engine.connect() as conn:  # a connection that wrote, then went back to the pool
        conn.exec_driver_sql("CREATE TEMP TABLE probe (x integer)")
        conn.commit()
    with engine.connect() as conn:
        for _ in range(6):
            conn.execute(sa.text("SELECT 1 + :x AS prepared_probe"), {"x": 1}).scalar()
            # a query with a CTE reads too (the catalog's listing is one)
            conn.execute(sa.text("WITH t AS (SELECT :x AS y) SELECT y FROM t"), {"x": 1}).scalar()
        assert not _in_transaction(conn)
        conn.rollback()  # what closing a read-only request's session does
        assert _prepared(conn) >= 2
        conn.rollback()


@pytest.fixture
def lock_probe(engine):
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE lock_probe (x integer PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO lock_probe VALUES (1)")
        conn.commit()
    yield
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP TABLE lock_probe")
        conn.commit()


@pytest.mark.parametrize("lock", [
    "SELECT x FROM lock_probe WHERE x = 1 FOR UPDATE",
    "SELECT x FROM lock_probe WHERE x = 1 FOR NO KEY UPDATE",
    "SELECT x FROM lock_probe WHERE x = 1 FOR SHARE",
    "SELECT x FROM lock_probe WHERE x = 1 FOR UPDATE SKIP LOCKED",
])
def test_a_row_lock_is_held_until_the_transaction_ends(engine, lock_probe, lock):
    with engine.connect() as holder, engine.connect() as other:
        holder.exec_driver_sql("SELECT count(*) FROM lock_probe").scalar()  # a read first
        assert holder.exec_driver_sql(lock).scalar() == 1
        assert _in_transaction(holder)
        with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
            other.exec_driver_sql("SELECT x FROM lock_probe WHERE x = 1 FOR UPDATE NOWAIT").scalar()
        other.rollback()
        holder.commit()
        assert other.exec_driver_sql("SELECT x FROM lock_probe WHERE x = 1 FOR UPDATE NOWAIT").scalar() == 1
        other.rollback()


def test_a_savepoint_first_opens_the_transaction(engine, lock_probe):
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM lock_probe").scalar()
        with conn.begin_nested():
            conn.exec_driver_sql("INSERT INTO lock_probe VALUES (2)")
        conn.rollback()
        assert conn.exec_driver_sql("SELECT count(*) FROM lock_probe").scalar() == 1


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
