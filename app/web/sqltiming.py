"""Per-request SQL time for the benchmark (``BENCH_SQL_TIMING=1``; off otherwise, and then nothing
is installed): the time spent in statements (SQLAlchemy's ``before_cursor_execute`` /
``after_cursor_execute`` events, summed per request) is sent back as the response header
``X-SQL-Time: <milliseconds>; count=<statements>``, which scripts/bench.py reads."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, g, has_request_context

HEADER = "X-SQL-Time"


def _before(conn, cursor, statement, parameters, context, executemany) -> None:
    conn.info.setdefault("volmify_sql_started", []).append(time.perf_counter())


def _after(conn, cursor, statement, parameters, context, executemany) -> None:
    started = conn.info.get("volmify_sql_started")
    if not started:
        return
    elapsed = time.perf_counter() - started.pop()
    if has_request_context():
        g.volmify_sql_seconds = g.get("volmify_sql_seconds", 0.0) + elapsed
        g.volmify_sql_count = g.get("volmify_sql_count", 0) + 1


def _header(response):
    response.headers[HEADER] = f"{g.get('volmify_sql_seconds', 0.0) * 1000:.2f}; count={g.get('volmify_sql_count', 0)}"
    return response


def register(app: Flask) -> None:
    """Install the timing when the app's ``BENCH_SQL_TIMING`` is on (a no-op otherwise)."""
    if not app.config.get("BENCH_SQL_TIMING"):
        return
    for name, fn in (("before_cursor_execute", _before), ("after_cursor_execute", _after)):
        if not sa.event.contains(sa.engine.Engine, name, fn):
            sa.event.listen(sa.engine.Engine, name, fn)
    app.after_request(_header)
