"""Images and files in the dashboard: a product's cover and its download file (the product's
"media" tab), the signed-in employee's profile photo, and the brands (admins): create and edit a
brand's name, address, colour and tagline (app.markets.services: the colour must carry white text
at WCAG AA contrast) and its logo.

Uploads go through app.catalog.media (checks, audit) and app.platform.images (Pillow). Each form
is a plain multipart POST that redirects back (no JavaScript needed); with htmx the form swaps
its panel, which then shows the stored image as a preview, or the refusal on the form.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import InputRequired, Optional

from app.catalog import media
from app.errors import DomainError
from app.extensions import db
from app.markets import services as markets
from app.markets.models import BRAND_TAGLINE_MAX, DEFAULT_BRAND_COLOR, OrgBrand
from app.orgs.permissions import require
from app.orgs.services import get_or_404
from app.platform import images
from app.staff.blueprint import bp
from app.staff.forms import ConfirmForm
from app.staff.product_tabs import editable_product
from app.web.htmx import is_htmx, redirect, render
from app.web.inputs import Form


class ImageForm(Form):
    image = FileField(_l("Image file"))
    alt_text = StringField(_l("Alt text"))


class BrandForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Enter a name."))],
                       render_kw={"maxlength": 100})
    slug = StringField(_l("Address (slug)"), validators=[InputRequired(message=_l("Enter an address."))],
                       render_kw={"maxlength": 50, "autocomplete": "off"})
    primary_color = StringField(_l("Primary colour"), validators=[InputRequired(message=_l("Enter a colour."))],
                                render_kw={"maxlength": 7, "autocomplete": "off", "spellcheck": "false"})
    tagline = StringField(_l("Tagline (optional)"), validators=[Optional()],
                          render_kw={"maxlength": BRAND_TAGLINE_MAX})


class FileForm(Form):
    file = FileField(_l("File"))


def _upload(field) -> tuple[bytes, str | None]:
    """The uploaded file's bytes and name (empty when none was chosen)."""
    storage = field.data
    if storage is None or not getattr(storage, "filename", None):
        return b"", None
    return storage.read(), storage.filename


# ---- a product's media tab ------------------------------------------------------------------

def _media_page(product, *, cover_form=None, file_form=None, status=200, saved=None):
    cover = images.image_of("product_id", product.id, product.org_id)
    cover_form = cover_form or ImageForm(formdata=None, data={"alt_text": cover.alt_text if cover else ""})
    return render("staff/media.html", "staff/_media_panels.html", product=product, current="media",
                  cover=cover.view() if cover else None, cover_form=cover_form, file_form=file_form or FileForm(formdata=None),
                  file_key=media.product_file(product), remove_form=ConfirmForm(formdata=None),
                  max_image_mb=images.max_bytes() // (1024 * 1024),
                  max_file_mb=media.download_max_bytes() // (1024 * 1024), saved=saved, status=status)


@bp.get("/products/<product_id>/media")
def product_media(product_id: str):
    return _media_page(editable_product(product_id))


def _product_change(product_id: str, action, message: str, form_name: str, form):
    product = editable_product(product_id)
    try:
        action(product)
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _media_page(editable_product(product_id), status=exc.status_code if exc.status_code >= 400 else 422,
                           **{form_name: form})
    db.session.commit()
    if is_htmx():
        return _media_page(product, saved=message)
    flash(message, "success")
    return redirect(url_for(".product_media", product_id=product.id))


@bp.post("/products/<product_id>/media/cover")
def product_media_cover(product_id: str):
    form = ImageForm()
    data, _name = _upload(form.image)

    def change(product):
        if not data and images.image_of("product_id", product.id, product.org_id) is not None:
            media.set_product_cover_alt(product, form.alt_text.data, by=g.employee)
        else:
            media.set_product_cover(product, data, form.alt_text.data, by=g.employee)

    return _product_change(product_id, change, _("The cover image was saved."), "cover_form", form)


@bp.post("/products/<product_id>/media/cover/remove")
def product_media_cover_remove(product_id: str):
    return _product_change(product_id, lambda p: media.remove_product_cover(p, by=g.employee),
                           _("The cover image was removed."), "cover_form", ImageForm(formdata=None))


@bp.post("/products/<product_id>/media/file")
def product_media_file(product_id: str):
    form = FileForm()
    data, name = _upload(form.file)
    return _product_change(product_id, lambda p: media.set_download_file(p, data, name, by=g.employee),
                           _("The file was saved. Buyers download it from their orders."), "file_form", form)


@bp.post("/products/<product_id>/media/file/remove")
def product_media_file_remove(product_id: str):
    return _product_change(product_id, lambda p: media.remove_download_file(p, by=g.employee),
                           _("The file was removed; nobody can download it any more."), "file_form",
                           FileForm(formdata=None))


# ---- the signed-in employee's profile photo -------------------------------------------------

def _profile_page(form=None, status=200, saved=None):
    row = images.image_of("employee_id", g.employee.id, g.employee.org_id)
    form = form or ImageForm(formdata=None, data={"alt_text": row.alt_text if row else ""})
    return render("staff/media_profile.html", "staff/_media_avatar.html", avatar=row.view() if row else None,
                  form=form, remove_form=ConfirmForm(formdata=None), saved=saved, status=status,
                  max_image_mb=images.max_bytes() // (1024 * 1024))


@bp.route("/profile/photo", methods=["GET", "POST"])
def profile_photo():
    if request.method == "GET":
        return _profile_page()
    form = ImageForm()
    data, _name = _upload(form.image)
    try:
        media.set_avatar(g.employee, data, form.alt_text.data, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _profile_page(form, status=422)
    db.session.commit()
    message = _("Your profile photo was saved.")
    if is_htmx():
        return _profile_page(saved=message)
    flash(message, "success")
    return redirect(url_for(".profile_photo"))


@bp.post("/profile/photo/remove")
def profile_photo_remove():
    media.remove_avatar(g.employee, by=g.employee)
    db.session.commit()
    flash(_("Your profile photo was removed."), "success")
    return redirect(url_for(".profile_photo"))


# ---- brands' logos (admins) -----------------------------------------------------------------

def _brands_page(forms=None, status=200):
    require(g.employee, "org_settings")
    brands = db.session.scalars(
        sa.select(OrgBrand).where(OrgBrand.org_id == g.staff_org.id).order_by(OrgBrand.name)
    ).all()
    logos = images.images_for("brand_id", [b.id for b in brands])
    forms = forms or {}
    rows = [(brand, logos.get(brand.id), forms.get(brand.id) or ImageForm(
        formdata=None, prefix=_prefix(brand.id),
        data={"alt_text": logos[brand.id].alt if brand.id in logos else brand.name})) for brand in brands]
    return render("staff/media_brands.html", rows=rows, remove_form=ConfirmForm(formdata=None), status=status,
                  max_image_mb=images.max_bytes() // (1024 * 1024))


def _prefix(brand_id: str) -> str:
    """One form per brand on the page: the prefix keeps their field ids apart."""
    return f"brand-{brand_id}"


@bp.get("/settings/brands")
def brands():
    return _brands_page()


def _save_brand(brand: OrgBrand | None):
    """The form of a new brand (``brand`` None) or of ``brand``; POST saves and goes back to the list."""
    require(g.employee, "org_settings")
    org = g.staff_org
    form = BrandForm(obj=brand) if brand is not None else BrandForm(data={"primary_color": DEFAULT_BRAND_COLOR})
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            values = {"name": form.name.data, "slug": form.slug.data, "primary_color": form.primary_color.data,
                      "tagline": form.tagline.data}
            try:
                if brand is None:
                    brand = markets.create_brand(org, **values, by=g.employee)
                else:
                    markets.update_brand(brand, **values, by=g.employee)
            except DomainError as exc:
                db.session.rollback()
                if exc.status_code == 403:
                    raise
                field = getattr(form, getattr(exc, "field", None) or "", None)
                if field is not None:
                    field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
                else:
                    form.form_errors.append(exc.message)
                status = exc.status_code if exc.status_code >= 400 else 422
            else:
                db.session.commit()
                flash(_("The brand %(brand)s is saved.", brand=brand.name), "success")
                return redirect(url_for(".brands"))
    return render("staff/media_brand.html", form=form, brand=brand, status=status)


@bp.route("/settings/brands/new", methods=["GET", "POST"])
def brand_new():
    return _save_brand(None)


@bp.route("/settings/brands/<brand_id>", methods=["GET", "POST"])
def brand_edit(brand_id: str):
    require(g.employee, "org_settings")
    return _save_brand(get_or_404(OrgBrand, g.staff_org, brand_id, _("This brand does not exist.")))


@bp.post("/settings/brands/<brand_id>/logo")
def brand_logo(brand_id: str):
    require(g.employee, "org_settings")
    brand = get_or_404(OrgBrand, g.staff_org, brand_id)
    form = ImageForm(prefix=_prefix(brand.id))
    data, _name = _upload(form.image)
    try:
        media.set_brand_logo(brand, data, form.alt_text.data, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _brands_page({brand_id: form}, status=422)
    db.session.commit()
    flash(_("The logo of %(brand)s was saved.", brand=brand.name), "success")
    return redirect(url_for(".brands"))


@bp.post("/settings/brands/<brand_id>/logo/remove")
def brand_logo_remove(brand_id: str):
    require(g.employee, "org_settings")
    brand = get_or_404(OrgBrand, g.staff_org, brand_id)
    media.remove_brand_logo(brand, by=g.employee)
    db.session.commit()
    flash(_("The logo of %(brand)s was removed.", brand=brand.name), "success")
    return redirect(url_for(".brands"))
