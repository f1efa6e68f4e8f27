"""Declarative base, naming convention, column helpers and mixins shared by every model.

Constraint and index names are deterministic, readable and never longer than 63
characters (PostgreSQL's identifier limit): ``fk_<table>_<cols>_<ref table>``,
``uq_<table>_<cols>``, ``ix_<table>_<cols>``, ``ck_<table>_<name>``, ``pk_<table>``,
where table and column names are abbreviated word by word and a short stable hash
replaces the tail when abbreviation is not enough.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
import select
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, make_transient_to_detached, mapped_column
from sqlalchemy.sql.elements import _anonymous_label
from sqlalchemy.types import TypeDecorator

MAX_NAME = 63
T = TypeVar("T")

# Word abbreviations used in constraint and index names.
_ABBR = {
    "organization": "org",
    "member": "mbr",
    "employee": "emp",
    "product": "prod",
    "variant": "var",
    "payment": "pay",
    "subscription": "sub",
    "usage": "use",
    "based": "b",
    "market": "mkt",
    "course": "crs",
    "module": "mod",
    "section": "sec",
    "lesson": "lsn",
    "invitation": "inv",
    "collection": "coll",
    "translation": "tr",
    "attribution": "attr",
    "revenue": "rev",
    "certificate": "cert",
    "assignment": "asgn",
    "submission": "sub",
    "progress": "prog",
    "question": "q",
    "attempt": "att",
    "metadata": "meta",
    "open": "o",
    "graph": "g",
    "profile": "prof",
    "locale": "loc",
    "country": "ctry",
    "currency": "cur",
    "category": "cat",
    "snapshot": "snap",
    "journal": "jrnl",
    "account": "acct",
    "discount": "disc",
    "review": "rvw",
    "rating": "rate",
    "gift": "gift",
    "card": "card",
    "order": "ord",
    "refund": "rfnd",
    "record": "rec",
    "access": "acc",
    "domain": "dom",
    "region": "rgn",
    "brand": "brnd",
    "audit": "aud",
    "outbox": "obx",
    "email": "email",
    "skill": "skl",
    "payout": "pout",
    "entry": "ent",
    "line": "ln",
    "price": "prc",
    "item": "itm",
    "cart": "cart",
    "event": "evt",
    "placement": "plc",
    "number": "num",
    "status": "st",
    "created": "cr",
    "updated": "up",
    "effective": "eff",
    "from": "fr",
    "provider": "prv",
}


def abbreviate(name: str) -> str:
    """``org_member_order_item`` -> ``org_mbr_ord_itm``."""
    return "_".join(_ABBR.get(part, part) for part in name.split("_"))


def shorten(name: str, limit: int = MAX_NAME) -> str:
    """Keep ``name`` if it fits, else cut it and append an 8-char stable hash of the whole."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('_')}_{digest}"


def _cols(constraint) -> str:
    return "_".join(abbreviate(c.name) for c in constraint.columns)


def _tbl(constraint, table) -> str:
    return abbreviate(table.name)


def _ix(constraint, table) -> str:
    return shorten(f"ix_{_tbl(constraint, table)}_{_cols(constraint)}")


def _uq(constraint, table) -> str:
    return shorten(f"uq_{_tbl(constraint, table)}_{_cols(constraint)}")


def _fk(constraint, table) -> str:
    ref = abbreviate(constraint.elements[0].target_fullname.split(".")[-2])
    return shorten(f"fk_{_tbl(constraint, table)}_{_cols(constraint)}_{ref}")


def _ck(constraint, table) -> str:
    return shorten(f"ck_{_tbl(constraint, table)}_{constraint.name}")


def _pk(constraint, table) -> str:
    return shorten(f"pk_{abbreviate(table.name)}")


NAMING_CONVENTION = {
    "ix_name": _ix,
    "uq_name": _uq,
    "fk_name": _fk,
    "ck_name": _ck,
    "pk_name": _pk,
    "ix": "%(ix_name)s",
    "uq": "%(uq_name)s",
    "fk": "%(fk_name)s",
    # SQLAlchemy applies a convention to an explicitly named constraint only when the
    # template mentions constraint_name; ".0s" prints it as nothing (ck_name uses it).
    "ck": "%(ck_name)s%(constraint_name).0s",
    "pk": "%(pk_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> str:
    """Opaque text primary key."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite returns naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class MoneyType(TypeDecorator):
    """``Numeric(12, 4)`` that always hands back ``Decimal`` (SQLite stores REAL)."""

    impl = sa.Numeric(12, 4, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return Decimal(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(value).quantize(Decimal("0.0001"))


# ---- column helpers ------------------------------------------------------------------

def id_pk() -> Mapped[str]:
    return mapped_column(sa.String(32), primary_key=True, default=new_id)


def money(nullable: bool = False, **kw) -> Mapped[Decimal]:
    return mapped_column(MoneyType(), nullable=nullable, **kw)


def fk(target: str, *, nullable: bool = False, ondelete: str | None = "CASCADE", index: bool = True, **kw):
    """A text foreign key column, e.g. ``fk("org.id")``."""
    return mapped_column(
        sa.String(32), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index, **kw
    )


def enum_check(column: str, values) -> sa.CheckConstraint:
    """A portable enum: a String column plus a named CHECK constraint."""
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_enum")


def enum_col(values, *, default: str | None = None, nullable: bool = False, **kw):
    length = max(len(v) for v in values)
    return mapped_column(sa.String(max(length, 8)), default=default, nullable=nullable, **kw)


# ---- mixins --------------------------------------------------------------------------

class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class Created:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class OrgScoped:
    """Every org-owned row carries a non-null, indexed ``org_id``."""

    @declared_attr
    def org_id(cls) -> Mapped[str]:
        return mapped_column(
            sa.String(32), sa.ForeignKey("org.id", ondelete="CASCADE"), nullable=False, index=True
        )


# ---- engines ------------------------------------------------------------------------------

SQLITE_BUSY_TIMEOUT_MS = 5000
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_write_lock_up_front: ContextVar[bool | None] = ContextVar("volmify_sqlite_write_lock_up_front", default=None)


def _sqlite_on_connect(dbapi_connection, connection_record):
    # Let SQLAlchemy emit BEGIN itself so SAVEPOINTs work (pysqlite workaround from the
    # SQLAlchemy docs), and switch on foreign keys and WAL for file databases.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    if mode not in ("memory", "wal"):
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode == "wal":  # a file database (synchronous is per connection)
        # In WAL mode SQLite's recommended setting (sqlite.org/pragma.html#pragma_synchronous): the
        # WAL is synced at checkpoints, not at every commit; the database stays consistent, and a
        # power loss may undo the last commits (a Stripe payment is confirmed again by its webhook).
        # A commit took 1.4-2.7 ms of waiting on this machine's disk with FULL, 0.05 ms with NORMAL:
        # every lesson view of a signed-in learner commits once.
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    # SQLite's own lower()/upper() fold ASCII only, so a case-insensitive search (``icontains``)
    # missed "Ä" for "ä"; these fold every letter, as PostgreSQL does.
    dbapi_connection.create_function("lower", 1, _fold(str.lower), deterministic=True)
    dbapi_connection.create_function("upper", 1, _fold(str.upper), deterministic=True)


def _fold(fold):
    def apply(value):
        return fold(value) if isinstance(value, str) else value
    return apply


def takes_write_lock_up_front() -> bool:
    """Whether the next SQLite transaction starts with ``BEGIN IMMEDIATE`` (see ``_sqlite_on_begin``):
    inside ``write_transaction``, yes; in a request, unless its method only reads (GET, HEAD,
    OPTIONS); outside requests (CLI commands, scripts), yes."""
    forced = _write_lock_up_front.get()
    if forced is not None:
        return forced
    if has_request_context():
        return request.method not in READ_ONLY_METHODS
    return True


def _sqlite_on_begin(conn):
    """SQLite: a transaction that will write takes the write lock when it begins.

    A deferred transaction that reads first and writes later must upgrade its read lock; if another
    connection wrote in between, SQLite answers SQLITE_BUSY at once ("database is locked"), without
    waiting: busy_timeout cannot help, because waiting could never make the transaction's snapshot
    current again. ``BEGIN IMMEDIATE`` takes the write lock first, so the transaction waits (up to
    busy_timeout) for the writer before it, then reads what that writer committed. Transactions of
    requests that only read (GET) begin deferred, so readers never queue behind writers (WAL); a
    GET that writes does so in a short ``write_transaction`` of its own after its reads.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE" if takes_write_lock_up_front() else "BEGIN")


@contextmanager
def write_transaction(session) -> Iterator[None]:
    """A short transaction of its own for a write in a request that otherwise only reads (a GET that
    records a visit): the read transaction is ended first (committed: nothing is pending in it), the
    block runs in a new transaction that takes SQLite's write lock up front (and, on PostgreSQL, holds
    its row locks only for the block), and is committed; rolled back if the block raises. Objects
    loaded before are expired by the commits: finish reading (rendering) before."""
    session.commit()
    token = _write_lock_up_front.set(True)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_lock_up_front.reset(token)


def prebuilt(build: Callable[[], T]) -> Callable[[], T]:
    """``@prebuilt`` on a function without arguments that builds a statement: it is built once per
    process and reused, its values passed as bound parameters (``sa.bindparam("name")``) at execution.
    SQLAlchemy memoizes a statement's cache key on the statement object, so a hot query neither
    rebuilds its clauses nor regenerates its cache key (a large part of a simple page's CPU) on
    each request. Built lazily, on first use, when every mapper is configured."""

    @functools.wraps(build)
    def built():
        return with_kept_hash(build())

    return functools.cache(built)


def prebuilt_for_count(build: Callable[[int], T]) -> Callable[[int], T]:
    """``prebuilt`` for a statement built for a number of values (``in_bound``): ``build(count)``
    built once per process for each count (the most recent 32 kept) and reused."""

    @functools.lru_cache(maxsize=32)
    @functools.wraps(build)
    def built(count: int) -> T:
        return with_kept_hash(build(count))

    return built


def in_bound(column, name: str, count: int):
    """``column IN`` ``count`` bound parameters ``<name>_0`` to ``<name>_<count - 1>`` of the
    column's type (their values: ``bound_values``), for a ``prebuilt_for_count`` statement: a list
    of values not as an "expanding" parameter, which SQLAlchemy renders into the SQL again on every
    execution (and which keeps ``plain_rows`` and ``run_write`` on SQLAlchemy's path)."""
    return column.in_([sa.bindparam(f"{name}_{n}", type_=column.type) for n in range(count)])


def bound_values(name: str, values: Sequence) -> dict:
    """The parameters of ``in_bound(column, name, len(values))`` for ``values``."""
    return {f"{name}_{n}": value for n, value in enumerate(values)}


class _HashedKey(tuple):
    """A statement's cache key that keeps its hash. SQLAlchemy finds a statement's compiled SQL by
    its cache key on every execution, and a tuple does not keep its hash: a large statement's key
    (hundreds of nested values; the catalog's listing) was hashed again on each run (~20-30 µs)."""

    def __new__(cls, items):
        key = super().__new__(cls, items)
        key._hash = tuple.__hash__(key)
        return key

    def __hash__(self):
        return self._hash


def with_kept_hash(statement):
    """``statement`` (built once and reused) with its memoized cache key's hash computed once: the
    same key (equal, the same hash), so the same compiled SQL. Only where SQLAlchemy memoizes the
    key on the statement itself (a copy made from it, ``.where(...)``, drops the memo)."""
    from sqlalchemy.sql.cache_key import CacheKey

    generate = getattr(statement, "_generate_cache_key", None)
    key = generate() if generate is not None else None
    if key is not None and "_generate_cache_key" in statement.__dict__ and \
            "_generate_cache_key" in getattr(statement, "_memoized_keys", ()):
        kept = CacheKey(_HashedKey(key.key), key.bindparams)
        statement.__dict__["_generate_cache_key"] = lambda: kept
    statement.__dict__[_PLANS] = {}  # reused: plain_rows may run it on the driver directly
    return statement


def tagged_union(parts) -> tuple[sa.Select | sa.CompoundSelect, Callable[[Iterable[Sequence]], dict[str, list[tuple]]]]:
    """Several reads as one statement (one round trip instead of one each): the UNION ALL of the
    ``(tag, query, order_by)`` parts, each row tagged with its part's tag (column 0) and numbered in
    its part's ``order_by`` (column 1: its row_number()). A part's columns take positions by their
    type (a position holds one column type, so that PostgreSQL and SQLAlchemy's result types agree on
    it; parts share positions), typed NULLs fill the rest. A part's select has no ORDER BY or LIMIT
    of its own (a subquery may). Returns the statement and ``split``: the statement's rows -> per tag,
    the values of the part's selected columns (tuples in the select's order), in the part's order
    (the rows are numbered in SQL and ordered here: no sort of the whole union; a single part is
    ordered by its statement)."""
    positions: dict[tuple, list[int]] = {}  # column type -> its positions
    types: list = [sa.String(), sa.Integer()]  # the tag, the row's number in its part
    layouts = []
    for tag, query, order_by in parts:
        taken: dict[tuple, int] = {}
        placed = []
        for column in query.selected_columns:
            kind = _kind(column.type)
            n = taken[kind] = taken.get(kind, 0) + 1
            spots = positions.setdefault(kind, [])
            if n > len(spots):
                spots.append(len(types))
                types.append(column.type)
            placed.append((spots[n - 1], column))
        layouts.append((tag, query, order_by, placed))
    branches, takes, ordered = [], {}, set()
    alone = len(layouts) == 1  # one part: ordered by the statement (no window function to number it)
    for tag, query, order_by, placed in layouts:
        values = [sa.cast(sa.null(), type_) for type_ in types]
        values[0] = sa.literal_column(f"'{tag}'", sa.String)
        values[1] = (sa.func.row_number().over(order_by=order_by) if order_by and not alone
                     else sa.literal_column("0", sa.Integer))
        for position, column in placed:
            values[position] = column
        branches.append(query.with_only_columns(*(value.label(f"c{n}") for n, value in enumerate(values)),
                                                 maintain_column_froms=False))
        at = [position for position, _ in placed]
        takes[tag] = operator.itemgetter(*at) if len(at) > 1 else (lambda row, at=at[0]: (row[at],))
        if order_by and not alone:
            ordered.add(tag)

    def split(rows: Iterable[Sequence]) -> dict[str, list[tuple]]:
        found: dict[str, list] = {tag: [] for tag in takes}
        for row in rows:
            found[row[0]].append(row)
        for tag in ordered:
            found[tag].sort(key=_NUMBER)
        return {tag: list(map(takes[tag], found[tag])) for tag in takes}

    if alone:
        return (branches[0].order_by(*layouts[0][2]) if layouts[0][2] else branches[0]), split
    return sa.union_all(*branches), split


_NUMBER = operator.itemgetter(1)


def _kind(type_) -> tuple:
    """What columns sharing a position of a ``tagged_union`` have in common: the type and what its
    result processing depends on (a numeric's scale, a timestamp's time zone)."""
    return (type(type_), getattr(type_, "scale", None), getattr(type_, "asdecimal", None),
            getattr(type_, "timezone", None))


def plain_rows(session, statement, params: dict | None = None) -> sa.Result:
    """The rows of a read ``statement`` of columns (no entities; best a ``prebuilt`` one), run on the
    session's connection and transaction: what ``session.execute`` returns for it, without the ORM's
    execution layer (about half of a small query's Python time). Pending changes are flushed first,
    as ``session.execute`` does. A ``prebuilt`` statement runs on the driver's cursor with its SQL
    compiled once (``_DriverPlan``): the same SQL, parameters, events and rows, without SQLAlchemy's
    per-execution work (most of the rest)."""
    session.flush()
    connection = session.connection()
    plans = statement.__dict__.get(_PLANS)
    if plans is None:
        return connection.execute(statement, params or {})
    dialect = connection.dialect
    plan = plans.get(dialect.name)
    if plan is None:
        plan = plans[dialect.name] = _DriverPlan.build(statement, dialect)
    if plan is _SQLALCHEMY:
        return connection.execute(statement, params or {})
    return plan.run(connection, params)


_PLANS = "_volmify_driver_plans"
_SQLALCHEMY = object()  # a statement the driver path does not take (see _DriverPlan.build)


class _DriverPlan:
    """A prebuilt read statement compiled once for a dialect and run on the DBAPI cursor, doing what
    SQLAlchemy's execution does for it (``SQLCompiler.construct_params``,
    ``DefaultExecutionContext._init_compiled``, ``CursorResult``): each parameter is the value given
    for its bind parameter's key or name, else the statement's own value (a missing required one
    raises SQLAlchemy's error), through its type's bind processor, in the dialect's order; the
    ``before_cursor_execute`` / ``after_cursor_execute`` listeners run (the NUL-byte check, the
    benchmark's SQL timing, the tests' statement counts); a driver error is raised as SQLAlchemy
    raises it; each column goes through its type's result processor (SQLite's dates and decimals,
    PostgreSQL's numerics by the column's type code), and the rows are SQLAlchemy ``Row``s with the
    same keys. What it does not take (expanding or literal parameters, textual SQL, a schema
    translation) keeps SQLAlchemy's path: ``build`` answers ``_SQLALCHEMY`` for it."""

    __slots__ = ("sql", "slots", "named", "types", "metadata", "sequence", "dialect", "columns", "processed")

    @classmethod
    def build(cls, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        result_columns = getattr(compiled, "_result_columns", None)
        if isinstance(statement, sa.TextClause) or not result_columns or compiled.schema_translate_map:
            return _SQLALCHEMY
        expanded = compiled.post_compile_params | compiled.literal_execute_params
        constants, sql = {}, compiled.string
        if expanded:
            # Only lists the statement holds itself (``x.in_(("a", "b"))``): expanded once, here, as
            # SQLAlchemy would on every run. A list given at execution keeps SQLAlchemy's path.
            if not all(isinstance(bind.key, _anonymous_label) for bind in expanded):
                return _SQLALCHEMY
            state = compiled._process_parameters_for_postcompile(
                {compiled.bind_names[bind]: bind.effective_value for bind in expanded})
            constants = {name: state.processors[name](value) if name in state.processors else value
                         for name, value in state.parameters.items()}
            sql = state.statement
            names = state.positiontup if compiled.positional else [
                *(name for bind, name in compiled.bind_names.items() if bind not in expanded), *constants]
        else:
            names = compiled.positiontup if compiled.positional else list(compiled.bind_names.values())
        plan = cls._of(compiled, sql, dialect, names, expanded, constants)
        plan.types = [column.type for column in result_columns]
        plan.metadata = sa.engine.result.SimpleResultMetaData([column.keyname for column in result_columns])
        plan.columns = None  # (index, result processor) of the columns that have one, on first run
        return plan

    @classmethod
    def _of(cls, compiled, sql: str, dialect, names, expanded=frozenset(), constants=None) -> _DriverPlan:
        plan = cls()
        plan.sql, plan.dialect, plan.sequence = sql, dialect, dialect.execute_sequence_format
        binds = {name: bind for bind, name in compiled.bind_names.items() if bind not in expanded}
        escaped = compiled.escaped_bind_names or {}
        processors = compiled._bind_processors
        plan.named = not compiled.positional
        # One slot per parameter the driver gets, in SQL order (positional) or by name (named):
        # (key, name, the driver's name, bind parameter, bind processor, constant value).
        plan.slots = [(binds[name].key, name, escaped.get(name, name), binds[name], processors.get(name), None)
                      if name in binds else (None, name, escaped.get(name, name), None, None, constants[name])
                      for name in names]
        # (index, bind processor) of the slots whose values go through one
        plan.processed = [(index, slot[4]) for index, slot in enumerate(plan.slots) if slot[4] is not None]
        plan.types = plan.metadata = plan.columns = None
        return plan

    @classmethod
    def build_write(cls, statement, dialect, keys):
        """The plan of a write (``run_write``): an INSERT, UPDATE or DELETE (or such a text) that
        returns nothing and takes only the values given (no column defaults computed for it, no
        expanding parameters), compiled for the names of the values given, as SQLAlchemy compiles
        it for them; else ``_SQLALCHEMY``."""
        if isinstance(statement, sa.TextClause):
            text = statement.text.lstrip()[:6].upper()
            if text not in ("INSERT", "UPDATE", "DELETE") or "RETURNING" in statement.text.upper():
                return _SQLALCHEMY
        elif not isinstance(statement, (sa.Insert, sa.Update, sa.Delete)):
            return _SQLALCHEMY
        compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
        if compiled.schema_translate_map or compiled.post_compile_params or compiled.literal_execute_params or \
                compiled.insert_prefetch or compiled.update_prefetch or compiled.effective_returning or \
                getattr(compiled, "_result_columns", None):
            return _SQLALCHEMY
        names = compiled.positiontup if compiled.positional else list(compiled.bind_names.values())
        return cls._of(compiled, compiled.string, dialect, names)

    def _parameters(self, params: dict):
        try:  # every value given (by key, else by name): the usual case, in one pass
            values = [constant if bind is None else params[key] if key in params else params[name]
                      for key, name, _driver_name, bind, _process, constant in self.slots]
        except KeyError:
            return self._parameters_with_defaults(params)
        for index, process in self.processed:
            values[index] = process(values[index])
        if self.named:
            return {slot[2]: value for slot, value in zip(self.slots, values, strict=True)}
        return self.sequence(values)

    def _parameters_with_defaults(self, params: dict):
        values = []
        for key, name, _driver_name, bind, process, constant in self.slots:
            if bind is None:
                values.append(constant)
                continue
            if key in params:
                value = params[key]
            elif name in params:
                value = params[name]
            elif bind.required:
                raise sa.exc.InvalidRequestError(f"A value is required for bind parameter {key!r}", code="cd3x")
            else:
                value = bind.effective_value if bind.callable else bind.value
            values.append(value if process is None else process(value))
        if self.named:
            return {slot[2]: value for slot, value in zip(self.slots, values, strict=True)}
        return self.sequence(values)

    def _execute(self, connection, params: dict | list[dict], read, many: bool = False):
        """Run the plan's SQL with ``params`` (``many``: a list of rows' values, the driver's
        executemany) on the driver's cursor, the connection's cursor events around it, and
        ``read(cursor)`` (what the caller takes of it) before the cursor closes; a driver error
        raised as SQLAlchemy raises it."""
        parameters = [self._parameters(row) for row in params] if many else self._parameters(params)
        statement = self.sql
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            events = connection._has_events or connection.engine._has_events
            if events:
                for listener in connection.dispatch.before_cursor_execute:
                    statement, parameters = listener(connection, cursor, statement, parameters, None, many)
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
            if events:
                for listener in connection.dispatch.after_cursor_execute:
                    listener(connection, cursor, statement, parameters, None, many)
            return read(cursor)
        except Exception as error:
            if isinstance(error, self.dialect.loaded_dbapi.Error):  # raised as SQLAlchemy raises it
                connection._handle_dbapi_exception(error, statement, parameters, cursor, None)
            raise  # a listener's own error (the NUL-byte check's) as it is
        finally:
            cursor.close()

    def _description_and_rows(self, cursor) -> tuple:
        # (psycopg builds a Column object per column for ``description``: read once, see below)
        return (cursor.description if self.columns is None else None), cursor.fetchall()

    def run(self, connection, params: dict | None) -> sa.Result:
        description, rows = self._execute(connection, params or {}, self._description_and_rows)
        columns = self.columns
        if columns is None:  # a column's type code is the same on every run of the same SQL
            if len(description) != len(self.types):
                raise RuntimeError(f"{len(description)} columns for {len(self.types)}: {self.sql[:200]}")
            columns = self.columns = [
                (index, process) for index, (type_, column) in enumerate(zip(self.types, description, strict=True))
                if (process := type_._cached_result_processor(self.dialect, column[1])) is not None]
        if columns and rows:
            processed = []
            for row in rows:
                row = list(row)
                for index, process in columns:
                    # (NULL stays None: SQLAlchemy's processors and the app's types all return None
                    # for None; a combined statement's rows -- ``tagged_union`` -- are mostly NULLs)
                    value = row[index]
                    if value is not None:
                        row[index] = process(value)
                processed.append(row)
            rows = processed
        return sa.engine.IteratorResult(self.metadata, iter(rows))

    def run_write(self, connection, params: dict | list[dict]) -> int:
        """Run a write plan (``build_write``) with one row's values, or several rows' (a list: the
        driver's executemany, as SQLAlchemy runs it): its row count."""
        return self._execute(connection, params, _ROW_COUNT, many=isinstance(params, list))


_ROW_COUNT = operator.attrgetter("rowcount")


def run_write(connection, statement, params: dict | list[dict]) -> int:
    """``connection.execute(statement, params)`` for a write (an INSERT, UPDATE or DELETE; best a
    ``prebuilt`` one), and its row count. Of one row's values (a dict, or a list of one) or of
    several rows' (a list: an executemany). A ``prebuilt`` statement that returns nothing and takes
    only the values given (the same names in every row) runs on the driver's cursor with its SQL
    compiled once per set of value names (``_DriverPlan.build_write``): the same SQL, parameters,
    events and errors, without SQLAlchemy's per-execution work; anything else takes SQLAlchemy's path."""
    rows = None
    if isinstance(params, list):
        if len(params) != 1:
            rows = params
        params = params[0] if params else {}
    plans = statement.__dict__.get(_PLANS)
    names = frozenset(params)
    if plans is None or not connection.in_transaction() or connection.dispatch.before_execute or \
            connection.dispatch.after_execute or \
            (rows is not None and (not rows or any(len(row) != len(names) or not names.issuperset(row)
                                                   for row in rows))):
        return connection.execute(statement, params if rows is None else rows).rowcount
    dialect = connection.dialect
    key = (dialect.name, names)
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = _DriverPlan.build_write(statement, dialect, params)
    if plan is _SQLALCHEMY:
        return connection.execute(statement, params if rows is None else rows).rowcount
    return plan.run_write(connection, params if rows is None else rows)


# ---- PostgreSQL: reads outside a transaction --------------------------------------------------
# A request that only reads (every storefront, product and lesson page) used to pay two round trips
# for nothing: BEGIN before its first statement and COMMIT (or ROLLBACK) after its last, about
# 0.25 ms of PostgreSQL CPU and as much in the app per request. A connection now reads in
# autocommit, as Django's default does: under READ COMMITTED (PostgreSQL's default, and ours) every
# statement sees its own snapshot whether or not it runs inside a transaction, so a read before the
# first write sees exactly what it saw inside one. The first statement that writes or locks
# (INSERT, UPDATE, DELETE, MERGE, a WITH holding one of them, SELECT ... FOR UPDATE/SHARE,
# SAVEPOINT, SET, anything that is not a plain query) switches the connection to transactions:
# psycopg sends BEGIN before that statement, and from there on the transaction is what it always
# was, committed or rolled back as one, its locks held to its end. The connection goes back to
# reading outside transactions when it returns to the pool.
# A side effect that matters as much: psycopg forgets its prepared statements (PostgreSQL's plans)
# on ROLLBACK, and a read-only request no longer sends one, so plans stay across requests.
_DML = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b")  # as SQLAlchemy writes keywords: upper case
_ROW_LOCKS = re.compile(r"\bFOR (?:NO KEY |KEY )?(?:UPDATE|SHARE)\b")


@functools.lru_cache(maxsize=512)
def _needs_transaction(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    if head == "SELECT" or (head[:4] == "WITH" and not _DML.search(statement)):
        return _ROW_LOCKS.search(statement) is not None
    return True


def _pg_on_connect(dbapi_connection, _connection_record) -> None:
    dbapi_connection.autocommit = True


def _pg_before_execute(_conn, cursor, statement, _parameters, _context, _executemany) -> None:
    dbapi_connection = cursor.connection
    if dbapi_connection.autocommit and _needs_transaction(statement):
        dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement


def _reads_outside_transactions(dbapi_connection) -> None:
    """Back to autocommit, for a connection returned to the pool (so with no transaction open)."""
    from psycopg import pq

    if (not dbapi_connection.autocommit and not dbapi_connection.closed
            and dbapi_connection.info.transaction_status == pq.TransactionStatus.IDLE):
        dbapi_connection.autocommit = True


# ---- PostgreSQL: check a pooled connection without a round trip ---------------------------------
# ``pool_pre_ping`` makes sure a pooled connection still works before it is handed out, so a
# connection the server closed (a restart, pg_terminate_backend, idle_session_timeout) is replaced
# instead of failing the request. SQLAlchemy's ping for psycopg is an empty query: a round trip on
# every checkout, i.e. on every request (and autocommit switched on and off around it). When the
# server ends a connection it tells the client (an error message, then end of file), so the socket
# of a closed connection has something to read: a connection checked in moments ago, idle, whose
# socket has nothing to read is not pinged. Any doubt (something to read, not idle, closed, unused
# for PING_AFTER_IDLE_SECONDS, where a firewall may have dropped it silently) sends the real ping,
# and SQLAlchemy does with its answer what it always does (replaces the connection, invalidates
# the pool).
PING_AFTER_IDLE_SECONDS = 10.0
_CHECKED_IN = "_volmify_checked_in_at"  # an attribute of the psycopg connection: time.monotonic()


def _pg_on_checkin(dbapi_connection, _connection_record) -> None:
    if dbapi_connection is not None:
        _reads_outside_transactions(dbapi_connection)
        setattr(dbapi_connection, _CHECKED_IN, time.monotonic())


def _has_input(fd: int) -> bool:
    """Whether the socket has something to read (or is closed), without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _pg_ping(dialect, dbapi_connection) -> bool:
    """The dialect's ``do_ping``, skipped (True) for a connection that cannot have been closed by
    the server without it showing (see above)."""
    checked_in = getattr(dbapi_connection, _CHECKED_IN, None)
    if checked_in is not None and time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
        try:
            from psycopg import pq

            if (not dbapi_connection.closed
                    and dbapi_connection.info.transaction_status == pq.TransactionStatus.IDLE
                    and not _has_input(dbapi_connection.pgconn.socket)):
                return True
        except Exception:  # noqa: S110 - whatever the doubt, the real ping decides
            pass
    return type(dialect).do_ping(dialect, dbapi_connection)


def plan_for_each_run(session) -> None:
    """On PostgreSQL, plan the rest of this transaction's statements for their own parameters. A
    statement kept prepared (above) is planned for its parameters five times, then PostgreSQL may
    switch to one generic plan for any value: right for the storefront's lookups, wrong for an
    aggregate over a date range (the org reports at scale took 550-710 ms per request with the
    generic plan against 90-120 ms planned for their dates). Ends the transaction with a rollback
    (it is a SET), so the connection re-prepares its statements later."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


def configure_engines(db) -> None:
    """Per-dialect connection set-up, called once per app inside an app context."""
    for engine in db.engines.values():
        if getattr(engine, "_volmify_configured", False):
            continue
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_on_connect)
            sa.event.listen(engine, "begin", _sqlite_on_begin)
        elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
            sa.event.listen(engine, "connect", _pg_on_connect)
            sa.event.listen(engine, "before_cursor_execute", _pg_before_execute)
            sa.event.listen(engine, "checkin", _pg_on_checkin)
            if hasattr(select, "poll"):
                engine.dialect.do_ping = functools.partial(_pg_ping, engine.dialect)
            _keep_long_statements_converted()
        engine._volmify_configured = True


def _keep_long_statements_converted() -> None:
    """psycopg turns a statement's ``%(name)s`` placeholders into PostgreSQL's ``$n`` once per SQL
    text and keeps the result (an LRU of 128), but only for SQL of at most 4 KB: a longer statement
    (the product page's: 4-12 KB) was parsed again on every run (60-140 µs each). Prebuilt
    statements are a bounded set of texts, so longer ones are kept too."""
    from psycopg import _queries

    if getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", None) is not None:
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 64 * 1024)


_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert_insert(dialect_name: str):
    """The dialect's ``insert`` (with ``on_conflict_do_update``) for an upsert in one statement."""
    return _UPSERTS[dialect_name]


# ---- rows written through Core, held in the session as if flushed -------------------------------
# The ORM's flush of a few new objects costs more Python than their INSERTs: a hot path (placing
# and paying an order) writes such rows through Core with every value computed here, and holds
# objects of them in the session, persistent and unchanged, as the flush would have left them.

@functools.cache
def column_keys(model) -> tuple[tuple[sa.Column, str], ...]:
    """The model's table's columns with their attribute names."""
    mapper = sa.inspect(model)
    return tuple((column, mapper.get_property_by_column(column).key) for column in model.__table__.columns)


_column_keys = column_keys


def row_values(model, values: dict) -> dict:
    """Every column of a new row of ``model``, by attribute name: ``values``, else the column's
    default as the ORM's flush computes it (for a value not given or None), else None (NULL).
    (For models whose columns have no server defaults: their values would not be known.)"""
    row = {}
    for column, key in _column_keys(model):
        value = values.get(key)
        if value is not None or (key in values and column.default is None):
            row[key] = value
        elif column.default is not None:
            default = column.default
            row[key] = default.arg(None) if default.is_callable else default.arg
        else:
            row[key] = None
    return row


def held(session, model, row: dict):
    """A ``model`` object of ``row`` (``row_values``), just INSERTed through Core: persistent in the
    session and unchanged (its relationships load on first use)."""
    obj = sa.inspect(model).class_manager.new_instance()  # no __init__, as the ORM's loading
    obj.__dict__.update(row)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def insert_text(model, tail: str = "") -> sa.TextClause:
    """The INSERT of a whole ``row_values`` row of ``model`` (bound by attribute name), as text: the
    same SQL on PostgreSQL and SQLite, ``tail`` appended (e.g. an ON CONFLICT clause). Build it once
    (``prebuilt``)."""
    keys = _column_keys(model)
    names = ", ".join(column.name for column, _key in keys)
    values = ", ".join(f":{key}" for _column, key in keys)
    # (names of the model's own table and columns, no input)
    return sa.text(f"INSERT INTO {model.__table__.name} ({names}) VALUES ({values}){tail}").bindparams(  # noqa: S608
        *(sa.bindparam(key, type_=column.type) for column, key in keys))

