"""A pooled PostgreSQL connection is checked on checkout without a round trip (app.db, issue 15).

``pool_pre_ping`` pinged the server on every checkout, i.e. once per request. A connection checked
in moments ago, idle, whose socket has nothing to read (a server that ends a connection says so) is
handed out unpinged; any doubt sends the real ping, and SQLAlchemy replaces a closed connection as
before: the next request never sees it.
"""

from __future__ import annotations

import socket
import time
import types

import pytest
import sqlalchemy as sa

from app import db as appdb
from app.extensions import db


class _Dialect:
    def __init__(self) -> None:
        self.pings = 0

    def do_ping(self, dbapi_connection) -> bool:
        self.pings += 1
        return True


def _connection(fd: int, *, checked_in_ago: float | None, closed: bool = False):
    from psycopg import pq

    conn = types.SimpleNamespace(
        closed=closed,
        info=types.SimpleNamespace(transaction_status=pq.TransactionStatus.IDLE),
        pgconn=types.SimpleNamespace(socket=fd),
    )
    if checked_in_ago is not None:
        setattr(conn, appdb._CHECKED_IN, time.monotonic() - checked_in_ago)
    return conn


def test_a_connection_checked_in_moments_ago_is_not_pinged_unless_its_socket_has_input():
    pytest.importorskip("psycopg")
    ours, server = socket.socketpair()
    try:
        dialect = _Dialect()
        assert appdb._pg_ping(dialect, _connection(ours.fileno(), checked_in_ago=0.01)) is True
        assert dialect.pings == 0
        # never checked in (made elsewhere), idle too long, or closed: the real ping
        appdb._pg_ping(dialect, _connection(ours.fileno(), checked_in_ago=None))
        appdb._pg_ping(dialect, _connection(ours.fileno(), checked_in_ago=appdb.PING_AFTER_IDLE_SECONDS + 1))
        appdb._pg_ping(dialect, _connection(ours.fileno(), checked_in_ago=0.01, closed=True))
        assert dialect.pings == 3
        server.close()  # what a server that ends the connection does: its socket reads end of file
        appdb._pg_ping(dialect, _connection(ours.fileno(), checked_in_ago=0.01))
        assert dialect.pings == 4
    finally:
        ours.close()


@pytest.fixture
def pg_engine(_app):
    with _app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL")
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0)
    appdb.configure_engines(types.SimpleNamespace(engines={None: engine}))
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_a_connection_the_server_closed_is_replaced_on_checkout(pg_engine, monkeypatch):
    dialect_class = type(pg_engine.dialect)
    pings = []
    real_ping = dialect_class.do_ping
    monkeypatch.setattr(dialect_class, "do_ping", lambda self, conn: pings.append(1) or real_ping(self, conn))

    with pg_engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with pg_engine.connect() as conn:  # the same connection, checked in just now: no ping
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() == pid
    assert pings == []

    with sa.create_engine(pg_engine.url, poolclass=sa.pool.NullPool).connect() as admin:
        assert admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar()
    fd = pg_engine.pool._pool.queue[0].dbapi_connection.pgconn.socket
    for _ in range(200):  # until the server's goodbye has arrived
        if appdb._has_input(fd):
            break
        time.sleep(0.005)

    with pg_engine.connect() as conn:  # pinged, found closed, replaced: no error
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    assert pings == [1]
