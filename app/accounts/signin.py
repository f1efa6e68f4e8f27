"""Signing a user in within the current request: the one way every page does it (log in, joining
through an invitation). Recorded as a ``user_session`` (app.accounts.sessions), then flask_login's
``login_user``, which sends ``user_logged_in`` (checkout merges the visitor's carts on it); the
view commits."""

from __future__ import annotations

from flask import request
from flask_login import login_user

from app.accounts import sessions
from app.accounts.models import User


def sign_in(user: User, *, remember: bool = False) -> None:
    sessions.start_session(user, request.user_agent.string)
    login_user(user, remember=remember)
