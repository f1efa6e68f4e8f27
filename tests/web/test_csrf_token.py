"""Templates' ``csrf_token()`` (app/web/session_cookie.py) keeps its serializer across requests and
makes the token Flask-WTF checks (issue 15)."""

from __future__ import annotations

import re

from app.web.session_cookie import csrf_token

META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def test_the_page_s_token_is_the_one_flask_wtf_accepts(app):
    assert app.jinja_env.globals["csrf_token"] is csrf_token
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        token = META.search(client.get("/account/login").get_data(as_text=True)).group(1)
        form = {"email": "nobody@example.com", "password": "not-the-password"}
        assert client.post("/account/login", data={**form, "csrf_token": token + "x"}).status_code == 400
        assert client.post("/account/login", data={**form, "csrf_token": token}).status_code != 400
        assert client.post("/account/login", data=form, headers={"X-CSRFToken": token}).status_code != 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
