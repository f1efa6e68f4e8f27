"""Issue 9, points 8, 10 and 13: trusted hosts and emailed links, security headers, the
development outbox."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.orgs.services import invite_member
from app.platform.links import public_url
from app.platform.models import EmailOutbox
from tests.factories import make_brand, make_employee, make_market, make_org, make_user

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "app" / "templates"
FIVE_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                "Strict-Transport-Security")


def outbox_links(app, kind: str) -> list[str]:
    with app.app_context():
        bodies = db.session.scalars(sa.select(EmailOutbox.body_text).where(EmailOutbox.kind == kind)).all()
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


# ---- point 8: Host header ------------------------------------------------------------------------

def test_a_forged_host_gets_400_and_no_email(app, client):
    with app.app_context():
        make_user("ada@example.com")
        db.session.commit()
    response = client.post("/account/forgot", data={"email": "ada@example.com"},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert outbox_links(app, "reset_password") == []
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/no/such/page", headers={"Host": "evil.example:5000"}).status_code == 400
    assert client.get("/account/login", headers={"Host": "a\x00b.example"}).status_code == 400


def test_platform_hosts_and_local_names_are_trusted(client):
    for host in ("localhost", "127.0.0.1:5000", "eu.acme.localhost:5000"):
        assert client.get("/account/login", headers={"Host": host}).status_code == 200, host


def test_reset_and_verification_links_use_the_public_url_not_the_request_host(app, client):
    app.config["PUBLIC_URL"] = "https://volmify.example"
    try:
        with app.app_context():
            org = make_org()
            make_market(org, domains=["shop.example.de"])
            make_user("ada@example.com")
            db.session.commit()
        # A request on a trusted market domain still gets links on PUBLIC_URL.
        assert client.post("/account/forgot", data={"email": "ada@example.com"},
                           headers={"Host": "shop.example.de"}).status_code == 303
        client.post("/account/register", headers={"Host": "eu.acme.localhost"}, data={
            "display_name": "Grace Hopper", "email": "grace@example.com",
            "password": "a long passphrase", "confirm": "a long passphrase"})
    finally:
        app.config["PUBLIC_URL"] = "http://localhost"
    [reset] = outbox_links(app, "reset_password")
    [verify] = outbox_links(app, "verify_email")
    assert reset.startswith("https://volmify.example/account/reset/")
    assert verify.startswith("https://volmify.example/account/verify/")


def test_a_market_domain_added_while_running_is_trusted_at_once(app, client):
    assert client.get("/", headers={"Host": "shop.example.fr"}).status_code == 400
    with app.app_context():
        org = make_org()
        make_market(org, domains=["shop.example.fr"])
        db.session.commit()
    assert client.get("/", headers={"Host": "shop.example.fr"}).status_code == 302  # its storefront
    with app.app_context():
        org = make_org()
        market = make_market(org, domains=["closed.example.fr"])
        market.is_active = False
        db.session.commit()
    assert client.get("/", headers={"Host": "closed.example.fr"}).status_code == 400


def test_invitation_links_use_the_public_url(app, app_ctx):
    app.config["PUBLIC_URL"] = "https://volmify.example"
    try:
        org = make_org()
        inviter = make_employee(org)
        with app.test_request_context("/", headers={"Host": "evil.example"}):
            invitation = invite_member(org, email="new.person@example.com", invited_by=inviter)
        message = db.session.scalar(sa.select(EmailOutbox).where(EmailOutbox.to_email == "new.person@example.com"))
        assert f"https://volmify.example/invitations/member/{invitation.token}" in message.body_text
        assert "evil.example" not in message.body_text
    finally:
        app.config["PUBLIC_URL"] = "http://localhost"


def test_public_url_for_a_market_domain_keeps_the_scheme(app, app_ctx):
    app.config["PUBLIC_URL"] = "https://volmify.example"
    try:
        assert public_url("accounts.login") == "https://volmify.example/account/login"
        assert public_url("accounts.login", host="shop.example.de") == "https://shop.example.de/account/login"
    finally:
        app.config["PUBLIC_URL"] = "http://localhost"


# ---- point 10: security headers ------------------------------------------------------------------

def test_storefront_pages_carry_a_csp_without_unsafe_inline(app, client):
    with app.app_context():
        org = make_org("headers-org")
        make_market(org, "eu")
        db.session.commit()
    response = client.get("/headers-org/eu/en/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "form-action 'self' https://checkout.stripe.com" in csp  # Stripe Checkout redirects
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # development and tests: no HSTS


def test_the_brand_colour_is_a_stylesheet_not_an_inline_style(app, client):
    with app.app_context():
        org = make_org("brand-org")
        make_market(org, "eu", brand=make_brand(org, primary_color="#1A2B3C"))
        db.session.commit()
    html = client.get("/brand-org/eu/en/").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/brand/1a2b3c.css">' in html and "<style" not in html
    css = client.get("/brand/1a2b3c.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.get_data(as_text=True).strip() == ":root { --brand: #1a2b3c; }"
    assert "immutable" in css.headers["Cache-Control"]
    for bad in ("/brand/red.css", "/brand/1a2b3c%7D.css", "/brand/1A2B3C.css"):
        assert client.get(bad).status_code == 404, bad


def test_htmx_is_told_not_to_inject_its_indicator_styles(client):
    html = client.get("/account/login").get_data(as_text=True)
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in html


# style="...", onclick="...", <style>, and <script> without src (JSON-LD data blocks do not run).
INLINE = re.compile(r"\sstyle\s*=|\son[a-z]+\s*=|<style|<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)",
                    re.IGNORECASE)


def test_templates_hold_no_inline_scripts_styles_or_event_handlers():
    offenders = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
                 for path in TEMPLATES.rglob("*.html")
                 for n, line in enumerate(path.read_text().splitlines(), 1) if INLINE.search(line)]
    assert offenders == []


PRODUCTION_SCRIPT = r"""
import json
from app import create_app
from app.extensions import db
from app.platform.reference import load_reference_data
from tests.factories import make_market, make_org

app = create_app()
with app.app_context():
    db.create_all()
    load_reference_data()
    make_market(make_org("prodorg", locale_keys=("en",)), "eu", locale_keys=("en",))
    db.session.commit()
client = app.test_client()
store = client.get("/prodorg/eu/en/", base_url="http://volmify.example")
forged = client.post("/account/forgot", data={"email": "a@example.com"}, base_url="http://evil.example")
outbox = client.get("/dev/outbox", base_url="http://volmify.example")
print(json.dumps({"store": [store.status_code, dict(store.headers)], "forged": forged.status_code,
                  "outbox": outbox.status_code, "hosts": app.config["PLATFORM_HOSTS"]}))
"""


@pytest.mark.sqlite_file  # the production process runs on a SQLite file of its own
def test_production_config_sends_the_five_headers_refuses_forged_hosts_and_hides_the_outbox(tmp_path):
    """The real Config under VOLMIFY_ENV=production (a fresh process: Config reads the environment
    at import)."""
    env = {**os.environ, "VOLMIFY_ENV": "production", "SECRET_KEY": "x" * 32,
           "PUBLIC_URL": "https://volmify.example", "DEV_PAGES": "1", "VOLMIFY_INSTANCE_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}
    for name in ("TRUSTED_HOSTS", "HSTS", "FORCE_HTTPS", "SESSION_COOKIE_SECURE"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", PRODUCTION_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    status, headers = result["store"]
    assert status == 200
    missing = [name for name in FIVE_HEADERS if name not in headers]
    assert missing == []
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert result["forged"] == 400
    assert result["outbox"] == 404  # never in production, whatever DEV_PAGES says
    assert result["hosts"] == ["volmify.example"]


def test_the_test_suite_never_runs_on_the_apps_database_url(monkeypatch):
    """The suite drops and rebuilds its database's schema: DATABASE_URL, exported in a shell set up
    to run the app, must not make it the test database (only TEST_DATABASE_URL does)."""
    from app.config import TestConfig

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://volmify:secret@localhost/volmify")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    assert TestConfig().SQLALCHEMY_DATABASE_URI == "sqlite://"
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5999/volmify_test")
    assert TestConfig().SQLALCHEMY_DATABASE_URI.endswith(":5999/volmify_test")


def test_production_requires_a_public_url(monkeypatch):
    from app import config as config_module

    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        config_module._public_url("production")
    monkeypatch.setenv("PUBLIC_URL", "volmify.example")
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        config_module._public_url("production")


# ---- point 13: the development outbox ------------------------------------------------------------

def test_outbox_is_served_only_to_the_loopback_address(client):
    assert client.get("/dev/outbox").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/dev/outbox", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    for address in ("203.0.113.7", "10.0.0.2", "::ffff:203.0.113.7", ""):
        assert client.get("/dev/outbox", environ_base={"REMOTE_ADDR": address}).status_code == 404, address
