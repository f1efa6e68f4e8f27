"""The query plans of a page's statements, on SQLite and PostgreSQL alike (issue 15: a dashboard
page's SQL at scale). ``page_plans`` requests a page, keeps the statements (with their parameters)
that contain a given text, and returns each one's plan: PostgreSQL's ``EXPLAIN`` with sequential
scans and full sorts priced out (so a tiny test table still shows which index *can* serve the
statement, as it does on 100,000 rows), SQLite's ``EXPLAIN QUERY PLAN`` lines. A statement an
index serves in order shows no full sort: ``Sort`` on PostgreSQL (an ``Incremental Sort`` of the
last key is fine), ``USE TEMP B-TREE FOR ORDER BY`` on SQLite.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

FULL_SORT = re.compile(r"(^|->)\s*Sort  \(|USE TEMP B-TREE FOR ORDER BY", re.MULTILINE)


def explain(conn, statement: str, params) -> str:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        try:
            return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params))
        finally:
            conn.exec_driver_sql("RESET enable_seqscan")
            conn.exec_driver_sql("RESET enable_sort")
    return "\n".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))


def full_sort(plan: str) -> bool:
    """Whether the plan sorts all the rows it reads (no index gives their order)."""
    return bool(FULL_SORT.search(plan))


@pytest.fixture
def page_plans(_db_connection):
    """``page_plans(client, url, "FROM org_member_order JOIN")``: the plans of the statements of
    one GET of ``url`` that contain the text."""
    _engines, conn = _db_connection

    def plans(client, url: str, contains: str) -> list[str]:
        seen: list[tuple[str, object]] = []

        def listener(_conn, _cursor, statement, params, _context, _executemany):
            if contains in statement:
                seen.append((statement, params))

        sa.event.listen(conn, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(conn, "before_cursor_execute", listener)
        return [explain(conn, statement, params) for statement, params in seen]

    return plans
