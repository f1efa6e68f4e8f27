"""A product's variants and payment plans (the "plans" tab) and its price matrix (the "prices"
tab) in the dashboard: ``/dashboard/<org>/products/<product_id>/plans`` and ``.../prices``.

The rules are app.catalog.services (add_variant, add_plan, set_market_price) and app.catalog.plans
(editing variants and plans, deactivating a plan, the matrix). Who may: ``editable_product``
(admins and managers every product, creators the products attributed to them, 403 otherwise).

The matrix is one form (without JavaScript the whole matrix is posted and saved: a refused cell
shows its message, the others are saved, everything typed is shown again); with htmx each cell
posts itself when it changes and is swapped with its saved value or its error.
"""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length

from app.catalog import plans as catalog_plans
from app.catalog import services as catalog
from app.catalog.models import (
    INTERVALS,
    PLAN_TYPES,
    OrgProduct,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
)
from app.errors import DomainError, NotFoundError
from app.extensions import db
from app.orgs.services import get_or_404
from app.staff.blueprint import bp
from app.staff.product_tabs import editable_product
from app.web import labels
from app.web.htmx import is_htmx, redirect, render
from app.web.inputs import Form, WholeNumberField

# ---- forms ------------------------------------------------------------------------------------


class VariantForm(Form):
    name = StringField(_l("Variant name"), validators=[InputRequired(message=_l("Enter a name for the variant.")),
                                                      Length(max=100)])
    sku = StringField(_l("SKU"), validators=[Length(max=64)])
    is_default = BooleanField(_l("Default variant"))
    is_active = BooleanField(_l("Active (can be bought)"), default=True)


class MoveForm(Form):
    direction = SelectField(choices=[SelectChoice("up", "up"), SelectChoice("down", "down")])


class ActiveForm(Form):
    active = SelectField(choices=[SelectChoice("1", "1"), SelectChoice("0", "0")])


def _tier_choices() -> list[SelectChoice]:
    return [SelectChoice(str(t), labels.tier_label(t)) for t in range(1, catalog.MAX_ACCESS_TIER + 1)]


class PlanForm(Form):
    """A plan's fields; only the fields of the plan's type are used."""

    type = SelectField(_l("Type"), choices=[SelectChoice(t, labels.PLAN_TYPES[t]) for t in PLAN_TYPES])
    name = StringField(_l("Plan name"), validators=[InputRequired(message=_l("Enter a name for the plan.")),
                                                   Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Length(max=100_000)])
    access_tier = SelectField(_l("Access tier"), choices=_tier_choices, default="1")
    allow_gift_cards = BooleanField(_l("Gift cards can pay for it"), default=True)
    interval = SelectField(_l("Billing interval"), choices=[SelectChoice(i, labels.interval_label(i)) for i in INTERVALS],
                           default="month")
    interval_count = WholeNumberField(_l("Number of intervals per bill"),
                                      message=_l("Enter a whole number from %(min)d to %(max)d.", min=1,
                                                 max=catalog.MAX_INTERVAL_COUNT),
                                      minimum=1, maximum=catalog.MAX_INTERVAL_COUNT, default=1)
    trial_period_days = WholeNumberField(_l("Free trial (days)"),
                                         message=_l("Enter a whole number of days from %(min)d to %(max)d.", min=0,
                                                    max=catalog.MAX_TRIAL_DAYS),
                                         minimum=0, maximum=catalog.MAX_TRIAL_DAYS, default=0)
    usage_unit = StringField(_l("Usage unit"), validators=[Length(max=50)])
    included_units = WholeNumberField(_l("Included units per period"),
                                      message=_l("Enter a whole number of units, 0 or more."),
                                      minimum=0, maximum=catalog.MAX_INCLUDED_UNITS, default=0)

    def terms(self, type: str) -> dict:
        if type == "one_time":
            return {"allow_gift_cards": bool(self.allow_gift_cards.data)}
        if type == "subscription":
            return {"interval": self.interval.data,
                    "interval_count": 1 if self.interval_count.data is None else self.interval_count.data,
                    "trial_period_days": self.trial_period_days.data or 0}
        return {"usage_unit": self.usage_unit.data, "included_units": self.included_units.data or 0}

    def validate_for(self, type: str) -> bool:
        """Validate the common fields and those of the plan's type (the other types' fields, shown
        without JavaScript, are ignored)."""
        self.validate()
        unused = {name for names in catalog_plans.TERMS_FIELDS.values() for name in names}
        for name in unused - set(catalog_plans.TERMS_FIELDS.get(type, ())):
            self[name].errors = []
        return not self.form_errors and not any(fld.errors for fld in self)


def _plan_form_data(plan: OrgProductVariantPaymentPlan) -> dict:
    data = {"type": plan.type, "name": plan.name, "description": plan.description or "",
            "access_tier": str(plan.access_tier)}
    terms = plan.terms
    if terms is not None:
        data.update({key: getattr(terms, key) for key in catalog_plans.TERMS_FIELDS[plan.type]})
    return data


# ---- the plans tab ------------------------------------------------------------------------------


def _variant(product: OrgProduct, variant_id: str) -> OrgProductVariant:
    variant = get_or_404(OrgProductVariant, product.org_id, variant_id, _("This variant does not exist."))
    if variant.product_id != product.id:
        raise NotFoundError(_("This variant does not exist."))
    return variant


def _plan(product: OrgProduct, plan_id: str) -> OrgProductVariantPaymentPlan:
    plan = get_or_404(OrgProductVariantPaymentPlan, product.org_id, plan_id, _("This plan does not exist."))
    if plan.variant.product_id != product.id:
        raise NotFoundError(_("This plan does not exist."))
    return plan


def _render_plans(product: OrgProduct, *, forms: dict | None = None, errors: dict | None = None, status: int = 200):
    """The tab; ``forms`` replaces the blank or current form of one place ("variant-new",
    "variant-<id>", "plan-new-<variant id>") with the one that was posted, errors included."""
    forms, errors = forms or {}, errors or {}
    variants = catalog_plans.product_variants(product)
    variant_forms = {
        v.id: forms.get(f"variant-{v.id}") or VariantForm(formdata=None, prefix=f"v-{v.id}", data={
            "name": v.name, "sku": v.sku or "", "is_default": v.is_default, "is_active": v.is_active})
        for v in variants
    }
    plan_forms = {v.id: forms.get(f"plan-new-{v.id}") or PlanForm(formdata=None, prefix=f"p-{v.id}")
                  for v in variants}
    return render("staff/plans.html", product=product, current="plans", variants=variants,
                  variant_forms=variant_forms, plan_forms=plan_forms, errors=errors,
                  new_variant_form=forms.get("variant-new") or VariantForm(formdata=None, prefix="new"),
                  small_form=ActiveForm(formdata=None), status=status)


@bp.get("/products/<product_id>/plans")
def product_plans(product_id: str):
    return _render_plans(editable_product(product_id))


def _done(product: OrgProduct, message: str, anchor: str = ""):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".product_plans", product_id=product.id) + anchor)


def _refused(product: OrgProduct, key: str, form, exc: DomainError):
    db.session.rollback()
    form.form_errors.append(exc.message)
    return _render_plans(product, forms={key: form}, status=exc.status_code)


@bp.post("/products/<product_id>/variants")
def product_variant_add(product_id: str):
    product = editable_product(product_id)
    form = VariantForm(prefix="new")
    if not form.validate():
        return _render_plans(product, forms={"variant-new": form}, status=422)
    try:
        variant = catalog.add_variant(product, name=form.name.data, sku=form.sku.data,
                                      is_default=form.is_default.data, by=g.employee)
    except DomainError as exc:
        return _refused(product, "variant-new", form, exc)
    return _done(product, _("The variant “%(name)s” was added.", name=variant.name), f"#variant-{variant.id}")


@bp.post("/products/<product_id>/variants/<variant_id>")
def product_variant_edit(product_id: str, variant_id: str):
    product = editable_product(product_id)
    variant = _variant(product, variant_id)
    key = f"variant-{variant.id}"
    form = VariantForm(prefix=f"v-{variant.id}")
    if not form.validate():
        return _render_plans(product, forms={key: form}, status=422)
    try:
        catalog_plans.update_variant(variant, name=form.name.data, sku=form.sku.data,
                                     is_default=form.is_default.data, is_active=form.is_active.data, by=g.employee)
    except DomainError as exc:
        return _refused(product, key, form, exc)
    return _done(product, _("The variant “%(name)s” was saved.", name=variant.name), f"#variant-{variant.id}")


@bp.post("/products/<product_id>/variants/<variant_id>/move")
def product_variant_move(product_id: str, variant_id: str):
    product = editable_product(product_id)
    variant = _variant(product, variant_id)
    form = MoveForm()
    if not form.validate():
        return _render_plans(product, errors={variant.id: _("Choose up or down.")}, status=422)
    catalog_plans.move_variant(variant, form.direction.data, by=g.employee)
    return _done(product, _("The variant “%(name)s” was moved.", name=variant.name), f"#variant-{variant.id}")


@bp.post("/products/<product_id>/variants/<variant_id>/plans")
def product_plan_add(product_id: str, variant_id: str):
    product = editable_product(product_id)
    variant = _variant(product, variant_id)
    key = f"plan-new-{variant.id}"
    form = PlanForm(prefix=f"p-{variant.id}")
    if not form.validate_for(form.type.data):
        return _render_plans(product, forms={key: form}, status=422)
    try:
        plan = catalog.add_plan(variant, type=form.type.data, name=form.name.data, description=form.description.data,
                                access_tier=form.access_tier.data, **form.terms(form.type.data), by=g.employee)
    except DomainError as exc:
        return _refused(product, key, form, exc)
    db.session.commit()
    flash(_("The plan “%(name)s” was added. Now give it a price in each market.", name=plan.name), "success")
    return redirect(url_for(".product_prices", product_id=product.id) + f"#plan-{plan.id}")


@bp.route("/products/<product_id>/plans/<plan_id>", methods=["GET", "POST"])
def product_plan(product_id: str, plan_id: str):
    product = editable_product(product_id)
    plan = _plan(product, plan_id)
    if request.method == "GET":
        form = PlanForm(formdata=None, data=_plan_form_data(plan))
        return render("staff/plan_edit.html", product=product, current="plans", plan=plan, form=form)
    form = PlanForm(data={"type": plan.type})
    form.type.data = plan.type  # the type is fixed
    status = 422
    if form.validate_for(plan.type):
        try:
            catalog_plans.update_plan(plan, name=form.name.data, description=form.description.data,
                                      access_tier=form.access_tier.data, **form.terms(plan.type), by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status_code
        else:
            return _done(product, _("The plan “%(name)s” was saved.", name=plan.name), f"#plan-{plan.id}")
    return render("staff/plan_edit.html", product=product, current="plans", plan=plan, form=form, status=status)


@bp.post("/products/<product_id>/plans/<plan_id>/active")
def product_plan_active(product_id: str, plan_id: str):
    product = editable_product(product_id)
    plan = _plan(product, plan_id)
    form = ActiveForm()
    if not form.validate():
        return _render_plans(product, errors={plan.id: _("The form has expired. Try again.")}, status=400)
    active = form.active.data == "1"
    catalog_plans.set_plan_active(plan, active, by=g.employee)
    message = (_("The plan “%(name)s” is on sale again.", name=plan.name) if active else
               _("The plan “%(name)s” is no longer sold. Its buyers keep their access.", name=plan.name))
    return _done(product, message, f"#plan-{plan.id}")


# ---- the prices tab -----------------------------------------------------------------------------


class PricesForm(Form):
    """The matrix form: its CSRF token (the cells' inputs are named per cell and read below)."""


def _entries(matrix: catalog_plans.PriceMatrix) -> dict[str, tuple[str | None, str | None]]:
    """What was typed per cell of ``matrix`` (only the cells that were posted)."""
    entries = {}
    for plan in matrix.plans:
        for market in matrix.markets:
            key = catalog_plans.cell_key(plan.id, market.id)
            if f"price-{key}" in request.form:
                entries[key] = (request.form.get(f"price-{key}"), request.form.get(f"unit-{key}"))
    return entries


def _render_prices(product: OrgProduct, matrix: catalog_plans.PriceMatrix, *, typed: dict | None = None,
                   errors: dict | None = None, status: int = 200):
    return render("staff/prices.html", product=product, current="prices", matrix=matrix, typed=typed or {},
                  errors=errors or {}, form=PricesForm(formdata=None), cell_key=catalog_plans.cell_key,
                  step=catalog_plans.price_step, status=status)


@bp.route("/products/<product_id>/prices", methods=["GET", "POST"])
def product_prices(product_id: str):
    product = editable_product(product_id)
    if request.method == "GET":
        return _render_prices(product, catalog_plans.price_matrix(product))
    if not PricesForm().validate():
        return _render_prices(product, catalog_plans.price_matrix(product), typed=request.form.to_dict(),
                              errors={"form": _("The form has expired. Try again.")}, status=400)
    entries = _entries(catalog_plans.price_matrix(product))
    matrix, saved, errors = catalog_plans.save_matrix(product, entries, by=g.employee)
    db.session.commit()
    if errors:
        if saved:
            flash(_("%(num)d prices were saved.", num=saved), "success")
        typed = {name: request.form.get(name, "") for k in errors for name in (f"price-{k}", f"unit-{k}")}
        return _render_prices(product, catalog_plans.price_matrix(product), typed=typed, errors=errors, status=422)
    flash(_("The prices were saved.") if saved else _("No price was changed."), "success")
    return redirect(url_for(".product_prices", product_id=product.id))


@bp.post("/products/<product_id>/prices/<plan_id>/<market_id>")
def product_price_cell(product_id: str, plan_id: str, market_id: str):
    """One cell (htmx): saved and swapped with its value or its error, and the plan's warning."""
    product = editable_product(product_id)
    matrix = catalog_plans.price_matrix(product, plan_id=plan_id, market_id=market_id)
    plan, market = matrix.plans[0], matrix.markets[0]
    key = catalog_plans.cell_key(plan.id, market.id)
    status, error, typed = 200, None, {}
    if not PricesForm().validate():
        status, error = 400, _("The form has expired. Reload the page.")
    else:
        price, per_unit = request.form.get(f"price-{key}"), request.form.get(f"unit-{key}")
        try:
            catalog_plans.save_cell(matrix, plan, market, price=price, price_per_unit=per_unit, by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            status, error = exc.status_code, exc.message
            typed = {f"price-{key}": price or "", f"unit-{key}": per_unit or ""}
        else:
            db.session.commit()
    if not is_htmx():
        if error is None:
            flash(_("The price was saved."), "success")
            return redirect(url_for(".product_prices", product_id=product.id))
        full = catalog_plans.price_matrix(product)
        return _render_prices(product, full, typed=typed, errors={key: error}, status=status)
    matrix = catalog_plans.price_matrix(product, plan_id=plan.id)  # the plan's row: its warning
    market = next(m for m in matrix.markets if m.id == market.id)
    return render("staff/_prices_cell.html", matrix=matrix, plan=matrix.plans[0], market=market, typed=typed,
                  errors={key: error} if error else {}, cell_key=catalog_plans.cell_key, step=catalog_plans.price_step,
                  saved=error is None, oob=True, status=status)
