"""Server-side sign-ins (``user_session``): start, load, list, refresh "last seen", revoke.

Flask-Login's alternative-id pattern: ``User.get_id()`` returns the sign-in's id, so the session
cookie and the remember cookie carry it, and the user loader accepts only a sign-in that is not
revoked. Services flush; the view commits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
import ua_parser
from flask import current_app, g, has_request_context
from flask.globals import _cv_request
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from app.accounts.models import User, UserSession
from app.db import plain_rows, prebuilt, utcnow
from app.errors import NotFoundError
from app.extensions import db


def describe_device(user_agent: str | None) -> str:
    """``Chrome 120 · Linux``, ``Mobile Safari 17 · iOS (iPhone)``, or "" when the agent says nothing."""
    if not user_agent:
        return ""
    parsed = ua_parser.parse(user_agent[:1000])
    parts = []
    if parsed.user_agent is not None and parsed.user_agent.family != "Other":
        browser = parsed.user_agent.family
        parts.append(f"{browser} {parsed.user_agent.major}" if parsed.user_agent.major else browser)
    if parsed.os is not None and parsed.os.family != "Other":
        system = parsed.os.family
        if parsed.device is not None and parsed.device.family not in ("Other", "Spider"):
            system += f" ({parsed.device.family})"
        parts.append(system)
    return " · ".join(parts)[:120]


def start_session(user: User, user_agent: str | None) -> UserSession:
    """Record a new sign-in and make ``user.get_id()`` return its id (call before ``login_user``)."""
    record = UserSession(user_id=user.id, device=describe_device(user_agent), last_seen_at=utcnow())
    db.session.add(record)
    db.session.flush()
    user.current_session_id = record.id
    return record


# The user's columns (as the ORM would load them) and the sign-in's id and "last seen", as plain
# values: the ORM's execution and loading layer for one entity was about 40% of the user loader's
# CPU on every signed-in request. ``_user_of`` makes the ``User`` of them, as a query would have.
@functools.cache
def _user_keys() -> tuple[str, ...]:
    return tuple(attr.key for attr in sa.inspect(User).column_attrs)  # after the mappers are configured


@prebuilt
def _signed_in():
    mapper = sa.inspect(User)
    return (
        sa.select(*(mapper.column_attrs[key].columns[0] for key in _user_keys()), UserSession.id,
                  UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.id == sa.bindparam("session_id"),
            UserSession.revoked_at.is_(None),
            UserSession.last_seen_at > sa.bindparam("seen_after"),
            User.is_active.is_(True),
        )
    )


class SignedIn(NamedTuple):
    """What the user loader needs of a sign-in (read as two columns: loading the ``UserSession``
    object too cost a second entity's ORM work on every signed-in request)."""

    id: str
    last_seen_at: datetime


def _user_of(values) -> User:
    """The session's ``User`` with these column values: the one it holds, else one made of them
    (persistent and unchanged, as a query would have loaded it; its relationships load on first use)."""
    session = db.session()
    user = session.identity_map.get(identity_key(User, values[0]))
    if user is None:
        user = sa.inspect(User).class_manager.new_instance()  # no __init__, as the ORM's loading
        user.__dict__.update(zip(_user_keys(), values, strict=True))
        make_transient_to_detached(user)
        session.add(user)
    return user


def signed_in_select() -> sa.Select:
    """The statement of ``load_signed_in`` (``:session_id``, ``:seen_after``): the user's columns,
    then the sign-in's id and "last seen"."""
    return _signed_in()


class ReadWithSignIn(NamedTuple):
    """What a higher layer reads in the sign-in's statement: ``statement`` (``signed_in_select``'s
    columns first, then its own), its extra bound values, and ``take(user, values)`` for its columns."""

    statement: sa.Select
    params: dict
    take: Callable[[User, tuple], None]


# A higher layer's ``() -> ReadWithSignIn | None`` (markets: the user's membership in the org of a
# storefront page, which every signed-in storefront page reads next: one round trip less).
_read_with_sign_in: list[Callable[[], ReadWithSignIn | None]] = []


def read_with_sign_in(extra: Callable[[], ReadWithSignIn | None]) -> None:
    """Let ``extra`` add columns to the sign-in's statement (when it answers, not None)."""
    if extra not in _read_with_sign_in:
        _read_with_sign_in.append(extra)


def idle_limit() -> timedelta:
    """How long a sign-in may go unused: as long as the remember cookie lives (a year by default)."""
    limit = current_app.config.get("REMEMBER_COOKIE_DURATION") or timedelta(days=365)
    return limit if isinstance(limit, timedelta) else timedelta(seconds=int(limit))


# ---- read ahead: the sign-in read with a statement a higher layer runs before the user loader ----
# A storefront page reads its market (markets.storefront) before anything asks for the user; the
# sign-in the session names then rides on that statement (one round trip less on every signed-in
# storefront page). ``load_signed_in`` takes what was read instead of asking again: the same
# statement's columns (``signed_in_select``), read for the same sign-in with the same rule (not
# revoked, not idle, active user) moments earlier in the same request. Flask-Login still decides
# whether and for which id the loader runs (session protection, the remember cookie).
_AHEAD = "_accounts_sign_in_read_ahead"


class ReadAhead(NamedTuple):
    """The sign-in the session names: ``signed_in_select``'s bound values for it, and the idle limit
    they were computed with."""

    params: dict
    limit: timedelta


def read_ahead() -> ReadAhead | None:
    """The sign-in of the session (Flask-Login's ``_user_id``) to read with another statement, when
    there is one and the user is not loaded yet; None otherwise."""
    request_context = _cv_request.get(None)  # flask's request and g without their proxies (every
    if request_context is None:               # storefront request asks, a visitor's too)
        return None
    session_id = request_context.session.get("_user_id") if request_context.session else None
    if not isinstance(session_id, str) or not session_id or len(session_id) > 32:
        return None
    if "_login_user" in g:
        return None
    limit = idle_limit()
    return ReadAhead({"session_id": session_id, "seen_after": utcnow() - limit}, limit)


def remember_read_ahead(ahead: ReadAhead, values: tuple, take: Callable[[User, tuple], None] | None) -> None:
    """What a statement read for ``ahead``: ``signed_in_select``'s columns (all NULL: no such
    sign-in), then the caller's, given to ``take`` when the user loader takes the sign-in."""
    setattr(g, _AHEAD, (ahead, tuple(values), take))


def _taken_ahead(session_id: str, limit: timedelta):
    """The values read ahead for this sign-in and rule (once), or None."""
    found = g.pop(_AHEAD, None) if has_request_context() else None
    if found is None:
        return None
    ahead, values, take = found
    if ahead.params["session_id"] != session_id or ahead.limit != limit:
        return None
    return values, take


def load_signed_in(session_id: str, *, idle_limit: timedelta) -> tuple[User, SignedIn] | None:
    """The active user of a sign-in that is neither revoked nor idle for longer than ``idle_limit``
    (one query, or none when it was read ahead)."""
    if not session_id or len(session_id) > 32:
        return None
    taken = _taken_ahead(session_id, idle_limit)
    if taken is not None:
        row, take = taken
        if row[0] is None:
            return None
        return _signed_in_of(row, take)
    params = {"session_id": session_id, "seen_after": utcnow() - idle_limit}
    extra = None
    for read in _read_with_sign_in:
        extra = read()
        if extra is not None:
            break
    if extra is None:
        row = plain_rows(db.session, _signed_in(), params).first()
    else:
        row = plain_rows(db.session, extra.statement, {**extra.params, **params}).first()
    if row is None:
        return None
    return _signed_in_of(row, extra.take if extra is not None else None)


def _signed_in_of(row, take) -> tuple[User, SignedIn]:
    count = len(_user_keys())
    user = _user_of(row[:count])
    record_id, last_seen_at = row[count], row[count + 1]
    user.current_session_id = record_id
    if take is not None:
        take(user, tuple(row[count + 2:]))
    return user, SignedIn(record_id, last_seen_at)


def needs_touch(record: UserSession | SignedIn, interval_seconds: int, now: datetime | None = None) -> bool:
    return record.last_seen_at <= (now or utcnow()) - timedelta(seconds=interval_seconds)


def touch(session_id: str) -> None:
    """Set "last seen" to now (one UPDATE, no load)."""
    db.session.execute(
        sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow())
    )


def list_active(user: User) -> list[UserSession]:
    """The user's sign-ins that are not revoked, most recently seen first."""
    return list(db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
    ))


def _revoke_where(*conditions) -> int:
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.revoked_at.is_(None), *conditions)
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def revoke(user: User, session_id: str) -> None:
    """Sign one of the user's own sign-ins out; another user's (or an unknown) id is a 404."""
    owned = db.session.scalar(
        sa.select(UserSession.id).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    if owned is None:
        raise NotFoundError()
    _revoke_where(UserSession.id == session_id)


def revoke_all(user: User, *, except_session_id: str | None = None) -> int:
    """Sign the user out everywhere (but ``except_session_id``); returns how many were revoked."""
    conditions = [UserSession.user_id == user.id]
    if except_session_id:
        conditions.append(UserSession.id != except_session_id)
    return _revoke_where(*conditions)
