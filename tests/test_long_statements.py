"""psycopg keeps the conversion of long statements too (app.db, issue 15): it parsed every SQL text
over 4 KB for its placeholders again on each run (60-140 µs for the product page's statements)."""

from __future__ import annotations

import pytest

from app.catalog import pages
from app.extensions import db

pytestmark = pytest.mark.postgres


def test_the_product_pages_long_statement_is_converted_once_per_process(_app):
    with _app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL")
        from psycopg import _queries

        sql = pages._statements(4, True)[0][0].compile(dialect=db.engine.dialect).string
    assert len(sql) > 4096  # over psycopg's own limit
    assert _queries.MAX_CACHED_STATEMENT_LENGTH >= len(sql)
