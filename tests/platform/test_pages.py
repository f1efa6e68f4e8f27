"""Platform pages and the web skeleton: health check, home page, error pages, CSRF, security headers."""

from __future__ import annotations

import pytest
from flask import abort

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.markets.services import create_market
from tests.factories import make_org, org_admin


def test_healthz_answers_json_after_a_database_round_trip(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_lists_active_storefronts_only(app, client):
    with app.app_context():
        org = make_org("acmetest", name="Acme Test Academy", locale_keys=("en",))
        create_market(org, slug="us", name="United States", type="single_country", currency_code="USD",
                      default_locale_key="en", locale_keys=("en",), country_codes=("US",), by=org_admin(org))
        hidden = make_org("hiddenorg", name="Hidden Org", locale_keys=("en",))
        hidden.is_active = False
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Acme Test Academy" in html and 'href="/acmetest/us/"' in html
    assert "Hidden Org" not in html


def test_the_favicon_answers_at_the_root_and_every_page_links_it(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert client.get("/static/favicon.svg").status_code == 200
    for page in (client.get("/"), client.get("/no/such/page/here")):  # the home page and an error page
        html = page.get_data(as_text=True)
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
        assert '<link rel="icon" href="/favicon.ico" sizes="48x48">' in html


def test_404_is_a_full_page_and_an_htmx_fragment(client):
    page = client.get("/no/such/page/here")
    assert page.status_code == 404 and b"<html" in page.data and b"Page not found" in page.data
    fragment = client.get("/no/such/page/here", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and b"<html" not in fragment.data and b"Page not found" in fragment.data


@pytest.fixture
def error_app():
    app = create_app(TestConfig())
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    @app.get("/bad")
    def bad():
        abort(400)

    return app


@pytest.mark.parametrize("path, code, text", [
    ("/boom", 500, b"Something went wrong"),
    ("/forbidden", 403, b"Forbidden"),
    ("/bad", 400, b"Bad request"),
])
def test_error_pages(error_app, path, code, text):
    client = error_app.test_client()
    page = client.get(path)
    assert page.status_code == code and text in page.data and b"<html" in page.data
    assert b"kaboom" not in page.data
    fragment = client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == code and text in fragment.data and b"<html" not in fragment.data


def test_forms_refuse_posts_without_a_csrf_token():
    config = TestConfig()
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    client = app.test_client()
    response = client.post("/account/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert b"CSRF" in response.data


def test_session_cookie_is_httponly_and_lax(client):
    client.post("/account/register", data={"display_name": "Cookie Tester", "email": "cookie@example.com",
                                           "password": "a long passphrase", "confirm": "a long passphrase"})
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_production_requires_a_secret_key(monkeypatch):
    from app import config as config_module

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config_module._secret_key("production")
