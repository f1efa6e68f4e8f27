"""Shared input checks: text a database can store, and numbers that are finite and in range.

Text. PostgreSQL text cannot hold NUL (U+0000) and psycopg cannot send lone surrogates (only a
JSON body can produce them); SQLite stores both without a word. Such text is refused where it
enters, never answered with a 500:

- paths and query strings: a 400 page (``refuse_unstorable_url``, an app-level URL value
  preprocessor, so it runs before any blueprint's URL processor looks anything up);
- form fields: every form derives from ``Form``, whose fields refuse such text with a field error
  (and which never reads JSON bodies: a form is posted form-encoded);
- the safety net: a statement whose parameters hold such text is refused before it reaches the
  database (a 400 page) and logged as a warning, since it means a check above is missing.

Numbers. ``to_decimal_number`` and ``to_whole_number`` are the one parser of numbers typed by
people (forms, query strings, CLI arguments): finite (never ``NaN``, ``Infinity`` or ``1e309``),
within the bounds given, with at most the decimal places given; anything else is a
``ValidationError`` with the caller's message. ``DecimalNumberField`` and ``WholeNumberField``
are the WTForms fields built on them.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import Flask, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField
from wtforms.validators import StopValidation

from app.errors import ValidationError, render_error
from app.extensions import db

log = logging.getLogger(__name__)

# NUL and the UTF-16 surrogates (which no UTF-8 text can contain).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_FIELD_MESSAGE = _l("This field contains characters that are not allowed.")


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


class UnstorableInputError(ValidationError):
    """Text no database column can hold: a 400 page."""

    status_code = 400
    default_message = _l("The request contains characters that are not allowed.")


# ---- the edge: paths and query strings ------------------------------------------------------------

def refuse_unstorable_url(endpoint, values) -> None:
    """400 for a path or query string holding NUL (also for URLs that match no route)."""
    args = request.args
    if not is_storable(request.path) or any(
        not is_storable(key) or not all(is_storable(v) for v in args.getlist(key)) for key in args
    ):
        raise UnstorableInputError(_("The address contains characters that are not allowed."))


# ---- forms ------------------------------------------------------------------------------------------

def refuse_unstorable_text(form, field) -> None:
    """WTForms validator (put first on every field of ``Form``): no NUL in what was posted."""
    if any(isinstance(value, str) and not is_storable(value) for value in field.raw_data or ()):
        raise StopValidation(str(UNSTORABLE_FIELD_MESSAGE))


def drop_unstorable(data):
    """WTForms filter (put first on every field of ``Form``): ``field.data`` never holds NUL, so a
    view that uses a field of a form that did not validate (to re-price a page, say) never sends it
    to the database; ``raw_data`` keeps what was posted for ``refuse_unstorable_text``."""
    if isinstance(data, str):
        return UNSTORABLE.sub("", data)
    if isinstance(data, list):
        return [drop_unstorable(value) for value in data]
    return data


class Form(FlaskForm):
    """The base of every form of the app (tests/test_inputs.py checks that each form derives from it).

    Each field refuses text with NUL bytes before its own validators run (so no ``validate_<field>``
    ever looks a NUL up) and never hands it on as data; the form reads form-encoded bodies only
    (Flask-WTF would otherwise wrap a JSON body into the fields, lists and numbers included)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = [refuse_unstorable_text, *field.validators]
            field.filters = (drop_unstorable, *field.filters)
            return field

        def wrap_formdata(self, form, formdata):
            automatic = formdata is not None and not hasattr(formdata, "getlist")  # Flask-WTF's _Auto
            if automatic and has_request_context() and request.is_json and not request.form and not request.files:
                return None
            return super().wrap_formdata(form, formdata)


# ---- the safety net: statements -------------------------------------------------------------------

def _holds_unstorable(parameters) -> bool:
    if isinstance(parameters, str):
        return not is_storable(parameters)
    if isinstance(parameters, Mapping):
        parameters = parameters.values()
    elif not isinstance(parameters, (list, tuple)):
        return False
    return any(_holds_unstorable(value) for value in parameters)


def refuse_unstorable_parameters(conn, cursor, statement, parameters, context, executemany):
    """``before_cursor_execute``: never send text a column cannot hold (PostgreSQL would fail with
    DataError, SQLite would store it). Reaching this means an edge check is missing: logged."""
    if _holds_unstorable(parameters):
        log.warning("Refused a statement with a NUL byte in its parameters (a missing input check?): %s",
                    statement.split("\n", 1)[0][:200])
        raise UnstorableInputError()
    return statement, parameters


def _unstorable_page(exc: UnstorableInputError):
    db.session.rollback()  # a refused flush leaves the session waiting for a rollback
    return render_error(exc.status_code, exc.message)


def register(app: Flask) -> None:
    """The edge check (before every URL processor), its error page and the statement check."""
    app.url_value_preprocessor(refuse_unstorable_url)
    app.register_error_handler(UnstorableInputError, _unstorable_page)
    with app.app_context():
        for engine in db.engines.values():
            if not sa.event.contains(engine, "before_cursor_execute", refuse_unstorable_parameters):
                sa.event.listen(engine, "before_cursor_execute", refuse_unstorable_parameters, retval=True)


# ---- numbers --------------------------------------------------------------------------------------

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


def decimal_or_none(value, **bounds) -> Decimal | None:
    """``to_decimal_number`` for lenient inputs (filters in a query string): None instead of an error."""
    try:
        return to_decimal_number(value, "", **bounds)
    except ValidationError:
        return None


def whole_or_none(value, **bounds) -> int | None:
    """``to_whole_number`` for lenient inputs (a page number, a preview tier): None instead of an error."""
    try:
        return to_whole_number(value, "", **bounds)
    except ValidationError:
        return None


class DecimalNumberField(DecimalField):
    """A decimal typed by a person (``to_decimal_number``): empty is None (add ``InputRequired`` to
    require it); anything else that is not a finite number within the bounds is a field error."""

    def __init__(self, label=None, validators=None, *, message, minimum=None, maximum=None, places=2, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.message, self.minimum, self.maximum = message, minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        raw = valuelist[0] if isinstance(valuelist[0], str) else ""
        if raw.strip():
            try:
                self.data = to_decimal_number(raw, str(self.message), minimum=self.minimum, maximum=self.maximum,
                                              places=self.places)
            except ValidationError as exc:
                raise ValueError(exc.message) from None


class WholeNumberField(IntegerField):
    """A whole number typed by a person (``to_whole_number``): ``"2"`` and ``" 2 "``, never ``"2.5"``,
    ``"1e3"`` or ``"²"``; empty is None (add ``InputRequired`` to require it)."""

    def __init__(self, label=None, validators=None, *, message, minimum=None, maximum=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message, self.minimum, self.maximum = message, minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        raw = valuelist[0] if isinstance(valuelist[0], str) else ""
        if raw.strip():
            try:
                self.data = to_whole_number(raw, str(self.message), minimum=self.minimum, maximum=self.maximum)
            except ValidationError as exc:
                raise ValueError(exc.message) from None
