"""Where an employee's action comes from: the client address the audit log records.

Services never read the request. The web layer (``register`` below, called from the app factory)
puts the address of the request being handled into a context variable before any view runs and
takes it away when the request ends; ``app.orgs.services.audit`` reads ``current_address()``.
Outside a request (CLI commands, the demo, tests calling services) it is None, and
``acting_from`` sets it for a block (a job that acts for a recorded request, a test).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from flask import Flask, request

ADDRESS_MAX = 45  # the longest textual IPv6 address (with an embedded IPv4 part)

_address: ContextVar[str | None] = ContextVar("volmify_request_address", default=None)


def current_address() -> str | None:
    """The client address of the request being handled (after ProxyFix), or None."""
    return _address.get()


def _clean(address: str | None) -> str | None:
    address = (address or "").strip()
    return address[:ADDRESS_MAX] or None


@contextmanager
def acting_from(address: str | None) -> Iterator[None]:
    """``current_address()`` is ``address`` inside the block."""
    token = _address.set(_clean(address))
    try:
        yield
    finally:
        _address.reset(token)


_TOKEN_KEY = "volmify.address_token"


def _remember_address() -> None:
    request.environ[_TOKEN_KEY] = _address.set(_clean(request.remote_addr))


def _forget_address(_exc: BaseException | None = None) -> None:
    token: Token | None = request.environ.pop(_TOKEN_KEY, None)
    if token is not None:
        try:
            _address.reset(token)
        except ValueError:  # set in another context (cannot happen within one request): clear
            _address.set(None)


def register(app: Flask) -> None:
    """Record every request's client address for the audit log (runs before any other hook)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _remember_address)
    app.teardown_request(_forget_address)
