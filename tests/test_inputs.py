"""The one parser of numbers people type (app.checks), the base form every form derives from and
the statement check behind them (app.web.inputs)."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import StringField

import app as app_package
from app.checks import decimal_or_none, to_amount, to_decimal_number, to_int, to_whole_number, whole_or_none
from app.errors import ValidationError
from app.extensions import db
from app.web.inputs import (
    UNSTORABLE_FIELD_MESSAGE,
    DecimalNumberField,
    Form,
    UnstorableInputError,
    WholeNumberField,
)

NOT_FINITE = ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "-inf", "Inf"]


# ---- numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("12.50", Decimal("12.50")), (" 7 ", Decimal("7")), ("-3", Decimal("-3")), (5, Decimal("5")),
    (Decimal("0.0001"), Decimal("0.0001")), ("1E+2", Decimal("100")),
])
def test_decimal_numbers_people_type(value, expected):
    assert to_decimal_number(value, "bad") == expected


@pytest.mark.parametrize("value", [*NOT_FINITE, "", "  ", "abc", "1,5", "0x10", "1e", None, True, False])
def test_anything_but_a_finite_decimal_is_refused_with_the_callers_message(value):
    with pytest.raises(ValidationError) as error:
        to_decimal_number(value, "Enter an amount.")
    assert error.value.message == "Enter an amount."


def test_decimal_bounds_and_places():
    assert to_decimal_number("100", "bad", minimum=0, maximum=100, places=2) == 100
    for value in ("100.01", "-0.01", "1e309", "9" * 5000, "1e999999999"):
        with pytest.raises(ValidationError):
            to_decimal_number(value, "bad", minimum=0, maximum=100)
    with pytest.raises(ValidationError):
        to_decimal_number("1.234", "bad", places=2)
    assert to_decimal_number("1.230", "bad", places=2) == Decimal("1.23")
    with pytest.raises(ValidationError):  # cannot even be quantized: refused, not an InvalidOperation
        to_decimal_number("1e40", "bad", places=4)
    with pytest.raises(TypeError):  # money and quantities are never float
        to_decimal_number(1.5, "bad")


@pytest.mark.parametrize("value, expected", [("2", 2), (" 2 ", 2), ("+2", 2), ("-2", -2), (2, 2),
                                             (Decimal("2"), 2), (Decimal("2.0"), 2), (2.0, 2)])
def test_whole_numbers_people_type(value, expected):
    assert to_whole_number(value, "bad") == expected


@pytest.mark.parametrize("value", [*NOT_FINITE, "2.5", "1e3", "²", "٣", "2_000", "9" * 19, "", None, True,
                                   float("inf"), float("nan"), Decimal("Infinity"), Decimal("NaN"), 2.5,
                                   Decimal("2.5"), Decimal("1e999999999"), 1e300])
def test_anything_but_a_whole_number_is_refused(value):
    with pytest.raises(ValidationError):
        to_whole_number(value, "Enter a whole number.")


def test_whole_number_bounds_and_lenient_variants():
    assert to_whole_number("5", "bad", minimum=1, maximum=5) == 5
    for value in ("0", "6"):
        with pytest.raises(ValidationError):
            to_whole_number(value, "bad", minimum=1, maximum=5)
    assert whole_or_none("1e309") is None and whole_or_none("3", minimum=1) == 3
    assert decimal_or_none("Infinity") is None and decimal_or_none("2.5", maximum=3) == Decimal("2.5")


class _NumbersForm(Form):
    price = DecimalNumberField("Price", message="Enter a price from 0 to 1000.", minimum=0, maximum=1000)
    count = WholeNumberField("Count", message="Enter a count from 1 to 9.", minimum=1, maximum=9)


@pytest.mark.parametrize("price, count, errors", [
    ("12.5", "3", {}),
    ("", "", {}),  # empty is None: InputRequired decides whether that is allowed
    ("Infinity", "NaN", {"price": ["Enter a price from 0 to 1000."], "count": ["Enter a count from 1 to 9."]}),
    ("1e309", "1e309", {"price": ["Enter a price from 0 to 1000."], "count": ["Enter a count from 1 to 9."]}),
    ("12.345", "10", {"price": ["Enter a price from 0 to 1000."], "count": ["Enter a count from 1 to 9."]}),
])
def test_number_fields(app, price, count, errors):
    with app.test_request_context(method="POST", data={"price": price, "count": count}):
        form = _NumbersForm()
        assert form.validate() is (not errors)
        assert form.errors == errors
        if not errors and price:
            assert (form.price.data, form.count.data) == (Decimal("12.5"), 3)


# ---- the base form ------------------------------------------------------------------------------

def _all_subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_form_of_the_app_derives_from_the_base_form():
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)
    forms = {cls for cls in _all_subclasses(FlaskForm) if cls.__module__.startswith("app.")}
    assert len(forms) > 10
    assert sorted(f"{cls.__module__}.{cls.__name__}" for cls in forms if not issubclass(cls, Form)) == []


class _NameForm(Form):
    name = StringField("Name")

    def validate_name(self, field):  # a lookup that must never see a NUL byte
        assert "\x00" not in (field.data or "")


def test_a_field_with_a_nul_byte_gets_a_field_error_and_never_hands_it_on(app):
    with app.test_request_context(method="POST", data={"name": "Ada\x00 Lovelace"}):
        form = _NameForm()
        assert form.name.data == "Ada Lovelace"  # what a view re-pricing an invalid form would use
        assert not form.validate()
        assert form.errors == {"name": [str(UNSTORABLE_FIELD_MESSAGE)]}
    with app.test_request_context(method="POST", data={"name": "Ada Lovelace"}):
        assert _NameForm().validate()


@pytest.mark.parametrize("body", [[1, 2], "name", 42, {"name": ["a", "b"]}, {"name": "a\u0000b"}])
def test_forms_never_read_json_bodies(app, body):
    with app.test_request_context(method="POST", json=body):
        form = _NameForm()
        assert form.name.data is None and form.validate()  # nothing was posted as a form


# ---- the statement check ------------------------------------------------------------------------

@pytest.mark.parametrize("parameters", [{"v": "a\x00b"}, {"v": "\ud800"}, [{"v": "ok"}, {"v": "a\x00b"}]])
def test_a_statement_with_unstorable_text_never_reaches_the_database(db_session, caplog, parameters):
    with caplog.at_level(logging.WARNING, logger="app.web.inputs"), pytest.raises(UnstorableInputError):
        db_session.execute(sa.text("SELECT :v"), parameters)
    assert "Refused a statement with a NUL byte" in caplog.text
    db_session.rollback()
    assert db_session.scalar(sa.text("SELECT :v"), {"v": "a b"}) == "a b"
    assert db.session.scalar(sa.select(sa.literal("x"))) == "x"


@pytest.mark.parametrize("value", ["1e999999999", "-1e999999999", "Infinity", "NaN", "100000000"])
def test_amounts_the_services_parse_are_finite_and_fit_the_money_columns(app_ctx, value):
    with pytest.raises(ValidationError):
        to_amount(value, "Price")
    if value != "100000000":
        with pytest.raises(ValidationError):
            to_int(value, "Usage limit", minimum=1)
    assert to_amount("99999999.9999", "Price") == Decimal("99999999.9999")
    as_decimal = Decimal(value) if value not in ("NaN",) else Decimal("NaN")
    with pytest.raises(ValidationError):  # a Decimal too (not finite, or too large)
        to_amount(as_decimal, "Price")


def test_an_amount_s_field_name_may_be_lazy_and_is_translated_for_the_error_only(app):
    """``to_amount`` of a Decimal that fits returns it as it is; a lazily translated field name
    (``mark_paid``'s) ends up in the error's message as text of the request's language."""
    from flask_babel import force_locale
    from flask_babel import lazy_gettext as _l

    with app.test_request_context("/"):
        assert to_amount(Decimal("-12.5000"), _l("Amount")) == Decimal("-12.5000")
        with force_locale("de"), pytest.raises(ValidationError) as caught:
            to_amount("abc", _l("Processing fee"))
        assert type(caught.value.message) is str and "Amount" not in caught.value.message
        with pytest.raises(ValidationError) as caught:
            to_amount(Decimal("1e9"), _l("Processing fee"))
        assert caught.value.message == "Processing fee is too large."
