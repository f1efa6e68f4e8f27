"""The signed-in user's membership in the org of the page, read once per request.

Every signed-in storefront page needs it (the cart badge, the course player, the buyer's country)
and each of them used to ask on its own: the same row two or three times a page. ``request_member``
reads it once, in one statement that also says

- whether the user works for any org (``works_anywhere``): the header's "Dashboard" link
  (app/staff/shell.py) needs a query of its own only for employees;
- the values higher layers attach to the membership with ``add_member_column`` (the cart badge's
  count, app/checkout/views.py): a few scalar subqueries in the same round trip.

The course player reads the membership together with the learner's tier, certificate and preview
right in one statement (``member_select`` + ``load_member``), which leaves the same values here.

What is remembered is what the statement read: a membership created later in the request
(``orgs.services.ensure_member``) is recorded with ``remember_member``.

The membership is read as plain columns (``CurrentMember``, with ``OrgMember``'s attributes), not
as an ORM entity: the ORM's execution and loading layer was about a tenth of a signed-in lesson's
CPU. What needs the entity (a relationship, a write) gets it from ``CurrentMember.orm()`` (made of
the values read, no second query), which every attribute ``CurrentMember`` does not hold itself,
and every assignment, goes to.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from flask.globals import _cv_app, _cv_request
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse

from app.accounts import sessions
from app.accounts.models import MAIN_PROFILE, UserProfile, UserSession
from app.db import plain_rows, prebuilt
from app.extensions import db
from app.orgs.models import Org, OrgEmployee, OrgMember

_UNKNOWN = object()


@dataclass(frozen=True)
class MemberColumn:
    """A value read with the membership: ``build(member_id)`` -> a scalar SQL expression over the
    membership's id (NULL when the user is no member); ``params()`` -> its bound values for this
    request."""

    name: str
    build: Callable[[Any], Any]
    params: Callable[[], dict]


_columns: list[MemberColumn] = []

# The membership's columns, read with its statement (labelled, so that no extra column clashes).
_FIELDS = ("id", "org_id", "user_profile_id", "membership_type", "status", "joined_at",
           "billing_country_code", "created_at", "updated_at")
_LABEL = "member__"


def _field(index: int, name: str) -> property:
    def get(self):
        orm = self._orm
        return self._values[index] if orm is None else getattr(orm, name)

    def put(self, value):
        setattr(self.orm(), name, value)

    return property(get, put, doc=f"``OrgMember.{name}``")


class CurrentMember:
    """The user's membership as read by ``request_member``: ``OrgMember``'s columns and
    ``is_active`` as plain values. Anything else (its relationships, ``org``, ``user_profile``) and
    every assignment go to the ``OrgMember`` entity (``orm()``, loaded on first need; from then on
    the columns are read from it too, so a change made through it shows here)."""

    __slots__ = ("_values", "_orm")

    def __init__(self, values) -> None:
        object.__setattr__(self, "_values", tuple(values))
        object.__setattr__(self, "_orm", None)

    def orm(self) -> OrgMember:
        """The ``OrgMember`` entity of this membership: the session's, if it holds it, else made of
        the values read (no query), as a query would have loaded it (persistent, unchanged)."""
        orm = self._orm
        if orm is None:
            session = db.session()
            orm = session.identity_map.get(identity_key(OrgMember, self._values[0]))
            if orm is None:
                orm = OrgMember(**dict(zip(_FIELDS, self._values, strict=True)))
                make_transient_to_detached(orm)
                session.add(orm)
            object.__setattr__(self, "_orm", orm)
        return orm

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.orm(), name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.orm(), name, value)

    def __repr__(self) -> str:
        return f"<CurrentMember {self._values[0]}>"


for _index, _name in enumerate(_FIELDS):
    setattr(CurrentMember, _name, _field(_index, _name))


def _member_of(row) -> CurrentMember | None:
    values = row[:len(_FIELDS)]
    return CurrentMember(values) if values[0] is not None else None


class MemberRow:
    """A row of a ``member_select`` statement: ``row[0]`` is the membership (a ``CurrentMember``,
    or None when the user is no member), and the labelled values are attributes (``works_anywhere``,
    the member columns, the caller's extras)."""

    __slots__ = ("_row", "member")

    def __init__(self, row) -> None:
        self._row = row
        self.member = _member_of(row)

    def __getitem__(self, index: int):
        if index == 0:
            return self.member
        return self._row[len(_FIELDS) - 1 + index]

    def __getattr__(self, name: str):
        if name in MemberRow.__slots__:
            raise AttributeError(name)
        return getattr(self._row, name)


def add_member_column(name: str, build: Callable[[Any], Any], params: Callable[[], dict]) -> None:
    """Read ``build(OrgMember.id)`` with every ``request_member`` statement (call at import time,
    before the first request builds the statements); its value is ``member_value(name)``."""
    if any(column.name == name for column in _columns):
        return
    if _statement.cache_info().currsize or _member_with_sign_in.cache_info().currsize:
        raise RuntimeError(f"add_member_column({name!r}) after the membership statement was built")
    _columns.append(MemberColumn(name, build, params))



def employments_select(*columns) -> sa.Select:
    """``columns`` of the user's (``:user_id``) active employments: an active employee of an
    active org through an active membership of their main profile. The one rule for the
    dashboard's org switcher and the header's "Dashboard" link."""
    return (
        sa.select(*columns)
        .select_from(OrgEmployee)
        .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .join(Org, Org.id == OrgEmployee.org_id)
        .where(UserProfile.user_id == sa.bindparam("user_id"), MAIN_PROFILE,
               OrgEmployee.status == "active", OrgMember.status == "active", Org.is_active.is_(True))
    )


def member_select(*extra) -> sa.Select:
    """The membership statement: the user's (``:user_id``) main profile, outer-joined with its
    membership in ``:org_id`` (so there is a row when the user is no member), with
    ``works_anywhere``, the registered member columns and ``extra`` (expressions built from
    ``OrgMember.id``, labelled by the caller). Run it with ``load_member``: the membership's
    columns come first (``row[0]`` of its ``MemberRow``)."""
    member_id = OrgMember.id
    # Its own tables, never the outer statement's profile and membership (no correlation).
    employed = employments_select(OrgEmployee.id).correlate(None).exists()
    return (
        sa.select(
            *(getattr(OrgMember, name).label(_LABEL + name) for name in _FIELDS),
            employed.label("works_anywhere"),
            *(column.build(member_id).label(column.name) for column in _columns),
            *(build(member_id) for build in extra),
        )
        .select_from(UserProfile)
        .outerjoin(OrgMember, sa.and_(OrgMember.user_profile_id == UserProfile.id,
                                      OrgMember.org_id == sa.bindparam("org_id")))
        .where(UserProfile.user_id == sa.bindparam("user_id"), MAIN_PROFILE)
    )


@prebuilt
def _statement():
    return member_select()


def _slot() -> dict:
    values = _cv_app.get().g.__dict__  # flask.g without its proxy (every storefront request asks)
    slot = values.get("_orgs_request_members")
    if slot is None:
        slot = values["_orgs_request_members"] = {}
    return slot


def _column_params() -> dict:
    values = {}
    for column in _columns:
        values.update(column.params())
    return values


def member_column_params() -> dict:
    """The bound values of the registered member columns for this request."""
    return _column_params()


def load_member(statement, org_id: str, user, params: dict | None = None) -> MemberRow | None:
    """Run a ``member_select`` statement for ``user`` in ``org_id`` and remember what it read for
    the rest of the request; its row (None when the user has no main profile yet)."""
    values = {"org_id": org_id, "user_id": user.id, **(params or {}), **_column_params()}
    found = plain_rows(db.session, statement, values).first()
    row = MemberRow(found) if found is not None else None
    _remember_row(org_id, user.id, row)
    return row


def _remember_row(org_id: str, user_id: str, row: MemberRow | None) -> None:
    if has_request_context():
        if row is None:
            _slot()[(org_id, user_id)] = {"member": None}
        else:
            _slot()[(org_id, user_id)] = {
                "member": row.member, "works_anywhere": bool(row.works_anywhere),
                **{column.name: getattr(row, column.name) for column in _columns},
            }


@prebuilt
def _member_with_sign_in():
    """``accounts.sessions.signed_in_select`` and the membership statement of its user in one: the
    sign-in's row, outer-joined with ``member_select`` for the user of ``:session_id`` (its row is
    there when the user has a main profile; its ``works_anywhere`` is never NULL then)."""
    signed = sessions.signed_in_select().subquery("signed_in")
    user_id = sa.select(UserSession.user_id).where(UserSession.id == sa.bindparam("session_id")).scalar_subquery()
    member = replacement_traverse(
        member_select(), {},
        lambda element: user_id if isinstance(element, BindParameter) and element.key == "user_id" else None,
    ).subquery("member")
    return sa.select(*signed.c, *member.c).select_from(signed.outerjoin(member, sa.true()))


@functools.cache
def _member_values() -> type:
    """The membership statement's row as ``MemberRow`` reads it (by position and by label)."""
    return collections.namedtuple("MemberValues", [column.key for column in member_select().selected_columns])


def member_with_sign_in(org_id: str) -> sessions.ReadWithSignIn:
    """What ``request_member`` reads, read with the sign-in (``accounts.sessions.read_with_sign_in``)
    and remembered for the rest of the request: one statement for the user and the membership."""
    return sessions.ReadWithSignIn(_member_with_sign_in(), {"org_id": org_id, **_column_params()},
                                   take_member(org_id))


def member_with_sign_in_select() -> sa.Select:
    """The statement of ``member_with_sign_in`` (``:session_id``, ``:seen_after``, ``:org_id``, the
    member columns' values): ``accounts.sessions.signed_in_select``'s columns, then the membership's."""
    return _member_with_sign_in()


def take_member(org_id: str) -> Callable[[Any, tuple], None]:
    """``take(user, values)``: remember the membership columns of a ``member_with_sign_in_select``
    row (after the sign-in's) as what ``request_member`` read for ``user`` in ``org_id``."""

    def take(user, values: tuple) -> None:
        works_anywhere = values[len(_FIELDS)]
        _remember_row(org_id, user.id, MemberRow(_member_values()(*values)) if works_anywhere is not None else None)

    return take


def request_member(org_id: str, user) -> CurrentMember | OrgMember | None:
    """The user's membership in ``org_id`` (active or not), if any: read once per request (one
    statement; ``orgs.services.get_member`` is the same rule, read every time)."""
    found = _slot().get((org_id, user.id)) if _cv_request.get(None) is not None else None
    if found is None:
        row = load_member(_statement(), org_id, user)
        return row.member if row is not None else None
    return found["member"]


def remember_member(org_id: str, user_id: str, member: OrgMember | None) -> None:
    """Record a membership created (or changed) in this request, so ``request_member`` returns it;
    what else was read with the old one is dropped (read again on demand)."""
    if has_request_context():
        _slot()[(org_id, user_id)] = {"member": member}


def member_value(org_id: str, user_id: str, name: str, default=_UNKNOWN):
    """A value read with the user's membership in ``org_id`` this request (``works_anywhere`` or a
    registered column), or ``default`` when it was not read (then ask for it yourself)."""
    if _cv_request.get(None) is None:  # has_request_context() and flask.g without their proxies
        return default
    found = _cv_app.get().g.__dict__.get("_orgs_request_members", {}).get((org_id, user_id))
    if found is None:
        return default
    return found.get(name, default)


UNKNOWN = _UNKNOWN
