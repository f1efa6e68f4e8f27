"""Platform pages: the home page listing storefronts, health checks, the development outbox."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from sqlalchemy import text

from app.extensions import db
from app.platform.models import EmailOutbox

bp = Blueprint("platform", __name__)

_LINK = re.compile(r"https?://\S+")


@bp.get("/")
def index():
    from app.markets.services import list_public_storefronts
    from app.markets.storefront import storefront_for_host
    from app.markets.views import enter_domain

    storefront = storefront_for_host(request.host)
    if storefront is not None:  # a market domain: its storefront, in the visitor's locale
        return enter_domain(storefront)
    return render_template("platform/index.html", storefronts=list_public_storefronts())


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok", database="ok")


@bp.get("/ping")
def ping():
    """A trivial route with no database work: the baseline for `make bench`."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/dev/outbox")
def outbox():
    if not current_app.config.get("DEV_PAGES"):
        abort(404)
    messages = db.session.scalars(
        db.select(EmailOutbox).order_by(EmailOutbox.created_at.desc()).limit(100)
    ).all()
    rows = [(m, _LINK.findall(m.body_text or "")) for m in messages]
    return render_template("platform/outbox.html", rows=rows)
