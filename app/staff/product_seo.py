"""A product's search and sharing tab (``/dashboard/<org>/products/<id>/seo``): the title,
description, keywords, canonical address and robots directive search engines read, and the
OpenGraph title, description, image and type of shared links, with live character counters and a
search-result and social-card preview (the same fragment the server renders on load, after a
refused submit, and for htmx while typing).

The rules (limits, addresses, choices) are ``app.catalog.seo.check_seo``; the storefront's <head>
reads the stored values through ``app.catalog.seo.for_product``.
"""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice

from app.catalog import seo
from app.errors import DomainError
from app.extensions import db
from app.staff.blueprint import bp
from app.staff.product_tabs import editable_product
from app.web.htmx import redirect, render
from app.web.inputs import Form

ROBOTS_LABELS = {
    "index,follow": _l("Show in search results and follow its links"),
    "noindex,follow": _l("Keep out of search results, follow its links"),
    "index,nofollow": _l("Show in search results, do not follow its links"),
    "noindex,nofollow": _l("Keep out of search results and do not follow its links"),
}
OG_TYPE_LABELS = {"product": _l("Product"), "website": _l("Website"), "article": _l("Article"),
                  "book": _l("Book"), "video.other": _l("Video")}


class ProductSeoForm(Form):
    """Shape only: the limits are checked by ``app.catalog.seo.check_seo`` (too long text is refused
    with a message on its field, never cut), so no field carries a ``maxlength`` that would cut a
    pasted text without a word."""

    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    keywords = StringField(_l("Keywords"))
    canonical_url = StringField(_l("Canonical URL"))
    robots_directive = SelectField(_l("Search engines"), validate_choice=False,
                                   choices=[SelectChoice(k, v) for k, v in ROBOTS_LABELS.items()])
    og_title = StringField(_l("Sharing title"))
    og_description = TextAreaField(_l("Sharing description"))
    og_image_url = StringField(_l("Sharing image URL"))
    og_image_alt = StringField(_l("Sharing image text"))
    og_type = SelectField(_l("Type"), validate_choice=False,
                          choices=[SelectChoice(k, v) for k, v in OG_TYPE_LABELS.items()])

    def values(self) -> dict[str, str | None]:
        return {name: getattr(self, name).data for name in seo.EDITABLE}


def _preview(product, form: ProductSeoForm) -> dict:
    """The previews of what is in the form (typed or stored), with the product's own text where a
    field is empty, as the storefront falls back."""
    values = form.values()
    shown = seo.snippet(
        name=product.name, text=product.description, image_url=product.image_url,
        title=(values["title"] or "").strip() or None, description=(values["description"] or "").strip() or None,
        og_title=(values["og_title"] or "").strip() or None,
        og_description=(values["og_description"] or "").strip() or None,
        og_image=(values["og_image_url"] or "").strip() or None,
        og_type=values["og_type"] if values["og_type"] in seo.OG_TYPES else None,
    )
    canonical = (values["canonical_url"] or "").strip()
    address = canonical or f"{request.host}/{g.staff_org.slug}/…/products/{product.slug}"
    return {"shown": shown, "address": address, "site_name": g.staff_org.name,
            "image_alt": (values["og_image_alt"] or "").strip(),
            "noindex": (values["robots_directive"] or "").startswith("noindex")}


def _page(product, form: ProductSeoForm, status: int = 200):
    return render("staff/product_seo.html", "staff/_product_seo_preview.html", product=product, form=form,
                  current="seo", limits=seo.LIMITS, preview=_preview(product, form), status=status)


@bp.route("/products/<product_id>/seo", methods=["GET", "POST"])
def product_seo(product_id: str):
    product = editable_product(product_id)
    if request.method == "GET":
        return _page(product, ProductSeoForm(data=vars(seo.seo_values(product))))
    form = ProductSeoForm()
    if form.validate():
        try:
            seo.set_product_seo(product, form.values(), by=g.employee)
        except seo.SeoInputError as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Search and sharing settings saved."), "success")
            return redirect(url_for(".product_seo", product_id=product.id))
    return _page(product, form, status=422)


@bp.post("/products/<product_id>/seo/preview")
def product_seo_preview(product_id: str):
    """The previews of the typed values (htmx, while typing); nothing is stored."""
    product = editable_product(product_id)
    form = ProductSeoForm()
    form.validate()  # the CSRF token; the previews show the text as typed
    return render("staff/_product_seo_preview.html", product=product, form=form, limits=seo.LIMITS,
                  preview=_preview(product, form))
