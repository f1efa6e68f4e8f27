"""Flask's signed session cookie, without rebuilding its signing machinery on every request.

``SecureCookieSessionInterface`` builds a new serializer each time it reads or writes the cookie,
and itsdangerous derives the signing key (an HMAC) again for each signature it makes or checks.
Both are pure functions of the secret keys: built once per keys here. The cookie is the same.
"""

from __future__ import annotations

import hashlib
import os

from flask import current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer


class _Signer(TimestampSigner):
    _derived: dict[tuple, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = (secret_key if secret_key is not None else self.secret_keys[-1], self.salt, self.key_derivation,
               self.digest_method)
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(secret_key)
        return derived


class SessionInterface(SecureCookieSessionInterface):
    _serializers: dict[tuple, URLSafeTimedSerializer]

    def __init__(self) -> None:
        self._serializers = {}

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # the current key last
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = URLSafeTimedSerializer(
                list(keys),
                salt=self.salt,
                serializer=self.serializer,
                signer=_Signer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            )
        return serializer


# ---- the CSRF token of templates ----------------------------------------------------------------

_csrf_serializers: dict[str | bytes, URLSafeTimedSerializer] = {}


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()`` for templates (the same token, read back by Flask-WTF), with
    its serializer built once per secret key instead of on every request."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    secret = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
    if not field or secret is None:
        return generate_csrf()  # its error
    token = g.get(field)
    if token is None:
        serializer = _csrf_serializers.get(secret)
        if serializer is None:
            serializer = _csrf_serializers[secret] = URLSafeTimedSerializer(secret, salt="wtf-csrf-token",
                                                                            signer=_Signer)
        if field not in session:
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        try:
            token = serializer.dumps(session[field])
        except TypeError:
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
            token = serializer.dumps(session[field])
        setattr(g, field, token)
    return token


def register_csrf_token(app) -> None:
    """Templates' ``csrf_token()``: Flask-WTF installs its own as a global and in a context
    processor; this one is added after both."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
