"""Background jobs of orders: the daily renewals, as a Celery task (app/platform/tasks.py).

``run_renewals`` is the job behind both ``flask billing renew`` and the task
``orders.renew_subscriptions`` that ``celery beat`` enqueues once a day (``RENEWALS_AT``). It
commits subscription by subscription; it is idempotent (``renew_subscription`` locks each
subscription and skips one that is held or no longer due; the database refuses a period billed
twice), so a second run, a retried task or two schedulers bill nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import shared_task
from flask import current_app

from app.db import utcnow
from app.errors import DomainError
from app.extensions import db
from app.orders.billing import RenewalReport, renew_subscription, renewal_candidates

log = logging.getLogger(__name__)


@dataclass
class RenewalRun:
    report: RenewalReport = field(default_factory=RenewalReport)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (subscription id, message)


def run_renewals(*, at: datetime | None = None, grace: timedelta | None = None) -> RenewalRun:
    """Renew every due subscription, one commit each; a subscription that cannot be renewed is
    rolled back and reported, and the others go on."""
    at = at or utcnow()
    if grace is None:
        grace = timedelta(days=current_app.config["BILLING_GRACE_DAYS"])
    run = RenewalRun()
    for subscription_id in renewal_candidates():
        try:
            done = renew_subscription(subscription_id, at=at, grace=grace)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            run.failures.append((subscription_id, exc.message))
            continue
        run.report.extend(done)
    return run


@shared_task(name="orders.renew_subscriptions")
def renew_subscriptions() -> dict:
    """The daily renewals (``celery beat``)."""
    run = run_renewals()
    for subscription_id, message in run.failures:
        log.warning("subscription %s not renewed: %s", subscription_id, message)
    return {"renewed": len(run.report.renewed), "ended": len(run.report.ended),
            "lapsed": len(run.report.lapsed), "failed": len(run.failures)}
