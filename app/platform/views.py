"""Platform pages: health checks, the benchmark baseline, brand stylesheets, the development outbox."""

from __future__ import annotations

import ipaddress
import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    send_from_directory,
)
from sqlalchemy import text

from app.extensions import db
from app.platform import images
from app.platform.models import EmailOutbox
from app.platform.storage import check_key, storage
from app.web import cache

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


@bp.get("/favicon.ico")
def favicon():
    """The icon browsers ask for at the site root of every host (the pages also link the SVG one)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


MEDIA_TYPES = {".webp": "image/webp"}


@bp.get(images.MEDIA_PREFIX + "<path:name>")
def media(name: str):
    """A public stored file (``public/<name>``): content-hashed names, so cached for a year as
    immutable. Only the stored image renditions are served; anything else is 404."""
    key = f"public/{name}"
    try:
        check_key(key)
    except ValueError:
        abort(404)
    mimetype = MEDIA_TYPES.get(name[name.rfind("."):].lower()) if "." in name else None
    store = storage()
    if mimetype is None or not name.startswith("images/") or not store.exists(key):
        abort(404)
    path = store.local_path(key)
    response = send_file(path, mimetype=mimetype, conditional=True, etag=True) if path else \
        send_file(store.open(key), mimetype=mimetype, conditional=True, etag=name)
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_template_global()
def product_cover(product_id: str) -> images.ImageView | None:
    """A product's cover for pages that show one product (the course player's header); read cache."""
    return cache.cached(("product-cover", product_id),
                        lambda: images.images_for("product_id", [product_id]).get(product_id))


# ``im.cover(...)``, ``im.avatar(...)``, ``im.placeholder(...)``, ``im.picture(...)`` in every template.
bp.add_app_template_global(images.markup, "im")


@bp.app_template_global()
def placeholder_colour(name: str | None) -> str:
    return images.placeholder_colour(name)


@bp.app_template_global()
def name_initials(name: str | None) -> str:
    return images.initials(name)


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
