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


def register(app: Flask) -> None:
    app.cli.add_command(seed)
