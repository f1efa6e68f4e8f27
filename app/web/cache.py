"""A small per-process read cache for storefront data that changes rarely (market settings,
catalog listings). Entries live ``STOREFRONT_CACHE_SECONDS`` (0 turns caching off, as in tests)
and the least recently used entries are dropped past ``MAX_ENTRIES``. Values must be plain data,
never ORM objects bound to a session.

``cached_include`` (a Jinja global) caches a rendered part of a page where the template includes
it, so each page template still reads as the list of its parts (fragment caching).

``page`` (a view decorator) caches whole responses for visitors who carry no cookie of ours (no
session: nothing per-user to show), each hit with a CSRF token of the visitor's own swapped in.

Edits show at once in the process that made them: a commit that changed a row of a table the
storefront shows (``STOREFRONT_TABLES``, by name prefix) clears this process's cache
(``clear_on_storefront_commits``). Other processes and hosts learn of it through a generation
number in Redis when ``REDIS_URL`` is set: the commit also INCRements ``GENERATION_KEY``, and each
process reads it at most every ``CACHE_GENERATION_CHECK_SECONDS`` (0.5 s: one GET per process per
half second, not per request) and drops its entries when it changed, so an edit shows everywhere
within about that time. Each entry remembers the generation it was loaded under, so a value read
from the database before an edit and stored after the process learnt of it is never served.
Without Redis (one process, ``make run``) the generation is this process's own; if Redis cannot be
reached, a process drops its entries at each check rather than serve stale ones."""

from __future__ import annotations

import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

import redis
import sqlalchemy as sa
from flask import Response, current_app, g, has_app_context, request, session
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

T = TypeVar("T")
MAX_ENTRIES = 4096
GENERATION_KEY = "volmify:storefront:generation"
log = logging.getLogger(__name__)

# key -> (expires at, generation it was loaded under, value)
_entries: OrderedDict[Hashable, tuple[float, int, object]] = OrderedDict()
_lock = Lock()
# The generation this process knows (from Redis, or its own count without it) and when it last
# asked Redis; one client per Redis URL.
_state = {"generation": 0, "checked_at": float("-inf")}
_clients: dict[str, redis.Redis] = {}


def clear() -> None:
    with _lock:
        _entries.clear()


def _redis(url: str) -> redis.Redis:
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return client


def generation() -> int:
    """The storefront data's generation as this process knows it: read from Redis (REDIS_URL) at
    most every CACHE_GENERATION_CHECK_SECONDS; a change drops every entry of this process."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return _state["generation"]
    now = time.monotonic()
    if now - _state["checked_at"] < current_app.config.get("CACHE_GENERATION_CHECK_SECONDS", 0.5):
        return _state["generation"]
    try:
        value = int(_redis(url).get(GENERATION_KEY) or 0)
    except (redis.RedisError, ValueError) as exc:
        log.warning("storefront cache: cannot read the generation from Redis (%s); dropping entries", exc)
        value = _state["generation"] + 1  # unknown: treat as changed
    with _lock:
        if value != _state["generation"]:
            _entries.clear()
            _state["generation"] = value
        _state["checked_at"] = now
    return value


def storefront_changed() -> None:
    """Storefront data was committed: drop this process's entries and tell the others (Redis)."""
    url = current_app.config.get("REDIS_URL") if has_app_context() else None
    value = None
    if url:
        try:
            value = int(_redis(url).incr(GENERATION_KEY))
        except redis.RedisError as exc:
            log.warning("storefront cache: cannot bump the generation in Redis (%s)", exc)
    with _lock:
        _entries.clear()
        _state["generation"] = value if value is not None else _state["generation"] + 1


# Tables (by name prefix) whose rows the cached storefront parts show.
STOREFRONT_TABLES = ("org_product", "org_lesson", "org_brand", "org_market", "org_tax", "org_region",
                     "org_locale", "org_image", "org_media", "seo_metadata", "org_employee_product",
                     "org_discount", "org_skill")
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
        storefront_changed()


def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_FLAG, None)


def clear_on_storefront_commits() -> None:
    """Clear the cache after each commit that changed storefront data (installed once per process)."""
    for name, fn in (("before_flush", _before_flush), ("do_orm_execute", _on_execute),
                     ("after_commit", _after_commit), ("after_soft_rollback", _after_rollback)):
        if not sa.event.contains(sa.orm.Session, name, fn):
            sa.event.listen(sa.orm.Session, name, fn)


def _ttl() -> int:
    return current_app.config.get("STOREFRONT_CACHE_SECONDS", 30)


def enabled() -> bool:
    """Whether ``cached`` keeps what it loads (STOREFRONT_CACHE_SECONDS above 0)."""
    return bool(_ttl())


def _lookup(key: Hashable) -> tuple[bool, object]:
    """(found, value) of ``key``; an entry that expired or was loaded under an older generation is
    not found."""
    generation()
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit is not None and hit[0] > now and hit[1] == _state["generation"]:
            _entries.move_to_end(key)
            return True, hit[2]
    return False, None


def _store(key: Hashable, value: object, loaded_under: int) -> None:
    with _lock:
        _entries[key] = (time.monotonic() + _ttl(), loaded_under, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def cached(key: Hashable, load: Callable[[], T]) -> T:
    if not _ttl():
        return load()
    found, value = _lookup(key)
    if found:
        return value  # type: ignore[return-value]
    current = _state["generation"]
    value = load()
    _store(key, value, current)
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


# ---- whole pages for visitors without cookies ---------------------------------------------------

# Where the response of a cached page had its CSRF token: each visitor gets a token of their own.
_TOKEN_SLOT = "\x00volmify-csrf-token\x00"
# Requests that ask for something else than the plain page (htmx fragments are keyed on these).
_VARY_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")
_SKIPPED_HEADERS = frozenset({"set-cookie", "content-length"})


def _page_key() -> tuple | None:
    """The page cache's key for this request, or None when it must be rendered: only GETs from a
    visitor who carries no cookie of ours (no session: so no sign-in, cart, flashed message or
    form state; no remember cookie), while the cache is on."""
    if request.method != "GET" or not _ttl():
        return None
    cookies = request.cookies
    config = current_app.config
    if config.get("SESSION_COOKIE_NAME", "session") in cookies or config.get("REMEMBER_COOKIE_NAME",
                                                                             "remember_token") in cookies:
        return None
    return ("page", request.scheme, request.host, request.full_path, *(request.headers.get(name) for name in _VARY_HEADERS))


def page(view: Callable) -> Callable:
    """A view whose whole response may be cached for visitors without cookies (``_page_key``): a
    hit is answered before anything else of the request is computed (no user, no locale work, no
    rendering). The view must show nothing that depends on more than the URL, the host, the htmx
    headers and the session (the CSRF token, the only per-visitor part, is swapped in per visitor:
    a hit gives the visitor a session with a token of their own, as a rendered page does)."""

    @functools.wraps(view)
    def cached_page(*args, **kwargs):
        key = _page_key()
        if key is None:
            return view(*args, **kwargs)
        found, entry = _lookup(key)
        if found:
            status, headers, body = entry
            if _TOKEN_SLOT in body:
                body = body.replace(_TOKEN_SLOT, generate_csrf())
            return Response(body, status, headers)
        loaded_under = _state["generation"]
        response = current_app.make_response(view(*args, **kwargs))
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        # Only what any visitor would get: a 200, and no session state but the CSRF token.
        if response.status_code == 200 and not response.direct_passthrough and set(session) <= {field}:
            body = response.get_data(as_text=True)
            token = g.get(field)
            if token:
                body = body.replace(token, _TOKEN_SLOT)
            headers = [(name, value) for name, value in response.headers.items()
                       if name.lower() not in _SKIPPED_HEADERS]
            _store(key, (response.status_code, headers, body), loaded_under)
        return response

    return cached_page
