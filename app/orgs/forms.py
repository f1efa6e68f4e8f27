"""Invitation forms (the dashboard's invite pages and the accept pages): shape checks only; the
rules live in app.orgs.services (and app.accounts.services for the account an invitation creates)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from app.accounts.services import PASSWORD_MIN
from app.orgs.models import EMPLOYEE_ROLES, MEMBERSHIP_TYPES
from app.orgs.services import BULK_INVITE_MAX, INVITATION_DAYS_MAX
from app.web.inputs import EmailAddress, Form, WholeNumberField
from app.web.labels import EMPLOYEE_ROLES as ROLE_LABELS
from app.web.labels import MEMBERSHIP_TYPES as TYPE_LABELS

_DAYS_MESSAGE = _l("Enter a whole number of days from 1 to %(max)d.", max=INVITATION_DAYS_MAX)
_PASSWORD_LENGTH = _l("Use at least %(min)d and at most %(max)d characters.")


def _days_field():
    return WholeNumberField(_l("Valid for (days)"), validators=[InputRequired(message=_DAYS_MESSAGE)],
                            message=_DAYS_MESSAGE, minimum=1, maximum=INVITATION_DAYS_MAX, default=14)


def _type_field():
    return SelectField(_l("Membership type"), choices=[SelectChoice(k, TYPE_LABELS[k]) for k in MEMBERSHIP_TYPES],
                       validators=[InputRequired()], default="learner")


class MemberInviteForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    membership_type = _type_field()
    days = _days_field()


class BulkInviteForm(Form):
    emails = TextAreaField(
        _l("Email addresses"), validators=[Optional(), Length(max=BULK_INVITE_MAX * 100)],
        description=_l("One or more per line, separated by spaces, commas or semicolons."))
    file = FileField(_l("Or upload a CSV file"),
                     description=_l("A column headed \"email\", or one address per line. At most %(n)d addresses.",
                                    n=BULK_INVITE_MAX))
    membership_type = _type_field()
    days = _days_field()


class EmployeeInviteForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress()])
    role = SelectField(_l("Role"), choices=[SelectChoice(k, ROLE_LABELS[k]) for k in EMPLOYEE_ROLES],
                       validators=[InputRequired()], default="creator")
    days = _days_field()


class InvitationActionForm(Form):
    """Approve, decline, resend, cancel, accept without a profile: the CSRF token only."""


class JoinForm(Form):
    """The account an invitation creates: the address is the invited one, not asked."""

    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(min=PASSWORD_MIN, max=200, message=_PASSWORD_LENGTH)])
    confirm = PasswordField(_l("Repeat password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class AcceptEmployeeForm(Form):
    """Accepting an employee invitation, optionally as one of the user's job profiles."""

    job_profile_id = SelectField(_l("Work as"), validators=[Optional(), Length(max=32)], validate_choice=True)

