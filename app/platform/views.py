"""Platform pages: health checks, the benchmark baseline, brand stylesheets, the development outbox."""

from __future__ import annotations

import ipaddress
import re

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from sqlalchemy import text

from app.extensions import db
from app.platform.models import EmailOutbox

bp = Blueprint("platform", __name__)

_LINK = re.compile(r"https?://\S+")
_HEX_COLOR = re.compile(r"[0-9a-f]{6}")


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok", database="ok")


@bp.get("/ping")
def ping():
    """A trivial route with no database work: the baseline for `make bench`."""
    return "ok", 200, {"Content-Type": "text/plain"}


def _from_loopback() -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return (mapped or address).is_loopback


@bp.get("/brand/<color>.css")
def brand_css(color: str):
    """A market's brand colour as a stylesheet (the CSP allows no inline styles). The URL holds the
    colour, so the answer never changes and caches for a year."""
    if not _HEX_COLOR.fullmatch(color):
        abort(404)
    response = Response(f":root {{ --brand: #{color}; }}\n", mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    return response


@bp.get("/dev/outbox")
def outbox():
    """Everyone's verification and reset links: only outside production (DEV_PAGES is off there)
    and only to a browser on this machine."""
    if not current_app.config.get("DEV_PAGES") or not _from_loopback():
        abort(404)
    messages = db.session.scalars(
        db.select(EmailOutbox).order_by(EmailOutbox.created_at.desc()).limit(100)
    ).all()
    rows = [(m, _LINK.findall(m.body_text or "")) for m in messages]
    return render_template("platform/outbox.html", rows=rows)
