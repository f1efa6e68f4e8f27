"""Locale and timezone selection for Flask-Babel.

The storefront sets ``g.locale`` from the URL (the market's locale hierarchy decides which);
elsewhere the user's saved default, then the browser's Accept-Language, then English.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_login import current_user

from app.accounts.services import default_locale_key


def ui_languages() -> tuple[str, ...]:
    return tuple(current_app.config.get("LANGUAGES", ("en",)))


def to_babel(key: str) -> str:
    """``fr-BE`` -> ``fr_BE`` (Babel's spelling)."""
    return key.replace("-", "_")


def select_locale() -> str:
    if not has_request_context():
        return "en"
    locale = g.get("locale")
    if locale:
        return to_babel(locale)
    saved = user_default_locale()
    if saved and saved.split("-")[0] in ui_languages():
        return to_babel(saved)
    return request.accept_languages.best_match(ui_languages()) or "en"


def user_default_locale() -> str | None:
    if not current_user or not current_user.is_authenticated:
        return None
    cached = g.get("_user_default_locale", False)
    if cached is not False:
        return cached
    g._user_default_locale = default_locale_key(current_user)
    return g._user_default_locale


def select_timezone() -> str:
    return "UTC"
