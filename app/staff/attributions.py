"""Who earns from a product (``/dashboard/<org>/products/<id>/attributions``, the product's
"Creators and shares" tab): employees with a type, a share of net revenue and an effective window.

Admins and managers add and end attributions (``catalog_all``); a creator attributed to the product
reads them. A change never edits the past: setting a new share ends the running attribution and
starts another (app.catalog.attributions.set_attribution); the pool keeps every moment's total at
most 100 % and the refusal says how much is left.
"""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Optional

from app.catalog import attributions
from app.catalog.models import ATTRIBUTION_TYPES, OrgEmployeeProductAttribution
from app.db import utcnow
from app.errors import DomainError, NotFoundError, PermissionDeniedError
from app.extensions import db
from app.orgs.models import OrgEmployee
from app.orgs.permissions import can
from app.orgs.services import employee_names, get_or_404
from app.revenue.services import end_attribution
from app.staff.blueprint import bp
from app.staff.product_tabs import editable_product
from app.web.htmx import redirect, render
from app.web.inputs import DecimalNumberField, Form
from app.web.tables import day_start

TYPE_LABELS = {"creator": _l("Creator"), "collaborator": _l("Collaborator"), "manager": _l("Manager"),
               "reviewer": _l("Reviewer")}


class AttributionForm(Form):
    employee_id = SelectField(_l("Employee"), validators=[InputRequired(message=_l("Choose an employee."))])
    attribution_type = SelectField(_l("Role on the product"),
                                   choices=[SelectChoice(t, TYPE_LABELS[t]) for t in ATTRIBUTION_TYPES],
                                   validators=[InputRequired(message=_l("Choose a role."))])
    percent = DecimalNumberField(_l("Share of net revenue (%)"), message=_l("Enter a percentage such as 30."),
                                 minimum=0, maximum=100,
                                 validators=[InputRequired(message=_l("Enter the share in percent."))])
    starts_on = DateField(_l("From (optional, default: now)"), validators=[Optional()])


def _people(org_id: str) -> dict[str, str]:
    """Employee id -> name, for the org's active employees (one query)."""
    return employee_names(org_id, active_only=True)


def _form(names: dict[str, str], formdata=None) -> AttributionForm:
    form = AttributionForm(formdata=formdata)
    form.employee_id.choices = [SelectChoice("", _("Choose an employee"))] + [
        SelectChoice(key, name) for key, name in names.items()]
    return form


def _page(product, form=None, status: int = 200):
    names = _people(product.org_id)
    timeline = attributions.attribution_timeline(product)
    missing = {a.employee_id for a in timeline} - set(names)
    # ended attributions of people who left: their names too (one more query at most)
    names_all = employee_names(product.org_id, ids=missing) if missing else {}
    may_edit = can(g.employee, "catalog_all")
    now = utcnow()
    return render("staff/product_attributions.html", product=product, current="attributions", timeline=timeline,
                  names={**names_all, **names}, may_edit=may_edit, now=now, type_labels=TYPE_LABELS,
                  remaining=attributions.remaining_share(product),
                  form=(form or _form(names)) if may_edit else None, status=status)


@bp.get("/products/<product_id>/attributions")
def product_attributions(product_id: str):
    return _page(editable_product(product_id))


@bp.post("/products/<product_id>/attributions")
def product_attribution_set(product_id: str):
    product = editable_product(product_id)
    form = _form(_people(product.org_id), request.form)
    if form.validate():
        starts = day_start(form.starts_on.data) if form.starts_on.data else None
        try:
            employee = get_or_404(OrgEmployee, product.org_id, form.employee_id.data, _("Employee not found."))
            attributions.set_attribution(product, employee, percent=form.percent.data,
                                         type=form.attribution_type.data, effective_from=starts, by=g.employee)
        except PermissionDeniedError:
            raise
        except DomainError as exc:
            db.session.rollback()
            form.percent.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Share saved."), "success")
            return redirect(url_for("staff.product_attributions", product_id=product.id))
    return _page(product, form, status=422)


@bp.post("/products/<product_id>/attributions/<attribution_id>/end")
def product_attribution_end(product_id: str, attribution_id: str):
    product = editable_product(product_id)
    attribution = get_or_404(OrgEmployeeProductAttribution, product.org_id, attribution_id)
    if attribution.product_id != product.id:
        raise NotFoundError(_("Not found."))
    try:
        end_attribution(attribution, by=g.employee)
    except PermissionDeniedError:
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The share ends now; it goes back to the organization."), "success")
    return redirect(url_for("staff.product_attributions", product_id=product.id))



