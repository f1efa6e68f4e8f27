"""Accounts through the real pages: register, verify, log in/out, reset password, profile."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from itsdangerous import timed

from app.accounts.models import User, UserLocale, UserProfile
from app.extensions import db
from app.platform.models import EmailOutbox

PASSWORD = "correct horse battery"


def register(client, email="ada@example.com", password=PASSWORD, name="Ada Lovelace", confirm=None):
    return client.post("/account/register", data={
        "display_name": name, "email": email, "password": password, "confirm": confirm or password,
    })


def sign_up(client, email="ada@example.com", password=PASSWORD, name="Ada Lovelace"):
    """Register, then log in (registering answers the same for new and taken addresses, so it
    does not sign anyone in)."""
    response = register(client, email=email, password=password, name=name)
    assert response.status_code == 303
    assert client.post("/account/login", data={"email": email, "password": password}).status_code == 303
    return response


def outbox(app, to: str) -> list[EmailOutbox]:
    with app.app_context():
        return list(db.session.scalars(
            db.select(EmailOutbox).where(EmailOutbox.to_email == to).order_by(EmailOutbox.created_at)))


def last_link(app, kind: str) -> str:
    with app.app_context():
        message = db.session.scalars(
            db.select(EmailOutbox).where(EmailOutbox.kind == kind).order_by(EmailOutbox.created_at.desc())
        ).first()
        assert message is not None, f"no {kind} email in the outbox"
        url = re.search(r"https?://\S+", message.body_text).group(0)
    return url.split("localhost", 1)[-1]


def test_register_creates_user_with_main_profile_and_sends_verification(app, client, login):
    response = register(client, email="Ada@Example.com")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/login")
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "ada@example.com"))
        assert user is not None and user.email_verified_at is None
        profiles = db.session.scalars(db.select(UserProfile).where(UserProfile.user_id == user.id)).all()
        assert [(p.type, p.display_name) for p in profiles] == [("main", "Ada Lovelace")]
        assert user.password_hash.startswith("$argon2")
    assert [m.kind for m in outbox(app, "ada@example.com")] == ["verify_email"]
    assert b"We sent an email to ada@example.com" in client.get("/account/login").data
    assert login(client, "ada@example.com", PASSWORD).status_code == 303
    page = client.get("/account/")
    assert b"ada@example.com" in page.data and b"not confirmed" in page.data.lower()


def test_register_keeps_where_the_visitor_was_going(client):
    response = client.post(
        "/account/register?next=/shop/eu/en/checkout",
        data={"display_name": "Ada", "email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/login?next=/shop/eu/en/checkout")


def _normalized(html: bytes, email: str) -> str:
    """The page with the address typed and the session's random CSRF token blanked out."""
    text = re.sub(r'(name="csrf-token" content|name="csrf_token" type="hidden" value)="[^"]*"', r'\1=""',
                  html.decode())
    return text.replace(email, "EMAIL")


def test_registering_a_taken_address_answers_exactly_like_a_new_one_and_tells_the_owner(app, client):
    sign_up(client, email="ada@example.com")
    client.post("/account/logout")
    with app.app_context():
        users_before = db.session.scalar(db.select(db.func.count()).select_from(User))

    answers = {}
    for email in ("bob@example.com", "ada@example.com"):
        visitor = app.test_client()
        response = visitor.post("/account/register", data={
            "display_name": "Mallory", "email": email, "password": "a different passphrase", "confirm":
            "a different passphrase"})
        landing = visitor.get(response.headers["Location"])
        answers[email] = (
            response.status_code, response.headers["Location"], _normalized(response.data, email),
            sorted(c.key for c in visitor._cookies.values()),
            landing.status_code, _normalized(landing.data, email),
        )
    assert answers["bob@example.com"] == answers["ada@example.com"]
    assert answers["ada@example.com"][0] == 303
    assert "We sent an email to EMAIL" in answers["ada@example.com"][5]
    assert "already" not in answers["ada@example.com"][5].lower()

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == users_before + 1  # bob only
        ada = db.session.scalar(db.select(User).where(User.email == "ada@example.com"))
        assert ada.password_hash and "Mallory" not in [p.display_name for p in ada.profiles]
    # The owner is told instead, with the ways back into the account; nothing else was sent.
    kinds = [m.kind for m in outbox(app, "ada@example.com")]
    assert kinds == ["verify_email", "existing_account"]
    notice = outbox(app, "ada@example.com")[-1]
    assert "already" in notice.subject.lower()
    assert "/account/login" in notice.body_text and "/account/forgot" in notice.body_text
    assert [m.kind for m in outbox(app, "bob@example.com")] == ["verify_email"]
    # The stranger's password did not become the owner's.
    visitor = app.test_client()
    assert visitor.post("/account/login", data={"email": "ada@example.com",
                                                 "password": "a different passphrase"}).status_code == 422
    assert visitor.post("/account/login", data={"email": "ada@example.com", "password": PASSWORD}).status_code == 303


def test_the_owner_notice_is_in_the_owners_language(app, client):
    sign_up(client, email="ada@example.com")
    client.post("/account/locales", data={"locale_key": "de", "proficiency": "native", "is_default": "y"})
    client.post("/account/logout")
    app.test_client().post("/account/register", headers={"Accept-Language": "en"}, data={
        "display_name": "Mallory", "email": "ada@example.com", "password": "a different passphrase",
        "confirm": "a different passphrase"})
    notice = outbox(app, "ada@example.com")[-1]
    assert notice.kind == "existing_account"
    with app.test_request_context(), force_locale("de"):
        assert notice.subject == gettext("You already have an account") != "You already have an account"
        assert gettext("If it was you, log in here:") in notice.body_text
    assert "/account/login" in notice.body_text and "/account/forgot" in notice.body_text


def test_a_weak_password_is_refused_the_same_for_taken_and_new_addresses(app, client):
    sign_up(client, email="ada@example.com")
    client.post("/account/logout")
    answers = []
    for email in ("bob@example.com", "ada@example.com"):
        response = app.test_client().post("/account/register", data={
            "display_name": "Mallory", "email": email, "password": "password123", "confirm": "password123"})
        answers.append((response.status_code, _normalized(response.data, email)))
    assert answers[0] == answers[1] and answers[0][0] == 422
    assert "too easy to guess" in answers[0][1]
    assert [m.kind for m in outbox(app, "ada@example.com")] == ["verify_email"]


@pytest.mark.parametrize("password, message", [
    ("short", b"Use at least 10"),
    ("password123", b"too easy to guess"),
    ("1111111111", b"too easy to guess"),
    ("ada-lovelace-rocks", b"name or email"),
])
def test_weak_passwords_are_refused_with_a_reason(app, client, password, message):
    response = register(client, email="ada@example.com", password=password, name="Ada Lovelace")
    assert response.status_code == 422
    assert message in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_mismatched_confirmation_keeps_what_was_typed(client):
    response = register(client, confirm="something else entirely")
    assert response.status_code == 422
    assert b"do not match" in response.data
    assert b'value="ada@example.com"' in response.data
    assert b'value="Ada Lovelace"' in response.data


def test_verify_email_from_outbox_link(app, client):
    register(client)
    link = last_link(app, "verify_email")
    response = client.get(link)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.email_verified_at is not None


def test_tampered_and_expired_verification_links_explain_themselves(app, client, monkeypatch):
    register(client)
    link = last_link(app, "verify_email")
    tampered = client.get(link[:-3] + "abc")
    assert tampered.status_code == 400 and b"not valid" in tampered.data
    real_time = timed.time.time
    monkeypatch.setattr(timed.time, "time", lambda: real_time() + 3 * 24 * 3600)
    expired = client.get(link)
    assert expired.status_code == 400 and b"expired" in expired.data


def test_login_wrong_password_then_right_then_logout(app, client, login):
    register(client)
    client.post("/account/logout")
    wrong = login(client, "ada@example.com", "not the password")
    assert wrong.status_code == 422 and b"not correct" in wrong.data
    unknown = login(client, "nobody@example.com", PASSWORD)
    assert unknown.status_code == 422 and b"not correct" in unknown.data
    ok = login(client, "ADA@example.com", PASSWORD)
    assert ok.status_code == 303
    assert client.get("/account/").status_code == 200
    client.post("/account/logout")
    assert client.get("/account/").status_code == 302


def test_login_only_follows_local_next_urls(client, login):
    register(client)
    client.post("/account/logout")
    response = login(client, "ada@example.com", PASSWORD, next="//evil.example/steal")
    assert response.headers["Location"].endswith("/account/")
    response = client.post("/account/logout")
    response = login(client, "ada@example.com", PASSWORD, next="/account/?tab=1")
    assert response.headers["Location"].endswith("/account/?tab=1")


def test_login_attempts_are_rate_limited(app, client, login):
    register(client)
    client.post("/account/logout")
    statuses = [login(client, "ada@example.com", "wrong password!").status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_password_reset_round_trip_and_single_use(app, client, login):
    register(client)
    client.post("/account/logout")
    response = client.post("/account/forgot", data={"email": "ada@example.com"})
    assert response.status_code == 303
    link = last_link(app, "reset_password")
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422
    done = client.post(link, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert done.status_code == 303
    again = client.get(link)
    assert again.status_code == 400 and b"already been used" in again.data
    assert login(client, "ada@example.com", PASSWORD).status_code == 422
    assert login(client, "ada@example.com", "a brand new passphrase").status_code == 303


def test_forgot_password_does_not_reveal_unknown_emails(app, client):
    response = client.post("/account/forgot", data={"email": "ghost@example.com"}, follow_redirects=True)
    assert response.status_code == 200 and b"If an account exists" in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(EmailOutbox)) == 0


def test_profile_name_and_locale_preferences(app, client):
    sign_up(client)
    assert client.post("/account/profile", data={"display_name": "Countess Ada"}).status_code == 303
    assert b"Countess Ada" in client.get("/account/").data
    client.post("/account/locales", data={"locale_key": "fr", "proficiency": "fluent"})
    response = client.post("/account/locales", data={"locale_key": "de", "proficiency": "basic", "is_default": "y"},
                           headers={"HX-Request": "true", "HX-Target": "locales"})
    assert response.status_code == 200
    assert b"<html" not in response.data  # a fragment for htmx
    assert b'data-locale="de"' in response.data
    with app.app_context():
        rows = {ul.locale_key: ul for ul in db.session.scalars(db.select(UserLocale))}
        assert set(rows) == {"fr", "de"}
        assert rows["de"].is_default and not rows["fr"].is_default
    bad = client.post("/account/locales", data={"locale_key": "xx-NOPE", "proficiency": "fluent"})
    assert bad.status_code == 422
    client.post("/account/locales/remove", data={"locale_key": "de"})
    with app.app_context():
        rows = list(db.session.scalars(db.select(UserLocale)))
        assert [(r.locale_key, r.is_default) for r in rows] == [("fr", True)]


def test_ui_follows_the_saved_default_language(client):
    sign_up(client)
    client.post("/account/locales", data={"locale_key": "de", "proficiency": "native", "is_default": "y"})
    page = client.get("/account/")
    assert b'lang="de"' in page.data
