"""The content chain's languages (app.markets.locales.content_chain) in a prebuilt statement.

A statement that reads the translations in the chain's languages lists them as a fixed number of
bound parameters, ``chain_locale_0`` to ``chain_locale_<slots - 1>`` (None past the chain's end),
not as an "expanding" IN list (``sa.bindparam(..., expanding=True)``), which SQLAlchemy renders
into the SQL again on every execution (a large part of a small statement's time). A chain has at
most four languages (``content_chain``: locale, language, market default, org default); a longer
one gets statements of its own, built for its number of slots.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TypeVar

import sqlalchemy as sa

from app.db import with_kept_hash
from app.markets.locales import BASE

CHAIN_SLOTS = 4
_NAMES = tuple(f"chain_locale_{n}" for n in range(CHAIN_SLOTS))
T = TypeVar("T")


def chain_locales(chain: Sequence[str | None]) -> list[str]:
    """The chain's languages before the base row (``translated`` stops at BASE)."""
    locales = []
    for key in chain:
        if key is BASE:
            break
        locales.append(key)
    return locales


def chain_slots(locales: Sequence[str]) -> int:
    """How many ``chain_locale_<n>`` parameters a statement needs for ``locales``."""
    return max(CHAIN_SLOTS, len(locales))


def chain_values(locales: Sequence[str]) -> dict[str, str | None]:
    """The bound values of the ``chain_locale_<n>`` parameters for ``locales`` (None past its end),
    for a statement of ``chain_slots(locales)`` slots."""
    if len(locales) <= CHAIN_SLOTS:
        return dict(zip(_NAMES, (*locales, None, None, None, None), strict=False))
    return {f"chain_locale_{n}": key for n, key in enumerate(locales)}


def in_chain(column, slots: int = CHAIN_SLOTS):
    """``column IN`` the chain's languages: the bound parameters ``chain_locale_0`` to
    ``chain_locale_<slots - 1>`` (a NULL slot matches nothing)."""
    return column.in_([sa.bindparam(f"chain_locale_{n}") for n in range(slots)])


def prebuilt_for_chain(build: Callable[[int], T]) -> Callable[[int], T]:
    """``app.db.prebuilt`` for a statement with ``in_chain`` parts: ``build(slots)`` is built once
    per process for each number of slots (``chain_slots``) and reused."""

    @functools.cache
    def built(slots: int = CHAIN_SLOTS) -> T:
        return with_kept_hash(build(slots))

    return built
