"""Account forms: shape checks only; the rules live in accounts.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from app.accounts.models import PROFICIENCIES
from app.accounts.services import PASSWORD_MIN
from app.web.inputs import EmailAddress, Form

_PASSWORD_LENGTH = _l("Use at least %(min)d and at most %(max)d characters.")


class RegisterForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200, message=_PASSWORD_LENGTH)])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in"))
    next = HiddenField()


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200, message=_PASSWORD_LENGTH)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class ProfileForm(Form):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=100)])


class LocalePreferenceForm(Form):
    locale_key = SelectField(_l("Language"), validators=[DataRequired()])
    proficiency = SelectField(
        _l("Proficiency"),
        choices=[SelectChoice(p, p) for p in PROFICIENCIES],
        validators=[DataRequired()],
    )
    is_default = BooleanField(_l("Use this language by default"))


class RemoveLocaleForm(Form):
    locale_key = HiddenField(validators=[DataRequired()])


class ResendVerificationForm(Form):
    pass


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200, message=_PASSWORD_LENGTH)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


def proficiency_choices():
    from flask_babel import gettext as _

    labels = {
        "native": _("Native"),
        "fluent": _("Fluent"),
        "conversational": _("Conversational"),
        "basic": _("Basic"),
    }
    return [SelectChoice(p, labels.get(p, p)) for p in PROFICIENCIES]

