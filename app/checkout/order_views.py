"""The member's orders in a storefront: history, receipt (with live status), the test payment page."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import joinedload

from app.checkout.account_views import download_token, downloadable_items
from app.checkout.views import current_member
from app.checks import whole_or_none
from app.db import plain_rows, prebuilt
from app.errors import DomainError
from app.extensions import db
from app.orders import services as orders
from app.orders.models import OrgMemberOrder
from app.payments.providers import get_provider
from app.tax.models import OrgTaxRateSnapshot
from app.web.htmx import render
from app.web.labels import gettext

bp = Blueprint("orders", __name__, url_prefix="/account/orders")
# The orders were at /<org>/<market>/<locale>/orders/ before they joined the store's account pages:
# links from then (receipt emails, bookmarks, a payment provider's return address) are sent on.
moved_bp = Blueprint("orders_moved", __name__, url_prefix="/orders")
MAX_ORDER_PAGE = 10_000


@moved_bp.route("/", defaults={"rest": ""}, methods=["GET", "POST"])
@moved_bp.route("/<path:rest>", methods=["GET", "POST"])
def moved(rest: str):
    query = request.query_string.decode("latin-1")
    target = url_for("store.orders.index") + rest + (f"?{query}" if query else "")
    return redirect(target, 308)


def _member():
    member = current_member()  # shared with the header's cart badge: one lookup per request
    if member is None:
        abort(404)
    return member


def _order(number: str, *, lock: bool = False) -> OrgMemberOrder:
    """The signed-in member's order in this org; anyone else's is a 404. ``lock``: loaded under
    the row lock paying or cancelling it takes (one statement instead of a load and a reload)."""
    if lock:
        order = orders.member_order_for_update(g.storefront.org_id, _member().id, number)
    else:
        order = db.session.execute(
            sa.select(OrgMemberOrder)
            .where(OrgMemberOrder.org_id == g.storefront.org_id, OrgMemberOrder.order_number == number,
                   OrgMemberOrder.member_id == _member().id)
            .options(joinedload(OrgMemberOrder.items))
        ).unique().scalar_one_or_none()
    if order is None:
        abort(404)
    return order


@prebuilt
def _payable_order() -> sa.Select:
    """What the test payment page shows and checks of the member's order (bound: org_id,
    member_id, number)."""
    return sa.select(
        OrgMemberOrder.order_number, OrgMemberOrder.status, OrgMemberOrder.payment_provider,
        OrgMemberOrder.amount_due, OrgMemberOrder.currency_code,
    ).where(OrgMemberOrder.org_id == sa.bindparam("org_id"), OrgMemberOrder.order_number == sa.bindparam("number"),
            OrgMemberOrder.member_id == sa.bindparam("member_id"))


def _tax_by_rate(order: OrgMemberOrder) -> list[tuple[str, Decimal]]:
    snapshots = db.session.scalars(
        sa.select(OrgTaxRateSnapshot).where(OrgTaxRateSnapshot.order_id == order.id,
                                            OrgTaxRateSnapshot.org_id == order.org_id)
    ).all()
    items = {item.id: item for item in order.items}
    totals: OrderedDict[str, Decimal] = OrderedDict()
    for snap in snapshots:
        data = snap.snapshot_data or {}
        label = data.get("name") or _("Tax")
        item = items.get(snap.order_item_id)
        totals[label] = totals.get(label, Decimal(0)) + (item.tax_amount if item else Decimal(0))
    return list(totals.items())


@bp.get("/")
@login_required
def index():
    page = whole_or_none(request.args.get("page"), minimum=1, maximum=MAX_ORDER_PAGE) or 1
    listing = orders.member_orders(current_member(), page)
    return render("orders/list.html", orders=listing.orders, listing=listing)


@bp.get("/<number>")
@login_required
def detail(number: str):
    order = _order(number)
    downloads = [
        (item, name, url_for("store.member_account.download", token=download_token(item, order.member_id)))
        for item, name in downloadable_items(order.member, order=order)
    ] if order.status in ("paid", "fulfilled") else []
    return render("orders/detail.html", order=order, tax_by_rate=_tax_by_rate(order), downloads=downloads)


@bp.post("/<number>/pay-now")
@login_required
def pay_now(number: str):
    """Pay a pending order (e.g. a subscription renewal) with the provider it was placed with."""
    order = _order(number)
    if order.status != "pending" or order.amount_due <= 0:
        return redirect(url_for(".detail", number=number), 303)
    provider = get_provider("stripe" if order.payment_provider == "stripe" else "manual")
    try:
        result = provider.start_payment(
            order,
            success_url=url_for(".detail", number=number, _external=True),
            cancel_url=url_for(".detail", number=number, _external=True),
            manual_url=url_for(".pay", number=number),
        )
    except Exception:  # the provider is unreachable: say so, keep the order as it is
        current_app.logger.exception("starting the payment of order %s failed", number)
        flash(_("The payment service is not reachable right now. Please try again in a moment."), "error")
        return redirect(url_for(".detail", number=number), 303)
    if result.reference:
        order.provider_session_id = result.reference
        db.session.commit()
    return redirect(result.redirect_url, 303)


@bp.get("/<number>/status")
@login_required
def status(number: str):
    """The status line alone: the receipt polls it (htmx) until the payment is confirmed."""
    order = _order(number)
    return render("orders/detail.html", "orders/_status.html", order=order, tax_by_rate=[])


@bp.route("/<number>/pay", methods=["GET", "POST"])
@login_required
def pay(number: str):
    """The manual provider's test payment page: "pay" marks the order paid, "decline" cancels it."""
    if request.method == "GET":
        # The page shows the number and the amount due: those columns alone, no order entity.
        shown = plain_rows(db.session, _payable_order(), {
            "org_id": g.storefront.org_id, "member_id": _member().id, "number": number}).first()
        if shown is None:
            abort(404)
        if shown.payment_provider != "manual" or shown.status != "pending":
            return redirect(url_for(".detail", number=number))
        return render("orders/pay.html", order=shown)
    order = _order(number, lock=True)
    if order.payment_provider != "manual" or order.status != "pending":
        return redirect(url_for(".detail", number=number))
    outcome = request.form.get("outcome")
    try:
        if outcome == "pay":
            orders.mark_paid(order, provider="manual", reference=f"manual-{order.order_number}")
        elif outcome == "decline":
            orders.cancel_order(order)
        else:
            abort(400)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".detail", number=number), 303)
    db.session.commit()
    if outcome == "pay":
        flash(gettext("Payment received. Thank you!"), "success")  # (Flask-Babel's, without its lookups)
        return redirect(url_for(".detail", number=number), 303)
    flash(_("The payment was declined and the order cancelled. Your gift cards were not charged."), "error")
    return redirect(url_for("store.checkout.cart"), 303)
