"""Command-line entry points: ``flask --app wsgi seed reference|demo|info`` and friends."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db

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
    """Renew due subscriptions, end the ones cancelled at period end, lapse declined/unpaid ones."""
    from app.orders.billing import renew_due

    grace = current_app.config["BILLING_GRACE_DAYS"] if grace_days is None else grace_days
    report = renew_due(grace_days=grace)
    db.session.commit()
    for order in report.renewed:
        click.echo(f"renewal order {order.order_number}: {order.amount_due} {order.currency_code} ({order.status})")
    for subscription in report.ended:
        click.echo(f"ended (cancelled at period end): subscription {subscription.id}")
    for subscription in report.lapsed:
        click.echo(f"lapsed (renewal declined or unpaid): subscription {subscription.id}")
    click.echo(f"{len(report.renewed)} renewal orders, {len(report.ended)} ended, {len(report.lapsed)} lapsed.")


@billing.command("record-usage")
@click.argument("org_slug")
@click.argument("email")
@click.argument("product_slug")
@click.argument("quantity")
@click.option("--note", default=None, help="What the usage was for (shown on the member's subscription page).")
def billing_record_usage(org_slug: str, email: str, product_slug: str, quantity: str, note: str | None):
    """Record QUANTITY units used by the member EMAIL on their usage-based plan of PRODUCT_SLUG."""
    from app.errors import DomainError
    from app.orders.billing import find_usage_subscription, record_usage

    try:
        subscription = find_usage_subscription(org_slug, email, product_slug)
        record = record_usage(subscription, quantity, note=note)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Recorded {record.quantity.normalize():f} for subscription {subscription.id}.")


def register(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(billing)
