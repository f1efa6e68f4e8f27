"""Background work on Celery, with Redis as the broker (the one integration module).

Feature packages define their tasks with ``celery.shared_task`` next to the code they run (email
delivery in app/platform/email.py, image renditions in app/platform/images.py, bulk gift cards in
app/giftcards/issuing.py, renewals in app/orders/tasks.py, large CSV exports in app/staff/exports.py) and enqueue them with ``enqueue(task, ...)``; they never import the Celery app.
``init_celery`` (called by ``create_app``) builds that app from the Flask config:

- ``CELERY_BROKER_URL`` (default: ``REDIS_URL``) set: tasks go through the broker to the
  ``celery -A app.celery_app worker`` processes, and ``celery -A app.celery_app beat`` enqueues the
  periodic ones (``BEAT_SCHEDULE``).
- unset (``make run``, the tests): ``task_always_eager``: ``.delay()`` runs the task at once, in
  the calling process and its app context, so one machine needs nothing but Python.

Every task runs inside an app context (``FlaskTask``); in eager mode it reuses the caller's, so a
task enqueued by a view runs with the view's database session (enqueue after the commit). Tasks
must be idempotent: a worker that dies mid-task has the message delivered again
(``task_acks_late``).
"""

from __future__ import annotations

import sqlalchemy as sa
from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app, has_app_context

from app.extensions import db

# The modules whose tasks a worker registers (imported by the worker, by name: no import here).
TASK_MODULES = ("app.platform.email", "app.platform.images", "app.giftcards.issuing", "app.orders.tasks",
                "app.staff.exports")


def beat_schedule(config) -> dict:
    """The periodic tasks ``celery beat`` enqueues (one scheduler process per deployment)."""
    at = str(config.get("RENEWALS_AT") or "03:00").strip()
    hour, _, minute = at.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise RuntimeError(f"RENEWALS_AT={at!r}: expected a time of day as HH:MM (UTC), e.g. 03:00")
    return {
        # The outbox's sweep: emails queued by any page, and failed attempts whose retry is due.
        "send-queued-emails": {"task": "platform.send_queued_emails", "schedule": 60.0},
        # Daily renewals (was the `flask billing renew` cron line): idempotent, so a second run
        # (two schedulers by mistake, a retry) bills nothing twice.
        "renew-subscriptions": {"task": "orders.renew_subscriptions",
                                "schedule": crontab(hour=int(hour), minute=int(minute))},
    }


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if has_app_context():  # eager: the caller's context (and session)
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL")
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker or "memory://",
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        timezone="UTC",
        include=list(TASK_MODULES),
        beat_schedule=beat_schedule(app.config),
        **app.config.get("CELERY_OPTIONS", {}),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    for name, fn in (("after_commit", _publish_after_commit), ("after_soft_rollback", _drop_after_rollback)):
        if not sa.event.contains(sa.orm.Session, name, fn):
            sa.event.listen(sa.orm.Session, name, fn)
    return celery


def celery_of_app() -> Celery:
    """The Celery app of the current Flask app."""
    return current_app.extensions["celery"]


def enqueue(task: Task, *args, **kwargs):
    """``task.delay(*args, **kwargs)`` through the current Flask app's Celery (its broker, or at
    once in this process when it has none). Use it rather than ``task.delay``: a ``shared_task``
    resolves to the Celery app created last, which is another app's when a process holds several
    (the tests)."""
    return celery_of_app().tasks[task.name].apply_async(args, kwargs)


_AFTER_COMMIT = "volmify_enqueue_after_commit"


def enqueue_after_commit(task: Task, *args) -> None:
    """``enqueue`` once the current transaction commits (dropped if it rolls back), for a task that
    reads what the transaction writes. Without a broker it runs at once, in this transaction."""
    if is_eager():
        enqueue(task, *args)
        return
    db.session.info.setdefault(_AFTER_COMMIT, []).append((celery_of_app(), task.name, args))


def _publish_after_commit(session) -> None:
    for celery, name, args in session.info.pop(_AFTER_COMMIT, []):
        celery.tasks[name].apply_async(args)  # only a message to the broker: no SQL here


def _drop_after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def is_eager() -> bool:
    """True when tasks run in-process (no broker configured)."""
    return bool(celery_of_app().conf.task_always_eager)
