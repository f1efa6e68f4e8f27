"""Dashboard forms for people: a member's type, an employee's role, the confirmations of
deactivating a member and removing an employee, and a payout. Shape checks only; the rules live in
app.orgs.services and app.revenue.payouts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.orgs.models import EMPLOYEE_ROLES, MEMBERSHIP_TYPES
from app.web.inputs import DecimalNumberField, Form
from app.web.labels import EMPLOYEE_ROLES as ROLE_LABELS
from app.web.labels import MEMBERSHIP_TYPES as TYPE_LABELS


class MemberTypeForm(Form):
    membership_type = SelectField(_l("Member type"), choices=[SelectChoice(t, TYPE_LABELS[t]) for t in MEMBERSHIP_TYPES],
                                  validators=[InputRequired(message=_l("Choose a member type."))])


class EmployeeRoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in EMPLOYEE_ROLES],
                       validators=[InputRequired(message=_l("Choose a role."))])


class ConfirmForm(Form):
    """A button that asks first: without ``confirmed=1`` the view shows what will happen."""

    confirmed = HiddenField()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "1"


class PayoutForm(Form):
    """Record a payout (admins): the amount is checked against what is owed in app.revenue.payouts."""

    currency_code = SelectField(_l("Currency"), validators=[InputRequired(message=_l("Choose a currency."))])
    amount = DecimalNumberField(_l("Amount"), places=None, message=_l("Enter an amount such as 25.00."),
                                validators=[InputRequired(message=_l("Enter the amount paid."))])
    method = SelectField(_l("Method"), validators=[InputRequired(message=_l("Choose how the payout was made."))])
    reference = StringField(_l("Reference (optional)"), validators=[Optional(), Length(max=100)])
