"""Jinja filters and globals: money, dates, numbers, the active locale and direction."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from app.money import format_money


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = _money_filter
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else ""
    app.jinja_env.globals["html_lang"] = _html_lang
    app.jinja_env.globals["html_dir"] = _html_dir
    app.jinja_env.add_extension("jinja2.ext.do")


def _money_filter(amount, currency=None):
    return format_money(amount, currency)


def _html_lang() -> str:
    return str(get_locale() or "en").replace("_", "-")


def _html_dir() -> str:
    from app.web.i18n import text_direction

    return text_direction(_html_lang())
