"""Flask's signed session cookie, without rebuilding its signing machinery on every request.

``SecureCookieSessionInterface`` builds a new serializer each time it reads or writes the cookie,
and itsdangerous derives the signing key (an HMAC) again for each signature it makes or checks.
Both are pure functions of the secret keys: built once per keys here. The cookie is the same.
"""

from __future__ import annotations

import hashlib
import os
import time

from flask import current_app, g, session
from flask.json import loads as json_loads
from flask.json.tag import TaggedJSONSerializer, TagTuple
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from app.kept import Kept


class _Signer(TimestampSigner):
    _derived: dict[tuple, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = (secret_key if secret_key is not None else self.secret_keys[-1], self.salt, self.key_derivation,
               self.digest_method)
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(secret_key)
        return derived


class _Serializer(URLSafeTimedSerializer):
    """Its signer made once per salt: itsdangerous builds a new one (keys list, checks) for every
    value it signs or checks, though a signer holds nothing but its settings. The payload of a
    value of plain values (a session of ids, flags and the CSRF token; the token itself) is kept:
    a signed-in browser's session is the same on most requests and written (signed anew, with a new
    timestamp) on each; its JSON, compressed and encoded, is a function of the values alone."""

    def dump_payload(self, obj) -> bytes:
        key = _plain_key(obj)
        if key is None:
            return super().dump_payload(obj)
        payloads = self.__dict__.setdefault("_payloads", Kept(_OPENED_MAX))
        payload = payloads.get(key)
        if payload is None:
            payload = payloads.keep(key, super().dump_payload(obj))
        return payload

    def make_signer(self, salt=None):
        signers = self.__dict__.setdefault("_signers", {})
        key = self.salt if salt is None else salt
        signer = signers.get(key)
        if signer is None:
            signer = signers[key] = super().make_signer(salt)
        return signer


_OPENED_MAX = 1024
_PLAIN = (str, int, float, bool, type(None))  # values nothing can change in place


def _plain_key(obj, nested: bool = True) -> tuple | None:
    """A key equal only for values whose payloads are equal: a string, or a dict of string keys and
    plain values (or dicts of them: ``_is_plain``), in order and with their types (``True == 1``,
    but their JSON differs); else None."""
    if type(obj) is str:
        return (obj,)
    if type(obj) is not dict:
        return None
    key = []
    for name, value in obj.items():
        kind = type(value)
        if type(name) is not str or kind is float:  # (0.0 == -0.0)
            return None
        if kind is dict and nested:
            value = _plain_key(value, nested=False)
            if value is None:
                return None
        elif kind not in _PLAIN:
            return None
        key.append((name, kind, value))
    return tuple(key)


def _is_plain(value) -> bool:
    """A value nothing can change in place, a dict of string keys and such values (a session's
    ``placed_checkouts``), or a list of tuples of such values (its flashed messages): copied, it is
    the request's own."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is dict:
        return all(type(name) is str and type(item) in _PLAIN for name, item in value.items())
    return kind is list and all(type(item) is tuple and all(type(part) in _PLAIN for part in item) for item in value)


def _copied(held: dict) -> dict:
    """A session's plain values (``_is_plain``), its dicts and lists copied."""
    return {name: dict(value) if type(value) is dict else list(value) if type(value) is list else value
            for name, value in held.items()}


class _SessionJSON(TaggedJSONSerializer):
    """Flask's session serializer (the same JSON, the same tags), with the values its tags leave
    alone and the containers it walks (strings, numbers, flags, None, dicts, lists, tuples: a
    session's ids, CSRF token, cart and flashed messages) tagged without asking each of its tags in
    turn whether it applies: a value of any other type (a subclass too: Markup, a named tuple) and
    a one-key dict whose key looks like a tag go through Flask's tags as before."""

    def tag(self, value):
        kind = type(value)
        if kind is str or kind is int or kind is bool or kind is float or value is None:
            return value
        if kind is dict:
            if len(value) == 1 and next(iter(value)) in self.tags:
                return super().tag(value)  # Flask's TagDict
            tag = self.tag
            return {name: tag(item) for name, item in value.items()}
        if kind is list:
            tag = self.tag
            return [tag(item) for item in value]
        if kind is tuple:
            tag = self.tag
            return {TagTuple.key: [tag(item) for item in value]}
        return super().tag(value)

    def loads(self, value: str):
        """Flask's: the JSON read, then its tagged values turned back (the plain ones looked at no
        further)."""
        return self._untagged(json_loads(value))

    def _untagged(self, value):
        """Flask's ``_untag_scan``: each dict's and list's items untagged, then a one-key dict
        untagged itself (``untag``), without a call for each string, number and flag."""
        kind = type(value)
        if kind is dict:
            scan = self._untagged
            value = {name: item if type(item) not in _CONTAINERS else scan(item) for name, item in value.items()}
            return self.untag(value) if len(value) == 1 else value
        if kind is list:
            scan = self._untagged
            return [item if type(item) not in _CONTAINERS else scan(item) for item in value]
        return value


_CONTAINERS = (dict, list)


class SessionInterface(SecureCookieSessionInterface):
    _serializers: dict[tuple, URLSafeTimedSerializer]
    serializer = _SessionJSON()

    def __init__(self) -> None:
        self._serializers = {}
        # cookie (exactly as sent) and its serializer -> (the session as JSON, when it was signed)
        self._opened: Kept = Kept(_OPENED_MAX)

    def open_session(self, app, request):
        """Flask's, but a cookie whose signature was checked before is not checked and decoded again
        (a signed-in browser sends the same cookie on every request until its session changes):
        what it holds is remembered per process, as JSON parsed anew for each request (the session
        is the request's own), or as the values themselves when they are all plain (strings,
        numbers, flags, dicts of such: copied into each request's session), and its age is checked
        against the lifetime every time."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (value, serializer)
        opened = self._opened.get(key)
        if opened is not None:
            held, signed_at = opened
            if 0 <= int(time.time()) - signed_at <= max_age:  # as TimestampSigner.unsign checks it
                # A copy of the values when they are all plain (a signed-in browser's: ids, flags,
                # the CSRF token, dicts of such): nothing of the copy is shared.
                return self.session_class(_copied(held) if isinstance(held, dict) else self.serializer.loads(held))
            self._opened.pop(key, None)  # expired (another thread may have dropped it too)
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        plain = all(_is_plain(item) for item in data.values())
        self._opened.keep(key, (_copied(data) if plain else self.serializer.dumps(data), int(signed.timestamp())))
        return self.session_class(data)

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # the current key last
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = _Serializer(
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
            serializer = _csrf_serializers[secret] = _Serializer(secret, salt="wtf-csrf-token", signer=_Signer)
        if field not in session:
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
        try:
            token = serializer.dumps(session[field])
        except TypeError:
            session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
            token = serializer.dumps(session[field])
        setattr(g, field, token)
    return token


def csrf_token_in_use() -> str | None:
    """The token for the page's ``<meta name="csrf-token">`` (htmx, the player and the course
    builder send it with their POSTs) when the visitor has a session (signed in, a cart, a CSRF
    secret from an earlier form) or this page made a token (a form that posts); None otherwise: a
    page a new visitor only browses (the catalog) starts no session and sets no cookie, as Django's
    lazy CSRF cookie does. Call it after the page's content is written."""
    if g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")) is None and not session:
        return None
    return csrf_token()


def register_csrf_token(app) -> None:
    """Templates' ``csrf_token()``: Flask-WTF installs its own as a global and in a context
    processor; this one is added after both."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
