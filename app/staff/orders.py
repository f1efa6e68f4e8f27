"""Orders (``/dashboard/<org>/orders``): the list (app/web/tables.py) with filters by status,
market, currency, date, product and member, search and CSV; an order's page with its lines, tax
snapshots, discount, gift cards, payments, refunds, the payment provider's events and the billing
details; and the actions: refund (the whole order, chosen items, or an amount), cancel a pending
order, mark a physical item shipped (with a tracking note) and a service booking done.

Reading needs ``orders_view`` (admins, managers, staff); changing needs ``orders`` (admins,
managers): staff see no action forms, and their posts answer 403 (the services refuse too).
Refunds go through ``app.payments.refunds`` (our records, then the payment provider).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.models import UserProfile
from app.catalog.models import OrgProduct
from app.errors import DomainError, NotFoundError, PermissionDeniedError
from app.extensions import db
from app.giftcards.models import OrgGiftCard, OrgMemberGiftCardUsage
from app.markets.models import OrgMarket
from app.orders import services as order_services
from app.orders.models import (
    ORDER_STATUSES,
    OrgMemberOrder,
    OrgMemberOrderItem,
    OrgMemberOrderPayment,
    OrgMemberOrderRefund,
)
from app.orgs.models import OrgEmployee, OrgMember
from app.orgs.permissions import can, require
from app.orgs.services import get_or_404
from app.payments import refunds
from app.payments.models import PaymentEvent
from app.staff.blueprint import bp
from app.tax.models import OrgTaxRateSnapshot
from app.web import labels, tables
from app.web.htmx import redirect, render
from app.web.inputs import DecimalNumberField, Form

Order = OrgMemberOrder
FULFILMENT_LABELS = {
    "unfulfilled": _l("Waiting to be shipped"),
    "fulfilled": _l("Delivered"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "requested": _l("Booked, to be done"),
    "returned": _l("Returned"),
}


# ---- the list -------------------------------------------------------------------------------------

def order_rows(employee: OrgEmployee) -> sa.Select:
    """The org's orders with their market's name (403 unless ``employee`` may read orders)."""
    require(employee, "orders_view")
    return (
        sa.select(Order, OrgMarket.name)
        .join(OrgMarket, OrgMarket.id == Order.market_id)
        .where(Order.org_id == employee.org_id)
    )


def order_keys(employee: OrgEmployee) -> sa.Select:
    """The rows of ``order_rows`` without the market join (a required foreign key: the same rows),
    to count them from the org's index alone."""
    require(employee, "orders_view")
    return sa.select(Order.id).where(Order.org_id == employee.org_id)


def _status_label(status: str) -> str:
    """The status in the request's language (translated once per request: exports call it per row)."""
    found = g.get("_order_status_labels")
    if found is None:
        found = g._order_status_labels = {key: str(label) for key, label in labels.ORDER_STATUSES.items()}
    return found.get(status, status)


def _market_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    return [(mid, name) for mid, name in db.session.execute(
        sa.select(OrgMarket.id, OrgMarket.name).where(OrgMarket.org_id == employee.org_id).order_by(OrgMarket.name))]


def _currency_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    codes = db.session.scalars(
        sa.select(OrgMarket.currency_code).where(OrgMarket.org_id == employee.org_id).distinct()
        .order_by(OrgMarket.currency_code))
    return [(code, code) for code in codes]


def _product_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    return [(pid, name) for pid, name in db.session.execute(
        sa.select(OrgProduct.id, OrgProduct.name).where(OrgProduct.org_id == employee.org_id)
        .order_by(sa.func.lower(OrgProduct.name), OrgProduct.id))]


def _member_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    """Only the member asked for (``?member=<id>``, e.g. from a member's page): an org may have
    many members, so the filter offers the one chosen rather than all of them."""
    member_id = (request.args.get("member") or "").strip()
    if not member_id:
        return []
    row = db.session.execute(
        sa.select(OrgMember.id, UserProfile.display_name)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .where(OrgMember.org_id == employee.org_id, OrgMember.id == member_id)
    ).first()
    return [(row[0], row[1] or row[0])] if row else []


def _has_product(product_id: str):
    item = aliased(OrgMemberOrderItem)
    return sa.exists().where(item.order_id == Order.id, item.product_id == product_id)


ORDERS = tables.Table(
    id="orders",
    title=_l("Orders"),
    endpoint="staff.orders",
    query=order_rows,
    count_query=order_keys,
    key=Order.id,
    row_id=lambda row: row[0].id,
    row_label=lambda row: row[0].order_number,
    row_attrs=lambda row: {"data-order": row[0].order_number, "data-status": row[0].status},
    columns=[
        tables.Column("number", _l("Order"), sort=Order.order_number, csv=lambda row: row[0].order_number),
        tables.Column("created", _l("Placed"), sort=Order.created_at, csv=lambda row: row[0].created_at),
        tables.Column("customer", _l("Customer"), sort=sa.func.lower(Order.billing_name),
                      csv=lambda row: row[0].billing_name),
        tables.Column("email", _l("Email"), html=False, csv=lambda row: row[0].billing_email),
        tables.Column("market", _l("Market"), sort=sa.func.lower(OrgMarket.name), csv=lambda row: row[1]),
        tables.Column("status", _l("Status"), sort=Order.status, csv=lambda row: _status_label(row[0].status)),
        tables.Column("currency", _l("Currency"), html=False, csv=lambda row: row[0].currency_code),
        tables.Column("subtotal", _l("Subtotal"), html=False, csv=lambda row: row[0].subtotal_amount),
        tables.Column("discount", _l("Discount"), html=False, csv=lambda row: row[0].discount_amount),
        tables.Column("tax", _l("Tax"), html=False, csv=lambda row: row[0].tax_amount),
        tables.Column("gift_cards", _l("Gift cards"), html=False, csv=lambda row: row[0].gift_card_amount),
        tables.Column("total", _l("Total"), sort=Order.total_amount, numeric=True,
                      csv=lambda row: row[0].total_amount),
        tables.Column("refunded", _l("Refunded"), sort=Order.refunded_amount, numeric=True,
                      csv=lambda row: row[0].refunded_amount),
        tables.Column("paid", _l("Paid"), html=False, csv=lambda row: row[0].paid_at),
        tables.Column("discount_code", _l("Discount code"), html=False, csv=lambda row: row[0].discount_code),
    ],
    search=[Order.order_number, Order.billing_email, Order.billing_name],
    search_label=_l("Search order number, email or name"),
    filters=[
        tables.Choice("status", _l("Status"), options=[(s, labels.ORDER_STATUSES[s]) for s in ORDER_STATUSES],
                      where=lambda value: Order.status == value),
        tables.Choice("market", _l("Market"), options=_market_choices, where=lambda value: Order.market_id == value),
        tables.Choice("currency", _l("Currency"), options=_currency_choices,
                      where=lambda value: Order.currency_code == value),
        tables.DateRange("placed", _l("Placed"), Order.created_at),
        tables.Choice("product", _l("Product"), options=_product_choices, where=_has_product),
        tables.Choice("member", _l("Member"), options=_member_choices, where=lambda value: Order.member_id == value),
    ],
    default_sort="-created",
    empty=_l("No orders yet."),
    empty_hint=_l("Orders placed in your storefronts appear here as soon as a customer checks out."),
)


# ---- forms ----------------------------------------------------------------------------------------

class RefundForm(Form):
    kind = RadioField(_l("What to refund"), default="items", choices=[
        SelectChoice("items", _l("The chosen items (their access ends)")),
        SelectChoice("order", _l("The whole order (all access ends)")),
        SelectChoice("amount", _l("An amount of money only (access stays)")),
    ], validators=[DataRequired(message=_l("Choose what to refund."))])
    items = SelectMultipleField(_l("Items"), choices=[], validate_choice=False,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    amount = DecimalNumberField(_l("Amount (for an amount only)"), places=2, validators=[Optional()],
                                message=_l("Enter the amount as a number, e.g. 12.50."), minimum=0)
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Say why you refund: the reason is kept with the refund.")), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == "items" and not self.items.data:
            self.items.errors.append(_("Choose at least one item to refund."))
            ok = False
        if self.kind.data == "amount" and self.amount.data is None:
            self.amount.errors.append(_("Enter the amount to refund."))
            ok = False
        if self.kind.data == "amount" and len(self.items.data or []) > 1:
            self.items.errors.append(_("Choose at most one item for a partial refund."))
            ok = False
        return ok


class CancelForm(Form):
    """The CSRF token only."""


class FulfilmentForm(Form):
    note = StringField(_l("Tracking note"), validators=[Optional(), Length(max=500)])


class DoneForm(Form):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


# ---- an order's page ------------------------------------------------------------------------------

@dataclass
class OrderPage:
    """Everything an order's page shows, loaded in a fixed number of queries."""

    order: OrgMemberOrder
    market_name: str
    member_name: str | None
    snapshots: dict[str | None, list[OrgTaxRateSnapshot]]
    gift_cards: list[tuple[OrgMemberGiftCardUsage, str]]
    payments: list[OrgMemberOrderPayment]
    refunds: list[tuple[OrgMemberOrderRefund, str | None]]
    events: list[PaymentEvent]
    item_names: dict[str, str] = field(default_factory=dict)

    @property
    def refundable_items(self) -> list[OrgMemberOrderItem]:
        return [item for item in self.order.items if item.status == "active"]

    @property
    def can_refund(self) -> bool:
        return self.order.status in ("paid", "fulfilled")


def load_order(employee: OrgEmployee, order_id: str) -> OrderPage:
    """The order ``order_id`` of ``employee``'s org (404 for another org's, 403 without
    ``orders_view``) with everything its page shows."""
    require(employee, "orders_view")
    order = get_or_404(Order, employee.org_id, order_id, _("Order not found."))
    db.session.execute(sa.select(Order).where(Order.id == order.id)
                       .options(selectinload(Order.items))).scalars().all()
    market_name = db.session.scalar(sa.select(OrgMarket.name).where(OrgMarket.id == order.market_id))
    member_name = db.session.scalar(
        sa.select(UserProfile.display_name).join(OrgMember, OrgMember.user_profile_id == UserProfile.id)
        .where(OrgMember.id == order.member_id))
    snapshots: dict[str | None, list[OrgTaxRateSnapshot]] = defaultdict(list)
    for snap in db.session.scalars(
        sa.select(OrgTaxRateSnapshot)
        .where(OrgTaxRateSnapshot.org_id == order.org_id, OrgTaxRateSnapshot.order_id == order.id)
        .order_by(OrgTaxRateSnapshot.created_at, OrgTaxRateSnapshot.id)
    ):
        snapshots[snap.order_item_id].append(snap)
    gift_cards = list(db.session.execute(
        sa.select(OrgMemberGiftCardUsage, OrgGiftCard.code)
        .join(OrgGiftCard, OrgGiftCard.id == OrgMemberGiftCardUsage.gift_card_id)
        .where(OrgMemberGiftCardUsage.org_id == order.org_id, OrgMemberGiftCardUsage.order_id == order.id)
        .order_by(OrgMemberGiftCardUsage.used_at, OrgMemberGiftCardUsage.id)
    ).tuples())
    payments = list(db.session.scalars(
        sa.select(OrgMemberOrderPayment)
        .where(OrgMemberOrderPayment.org_id == order.org_id, OrgMemberOrderPayment.order_id == order.id)
        .order_by(OrgMemberOrderPayment.created_at, OrgMemberOrderPayment.id)))
    by_member = aliased(OrgMember)
    refund_rows = list(db.session.execute(
        sa.select(OrgMemberOrderRefund, UserProfile.display_name)
        .outerjoin(OrgEmployee, OrgEmployee.id == OrgMemberOrderRefund.by_employee_id)
        .outerjoin(by_member, by_member.id == OrgEmployee.member_id)
        .outerjoin(UserProfile, UserProfile.id == by_member.user_profile_id)
        .where(OrgMemberOrderRefund.org_id == order.org_id, OrgMemberOrderRefund.order_id == order.id)
        .order_by(OrgMemberOrderRefund.created_at, OrgMemberOrderRefund.id)
    ).tuples())
    events = list(db.session.scalars(
        sa.select(PaymentEvent).where(PaymentEvent.org_id == order.org_id, PaymentEvent.order_id == order.id)
        .order_by(PaymentEvent.created_at, PaymentEvent.id)))
    return OrderPage(order=order, market_name=market_name or "", member_name=member_name, snapshots=snapshots,
                     gift_cards=gift_cards, payments=payments, refunds=refund_rows, events=events,
                     item_names={item.id: item.product_name for item in order.items})


def _refund_form(page: OrderPage, formdata=None) -> RefundForm:
    form = RefundForm(formdata=formdata)
    form.items.choices = [SelectChoice(item.id, item.product_name) for item in page.refundable_items]
    return form


def _render_order(page: OrderPage, *, status: int = 200, refund_form: RefundForm | None = None,
                  item_errors: dict[str, str] | None = None, cancel_error: str | None = None):
    may_change = can(g.employee, "orders")
    return render(
        "staff/order.html", page=page, order=page.order, may_change=may_change,
        refund_form=refund_form or (_refund_form(page) if may_change else None),
        cancel_form=CancelForm() if may_change else None,
        ship_form=FulfilmentForm, done_form=DoneForm, item_errors=item_errors or {}, cancel_error=cancel_error,
        fulfilment_label=lambda status_: str(FULFILMENT_LABELS.get(status_, status_)), status=status,
    )


def _form_status(exc: DomainError) -> int:
    """A refused action shows its message on the order's page: a missing item of this order is bad
    input (422), not a missing page."""
    if isinstance(exc, PermissionDeniedError):
        raise exc
    return 422 if exc.status_code == 404 else exc.status_code


# ---- views ----------------------------------------------------------------------------------------

@bp.get("/orders")
def orders():
    return ORDERS.respond(g.employee, "staff/orders.html", "staff/_orders_table.html", status_label=_status_label)


@bp.get("/orders/<order_id>")
def order(order_id: str):
    return _render_order(load_order(g.employee, order_id))


@bp.post("/orders/<order_id>/refund")
def order_refund(order_id: str):
    require(g.employee, "orders")
    page = load_order(g.employee, order_id)
    form = _refund_form(page, request.form)
    if form.validate():
        kind = form.kind.data
        try:
            refunds.refund(page.order, by_employee=g.employee, reason=form.reason.data,
                           item_ids=form.items.data if kind in ("items", "amount") else (),
                           amount=form.amount.data if kind == "amount" else None)
        except DomainError as exc:
            db.session.rollback()
            status = _form_status(exc)
            page = load_order(g.employee, order_id)
            form.form_errors.append(exc.message)
            form.items.choices = [SelectChoice(item.id, item.product_name) for item in page.refundable_items]
            return _render_order(page, status=status, refund_form=form)
        db.session.commit()
        flash(_("The refund was recorded; the money goes back to the customer."), "success")
        return redirect(url_for(".order", order_id=order_id))
    return _render_order(page, status=422, refund_form=form)


@bp.post("/orders/<order_id>/cancel")
def order_cancel(order_id: str):
    require(g.employee, "orders")
    page = load_order(g.employee, order_id)
    try:
        order_services.cancel_order(page.order, by_employee=g.employee)
    except DomainError as exc:
        db.session.rollback()
        status = _form_status(exc)
        return _render_order(load_order(g.employee, order_id), status=status, cancel_error=exc.message)
    db.session.commit()
    flash(_("The order was cancelled; gift card amounts went back to the cards."), "success")
    return redirect(url_for(".order", order_id=order_id))


def _item(page: OrderPage, item_id: str) -> OrgMemberOrderItem:
    item = next((i for i in page.order.items if i.id == item_id), None)
    if item is None:
        raise NotFoundError(_("This item is not part of the order."))
    return item


def _fulfilment_action(order_id: str, item_id: str, form_class: type[Form], act) -> Any:
    require(g.employee, "orders")
    page = load_order(g.employee, order_id)
    item = _item(page, item_id)
    form = form_class()
    if form.validate():
        try:
            act(item, form.note.data)
        except DomainError as exc:
            db.session.rollback()
            status = _form_status(exc)
            return _render_order(load_order(g.employee, order_id), status=status, item_errors={item_id: exc.message})
        db.session.commit()
        return None
    message = "; ".join(str(e) for e in form.note.errors) or _("Please correct the errors and try again.")
    return _render_order(page, status=422, item_errors={item_id: message})


@bp.post("/orders/<order_id>/items/<item_id>/ship")
def order_item_ship(order_id: str, item_id: str):
    refused = _fulfilment_action(order_id, item_id, FulfilmentForm,
                                 lambda item, note: order_services.mark_shipped(item, by_employee=g.employee, note=note))
    if refused is not None:
        return refused
    flash(_("The item is marked as shipped."), "success")
    return redirect(url_for(".order", order_id=order_id))


@bp.post("/orders/<order_id>/items/<item_id>/done")
def order_item_done(order_id: str, item_id: str):
    refused = _fulfilment_action(order_id, item_id, DoneForm,
                                 lambda item, note: order_services.mark_service_done(item, by_employee=g.employee, note=note))
    if refused is not None:
        return refused
    flash(_("The booking is marked as done."), "success")
    return redirect(url_for(".order", order_id=order_id))
