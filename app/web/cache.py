"""A small per-process read cache for storefront data that changes rarely (market settings,
catalog listings). Entries live ``STOREFRONT_CACHE_SECONDS`` (0 turns caching off, as in tests)
and the least recently used entries are dropped past ``MAX_ENTRIES``. Values must be plain data,
never ORM objects bound to a session.

``cached_include`` (a Jinja global) caches a rendered part of a page where the template includes
it, so each page template still reads as the list of its parts (fragment caching).

Edits show at once in the process that made them: a commit that changed a row of a table the
storefront shows (``STOREFRONT_TABLES``, by name prefix) clears this process's cache
(``clear_on_storefront_commits``); other processes see the edit when their entries expire."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

T = TypeVar("T")
MAX_ENTRIES = 4096

_entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
_lock = Lock()


def clear() -> None:
    with _lock:
        _entries.clear()


# Tables (by name prefix) whose rows the cached storefront parts show.
STOREFRONT_TABLES = ("org_product", "org_lesson", "org_brand", "org_market", "org_tax", "org_region",
                     "org_locale", "org_image", "org_media", "seo_metadata", "org_employee_product",
                     "org_discount")
_FLAG = "volmify_storefront_changed"


def _touches_storefront(objects) -> bool:
    return any(getattr(obj, "__tablename__", "").startswith(STOREFRONT_TABLES) for obj in objects)


def _before_flush(session, flush_context, instances) -> None:
    if _touches_storefront([*session.new, *session.dirty, *session.deleted]):
        session.info[_FLAG] = True


def _on_execute(state) -> None:
    """Bulk ``update()``/``delete()``/``insert()`` statements do not pass through a flush."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if str(getattr(table, "name", "")).startswith(STOREFRONT_TABLES):
            state.session.info[_FLAG] = True


def _after_commit(session) -> None:
    if session.info.pop(_FLAG, False):
        clear()


def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_FLAG, None)


def clear_on_storefront_commits() -> None:
    """Clear the cache after each commit that changed storefront data (installed once per process)."""
    for name, fn in (("before_flush", _before_flush), ("do_orm_execute", _on_execute),
                     ("after_commit", _after_commit), ("after_soft_rollback", _after_rollback)):
        if not sa.event.contains(sa.orm.Session, name, fn):
            sa.event.listen(sa.orm.Session, name, fn)


def cached(key: Hashable, load: Callable[[], T]) -> T:
    ttl = current_app.config.get("STOREFRONT_CACHE_SECONDS", 30)
    if not ttl:
        return load()
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit is not None and hit[0] > now:
            _entries.move_to_end(key)
            return hit[1]  # type: ignore[return-value]
    value = load()
    with _lock:
        _entries[key] = (now + ttl, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


@pass_context
def cached_include(context: Context, key: tuple, template: str, load: Callable[[], dict] | None = None) -> Markup:
    """``{{ cached_include(key, "part.html", load) }}``: the part rendered like an include (with the
    page's context), from the read cache under ``key`` and the template name. ``load`` returns more
    context for the part (the queries it needs) and is called only when the part is rendered, so a
    cached part costs no query. ``key`` must hold everything the part depends on (market, locale,
    host, arguments): parts never hold per-user or per-session data (CSRF tokens stay outside)."""

    def render() -> Markup:
        variables = {**context.get_all(), **(load() if load is not None else {})}
        return Markup(context.environment.get_template(template).render(variables))

    return cached(("include", template, *key), render)
