"""Account rules: registration, authentication, email verification, password reset, preferences.

Services flush and raise DomainErrors; the view commits.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts import sessions
from app.accounts.models import MAIN_PROFILE, User, UserLocale, UserProfile
from app.checks import check_email, clean_text, normalize_email
from app.db import plain_rows, prebuilt, utcnow
from app.errors import ConflictError, DomainError, ValidationError
from app.extensions import db
from app.platform.email import queue_email
from app.platform.links import public_url
from app.platform.models import Locale

# Builds the absolute links of account emails: ``links("reset_password", token=...)``. By default the
# platform's pages; a request made in a store passes the store's own (app.accounts.email_links).
Links = Callable[..., str]


def platform_links(name: str, **values) -> str:
    """``https://volmify.example/account/reset/<token>`` for ``platform_links("reset_password", token=...)``."""
    return public_url(f"accounts.{name}", **values)


def _hasher() -> PasswordHasher:
    """The app's Argon2 hasher (``PASSWORD_HASH``: argon2-cffi's recommended parameters unless
    configured; the test configuration uses the cheapest, so the suite does not spend minutes
    hashing). ``check_needs_rehash`` upgrades stored hashes when the parameters change."""
    ext = current_app.extensions
    if "volmify_hasher" not in ext:
        ext["volmify_hasher"] = PasswordHasher(**current_app.config.get("PASSWORD_HASH", {}))
    return ext["volmify_hasher"]

# A short list of passwords that pass a length check but are guessed first.
_COMMON = {
    "password123", "passwordpassword", "1234567890", "12345678910", "qwertyuiop", "iloveyou123",
    "letmein1234", "welcome123", "administrator", "changeme123", "0123456789", "abcdefghij",
}

PASSWORD_MIN = 10  # characters (the forms say so too)


class WeakPasswordError(ValidationError):
    pass


class InvalidCredentialsError(DomainError):
    status_code = 401


class InvalidTokenError(DomainError):
    pass


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPasswordError with a message the user can act on."""
    if len(password) < PASSWORD_MIN:
        raise WeakPasswordError(_("Use at least %(n)d characters.", n=PASSWORD_MIN))
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        raise WeakPasswordError(_("This password is too easy to guess. Try a longer phrase."))
    local = normalize_email(email).split("@")[0]
    personal = [local, *(name or "").lower().split()]
    if any(len(part) >= 4 and part in lowered for part in personal):
        raise WeakPasswordError(_("Do not use your name or email address in your password."))
    if lowered.isdigit():
        raise WeakPasswordError(_("Mix letters with the numbers."))


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalize_email(email)))


def register_user(email: str, password: str, display_name: str, *, links: Links = platform_links) -> str:
    """Sign up ``email``; returns the address (normalized).

    A new address gets the platform user, its main profile and the verification email. An address
    that already has an account gets nothing new: its owner is emailed that someone tried to sign
    up with it (with links to log in and to reset the password). Both cases do the same work, send
    one email and return the same, so the answer never tells whether an address has an account.
    The password is checked first, in both cases.
    """
    email = check_email(email)
    display_name = (display_name or "").strip()
    check_password_strength(password, email=email, name=display_name)
    password_hash = hash_password(password)  # in both cases: the same time spent
    existing = get_user_by_email(email)
    if existing is not None:
        send_existing_account_email(existing, links=links)
        return email
    user = User(email=email, password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    db.session.add(UserProfile(user_id=user.id, type="main", display_name=display_name))
    db.session.flush()
    send_verification_email(user, links=links)
    return email


def register_and_authenticate(email: str, password: str, display_name: str, *,
                              links: Links = platform_links) -> User | None:
    """Sign up as ``register_user`` does (the same checks and emails), then return the account when
    these credentials open it: always for a new address, for an existing one only with its own
    password (its owner is emailed that someone tried to sign up with it). The checkout uses this
    so a new buyer signs up and goes on in one step."""
    email = register_user(email, password, display_name, links=links)
    try:
        return authenticate(email, password)
    except InvalidCredentialsError:
        return None


def create_user(email: str, password: str, display_name: str, *, verified: bool = True) -> User:
    """Create a user without sending email (seed data, invitations accepted by staff)."""
    user = User(email=normalize_email(email), password_hash=hash_password(password))
    if verified:
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    db.session.add(UserProfile(user_id=user.id, type="main", display_name=display_name))
    db.session.flush()
    return user


def create_invited_user(email: str, password: str, display_name: str) -> User:
    """The account of an address an invitation was sent to, created from the invitation's page.

    The emailed link proves the address, so the account is verified at once (no confirmation
    email). The address and password rules are those of sign-up; an address that already has an
    account is a conflict (the page asks to log in instead: whoever holds the link reads that
    mailbox, so saying so reveals nothing to a stranger)."""
    email = check_email(email)
    display_name = clean_text(display_name, _("Your name"), max_length=100, required=True)
    check_password_strength(password, email=email, name=display_name)
    if get_user_by_email(email) is not None:
        raise ConflictError(_("An account with this address already exists. Log in to accept the invitation."))
    return create_user(email, password, display_name, verified=True)


def authenticate(email: str, password: str) -> User:
    user = get_user_by_email(email)
    if user is None or not user.password_hash or not user.is_active:
        # Spend the same time as a real check so timing does not reveal which emails exist.
        _hasher().hash(password or "x")
        raise InvalidCredentialsError(_("The email or password is not correct."))
    try:
        _hasher().verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise InvalidCredentialsError(_("The email or password is not correct.")) from None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, *, keep_session_id: str | None = None) -> None:
    """Set a new password and sign the user out on every other device (all but ``keep_session_id``)."""
    try:
        _hasher().verify(user.password_hash or "", current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise InvalidCredentialsError(_("Your current password is not correct.")) from None
    check_password_strength(new, email=user.email, name=main_profile(user).display_name)
    user.password_hash = hash_password(new)
    db.session.flush()
    sessions.revoke_all(user, except_session_id=keep_session_id)


# ---- tokens --------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    # A reset token stops working once the password changes (single use).
    return (user.password_hash or "")[-16:]


def make_verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"uid": user.id, "email": user.email})


def make_reset_token(user: User) -> str:
    return _serializer("reset-password").dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def _load(salt: str, token: str, max_age: int) -> dict:
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidTokenError(_("This link has expired. Request a new one.")) from None
    except BadSignature:
        raise InvalidTokenError(_("This link is not valid. Request a new one.")) from None


def verify_email(token: str) -> User:
    data = _load("verify-email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise InvalidTokenError(_("This link is not valid. Request a new one."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()
    return user


def user_for_reset_token(token: str) -> User:
    data = _load("reset-password", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    if user is None or data.get("fp") != _password_fingerprint(user):
        raise InvalidTokenError(_("This link has already been used or is not valid. Request a new one."))
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    check_password_strength(password, email=user.email, name=main_profile(user).display_name)
    user.password_hash = hash_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # they proved they read this mailbox
    db.session.flush()
    sessions.revoke_all(user)  # whoever knew the old password is signed out everywhere
    return user


def send_verification_email(user: User, *, links: Links = platform_links) -> None:
    link = links("verify_email", token=make_verification_token(user))
    queue_email(
        user.email,
        _("Confirm your email address"),
        render_template("accounts/email/verify.txt", link=link, user=user),
        kind="verify_email",
    )


def send_existing_account_email(user: User, *, links: Links = platform_links) -> None:
    """Tell the owner of ``user`` that someone tried to sign up with their address, in the owner's
    language when they chose one (whoever typed the address may speak another)."""
    locale = user.default_locale_key
    with force_locale(locale) if locale else nullcontext():
        subject = _("You already have an account")
        body = render_template(
            "accounts/email/existing_account.txt", user=user,
            login_link=links("login"),
            reset_link=links("forgot_password"),
        )
    queue_email(user.email, subject, body, kind="existing_account")


def request_password_reset(email: str, *, links: Links = platform_links) -> None:
    """Queue a reset email if the account exists; say nothing either way (no account probing).
    The link opens ``links``' reset page (a store's own for a request made in a store)."""
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        return
    link = links("reset_password", token=make_reset_token(user))
    queue_email(
        user.email,
        _("Reset your password"),
        render_template("accounts/email/reset.txt", link=link, user=user),
        kind="reset_password",
    )


# ---- profile and locale preferences -----------------------------------------------------

def main_profile(user: User) -> UserProfile:
    profile = db.session.scalar(db.select(UserProfile).where(UserProfile.user_id == user.id, MAIN_PROFILE))
    if profile is None:  # every user has one; repair silently if an old row lacks it
        profile = UserProfile(user_id=user.id, type="main", display_name=user.email.split("@")[0])
        db.session.add(profile)
        db.session.flush()
    return profile


def update_profile(user: User, display_name: str) -> UserProfile:
    profile = main_profile(user)
    profile.display_name = display_name.strip()
    db.session.flush()
    return profile


def list_locales(user: User) -> list[UserLocale]:
    return list(
        db.session.scalars(
            db.select(UserLocale).where(UserLocale.user_id == user.id).order_by(
                UserLocale.is_default.desc(), UserLocale.locale_key
            )
        )
    )


@prebuilt
def _active_locales():
    return (sa.select(Locale.key, Locale.native_name, Locale.name)
            .where(Locale.is_active.is_(True)).order_by(Locale.name))


def active_locales() -> list[sa.Row]:
    """The active locales (``key``, ``native_name``, ``name``) by name: the account page's language
    choices, read as plain rows (a Locale entity each was a tenth of the page)."""
    return list(plain_rows(db.session, _active_locales()))


def set_locale_preference(user: User, locale_key: str, proficiency: str = "fluent",
                          is_default: bool = False) -> UserLocale:
    """Add or update a language the user reads; at most one default."""
    locale = db.session.get(Locale, locale_key)
    if locale is None or not locale.is_active:
        raise ValidationError(_("Choose a language from the list."))
    existing = {ul.locale_key: ul for ul in list_locales(user)}
    pref = existing.get(locale_key)
    if pref is None:
        pref = UserLocale(user_id=user.id, locale_key=locale_key, proficiency=proficiency)
        db.session.add(pref)
    pref.proficiency = proficiency
    if is_default or not any(ul.is_default for ul in existing.values()):
        for other in existing.values():
            other.is_default = False
        pref.is_default = True
    db.session.flush()
    return pref


def remove_locale_preference(user: User, locale_key: str) -> None:
    pref = db.session.get(UserLocale, (user.id, locale_key))
    if pref is None:
        return
    was_default = pref.is_default
    db.session.delete(pref)
    db.session.flush()
    if was_default:
        remaining = list_locales(user)
        if remaining:
            remaining[0].is_default = True
            db.session.flush()


@prebuilt
def _default_locale_key():
    return (
        sa.select(UserLocale.locale_key).where(UserLocale.user_id == sa.bindparam("user_id"))
        .order_by(UserLocale.is_default.desc(), UserLocale.locale_key).limit(1)
    )


def default_locale_key(user: User) -> str | None:
    """The user's default locale (else their first one by key); read on every signed-in page
    outside the storefront (the locale selector): a prebuilt statement without the ORM layer."""
    return plain_rows(db.session, _default_locale_key(), {"user_id": user.id}).scalar()
