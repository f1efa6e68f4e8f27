"""Jinja filters and globals: money, dates, numbers, the active locale and direction."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from babel import Locale
from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

from app.money import format_money, quantize
from app.web import cache, icons, labels


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = _money_filter
    app.jinja_env.filters["date"] = _date_filter
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = _number_filter
    app.jinja_env.filters["product_type_label"] = _label_filter(labels.PRODUCT_TYPES)
    app.jinja_env.filters["level_label"] = _label_filter(labels.COURSE_LEVELS)
    app.jinja_env.filters["sort_label"] = _label_filter(labels.SORTS)
    app.jinja_env.filters["plan_type_label"] = _label_filter(labels.PLAN_TYPES)
    app.jinja_env.filters["lesson_type_label"] = _label_filter(labels.LESSON_TYPES)
    app.jinja_env.filters["tier_label"] = labels.tier_label
    app.jinja_env.filters["order_status_label"] = _label_filter(labels.ORDER_STATUSES)
    app.jinja_env.filters["subscription_status_label"] = _label_filter(labels.SUBSCRIPTION_STATUSES)
    app.jinja_env.filters["country_name"] = labels.country_name
    app.jinja_env.filters["locale_name"] = labels.locale_name
    app.jinja_env.filters["tax_note"] = labels.tax_note
    app.jinja_env.filters["weight"] = labels.weight_label
    app.jinja_env.globals["interval_label"] = labels.interval_label
    app.jinja_env.globals["price_per_unit"] = labels.price_per_unit
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["html_dir"] = html_dir
    app.jinja_env.globals["cached_include"] = cache.cached_include
    app.jinja_env.globals["ic"] = icons.namespace  # ic.icon(...) without a per-template import
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
    if not variables:
        # A text without variables: a pure function of the words and the locale, looked up and
        # made Markup once per process (a storefront page shows a few dozen).
        locale = labels.locale_key()
        if locale is not None:
            key = (string, locale, eval_ctx.autoescape)
            text = _texts.get(key)
            if text is None:
                if len(_texts) >= _MEMO_MAX:
                    _texts.clear()
                text = _texts[key] = _translated(string, eval_ctx.autoescape)
            return text
        return _translated(string, eval_ctx.autoescape)
    return _formatted(labels.translations().ugettext(string), variables, eval_ctx.autoescape)


_texts: dict[tuple, str] = {}

try:  # what markupsafe.escape runs for a str (C), without making a Markup of it (about four calls)
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover  (another MarkupSafe: its escape)
    _escape_inner = None


def printed(value) -> str:
    """What ``{{ value }}`` prints in an autoescaped template (``markupsafe.escape``: Markup and
    objects with ``__html__`` as they are), as text for HTML written in Python: a str in one call."""
    if type(value) is str and _escape_inner is not None:
        return _escape_inner(value)
    return str(escape(value))


def template_text(string: str, /, **variables) -> Markup:
    """What ``{{ _(string, **variables) }}`` gives in an autoescaped template, for HTML written in
    Python (app.catalog.syllabus_html, app.learn.syllabus_html): the translation as Markup, its
    variables escaped."""
    if variables:
        return _formatted(labels.translations().ugettext(string), variables, True)
    return _translated(string, True)


def template_ngettext(singular: str, plural: str, num: int, /, **variables) -> Markup:
    """What ``{{ ngettext(singular, plural, num, **variables) }}`` gives in an autoescaped template,
    for HTML written in Python (app.catalog.catalog_html)."""
    return _template_ngettext(_AUTOESCAPE, singular, plural, num, **variables)


def _translated(string: str, autoescape: bool):
    text = labels.translations().ugettext(string)
    if "%" not in text:  # what ``text % {}`` gives, without Markup's formatting
        return Markup(text) if autoescape else text
    return _formatted(text, {}, autoescape)


_MEMO_MAX = 4096
_plurals: dict[tuple, str] = {}


class _Autoescaped:
    """The evaluation context of an autoescaped template, as ``_template_ngettext`` reads it."""

    autoescape = True


_AUTOESCAPE = _Autoescaped()


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables):
    locale = labels.locale_key()
    if not variables and type(num) is int and locale is not None:
        # "%(num)d reviews" and the like: a pure function of the words, the number and the locale,
        # formatted once per process (the plural rule, the lookup and the formatting each time).
        key = (singular, plural, num, locale, eval_ctx.autoescape)
        text = _plurals.get(key)
        if text is None:
            text = _formatted(labels.translations().ungettext(singular, plural, num), {"num": num},
                              eval_ctx.autoescape)
            if len(_plurals) >= _MEMO_MAX:
                _plurals.clear()
            _plurals[key] = text
        return text
    variables.setdefault("num", num)
    return _formatted(labels.translations().ungettext(singular, plural, num), variables, eval_ctx.autoescape)


def _formatted(text: str, variables: dict, autoescape: bool):
    """``text % variables``, as Markup when autoescaping. Markup's ``%`` wraps each value in an
    escaping helper; a whole number formats the same through it (its digits need no escaping, for
    ``%d``, ``%s`` and ``%r`` alike), so variables that are all ints ("%(num)d products", "Page
    %(page)d of %(pages)d") are formatted as plain text: the same Markup, a few calls fewer."""
    if not autoescape:
        return text % variables
    for value in variables.values():
        if type(value) is not int:
            return Markup(text) % variables
    return Markup(text % variables)


def _label_filter(mapping: dict):
    """The filter naming ``mapping``'s values (``labels.label``) in the active language: each
    value's name is looked up once per process and locale (a pure function of both: the catalog's
    filter form names every type, level and sort on every page)."""
    names: dict[tuple, str] = {}

    def label_of(value) -> str:
        locale = labels.locale_key()
        try:
            key = (value, locale)
            text = names.get(key)
        except TypeError:  # an unhashable value: named every time
            return labels.label(mapping, value)
        if text is None:
            text = labels.label(mapping, value)
            if locale is not None:
                if len(names) >= _MEMO_MAX:
                    names.clear()
                names[key] = text
        return text

    return label_of


# Babel's formatters are costly (patterns, CLDR data) and the same few prices, ratings and days fill
# every storefront page: each value is formatted once per process and locale (pure functions of
# their arguments; the active locale comes from labels.locale_key, without Flask-Babel's lookups).

def _money_filter(amount, currency=None):
    if amount is None or currency is None:
        return ""
    locale = labels.locale_key()
    if locale is None:
        return format_money(amount, currency)
    return _formatted_money(quantize(amount, currency), currency, locale)


@functools.lru_cache(maxsize=4096)
def _formatted_money(amount, currency: str, locale: str) -> str:
    return format_money(amount, currency, locale=locale)


def _number_filter(value) -> str:
    if value is None:
        return ""
    locale = labels.locale_key()
    return _formatted_number(value, locale) if locale else format_decimal(value)


@functools.lru_cache(maxsize=4096, typed=True)
def _formatted_number(value, locale: str) -> str:
    return babel_format_decimal(value, locale=locale)  # what Flask-Babel's format_decimal does


def _date_filter(value, fmt="medium") -> str:
    if not value:
        return ""
    locale = labels.locale_key()
    if locale is None:
        return format_date(value, fmt)
    if isinstance(value, datetime):
        # What format_date shows of a moment: its day in the user's timezone (Flask-Babel's
        # to_user_timezone, the timezone read without its lookups).
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        tzinfo = labels.user_timezone()
        value = tzinfo.normalize(value.astimezone(tzinfo)).date()
    return _formatted_date(value, fmt, locale)


@functools.lru_cache(maxsize=4096)
def _formatted_date(day, fmt: str, locale: str) -> str:
    return format_date(day, fmt)  # Flask-Babel's, in the active locale (``locale``, part of the key)


def html_lang() -> str:
    """The ``lang`` of every page's ``<html>``: the active locale (``de-DE``), ``en`` outside a request."""
    return (labels.locale_key() or "en").replace("_", "-")


def html_dir() -> str:
    """The ``dir`` of every page's ``<html>``: the active locale's direction (``ltr``, ``rtl``)."""
    return text_direction(html_lang())


@functools.lru_cache(maxsize=256)
def text_direction(locale_key: str) -> str:
    try:
        return Locale.parse(locale_key.replace("-", "_")).character_order == "right-to-left" and "rtl" or "ltr"
    except Exception:  # unknown locale key: default direction
        return "ltr"
