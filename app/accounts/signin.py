"""Signing a user in within the current request: the one way every page does it (log in, joining
through an invitation). Recorded as a ``user_session`` (app.accounts.sessions), then flask_login's
``login_user``, which sends ``user_logged_in`` (checkout merges the visitor's carts on it); the
view commits."""

from __future__ import annotations

from flask import request
from flask.globals import _cv_app, _cv_request
from flask_login import login_user
from flask_login.utils import _get_user

from app.accounts import sessions
from app.accounts.models import User


def sign_in(user: User, *, remember: bool = False) -> None:
    sessions.start_session(user, request.user_agent.string)
    login_user(user, remember=remember)


def request_user():
    """flask_login's ``current_user`` (the signed-in user, else the anonymous user; None outside a
    request), without its context-local proxies: a storefront header asks for it several times
    per request, each a dozen calls through ``current_user`` and ``g``."""
    if _cv_request.get(None) is None:
        return None
    user = _cv_app.get().g.__dict__.get("_login_user")
    return user if user is not None else _get_user()
