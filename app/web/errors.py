"""The HTTP error pages (full page or htmx fragment), for HTTP errors and ``app.errors.DomainError``s."""

from __future__ import annotations

import math
import time
from datetime import timedelta

from flask import Flask, current_app, g, jsonify, request
from flask_babel import format_timedelta, gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from app.errors import DomainError
from app.extensions import db, limiter
from app.web.htmx import render

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Forbidden"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("File too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}

ERROR_MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("The page you were looking for does not exist."),
    405: _l("That action is not allowed here."),
    409: _l("That conflicts with the current state. Reload and try again."),
    413: _l("The uploaded file is too large."),
    422: _l("Please correct the errors and try again."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("An unexpected error occurred. It has been logged and we will look into it."),
}


def render_error(code: int, message: str | None = None):
    if request.path.startswith("/webhooks/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(message or ERROR_TITLES.get(code, code))), code
    context = {"code": code, "title": ERROR_TITLES.get(code, _l("Error")),
               "message": message or ERROR_MESSAGES.get(code, "")}
    try:
        # On a store page the error page keeps the store's brand, navigation and language.
        return render("errors/error.html", "errors/_error.html", **context), code
    except Exception:
        if g.get("storefront") is None:
            raise
        # The store's header needs the database (cart, account): when that is what failed, the
        # platform's plain page still answers.
        current_app.logger.exception("the store's error page failed; answering with the plain one")
        db.session.rollback()
        g.pop("storefront")
        return render("errors/error.html", "errors/_error.html", **context), code


def too_large_message() -> str:
    """413: say how large an upload may be (MAX_CONTENT_LENGTH)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit:
        return gettext("The upload is too large: files up to %(mb)d MB can be sent.", mb=limit // (1024 * 1024))
    return str(ERROR_MESSAGES[413])


def retry_after_seconds(exc: HTTPException) -> int | None:
    """Seconds until a rate limit that refused this request lets the client in again."""
    current = limiter.current_limit
    if current is not None and current.breached:
        return max(1, math.ceil(current.reset_at - time.time()))
    limit = getattr(exc, "limit", None)  # flask_limiter's RateLimitExceeded
    return limit.limit.get_expiry() if limit is not None else None


def too_many_requests_message(exc: HTTPException) -> str:
    """429: say how long to wait, in the visitor's language."""
    seconds = retry_after_seconds(exc)
    if not seconds:
        return str(ERROR_MESSAGES[429])
    return gettext("Too many attempts. Please wait %(wait)s and try again.",
                   wait=format_timedelta(timedelta(seconds=seconds), threshold=1))


def register_error_handlers(app: Flask) -> None:
    def handle_http(exc: HTTPException):
        code = exc.code or 500
        if code < 400:
            return exc
        description = None
        if code in (400, 403, 409, 413) and exc.description and exc.description != type(exc).description:
            description = exc.description
        if code == 413 and description is None:
            description = too_large_message()
        if code == 429:
            description = too_many_requests_message(exc)
        return render_error(code, description)

    def handle_domain(exc: DomainError):
        return render_error(exc.status_code, exc.message)

    def handle_500(exc):
        app.logger.exception("Unhandled error: %s", exc)
        db.session.rollback()
        return render_error(500)

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain)
    app.register_error_handler(500, handle_500)
