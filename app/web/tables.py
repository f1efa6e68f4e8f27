"""One way to build list pages: sortable columns, filters, search, pagination, htmx swaps of the
table region with the URL pushed, bulk actions with a confirmation, and a streamed CSV export of
the filtered rows. Generic web plumbing: it imports nothing from feature packages.

A list page declares a ``Table`` next to its view (its columns, filters and actions) and renders
it with ``macros/table.html``::

    SUBMISSIONS = tables.Table(
        id="submissions", title=_l("Submissions"), endpoint="staff.submissions",
        query=submission_rows,                 # ctx -> Select, scoped to the org and the ctx's rights
        key=Submission.id,                     # unique: the last sort key (stable pages), the bulk ids
        columns=[tables.Column("learner", _l("Learner"), sort=Profile.display_name,
                               csv=lambda row: row.learner_name), ...],
        search=[Profile.display_name, Lesson.title],
        filters=[tables.Choice("status", _l("Status"), options=[("submitted", _l("Waiting"))],
                               where=lambda value: Submission.status == value, any_label=_l("All"))],
        bulk_endpoint="staff.submissions_bulk", bulk_actions=[tables.BulkAction(...)],
        empty=_l("No submissions yet."), empty_hint=_l("Learners' answers appear here."),
    )

    @bp.get("/submissions")
    def submissions():
        return SUBMISSIONS.respond(g.employee, "staff/submissions.html", "staff/_submissions_table.html")

    @bp.post("/submissions/bulk")
    def submissions_bulk():
        return SUBMISSIONS.bulk(g.employee, "staff/bulk_confirm.html", "staff/_submissions_table.html")

The partial calls ``{% call(row) table.view(listing) %}<td>...</td>{% endcall %}`` with one cell
per column shown (``Column.html``), in the columns' order.

- **URL = state.** ``q`` (search), ``sort`` (a column key, ``-key`` for descending), ``page``,
  ``per_page`` and each filter's parameters. Everything is whitelisted when parsed: an unknown
  sort, filter value or page size falls back to the default (never a 500), a page past the end
  shows the last page. Links and forms are plain ``href``/``GET`` forms, so every URL works without
  JavaScript; htmx (``data-hx-*``) swaps the region and pushes the same URL.
- **Regions.** ``#<id>`` is the whole list (toolbar + results): sort links, page links, "clear"
  and the bulk forms swap it. ``#<id>-results`` (count, table, pagination) is what the toolbar
  (search, filters, page size) swaps, so typing in the search box never loses keystrokes. The view
  picks the region from the ``HX-Target`` header.
- **Queries.** A page costs a fixed number of statements whatever the number of rows: the
  count, the page of rows, ``prepare`` (per page, e.g. one query for names) and one per filter
  with options from the database.
- **CSV** (``?format=csv``, the same filters, search and sort; no paging) is streamed: rows are
  fetched ``csv_batch`` at a time (``yield_per``: a server-side cursor on PostgreSQL) and written
  by a generator, so a 100,000-row export never holds all rows in memory. Text cells starting
  with ``= + - @`` (or tab / carriage return) are prefixed with ``'`` (CSV injection). A list of
  more than ``CSV_INLINE_ROWS`` rows is exported by a Celery worker instead, which stores the file
  for the employee who asked (app/staff/exports.py), so a long export never hits the request timeout.
- **Bulk actions** post the checked row ids to ``bulk_endpoint``. The first post answers with a
  confirmation (a page without JavaScript, the region swapped in place with htmx) listing the
  rows (only those of ``query(ctx)``: another org's ids are ignored) and the action's own fields;
  the confirmed post runs ``BulkAction.run`` (services: they flush and raise ``DomainError``),
  commits once and goes back to the list with a message.

A new list, step by step: (1) ``query(ctx)`` returns the scoped ``Select`` (org, and what ctx may
see) and raises ``PermissionDeniedError`` for whoever may not list: the page, the CSV and the bulk
actions all start from it; select the columns the cells need (joins, not lazy loads). (2) Declare
the columns (``sort`` only on indexed or cheap expressions; ``csv`` for what the export holds),
``search``, ``filters``, ``default_sort`` or ``default_order``. (3) ``prepare(rows)`` turns a page
(or an export batch) into what the template reads, in a fixed number of queries; a label looked up
per row in the export should be translated once per request, not per row. (4) A page template
including a ``_<list>_table.html`` partial that calls ``table.view``; the views above; a row in
app/staff/nav.py for a dashboard page. (5) Tests: sorting, a filter, the CSV, and the query
count with 5 and 500 rows (tests/staff/test_tables.py shows how).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, flash, request, stream_with_context, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import DomainError
from app.extensions import db
from app.web import htmx

MAX_SEARCH_CHARS = 100
MAX_SEARCH_TERMS = 5
MAX_PAGE = 1_000_000
# Cells a spreadsheet would read as a formula (OWASP "CSV injection"); tab and CR too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ---- declarations ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A column: its URL/CSV key, header, how to sort by it and its CSV value.

    ``sort`` is the SQL expression ``?sort=<key>`` orders by (None: not sortable; only declared
    columns can be sorted by). ``csv(row)`` gives the exported value (None: not exported): text is
    neutralised against formulas, numbers (int, Decimal) and dates are written as they are.
    ``html=False`` exports a column without showing it.
    """

    key: str
    label: Any
    sort: Any = None
    csv: Callable[[Any], Any] | None = None
    numeric: bool = False
    html: bool = True


@dataclass(frozen=True)
class Choice:
    """A select filter: ``?<key>=<value>`` with values from ``options`` (a list of (value, label),
    or ``options(ctx)`` for choices read from the database: one query per page).

    ``where(value)`` is the SQL condition of a chosen value. ``any_label`` adds a first option
    meaning "no condition" (``any_value``, "" by default); ``default`` is the value without a
    parameter (say "submitted" with ``any_value="all"`` to show waiting rows unless asked).
    """

    key: str
    label: Any
    options: Sequence[tuple[str, Any]] | Callable[[Any], Sequence[tuple[str, Any]]]
    where: Callable[[str], Any]
    default: str = ""
    any_label: Any = _l("All")
    any_value: str = ""
    kind = "select"

    @property
    def params(self) -> tuple[str, ...]:
        return (self.key,)

    def choices(self, ctx: Any) -> list[tuple[str, Any]]:
        options = list(self.options(ctx) if callable(self.options) else self.options)
        if self.any_label is not None:
            options.insert(0, (self.any_value, self.any_label))
        return options

    def parse(self, args: Mapping[str, str], choices: Sequence[tuple[str, Any]]) -> dict[str, str]:
        value = args.get(self.key)
        allowed = {str(v) for v, _label in choices}
        return {self.key: value if value is not None and value in allowed else self.default}

    def condition(self, values: Mapping[str, str]):
        value = values.get(self.key, self.default)
        if self.any_label is not None and value == self.any_value:
            return None
        return self.where(value) if value != "" else None


@dataclass(frozen=True)
class DateRange:
    """A date filter: ``?<key>_from=YYYY-MM-DD&<key>_to=YYYY-MM-DD`` on a UTC datetime ``column``,
    whole days in the request's time zone (both ends included). An invalid date is ignored."""

    key: str
    label: Any
    column: Any
    kind = "date_range"

    @property
    def params(self) -> tuple[str, ...]:
        return (f"{self.key}_from", f"{self.key}_to")

    def choices(self, ctx: Any) -> list[tuple[str, Any]]:
        return []

    def parse(self, args: Mapping[str, str], choices: Sequence[tuple[str, Any]]) -> dict[str, str]:
        values = {}
        for name in self.params:
            raw = (args.get(name) or "").strip()
            try:
                values[name] = date.fromisoformat(raw).isoformat() if raw else ""
            except ValueError:
                values[name] = ""
        return values

    def condition(self, values: Mapping[str, str]):
        start, end = (values.get(name) or "" for name in self.params)
        parts = []
        if start:
            parts.append(self.column >= day_start(date.fromisoformat(start)))
        if end:
            parts.append(self.column < day_start(date.fromisoformat(end) + timedelta(days=1)))
        return sa.and_(*parts) if parts else None


def day_start(day: date) -> datetime:
    """Midnight of ``day`` in the request's time zone, as a UTC datetime."""
    tz = get_timezone()
    naive = datetime.combine(day, time.min)
    local = tz.localize(naive) if hasattr(tz, "localize") else naive.replace(tzinfo=tz)  # pytz or zoneinfo
    return local.astimezone(UTC)


@dataclass(frozen=True)
class BulkAction:
    """Something to do to the checked rows, after a confirmation.

    ``question(count)`` is the confirmation's heading (use ngettext), ``run(ctx, rows, form)``
    does it through services (flush; raise ``DomainError`` to refuse: nothing is committed) and
    returns the message shown afterwards. ``form`` is an optional form class (app.inputs.Form)
    whose visible fields the confirmation asks for. ``allowed(ctx)`` hides the action (and refuses
    it) for whoever may not use it.
    """

    key: str
    label: Any
    question: Callable[[int], str]
    run: Callable[[Any, Sequence[Any], Any], str]
    form: type | None = None
    allowed: Callable[[Any], bool] = lambda ctx: True
    danger: bool = False


# Every declared table by id (a background export finds its table again by the id), and the key of
# ``app.extensions`` under which a blueprint registers its background CSV exporter.
TABLES: dict[str, Table] = {}
CSV_EXPORTER = "volmify_csv_exporter"


@dataclass(frozen=True)
class Table:
    """A list page's declaration (see the module docstring)."""

    id: str
    title: Any
    endpoint: str
    query: Callable[[Any], sa.Select]
    key: Any
    columns: Sequence[Column]
    row_id: Callable[[Any], str] = lambda row: str(row[0].id)
    row_label: Callable[[Any], str] = lambda row: str(row[0].id)
    row_attrs: Callable[[Any], Mapping[str, str]] | None = None
    search: Sequence[Any] = ()
    # instead of ``search``: the condition of the whole search text (None: matches nothing), for a
    # search that must not match parts (a gift card code: the whole code or its last four)
    search_where: Callable[[str], Any] | None = None
    search_label: Any = _l("Search")
    filters: Sequence[Choice | DateRange] = ()
    # the rows of ``query`` without the joins only the cells need (each an inner join on a required
    # foreign key, so the same rows): counted instead when no search is active (the search reads
    # joined columns). A count over 100,000 rows then reads one table's index, not every join.
    count_query: Callable[[Any], sa.Select] | None = None
    # the number of rows of ``query`` with no search and no filter, when something cheaper than
    # counting them knows it (e.g. running totals)
    unfiltered_count: Callable[[Any], int] | None = None
    default_sort: str | None = None
    default_order: Callable[[], Sequence[Any]] | None = None
    prepare: Callable[[Sequence[Any]], Sequence[Any]] | None = None
    bulk_endpoint: str | None = None
    bulk_actions: Sequence[BulkAction] = ()
    empty: Any = _l("Nothing here yet.")
    empty_hint: Any = None
    per_page_options: tuple[int, ...] = (25, 50, 100)
    csv_batch: int = 1000
    max_bulk: int = 500

    def __post_init__(self) -> None:
        TABLES[self.id] = self
        keys = [c.key for c in self.columns]
        params = [p for f in self.filters for p in f.params]
        reserved = {"q", "sort", "page", "per_page", "format"}
        if len(set(keys)) != len(keys) or len(set(params)) != len(params) or reserved & set(params):
            raise ValueError(f"table {self.id}: column keys and filter parameters must be unique and not {reserved}")
        if self.default_sort and self.default_sort.lstrip("-") not in {c.key for c in self.columns if c.sort is not None}:
            raise ValueError(f"table {self.id}: default_sort {self.default_sort!r} is not a sortable column")

    # -- entry points for views --

    def listing(self, ctx: Any, args: Mapping[str, str] | None = None) -> Listing:
        """The list as ``args`` (default: the query string) asks for it; nothing loaded yet."""
        return Listing(self, ctx, request.args if args is None else args)

    def respond(self, ctx: Any, page: str, partial: str, /, **context):
        """The list view: the CSV export for ``?format=csv``, else the page (or, for htmx, the
        region named by ``HX-Target``) with the URL pushed."""
        listing = self.listing(ctx)
        if request.args.get("format") == "csv":
            # A list longer than CSV_INLINE_ROWS (0: no limit) is exported by a Celery worker when
            # the app has an exporter (app/staff/exports.py registers one): ``exporter(table, ctx, args)``.
            exporter, limit = current_app.extensions.get(CSV_EXPORTER), current_app.config.get("CSV_INLINE_ROWS")
            if exporter is not None and limit and listing.count() > limit:
                return exporter(self, ctx, request.args)
            return listing.csv_response()
        listing.load()
        return htmx.render(page, partial, listing=listing, push_url=listing.url() if htmx.is_htmx() else None,
                           **context)

    def bulk(self, ctx: Any, page: str, partial: str, /, **context):
        """The bulk view (POST): ask for the confirmation, then run the action and commit once.

        ``page`` is the full confirmation page (it includes ``macros/_table_confirm.html``);
        ``partial`` is the list's own partial, rendered after the action for htmx requests.
        """
        form_data = request.form
        listing = self.listing(ctx, form_data)
        action = next((a for a in listing.bulk_actions if a.key == form_data.get("action")), None)
        if action is None:
            return listing.back(partial, error=_("Choose what to do with the selected rows."), **context)
        ids = list(dict.fromkeys(v for v in form_data.getlist("ids") if v))[: self.max_bulk]
        rows = listing.rows_by_id(ids)
        if not rows:
            return listing.back(partial, error=_("Select at least one row first."), **context)
        confirmed = form_data.get("confirmed") == "1"
        form = action.form(formdata=form_data if confirmed else None) if action.form else None
        confirmation = Confirmation(action=action, rows=rows, form=form, question=action.question(len(rows)))
        if confirmed:
            if form is None or form.validate():
                try:
                    message = action.run(ctx, rows, form)
                except DomainError as exc:
                    db.session.rollback()
                    confirmation.error = exc.message
                else:
                    db.session.commit()
                    return listing.back(partial, message=message, **context)
            status = 422
        else:
            status = 200
        return htmx.render(page, "macros/_table_confirm.html", listing=listing, confirmation=confirmation,
                           status=status, **context)


@dataclass
class Confirmation:
    action: BulkAction
    rows: Sequence[Any]
    form: Any
    question: str
    error: str | None = None


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    url: str = ""
    current: bool = False


# ---- one request's list -----------------------------------------------------------------------------

class Listing:
    """A table as one request sees it: the parsed state, then (after ``load``) the page of rows."""

    def __init__(self, table: Table, ctx: Any, args: Mapping[str, str]) -> None:
        self.table = table
        self.ctx = ctx
        self.base = table.query(ctx)  # first: it refuses (PermissionDeniedError) whoever may not list
        self.url_values = ({k: v for k, v in (request.view_args or {}).items() if v is not None}
                           if request.endpoint == table.endpoint else {})
        self._choices = {f.key: f.choices(ctx) for f in table.filters}
        self.q = _search_text(args.get("q"))
        sortable = {c.key: c for c in table.columns if c.sort is not None}
        sort = (args.get("sort") or "").strip()
        self.sort = sort if sort.lstrip("-") in sortable else (table.default_sort or "")
        self.per_page = _int(args.get("per_page"), table.per_page_options[0])
        if self.per_page not in table.per_page_options:
            self.per_page = table.per_page_options[0]
        self.page = min(max(_int(args.get("page"), 1), 1), MAX_PAGE)
        self.values: dict[str, str] = {}
        for f in table.filters:
            self.values.update(f.parse(args, self._choices[f.key]))
        self.region = "results" if htmx.target() == f"{table.id}-results" else "view"
        self.rows: Sequence[Any] = []
        self.total = 0
        self.message: str | None = None
        self.error: str | None = None

    # -- state --

    @property
    def columns(self) -> list[Column]:
        return [c for c in self.table.columns if c.html]

    @property
    def csv_columns(self) -> list[Column]:
        return [c for c in self.table.columns if c.csv is not None]

    @property
    def bulk_actions(self) -> list[BulkAction]:
        if not self.table.bulk_endpoint:
            return []
        return [a for a in self.table.bulk_actions if a.allowed(self.ctx)]

    def choices(self, f: Choice | DateRange) -> list[tuple[str, Any]]:
        return self._choices[f.key]

    def value(self, param: str) -> str:
        return self.values.get(param, "")

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query parameters of this state (defaults left out), with ``changes`` applied."""
        table = self.table
        params: dict[str, Any] = {}
        if self.q:
            params["q"] = self.q
        for f in table.filters:
            for name in f.params:
                value = self.values.get(name, "")
                default = f.default if isinstance(f, Choice) else ""
                if value != default:
                    params[name] = value
        if self.sort and self.sort != (table.default_sort or ""):
            params["sort"] = self.sort
        if self.per_page != table.per_page_options[0]:
            params["per_page"] = self.per_page
        if self.page > 1:
            params["page"] = self.page
        params.update(changes)
        return {k: v for k, v in params.items() if v is not None}

    @property
    def hidden_state(self) -> dict[str, Any]:
        """The state as hidden form fields (bulk forms carry it, to come back to the same list)."""
        return self.params()

    def url(self, **changes: Any) -> str:
        return url_for(self.table.endpoint, **self.url_values, **self.params(**changes))

    @property
    def base_url(self) -> str:
        return url_for(self.table.endpoint, **self.url_values)

    @property
    def reset_url(self) -> str:
        return self.base_url

    @property
    def csv_url(self) -> str:
        return self.url(page=None, format="csv")

    @property
    def bulk_url(self) -> str:
        return url_for(self.table.bulk_endpoint, **self.url_values) if self.table.bulk_endpoint else ""

    @property
    def is_filtered(self) -> bool:
        """Whether search or filters differ from the defaults (an empty result is then "no match")."""
        return bool(self.q) or any(k in self.params() for f in self.table.filters for k in f.params)

    def sort_state(self, column: Column) -> str | None:
        """"ascending" / "descending" when the list is sorted by ``column`` (for aria-sort)."""
        if self.sort.lstrip("-") != column.key:
            return None
        return "descending" if self.sort.startswith("-") else "ascending"

    def sort_url(self, column: Column) -> str:
        """Sort by ``column``: ascending first, the other direction when it already is."""
        key = f"-{column.key}" if self.sort == column.key else column.key
        return self.url(sort=key, page=None)

    # -- SQL --

    def statement(self) -> sa.Select:
        """The scoped query with the search and the filters (no order, no paging)."""
        stmt = self.base
        if self.q and self.table.search_where is not None:
            condition = self.table.search_where(self.q)
            return self._filtered(stmt.where(sa.false() if condition is None else condition))
        terms = self.q.split()[:MAX_SEARCH_TERMS]
        if terms and self.table.search:
            for term in terms:
                stmt = stmt.where(sa.or_(*(expr.icontains(term, autoescape=True) for expr in self.table.search)))
        return self._filtered(stmt)

    def _filtered(self, stmt: sa.Select) -> sa.Select:
        for f in self.table.filters:
            condition = f.condition(self.values)
            if condition is not None:
                stmt = stmt.where(condition)
        return stmt

    def ordered(self) -> sa.Select:
        stmt = self.statement()
        columns = {c.key: c for c in self.table.columns}
        if self.sort:
            expr = columns[self.sort.lstrip("-")].sort
            order = expr.desc() if self.sort.startswith("-") else expr.asc()
            # NULLS LAST only where a NULL can be: on a required column a plain DESC reads its index
            # backwards, while DESC NULLS LAST sorts every row of the scope
            stmt = stmt.order_by(order.nulls_last() if _nullable(expr) else order)
        elif self.table.default_order is not None:
            stmt = stmt.order_by(*self.table.default_order())
        return stmt.order_by(self.table.key)

    def count(self) -> int:
        if (self.table.unfiltered_count is not None and not self.q
                and all(f.condition(self.values) is None for f in self.table.filters)):
            return self.table.unfiltered_count(self.ctx)
        if self.table.count_query is not None and not (self.q and (self.table.search or self.table.search_where)):
            counted = self._filtered(self.table.count_query(self.ctx))
            return db.session.scalar(counted.with_only_columns(sa.func.count(), maintain_column_froms=True)
                                     .order_by(None)) or 0
        only_keys = self.statement().with_only_columns(self.table.key, maintain_column_froms=True).order_by(None)
        return db.session.scalar(sa.select(sa.func.count()).select_from(only_keys.subquery())) or 0

    def _prepare(self, rows: Sequence[Any]) -> Sequence[Any]:
        return self.table.prepare(rows) if self.table.prepare else rows

    def load(self) -> Listing:
        """Count, then fetch the page (the last one when ``page`` is past the end)."""
        self.total = self.count()
        self.page = min(self.page, self.pages)
        if self.total:
            stmt = self.ordered().limit(self.per_page).offset((self.page - 1) * self.per_page)
            self.rows = self._prepare(db.session.execute(stmt).all())
        return self

    def rows_by_id(self, ids: Sequence[str]) -> Sequence[Any]:
        """The rows of ``ids`` within the table's scope (``query(ctx)``; no search or filters)."""
        if not ids:
            return []
        stmt = self.base.where(self.table.key.in_(ids)).order_by(self.table.key)
        return self._prepare(db.session.execute(stmt).all())

    # -- paging --

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def page_url(self, number: int) -> str:
        return self.url(page=number if number > 1 else None)

    def page_links(self, around: int = 2) -> list[PageLink]:
        """First, last and ``around`` pages either side of the current one, with ellipses between."""
        shown = sorted({1, self.pages, *range(max(1, self.page - around), min(self.pages, self.page + around) + 1)})
        links: list[PageLink] = []
        for number in shown:
            if links and links[-1].number is not None and number > links[-1].number + 1:
                links.append(PageLink(None))
            links.append(PageLink(number, self.page_url(number), number == self.page))
        return links

    # -- responses --

    def back(self, partial: str, *, message: str | None = None, error: str | None = None, **context):
        """After a bulk post: htmx gets the list region with the message; a browser without
        JavaScript is redirected (303) to the list URL with a flashed message."""
        if htmx.is_htmx():
            self.region = "view"
            self.message, self.error = message, error
            self.load()
            response = htmx.render(partial, partial, listing=self, status=200 if message else 422, **context)
            response.headers["HX-Push-Url"] = self.url()
            return response
        flash(message or error or "", "success" if message else "error")
        return htmx.redirect(self.url())

    def csv_chunks(self) -> Iterator[str]:
        """The CSV text, a batch of rows at a time (what ``csv_response`` streams)."""
        return self.csv_response().response

    def csv_response(self) -> Response:
        """The filtered rows (every page, in the list's order) as a streamed CSV download."""
        columns = self.csv_columns
        header = [str(c.label) for c in columns]
        stmt = self.ordered().execution_options(yield_per=self.table.csv_batch)
        filename = f"{self.table.id}-{datetime.now(UTC).date().isoformat()}.csv"

        def generate() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow([csv_cell(h) for h in header])
            yield "\ufeff" + _drain(buffer)  # the BOM: spreadsheets then read UTF-8
            result = db.session.execute(stmt)
            try:
                for batch in result.partitions():
                    for row in self._prepare(batch):
                        writer.writerow([csv_cell(c.csv(row)) for c in columns])
                    yield _drain(buffer)
            finally:
                result.close()

        response = Response(stream_with_context(generate()), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.headers["Cache-Control"] = "no-store"
        return response


# ---- helpers --------------------------------------------------------------------------------------

def csv_cell(value: Any) -> Any:
    """A CSV cell: None is empty, numbers and dates stay as they are, text that a spreadsheet would
    run as a formula (starting with = + - @, tab or CR, after any spaces) gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, Decimal, float)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds") if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text[:1] in FORMULA_STARTS or text.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _nullable(expr: Any) -> bool:
    """Whether a sort expression may be NULL: False only for a NOT NULL column."""
    column = getattr(expr, "expression", expr)
    return not isinstance(column, sa.Column) or bool(column.nullable)


def _int(raw: str | None, default: int) -> int:
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        return default
    return int(raw)


def _search_text(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_SEARCH_CHARS]


