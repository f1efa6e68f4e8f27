"""The member's account in a storefront, beyond orders (blueprint ``member_account``, beside the
platform-wide ``accounts``): subscriptions (cancel at period end, resume, usage so far) and
digital downloads (signed links that expire, refused once the access ended)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from app.catalog import media
from app.catalog.models import OrgProductVariant, OrgProductVariantPaymentPlan
from app.db import utcnow
from app.entitlements.models import OrgMemberProductAccess, OrgMemberSubscription
from app.entitlements.services import access_is_active, with_subscription
from app.errors import DomainError
from app.extensions import db
from app.orders import billing
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.orgs.services import get_member
from app.payments.providers import get_provider
from app.platform.storage import storage
from app.web.htmx import render

bp = Blueprint("member_account", __name__, url_prefix="/account")

_DOWNLOAD_SALT = "volmify.download"


def _member():
    member = get_member(g.storefront.org_id, current_user)
    if member is None:
        abort(404)
    return member


# ---- subscriptions ---------------------------------------------------------------------------

def _subscriptions(member) -> list[OrgMemberSubscription]:
    return list(db.session.scalars(
        sa.select(OrgMemberSubscription)
        .where(OrgMemberSubscription.org_id == g.storefront.org_id, OrgMemberSubscription.member_id == member.id)
        .options(selectinload(OrgMemberSubscription.product),
                 selectinload(OrgMemberSubscription.plan).selectinload(OrgProductVariantPaymentPlan.subscription),
                 selectinload(OrgMemberSubscription.plan).selectinload(OrgProductVariantPaymentPlan.usage_based))
        .order_by(OrgMemberSubscription.created_at.desc())
        .limit(200)
    ))


@bp.get("/subscriptions")
@login_required
def subscriptions():
    member = get_member(g.storefront.org_id, current_user)
    rows = _subscriptions(member) if member is not None else []
    return render("orders/subscriptions.html", subscriptions=rows, usage=billing.open_usage_by_subscription(g.storefront.org_id, rows), now=utcnow())


def _change(subscription_id: str, cancel: bool):
    member = _member()
    try:
        subscription = billing.member_subscription(g.storefront.org_id, member, subscription_id)
        if cancel:
            billing.cancel_at_period_end(subscription)
        else:
            billing.resume(subscription)
        # Tell the provider before committing: if Stripe refuses, nothing changes here either.
        get_provider(subscription.provider).set_cancel_at_period_end(subscription, cancel)
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code == 404:
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for(".subscriptions"), 303)
    except Exception:  # the payment provider refused or is unreachable: change nothing
        db.session.rollback()
        current_app.logger.exception("changing subscription %s at the provider failed", subscription_id)
        flash(_("The payment service is not reachable right now. Please try again in a moment."), "error")
        return redirect(url_for(".subscriptions"), 303)
    db.session.commit()
    if cancel:
        flash(_("Your subscription will end on %(date)s. You keep access until then.",
                date=_format_date(subscription.current_period_end)), "success")
    else:
        flash(_("Your subscription continues and renews as before."), "success")
    return redirect(url_for(".subscriptions"), 303)


def _format_date(value) -> str:
    return format_date(value, "long")


@bp.post("/subscriptions/<subscription_id>/cancel")
@login_required
def cancel_subscription(subscription_id: str):
    return _change(subscription_id, cancel=True)


@bp.post("/subscriptions/<subscription_id>/resume")
@login_required
def resume_subscription(subscription_id: str):
    return _change(subscription_id, cancel=False)


# ---- downloads -------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_DOWNLOAD_SALT)


def download_token(item: OrgMemberOrderItem, member_id: str) -> str:
    return _serializer().dumps({"i": item.id, "m": member_id})


def downloadable_items(member, *, order: OrgMemberOrder | None = None) -> list[tuple[OrgMemberOrderItem, str]]:
    """(item, file name) for the member's digital downloads whose access is still valid."""
    access = OrgMemberProductAccess
    query = (
        with_subscription(
            sa.select(OrgMemberOrderItem, OrgProductVariant.download_url)
            .join(access, access.order_item_id == OrgMemberOrderItem.id)
        )
        .join(OrgProductVariant, OrgProductVariant.id == OrgMemberOrderItem.variant_id)
        .where(access.org_id == g.storefront.org_id, access.member_id == member.id, access_is_active(utcnow()),
               OrgMemberOrderItem.status == "active", OrgProductVariant.download_url.is_not(None))
        .order_by(OrgMemberOrderItem.created_at.desc())
        .limit(500)
    )
    if order is not None:
        query = query.where(OrgMemberOrderItem.order_id == order.id)
    return [(item, url.rsplit("/", 1)[-1] or url) for item, url in db.session.execute(query).tuples().all()]


@bp.get("/downloads")
@login_required
def downloads():
    member = get_member(g.storefront.org_id, current_user)
    items = downloadable_items(member) if member is not None else []
    links = [(item, name, url_for(".download", token=download_token(item, member.id))) for item, name in items]
    return render("orders/downloads.html", links=links,
                  minutes=current_app.config["DOWNLOAD_LINK_SECONDS"] // 60)


def _send_stored(key: str):
    """A file from private storage, always as an attachment, never cached by shared caches."""
    store = storage()
    if not store.exists(key):
        abort(404)
    path = store.local_path(key)
    response = send_file(path if path is not None else store.open(key), as_attachment=True,
                         download_name=media.file_name(key), mimetype="application/octet-stream")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/downloads/<token>")
@login_required
def download(token: str):
    """A signed download link: valid for DOWNLOAD_LINK_SECONDS, only for the member it was made
    for, only while their access lasts (a refund ends it)."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["DOWNLOAD_LINK_SECONDS"])
    except SignatureExpired:
        flash(_("This download link has expired. Here is a fresh one."), "error")
        return redirect(url_for(".downloads"), 303)
    except BadSignature:
        abort(404)
    member = _member()
    if not isinstance(data, dict) or data.get("m") != member.id:
        abort(404)
    for item, _name in downloadable_items(member):
        if item.id == data.get("i"):
            variant = db.session.get(OrgProductVariant, item.variant_id)
            if media.is_stored_file(variant.download_url):
                return _send_stored(variant.download_url)
            return redirect(variant.download_url, 302)
    abort(403)
