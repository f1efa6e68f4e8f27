"""Tax (``/dashboard/<org>/tax``, admins: ``org_settings``, DESIGN.md §3): categories, regions,
rates per category and region with their history, and the preview calculator.

The rules live in app/tax/admin.py (on app.tax.services): a rate an order used is never edited in
place; saving its form ends it and starts a new rate (the page says so before saving). The preview
prices through the checkout's pipeline (app/pricing/preview.py). Dates are typed in the viewer's
time zone and stored in UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Optional

from app.errors import DomainError
from app.extensions import db
from app.markets.models import OrgRegion
from app.orgs.permissions import require
from app.orgs.services import get_or_404, scoped
from app.platform.models import Country, Currency
from app.pricing.preview import tax_preview
from app.staff.blueprint import bp
from app.tax import admin
from app.tax.models import TAX_RATE_TYPES, OrgTaxCategory, OrgTaxRate
from app.tax.services import AMOUNT_MAX, list_categories
from app.web.htmx import redirect, render
from app.web.inputs import DecimalNumberField, Form
from app.web.labels import country_name

TYPE_LABELS = {"percent": _l("Percentage"), "fixed": _l("Fixed amount")}
assert set(TYPE_LABELS) == set(TAX_RATE_TYPES)
PRICE_MAX = Decimal("99999999")
MOMENT = "%Y-%m-%dT%H:%M"


# ---- forms ---------------------------------------------------------------------------------------

class PlainDecimalField(DecimalNumberField):
    """Shows a stored number as typed (``19``, ``8.875``), not padded to the field's places."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data.normalize(), "f")


class CategoryForm(Form):
    code = StringField(_l("Code"), validators=[InputRequired(message=_l("Enter a code."))],
                       render_kw={"maxlength": 40, "autocomplete": "off"})
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Enter a name."))],
                       render_kw={"maxlength": 100})
    description = TextAreaField(_l("Description"), validators=[Optional()], render_kw={"rows": 3})


class RegionForm(Form):
    # Any code is accepted here: app.markets.services checks it against the platform's countries.
    country_code = SelectField(_l("Country"), validators=[InputRequired(message=_l("Choose a country."))],
                               validate_choice=False)
    subdivision_code = StringField(_l("Subdivision (optional, ISO 3166-2 such as US-NY)"), validators=[Optional()],
                                   render_kw={"maxlength": 10, "autocomplete": "off"})
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Enter a name."))],
                       render_kw={"maxlength": 100})


class RateForm(Form):
    category = SelectField(_l("Tax category"), validators=[InputRequired(message=_l("Choose a category."))])
    region = SelectField(_l("Region"), validators=[InputRequired(message=_l("Choose a region."))])
    name = StringField(_l("Name shown on receipts"), validators=[InputRequired(message=_l("Enter a name."))],
                       render_kw={"maxlength": 100})
    type = SelectField(_l("Type"), choices=[SelectChoice(k, v) for k, v in TYPE_LABELS.items()],
                       validators=[InputRequired(message=_l("Choose a type."))])
    percent = PlainDecimalField(_l("Rate in %"), places=4, minimum=0, maximum=100,
                                 message=_l("Enter a percentage from 0 to 100 with at most 4 decimals."),
                                 render_kw={"inputmode": "decimal"})
    amount = PlainDecimalField(_l("Fixed amount"), places=4, minimum=0, maximum=AMOUNT_MAX,
                                message=_l("Enter an amount from 0 to 99,999,999.9999 with at most 4 decimals."),
                                render_kw={"inputmode": "decimal"})
    currency_code = SelectField(_l("Currency of the fixed amount"), validators=[Optional()])
    effective_from = DateTimeLocalField(_l("Applies from"), format=MOMENT, validators=[Optional()])
    effective_to = DateTimeLocalField(_l("Applies until (empty: no end)"), format=MOMENT, validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.type.data == "percent" and self.percent.data is None and not self.percent.errors:
            self.percent.errors.append(_("Enter the rate."))
            ok = False
        if self.type.data == "fixed":
            if self.amount.data is None and not self.amount.errors:
                self.amount.errors.append(_("Enter the amount."))
                ok = False
            if not self.currency_code.data and not self.currency_code.errors:
                self.currency_code.errors.append(_("Choose the currency of the fixed amount."))
                ok = False
        return ok

    def fraction(self) -> Decimal | None:
        return self.percent.data / 100 if self.type.data == "percent" and self.percent.data is not None else None

    def fixed(self) -> tuple[Decimal | None, str | None]:
        if self.type.data != "fixed":
            return None, None
        return self.amount.data, self.currency_code.data or None


class EndForm(Form):
    ends_at = DateTimeLocalField(_l("Ends at (empty: now)"), format=MOMENT, validators=[Optional()])


class PreviewForm(Form):
    class Meta:
        csrf = False  # a GET form that changes nothing

    price = PlainDecimalField(_l("Price"), places=4, minimum=0, maximum=PRICE_MAX,
                               message=_l("Enter a price from 0 to 99,999,999 with at most 4 decimals."),
                               validators=[InputRequired(message=_l("Enter a price."))],
                               render_kw={"inputmode": "decimal"})
    # Any id is accepted here; the view looks it up in the org (another org's: 404).
    category = SelectField(_l("Tax category"), validators=[InputRequired(message=_l("Choose a category."))],
                           validate_choice=False)


# ---- helpers -------------------------------------------------------------------------------------

def _utc(value: datetime | None) -> datetime | None:
    """A moment typed in the viewer's time zone, in UTC."""
    return to_utc(value).replace(tzinfo=None) if value is not None else None


def _local(value: datetime | None) -> datetime | None:
    return to_user_timezone(value).replace(tzinfo=None, second=0, microsecond=0) if value is not None else None


def _admin():
    require(g.employee, "org_settings")
    return g.staff_org


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _country_choices() -> list[tuple[str, str]]:
    codes = db.session.scalars(sa.select(Country.code).where(Country.is_active.is_(True))).all()
    named = sorted(((c, f"{country_name(c)} ({c})") for c in codes), key=lambda pair: pair[1])
    return _choices([("", _("Choose a country")), *named])


def _currency_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Currency.code, Currency.name).where(Currency.is_active.is_(True))
                              .order_by(Currency.code)).all()
    return _choices([("", "—"), *((code, f"{code} · {name}") for code, name in rows)])


def _category_choices(org) -> list[tuple[str, str]]:
    return _choices([("", _("Choose a category")),
                     *((c.id, f"{c.name} ({c.code})") for c in db.session.scalars(list_categories(org)))])


def _region_choices(org) -> list[tuple[str, str]]:
    regions = db.session.scalars(scoped(OrgRegion, org).order_by(OrgRegion.country_code,
                                                                 OrgRegion.subdivision_code.nulls_first()))
    return _choices([("", _("Choose a region")),
                     *((r.id, f"{r.name} ({r.subdivision_code or r.country_code})") for r in regions)])


def _field_error(form: Form, exc: DomainError) -> int:
    """Put a service's refusal on its field (or on the form); the status to answer with."""
    db.session.rollback()
    field = getattr(form, getattr(exc, "field", "") or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status_code


def _raise_access(exc: DomainError) -> None:
    if exc.status_code in (403, 404):
        raise exc


# ---- the overview --------------------------------------------------------------------------------

@bp.get("/tax")
def tax():
    org = _admin()
    categories = db.session.scalars(list_categories(org)).all()
    regions = db.session.scalars(scoped(OrgRegion, org).order_by(OrgRegion.country_code,
                                                                 OrgRegion.subdivision_code.nulls_first())).all()
    rates = admin.rate_rows(org)
    used = admin.used_rate_ids(org, [rate.id for rate, _c, _r in rates])
    return render("staff/tax.html", categories=categories, regions=regions, rates=rates, used=used,
                  is_current=admin.is_current, type_labels=TYPE_LABELS)


# ---- categories ----------------------------------------------------------------------------------

def _save_category(category: OrgTaxCategory | None):
    org = _admin()
    form = CategoryForm(obj=category) if category is not None else CategoryForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                if category is None:
                    category = admin.add_category(org, code=form.code.data, name=form.name.data,
                                                  description=form.description.data, by=g.employee)
                else:
                    admin.update_category(category, code=form.code.data, name=form.name.data,
                                          description=form.description.data, by=g.employee)
            except DomainError as exc:
                _raise_access(exc)
                status = _field_error(form, exc)
            else:
                db.session.commit()
                flash(_("The tax category “%(name)s” is saved.", name=category.name), "success")
                return redirect(url_for(".tax"))
    return render("staff/tax_category.html", form=form, category=category, status=status)


@bp.route("/tax/categories/new", methods=["GET", "POST"])
def tax_category_new():
    return _save_category(None)


@bp.route("/tax/categories/<category_id>", methods=["GET", "POST"])
def tax_category(category_id: str):
    org = _admin()
    return _save_category(get_or_404(OrgTaxCategory, org, category_id, _("This tax category does not exist.")))


# ---- regions -------------------------------------------------------------------------------------

def _save_region(region: OrgRegion | None):
    org = _admin()
    form = RegionForm(obj=region) if region is not None else RegionForm()
    form.country_code.choices = _country_choices()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                if region is None:
                    region = admin.add_region(org, name=form.name.data, country_code=form.country_code.data,
                                              subdivision_code=form.subdivision_code.data, by=g.employee)
                else:
                    admin.update_region(region, name=form.name.data, country_code=form.country_code.data,
                                        subdivision_code=form.subdivision_code.data, by=g.employee)
            except DomainError as exc:
                _raise_access(exc)
                status = _field_error(form, exc)
            else:
                db.session.commit()
                flash(_("The region “%(name)s” is saved.", name=region.name), "success")
                return redirect(url_for(".tax"))
    return render("staff/tax_region.html", form=form, region=region, status=status)


@bp.route("/tax/regions/new", methods=["GET", "POST"])
def tax_region_new():
    return _save_region(None)


@bp.route("/tax/regions/<region_id>", methods=["GET", "POST"])
def tax_region(region_id: str):
    org = _admin()
    return _save_region(get_or_404(OrgRegion, org, region_id, _("This region does not exist.")))


# ---- rates ---------------------------------------------------------------------------------------

def _rate_form(org, rate: OrgTaxRate | None) -> RateForm:
    if request.method == "POST":
        form = RateForm()
    elif rate is None:
        form = RateForm(data={"category": request.args.get("category", ""), "region": request.args.get("region", ""),
                              "type": "percent"})
    else:
        form = RateForm(data={
            "category": rate.tax_category_id, "region": rate.region_id, "name": rate.name, "type": rate.type,
            "percent": (rate.rate * 100).normalize() if rate.rate is not None else None,
            "amount": rate.amount.normalize() if rate.amount is not None else None,
            "currency_code": rate.currency_code or "",
            "effective_from": None if admin.is_used(rate) else _local(rate.effective_from),
            "effective_to": _local(rate.effective_to),
        })
    form.currency_code.choices = _currency_choices()
    if rate is None:
        form.category.choices = _category_choices(org)
        form.region.choices = _region_choices(org)
    else:  # category and region of a rate stay: only its value, name and window change
        del form.category
        del form.region
    return form


@bp.route("/tax/rates/new", methods=["GET", "POST"])
def tax_rate_new():
    org = _admin()
    form = _rate_form(org, None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            category = get_or_404(OrgTaxCategory, org, form.category.data, _("This tax category does not exist."))
            region = get_or_404(OrgRegion, org, form.region.data, _("This region does not exist."))
            amount, currency = form.fixed()
            try:
                rate = admin.add_rate(org, category=category, region=region, name=form.name.data,
                                      type=form.type.data, rate=form.fraction(), amount=amount,
                                      currency_code=currency, effective_from=_utc(form.effective_from.data),
                                      effective_to=_utc(form.effective_to.data), by=g.employee)
            except DomainError as exc:
                _raise_access(exc)
                status = _field_error(form, exc)
            else:
                db.session.commit()
                flash(_("The rate “%(name)s” is saved.", name=rate.name), "success")
                return redirect(url_for(".tax_rate", rate_id=rate.id))
    return render("staff/tax_rate.html", form=form, rate=None, status=status)


def _render_rate(org, rate: OrgTaxRate, *, form: RateForm | None = None, end_form: EndForm | None = None,
                 status: int = 200):
    history = admin.rate_history(org, rate.tax_category, rate.region)
    used = admin.used_rate_ids(org, [r.id for r in history])
    return render("staff/tax_rate.html", form=form or _rate_form(org, rate), end_form=end_form or EndForm(formdata=None),
                  rate=rate, history=history, used=used, is_current=admin.is_current, type_labels=TYPE_LABELS,
                  status=status)


@bp.route("/tax/rates/<rate_id>", methods=["GET", "POST"])
def tax_rate(rate_id: str):
    org = _admin()
    rate = get_or_404(OrgTaxRate, org, rate_id, _("This tax rate does not exist."))
    if request.method == "GET":
        return _render_rate(org, rate)
    form = _rate_form(org, rate)
    status = 422
    if form.validate():
        was_used = admin.is_used(rate)
        amount, currency = form.fixed()
        try:
            saved = admin.change_rate(rate, name=form.name.data, type=form.type.data, new_rate=form.fraction(),
                                      amount=amount, currency_code=currency,
                                      effective_from=_utc(form.effective_from.data),
                                      effective_to=_utc(form.effective_to.data), by=g.employee)
        except DomainError as exc:
            _raise_access(exc)
            status = _field_error(form, exc)
        else:
            db.session.commit()
            if was_used:
                flash(_("Orders used the old rate, so it now ends and the new rate “%(name)s” starts.",
                        name=saved.name), "success")
            else:
                flash(_("The rate “%(name)s” is corrected.", name=saved.name), "success")
            return redirect(url_for(".tax_rate", rate_id=saved.id))
    return _render_rate(org, rate, form=form, status=status)


@bp.post("/tax/rates/<rate_id>/end")
def tax_rate_end(rate_id: str):
    org = _admin()
    rate = get_or_404(OrgTaxRate, org, rate_id, _("This tax rate does not exist."))
    form = EndForm()
    status = 422
    if form.validate():
        try:
            admin.close_rate(rate, at=_utc(form.ends_at.data), by=g.employee)
        except DomainError as exc:
            _raise_access(exc)
            status = _field_error(form, exc)
        else:
            db.session.commit()
            flash(_("The rate “%(name)s” ends as you chose.", name=rate.name), "success")
            return redirect(url_for(".tax_rate", rate_id=rate.id))
    return _render_rate(org, rate, end_form=form, status=status)


# ---- the preview ---------------------------------------------------------------------------------

@bp.get("/tax/preview")
def tax_preview_page():
    org = _admin()
    asked = "price" in request.args or "category" in request.args
    form = PreviewForm(request.args if asked else None)
    form.category.choices = _category_choices(org)
    rows, status = None, 200
    if asked:
        if form.validate():
            category = get_or_404(OrgTaxCategory, org, form.category.data, _("This tax category does not exist."))
            rows = tax_preview(org, price=form.price.data, category=category)
        else:
            status = 422
    return render("staff/tax_preview.html", "staff/_tax_preview_result.html", form=form, rows=rows,
                  type_labels=TYPE_LABELS, status=status)
