"""Celery without a broker (``make run``, the tests): tasks run at once in the process that
enqueues them; and what the dashboard shows while a worker still has a large batch to issue.
(Through a real broker and worker: tests/platform/test_celery_worker.py.)"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.giftcards import issuing
from app.giftcards.models import OrgGiftCard
from app.platform import tasks
from tests.staff.test_giftcards import DASH, _as, _issue, shop  # noqa: F401  (the shop fixture)

CODE = re.compile(r"<code data-code>([A-Z0-9-]+)</code>")


def test_without_a_broker_a_large_batch_is_issued_within_the_request(app, login, shop):  # noqa: F811
    assert app.extensions["celery"].conf.task_always_eager
    staff = _as(app, login, "gc-staff@example.com")

    response = _issue(staff, count=str(issuing.BACKGROUND_FROM), amount="5")
    page = staff.get(response.headers["Location"])

    assert page.status_code == 200
    assert len(set(CODE.findall(page.get_data(as_text=True)))) == issuing.BACKGROUND_FROM


def test_a_batch_a_worker_has_not_issued_yet_says_so_and_shows_the_codes_once_issued(app, login, shop,  # noqa: F811
                                                                                       monkeypatch):
    enqueued = []
    monkeypatch.setattr(issuing, "enqueue", lambda task, *args: enqueued.append((task, args)))
    staff = _as(app, login, "gc-staff@example.com")

    response = _issue(staff, count=str(issuing.BACKGROUND_FROM), amount="5")
    waiting = staff.get(response.headers["Location"])

    assert waiting.status_code == 200
    assert "2000 gift cards are being issued" in waiting.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgGiftCard)) == 0
        [(task, args)] = enqueued
        task.run(*args)  # what the worker does
    done = staff.get(response.headers["Location"])
    assert len(set(CODE.findall(done.get_data(as_text=True)))) == issuing.BACKGROUND_FROM


def test_a_broker_url_sends_tasks_to_workers_and_beat_schedules_registered_tasks():
    config = TestConfig()
    config.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # never contacted: nothing is enqueued
    app = create_app(config)
    celery = app.extensions["celery"]

    assert not celery.conf.task_always_eager
    assert celery.conf.broker_url == "redis://127.0.0.1:1/0"
    for module in tasks.TASK_MODULES:
        __import__(module)
    scheduled = {entry["task"] for entry in celery.conf.beat_schedule.values()}
    assert scheduled == {"platform.send_queued_emails", "orders.renew_subscriptions"}
    assert scheduled <= set(celery.tasks)


@pytest.mark.parametrize("value", ["25:00", "3", "noon", "03:60"])
def test_a_renewal_time_that_is_not_a_time_of_day_is_refused_at_start(value):
    config = TestConfig()
    config.RENEWALS_AT = value
    with pytest.raises(RuntimeError, match="RENEWALS_AT"):
        create_app(config)


def test_with_a_broker_a_task_that_reads_the_transaction_is_sent_only_once_it_commits(monkeypatch):
    config = TestConfig()
    config.CELERY_BROKER_URL = "memory://"
    app = create_app(config)
    task = app.extensions["celery"].tasks["platform.resize_image"]
    sent = []
    monkeypatch.setattr(task, "apply_async", lambda args, *more, **options: sent.append(args))
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        tasks.enqueue_after_commit(task, "committed")
        assert sent == []  # a worker would not find the row yet
        db.session.commit()
        assert sent == [("committed",)]
        db.session.execute(sa.text("SELECT 1"))
        tasks.enqueue_after_commit(task, "rolled back")
        db.session.rollback()
        db.session.execute(sa.text("SELECT 1"))
        db.session.commit()
        assert sent == [("committed",)]
