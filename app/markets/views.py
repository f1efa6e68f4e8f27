"""Market entry points: the platform home page listing the storefronts (or, on a market domain, that
market), bare market URLs (locale chosen by the hierarchy) and language switching."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.services import set_locale_preference
from app.extensions import db
from app.markets.header_html import page_in_locale
from app.markets.services import list_public_storefronts
from app.markets.storefront import Storefront, storefront_for, storefront_for_host
from app.markets.urls import visitor_context

bp = Blueprint("markets", __name__)
store_bp = Blueprint("market", __name__)


def _enter(storefront: Storefront):
    g.storefront = storefront
    g.on_market_domain = storefront is not None and request.host.split(":")[0] == storefront.primary_host
    locale = storefront.choose_locale(visitor_context())
    g.locale = locale
    return redirect(url_for("store.catalog.index", locale=locale), 302)


@bp.get("/")
def index():
    storefront = storefront_for_host(request.host)
    if storefront is not None:  # a market domain: its storefront, in the visitor's locale
        return enter_domain(storefront)
    return render_template("markets/index.html", storefronts=list_public_storefronts())


@bp.get("/<org_slug>/<market_slug>/")
def enter(org_slug: str, market_slug: str):
    storefront = storefront_for(org_slug, market_slug)
    if storefront is None:
        abort(404)
    return _enter(storefront)


def enter_domain(storefront: Storefront):
    """``/`` on a market domain."""
    g.on_market_domain = True
    return _enter(storefront)


@store_bp.post("/language")
def switch_language():
    """The language switcher: keep the page, change the locale, remember it for a logged-in user."""
    storefront = g.storefront
    target = request.form.get("to", "")
    if target not in storefront.locales:
        abort(400)
    if current_user.is_authenticated:
        set_locale_preference(current_user, target, is_default=True)
        db.session.commit()
    return redirect(page_in_locale(request.form.get("next", ""), target), 303)
