"""The session cookie: a cookie checked once is not checked and decoded again (app/web/session_cookie.py),
but each request still gets a session of its own, and an expired or altered cookie opens none."""

from __future__ import annotations

import time

from flask import request


def _open(app, cookie: str):
    with app.test_request_context(headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}):
        return app.session_interface.open_session(app, request)


def test_a_remembered_cookie_opens_a_session_of_its_own_each_time(app, monkeypatch):
    cookie = app.session_interface.get_signing_serializer(app).dumps({"cart": [{"plan": "p", "qty": 1}]})
    first = _open(app, cookie)
    first["cart"][0]["qty"] = 5  # a request changes its session
    checks = []
    serializer = app.session_interface.get_signing_serializer(app)
    monkeypatch.setattr(serializer, "loads", lambda *a, **k: checks.append(1))
    second = _open(app, cookie)
    assert dict(second) == {"cart": [{"plan": "p", "qty": 1}]}
    assert checks == []  # remembered: not checked again


def test_an_expired_or_altered_cookie_opens_an_empty_session(app, monkeypatch):
    cookie = app.session_interface.get_signing_serializer(app).dumps({"x": "1"})
    assert dict(_open(app, cookie)) == {"x": "1"}
    assert dict(_open(app, cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))) == {}
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 10
    monkeypatch.setattr(time, "time", lambda: later)
    assert dict(_open(app, cookie)) == {}


def test_a_signed_in_cookie_s_plain_values_are_copied_into_each_session(app):
    """A signed-in browser's session holds only strings and flags: remembered as they are, each
    request's session is a copy (what one request changes, the next does not see)."""
    values = {"_user_id": "abc", "_fresh": True, "_id": "f" * 128, "csrf_token": "t" * 40}
    cookie = app.session_interface.get_signing_serializer(app).dumps(values)
    first = _open(app, cookie)
    first["_fresh"] = False
    first["new"] = 1
    del first["csrf_token"]
    second = _open(app, cookie)
    assert dict(second) == values and not second.modified
    assert second is not first
    marked = app.session_interface.get_signing_serializer(app).dumps({"x": ("a", "b")})
    assert _open(app, marked)["x"] == ("a", "b") and _open(app, marked)["x"] == ("a", "b")  # tagged: JSON


def test_a_dict_of_plain_values_is_copied_too(app):
    """``placed_checkouts`` (submission -> order number): remembered as values, copied per request."""
    values = {"_user_id": "abc", "placed_checkouts": {"s1": "ACME-000001", "s2": "ACME-000002"}}
    cookie = app.session_interface.get_signing_serializer(app).dumps(values)
    first = _open(app, cookie)
    first["placed_checkouts"]["s3"] = "ACME-000003"  # changed in place by one request
    assert dict(_open(app, cookie)) == values


def test_the_payload_of_plain_values_is_the_serializers(app):
    """A kept payload is the one itsdangerous makes for the same values: equal values of other
    types (True and 1), other order or a nested change get their own."""
    from itsdangerous import URLSafeTimedSerializer

    serializer = app.session_interface.get_signing_serializer(app)
    plain = URLSafeTimedSerializer(app.secret_key, salt=serializer.salt, serializer=serializer.serializer)
    for values in ({"a": True, "b": {"x": "1"}}, {"a": 1, "b": {"x": "1"}}, {"b": {"x": "1"}, "a": 1},
                   {"a": 1, "b": {"x": "2"}}, {"a": 1, "b": {"x": ("t",)}}, {"a": -0.0}, {"a": 0.0}, "token"):
        for _ in range(2):
            assert serializer.dump_payload(values) == plain.dump_payload(values)


def test_the_session_json_is_flask_s(app):
    """The session's serializer tags and untags values as Flask's does (``_SessionJSON``: the
    plain values and containers without asking each tag): the same JSON, the same values read back."""
    import uuid
    from datetime import UTC, datetime
    from typing import NamedTuple

    from flask.json.tag import TaggedJSONSerializer
    from markupsafe import Markup

    class Pair(NamedTuple):
        a: str
        b: int

    flask_s, ours = TaggedJSONSerializer(), app.session_interface.serializer
    values = [
        {"_flashes": [("success", "Payment received. Thank you!"), ("error", "Nope")], "_fresh": True,
         "_user_id": "abc", "csrf_token": "t" * 40, "placed_checkouts": {"s1": "ACME-000001"}},
        {"cart": {"m": {"p": 1}}, "n": None, "f": 1.5, "z": -0.0, "i": 0, "b": False, "s": ""},
        {"x": ("a", ["b", ("c", {"d": 1})]), "l": [[], {}, ()]},
        {" t": ["looks", "tagged"]}, {"x": {" di": "y"}}, {"x": {" t": 1, "other": 2}},
        {"m": Markup("<b>x</b>"), "d": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "u": uuid.UUID(int=5),
         "by": b"\x00\xff", "nt": Pair("a", 1), "k": {1: "int key"}},
        "token", 3, None, [("a", "b")],
    ]
    for value in values:
        assert ours.dumps(value) == flask_s.dumps(value)
        assert ours.loads(ours.dumps(value)) == flask_s.loads(flask_s.dumps(value))
        read, expected = ours.loads(flask_s.dumps(value)), flask_s.loads(flask_s.dumps(value))
        assert read == expected and repr(read) == repr(expected)  # (the same types: tuples, Markup, ...)


def test_flashed_messages_are_copied_too(app, monkeypatch):
    """A session with flashed messages (a list of (category, message) tuples): remembered as values,
    each request's list its own (``get_flashed_messages`` pops it, ``flash`` appends to it)."""
    values = {"_user_id": "abc", "_flashes": [("success", "Paid."), ("error", "Declined.")]}
    cookie = app.session_interface.get_signing_serializer(app).dumps(values)
    first = _open(app, cookie)
    first["_flashes"].append(("info", "More"))
    reads = []
    monkeypatch.setattr(app.session_interface.serializer, "loads", lambda *a: reads.append(a))
    second = _open(app, cookie)
    assert dict(second) == values and second["_flashes"] is not first["_flashes"]
    assert second["_flashes"][0] == ("success", "Paid.") and type(second["_flashes"][0]) is tuple
    assert reads == []  # remembered as values: no JSON read again
