"""Promotions (``/dashboard/<org>/promotions``): the org's discount codes with how often each was
used and the revenue of the paid orders that used it, creating and editing a code (percent or
fixed amount, validity window, usage limit in all and per member, scope: a market and a product or
a collection, active flag), deactivating and activating it. The rules: app/catalog/promotions.py.

Who: ``catalog_all`` (DESIGN.md §3 "catalog: all products, collections, promotions"): admins and
managers; creators and staff get 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.validators import ValidationError as FieldError

from app.catalog import promotions as rules
from app.catalog.models import OrgDiscount, OrgProduct, OrgProductCollection
from app.db import utcnow
from app.errors import DomainError, NotFoundError
from app.extensions import db
from app.markets.models import OrgMarket
from app.money import format_money, quantize
from app.orders.models import OrgMemberOrder
from app.orgs import services as orgs
from app.orgs.models import OrgEmployee
from app.orgs.permissions import require
from app.platform.models import Currency
from app.staff.blueprint import bp
from app.staff.giftcards import show_field_error
from app.staff.overview import PAID_STATUSES
from app.web import tables
from app.web.htmx import redirect, render
from app.web.inputs import DecimalNumberField, Form, WholeNumberField

STATUS_LABELS = {
    "active": _l("Active"),
    "scheduled": _l("Scheduled"),
    "ended": _l("Ended"),
    "used_up": _l("Used up"),
    "inactive": _l("Inactive"),
}
TYPE_LABELS = {"percent": _l("Percentage"), "fixed": _l("Fixed amount")}


def promotion_status(d: OrgDiscount, at: datetime | None = None) -> str:
    at = at or utcnow()
    if not d.is_active:
        return "inactive"
    if d.starts_at is not None and at < d.starts_at:
        return "scheduled"
    if d.ends_at is not None and at >= d.ends_at:
        return "ended"
    if d.usage_limit is not None and (d.times_used or 0) >= d.usage_limit:
        return "used_up"
    return "active"


def status_label(status: str) -> str:
    labels = g.get("_promotion_status_labels")
    if labels is None:
        labels = g._promotion_status_labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    return labels.get(status, status)


# ---- the list ------------------------------------------------------------------------------------

@dataclass
class PromotionRow:
    discount: OrgDiscount
    market: str | None
    product: str | None
    collection: str | None
    paid_orders: int = 0
    revenue: list[tuple[str, Decimal]] = field(default_factory=list)  # (currency, paid less refunds)

    @property
    def revenue_text(self) -> str:
        return "; ".join(f"{currency} {amount}" for currency, amount in self.revenue)


def promotion_rows(employee: OrgEmployee) -> sa.Select:
    """The org's discount codes with the names of what they are limited to; 403 without ``catalog_all``."""
    require(employee, "catalog_all")
    return (
        sa.select(OrgDiscount, OrgMarket.name, OrgProduct.name, OrgProductCollection.name)
        .outerjoin(OrgMarket, OrgMarket.id == OrgDiscount.market_id)
        .outerjoin(OrgProduct, OrgProduct.id == OrgDiscount.product_id)
        .outerjoin(OrgProductCollection, OrgProductCollection.id == OrgDiscount.collection_id)
        .where(OrgDiscount.org_id == employee.org_id)
    )


def _promotion_rows(rows) -> list[PromotionRow]:
    """A page of codes with their paid orders and revenue per currency (one aggregate query)."""
    result = [PromotionRow(d, market, product, collection) for d, market, product, collection in rows]
    if not result:
        return result
    by_id = {row.discount.id: row for row in result}
    order = OrgMemberOrder
    for discount_id, currency, count, net in db.session.execute(
        sa.select(order.discount_id, order.currency_code, sa.func.count(order.id),
                  sa.func.sum(order.total_amount - order.refunded_amount))
        .where(order.org_id == result[0].discount.org_id, order.discount_id.in_(by_id),
               order.status.in_(PAID_STATUSES))
        .group_by(order.discount_id, order.currency_code)
        .order_by(order.discount_id, order.currency_code)
    ):
        row = by_id[discount_id]
        row.paid_orders += int(count)
        row.revenue.append((currency, quantize(Decimal(net or 0), currency)))
    return result


def _status_where(value: str):
    now = utcnow()
    d = OrgDiscount
    started = sa.or_(d.starts_at.is_(None), d.starts_at <= now)
    not_ended = sa.or_(d.ends_at.is_(None), d.ends_at > now)
    left = sa.or_(d.usage_limit.is_(None), d.times_used < d.usage_limit)
    return {
        "active": sa.and_(d.is_active.is_(True), started, not_ended, left),
        "scheduled": sa.and_(d.is_active.is_(True), d.starts_at > now),
        "ended": sa.and_(d.is_active.is_(True), d.ends_at <= now),
        "used_up": sa.and_(d.is_active.is_(True), started, not_ended, sa.not_(left)),
        "inactive": d.is_active.is_(False),
    }[value]


def value_text(d: OrgDiscount) -> str:
    if d.type == "percent":
        return f"{d.value.normalize():f} %"
    return format_money(d.value, d.currency_code)


PROMOTIONS = tables.Table(
    id="promotions",
    title=_l("Promotions"),
    endpoint="staff.promotions",
    query=promotion_rows,
    key=OrgDiscount.id,
    prepare=_promotion_rows,
    row_id=lambda row: row.discount.id,
    row_label=lambda row: row.discount.code,
    row_attrs=lambda row: {"data-promotion": row.discount.code, "data-status": promotion_status(row.discount)},
    columns=[
        tables.Column("code", _l("Code"), sort=OrgDiscount.code, csv=lambda row: row.discount.code),
        tables.Column("name", _l("Name"), sort=sa.func.lower(OrgDiscount.name), csv=lambda row: row.discount.name),
        tables.Column("value", _l("Discount"), csv=lambda row: value_text(row.discount)),
        tables.Column("scope", _l("Applies to"),
                      csv=lambda row: " · ".join(x for x in (row.market, row.product, row.collection) if x)),
        tables.Column("window", _l("Valid"), sort=OrgDiscount.ends_at, csv=lambda row: row.discount.ends_at),
        tables.Column("uses", _l("Uses"), sort=OrgDiscount.times_used, numeric=True,
                      csv=lambda row: row.discount.times_used),
        tables.Column("revenue", _l("Revenue"), csv=lambda row: row.revenue_text),
        tables.Column("status", _l("Status"), csv=lambda row: status_label(promotion_status(row.discount))),
        tables.Column("created", _l("Created"), sort=OrgDiscount.created_at, html=False,
                      csv=lambda row: row.discount.created_at),
    ],
    search=[OrgDiscount.code, OrgDiscount.name],
    search_label=_l("Search code or name"),
    filters=[tables.Choice("status", _l("Status"), options=list(STATUS_LABELS.items()), where=_status_where)],
    default_sort="-created",
    empty=_l("No discount codes yet."),
    empty_hint=_l("Create a code customers type at checkout to get a discount."),
)


@bp.get("/promotions")
def promotions():
    return PROMOTIONS.respond(g.employee, "staff/promotions.html", "staff/_promotions_table.html",
                              status_label=status_label, promotion_status=promotion_status, value_text=value_text)


# ---- the form ------------------------------------------------------------------------------------

class PromotionForm(Form):
    code = StringField(_l("Code"), validators=[InputRequired(message=_l("Enter the code customers type.")),
                                               Length(max=40)])
    name = StringField(_l("Name (for your team)"), validators=[InputRequired(message=_l("Enter a name.")),
                                                              Length(max=100)])
    type = SelectField(_l("Type"), choices=[SelectChoice(k, v) for k, v in TYPE_LABELS.items()],
                       validators=[InputRequired()])
    value = DecimalNumberField(_l("Discount (percent or amount)"), places=None,
                               message=_l("Enter a number, e.g. 10 or 5.00."),
                               validators=[InputRequired(message=_l("Enter the discount."))])
    currency_code = SelectField(_l("Currency (for a fixed amount)"), validators=[Optional()])
    market_id = SelectField(_l("Market"), validators=[Optional()])
    scope = SelectField(_l("Products"), validators=[Optional()])
    starts_on = DateField(_l("Valid from (optional)"), validators=[Optional()], render_kw={"type": "date"})
    ends_on = DateField(_l("Valid until (optional)"), validators=[Optional()], render_kw={"type": "date"})
    usage_limit = WholeNumberField(_l("Usage limit (optional)"), minimum=1, maximum=rules.MAX_LIMIT,
                                   message=_l("Enter a whole number of at least 1."))
    per_member_limit = WholeNumberField(_l("Uses per member (optional)"), minimum=1, maximum=rules.MAX_LIMIT,
                                        message=_l("Enter a whole number of at least 1."))
    is_active = BooleanField(_l("Active"), default=True)

    def validate_ends_on(self, field) -> None:
        """A new end date must not be in the past (an ended code kept as it was may be saved)."""
        if field.data is not None and field.data < date.today() and field.data != field.object_data:
            raise FieldError(_("The end of the discount must be in the future."))


def _local_day(moment: datetime | None, *, end: bool = False):
    if moment is None:
        return None
    if end:
        moment = moment - timedelta(microseconds=1)
    return moment.astimezone(get_timezone()).date()


def _choices(form: PromotionForm, org_id: str) -> None:
    markets = db.session.execute(sa.select(OrgMarket.id, OrgMarket.name, OrgMarket.currency_code)
                                 .where(OrgMarket.org_id == org_id).order_by(OrgMarket.name)).all()
    products = db.session.execute(sa.select(OrgProduct.id, OrgProduct.name)
                                  .where(OrgProduct.org_id == org_id, OrgProduct.status != "archived")
                                  .order_by(sa.func.lower(OrgProduct.name))).all()
    collections = db.session.execute(sa.select(OrgProductCollection.id, OrgProductCollection.name)
                                     .where(OrgProductCollection.org_id == org_id)
                                     .order_by(sa.func.lower(OrgProductCollection.name))).all()
    currencies = list(db.session.scalars(sa.select(Currency.code).where(Currency.is_active.is_(True))
                                         .order_by(Currency.code)))
    form.market_id.choices = [SelectChoice("", _("All markets"))] + [
        SelectChoice(m.id, f"{m.name} ({m.currency_code})") for m in markets]
    form.scope.choices = ([SelectChoice("", _("Everything"))]
                          + [SelectChoice(f"product:{p.id}", _("Product: %(name)s", name=p.name)) for p in products]
                          + [SelectChoice(f"collection:{c.id}", _("Collection: %(name)s", name=c.name))
                             for c in collections])
    form.currency_code.choices = [SelectChoice("", "—")] + [SelectChoice(c, c) for c in currencies]


def _form(discount: OrgDiscount | None = None, *, posted: bool = False) -> PromotionForm:
    if posted:
        form = PromotionForm()
    elif discount is None:
        form = PromotionForm(formdata=None)
    else:
        scope = (f"product:{discount.product_id}" if discount.product_id else
                 f"collection:{discount.collection_id}" if discount.collection_id else "")
        form = PromotionForm(formdata=None, data={
            "code": discount.code, "name": discount.name, "type": discount.type, "value": discount.value,
            "currency_code": discount.currency_code or "", "market_id": discount.market_id or "", "scope": scope,
            "starts_on": _local_day(discount.starts_at), "ends_on": _local_day(discount.ends_at, end=True),
            "usage_limit": discount.usage_limit, "per_member_limit": discount.per_member_limit,
            "is_active": discount.is_active,
        })
    _choices(form, g.employee.org_id)
    return form


def _values(form: PromotionForm) -> dict:
    scope = form.scope.data or ""
    kind, _sep, target = scope.partition(":")
    return {
        "code": form.code.data, "name": form.name.data, "type": form.type.data, "value": form.value.data,
        "currency_code": form.currency_code.data or None, "market": form.market_id.data or None,
        "product": target if kind == "product" else None,
        "collection": target if kind == "collection" else None,
        "starts_at": tables.day_start(form.starts_on.data) if form.starts_on.data else None,
        "ends_at": tables.day_start(form.ends_on.data + timedelta(days=1)) if form.ends_on.data else None,
        "usage_limit": form.usage_limit.data, "per_member_limit": form.per_member_limit.data,
    }


@bp.route("/promotions/new", methods=["GET", "POST"])
def promotions_new():
    require(g.employee, "catalog_all")
    posted = _is_post()
    form = _form(posted=posted)
    status = 200
    if posted:
        if form.validate():
            try:
                discount = rules.create_promotion(g.staff_org, **_values(form), by=g.employee)
            except DomainError as exc:
                db.session.rollback()
                show_field_error(form, exc)
            else:
                db.session.commit()
                flash(_("The discount code %(code)s was created.", code=discount.code), "success")
                return redirect(url_for(".promotions"))
        status = 422
    return render("staff/promotions_form.html", form=form, discount=None, status=status)


def _is_post() -> bool:
    return request.method == "POST"


def _discount(discount_id: str) -> OrgDiscount:
    require(g.employee, "catalog_all")
    return orgs.get_or_404(OrgDiscount, g.employee.org_id, discount_id, _("Discount code not found."))


def _stats(discount: OrgDiscount) -> PromotionRow:
    row = db.session.execute(promotion_rows(g.employee).where(OrgDiscount.id == discount.id)).first()
    if row is None:
        raise NotFoundError(_("Discount code not found."))
    return _promotion_rows([row])[0]


@bp.route("/promotions/<discount_id>", methods=["GET", "POST"])
def promotions_edit(discount_id: str):
    discount = _discount(discount_id)
    posted = _is_post()
    form = _form(discount, posted=posted)
    status = 200
    if posted:
        if form.validate():
            try:
                rules.update_promotion(discount, **_values(form), is_active=form.is_active.data, by=g.employee)
            except DomainError as exc:
                db.session.rollback()
                show_field_error(form, exc)
            else:
                db.session.commit()
                flash(_("The discount code %(code)s was saved.", code=discount.code), "success")
                return redirect(url_for(".promotions_edit", discount_id=discount.id))
        status = 422
        discount = _discount(discount_id)  # reloaded after a rollback
    return render("staff/promotions_form.html", form=form, discount=discount, stats=_stats(discount),
                  status_label=status_label, promotion_status=promotion_status, status=status)


def _set_active(discount_id: str, *, active: bool):
    discount = _discount(discount_id)
    if not Form().validate():
        flash(_("The form has expired. Try again."), "error")
        return redirect(url_for(".promotions_edit", discount_id=discount.id))
    rules.set_promotion_active(discount, active=active, by=g.employee)
    db.session.commit()
    flash(_("The discount code %(code)s can be used again.", code=discount.code) if active else
          _("The discount code %(code)s is deactivated: the checkout refuses it.", code=discount.code), "success")
    return redirect(url_for(".promotions_edit", discount_id=discount.id))


@bp.post("/promotions/<discount_id>/deactivate")
def promotions_deactivate(discount_id: str):
    return _set_active(discount_id, active=False)


@bp.post("/promotions/<discount_id>/activate")
def promotions_activate(discount_id: str):
    return _set_active(discount_id, active=True)
