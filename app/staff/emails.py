"""The org's emails (``/dashboard/<org>/emails``, admins: ``org_settings``): what the outbox holds
for the org (invitations, receipts) with its attempts, next attempt and last error, and "retry now"
for an email that failed for good. Platform emails (verification, password reset) have no org and
never show here. Sending is ``flask outbox send`` (app/platform/email.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import DomainError
from app.extensions import db
from app.orgs.emails import org_emails, retry_email
from app.orgs.permissions import require
from app.platform.models import EmailOutbox
from app.staff.blueprint import bp
from app.web import tables
from app.web.htmx import redirect

EMAIL_STATUS_LABELS = {
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
}


def email_status_label(status: str) -> str:
    labels = g.get("_email_status_labels")
    if labels is None:
        labels = g._email_status_labels = {key: str(label) for key, label in EMAIL_STATUS_LABELS.items()}
    return labels.get(status, status)


EMAILS = tables.Table(
    id="emails",
    title=_l("Emails"),
    endpoint="staff.emails",
    query=org_emails,
    key=EmailOutbox.id,
    row_id=lambda row: row[0].id,
    row_label=lambda row: f"{row[0].to_email} · {row[0].subject}",
    row_attrs=lambda row: {"data-email": row[0].id, "data-status": row[0].status},
    columns=[
        tables.Column("created", _l("Queued"), sort=EmailOutbox.created_at, csv=lambda row: row[0].created_at),
        tables.Column("to", _l("To"), sort=EmailOutbox.to_email, csv=lambda row: row[0].to_email),
        tables.Column("subject", _l("Subject"), sort=sa.func.lower(EmailOutbox.subject),
                      csv=lambda row: row[0].subject),
        tables.Column("status", _l("Status"), sort=EmailOutbox.status,
                      csv=lambda row: email_status_label(row[0].status)),
        tables.Column("attempts", _l("Attempts"), sort=EmailOutbox.attempts, numeric=True,
                      csv=lambda row: row[0].attempts),
        tables.Column("next", _l("Next attempt"), sort=EmailOutbox.next_attempt_at,
                      csv=lambda row: row[0].next_attempt_at),
        tables.Column("error", _l("Last error"), csv=lambda row: row[0].error),
        tables.Column("sent", _l("Sent"), html=False, csv=lambda row: row[0].sent_at),
        tables.Column("action", _l("Action")),
    ],
    search=[EmailOutbox.to_email, EmailOutbox.subject],
    search_label=_l("Search recipient or subject"),
    filters=[
        tables.Choice("status", _l("Status"), options=list(EMAIL_STATUS_LABELS.items()),
                      where=lambda value: EmailOutbox.status == value),
        tables.DateRange("created", _l("Queued"), EmailOutbox.created_at),
    ],
    default_sort="-created",
    empty=_l("No emails have been sent for this organization yet."),
    empty_hint=_l("Invitations and receipts appear here once they are queued; failed ones can be retried."),
)


@bp.get("/emails")
def emails():
    return EMAILS.respond(g.employee, "staff/emails.html", "staff/_emails_table.html",
                          email_status_label=email_status_label)


@bp.post("/emails/<email_id>/retry")
def email_retry(email_id: str):
    """Retry a failed email now (the CSRF token is checked before any view runs)."""
    require(g.employee, "org_settings")
    try:
        message = retry_email(g.staff_org, email_id, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code in (403, 404):
            raise
        flash(exc.message, "error")
        return redirect(url_for(".emails"))
    db.session.commit()
    flash(_("The email to %(to)s is queued again and goes out with the next send.", to=message.to_email), "success")
    return redirect(url_for(".emails"))
