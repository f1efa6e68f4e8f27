"""The email outbox: `flask outbox send` delivers without a page view, and concurrent senders
(workers, hosts) send each message once: a message is claimed (queued -> sending) before sending."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.platform import email
from app.platform.models import EmailOutbox
from tests.orders.test_concurrency import pg_app  # noqa: F401  (a fresh PostgreSQL database per test)


def _queue(n: int, prefix: str = "reader") -> list[str]:
    return [email.queue_email(f"{prefix}{i}@example.com", f"Hello {i}", "Body", kind="test").id for i in range(n)]


def _statuses(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(EmailOutbox.to_email, EmailOutbox.status)).tuples().all())


@pytest.fixture
def smtp(app, monkeypatch):
    """MAIL_SERVER set, and a mail server that records what it is given (``smtp.fail`` refuses)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.example.com")
    sent: list[str] = []
    fail: set[str] = set()

    def send(message: EmailOutbox) -> None:
        if message.to_email in fail:
            raise smtplib.SMTPRecipientsRefused({message.to_email: (550, b"no such mailbox")})
        sent.append(message.to_email)

    monkeypatch.setattr(email, "_send_smtp", send)
    send.sent, send.fail = sent, fail
    return send


def test_outbox_send_delivers_queued_emails_without_a_page_view(app, smtp):
    with app.app_context():
        _queue(3)
        db.session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert "3 sent, 0 failed." in result.output
    assert sorted(smtp.sent) == ["reader0@example.com", "reader1@example.com", "reader2@example.com"]
    assert set(_statuses(app).values()) == {"sent"}
    with app.app_context():
        assert all(m.sent_at is not None for m in db.session.scalars(sa.select(EmailOutbox)))
    again = runner.invoke(args=["outbox", "send"])
    assert "0 sent, 0 failed." in again.output and len(smtp.sent) == 3


def test_a_refused_email_is_retried_later_with_the_reason_and_the_rest_go_out(app, smtp):
    with app.app_context():
        _queue(3)
        db.session.commit()
    smtp.fail.add("reader1@example.com")

    result = app.test_cli_runner().invoke(args=["outbox", "send", "--limit", "10"])

    assert "2 sent, 1 failed." in result.output and "1 will be retried later, 0 failed for good." in result.output
    assert _statuses(app) == {"reader0@example.com": "sent", "reader1@example.com": "queued",
                              "reader2@example.com": "sent"}
    with app.app_context():
        refused = db.session.scalar(sa.select(EmailOutbox).where(EmailOutbox.to_email == "reader1@example.com"))
        assert "no such mailbox" in refused.error and refused.attempts == 1
        assert refused.next_attempt_at > utcnow() + timedelta(seconds=50)
    # Not due yet: the next run leaves it alone.
    again = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "0 sent, 0 failed." in again.output


# ---- retries with back-off ---------------------------------------------------------------------

class FlakyTransport:
    """A mail server that refuses the first ``failures`` attempts of every message, then accepts."""

    def __init__(self, failures: int):
        self.failures = failures
        self.tries: dict[str, int] = {}
        self.sent: list[str] = []

    def __call__(self, message: EmailOutbox) -> None:
        self.tries[message.id] = self.tries.get(message.id, 0) + 1
        if self.tries[message.id] <= self.failures:
            raise smtplib.SMTPServerDisconnected(f"try {self.tries[message.id]}: connection lost")
        self.sent.append(message.id)


def test_a_failing_email_is_retried_with_back_off_until_it_goes_out(db_session):
    (message_id,) = _queue(1)
    flaky = FlakyTransport(failures=2)
    start = utcnow()

    report = email.deliver_pending(transport=flaky, now=start)
    assert (report.sent, report.failed, report.given_up) == (0, 1, 0)
    message = db_session.get(EmailOutbox, message_id)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.next_attempt_at == start + timedelta(minutes=1) and "try 1" in message.error

    # Before it is due nothing is tried; at the time it is.
    assert email.deliver_pending(transport=flaky, now=start + timedelta(seconds=59)).failed == 0
    assert flaky.tries[message_id] == 1
    report = email.deliver_pending(transport=flaky, now=start + timedelta(minutes=1))
    assert report.failed == 1
    message = db_session.get(EmailOutbox, message_id)
    assert message.attempts == 2 and "try 2" in message.error
    assert message.next_attempt_at == start + timedelta(minutes=1) + timedelta(minutes=5)

    report = email.deliver_pending(transport=flaky, now=start + timedelta(minutes=6))
    assert (report.sent, report.failed) == (1, 0)
    message = db_session.get(EmailOutbox, message_id)
    assert (message.status, message.attempts) == ("sent", 3) and message.sent_at == start + timedelta(minutes=6)
    assert flaky.sent == [message_id]


def test_an_email_that_keeps_failing_is_failed_for_good_after_the_last_attempt(db_session):
    (message_id,) = _queue(1)
    flaky = FlakyTransport(failures=100)
    at = utcnow()
    waits = []
    for attempt in range(1, email.MAX_ATTEMPTS + 1):
        report = email.deliver_pending(transport=flaky, now=at)
        assert report.failed == 1
        message = db_session.get(EmailOutbox, message_id)
        assert message.attempts == attempt
        if attempt < email.MAX_ATTEMPTS:
            assert message.status == "queued" and report.given_up == 0
            waits.append(message.next_attempt_at - at)
            at = message.next_attempt_at
        else:
            assert message.status == "failed" and message.next_attempt_at is None and report.given_up == 1
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                     timedelta(hours=12)]
    # Failed for good: never tried again, however late.
    assert email.deliver_pending(transport=flaky, now=at + timedelta(days=30)).failed == 0
    assert flaky.tries[message_id] == email.MAX_ATTEMPTS

    # Retry now: one more attempt.
    email.retry_now(message)
    assert email.deliver_pending(transport=flaky, now=at).failed == 1
    message = db_session.get(EmailOutbox, message_id)
    assert message.status == "failed" and message.attempts == email.MAX_ATTEMPTS + 1


def test_outbox_send_stops_at_the_limit(app, smtp):
    with app.app_context():
        _queue(12)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--limit", "11"])
    assert "11 sent, 0 failed." in result.output
    assert sorted(_statuses(app).values()) == ["queued"] + ["sent"] * 11


def test_outbox_send_without_a_mail_server_says_so(app):
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code != 0 and "MAIL_SERVER is not set" in result.output


def test_a_claimed_message_is_not_claimed_again_until_its_claim_is_stale(db_session):
    first, second = _queue(2)
    assert sorted(m.id for m in email.claim_pending(10)) == sorted([first, second])
    assert {m.status for m in db_session.scalars(sa.select(EmailOutbox))} == {"sending"}
    assert email.claim_pending(10) == []  # another sender finds nothing to send

    # A sender died after claiming: after STALE_CLAIM the message is taken again.
    db_session.execute(sa.update(EmailOutbox).where(EmailOutbox.id == first)
                       .values(updated_at=utcnow() - email.STALE_CLAIM - timedelta(seconds=1)))
    assert [m.id for m in email.claim_pending(10)] == [first]


# ---- two senders at the same moment (PostgreSQL) ----------------------------------------------

MESSAGES = 25


@pytest.mark.postgres
def test_two_senders_at_once_send_each_message_once(pg_app, monkeypatch):  # noqa: F811
    pg_app.config["MAIL_SERVER"] = "mail.example.com"
    with pg_app.app_context():
        ids = _queue(MESSAGES)
        db.session.commit()
        db.session.remove()

    # Each sender waits at its first message until the other has one too (or has finished with
    # nothing to send), so both have read the outbox before either marks anything sent.
    gate = threading.Barrier(2, timeout=20)
    waited = threading.local()
    sent: list[str] = []
    lock = threading.Lock()

    def send(message: EmailOutbox) -> None:
        if not getattr(waited, "done", False):
            waited.done = True
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                pass
        with lock:
            sent.append(message.id)

    monkeypatch.setattr(email, "_send_smtp", send)
    errors: list[BaseException] = []

    def sender() -> None:
        with pg_app.app_context():
            try:
                email.deliver_pending(limit=100)
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()
                gate.abort()

    threads = [threading.Thread(target=sender) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sender hung (deadlock?)"
    assert errors == []
    assert sorted(sent) == sorted(ids)  # every message, once
    with pg_app.app_context():
        assert set(db.session.scalars(sa.select(EmailOutbox.status))) == {"sent"}
        db.session.remove()
