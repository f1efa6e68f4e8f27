"""BENCH_SQL_TIMING: `make bench` reads each page's SQL time from a response header; off, no header."""

from __future__ import annotations

import re


def test_a_page_reports_its_sql_time_only_when_bench_timing_is_on(make_app, client):
    assert "X-SQL-Time" not in client.get("/").headers

    timed = make_app(BENCH_SQL_TIMING=True).test_client()
    header = timed.get("/").headers.get("X-SQL-Time")
    match = re.fullmatch(r"(\d+\.\d\d); count=(\d+)", header or "")
    assert match, header
    assert int(match.group(2)) >= 1  # the platform home page lists the markets
    assert timed.get("/ping").headers["X-SQL-Time"].endswith("count=0")
