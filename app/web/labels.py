"""Translatable labels for enum values shown to users (the stored values stay English keys)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from babel import Locale
from babel.core import UnknownLocaleError
from flask.globals import _cv_app
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel import gettext as babel_gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

T = TypeVar("T")

PRODUCT_TYPES = {
    "course": _l("Course"),
    "digital_download": _l("Digital download"),
    "service": _l("Service"),
    "physical": _l("Physical product"),
}
COURSE_LEVELS = {
    "beginner": _l("Beginner"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
    "expert": _l("Expert"),
}
SORTS = {
    "relevance": _l("Relevance"),
    "newest": _l("Newest"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
    "name": _l("Name"),
    "rating": _l("Rating"),
}
PLAN_TYPES = {
    "one_time": _l("One-time payment"),
    "subscription": _l("Subscription"),
    "usage_based": _l("Usage-based"),
}
LESSON_TYPES = {
    "text": _l("Reading"),
    "video": _l("Video"),
    "quiz": _l("Quiz"),
    "assignment": _l("Assignment"),
    "file": _l("Download"),
}
MARKET_TYPES = {
    "single_country": _l("Single country"),
    "multi_region": _l("Multi-region"),
    "linguistic": _l("Linguistic (one language, many countries)"),
    "economic": _l("Economic area"),
}
TIERS = {1: _l("Basic"), 2: _l("Premium"), 3: _l("VIP")}
ORDER_STATUSES = {
    "pending": _l("Awaiting payment"),
    "paid": _l("Paid"),
    "fulfilled": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
}
SUBSCRIPTION_STATUSES = {
    "trialing": _l("Free trial"),
    "active": _l("Active"),
    "past_due": _l("Payment due"),
    "cancelled": _l("Cancelled"),
    "lapsed": _l("Lapsed"),
}

MEMBERSHIP_TYPES = {
    "learner": _l("Learner"),
    "customer": _l("Customer"),
    "community_member": _l("Community member"),
}
MEMBER_STATUSES = {
    "active": _l("Active"),
    "suspended": _l("Deactivated"),
}
EMPLOYEE_ROLES = {
    "admin": _l("Admin"),
    "manager": _l("Manager"),
    "creator": _l("Creator"),
    "staff": _l("Staff"),
}
INVITATION_STATUSES = {
    "pending": _l("Pending"),
    "approved": _l("Approved, sent"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "cancelled": _l("Cancelled"),
}
EMPLOYEE_STATUSES = {
    "active": _l("Active"),
    "inactive": _l("Removed"),
}
ACCESS_SOURCES = {
    "purchase": _l("Purchase"),
    "subscription": _l("Subscription"),
    "grant": _l("Granted"),
    "gift": _l("Gift"),
}


def _memo() -> tuple:
    """(locale, its translations, its identifier) of the app context, remembered in its ``g`` while
    the locale stays the same (``force_locale`` and ``refresh`` give Flask-Babel another locale
    object: looked up again). Flask-Babel's ``gettext`` and formatters look up its context, domain,
    locale and the locale's name through ``g`` (a context-local proxy) on every call, and a
    storefront page translates about a hundred strings; this reads the locale Flask-Babel chose
    straight from the app context's ``g``."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        locale = get_locale()
        return locale, get_translations(), str(locale) if locale is not None else None
    values = app_ctx.g.__dict__
    memo = values.get("_volmify_locale")
    if memo is not None:
        babel_ctx = values.get("_flask_babel")
        if babel_ctx is not None and getattr(babel_ctx, "babel_locale", None) is memo[0]:
            return memo
    locale = get_locale()
    memo = values["_volmify_locale"] = (locale, get_translations(), str(locale) if locale is not None else None)
    return memo


def user_timezone():
    """The request's timezone (what Flask-Babel's ``get_timezone`` returns), read from Flask-Babel's
    context in the app context's ``g`` once it has chosen it (its lookups are some twenty calls)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        tzinfo = getattr(app_ctx.g.__dict__.get("_flask_babel"), "babel_tzinfo", None)
        if tzinfo is not None:
            return tzinfo
    return get_timezone()


def translations():
    """The active locale's translations (what Flask-Babel's ``get_translations`` returns)."""
    return _memo()[1]


def current_locale():
    """The active locale (what Flask-Babel's ``get_locale`` returns)."""
    return _memo()[0]


def locale_key() -> str | None:
    """The active locale's identifier (``"de_DE"``), or None outside a request."""
    return _memo()[2]


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext`` (the same result) without its per-call lookups (``translations``)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Flask-Babel's ``ngettext`` (the same result: ``num`` is a variable) without its lookups."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def label(mapping: dict, value) -> str:
    return text_of(mapping.get(value, value))


def text_of(text) -> str:
    """``str(text)``: a ``lazy_gettext`` string translated without Flask-Babel's per-call lookups."""
    if isinstance(text, LazyString) and text._func is babel_gettext and not text._kwargs and len(text._args) == 1:
        return translations().ugettext(text._args[0])  # what str(text) gives, without Flask-Babel's lookups
    return str(text)


def interval_label(interval: str, count: int = 1) -> str:
    forms = {
        "day": lambda n: ngettext("day", "%(num)d days", n),
        "week": lambda n: ngettext("week", "%(num)d weeks", n),
        "month": lambda n: ngettext("month", "%(num)d months", n),
        "year": lambda n: ngettext("year", "%(num)d years", n),
    }
    return forms[interval](count) if interval in forms else interval


def tier_label(tier: int) -> str:
    _ = gettext
    name = label(TIERS, tier) if tier in TIERS else None
    return _("Tier %(tier)d · %(name)s", tier=tier, name=name) if name else _("Tier %(tier)d", tier=tier)


@functools.lru_cache(maxsize=512)
def locale_name(key: str) -> str:
    """A locale's name in its own language: ``de`` -> ``Deutsch``, ``fr-BE`` -> ``français (Belgique)``
    (a pure function of the key, worked out once per process: every storefront page names its
    market's languages in the language switcher)."""
    try:
        locale = Locale.parse(key.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return key
    name = locale.get_display_name(locale) or key
    return name[:1].upper() + name[1:]


def tax_note(storefront) -> str:
    _ = gettext
    return _("incl. VAT") if storefront.tax_inclusive else _("plus tax")


def country_name(code: str) -> str:
    """A country's name in the active language (Babel/CLDR)."""
    from flask_babel import get_locale

    locale = get_locale()
    return (locale.territories.get(code) if locale else None) or code


# ---- usage units ----------------------------------------------------------------------------------
# A usage-based plan's unit is stored as typed ("question"). The units below are known: their
# counts and prices read in the page's language with its plural forms. Any other unit is shown as
# typed, in wording that needs no plural of it.

def _unit_forms():
    _ = gettext
    included = {
        "question": lambda n: ngettext("%(num)d question included", "%(num)d questions included", n),
        "minute": lambda n: ngettext("%(num)d minute included", "%(num)d minutes included", n),
        "hour": lambda n: ngettext("%(num)d hour included", "%(num)d hours included", n),
        "credit": lambda n: ngettext("%(num)d credit included", "%(num)d credits included", n),
        "message": lambda n: ngettext("%(num)d message included", "%(num)d messages included", n),
        "request": lambda n: ngettext("%(num)d request included", "%(num)d requests included", n),
        "session": lambda n: ngettext("%(num)d session included", "%(num)d sessions included", n),
        "download": lambda n: ngettext("%(num)d download included", "%(num)d downloads included", n),
    }
    per = {
        "question": lambda price: _("%(price)s per question", price=price),
        "minute": lambda price: _("%(price)s per minute", price=price),
        "hour": lambda price: _("%(price)s per hour", price=price),
        "credit": lambda price: _("%(price)s per credit", price=price),
        "message": lambda price: _("%(price)s per message", price=price),
        "request": lambda price: _("%(price)s per request", price=price),
        "session": lambda price: _("%(price)s per session", price=price),
        "download": lambda price: _("%(price)s per download", price=price),
    }
    return included, per


def usage_unit_key(unit: str | None) -> str | None:
    """The known unit ``unit`` names (``"Questions"`` -> ``"question"``), else None."""
    included, _per = _unit_forms()
    key = (unit or "").strip().lower()
    if key.endswith("s") and key[:-1] in included:
        key = key[:-1]
    return key if key in included else None


def units_included(unit: str | None, count: int) -> str:
    """``"50 questions included"`` (``"50 Fragen inklusive"``)."""
    _ = gettext
    included, _per = _unit_forms()
    key = usage_unit_key(unit)
    if key:
        return included[key](count)
    return _("%(unit)s: %(num)d included", unit=unit, num=count)


def price_per_unit(unit: str | None, price: str) -> str:
    """``"€0.10 per question"`` (``"0,10 € pro Frage"``); ``price`` is already formatted."""
    _ = gettext
    _included, per = _unit_forms()
    key = usage_unit_key(unit)
    if key:
        return per[key](price)
    return _("%(price)s per %(unit)s", price=price, unit=unit)


def weight_label(grams: int | None) -> str:
    """``450`` -> ``"450 g"``, ``1250`` -> ``"1.25 kg"`` (``"1,25 kg"`` in German)."""
    from decimal import Decimal

    from babel.units import format_unit
    from flask_babel import get_locale

    if grams is None:
        return ""
    if grams >= 1000:
        return format_unit(Decimal(grams) / 1000, "mass-kilogram", length="short", locale=get_locale())
    return format_unit(grams, "mass-gram", length="short", locale=get_locale())


def per_locale(factory: Callable[[], T]) -> Callable[[], T]:
    """A function giving one ``factory()`` object per active locale, made on first use (None outside
    a request: a new one each time): what an HTML writer in Python keeps of its translated, escaped
    words. At most 256 locales are kept (they are a handful in practice)."""
    made: dict[str, T] = {}

    def for_locale() -> T:
        locale = locale_key()
        if locale is None:
            return factory()
        found = made.get(locale)
        if found is None:
            if len(made) >= 256:
                made.clear()
            found = made[locale] = factory()
        return found

    return for_locale
