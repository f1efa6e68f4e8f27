"""Jinja filters and globals: money, dates, numbers, the active locale and direction."""

from __future__ import annotations

import functools

from babel import Locale
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from jinja2 import pass_eval_context
from markupsafe import Markup

from app.money import format_money, quantize
from app.web import cache, labels


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = _money_filter
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else ""
    app.jinja_env.filters["product_type_label"] = lambda v: labels.label(labels.PRODUCT_TYPES, v)
    app.jinja_env.filters["level_label"] = lambda v: labels.label(labels.COURSE_LEVELS, v)
    app.jinja_env.filters["sort_label"] = lambda v: labels.label(labels.SORTS, v)
    app.jinja_env.filters["plan_type_label"] = lambda v: labels.label(labels.PLAN_TYPES, v)
    app.jinja_env.filters["lesson_type_label"] = lambda v: labels.label(labels.LESSON_TYPES, v)
    app.jinja_env.filters["tier_label"] = labels.tier_label
    app.jinja_env.filters["order_status_label"] = lambda v: labels.label(labels.ORDER_STATUSES, v)
    app.jinja_env.filters["subscription_status_label"] = lambda v: labels.label(labels.SUBSCRIPTION_STATUSES, v)
    app.jinja_env.filters["country_name"] = labels.country_name
    app.jinja_env.filters["locale_name"] = labels.locale_name
    app.jinja_env.filters["tax_note"] = labels.tax_note
    app.jinja_env.filters["weight"] = labels.weight_label
    app.jinja_env.globals["interval_label"] = labels.interval_label
    app.jinja_env.globals["price_per_unit"] = labels.price_per_unit
    app.jinja_env.globals["html_lang"] = _html_lang
    app.jinja_env.globals["html_dir"] = _html_dir
    app.jinja_env.globals["cached_include"] = cache.cached_include
    app.jinja_env.add_extension("jinja2.ext.do")
    # Templates' _() and ngettext() read the request's translations once, not through Flask-Babel's
    # lookups (context, domain, locale, its name) on every call: a storefront page makes about a
    # hundred. Jinja's "new style" gettext (what Flask-Babel installs) passes each call through
    # three functions and three ``Context.call``s; _template_gettext does the same in one.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: labels.translations().ugettext(s),
        ngettext=lambda s, p, n: labels.translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: labels.translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: labels.translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)


# What jinja2.ext's new-style gettext and ngettext do (autoescaped text is Markup, so variables are
# escaped; the text is always a format string, even without variables), in one call.
@pass_eval_context
def _template_gettext(eval_ctx, string: str, /, **variables):
    text = labels.translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables):
    variables.setdefault("num", num)
    text = labels.translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def _money_filter(amount, currency=None):
    if amount is None or currency is None:
        return ""
    locale = get_locale()
    if locale is None:
        return format_money(amount, currency)
    return _formatted_money(quantize(amount, currency), currency, str(locale))


@functools.lru_cache(maxsize=4096)
def _formatted_money(amount, currency: str, locale: str) -> str:
    """An amount as the locale writes it (Babel): the same few prices fill every catalog page, and
    formatting one is costly, so each is formatted once per process."""
    return format_money(amount, currency, locale=locale)


def _html_lang() -> str:
    return str(get_locale() or "en").replace("_", "-")


def _html_dir() -> str:
    return text_direction(_html_lang())


def text_direction(locale_key: str) -> str:
    try:
        return Locale.parse(locale_key.replace("-", "_")).character_order == "right-to-left" and "rtl" or "ltr"
    except Exception:  # unknown locale key: default direction
        return "ltr"
