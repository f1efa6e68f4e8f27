"""Content translations in the dashboard: a product's translations tab
(``/dashboard/<org>/products/<id>/translations``: every text of the product, its variants, its
plans and its course side by side with the base text, one language at a time, each row saved on
its own with htmx or a plain form), the same sheet for a collection
(``/dashboard/<org>/collections/<id>/translations``) and for the skills the org's courses teach
(``/dashboard/<org>/skills/translations``: the org's own names for the platform's skills), and
the org-wide overview (``/dashboard/<org>/translations``: what is missing per product and
language, with the filter "untranslated in X").

The texts and what is missing are ``app.catalog.translations``; a row is stored by
``app.learn.content_translations.save_row`` with the service of its kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from app.catalog import translations as sheets
from app.catalog.models import OrgProduct
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.learn.content_translations import save_row
from app.orgs.permissions import can
from app.staff.blueprint import bp
from app.staff.collections import load_collection
from app.staff.product_tabs import editable_product
from app.web import tables
from app.web.htmx import is_htmx, redirect, render
from app.web.inputs import Form


def row_form(row: sheets.TextRow, locale: str, *, posted: bool = False) -> Form:
    """The form of one row: a field per text, named by the row (a page holds many rows)."""
    attrs = {f.name: (TextAreaField if f.multiline else StringField)(
        _("%(field)s in %(locale)s", field=f.label, locale=locale)) for f in row.fields}
    cls = type("TranslationRowForm", (Form,), attrs)
    if posted:
        return cls(prefix=row.key)
    return cls(formdata=None, prefix=row.key, data=row.translated.get(locale, {}))


def _values(form: Form, row: sheets.TextRow) -> dict[str, str | None]:
    return {f.name: form[f.name].data for f in row.fields}


def _locale_arg(locales: list[str], value: str | None) -> str | None:
    return value if value in locales else None


@dataclass(frozen=True)
class SheetPage:
    """Where a sheet lives: its page template, the endpoint of its page and of a row's save, and the
    URL arguments naming its owner (the product, the collection; none for the org's skills)."""

    template: str
    endpoint: str
    save_endpoint: str
    args: dict
    context: dict
    not_found: str  # the 404 of a row that is not the owner's

    def page_url(self, locale: str | None, only_missing: bool = False) -> str:
        return url_for(self.endpoint, **self.args, **({"locale": locale} if locale else {}),
                       **({"missing": "1"} if only_missing else {}))

    def save_url(self, row: sheets.TextRow, locale: str, only_missing: bool = False) -> str:
        return url_for(self.save_endpoint, **self.args, locale=locale, kind=row.kind, row_id=row.id,
                       **({"missing": "1"} if only_missing else {}))


def _page(where: SheetPage, sheet, base, locales, locale, only_missing, forms=None, status=200):
    rows = [r for r in sheet.rows if not only_missing or r.missing(locale)] if locale else []
    forms = forms or {}
    return render(where.template, **where.context, sheet_page=where, base=base, locales=locales,
                  locale=locale, only_missing=only_missing, rows=rows, sheet=sheet,
                  forms={r.key: forms.get(r.key) or row_form(r, locale) for r in rows}, status=status)


def _show(where: SheetPage, sheet: sheets.Sheet, org_id: str):
    base, locales = sheets.translation_locales(org_id)
    locale = _locale_arg(locales, request.args.get("locale")) or (locales[0] if locales else None)
    return _page(where, sheet, base, locales, locale, request.args.get("missing") == "1")


def _save(where: SheetPage, load: Callable[[], sheets.Sheet], org_id: str, locale: str, kind: str, row_id: str):
    """Store one row of the sheet ``load`` reads; the row again (htmx) or the page (a plain form)."""
    base, locales = sheets.translation_locales(org_id)
    if locale not in locales:
        raise NotFoundError(_("This language is not one of the organization's languages."))
    sheet = load()
    row = sheet.find(kind, row_id)
    if row is None:
        raise NotFoundError(where.not_found)
    form = row_form(row, locale, posted=True)
    only_missing = request.args.get("missing") == "1"
    row_context = {**where.context, "sheet_page": where, "locale": locale, "base": base,
                   "only_missing": only_missing}
    if form.validate():
        try:
            save_row(row, locale, _values(form, row), by=g.employee)
        except ValidationError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            if not is_htmx():
                flash(_("Translation saved."), "success")
                return redirect(where.page_url(locale, only_missing) + f"#row-{row.key}")
            db.session.expire_all()
            row = load().find(kind, row_id)
            return render("staff/_translation_row.html", **row_context, row=row, form=row_form(row, locale),
                          saved=True)
    if is_htmx():
        return render("staff/_translation_row.html", **row_context, row=row, form=form, status=422)
    return _page(where, sheet, base, locales, locale, only_missing, forms={row.key: form}, status=422)


def _product_page(product) -> SheetPage:
    return SheetPage("staff/product_translations.html", ".product_translations", ".product_translation_save",
                     {"product_id": product.id}, {"product": product, "current": "translations"},
                     _("This text is not part of the product."))


@bp.get("/products/<product_id>/translations")
def product_translations(product_id: str):
    product = editable_product(product_id)
    return _show(_product_page(product), sheets.load_sheets([product])[product.id], product.org_id)


@bp.post("/products/<product_id>/translations/<locale>/<kind>/<row_id>")
def product_translation_save(product_id: str, locale: str, kind: str, row_id: str):
    product = editable_product(product_id)
    return _save(_product_page(product), lambda: sheets.load_sheets([product])[product.id], product.org_id,
                 locale, kind, row_id)


def _collection_page(collection) -> SheetPage:
    return SheetPage("staff/collection_translations.html", ".collection_translations",
                     ".collection_translation_save", {"collection_id": collection.id}, {"collection": collection},
                     _("This text is not part of the collection."))


@bp.get("/collections/<collection_id>/translations")
def collection_translations(collection_id: str):
    collection = load_collection(g.employee, collection_id)
    return _show(_collection_page(collection), sheets.load_collection_sheet(collection), collection.org_id)


@bp.post("/collections/<collection_id>/translations/<locale>/<kind>/<row_id>")
def collection_translation_save(collection_id: str, locale: str, kind: str, row_id: str):
    collection = load_collection(g.employee, collection_id)
    return _save(_collection_page(collection), lambda: sheets.load_collection_sheet(collection),
                 collection.org_id, locale, kind, row_id)


def _skills_page() -> SheetPage:
    return SheetPage("staff/skill_translations.html", ".skill_translations", ".skill_translation_save", {}, {},
                     _("This skill is not taught by the organization's courses."))


@bp.get("/skills/translations")
def skill_translations():
    return _show(_skills_page(), sheets.load_skill_sheet(g.employee), g.staff_org.id)


@bp.post("/skills/translations/<locale>/<kind>/<row_id>")
def skill_translation_save(locale: str, kind: str, row_id: str):
    return _save(_skills_page(), lambda: sheets.load_skill_sheet(g.employee), g.staff_org.id, locale, kind, row_id)


def _translation_locales(org_id: str) -> tuple[str | None, list[str]]:
    """``sheets.translation_locales`` once per request (the overview's filter and its counts both ask)."""
    found = g.get("_translation_locales")
    if found is None or found[0] != org_id:
        found = g._translation_locales = (org_id, sheets.translation_locales(org_id))
    return found[1]


def _untranslated_in(locale: str):
    return OrgProduct.id.in_(sheets.untranslated_product_ids(g.staff_org.id, locale))


# The org-wide overview, a page of products at a time: the list (and the filter "untranslated in X")
# in SQL, then the missing counts of the page's products in one query (``sheets.missing_counts``).
OVERVIEW = tables.Table(
    id="translations-table", title=_l("Translations"), endpoint="staff.translations",
    query=lambda employee: sheets.editable_products_query(employee).order_by(None),
    key=OrgProduct.id,
    columns=[tables.Column("name", _l("Product"))],
    default_order=lambda: [sa.func.lower(OrgProduct.name)],
    filters=[tables.Choice("untranslated", _l("Untranslated in"), any_label=_l("Any language (show all)"),
                           options=lambda employee: [(loc, loc) for loc in
                                                     _translation_locales(employee.org_id)[1]],
                           where=_untranslated_in)],
    per_page_options=(50, 100, 200),
)


@bp.get("/translations")
def translations():
    """The products the employee may edit, a page at a time, with the texts missing per language."""
    base, locales = _translation_locales(g.staff_org.id)
    listing = OVERVIEW.listing(g.employee).load()
    locale = listing.value("untranslated") or None
    products = [row[0] for row in listing.rows]
    counts = sheets.missing_counts(g.staff_org.id, [p.id for p in products], locales)
    rows = [(p, counts[p.id]) for p in products]
    total = listing.total if not locale else db.session.scalar(
        sa.select(sa.func.count()).select_from(listing.base.order_by(None).subquery()))
    return render("staff/translations.html", "staff/_translations_table.html", rows=rows, locales=locales,
                  base=base, locale=locale, total=total, listing=listing,
                  org_wide=can(g.employee, "catalog_all"), push_url=listing.url() if is_htmx() else None)
