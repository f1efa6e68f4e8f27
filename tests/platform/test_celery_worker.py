"""Background work through a real Redis broker and a real Celery worker process
(``celery -A app.celery_app worker``, started once per session): an email queued by the app is
delivered by the worker to a mail server, a large gift-card batch is issued by it, and the daily
renewals (what ``celery beat`` enqueues) renew a due subscription.

The worker and this process share a database of their own (a file SQLite database, or a fresh
PostgreSQL database on the PostgreSQL stage) and a queue of their own on the run's redis-server
(``TEST_REDIS_URL``, started by scripts/test.sh). Nothing sleeps: the tests poll with a deadline.
"""

from __future__ import annotations

import os
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import TestConfig
from app.db import utcnow
from app.entitlements.models import OrgMemberSubscription
from app.extensions import db
from app.giftcards import issuing
from app.giftcards.models import OrgGiftCard
from app.orders.tasks import renew_subscriptions
from app.platform import email
from app.platform.models import EmailOutbox
from app.platform.tasks import enqueue
from tests.conftest import build_schema
from tests.factories import make_employee, make_market, make_org
from tests.orders.test_billing import subscribe
from tests.orders.test_services import build_shop, plan

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0  # seconds to wait for the worker (its start-up included); typically 2-4 s


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib.send_message: records (recipients, message) per DATA."""

    def handle(self) -> None:
        recipients: list[str] = []
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b""
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    body += chunk
                self.server.received.append((recipients, body.decode("utf-8", "replace")))
                recipients = []
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL, RSET, NOOP
                self.wfile.write(b"250 OK\r\n")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received: list[tuple[list[str], str]] = []


def _database(tmp: Path):
    """(URL, drop) of a database of its own for the worker and this process."""
    admin_url = os.environ.get("VOLMIFY_PG_ADMIN_URL")
    if admin_url and sa.engine.make_url(TestConfig().SQLALCHEMY_DATABASE_URI).get_backend_name() == "postgresql":
        name = f"volmify_celery_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()

        return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop
    return f"sqlite:///{tmp / 'celery.sqlite3'}", lambda: None


@pytest.fixture(scope="session")
def celery_stack(tmp_path_factory):
    """An app whose tasks go through Redis to a real Celery worker process; yields (app, smtp)."""
    redis_url = os.environ["TEST_REDIS_URL"]
    tmp = tmp_path_factory.mktemp("celery")
    url, drop = _database(tmp)
    queue = f"volmify-test-{uuid.uuid4().hex[:8]}"  # of its own, whatever else uses the server
    smtp = _SMTPServer()
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.server_address[1]), "MAIL_USE_TLS": "0"}

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.CELERY_BROKER_URL = redis_url
    config.CELERY_OPTIONS = {"task_default_queue": queue}
    config.MAIL_SERVER, config.MAIL_PORT, config.MAIL_USE_TLS = "127.0.0.1", smtp.server_address[1], False
    app = create_app(config)
    build_schema(app)

    env = {**os.environ, **settings, "DATABASE_URL": url, "CELERY_BROKER_URL": redis_url,
           "VOLMIFY_ENV": "development", "SECRET_KEY": "celery-test", "EMAIL_TEST_DOMAINS": "1",
           "VOLMIFY_INSTANCE_DIR": str(tmp), "UPLOAD_FOLDER": str(tmp / "uploads"),
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    log = open(tmp / "worker.log", "w+")  # noqa: SIM115  (closed at teardown)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app.celery_app", "worker", "--pool=solo", "--concurrency=1",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-Q", queue, "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    app.worker_log = log
    try:
        yield app, smtp
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        smtp.shutdown()
        smtp.server_close()
        log.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def _wait_for(app, check, what: str):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        with app.app_context():
            value = check()
            db.session.remove()
        if value:
            return value
        time.sleep(0.05)  # polling interval, not a wait for a fixed time
    app.worker_log.seek(0)
    pytest.fail(f"the Celery worker did not {what} within {DEADLINE:.0f} s; its log:\n{app.worker_log.read()}")


def test_a_queued_email_is_delivered_by_the_celery_worker(celery_stack):
    app, smtp = celery_stack
    with app.app_context():
        message = email.queue_email("reader@example.com", "Your receipt", "Thank you for your order.", kind="test")
        message_id = message.id
        db.session.commit()
        email.send_soon()  # a broker is configured: only published to Redis
        db.session.remove()

    sent = _wait_for(app, lambda: db.session.get(EmailOutbox, message_id).status == "sent", "send the email")

    assert sent
    [(recipients, body)] = [item for item in smtp.received if item[0] == ["reader@example.com"]]
    assert "Subject: Your receipt" in body and "Thank you for your order." in body
    with app.app_context():
        assert db.session.get(EmailOutbox, message_id).attempts == 1


def test_a_large_gift_card_batch_is_issued_by_the_celery_worker(celery_stack):
    app, _smtp = celery_stack
    with app.app_context():
        org = make_org()
        make_market(org, currency_code="EUR")
        admin = make_employee(org, role="admin")
        db.session.commit()
        org_id, admin_id = org.id, admin.id
        batch = issuing.start_issue(org, count=issuing.BACKGROUND_FROM, amount="5", currency_code="EUR", by=admin)
        db.session.commit()
        db.session.remove()
    assert batch.pending  # the request only checked the input and enqueued the job

    def issued() -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(OrgGiftCard)
                                 .where(OrgGiftCard.org_id == org_id, OrgGiftCard.batch_id == batch.batch_id))

    assert _wait_for(app, lambda: issued() == issuing.BACKGROUND_FROM, "issue the batch")
    with app.app_context():
        codes = db.session.scalars(sa.select(OrgGiftCard.code).where(OrgGiftCard.batch_id == batch.batch_id)).all()
        assert len(set(codes)) == issuing.BACKGROUND_FROM
        # The same message delivered again (a worker lost mid-task) issues nothing twice.
        assert issuing.issue_batch.run(org_id, admin_id, batch.batch_id, issuing.BACKGROUND_FROM, "5.00", "EUR",
                                       None, None, None) == 0


def test_the_daily_renewals_run_on_the_worker(celery_stack):
    app, _smtp = celery_stack
    with app.app_context():
        shop = build_shop()
        subscription = subscribe(shop, plan(shop, type="subscription", price="11.90"))
        ended = utcnow() - timedelta(minutes=5)  # its period is over: due for renewal
        subscription.current_period_start, subscription.current_period_end = ended - timedelta(days=30), ended
        db.session.commit()
        subscription_id = subscription.id
        enqueue(renew_subscriptions)  # what `celery beat` sends once a day
        db.session.remove()

    def renewed() -> bool:
        return db.session.get(OrgMemberSubscription, subscription_id).current_period_end > ended + timedelta(days=1)

    assert _wait_for(app, renewed, "renew the subscription")
