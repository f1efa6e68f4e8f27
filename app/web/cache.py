"""A small per-process read cache for storefront data that changes rarely (market settings,
catalog listings). Entries live ``STOREFRONT_CACHE_SECONDS`` (0 turns caching off, as in tests)
and the least recently used entries are dropped past ``MAX_ENTRIES``. Values must be plain data,
never ORM objects bound to a session.

``cached_include`` (a Jinja global) caches a rendered part of a page where the template includes
it, so each page template still reads as the list of its parts (fragment caching)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

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
