"""Email outbox: every email is a row first; SMTP delivers it when configured.

Development and tests read the outbox page instead of a mailbox. ``flask outbox send`` (run
every minute by a scheduler) delivers what is queued; pages that send an email right away (sign-up,
password reset) also deliver after their commit.

Several senders may run at once (workers, hosts): each message is claimed first, queued ->
sending, in a committed transaction of its own (candidates locked with ``FOR UPDATE SKIP LOCKED``
on PostgreSQL, and the claim is a conditional UPDATE that only takes rows still queued), so one
sender sends it. A claim left "sending" for ``STALE_CLAIM`` (a sender that died mid-batch) is
taken again: a message is sent at least once, and twice only if a sender died between the mail
server's acceptance and recording it.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app

from app.db import utcnow
from app.extensions import db
from app.platform.models import EmailOutbox

CLAIM_BATCH = 10  # messages claimed at a time (with SMTP's 10 s timeout, well under STALE_CLAIM)
STALE_CLAIM = timedelta(minutes=15)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def queue_email(to: str, subject: str, body_text: str, *, body_html: str | None = None,
                kind: str = "general") -> EmailOutbox:
    """Record an email to send. Delivery happens after the surrounding transaction commits."""
    message = EmailOutbox(to_email=to, subject=subject, body_text=body_text, body_html=body_html, kind=kind)
    db.session.add(message)
    db.session.flush()
    return message


def claim_pending(limit: int) -> list[EmailOutbox]:
    """Claim up to ``limit`` messages for this sender (queued -> sending), oldest first: the queued
    ones and those whose claim went stale, which no other sender holds. Flushes; the caller
    commits the claim before sending."""
    now = utcnow()
    claimable = sa.or_(
        EmailOutbox.status == "queued",
        sa.and_(EmailOutbox.status == "sending", EmailOutbox.updated_at < now - STALE_CLAIM),
    )
    candidates = db.session.scalars(
        sa.select(EmailOutbox.id).where(claimable).order_by(EmailOutbox.created_at, EmailOutbox.id)
        .limit(limit).with_for_update(skip_locked=True)
    ).all()
    if not candidates:
        return []
    claimed = db.session.scalars(
        sa.update(EmailOutbox)
        .where(EmailOutbox.id.in_(candidates), claimable)
        .values(status="sending", updated_at=now)
        .returning(EmailOutbox.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    return list(db.session.scalars(
        sa.select(EmailOutbox).where(EmailOutbox.id.in_(claimed)).order_by(EmailOutbox.created_at, EmailOutbox.id)
        .execution_options(populate_existing=True)
    ))


def deliver_pending(limit: int = 50) -> DeliveryReport:
    """Send up to ``limit`` queued emails through SMTP when MAIL_SERVER is set.

    A job, not a service: it commits each claim before talking to the mail server and each
    message's result after, so no transaction stays open during SMTP and no message is sent by
    two senders."""
    report = DeliveryReport()
    if not current_app.config.get("MAIL_SERVER"):
        return report
    while report.sent + report.failed < limit:
        batch = claim_pending(min(CLAIM_BATCH, limit - report.sent - report.failed))
        db.session.commit()
        if not batch:
            break
        for message in batch:
            try:
                _send_smtp(message)
            except (OSError, smtplib.SMTPException) as exc:
                message.status = "failed"
                message.error = str(exc)[:1000]
                report.failed += 1
            else:
                message.status = "sent"
                message.sent_at = utcnow()
                report.sent += 1
            db.session.commit()
    return report


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
