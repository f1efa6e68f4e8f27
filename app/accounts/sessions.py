"""Server-side sign-ins (``user_session``): start, load, list, refresh "last seen", revoke.

Flask-Login's alternative-id pattern: ``User.get_id()`` returns the sign-in's id, so the session
cookie and the remember cookie carry it, and the user loader accepts only a sign-in that is not
revoked. Services flush; the view commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
import ua_parser

from app.accounts.models import User, UserSession
from app.db import prebuilt, utcnow
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


@prebuilt
def _signed_in():
    return (
        sa.select(User, UserSession.id, UserSession.last_seen_at)
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


def load_signed_in(session_id: str, *, idle_limit: timedelta) -> tuple[User, SignedIn] | None:
    """The active user of a sign-in that is neither revoked nor idle for longer than ``idle_limit``
    (one query)."""
    if not session_id or len(session_id) > 32:
        return None
    row = db.session.execute(_signed_in(), {"session_id": session_id, "seen_after": utcnow() - idle_limit}).first()
    if row is None:
        return None
    user, record_id, last_seen_at = row
    user.current_session_id = record_id
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
