"""Images and files of the catalog: a product's cover, a download product's file, an employee's
avatar, a brand's logo. Every change is checked (``require_product_editor`` for a product,
the employee themself for an avatar, ``org_settings`` for a brand) and audited.

Images go through ``app.platform.images`` (checked, re-encoded, resized, content-hashed names).
A download's file is stored privately (``private/downloads/<org>/<sha256>/<name>``) and its key
becomes the ``download_url`` of the product's variants, so ``OrgProductVariant.has_download`` is
true and the buyer's signed download link (app/checkout/account_views.py) hands the file out,
only to members whose access is active.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _

from app.catalog.attributions import require_product_editor
from app.catalog.models import OrgProduct
from app.errors import PermissionDeniedError, ValidationError
from app.extensions import db
from app.markets.models import OrgBrand
from app.orgs.models import OrgEmployee
from app.orgs.services import audit, authorize, ensure_same_org
from app.platform import images
from app.platform.images import OrgImage
from app.platform.storage import storage

IMAGE_FIELDS = ("key", "alt_text", "width", "height")
DOWNLOAD_PREFIX = "private/downloads/"
FILE_NAME_MAX = 120


def _audit_image(row: OrgImage | None, *, action: str, by: OrgEmployee, entity_type: str, entity_id: str,
                 before: dict | None) -> None:
    after = {name: getattr(row, name) for name in IMAGE_FIELDS} if row is not None else None
    audit(by.org_id, action=action, entity_type=entity_type, entity_id=entity_id, actor_employee=by,
          data={"before": before, "after": after})


def _snapshot(row: OrgImage | None) -> dict | None:
    return {name: getattr(row, name) for name in IMAGE_FIELDS} if row is not None else None


# ---- product cover --------------------------------------------------------------------------

def set_product_cover(product: OrgProduct, data: bytes, alt: str | None, *, by: OrgEmployee) -> OrgImage:
    """Upload or replace the product's cover image (alt text required)."""
    require_product_editor(by, product)
    before = _snapshot(images.image_of("product_id", product.id, product.org_id))
    row = images.set_image("product_id", product.id, product.org_id, "cover", data, alt)
    _audit_image(row, action="product.cover_set", by=by, entity_type="org_product", entity_id=product.id,
                 before=before)
    return row


def set_product_cover_alt(product: OrgProduct, alt: str | None, *, by: OrgEmployee) -> OrgImage:
    """Change the alt text of the existing cover without uploading it again."""
    require_product_editor(by, product)
    row = images.image_of("product_id", product.id, product.org_id)
    if row is None:
        raise ValidationError(_("Upload a cover image first."))
    before = _snapshot(row)
    row.alt_text = images.check_alt(alt)
    db.session.flush()
    _audit_image(row, action="product.cover_set", by=by, entity_type="org_product", entity_id=product.id,
                 before=before)
    return row


def remove_product_cover(product: OrgProduct, *, by: OrgEmployee) -> None:
    require_product_editor(by, product)
    row = images.image_of("product_id", product.id, product.org_id)
    if row is None:
        return
    before = _snapshot(row)
    db.session.delete(row)
    db.session.flush()
    _audit_image(None, action="product.cover_removed", by=by, entity_type="org_product", entity_id=product.id,
                 before=before)


# ---- a download product's file --------------------------------------------------------------

def is_stored_file(download_url: str | None) -> bool:
    """Whether a variant's ``download_url`` is a file in private storage (not an outside link)."""
    return bool(download_url) and download_url.startswith(DOWNLOAD_PREFIX)


def file_name(download_url: str) -> str:
    return download_url.rsplit("/", 1)[-1]


def safe_file_name(name: str | None) -> str:
    """The uploader's file name as a plain download name (no directories or control characters)."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip().strip(".")
    name = re.sub(r"\s+", " ", name)
    if len(name) > FILE_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: FILE_NAME_MAX - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:FILE_NAME_MAX]
    return name or "download"


def download_max_bytes() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 50 * 1024 * 1024)


def set_download_file(product: OrgProduct, data: bytes, filename: str | None, *, by: OrgEmployee) -> str:
    """Store the file a buyer of this download product gets and link it to every variant."""
    require_product_editor(by, product)
    if product.type != "digital_download":
        raise ValidationError(_("Only a digital download delivers a file."))
    if not data:
        raise ValidationError(_("Choose a file to upload."))
    if len(data) > download_max_bytes():
        raise ValidationError(_("This file is %(size)s; files may be at most %(max)d MB.",
                                size=images.size_label(len(data)), max=download_max_bytes() // (1024 * 1024)))
    if not product.variants:
        raise ValidationError(_("Add a variant first: the file is delivered with the product's variants."))
    digest = hashlib.sha256(data).hexdigest()[:32]
    key = f"{DOWNLOAD_PREFIX}{product.org_id}/{digest}/{safe_file_name(filename)}"
    store = storage()
    if not store.exists(key):
        store.save(key, data)
    before = {v.id: v.download_url for v in product.variants}
    for variant in product.variants:
        variant.download_url = key
    db.session.flush()
    audit(product.org_id, action="product.file_set", entity_type="org_product", entity_id=product.id,
          actor_employee=by, data={"before": before, "after": {"file": file_name(key), "size": len(data)}})
    return key


def remove_download_file(product: OrgProduct, *, by: OrgEmployee) -> None:
    """Unlink the stored file from the variants: from then on nobody downloads it (the signed
    links of earlier buyers look the file up through the variant)."""
    require_product_editor(by, product)
    before = {v.id: v.download_url for v in product.variants if is_stored_file(v.download_url)}
    if not before:
        return
    for variant in product.variants:
        if is_stored_file(variant.download_url):
            variant.download_url = None
    db.session.flush()
    audit(product.org_id, action="product.file_removed", entity_type="org_product", entity_id=product.id,
          actor_employee=by, data={"before": before})


def product_file(product: OrgProduct) -> str | None:
    """The stored file's key of a download product (its variants share it), if any."""
    return next((v.download_url for v in product.variants if is_stored_file(v.download_url)), None)


# ---- avatars and logos ----------------------------------------------------------------------

def _own(employee: OrgEmployee, by: OrgEmployee) -> None:
    ensure_same_org(by, employee.org_id, _("Not found."))
    if by.id != employee.id:
        raise PermissionDeniedError(_("Only you can change your profile photo."))


def set_avatar(employee: OrgEmployee, data: bytes, alt: str | None, *, by: OrgEmployee) -> OrgImage:
    """The employee's own profile photo (shown with the products they create)."""
    _own(employee, by)
    before = _snapshot(images.image_of("employee_id", employee.id, employee.org_id))
    row = images.set_image("employee_id", employee.id, employee.org_id, "avatar", data, alt)
    _audit_image(row, action="employee.avatar_set", by=by, entity_type="org_employee", entity_id=employee.id,
                 before=before)
    return row


def remove_avatar(employee: OrgEmployee, *, by: OrgEmployee) -> None:
    _own(employee, by)
    row = images.image_of("employee_id", employee.id, employee.org_id)
    if row is not None:
        before = _snapshot(row)
        db.session.delete(row)
        db.session.flush()
        _audit_image(None, action="employee.avatar_removed", by=by, entity_type="org_employee",
                     entity_id=employee.id, before=before)


def set_brand_logo(brand: OrgBrand, data: bytes, alt: str | None, *, by: OrgEmployee) -> OrgImage:
    """The brand's logo: stored like every image; the brand's ``logo_url`` (what the storefront
    header shows) points at its 320 px rendition."""
    authorize(by, brand.org_id, "org_settings")
    before = _snapshot(images.image_of("brand_id", brand.id, brand.org_id))
    row = images.set_image("brand_id", brand.id, brand.org_id, "logo", data, alt)
    brand.logo_url = row.view().url()
    db.session.flush()
    _audit_image(row, action="brand.logo_set", by=by, entity_type="org_brand", entity_id=brand.id, before=before)
    return row


def remove_brand_logo(brand: OrgBrand, *, by: OrgEmployee) -> None:
    authorize(by, brand.org_id, "org_settings")
    row = images.image_of("brand_id", brand.id, brand.org_id)
    before = _snapshot(row)
    if row is not None:
        db.session.delete(row)
    brand.logo_url = None
    db.session.flush()
    _audit_image(None, action="brand.logo_removed", by=by, entity_type="org_brand", entity_id=brand.id,
                 before=before)
