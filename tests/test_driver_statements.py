"""Prebuilt statements run on the driver's cursor (app.db.plain_rows, issue 15) and give what
SQLAlchemy's own execution gives: the same rows, types and keys, the same errors, the same events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.db import (
    _PLANS,
    _SQLALCHEMY,
    bound_values,
    in_bound,
    plain_rows,
    prebuilt_for_count,
    run_write,
    with_kept_hash,
)
from app.extensions import db
from app.orgs.models import Org
from app.web.inputs import UnstorableInputError
from tests.factories import make_org


def _statement():
    # Decimal, datetime and bool columns, two columns of the same name, a value of the statement's
    # own (the literal) and one given at execution.
    other = sa.orm.aliased(Org)
    return with_kept_hash(
        sa.select(Org.slug, Org.platform_fee_percent, Org.created_at, Org.is_active,
                  other.slug, sa.literal("m").label("kind"))
        .join(other, other.id == Org.id)
        .where(Org.slug.in_([sa.bindparam("slug_0"), sa.bindparam("slug_1")]))
        .order_by(Org.slug))


def _both(statement, params):
    """(rows through the driver, rows through SQLAlchemy) of the same statement and values."""
    fast = plain_rows(db.session, statement, params).all()
    plans = statement.__dict__.pop(_PLANS)
    try:
        slow = plain_rows(db.session, statement, params).all()
    finally:
        statement.__dict__[_PLANS] = plans
    return fast, slow, plans


def test_rows_types_and_keys_match_sqlalchemys(db_session):
    first, second = make_org(), make_org()
    first.platform_fee_percent = Decimal("12.50")
    db_session.flush()
    statement = _statement()
    fast, slow, plans = _both(statement, {"slug_0": first.slug, "slug_1": second.slug})
    assert plans[db.engine.dialect.name] is not _SQLALCHEMY  # the driver path ran
    assert fast == slow and len(fast) == 2
    assert [row._fields for row in fast] == [row._fields for row in slow]
    row = next(r for r in fast if r.slug == first.slug)
    assert row.platform_fee_percent == Decimal("12.50") and isinstance(row.platform_fee_percent, Decimal)
    assert isinstance(row.created_at, datetime) and row.is_active is True and row.kind == "m"
    assert plain_rows(db.session, statement, {"slug_0": "none", "slug_1": "none"}).first() is None


def test_a_missing_value_and_a_driver_error_raise_as_sqlalchemy_raises_them(db_session):
    statement = _statement()
    with pytest.raises(sa.exc.InvalidRequestError, match="slug_1"):
        plain_rows(db.session, statement, {"slug_0": "a"})
    broken = with_kept_hash(sa.select(sa.func.no_such_function(Org.slug)))
    with pytest.raises(sa.exc.DBAPIError):
        plain_rows(db.session, broken)


def test_the_listeners_see_the_statement(db_session, count_queries):
    statement = _statement()
    plain_rows(db.session, statement, {"slug_0": "a", "slug_1": "b"}).all()  # built
    with count_queries() as queries:
        plain_rows(db.session, statement, {"slug_0": "a", "slug_1": "b"}).all()
    assert len(queries.statements) == 1 and "FROM org" in queries.statements[0]
    # the NUL-byte check (a before_cursor_execute listener) refuses it, with its own error
    with pytest.raises(UnstorableInputError):
        plain_rows(db.session, statement, {"slug_0": "a\x00", "slug_1": "b"})


def test_a_list_the_statement_holds_is_expanded_once_one_given_at_execution_is_sqlalchemys(db_session):
    org = make_org()
    db_session.flush()
    held = with_kept_hash(sa.select(Org.slug).where(Org.slug.in_((org.slug, "other")),
                                                     Org.is_active == sa.bindparam("active")))
    fast, slow, plans = _both(held, {"active": True})
    assert plans[db.engine.dialect.name] is not _SQLALCHEMY and fast == slow == [(org.slug,)]
    given = with_kept_hash(sa.select(Org.slug).where(Org.slug.in_(sa.bindparam("slugs", expanding=True))))
    fast, slow, plans = _both(given, {"slugs": [org.slug]})
    assert plans[db.engine.dialect.name] is _SQLALCHEMY and fast == slow == [(org.slug,)]


# ---- writes (app.db.run_write) ----------------------------------------------------------------

def _plan_kinds(statement) -> list:
    return [plan is _SQLALCHEMY for key, plan in statement.__dict__.get(_PLANS, {}).items() if isinstance(key, tuple)]


def test_a_write_runs_on_the_driver_with_sqlalchemys_sql_parameters_and_row_count(db_session, count_queries):
    org = make_org()
    db_session.flush()
    table = Org.__table__
    rename = with_kept_hash(sa.update(table).where(table.c.id == sa.bindparam("b_id"))
                            .values(name=sa.bindparam("b_name"), platform_fee_percent=sa.bindparam("b_fee"),
                                    updated_at=sa.bindparam("b_at")))
    params = {"b_id": org.id, "b_name": "Renamed", "b_fee": Decimal("7.25"), "b_at": org.updated_at}
    with count_queries() as queries:
        assert run_write(db.session.connection(), rename, params) == 1
    assert _plan_kinds(rename) == [False]  # the driver path ran
    expected = str(rename.compile(dialect=db.engine.dialect, column_keys=sorted(params)))
    assert [" ".join(s.split()) for s in queries.statements] == [" ".join(expected.split())]
    stored = db.session.connection().execute(sa.select(table.c.name, table.c.platform_fee_percent)
                                             .where(table.c.id == org.id)).one()
    assert stored == ("Renamed", Decimal("7.25"))
    assert run_write(db.session.connection(), rename, [{**params, "b_id": "none"}]) == 0  # a list of one row


def test_a_write_that_needs_sqlalchemy_keeps_its_path_and_errors_raise_as_sqlalchemy_raises_them(db_session):
    org = make_org()
    db_session.flush()
    table = Org.__table__
    # a column default to compute (updated_at, not given) -> SQLAlchemy's path
    partial = with_kept_hash(sa.update(table).where(table.c.id == sa.bindparam("b_id"))
                             .values(name=sa.bindparam("b_name")))
    assert run_write(db.session.connection(), partial, {"b_id": org.id, "b_name": "Again"}) == 1
    assert _plan_kinds(partial) == [True]
    copy = with_kept_hash(sa.text("INSERT INTO org (id, name, slug) VALUES (:id, :name, :slug)"))
    with pytest.raises(sa.exc.IntegrityError):  # the same id again (or NOT NULL columns missing)
        run_write(db.session.connection(), copy, {"id": org.id, "name": "x", "slug": "x"})
    assert _plan_kinds(copy) == [False]
    db.session.rollback()


def test_a_write_passes_the_listeners(db_session):
    org = make_org()
    db_session.flush()
    table = Org.__table__
    rename = with_kept_hash(sa.update(table).where(table.c.id == sa.bindparam("b_id"))
                            .values(name=sa.bindparam("b_name"), updated_at=sa.bindparam("b_at")))
    with pytest.raises(UnstorableInputError):  # the NUL-byte check
        run_write(db.session.connection(), rename, {"b_id": org.id, "b_name": "a\x00", "b_at": datetime.now()})
    assert _plan_kinds(rename) == [False]


def test_several_rows_run_as_one_executemany_on_the_driver(db_session, count_queries):
    first, second = make_org(), make_org()
    db_session.flush()
    table = Org.__table__
    rename = with_kept_hash(sa.update(table).where(table.c.id == sa.bindparam("b_id"))
                            .values(name=sa.bindparam("b_name"), platform_fee_percent=sa.bindparam("b_fee"),
                                    updated_at=sa.bindparam("b_at")))
    rows = [{"b_id": first.id, "b_name": "First", "b_fee": Decimal("1.50"), "b_at": first.updated_at},
            {"b_id": second.id, "b_name": "Second", "b_fee": Decimal("2.75"), "b_at": second.updated_at}]
    with count_queries() as queries:
        assert run_write(db.session.connection(), rename, rows) == 2
    assert _plan_kinds(rename) == [False] and len(queries.statements) == 1  # the driver path, one executemany
    stored = dict(db.session.connection().execute(
        sa.select(table.c.name, table.c.platform_fee_percent).where(table.c.id.in_([first.id, second.id]))).all())
    assert stored == {"First": Decimal("1.50"), "Second": Decimal("2.75")}
    with pytest.raises(UnstorableInputError):  # the listeners see every row
        run_write(db.session.connection(), rename, [rows[0], {**rows[1], "b_name": "a\x00"}])
    # rows of different names -> SQLAlchemy's path (which raises for the missing value)
    with pytest.raises(sa.exc.StatementError):
        run_write(db.session.connection(), rename, [rows[0], {"b_id": second.id, "b_name": "x"}])
    db.session.rollback()


def test_values_in_bound_parameters_run_on_the_driver(db_session):
    first, second = make_org(), make_org()
    db_session.flush()
    statement = prebuilt_for_count(lambda count: sa.select(Org.slug).where(in_bound(Org.id, "org", count))
                                   .order_by(Org.slug))
    assert statement(2) is statement(2) and statement(1) is not statement(2)  # built once per count
    fast, slow, plans = _both(statement(2), bound_values("org", [first.id, second.id]))
    assert plans[db.engine.dialect.name] is not _SQLALCHEMY
    assert fast == slow == sorted([(first.slug,), (second.slug,)])


def test_a_bound_parameter_s_own_value_is_used_when_none_is_given(db_session):
    """``_DriverPlan._parameters``: the values given (by key or name) in one pass, else the
    statement's own value of a parameter that has one, as SQLAlchemy's execution takes them."""
    org = make_org()
    org.platform_fee_percent = Decimal("12.50")
    db_session.flush()
    statement = with_kept_hash(
        sa.select(Org.slug).where(Org.slug == sa.bindparam("slug"),
                                  Org.platform_fee_percent >= sa.bindparam("fee", Decimal("10"), type_=sa.Numeric(5, 2))))
    for params in ({"slug": org.slug}, {"slug": org.slug, "fee": Decimal("12.5")}, {"slug": org.slug, "fee": Decimal("13")}):
        fast, slow, plans = _both(statement, params)
        assert plans[db.engine.dialect.name] is not _SQLALCHEMY
        assert fast == slow
    assert _both(statement, {"slug": org.slug})[0] == [(org.slug,)]
    assert _both(statement, {"slug": org.slug, "fee": Decimal("13")})[0] == []
