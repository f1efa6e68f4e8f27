"""An org's emails in the outbox (invitations, receipts: ``email_outbox.org_id``), for its admins:
the rows they may see and "retry now" for one that failed for good. Platform emails (verification,
password reset) carry no org and are never shown here."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.orgs.models import Org, OrgEmployee
from app.orgs.permissions import require
from app.orgs.services import audit, ensure_same_org, get_or_404
from app.platform import email
from app.platform.models import EmailOutbox


def org_emails(employee: OrgEmployee) -> sa.Select:
    """The outbox rows of ``employee``'s org (``PermissionDeniedError`` unless they may manage the
    org's settings)."""
    require(employee, "org_settings")
    return sa.select(EmailOutbox).where(EmailOutbox.org_id == employee.org_id)


def retry_email(org: Org, message_id: str, *, by: OrgEmployee) -> EmailOutbox:
    """Queue a failed email of ``org`` again, due at once (the next ``flask outbox send`` tries it),
    and write the audit log. Another org's email (or a platform email) is a ``NotFoundError``."""
    require(by, "org_settings")
    ensure_same_org(by, org, _("Employee not found."))
    message = get_or_404(EmailOutbox, org, message_id, _("Email not found."))
    before = {"status": message.status, "next_attempt_at": _iso(message.next_attempt_at)}
    email.retry_now(message)
    audit(org, action="email.retry", entity_type="email_outbox", entity_id=message.id, actor_employee=by,
          data={"before": before, "after": {"status": message.status, "next_attempt_at": None},
                "to": message.to_email, "subject": message.subject})
    db.session.flush()
    return message


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
