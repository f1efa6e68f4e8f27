"""Command-line entry points: ``flask --app wsgi seed reference|demo|info`` and friends."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.accounting import ledger
from app.catalog import listing
from app.errors import DomainError
from app.extensions import db
from app.orders.tasks import run_renewals
from app.orgs.services import get_org_by_slug
from app.platform.email import deliver_pending

seed = AppGroup("seed", help="Load reference or demo data.")


@seed.command("reference")
def seed_reference():
    """Locales, currencies and countries (idempotent)."""
    from app.platform.reference import load_reference_data

    load_reference_data()
    db.session.commit()
    click.echo("Reference data loaded.")


@seed.command("demo")
@click.option("--force", is_flag=True, help="Load even when the database already has organizations.")
def seed_demo(force: bool):
    """Demo organizations, markets, catalog, people and orders. Loads only into an empty database."""
    from app.demo import database_is_empty, load_demo

    if not force and not database_is_empty():
        click.echo("Demo data not loaded: the database already has organizations.")
        return
    if not current_app.config.get("EMAIL_TEST_DOMAINS"):
        raise click.ClickException("The demo accounts use the reserved .test email domain: set EMAIL_TEST_DOMAINS=1 "
                                   "to load and use them (it is off in production).")
    load_demo()
    db.session.commit()
    click.echo("Demo data loaded.")


@seed.command("info")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def seed_info(host: str, port: int):
    """Print the demo storefront URLs and logins."""
    from app.demo import demo_summary

    base = f"http://{host}:{port}"
    urls, logins = demo_summary(base)
    click.echo("")
    click.echo("Volmify is starting at " + base + "/")
    click.echo("Demo storefronts:")
    for label, url in urls:
        click.echo(f"  {label:<28} {url}")
    click.echo("Demo logins (password: " + current_app.config["DEMO_PASSWORD"] + "):")
    for role, email in logins:
        click.echo(f"  {role:<28} {email}")
    click.echo("Email outbox (development): " + base + "/dev/outbox")
    click.echo("")


billing = AppGroup("billing", help="Recurring billing: renewals and metered usage.")


@billing.command("renew")
@click.option("--grace-days", default=None, type=click.IntRange(0, 365),
              help="Days a renewal may stay unpaid before the subscription lapses (default BILLING_GRACE_DAYS).")
def billing_renew(grace_days: int | None):
    """Renew due subscriptions, end the ones cancelled at period end, lapse declined/unpaid ones.

    Safe to run on several hosts at once: each subscription is locked while it is handled and
    committed on its own, so a period is billed once and one failure does not stop the others.
    With Celery, ``celery beat`` runs the same job daily (app/orders/tasks.py)."""
    grace = None if grace_days is None else timedelta(days=grace_days)
    run = run_renewals(grace=grace)
    for subscription_id, message in run.failures:
        click.echo(f"subscription {subscription_id} not renewed: {message}", err=True)
    report, failed = run.report, len(run.failures)
    for order in report.renewed:
        click.echo(f"renewal order {order.order_number}: {order.amount_due} {order.currency_code} ({order.status})")
    for subscription in report.ended:
        click.echo(f"ended (cancelled at period end): subscription {subscription.id}")
    for subscription in report.lapsed:
        click.echo(f"lapsed (renewal declined or unpaid): subscription {subscription.id}")
    click.echo(f"{len(report.renewed)} renewal orders, {len(report.ended)} ended, {len(report.lapsed)} lapsed.")
    if failed:
        raise click.ClickException(f"{failed} subscriptions could not be renewed (see above).")


@billing.command("record-usage")
@click.argument("org_slug")
@click.argument("email")
@click.argument("product_slug")
@click.argument("quantity")
@click.option("--note", default=None, help="What the usage was for (shown on the member's subscription page).")
def billing_record_usage(org_slug: str, email: str, product_slug: str, quantity: str, note: str | None):
    """Record QUANTITY units used by the member EMAIL on their usage-based plan of PRODUCT_SLUG."""
    from app.orders.billing import find_usage_subscription, record_usage

    try:
        subscription = find_usage_subscription(org_slug, email, product_slug)
        record = record_usage(subscription, quantity, note=note)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Recorded {record.quantity.normalize():f} for subscription {subscription.id}.")


outbox = AppGroup("outbox", help="The email outbox.")


@outbox.command("send")
@click.option("--limit", default=500, type=click.IntRange(1, 100000), help="Send at most this many emails.")
def outbox_send(limit: int):
    """Send queued emails through SMTP (MAIL_SERVER). Run it every minute from a scheduler; several
    senders at once never send a message twice. A failed email is retried later (1 min, 5 min,
    30 min, 2 h, 12 h), then marked failed for good."""
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set: queued emails stay in the outbox.")
    report = deliver_pending(limit=limit)
    click.echo(f"{report.sent} sent, {report.failed} failed.")
    if report.failed:
        click.echo(f"{report.retrying} will be retried later, {report.given_up} failed for good.")


ledger_cli = AppGroup("ledger", help="The double-entry ledger.")


@ledger_cli.command("check")
@click.option("--org", "org_slug", default=None, help="Check one org (its slug); default: every org.")
def ledger_check(org_slug: str | None):
    """Verify the books: every journal entry balances, every account's balance equals the sum of
    its lines, and the trial balance is zero per org and currency. Exits 1 on any problem."""
    org_id = None
    if org_slug:
        org = get_org_by_slug(org_slug)
        if org is None:
            raise click.ClickException(f"No org {org_slug!r}.")
        org_id = org.id
    problems = ledger.check(org_id)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    totals = ledger.trial_balance(org_id)
    click.echo(f"The ledger balances: {len(totals)} org/currency book(s), trial balance zero in each.")


catalog_cli = AppGroup("catalog", help="The storefront catalog's derived read models.")


@catalog_cli.command("reindex")
def catalog_reindex():
    """Rewrite every product's "from" prices per market and its search documents from the catalog.
    They follow every write made through the application by themselves; run this after loading
    catalog rows with plain SQL (a bulk import, scripts/bench_dataset.py)."""
    listing.rebuild(db.session.connection())
    db.session.commit()
    click.echo("Rebuilt the price summary and the search documents.")


def register(app: Flask) -> None:
    app.cli.add_command(catalog_cli)
    app.cli.add_command(seed)
    app.cli.add_command(billing)
    app.cli.add_command(outbox)
    app.cli.add_command(ledger_cli)
