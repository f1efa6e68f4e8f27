"""``url_for`` in a request memoizes the URLs it builds (issue 15: a storefront page builds the same
URLs on every request; werkzeug's build was most of each call). What goes into the memo's key."""

from __future__ import annotations

from flask import url_for
from werkzeug.routing import MapAdapter


def test_the_same_url_is_built_once_and_values_of_another_type_apart(app, monkeypatch):
    built = []
    real = MapAdapter.build
    monkeypatch.setattr(MapAdapter, "build", lambda self, endpoint, *a, **k: built.append(endpoint) or real(
        self, endpoint, *a, **k))
    with app.test_request_context("/"):
        css = url_for("static", filename="css/memo-test.css")
        assert url_for("static", filename="css/memo-test.css") == css
        assert url_for("static", filename="css/memo-test.css", _external=True) == "http://localhost" + css
        assert url_for("static", filename="css/memo-test.css", v=1).endswith("?v=1")
        assert url_for("static", filename="css/memo-test.css", v=True).endswith("?v=True")
        assert url_for("static", filename="css/memo-test.css", v=[1, 2]).endswith("?v=1&v=2")  # not hashable
        assert url_for("static", filename="css/memo-test.css", v=[1, 2]).endswith("?v=1&v=2")
    assert built == ["static"] * 6
    with app.test_request_context("/", base_url="https://shop.example:8443/sub"):
        assert url_for("static", filename="css/memo-test.css") == "/sub" + css
        assert url_for("static", filename="css/memo-test.css", _external=True) == "https://shop.example:8443/sub" + css
