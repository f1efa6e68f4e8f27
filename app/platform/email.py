"""Email outbox: every email is a row first; SMTP delivers it when configured.

Development and tests read the outbox page instead of a mailbox.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

from app.db import utcnow
from app.extensions import db
from app.platform.models import EmailOutbox


def queue_email(to: str, subject: str, body_text: str, *, body_html: str | None = None,
                kind: str = "general") -> EmailOutbox:
    """Record an email to send. Delivery happens after the surrounding transaction commits."""
    message = EmailOutbox(to_email=to, subject=subject, body_text=body_text, body_html=body_html, kind=kind)
    db.session.add(message)
    db.session.flush()
    return message


def deliver_pending(limit: int = 50) -> int:
    """Send queued emails through SMTP when MAIL_SERVER is set; returns how many were sent."""
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return 0
    pending = db.session.scalars(
        db.select(EmailOutbox).where(EmailOutbox.status == "queued").order_by(EmailOutbox.created_at).limit(limit)
    ).all()
    sent = 0
    for message in pending:
        try:
            _send_smtp(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.status = "failed"
            message.error = str(exc)[:1000]
        else:
            message.status = "sent"
            message.sent_at = utcnow()
            sent += 1
    db.session.flush()
    return sent


def _send_smtp(message: EmailOutbox) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
