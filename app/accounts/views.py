"""Account pages under /account: register, log in/out, verify email, reset password, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms.fields import SelectChoice

from app.accounts import services, sessions
from app.accounts.email_links import email_links
from app.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LocalePreferenceForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    RemoveLocaleForm,
    ResendVerificationForm,
    ResetPasswordForm,
    proficiency_choices,
)
from app.accounts.models import User
from app.accounts.signin import sign_in
from app.db import write_transaction
from app.errors import DomainError
from app.extensions import db, limiter, login_manager
from app.platform.email import send_soon
from app.web.htmx import is_htmx, render

bp = Blueprint("accounts", __name__, url_prefix="/account")
# The same sign-in, sign-up and password pages inside a storefront (``/<org>/<market>/<locale>/...``,
# nested under ``store`` by app/__init__.py): the store's brand, navigation, language and domain stay,
# and signing in returns to the store page the visitor came from.
store_bp = Blueprint("auth", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to access this page.")
login_manager.localize_callback = str  # resolve the lazy message in the request's locale before flashing
login_manager.login_message_category = "warning"


def in_store() -> bool:
    return g.get("storefront") is not None


def auth_endpoint(name: str) -> str:
    """``login`` -> ``store.auth.login`` on a store page, ``accounts.login`` elsewhere."""
    return f"store.auth.{name}" if in_store() else f"accounts.{name}"


@login_manager.unauthorized_handler
def _sign_in_first():
    """A page that needs a signed-in user sends the visitor to sign in where they are (in the store
    on a store page) and back to the page afterwards."""
    flash(str(login_manager.login_message), login_manager.login_message_category)
    here = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for(auth_endpoint("login"), next=here))


@bp.app_template_global()
def auth_url(name: str, **values) -> str:
    """The URL of the sign-in page ``name`` (login, register, forgot_password, logout) where the
    visitor is: in the store on a store page."""
    return url_for(auth_endpoint(name), **values)


def _after_sign_in() -> str:
    """Where a sign-in without a ``next`` lands: the store's catalog, else the account."""
    return url_for("store.catalog.index") if in_store() else url_for("accounts.profile")


def _account_page() -> str:
    """The account page where the user is: the store's (``/<org>/<market>/<locale>/account/``) on a
    store page, else the platform's ``/account/``."""
    return url_for(auth_endpoint("profile"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The cookies carry a sign-in id (``user_session``), never the user id: a revoked sign-in, or
    one unused for longer than the remember cookie lives, signs nobody in."""
    found = sessions.load_signed_in(session_id, idle_limit=sessions.idle_limit())
    if found is None:
        return None
    user, record = found
    if sessions.needs_touch(record, current_app.config["SESSION_SEEN_INTERVAL_SECONDS"]):
        g.touch_session_id = record.id
    return user


@bp.after_app_request
def record_last_seen(response):
    """Refresh a sign-in's "last seen" in a short transaction of its own, after the view is done
    (at most every SESSION_SEEN_INTERVAL_SECONDS, so most requests write nothing)."""
    session_id = g.pop("touch_session_id", None)
    if session_id:
        try:
            db.session.rollback()  # what the view left uncommitted is not ours to commit
            sessions.touch(session_id)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.warning("could not record last seen of sign-in %s", session_id, exc_info=True)
    return response


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _commit_and_deliver() -> None:
    db.session.commit()
    send_soon()  # by a Celery worker, or right here when no broker is configured


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _resend_limit() -> str:
    return current_app.config["VERIFY_RESEND_RATE_LIMIT"]


def _user_key() -> str:
    """Rate-limit key of the signed-in user (whatever address they come from)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    """Sign up. A new address and one that already has an account get the same answer (a 303 to
    the login page and the same message): the service emails the owner of an existing account
    instead of saying here that it exists."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")) or _after_sign_in())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            email = services.register_user(form.email.data, form.password.data, form.display_name.data,
                                           links=email_links())
        except services.WeakPasswordError as exc:
            form.password.errors.append(exc.message)
        except DomainError as exc:
            form.email.errors.append(exc.message)
        else:
            _commit_and_deliver()
            flash(_("Thank you for signing up. We sent an email to %(email)s: open the link in it to "
                    "confirm your address. You can log in now.", email=email), "success")
            return redirect(url_for(auth_endpoint("login"), next=_safe_next(request.args.get("next"))), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(form.next.data) or _after_sign_in())
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.InvalidCredentialsError as exc:
            form.form_errors.append(exc.message)
        else:
            # Sends flask_login's ``user_logged_in``: receivers above accounts do their part (checkout
            # moves the visitor's session carts into the member carts) and this view commits it all.
            sign_in(user, remember=form.remember.data)
            db.session.commit()
            flash(_("You are logged in."), "success")
            return redirect(_safe_next(form.next.data) or _after_sign_in(), 303)
    status = 422 if (form.errors or form.form_errors) else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Revoked server-side: a copy of this browser's cookies no longer signs anyone in.
        sessions.revoke(current_user, current_user.current_session_id)
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("store.catalog.index") if in_store() else url_for("markets.index"), 303)


@bp.get("/verify/<token>")
def verify_email(token: str):
    try:
        with write_transaction(db.session):  # a GET that writes: a short transaction of its own
            user = services.verify_email(token)
            email = user.email
    except services.InvalidTokenError as exc:
        return render_template("accounts/token_error.html", message=exc.message), 400
    flash(_("Thank you, %(email)s is confirmed.", email=email), "success")
    return redirect(_account_page() if current_user.is_authenticated else url_for(auth_endpoint("login")))


@bp.post("/verify/resend")
@login_required
@limiter.limit(_resend_limit, key_func=_user_key)
def resend_verification():
    form = ResendVerificationForm()
    if form.validate_on_submit() and current_user.email_verified_at is None:
        services.send_verification_email(current_user, links=email_links())
        _commit_and_deliver()
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(_account_page(), 303)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, links=email_links())
        _commit_and_deliver()
        flash(_("If an account exists for %(email)s, we sent a link to reset its password.",
                email=form.email.data), "success")
        return redirect(url_for(auth_endpoint("login")), 303)
    return render_template("accounts/forgot.html", form=form), (422 if form.errors else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from the emailed link. On the platform the user then logs in; in a store
    (the link of a reset asked for there) they are signed in and back in the store."""
    try:
        services.user_for_reset_token(token)
    except services.InvalidTokenError as exc:
        return render_template("accounts/token_error.html", message=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)  # signs every device out
        except services.WeakPasswordError as exc:
            form.password.errors.append(exc.message)
        else:
            logout_user()
            if in_store():
                sign_in(user)  # they proved the mailbox and chose the password: a fresh sign-in
                db.session.commit()
                flash(_("Your password was changed and you are logged in."), "success")
                return redirect(_after_sign_in(), 303)
            db.session.commit()
            flash(_("Your password was changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"), 303)
    return render_template("accounts/reset.html", form=form, token=token), (422 if form.errors else 200)


def _profile_context(profile_form=None, locale_form=None, password_form=None):
    """The account page's forms and lists (the platform's ``/account/`` and a store's
    ``/<org>/<market>/<locale>/account/`` render the same template, in their own layout)."""
    profile = services.main_profile(current_user)
    profile_form = profile_form or ProfileForm(formdata=None, display_name=profile.display_name)
    locale_form = locale_form or LocalePreferenceForm(formdata=None)
    _fill_locale_choices(locale_form)
    return dict(
        profile=profile,
        profile_form=profile_form,
        locale_form=locale_form,
        password_form=password_form or ChangePasswordForm(formdata=None),
        remove_form=RemoveLocaleForm(formdata=None),
        resend_form=ResendVerificationForm(formdata=None),
        user_sessions=sessions.list_active(current_user),
        preferences=services.list_locales(current_user),
        proficiency_labels={c.value: c.label for c in proficiency_choices()},
    )


def _fill_locale_choices(form: LocalePreferenceForm) -> None:
    form.locale_key.choices = [
        SelectChoice(loc.key, f"{loc.native_name} ({loc.key})") for loc in services.active_locales()
    ]
    form.proficiency.choices = proficiency_choices()


@bp.get("/")
@login_required
def profile():
    return render_template("accounts/profile.html", **_profile_context())


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data)
        db.session.commit()
        flash(_("Your profile was saved."), "success")
        return redirect(_account_page(), 303)
    return render_template("accounts/profile.html", **_profile_context(profile_form=form)), 422


@bp.post("/locales")
@login_required
def add_locale():
    form = LocalePreferenceForm()
    _fill_locale_choices(form)
    if form.validate_on_submit():
        try:
            services.set_locale_preference(
                current_user, form.locale_key.data, form.proficiency.data, form.is_default.data
            )
        except DomainError as exc:
            form.locale_key.errors.append(exc.message)
        else:
            db.session.commit()
            if is_htmx():
                return render("accounts/profile.html", "accounts/_locales.html", **_profile_context())
            flash(_("Your language preferences were saved."), "success")
            return redirect(_account_page(), 303)
    return render("accounts/profile.html", "accounts/_locales.html", status=422,
                  **_profile_context(locale_form=form))


@bp.post("/locales/remove")
@login_required
def remove_locale():
    form = RemoveLocaleForm()
    if form.validate_on_submit():
        services.remove_locale_preference(current_user, form.locale_key.data)
        db.session.commit()
    if is_htmx():
        return render("accounts/profile.html", "accounts/_locales.html", **_profile_context())
    flash(_("Your language preferences were saved."), "success")
    return redirect(_account_page(), 303)


@bp.post("/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data,
                                     keep_session_id=current_user.current_session_id)
        except services.InvalidCredentialsError as exc:
            form.current_password.errors.append(exc.message)
        except services.WeakPasswordError as exc:
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Your password was changed. Other devices were signed out."), "success")
            return redirect(_account_page(), 303)
    return render_template("accounts/profile.html", **_profile_context(password_form=form)), 422


@bp.post("/sessions/<session_id>/revoke")
@login_required
def revoke_session(session_id: str):
    """Sign one device out (this one too, which then lands on the login page). CSRF: CSRFProtect."""
    current = session_id == current_user.current_session_id
    sessions.revoke(current_user, session_id)  # another user's sign-in is a 404
    db.session.commit()
    if current:
        logout_user()
        flash(_("You are logged out."), "success")
        return redirect(url_for(auth_endpoint("login")), 303)
    flash(_("The device was signed out."), "success")
    return redirect(_account_page() + "#sessions", 303)


@bp.post("/sessions/revoke-others")
@login_required
def revoke_other_sessions():
    sessions.revoke_all(current_user, except_session_id=current_user.current_session_id)
    db.session.commit()
    flash(_("You were signed out everywhere else."), "success")
    return redirect(_account_page() + "#sessions", 303)


# The store's copies of the sign-in and account pages (same views, same limits; the templates follow
# the store, and redirects stay in it). The member's orders, subscriptions and downloads in the
# store live beside them under /account/ (app.checkout.order_views, app.checkout.account_views).
store_bp.add_url_rule("/sign-in", "login", login, methods=["GET", "POST"])
store_bp.add_url_rule("/sign-up", "register", register, methods=["GET", "POST"])
store_bp.add_url_rule("/forgot-password", "forgot_password", forgot_password, methods=["GET", "POST"])
store_bp.add_url_rule("/reset-password/<token>", "reset_password", reset_password, methods=["GET", "POST"])
store_bp.add_url_rule("/verify-email/<token>", "verify_email", verify_email)
store_bp.add_url_rule("/sign-out", "logout", logout, methods=["POST"])
store_bp.add_url_rule("/account/", "profile", profile)
store_bp.add_url_rule("/account/profile", "update_profile", update_profile, methods=["POST"])
store_bp.add_url_rule("/account/locales", "add_locale", add_locale, methods=["POST"])
store_bp.add_url_rule("/account/locales/remove", "remove_locale", remove_locale, methods=["POST"])
store_bp.add_url_rule("/account/password", "change_password", change_password, methods=["POST"])
store_bp.add_url_rule("/account/verify/resend", "resend_verification", resend_verification, methods=["POST"])
store_bp.add_url_rule("/account/sessions/<session_id>/revoke", "revoke_session", revoke_session, methods=["POST"])
store_bp.add_url_rule("/account/sessions/revoke-others", "revoke_other_sessions", revoke_other_sessions,
                      methods=["POST"])
