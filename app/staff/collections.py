"""Collections (``/dashboard/<org>/collections``): the list, creating and editing one, adding
products and ordering them (move up/down: plain forms without JavaScript, htmx swaps the list in
place). Collections are the org's catalog: ``catalog_all`` (admins, managers); others get 403.
The rules are app.catalog.products' and app.catalog.services'.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice

from app.catalog import products as product_rules
from app.catalog.models import OrgProduct, OrgProductCollection, OrgProductCollectionProduct
from app.errors import DomainError
from app.extensions import db
from app.orgs.models import OrgEmployee
from app.orgs.permissions import require
from app.staff.blueprint import bp
from app.staff.product_tabs import STATUS_LABELS
from app.web import htmx
from app.web.htmx import redirect, render
from app.web.inputs import Form


class CollectionForm(Form):
    name = StringField(_l("Name"))
    slug = StringField(_l("Address (slug)"))
    description = TextAreaField(_l("Description"))


class AddProductForm(Form):
    product_id = SelectField(_l("Product"), choices=[], validate_choice=False)


class ActionForm(Form):
    """The CSRF token only (move, remove)."""


def collection_list(employee: OrgEmployee) -> list[tuple[OrgProductCollection, int]]:
    """The org's collections with their number of products (one query; 403 without ``catalog_all``)."""
    require(employee, "catalog_all")
    count = (sa.select(sa.func.count(OrgProductCollectionProduct.id))
             .where(OrgProductCollectionProduct.collection_id == OrgProductCollection.id)
             .correlate(OrgProductCollection).scalar_subquery())
    return list(db.session.execute(
        sa.select(OrgProductCollection, count).where(OrgProductCollection.org_id == employee.org_id)
        .order_by(OrgProductCollection.sort_order, sa.func.lower(OrgProductCollection.name))).tuples())


def load_collection(employee: OrgEmployee, collection_id: str) -> OrgProductCollection:
    """The employee's org's collection ``collection_id`` (404 for another org's; 403 without
    ``catalog_all``)."""
    require(employee, "catalog_all")
    return product_rules.product_collection(employee.org_id, collection_id)


def _load(collection_id: str) -> OrgProductCollection:
    return load_collection(g.employee, collection_id)


def _entries(collection: OrgProductCollection) -> list[tuple[OrgProductCollectionProduct, OrgProduct]]:
    """The collection's products in their order (one query)."""
    return list(db.session.execute(
        sa.select(OrgProductCollectionProduct, OrgProduct)
        .join(OrgProduct, OrgProduct.id == OrgProductCollectionProduct.product_id)
        .where(OrgProductCollectionProduct.collection_id == collection.id)
        .order_by(OrgProductCollectionProduct.sort_order, OrgProductCollectionProduct.created_at,
                  OrgProductCollectionProduct.id)).tuples())


def _add_form(collection: OrgProductCollection, entries, formdata=None) -> AddProductForm:
    form = AddProductForm(formdata=formdata)
    inside = {product.id for _link, product in entries}
    form.product_id.choices = [SelectChoice("", _("Choose a product"))] + [
        SelectChoice(pid, name) for pid, name in db.session.execute(
            sa.select(OrgProduct.id, OrgProduct.name).where(OrgProduct.org_id == collection.org_id)
            .order_by(sa.func.lower(OrgProduct.name), OrgProduct.id)) if pid not in inside]
    return form


def _render(collection: OrgProductCollection, *, form: CollectionForm | None = None,
            add_form: AddProductForm | None = None, error: str | None = None, status: int = 200):
    entries = _entries(collection)
    form = form or CollectionForm(data={"name": collection.name, "slug": collection.slug,
                                        "description": collection.description})
    return render("staff/collection.html", "staff/_collection_products.html", collection=collection,
                  entries=entries, form=form, add_form=add_form or _add_form(collection, entries),
                  action_form=ActionForm(), error=error, status_labels=STATUS_LABELS, status=status)


def _field_errors(form: Form, exc: DomainError) -> None:
    if isinstance(exc, product_rules.FieldErrors):
        for name, message in exc.errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                form.form_errors.append(message)
    else:
        form.form_errors.append(exc.message)


# ---- views ----------------------------------------------------------------------------------------

@bp.get("/collections")
def collections():
    return render("staff/collections.html", rows=collection_list(g.employee))


@bp.route("/collections/new", methods=["GET", "POST"])
def collection_new():
    require(g.employee, "catalog_all")
    form = CollectionForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                collection = product_rules.create_collection_from_input(
                    g.staff_org, name=form.name.data, slug=form.slug.data, description=form.description.data,
                    by=g.employee)
            except DomainError as exc:
                db.session.rollback()
                _field_errors(form, exc)
            else:
                db.session.commit()
                flash(_("The collection “%(name)s” was created. Add its products.", name=collection.name), "success")
                return redirect(url_for(".collection", collection_id=collection.id))
    return render("staff/collection_new.html", form=form, status=status)


@bp.route("/collections/<collection_id>", methods=["GET", "POST"])
def collection(collection_id: str):
    item = _load(collection_id)
    if request.method == "GET":
        return _render(item)
    form = CollectionForm()
    if form.validate():
        try:
            product_rules.update_collection(item, name=form.name.data, slug=form.slug.data,
                                            description=form.description.data, by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            _field_errors(form, exc)
            return _render(_load(collection_id), form=form, status=422)
        db.session.commit()
        flash(_("The changes were saved."), "success")
        return redirect(url_for(".collection", collection_id=item.id))
    return _render(item, form=form, status=422)


@bp.post("/collections/<collection_id>/products")
def collection_add(collection_id: str):
    item = _load(collection_id)
    form = AddProductForm()
    if form.validate():
        try:
            product_rules.add_product(item, form.product_id.data, by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            item = _load(collection_id)
            add_form = _add_form(item, _entries(item), request.form)
            _field_errors(add_form, exc)
            return _render(item, add_form=add_form, status=422)
        db.session.commit()
        if htmx.is_htmx():
            return _render(item)
        flash(_("The product was added to the collection."), "success")
        return redirect(url_for(".collection", collection_id=item.id))
    return _render(item, add_form=form, status=422)


def _link_action(collection_id: str, act, message: str):
    item = _load(collection_id)
    form = ActionForm()
    if not form.validate():
        return _render(item, error=_("The form expired. Please try again."), status=400)
    try:
        act(item)
    except DomainError as exc:
        db.session.rollback()
        return _render(_load(collection_id), error=exc.message, status=422 if exc.status_code == 404 else exc.status_code)
    db.session.commit()
    if htmx.is_htmx():
        return _render(item)
    flash(message, "success")
    return redirect(url_for(".collection", collection_id=item.id) + "#collection-products")


@bp.post("/collections/<collection_id>/products/<link_id>/move")
def collection_move(collection_id: str, link_id: str):
    direction = request.form.get("direction", "")
    return _link_action(collection_id,
                        lambda item: product_rules.move_product(item, link_id, direction, by=g.employee),
                        _("The order was changed."))


@bp.post("/collections/<collection_id>/products/<link_id>/remove")
def collection_remove(collection_id: str, link_id: str):
    return _link_action(collection_id, lambda item: product_rules.remove_product(item, link_id, by=g.employee),
                        _("The product was removed from the collection."))
