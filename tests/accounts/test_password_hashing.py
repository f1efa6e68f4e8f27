"""Password hashing: strong Argon2 parameters unless configured, and stored hashes follow the
configuration (a hash made with other parameters is upgraded at the next sign-in)."""

from __future__ import annotations

from argon2 import extract_parameters

from app.accounts.models import User
from app.accounts.services import authenticate, hash_password
from app.extensions import db
from tests.factories import PASSWORD, make_user


def _params(app, value: dict | None):
    if value is None:
        app.config.pop("PASSWORD_HASH", None)
    else:
        app.config["PASSWORD_HASH"] = value
    app.extensions.pop("volmify_hasher", None)


def test_production_parameters_are_argon2_recommended(app):
    saved = app.config.get("PASSWORD_HASH")
    _params(app, None)
    try:
        with app.app_context():
            params = extract_parameters(hash_password("correct horse battery"))
        assert params.memory_cost >= 64 * 1024 and params.time_cost >= 2
    finally:
        _params(app, saved)


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(app):
    saved = app.config["PASSWORD_HASH"]
    with app.app_context():
        user = make_user()
        db.session.commit()
        email, old = user.email, user.password_hash
    _params(app, {"time_cost": 2, "memory_cost": 16, "parallelism": 1})
    try:
        with app.app_context():
            authenticate(email, PASSWORD)
            db.session.commit()
            new = db.session.scalar(db.select(User.password_hash).where(User.email == email))
        assert new != old and extract_parameters(new).time_cost == 2
    finally:
        _params(app, saved)
