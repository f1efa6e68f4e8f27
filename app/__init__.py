"""Volmify: a multi-tenant creator-economy platform (Flask + htmx)."""

from __future__ import annotations

import logging
import warnings

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.catalog import listing
from app.config import Config, proxy_fix_options
from app.markets.urls import VolmifyFlask
from app.orgs import origin
from app.revenue import posting  # noqa: F401  (books revenue and journal entries on payments)
from app.revenue import services as revenue_rules  # noqa: F401  (ends a removed employee's attributions)
from app.web import cache, inputs, sqltiming
from app.web.security import init_security_headers
from app.web.session_cookie import SessionInterface, register_csrf_token


def create_app(config: object | None = None) -> Flask:
    """Application factory: config -> extensions -> input checks -> blueprints -> cli -> jinja. No database work."""
    app = VolmifyFlask(__name__, instance_relative_config=False)
    app.config.from_object(config if config is not None else Config())
    app.session_interface = SessionInterface()
    register_proxy_fix(app)
    origin.register(app)  # the client address the audit log records (app/orgs/origin.py)
    register_extensions(app)
    register_input_checks(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_jinja(app)
    register_tasks(app)
    cache.clear_on_storefront_commits()
    sqltiming.register(app)  # BENCH_SQL_TIMING=1 only
    listing.install()  # "from" prices and search documents follow every catalog write
    return app


def register_tasks(app: Flask) -> None:
    """Celery (app/platform/tasks.py): a broker from CELERY_BROKER_URL/REDIS_URL, else eager."""
    from app.platform.tasks import init_celery

    init_celery(app)


def register_proxy_fix(app: Flask) -> None:
    """Behind reverse proxies (``PROXY_FIX``): take the client's address, scheme and host from the
    X-Forwarded-* headers the trusted proxies set, so rate limits key on the client."""
    options = proxy_fix_options(app.config.get("PROXY_FIX"))
    if options:
        app.wsgi_app = ProxyFix(app.wsgi_app, **options)


def register_extensions(app: Flask) -> None:
    from sqlalchemy import exc as sa_exc

    from app import models  # noqa: F401  (every table registered before the first query)
    from app.accounts.i18n import select_locale, select_timezone
    from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

    warnings.filterwarnings("ignore", category=sa_exc.SAWarning, message=".*Decimal objects natively.*")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _migrations_dir())),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    register_csrf_token(app)
    htmx.init_app(app)
    limiter.init_app(app)
    init_security_headers(app)

    from app.db import configure_engines

    with app.app_context():
        configure_engines(db)
    logging.getLogger("stripe").setLevel(logging.WARNING)


def register_input_checks(app: Flask) -> None:
    """Refuse text no database can store (NUL) at the edge, with a 400 page (app/web/inputs.py)."""
    inputs.register(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.accounts.views import store_bp as store_auth_bp
    from app.catalog.creators import bp as creators_bp
    from app.catalog.sitemaps import bp as sitemaps_bp
    from app.catalog.views import bp as catalog_bp
    from app.checkout.account_views import bp as member_account_bp
    from app.checkout.order_views import bp as orders_bp
    from app.checkout.order_views import moved_bp as moved_orders_bp
    from app.checkout.views import bp as checkout_bp
    from app.learn.assessment_views import bp as learn_assess_bp
    from app.learn.views import bp as learn_bp
    from app.learn.views import certificates_bp
    from app.markets import urls as storefront
    from app.markets.views import bp as markets_bp
    from app.markets.views import store_bp as market_store_bp
    from app.orgs.profile_views import bp as professional_bp
    from app.orgs.views import bp as orgs_bp
    from app.payments.webhooks import bp as webhooks_bp
    from app.platform.views import bp as platform_bp
    from app.staff.views import bp as staff_bp

    app.register_blueprint(platform_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(creators_bp)
    app.register_blueprint(markets_bp)
    app.register_blueprint(sitemaps_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(professional_bp)
    app.register_blueprint(staff_bp)
    # Storefront pages nest under /<org>/<market>/<locale> (and /<locale> on a market domain).
    storefront.register(app, [catalog_bp, checkout_bp, orders_bp, member_account_bp, market_store_bp, learn_bp,
                              learn_assess_bp, store_auth_bp, moved_orders_bp])


def register_errorhandlers(app: Flask) -> None:
    from app.web.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


def register_jinja(app: Flask) -> None:
    from app.web.jinja import register

    register(app)
