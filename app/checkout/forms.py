"""Cart forms: shape checks only (the rules live in app.checkout.cart)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.checkout.cart import MAX_PLAN_ID, MAX_QUANTITY
from app.web.inputs import EmailAddress, Form, WholeNumberField

_QUANTITY_MESSAGE = _l("Enter a whole number from 1 to %(max)d.", max=MAX_QUANTITY)
_QUANTITY = {"message": _QUANTITY_MESSAGE, "minimum": 1, "maximum": MAX_QUANTITY}


class AddToCartForm(Form):
    plan_id = HiddenField(validators=[InputRequired(message=_l("Choose a plan to add.")), Length(max=MAX_PLAN_ID)])
    # Empty means one; physical products send a number field, the others send nothing.
    quantity = WholeNumberField(_l("Quantity"), validators=[Optional()], **_QUANTITY)


class QuantityForm(Form):
    quantity = WholeNumberField(_l("Quantity"), validators=[InputRequired(message=_QUANTITY_MESSAGE)], **_QUANTITY)


class RemoveForm(Form):
    """Removing a line: nothing but the CSRF token."""


def first_error(form: Form) -> str:
    """The first error message of the form, for a one-line notice."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return str(_l("Please correct the errors and try again."))


class CheckoutForm(Form):
    """Billing details and codes. Amounts are never posted: the server prices everything."""

    billing_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    billing_email = EmailField(_l("Email for the receipt"), validators=[DataRequired(), EmailAddress()])
    billing_country = SelectField(_l("Country"), validators=[DataRequired()])
    address_line1 = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=20)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    discount_code = StringField(_l("Discount code"), validators=[Optional(), Length(max=40)])
    gift_card_codes = StringField(
        _l("Gift card codes"), validators=[Optional(), Length(max=200)],
        description=_l("Separate several codes with commas."),
    )
    # What the buyer saw: placing the order is refused if the cart or prices changed since.
    cart_fingerprint = HiddenField()
    # One token per checkout page: a second submit of the same page finds the order already placed.
    submission = HiddenField()


class CheckoutAccountForm(Form):
    """A new buyer's account, made inside the checkout (the rules are the sign-up's own)."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(), Length(max=200)])
