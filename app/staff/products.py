"""Products (``/dashboard/<org>/products``): the list (app/web/tables.py) with filters by type,
status, collection and creator, search and CSV; creating a product of any of the four types; its
details page (the "details" tab of app/staff/product_tabs.py) with the type's own fields, the
status workflow (draft → published → archived → draft) with the publishing checklist, and
duplicating.

Who: ``catalog_all`` (admins, managers) every product; ``catalog_own`` (creators) the products
attributed to them (their list shows only those, another product's page is 403, and a product
they create is attributed to them); staff nothing. The rules are the services'
(app.catalog.services, app.catalog.products); views parse, call one, commit once, render.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.models import UserProfile
from app.catalog import products as product_rules
from app.catalog.attributions import attributed_product_ids
from app.catalog.models import (
    PRODUCT_STATUSES,
    OrgEmployeeProductAttribution,
    OrgProduct,
    OrgProductCollection,
    OrgProductCollectionProduct,
)
from app.catalog.services import publish_checklist
from app.courses.models import OrgProductCourse, OrgProductCourseSkill
from app.db import utcnow
from app.errors import DomainError, PermissionDeniedError
from app.extensions import db
from app.orgs.models import OrgEmployee, OrgMember
from app.orgs.permissions import can, require
from app.platform.models import Skill
from app.staff.blueprint import bp
from app.staff.product_tabs import STATUS_LABELS, editable_product
from app.tax.models import OrgTaxCategory
from app.web import labels, tables
from app.web.htmx import redirect, render
from app.web.inputs import Form

Attribution = OrgEmployeeProductAttribution


# ---- the list -------------------------------------------------------------------------------------

def _effective(moment):
    return sa.and_(Attribution.effective_from <= moment,
                   sa.or_(Attribution.effective_to.is_(None), Attribution.effective_to > moment))


def product_rows(employee: OrgEmployee) -> sa.Select:
    """The org's products ``employee`` may edit: all with ``catalog_all``, the attributed ones with
    ``catalog_own``, 403 otherwise."""
    require(employee, "catalog_own")
    stmt = sa.select(OrgProduct).where(OrgProduct.org_id == employee.org_id)
    if not can(employee, "catalog_all"):
        stmt = stmt.where(OrgProduct.id.in_(attributed_product_ids(employee)))
    return stmt


@dataclass(frozen=True)
class ProductRow:
    product: OrgProduct
    creators: str


def _creator_names(product_ids: Sequence[str]) -> dict[str, list[str]]:
    """The names of each product's creators now (one query)."""
    if not product_ids:
        return {}
    member = aliased(OrgMember)
    names: dict[str, list[str]] = defaultdict(list)
    for pid, name in db.session.execute(
        sa.select(Attribution.product_id, UserProfile.display_name)
        .join(OrgEmployee, OrgEmployee.id == Attribution.employee_id)
        .join(member, member.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == member.user_profile_id)
        .where(Attribution.product_id.in_(product_ids), Attribution.attribution_type == "creator",
               _effective(utcnow()))
        .order_by(Attribution.product_id, sa.func.lower(UserProfile.display_name))
    ):
        if name not in names[pid]:
            names[pid].append(name)
    return names


def _rows(rows: Sequence) -> list[ProductRow]:
    products = [row[0] for row in rows]
    names = _creator_names([p.id for p in products])
    return [ProductRow(p, ", ".join(names.get(p.id, []))) for p in products]


def _label(kind: str, key: str) -> str:
    """An enum label in the request's language, translated once per request (the export asks per row)."""
    cache = g.setdefault("_product_labels", {})
    if kind not in cache:
        cache[kind] = {k: str(v) for k, v in {"type": labels.PRODUCT_TYPES, "status": STATUS_LABELS}[kind].items()}
    return cache[kind].get(key, key)


def _collection_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    return [(cid, name) for cid, name in db.session.execute(
        sa.select(OrgProductCollection.id, OrgProductCollection.name)
        .where(OrgProductCollection.org_id == employee.org_id)
        .order_by(OrgProductCollection.sort_order, sa.func.lower(OrgProductCollection.name)))]


def _creator_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    """The employees credited as creator of a product of the org now (a creator: only themself)."""
    member = aliased(OrgMember)
    stmt = (sa.select(OrgEmployee.id, UserProfile.display_name)
            .join(member, member.id == OrgEmployee.member_id)
            .join(UserProfile, UserProfile.id == member.user_profile_id)
            .where(OrgEmployee.org_id == employee.org_id, OrgEmployee.id.in_(
                sa.select(Attribution.employee_id).where(Attribution.org_id == employee.org_id,
                                                         Attribution.attribution_type == "creator",
                                                         _effective(utcnow()))))
            .order_by(sa.func.lower(UserProfile.display_name), OrgEmployee.id))
    if not can(employee, "catalog_all"):
        stmt = stmt.where(OrgEmployee.id == employee.id)
    return [(eid, name) for eid, name in db.session.execute(stmt)]


def _in_collection(collection_id: str):
    return OrgProduct.id.in_(sa.select(OrgProductCollectionProduct.product_id)
                             .where(OrgProductCollectionProduct.collection_id == collection_id))


def _by_creator(employee_id: str):
    return OrgProduct.id.in_(sa.select(Attribution.product_id).where(
        Attribution.employee_id == employee_id, Attribution.attribution_type == "creator", _effective(utcnow())))


PRODUCTS = tables.Table(
    id="products",
    title=_l("Products"),
    endpoint="staff.products",
    query=product_rows,
    key=OrgProduct.id,
    prepare=_rows,
    row_id=lambda row: row.product.id,
    row_label=lambda row: row.product.name,
    row_attrs=lambda row: {"data-product": row.product.slug, "data-status": row.product.status},
    columns=[
        tables.Column("name", _l("Name"), sort=sa.func.lower(OrgProduct.name), csv=lambda row: row.product.name),
        tables.Column("slug", _l("Slug"), html=False, csv=lambda row: row.product.slug),
        tables.Column("type", _l("Type"), sort=OrgProduct.type, csv=lambda row: _label("type", row.product.type)),
        tables.Column("status", _l("Status"), sort=OrgProduct.status,
                      csv=lambda row: _label("status", row.product.status)),
        tables.Column("creators", _l("Creators"), csv=lambda row: row.creators),
        tables.Column("updated", _l("Last changed"), sort=OrgProduct.updated_at, csv=lambda row: row.product.updated_at),
        tables.Column("published", _l("Published"), html=False, csv=lambda row: row.product.published_at),
    ],
    search=[OrgProduct.name, OrgProduct.slug],
    search_label=_l("Search name or slug"),
    filters=[
        tables.Choice("type", _l("Type"), options=list(labels.PRODUCT_TYPES.items()),
                      where=lambda value: OrgProduct.type == value),
        tables.Choice("status", _l("Status"), options=[(s, STATUS_LABELS[s]) for s in PRODUCT_STATUSES],
                      where=lambda value: OrgProduct.status == value),
        tables.Choice("collection", _l("Collection"), options=_collection_choices, where=_in_collection),
        tables.Choice("creator", _l("Creator"), options=_creator_choices, where=_by_creator),
    ],
    default_sort="-updated",
    empty=_l("No products yet."),
    empty_hint=_l("Create a course, a download, a service or a physical product to sell it in your stores."),
)


# ---- forms ----------------------------------------------------------------------------------------

class ProductForm(Form):
    """A product's details; the rules (lengths, the free slug, numbers) are the services'."""

    type = HiddenField()
    name = StringField(_l("Name"))
    slug = StringField(_l("Address (slug)"))
    description = TextAreaField(_l("Description"))
    tax_category_id = SelectField(_l("Tax category"), choices=[], validate_choice=False)
    booking_note = TextAreaField(_l("Booking note"))
    weight_grams = StringField(_l("Weight (grams)"), render_kw={"inputmode": "numeric"})
    shipping_note = TextAreaField(_l("Shipping note"))
    level = SelectField(_l("Level"), choices=[SelectChoice(k, v) for k, v in labels.COURSE_LEVELS.items()],
                        validate_choice=False)
    difficulty = StringField(_l("Difficulty (1-10)"), render_kw={"inputmode": "numeric"})
    duration_minutes = StringField(_l("Duration (minutes)"), render_kw={"inputmode": "numeric"})
    prerequisites = TextAreaField(_l("Prerequisites"))
    skill_ids = SelectMultipleField(_l("Skills taught"), choices=[], validate_choice=False,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    TYPE_FIELDS = {"service": ("booking_note",), "physical": ("weight_grams", "shipping_note"),
                   "course": ("level", "difficulty", "duration_minutes", "prerequisites", "skill_ids")}

    def fields_for(self, product_type: str) -> list:
        return [self[name] for name in self.TYPE_FIELDS.get(product_type, ())]

    def to_input(self) -> product_rules.ProductInput:
        return product_rules.ProductInput(
            name=self.name.data, slug=self.slug.data, description=self.description.data,
            tax_category_id=self.tax_category_id.data or None, booking_note=self.booking_note.data,
            weight_grams=self.weight_grams.data, shipping_note=self.shipping_note.data, level=self.level.data,
            difficulty=self.difficulty.data, duration_minutes=self.duration_minutes.data,
            prerequisites=self.prerequisites.data, skill_ids=list(self.skill_ids.data or []))


class ActionForm(Form):
    """The CSRF token only (status changes, duplicating)."""


def _product_form(org_id: str, formdata=None, **data) -> ProductForm:
    form = ProductForm(formdata=formdata, data=data)
    form.tax_category_id.choices = [SelectChoice("", _("None yet"))] + [
        SelectChoice(cid, name) for cid, name in db.session.execute(
            sa.select(OrgTaxCategory.id, OrgTaxCategory.name).where(OrgTaxCategory.org_id == org_id)
            .order_by(sa.func.lower(OrgTaxCategory.name)))]
    form.skill_ids.choices = [SelectChoice(sid, name) for sid, name in db.session.execute(
        sa.select(Skill.id, Skill.name).order_by(sa.func.lower(Skill.name), Skill.id))]
    return form


def _form_data(product: OrgProduct) -> dict:
    data = {name: getattr(product, name) for name in ("name", "slug", "description", "tax_category_id",
                                                      "booking_note", "weight_grams", "shipping_note")}
    course = db.session.get(OrgProductCourse, product.id) if product.type == "course" else None
    if course is not None:
        data.update(level=course.level, difficulty=course.difficulty, duration_minutes=course.duration_minutes,
                    prerequisites=course.prerequisites, skill_ids=list(db.session.scalars(
                        sa.select(OrgProductCourseSkill.skill_id)
                        .where(OrgProductCourseSkill.course_product_id == product.id))))
    elif product.type == "course":
        data.update(level="beginner", difficulty=1)
    return data


def _apply_errors(form: ProductForm | Form, exc: DomainError) -> None:
    """A refused save: its messages on the fields they concern (else on the form)."""
    if isinstance(exc, PermissionDeniedError):
        raise exc
    if isinstance(exc, product_rules.FieldErrors):
        for name, message in exc.errors.items():
            target = getattr(form, name, None)
            if target is not None:
                target.errors = [*target.errors, message]
            else:
                form.form_errors.append(message)
    else:
        form.form_errors.append(exc.message)


def _type_or_404(value: str | None) -> str:
    if value not in labels.PRODUCT_TYPES:
        abort(404)
    return value


# ---- views ----------------------------------------------------------------------------------------

@bp.get("/products")
def products():
    return PRODUCTS.respond(g.employee, "staff/products.html", "staff/_products_table.html",
                            type_label=lambda key: _label("type", key), status_label=lambda key: _label("status", key))


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    require(g.employee, "catalog_own")
    product_type = (request.form.get("type") if request.method == "POST" else request.args.get("type")) or ""
    if not product_type:
        return render("staff/product_new.html", form=None, product_type=None, types=labels.PRODUCT_TYPES)
    product_type = _type_or_404(product_type)
    if request.method == "GET":
        form = _product_form(g.staff_org.id, type=product_type, level="beginner", difficulty=1)
        return render("staff/product_new.html", form=form, product_type=product_type, types=labels.PRODUCT_TYPES)
    form = _product_form(g.staff_org.id, request.form)
    status = 422
    if form.validate():
        try:
            product = product_rules.create_from_input(g.staff_org, product_type, form.to_input(), by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
            status = 400 if exc.status_code == 400 else 422
        else:
            db.session.commit()
            flash(_("The product “%(name)s” was created as a draft.", name=product.name), "success")
            return redirect(url_for(".product", product_id=product.id))
    return render("staff/product_new.html", form=form, product_type=product_type, types=labels.PRODUCT_TYPES,
                  status=status)


def _render_product(product: OrgProduct, form: ProductForm | None = None, *, status: int = 200,
                    refused: list[str] | None = None, status_error: str | None = None):
    form = form or _product_form(product.org_id, **_form_data(product))
    return render("staff/product.html", product=product, form=form, current="details",
                  checklist=publish_checklist(product), refused=refused or [], status_error=status_error,
                  action_form=ActionForm(), type_label=labels.PRODUCT_TYPES.get(product.type, product.type),
                  copies=_copies_text(product), status=status)


def _copies_text(product: OrgProduct) -> str:
    if product.type == "course":
        return _("The copy is a new draft with the details, translations, variants, payment plans, prices "
                 "and the course's details, skills, modules, sections and lessons. Images, search texts, "
                 "collections, reviews and revenue shares are not copied; variants get no SKU.")
    return _("The copy is a new draft with the details, translations, variants, payment plans and prices. "
             "Images, search texts, collections, reviews and revenue shares are not copied; variants get no SKU.")


@bp.route("/products/<product_id>", methods=["GET", "POST"])
def product(product_id: str):
    item = editable_product(product_id)
    if request.method == "GET":
        return _render_product(item)
    form = _product_form(item.org_id, request.form)
    if form.validate():
        try:
            product_rules.update_from_input(item, form.to_input(), by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
            return _render_product(editable_product(product_id), form, status=422)
        db.session.commit()
        flash(_("The changes were saved."), "success")
        return redirect(url_for(".product", product_id=item.id))
    return _render_product(item, form, status=422)


@bp.post("/products/<product_id>/status")
def product_status(product_id: str):
    item = editable_product(product_id)
    form = ActionForm()
    if not form.validate():
        return _render_product(item, status=400, status_error=_("The form expired. Please try again."))
    to = request.form.get("to", "")
    try:
        product_rules.change_status(item, to, by=g.employee)
    except DomainError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        db.session.rollback()
        item = editable_product(product_id)
        missing = getattr(exc, "missing", None)
        return _render_product(item, status=409 if exc.status_code == 409 else 422, refused=missing,
                               status_error=None if missing else exc.message)
    db.session.commit()
    messages = {"published": _("The product is published: it is on sale in your stores."),
                "archived": _("The product is archived: it is no longer on sale; buyers keep their access."),
                "draft": _("The product is a draft again.")}
    flash(messages[to], "success")
    return redirect(url_for(".product", product_id=item.id))


@bp.post("/products/<product_id>/duplicate")
def product_duplicate(product_id: str):
    item = editable_product(product_id)
    form = ActionForm()
    if not form.validate():
        return _render_product(item, status=400, status_error=_("The form expired. Please try again."))
    try:
        copy = product_rules.duplicate_product(item, by=g.employee)
    except DomainError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        db.session.rollback()
        return _render_product(editable_product(product_id), status=422, status_error=exc.message)
    db.session.commit()
    flash(_("This is the copy of “%(name)s”, a draft. Change what differs, then publish it.", name=item.name),
          "success")
    return redirect(url_for(".product", product_id=copy.id))
