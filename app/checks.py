"""Shared input checks: the rules every feature applies to the same kind of input, in one place.

The bottom layer beside ``app.errors``: it imports Flask, Flask-Babel and maintained libraries,
never a feature package nor the web plumbing, so services of every layer can use it. (The WTForms
side of these rules, the base ``Form`` and its fields and validators, and the edge hooks live in
``app.web.inputs`` and call these functions.)

Email addresses
    ``normalize_email`` is the one form an address is stored and compared in (lookups, uniqueness,
    invitations); ``check_email`` says whether an address may be used and returns it normalized.

    Validity is email-validator's syntax check (RFC 5321/5322 addresses with a dot in a real-looking
    domain, internationalized names allowed, at most 254 characters). No DNS lookup is made: the
    verification or receipt email is what proves an address can receive mail.

    Reserved domains (RFC 2606/6761: ``.test``, ``.localhost``, ``.invalid``, ``.local``, ...) can
    never receive mail. They are refused, except ``.test``, the name reserved for test and
    demonstration systems, while ``EMAIL_TEST_DOMAINS`` is on: by default everywhere but in
    production, so the demo accounts (``customer@acme.test``) sign up, log in and buy in
    development, and a real store never takes an address its emails cannot reach.

Slugs
    ``check_slug``: the one rule for the URL segments people choose (orgs, markets, brands,
    products, collections, creator pages): lowercase letters and digits, words joined by single
    hyphens, within the column's length.

Text
    ``clean_text`` trims and bounds a text field; ``is_storable`` says whether text can be stored
    at all (PostgreSQL text cannot hold NUL, psycopg cannot send lone surrogates).

Numbers
    ``to_decimal_number`` and ``to_whole_number`` are the one parser of numbers typed by people
    (forms, query strings, CLI arguments): finite (never ``NaN``, ``Infinity`` or ``1e309``),
    within the bounds given, with at most the decimal places given; anything else is a
    ``ValidationError`` with the caller's message. ``to_amount`` and ``to_int`` apply them to a
    named field (an amount the money columns hold; a whole number within bounds) with messages that
    name the field; ``decimal_or_none`` and ``whole_or_none`` for lenient inputs (filters).

Moments
    ``aware``: a naive datetime is taken as UTC.

Colours
    ``contrast_ratio`` is WCAG 2's contrast ratio of two ``#rrggbb`` colours (1 to 21);
    ``WCAG_AA_NORMAL_TEXT`` (4.5) is what normal-size text needs to pass level AA. A brand colour is
    the background of white button text on the storefront (``app.markets.services``).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import email_validator
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError

EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit; the columns holding addresses are this long


def _test_domains_allowed() -> bool:
    return bool(has_app_context() and current_app.config.get("EMAIL_TEST_DOMAINS"))


def _reserved_domain(domain: str) -> str | None:
    """The special-use name ``domain`` falls under (``"test"`` for ``shop.acme.test``), if any."""
    domain = domain.strip().rstrip(".").lower()
    for name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        if domain == name or domain.endswith("." + name):
            return name
    return None


def normalize_email(value: str | None) -> str:
    """The stored and compared form of an address: trimmed, Unicode NFC, lowercase, with the domain
    in its canonical (IDNA) spelling. Input that is not an address is only trimmed and lowercased,
    so a lookup with it finds nothing rather than failing."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    try:
        text = email_validator.validate_email(
            text, check_deliverability=False, globally_deliverable=False, test_environment=True,
        ).normalized
    except email_validator.EmailNotValidError:
        pass
    return text.lower()


def check_email(value: str | None) -> str:
    """``value`` normalized if it is an address the app accepts, else ``ValidationError`` with a
    message for the person who typed it."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        raise ValidationError(_("Enter an email address."))
    if len(text) > EMAIL_MAX_LENGTH:
        raise ValidationError(_("An email address has at most %(max)d characters.", max=EMAIL_MAX_LENGTH))
    try:
        normalized = _valid_address(text, _test_domains_allowed())
    except email_validator.EmailNotValidError:
        reserved = _reserved_domain(text.rpartition("@")[2]) if "@" in text else None
        if reserved is not None:
            raise ValidationError(_(
                "Addresses ending in .%(domain)s cannot receive email. Enter another address.",
                domain=reserved)) from None
        raise ValidationError(_("Enter a valid email address, such as name@example.com.")) from None
    return normalized.lower()


@functools.lru_cache(maxsize=1024)
def _valid_address(text: str, test_domains: bool) -> str:
    """``text``'s normalized form if email_validator accepts it (else its EmailNotValidError): a
    function of its arguments alone, kept for the addresses checked last (a form and then the
    service check the same address in one request; about 230 Python calls each)."""
    return email_validator.validate_email(text, check_deliverability=False, test_environment=test_domains).normalized


# ---- slugs ----------------------------------------------------------------------------------------

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SLUG_MESSAGES = {
    "address": _l("Use %(min)d to %(max)d lowercase letters or digits, joined by single hyphens, for the address."),
    "slug": _l("Use %(min)d to %(max)d lowercase letters or digits, joined by single hyphens, for the slug."),
}


def check_slug(value: str | None, *, max_length: int, min_length: int = 1, field: str = "address") -> str:
    """``value`` trimmed and lowercased if it is a slug of ``min_length`` to ``max_length``
    characters: lowercase letters and digits, words joined by single hyphens, no hyphen at either
    end. Otherwise ``ValidationError`` naming the ``field`` (``"address"`` or ``"slug"``)."""
    slug = (value if isinstance(value, str) else "").strip().lower()
    if not min_length <= len(slug) <= max_length or not SLUG_PATTERN.fullmatch(slug):
        raise ValidationError(_SLUG_MESSAGES[field] % {"min": min_length, "max": max_length})
    return slug


# ---- text -----------------------------------------------------------------------------------------

# NUL and the UTF-16 surrogates (which no UTF-8 text can contain).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    """False for text no database column can hold (NUL, lone surrogates)."""
    return UNSTORABLE.search(text) is None


def clean_text(value: str | None, label: str, *, max_length: int, required: bool = False) -> str | None:
    """Strip ``value``; empty becomes None (or a ValidationError when ``required``); enforce length."""
    text = "" if value is None else (value if isinstance(value, str) else str(value)).strip()
    if not text:
        if required:
            raise ValidationError(_("%(field)s is required.", field=label))
        return None
    if len(text) > max_length:
        raise ValidationError(_("%(field)s must be at most %(n)d characters.", field=label, n=max_length))
    return text


# ---- numbers --------------------------------------------------------------------------------------

MAX_AMOUNT = Decimal("100000000")  # Numeric(12, 4) holds amounts below 10^8
_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")
_WHOLE_LIMIT = 10**18


def to_decimal_number(value, message: str, *, minimum: Decimal | int | None = None,
                      maximum: Decimal | int | None = None, places: int | None = None) -> Decimal:
    """A finite Decimal from a Decimal, an int or a numeric string (surrounding spaces allowed),
    ``minimum <= value <= maximum``, with at most ``places`` decimals; else ValidationError(message).
    A float is a programming error (money and quantities are never float): TypeError."""
    if isinstance(value, float):
        raise TypeError("numbers are Decimal or int, never float")
    if isinstance(value, bool) or value is None:
        raise ValidationError(message)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(message) from None
    if not number.is_finite():
        raise ValidationError(message)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValidationError(message)
    if places is not None:
        try:
            if number != number.quantize(Decimal(1).scaleb(-places)):
                raise ValidationError(message)
        except InvalidOperation:  # too many digits to quantize: far beyond any bound we use
            raise ValidationError(message) from None
    return number


def to_whole_number(value, message: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An int from an int, an integral Decimal or float, or a string of ASCII digits (an optional
    sign, surrounding spaces), ``minimum <= value <= maximum``; else ValidationError(message)."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(message)
    if isinstance(value, int):
        number = value
    elif isinstance(value, (Decimal, float)):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or not -_WHOLE_LIMIT < value < _WHOLE_LIMIT or value != int(value):  # no int(1e999999999)
            raise ValidationError(message)
        number = int(value)
    else:
        text = str(value).strip()
        if not _WHOLE.fullmatch(text):
            raise ValidationError(message)
        number = int(text)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValidationError(message)
    return number


def to_amount(value, label: str) -> Decimal:
    """An amount (Decimal, int or numeric string; never float) the money columns can hold, or a
    ValidationError naming the field ``label``."""
    if type(value) is Decimal and value.is_finite() and -MAX_AMOUNT < value < MAX_AMOUNT:
        return value  # (what the checks below return: no message translated for nothing)
    amount = to_decimal_number(value, _("Enter a valid amount for %(field)s.", field=label))
    if not -MAX_AMOUNT < amount < MAX_AMOUNT:  # (abs() would overflow on 1e999999999)
        raise ValidationError(_("%(field)s is too large.", field=label))
    return amount


def to_int(value, label: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number within bounds, or a ValidationError naming the field ``label``."""
    number = to_whole_number(value, _("%(field)s must be a whole number.", field=label))
    if minimum is not None and number < minimum:
        raise ValidationError(_("%(field)s must be at least %(n)d.", field=label, n=minimum))
    if maximum is not None and number > maximum:
        raise ValidationError(_("%(field)s must be at most %(n)d.", field=label, n=maximum))
    return number


def decimal_or_none(value, **bounds) -> Decimal | None:
    """``to_decimal_number`` for lenient inputs (filters in a query string): None instead of an error."""
    if value is None or value == "":  # the usual case: no error (and its message) to build
        return None
    try:
        return to_decimal_number(value, "", **bounds)
    except ValidationError:
        return None


def whole_or_none(value, **bounds) -> int | None:
    """``to_whole_number`` for lenient inputs (a page number, a preview tier): None instead of an error."""
    if value is None or value == "":  # the usual case: no error (and its message) to build
        return None
    try:
        return to_whole_number(value, "", **bounds)
    except ValidationError:
        return None


# ---- moments --------------------------------------------------------------------------------------

def aware(moment: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# ---- web addresses --------------------------------------------------------------------------------

def check_web_url(value: str, *, allow_path: bool = False) -> str:
    """An absolute ``http``/``https`` address with a host (or, with ``allow_path``, a path on this
    site starting with a single ``/``), without spaces; else a ValidationError."""
    text = (value or "").strip()
    if allow_path and text.startswith("/") and not text.startswith("//") and not any(c.isspace() for c in text):
        return text
    match = re.fullmatch(r"https?://([^/?#\s]+)[^\s]*", text, flags=re.IGNORECASE)
    host = match.group(1).rsplit("@", 1)[-1].split(":")[0] if match else ""
    if not host or "." not in host.strip(".") and host.lower() != "localhost":
        raise ValidationError(_("Enter a full web address starting with https://."))
    return text


# ---- colours --------------------------------------------------------------------------------------

HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
WCAG_AA_NORMAL_TEXT = 4.5  # WCAG 2.x 1.4.3, contrast (minimum), text below 18pt (14pt bold)


def _relative_luminance(color: str) -> float:
    """WCAG 2's relative luminance of ``#rrggbb`` (0 for black, 1 for white)."""
    if not HEX_COLOR.fullmatch(color or ""):
        raise ValueError(f"not a #rrggbb colour: {color!r}")

    def linear(channel: str) -> float:
        value = int(channel, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(color[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2's contrast ratio of two ``#rrggbb`` colours: 21.0 for black on white, 1.0 for equal ones."""
    light, dark = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
