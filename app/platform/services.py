"""Platform rules: what the platform registries (currencies, ...) allow the features to use.

Services raise DomainErrors; they never commit.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.errors import ValidationError
from app.extensions import db
from app.platform.models import Currency


def active_currency(code: str | None, message: str | None = None) -> str:
    """``code`` trimmed and upper-cased if it names an active currency of the platform registry;
    otherwise ``ValidationError(message)`` (by default "Choose a valid currency.")."""
    code = (code or "").strip().upper()
    currency = db.session.get(Currency, code) if code else None
    if currency is None or not currency.is_active:
        raise ValidationError(message or _("Choose a valid currency."))
    return code
