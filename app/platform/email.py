"""Email outbox: every email is a row first; SMTP delivers it when configured.

Development and tests read the outbox page instead of a mailbox. The Celery task
``send_queued_emails`` (every minute from ``celery beat``; or ``flask outbox send`` from a
scheduler) delivers what is queued; pages that send an email right away (sign-up, password reset)
enqueue it after their commit (``send_soon``: in-process without a broker).

Several senders may run at once (workers, hosts): each message is claimed first, queued ->
sending, in a committed transaction of its own (candidates locked with ``FOR UPDATE SKIP LOCKED``
on PostgreSQL, and the claim is a conditional UPDATE that only takes rows still queued), so one
sender sends it. A claim left "sending" for ``STALE_CLAIM`` (a sender that died mid-batch) is
taken again: a message is sent at least once, and twice only if a sender died between the mail
server's acceptance and recording it.

A failed attempt is retried with back-off: the message goes back to "queued" with its
``attempts`` counted, the error kept (``error``) and ``next_attempt_at`` set ``RETRY_DELAYS``
later (1 min, 5 min, 30 min, 2 h, 12 h); after ``MAX_ATTEMPTS`` attempts it is "failed" for good
(an org admin may retry it from the dashboard: ``retry_now``).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

import sqlalchemy as sa
from celery import shared_task
from flask import current_app
from flask_babel import gettext as _

from app.db import new_id, prebuilt, run_write, utcnow
from app.errors import ConflictError
from app.extensions import db
from app.platform.models import EmailOutbox
from app.platform.tasks import enqueue

CLAIM_BATCH = 10  # messages claimed at a time (with SMTP's 10 s timeout, well under STALE_CLAIM)
STALE_CLAIM = timedelta(minutes=15)
# The wait after the 1st, 2nd, ... failed attempt; the attempt after the last delay is the last one.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=12))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
MAX_ERROR_CHARS = 1000
Transport = Callable[[EmailOutbox], None]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # attempts that failed (retried later, or given up)
    given_up: int = 0  # of those, messages now failed for good

    @property
    def retrying(self) -> int:
        return self.failed - self.given_up


def queue_email(to: str, subject: str, body_text: str, *, body_html: str | None = None,
                kind: str = "general", org_id: str | None = None, from_name: str | None = None) -> EmailOutbox:
    """Record an email to send. Delivery happens after the surrounding transaction commits.
    ``org_id``: the org the email is about (its admins see it on the dashboard); None for platform
    emails (verification, password reset). ``from_name``: the sender's display name (e.g. the brand
    of a market); None: MAIL_FROM's (see ``sender``)."""
    message = EmailOutbox(to_email=to, subject=subject, body_text=body_text, body_html=body_html, kind=kind,
                          org_id=org_id, attempts=0, from_name=_display_name(from_name))
    db.session.add(message)
    db.session.flush()
    return message


OUTBOX_INSERT_CHUNK = 500  # rows per INSERT of queue_emails


@dataclass(frozen=True)
class QueuedEmail:
    """One email of ``queue_emails``."""

    to: str
    subject: str
    body_text: str
    kind: str = "general"
    org_id: str | None = None
    from_name: str | None = None


def queue_emails(messages: list[QueuedEmail]) -> int:
    """``queue_email`` for many messages at once (e.g. the gift cards of a batch, one email per
    card): inserted in bulk, a few hundred rows per statement, without loading them as objects.
    Returns how many were queued."""
    table = EmailOutbox.__table__
    now = utcnow()
    rows = [{"id": new_id(), "to_email": m.to, "subject": m.subject, "body_text": m.body_text, "body_html": None,
             "kind": m.kind, "org_id": m.org_id, "from_name": _display_name(m.from_name), "status": "queued", "attempts": 0, "created_at": now,
             "updated_at": now} for m in messages]
    if len(rows) == 1:  # (a receipt) on the driver, as a prebuilt statement
        run_write(db.session.connection(), _outbox_insert(), rows[0])
        return 1
    for start in range(0, len(rows), OUTBOX_INSERT_CHUNK):
        db.session.execute(table.insert(), rows[start:start + OUTBOX_INSERT_CHUNK])
    return len(rows)


@prebuilt
def _outbox_insert() -> sa.Insert:
    return sa.insert(EmailOutbox.__table__)


def claim_pending(limit: int, *, now: datetime | None = None) -> list[EmailOutbox]:
    """Claim up to ``limit`` messages for this sender (queued -> sending), oldest first: the queued
    ones that are due (never tried, or their retry time has come) and those whose claim went stale,
    which no other sender holds. Flushes; the caller commits the claim before sending."""
    now = now or utcnow()
    claimable = sa.or_(
        sa.and_(EmailOutbox.status == "queued",
                sa.or_(EmailOutbox.next_attempt_at.is_(None), EmailOutbox.next_attempt_at <= now)),
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


def deliver_pending(limit: int = 50, *, transport: Transport | None = None,
                    now: datetime | None = None) -> DeliveryReport:
    """Send up to ``limit`` due emails through SMTP when MAIL_SERVER is set (or through
    ``transport``, a callable that raises ``OSError``/``SMTPException`` on failure). ``now``: the
    time the retries are due by (tests pass it instead of waiting).

    A job, not a service: it commits each claim before talking to the mail server and each
    message's result after, so no transaction stays open during SMTP and no message is sent by
    two senders."""
    report = DeliveryReport()
    if transport is None:
        if not current_app.config.get("MAIL_SERVER"):
            return report
        transport = _send_smtp
    while report.sent + report.failed < limit:
        batch = claim_pending(min(CLAIM_BATCH, limit - report.sent - report.failed), now=now)
        db.session.commit()
        if not batch:
            break
        for message in batch:
            try:
                transport(message)
            except (OSError, smtplib.SMTPException) as exc:
                report.failed += 1
                if record_failure(message, str(exc) or exc.__class__.__name__, now=now):
                    report.given_up += 1
            else:
                message.status = "sent"
                message.sent_at = now or utcnow()
                message.attempts += 1
                message.next_attempt_at = None
                report.sent += 1
            db.session.commit()
    return report


def record_failure(message: EmailOutbox, error: str, *, now: datetime | None = None) -> bool:
    """Count a failed attempt: queued again ``RETRY_DELAYS`` later, or failed for good after
    ``MAX_ATTEMPTS`` attempts (returns True then)."""
    now = now or utcnow()
    message.attempts = (message.attempts or 0) + 1
    message.error = error[:MAX_ERROR_CHARS]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        message.next_attempt_at = None
        return True
    message.status = "queued"
    message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]
    return False


def retry_now(message: EmailOutbox) -> EmailOutbox:
    """A failed email goes back to the queue, due at once: the next ``flask outbox send`` makes one
    more attempt (failed for good again if it fails). Flushes."""
    if message.status != "failed":
        raise ConflictError(_("Only an email that failed can be retried."))
    message.status = "queued"
    message.next_attempt_at = None
    db.session.flush()
    return message


def _display_name(name: str | None) -> str | None:
    """A sender name on one line (a header never holds a line break), at most 100 characters."""
    name = " ".join((name or "").split())[:100]
    return name or None


def sender(message: EmailOutbox) -> str:
    """The From header: MAIL_FROM's address, with the message's ``from_name`` (the brand of the
    market it is about) as the display name when it has one."""
    configured = current_app.config["MAIL_FROM"]
    if not message.from_name:
        return configured
    _name, address = parseaddr(configured)
    return formataddr((message.from_name, address))


def _send_smtp(message: EmailOutbox) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = sender(message)
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


# ---- the Celery task (app/platform/tasks.py) --------------------------------------------------

@shared_task(name="platform.send_queued_emails", autoretry_for=(sa.exc.OperationalError, OSError),
             retry_backoff=5, retry_backoff_max=600, retry_jitter=True, max_retries=8)
def send_queued_emails(limit: int = 500) -> dict:
    """Deliver the due emails of the outbox (``deliver_pending``). Enqueued after a commit that
    queued an email (``send_soon``) and every minute by ``celery beat``; a lost database or mail
    connection retries the task with exponential back-off (5 s, 10 s, ... up to 10 min), while each
    message's own failed attempts are retried by the outbox (``RETRY_DELAYS``)."""
    report = deliver_pending(limit=limit)
    return {"sent": report.sent, "failed": report.failed, "given_up": report.given_up}


def send_soon() -> None:
    """After a commit that queued an email: deliver it now (no broker: in this process, as
    ``make run`` does) or have a worker deliver it (with a broker). Nothing without MAIL_SERVER."""
    if current_app.config.get("MAIL_SERVER"):
        enqueue(send_queued_emails)
