"""Dashboard forms for people: a member's type, an employee's role, and the confirmations of
deactivating a member and removing an employee. Shape checks only; the rules live in
app.orgs.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from app.orgs.models import EMPLOYEE_ROLES, MEMBERSHIP_TYPES
from app.web.inputs import Form
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
