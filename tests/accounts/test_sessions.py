"""Server-side sign-ins (issue 9, point 9): logout, password change and reset really sign out,
and the account page lists where the user is signed in."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.accounts.models import User, UserSession
from app.extensions import db
from tests.accounts.test_views import PASSWORD, last_link, sign_up

EMAIL = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase"
CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


def signed_in(client) -> bool:
    response = client.get("/account/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def new_device(app, user_agent: str | None = None, *, remember: bool = False):
    """A separate browser that logs in as Ada."""
    client = app.test_client()
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    data = {"email": EMAIL, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/account/login", data=data).status_code == 303
    return client


def copy_cookies(app, source, *names: str):
    """A browser holding copies of ``source``'s cookies (an attacker who stole them)."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        thief.set_cookie(name, cookie.value)
    return thief


def test_a_copied_session_cookie_is_signed_out_by_logout(app, client):
    sign_up(client)
    thief = copy_cookies(app, client, "session")
    assert signed_in(thief)
    client.post("/account/logout")
    assert not signed_in(client)
    assert not signed_in(thief)  # the replayed cookie names a revoked sign-in


def test_remember_cookie_is_refused_after_a_password_change_elsewhere(app, client):
    sign_up(client)
    laptop = new_device(app, remember=True)
    stolen = copy_cookies(app, laptop, "remember_token")  # no session cookie: remember me only
    assert signed_in(stolen)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert signed_in(client)  # the browser that changed it stays signed in
    assert not signed_in(laptop)
    assert not signed_in(copy_cookies(app, laptop, "remember_token"))
    assert not signed_in(stolen)


def test_password_reset_signs_out_every_device(app, client):
    sign_up(client)
    laptop = new_device(app, remember=True)
    remembered = copy_cookies(app, laptop, "remember_token")
    client.post("/account/logout")
    client.post("/account/forgot", data={"email": EMAIL})
    link = last_link(app, "reset_password")
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    assert not signed_in(laptop)
    assert not signed_in(remembered)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
            UserSession.revoked_at.is_(None))) == 0


def test_account_page_lists_active_sessions_with_device(app, client):
    client.environ_base["HTTP_USER_AGENT"] = CHROME
    sign_up(client)
    phone = new_device(app, IPHONE)
    gone = new_device(app, IPHONE)
    gone.post("/account/logout")
    page = client.get("/account/").get_data(as_text=True)
    assert page.count('class="user-session"') == 2  # the logged-out one is not listed
    assert "Chrome 120 · Linux" in page
    assert "Mobile Safari 17 · iOS (iPhone)" in page
    assert page.count('data-current="true"') == 1
    assert "Sign out everywhere else" in page
    assert signed_in(phone)


def test_sign_out_one_device_and_everywhere_else(app, client):
    sign_up(client)
    phone = new_device(app, IPHONE)
    tablet = new_device(app)
    with app.app_context():
        phone_session = db.session.scalar(
            sa.select(UserSession.id).where(UserSession.device.like("Mobile Safari%")))
    response = client.post(f"/account/sessions/{phone_session}/revoke")
    assert response.status_code == 303
    assert not signed_in(phone)
    assert signed_in(tablet) and signed_in(client)
    assert client.post("/account/sessions/revoke-others").status_code == 303
    assert not signed_in(tablet)
    assert signed_in(client)
    page = client.get("/account/").get_data(as_text=True)
    assert page.count('class="user-session"') == 1 and "Sign out everywhere else" not in page


def test_signing_out_this_device_from_the_list_logs_out(app, client):
    sign_up(client)
    with app.app_context():
        mine = db.session.scalar(sa.select(UserSession.id))
    response = client.post(f"/account/sessions/{mine}/revoke")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/login")
    assert not signed_in(client)


def test_another_users_session_cannot_be_revoked(app, client):
    sign_up(client)
    other = app.test_client()
    sign_up(other, email="grace@example.com", name="Grace Hopper")
    with app.app_context():
        graces = db.session.scalar(sa.select(UserSession.id).join(User).where(User.email == "grace@example.com"))
    assert client.post(f"/account/sessions/{graces}/revoke").status_code == 404
    assert signed_in(other)


def test_last_seen_is_written_only_after_the_interval(app, client, count_queries):
    sign_up(client)
    client.get("/account/")
    with count_queries() as fresh:
        client.get("/account/")
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in fresh.statements), str(fresh)
    with app.app_context():
        record = db.session.scalar(sa.select(UserSession))
        old = record.last_seen_at - timedelta(hours=1)
        record.last_seen_at = old
        db.session.commit()
    with count_queries() as stale:
        client.get("/account/")
    assert sum(s.lstrip().upper().startswith("UPDATE USER_SESSION") for s in stale.statements) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(UserSession.last_seen_at)) > old


def test_a_sign_in_idle_longer_than_the_remember_cookie_lives_is_over(app, client):
    sign_up(client)
    with app.app_context():
        record = db.session.scalar(sa.select(UserSession))
        record.last_seen_at = record.last_seen_at - timedelta(days=400)
        db.session.commit()
    assert not signed_in(client)


def test_cookies_from_before_the_sign_in_records_ask_for_a_new_login(app, client):
    """Cookies issued before this change carry a user id: they find no sign-in."""
    sign_up(client)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id))
    with client.session_transaction() as sess:
        sess["_user_id"] = user_id
    assert not signed_in(client)


def test_session_protection_notices_another_address_or_browser(app, client):
    """Flask-Login's basic session protection (its identifier is remembered per address and agent,
    app/extensions.py): the same browser passes quietly; the session's cookie used from another
    address or user agent is noticed (``session_protected``) and is no longer fresh, every time."""
    from flask_login import session_protected

    sign_up(client)
    browser = new_device(app, CHROME)
    noticed = []

    def record(_app, **_extra):
        noticed.append(True)

    session_protected.connect(record, app)
    try:
        assert signed_in(browser) and signed_in(browser) and noticed == []
        other = copy_cookies(app, browser, "session")
        other.environ_base["HTTP_USER_AGENT"] = IPHONE
        assert signed_in(other) and noticed == [True]
        with other.session_transaction() as sess:
            assert sess["_fresh"] is False
        elsewhere = copy_cookies(app, browser, "session")
        elsewhere.environ_base["HTTP_USER_AGENT"] = CHROME
        elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        assert signed_in(elsewhere) and noticed == [True, True]
        assert signed_in(browser) and noticed == [True, True]
    finally:
        session_protected.disconnect(record, app)


def test_request_user_is_current_user_without_its_proxies(app, client):
    from flask_login import current_user

    from app.accounts.signin import request_user

    with app.app_context():
        assert request_user() is None  # no request
    with app.test_request_context("/"):
        assert request_user() is current_user._get_current_object()
        assert not request_user().is_authenticated
    sign_up(client)
    assert signed_in(client)
    with client:
        client.get("/account/")
        assert request_user() is current_user._get_current_object() and request_user().email == EMAIL
