"""Gift card rules: issuing cards with unambiguous codes, disabling them, and finding a card by
the code a customer types.

Codes look like ``K7QX-M2PA-9WRT``: twelve characters from an alphabet without 0/O/1/I, in
groups of four. They are stored upper-case with dashes; lookups ignore case, spaces and dashes.
Services flush and raise DomainErrors; the view commits.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.checks import aware, check_email, clean_text, to_amount
from app.db import utcnow
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.giftcards import events
from app.giftcards.models import OrgGiftCard
from app.money import quantize
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit_change, authorize, snapshot
from app.platform.services import active_currency

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
CODE_GROUPS = 3
CODE_GROUP_SIZE = 4
CUSTOM_CODE_MIN, CUSTOM_CODE_MAX = 8, 16
_GENERATE_ATTEMPTS = 10
# what the audit log records of a card (never its code: whoever knows it can spend the balance)
CARD_FIELDS = ("currency_code", "initial_amount", "expires_at", "recipient_email", "note", "is_active")


def normalize_code(code: str | None) -> str:
    """The stored form of a typed code: letters and digits upper-cased and regrouped in fours
    (``abcd efgh-ijkl`` -> ``ABCD-EFGH-IJKL``); empty when nothing usable was typed."""
    raw = re.sub(r"[^A-Z0-9]", "", (code or "").upper())
    return "-".join(raw[i : i + CODE_GROUP_SIZE] for i in range(0, len(raw), CODE_GROUP_SIZE))


def generate_code() -> str:
    """A random ``XXXX-XXXX-XXXX`` code (60 bits of entropy) from the unambiguous alphabet."""
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_GROUP_SIZE)) for _g in range(CODE_GROUPS)
    )


def _code_taken(code: str) -> bool:
    # Codes are unique across the platform (the column is globally unique).
    return db.session.scalar(sa.select(OrgGiftCard.id).where(OrgGiftCard.code == code).limit(1)) is not None


def _unique_code() -> str:
    for _attempt in range(_GENERATE_ATTEMPTS):
        code = generate_code()
        if not _code_taken(code):
            return code
    raise ConflictError(_("Could not generate a unique gift card code. Please try again."))


def issue_gift_card(
    org: Org,
    *,
    amount,
    currency_code: str,
    by: OrgEmployee,
    code: str | None = None,
    expires_at: datetime | None = None,
    recipient_email: str | None = None,
    note: str | None = None,
) -> OrgGiftCard:
    """A new active card worth ``amount`` in ``currency_code``, issued by ``by``: an active
    employee of ``org`` allowed to issue gift cards (``gift_cards``). A custom ``code`` (8-16
    letters and digits) replaces the generated one."""
    authorize(by, org, "gift_cards", _("You do not have permission to issue gift cards."))

    currency = active_currency(currency_code)
    value = to_amount(amount, _("Amount"))
    value = quantize(value, currency)
    if value <= 0:
        raise ValidationError(_("The gift card amount must be greater than zero."))

    expires_at = aware(expires_at)
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationError(_("The expiry date must be in the future."))

    email = check_email(recipient_email) if (recipient_email or "").strip() else None

    if code is not None and code.strip():
        final_code = normalize_code(code)
        length = len(final_code.replace("-", ""))
        if not CUSTOM_CODE_MIN <= length <= CUSTOM_CODE_MAX:
            raise ValidationError(
                _("A gift card code needs %(min)d to %(max)d letters and digits.",
                  min=CUSTOM_CODE_MIN, max=CUSTOM_CODE_MAX)
            )
        if _code_taken(final_code):
            raise ValidationError(_("This gift card code is not available. Choose another one."))
    else:
        final_code = _unique_code()

    card = OrgGiftCard(
        org_id=org.id,
        code=final_code,
        currency_code=currency,
        initial_amount=value,
        current_balance=value,
        issued_by_employee_id=by.id,
        expires_at=expires_at,
        is_active=True,
        recipient_email=email,
        note=clean_text(note, _("Note"), max_length=255),
    )
    db.session.add(card)
    db.session.flush()
    events.cards_issued.send(org.id, currency=currency, total=value, count=1, source_id=card.id)
    audit_change(card, action="gift_card.issued", by=by, fields=CARD_FIELDS)
    return card


def disable_gift_card(card: OrgGiftCard, *, by: OrgEmployee) -> OrgGiftCard:
    """Stop the card from being used at checkout; its balance is kept (idempotent). ``by`` needs
    ``gift_cards``."""
    authorize(by, card.org_id, "gift_cards", _("You do not have permission to disable gift cards."))
    before = snapshot(card, ("is_active",))
    card.is_active = False
    db.session.flush()
    audit_change(card, action="gift_card.disabled", by=by, fields=("is_active",), before=before)
    return card


def get_by_code(org: Org, code: str | None) -> OrgGiftCard | None:
    """The org's card with this code, however the customer typed it (case, spaces and dashes do
    not matter); None for an unknown code or a card of another org."""
    normalized = normalize_code(code)
    if not normalized:
        return None
    return db.session.scalar(
        sa.select(OrgGiftCard).where(OrgGiftCard.org_id == org.id, OrgGiftCard.code == normalized)
    )

