"""Catalog rules: products and their translations, variants, payment plans with per-market
prices, collections, discounts and reviews.

Services flush and raise DomainErrors; the view commits. Every object passed in must belong to
the org being worked on: a row of another org is reported as not found (never "forbidden").

Every service that changes the catalog takes the acting employee (``by``), checks the permission
matrix (``catalog_all`` for new products, collections and discounts; a product's own content also
``catalog_own`` when the employee is attributed to it: ``app.catalog.attributions``) and writes the
audit log with the changed fields. Reviews are members' own actions (no employee).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.catalog.attributions import attribute_creator, require_product_editor
from app.catalog.models import (
    INTERVALS,
    PLAN_TYPES,
    PRODUCT_STATUSES,
    PRODUCT_TYPES,
    OrgDiscount,
    OrgProduct,
    OrgProductCollection,
    OrgProductCollectionProduct,
    OrgProductCollectionTranslation,
    OrgProductReview,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
    OrgProductVariantPaymentPlanOneTime,
    OrgProductVariantPaymentPlanSubscription,
    OrgProductVariantPaymentPlanUsageBased,
    OrgProductVariantTranslation,
    OrgSkillTranslation,
)
from app.checks import check_slug, clean_text, to_amount, to_int
from app.courses.models import (
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.db import utcnow
from app.errors import InvalidTransitionError, NotFoundError, ValidationError
from app.extensions import db
from app.markets import services as market_services
from app.markets.models import OrgBrand, OrgMarket
from app.money import quantize
from app.orgs.models import Org, OrgEmployee, OrgLocale
from app.orgs.permissions import can
from app.orgs.services import audit_change, authorize, ensure_same_org, get_or_404, snapshot
from app.platform.models import SeoMetadata, SeoMetadataOpenGraph, Skill
from app.tax.models import OrgTaxCategory

DISCOUNT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")

_UNSET: Any = object()

# the fields the audit log records per entity
PRODUCT_FIELDS = ("type", "name", "slug", "description", "status", "tax_category_id", "brand_id", "image_url",
                  "published_at", "booking_note", "weight_grams", "shipping_note")
NOTE_MAX = 5000
WEIGHT_MAX_GRAMS = 100_000_000  # 100 t
SEO_FIELDS = ("title", "description", "keywords", "canonical_url", "robots_directive")
TRANSLATION_FIELDS = ("product_id", "locale_key", "name", "description", "shipping_note")
VARIANT_TRANSLATION_FIELDS = ("variant_id", "locale_key", "name")
COLLECTION_TRANSLATION_FIELDS = ("collection_id", "locale_key", "name", "description")
SKILL_TRANSLATION_FIELDS = ("skill_id", "locale_key", "name")
VARIANT_FIELDS = ("product_id", "name", "sku", "is_default", "download_url", "requires_shipping")
PLAN_FIELDS = ("variant_id", "type", "name", "description", "access_tier")
PRICE_FIELDS = ("plan_id", "market_id", "currency_code", "price", "price_per_unit", "compare_at_price", "is_active")
COLLECTION_FIELDS = ("slug", "name", "description")
COLLECTION_PRODUCT_FIELDS = ("collection_id", "product_id", "sort_order")
DISCOUNT_FIELDS = ("code", "name", "type", "value", "currency_code", "market_id", "product_id", "collection_id",
                   "starts_at", "ends_at", "usage_limit")


# ---- small shared checks (also used by learn) ------------------------------------------------

def check_access_tier(value) -> int:
    """A required access tier: a whole number, 1 or more."""
    try:
        return to_int(value, _("Access tier"), minimum=1)
    except ValidationError:
        raise ValidationError(_("The access tier must be a whole number of 1 or more.")) from None


def require_org_locale(org_id: str, locale_key: str) -> str:
    """The org must offer (and author in) ``locale_key`` before content is translated into it."""
    key = (locale_key or "").strip()
    row = db.session.get(OrgLocale, (org_id, key)) if key else None
    if row is None or not row.is_active or not row.can_author:
        raise ValidationError(
            _("%(locale)s is not one of the organization's languages. Add it in the settings first.",
              locale=key or "?")
        )
    return key


def _choice(value, allowed, label: str) -> str:
    if value not in allowed:
        raise ValidationError(_("Choose a valid %(field)s.", field=label))
    return value


def _next_sort(column, *criteria) -> int:
    current = db.session.scalar(sa.select(sa.func.max(column)).where(*criteria))
    return (current or 0) + 1


# ---- products ------------------------------------------------------------------------------

_SEO_FIELDS = {
    "title": ("title", 60, _l("The SEO title")),
    "description": ("description", 160, _l("The SEO description")),
    "keywords": ("keywords", 255, _l("The SEO keywords")),
    "canonical_url": ("canonical_url", 255, _l("The canonical URL")),
    "robots_directive": ("robots_directive", 50, _l("The robots directive")),
}
_OG_FIELDS = {
    "og_title": ("title", 95, _l("The Open Graph title")),
    "og_description": ("description", 300, _l("The Open Graph description")),
    "og_image_url": ("image_url", 255, _l("The Open Graph image URL")),
    "og_image_alt": ("image_alt", 125, _l("The Open Graph image text")),
    "og_type": ("type", 20, _l("The Open Graph type")),
}


def _apply_seo(product: OrgProduct, seo: dict[str, Any]) -> None:
    """``seo`` keys: title, description, keywords, canonical_url, robots_directive and og_title,
    og_description, og_image_url, og_image_alt, og_type (or a nested ``og`` dict without prefix)."""
    data = dict(seo)
    nested = data.pop("og", None) or {}
    data.update({f"og_{k}": v for k, v in nested.items()})
    unknown = set(data) - set(_SEO_FIELDS) - set(_OG_FIELDS)
    if unknown:
        raise TypeError(f"Unknown SEO fields: {sorted(unknown)}")
    meta = product.seo_metadata
    if meta is None:
        meta = SeoMetadata()
        db.session.add(meta)
        product.seo_metadata = meta
    for key, (attr, limit, label) in _SEO_FIELDS.items():
        if key in data:
            value = clean_text(data[key], str(label), max_length=limit)
            if attr == "robots_directive":
                value = value or "index,follow"
            setattr(meta, attr, value)
    og_data = {k: v for k, v in data.items() if k in _OG_FIELDS}
    if og_data:
        og = meta.open_graph
        if og is None:
            og = SeoMetadataOpenGraph()
            meta.open_graph = og
        for key, value in og_data.items():
            attr, limit, label = _OG_FIELDS[key]
            value = clean_text(value, str(label), max_length=limit)
            if attr == "type":
                value = value or "website"
            setattr(og, attr, value)


def check_product_slug_free(org_id: str, slug: str, *, exclude_id: str | None = None) -> None:
    stmt = sa.select(OrgProduct.id).where(OrgProduct.org_id == org_id, OrgProduct.slug == slug)
    if exclude_id is not None:
        stmt = stmt.where(OrgProduct.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationError(_("Another product already uses the slug “%(slug)s”. Choose a different one.",
                                slug=slug))


def _tax_category(org_id: str, value):
    return None if value is None else get_or_404(OrgTaxCategory, org_id, value, _("Tax category not found."))


def _brand(org_id: str, value):
    return None if value is None else get_or_404(OrgBrand, org_id, value, _("Brand not found."))


def check_booking_note(value) -> str | None:
    return clean_text(value, _("Booking note"), max_length=NOTE_MAX)


def check_shipping_note(value) -> str | None:
    return clean_text(value, _("Shipping note"), max_length=NOTE_MAX)


def check_weight(value) -> int | None:
    """A physical item's weight in whole grams (empty: not given)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return to_int(value, _("Weight"), minimum=0, maximum=WEIGHT_MAX_GRAMS)
    except ValidationError:
        raise ValidationError(_("Enter the weight in whole grams, from 0 to %(max)d.", max=WEIGHT_MAX_GRAMS)) from None


def _type_details(product: OrgProduct, booking_note, weight_grams, shipping_note) -> None:
    """The fields of the product's type; those of other types stay empty."""
    product.booking_note = check_booking_note(booking_note) if product.type == "service" else None
    physical = product.type == "physical"
    product.weight_grams = check_weight(weight_grams) if physical else None
    product.shipping_note = check_shipping_note(shipping_note) if physical else None


def create_product(
    org: Org,
    *,
    type: str,
    name: str,
    slug: str,
    description: str | None = None,
    status: str = "draft",
    tax_category=None,
    brand=None,
    image_url: str | None = None,
    seo: dict[str, Any] | None = None,
    booking_note: str | None = None,
    weight_grams: int | str | None = None,
    shipping_note: str | None = None,
    by: OrgEmployee,
) -> OrgProduct:
    """A new product of ``org``; the slug is unique within the org. ``by`` needs ``catalog_own``:
    an employee without ``catalog_all`` (a creator) becomes the product's creator with a 0 % share
    (``app.catalog.attributions.attribute_creator``), so they can go on editing it."""
    authorize(by, org, "catalog_own")
    _choice(type, PRODUCT_TYPES, _("product type"))
    _choice(status, PRODUCT_STATUSES, _("status"))
    name = clean_text(name, _("Name"), max_length=200, required=True)
    slug = check_slug(slug, max_length=120, field="slug")
    check_product_slug_free(org.id, slug)
    category = _tax_category(org.id, tax_category)
    brand_row = _brand(org.id, brand)
    product = OrgProduct(
        org_id=org.id,
        type=type,
        name=name,
        slug=slug,
        description=clean_text(description, _("Description"), max_length=100_000),
        status=status,
        tax_category_id=category.id if category else None,
        brand_id=brand_row.id if brand_row else None,
        image_url=clean_text(image_url, _("Image URL"), max_length=255),
        published_at=utcnow() if status == "published" else None,
    )
    _type_details(product, booking_note, weight_grams, shipping_note)
    db.session.add(product)
    if seo:
        _apply_seo(product, seo)
    db.session.flush()
    audit_change(product, action="product.created", by=by, fields=PRODUCT_FIELDS)
    if not can(by, "catalog_all"):
        attribute_creator(product, by)
    return product


def update_product(
    product: OrgProduct,
    *,
    name: str = _UNSET,
    slug: str = _UNSET,
    description: str | None = _UNSET,
    tax_category=_UNSET,
    brand=_UNSET,
    image_url: str | None = _UNSET,
    seo: dict[str, Any] | None = _UNSET,
    booking_note: str | None = _UNSET,
    weight_grams: int | str | None = _UNSET,
    shipping_note: str | None = _UNSET,
    by: OrgEmployee,
) -> OrgProduct:
    """Change the given fields only (same rules as ``create_product``)."""
    require_product_editor(by, product)
    before = snapshot(product, PRODUCT_FIELDS)
    seo_before = snapshot(product.seo_metadata, SEO_FIELDS) if product.seo_metadata is not None else None
    if name is not _UNSET:
        product.name = clean_text(name, _("Name"), max_length=200, required=True)
    if slug is not _UNSET:
        new_slug = check_slug(slug, max_length=120, field="slug")
        if new_slug != product.slug:
            check_product_slug_free(product.org_id, new_slug, exclude_id=product.id)
            product.slug = new_slug
    if description is not _UNSET:
        product.description = clean_text(description, _("Description"), max_length=100_000)
    if tax_category is not _UNSET:
        category = _tax_category(product.org_id, tax_category)
        product.tax_category_id = category.id if category else None
    if brand is not _UNSET:
        brand_row = _brand(product.org_id, brand)
        product.brand_id = brand_row.id if brand_row else None
    if image_url is not _UNSET:
        product.image_url = clean_text(image_url, _("Image URL"), max_length=255)
    if seo is not _UNSET and seo is not None:
        _apply_seo(product, seo)
    if any(value is not _UNSET for value in (booking_note, weight_grams, shipping_note)):
        _type_details(
            product,
            product.booking_note if booking_note is _UNSET else booking_note,
            product.weight_grams if weight_grams is _UNSET else weight_grams,
            product.shipping_note if shipping_note is _UNSET else shipping_note,
        )
    db.session.flush()
    audit_change(product, action="product.updated", by=by, fields=PRODUCT_FIELDS, before=before)
    if product.seo_metadata is not None:
        audit_change(product.seo_metadata, action="product.seo_updated", by=by, fields=SEO_FIELDS,
                     before=seo_before, entity=product)
    return product


class PublishRefusedError(ValidationError):
    """The product cannot be sold yet: ``missing`` lists what to add (messages)."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(_("This product cannot be published yet. Missing: %(missing)s",
                           missing=" ".join(missing)))


def publish_checklist(product: OrgProduct) -> list[tuple[str, str, bool]]:
    """What a product needs before it can be sold, as (key, message, done), in a fixed number of
    queries: an active variant, an active plan of one, an active price of such a plan in an
    active market, a tax category; a course at least one lesson, a download a file to deliver
    (``OrgProductVariant.has_download``)."""
    variants = list(db.session.scalars(
        sa.select(OrgProductVariant).where(OrgProductVariant.product_id == product.id,
                                           OrgProductVariant.is_active.is_(True))))
    variant_ids = [v.id for v in variants]
    plan_ids = list(db.session.scalars(
        sa.select(OrgProductVariantPaymentPlan.id).where(
            OrgProductVariantPaymentPlan.variant_id.in_(variant_ids),
            OrgProductVariantPaymentPlan.is_active.is_(True)))) if variant_ids else []
    Price = OrgProductVariantPaymentPlanMarketPrice
    priced = plan_ids and db.session.scalar(
        sa.select(Price.id).join(OrgMarket, OrgMarket.id == Price.market_id).where(
            Price.plan_id.in_(plan_ids), Price.is_active.is_(True), OrgMarket.is_active.is_(True),
            OrgMarket.org_id == product.org_id).limit(1)) is not None
    items = [
        ("variant", _("At least one active variant."), bool(variants)),
        ("plan", _("An active payment plan of an active variant."), bool(plan_ids)),
        ("price", _("A price in at least one active market."), bool(priced)),
        ("tax_category", _("A tax category."), product.tax_category_id is not None),
    ]
    if product.type == "course":
        Placement, Section, Module = (OrgProductCourseModuleSectionLesson, OrgProductCourseModuleSection,
                                      OrgProductCourseModule)
        lesson = db.session.scalar(
            sa.select(Placement.id).join(Section, Section.id == Placement.section_id)
            .join(Module, Module.id == Section.module_id)
            .where(Module.course_product_id == product.id).limit(1))
        items.append(("lesson", _("At least one lesson in the course."), lesson is not None))
    if product.type == "digital_download":
        items.append(("file", _("A file for buyers to download."), any(v.has_download for v in variants)))
    return items


def publish_product(product: OrgProduct, *, by: OrgEmployee) -> OrgProduct:
    """Make a draft visible in storefronts once ``publish_checklist`` is complete (else
    ``PublishRefusedError`` listing everything missing). Publishing a published product changes
    nothing; an archived one goes back to draft first. Keeps the first publication date."""
    require_product_editor(by, product)
    if product.status == "published":
        return product
    if product.status != "draft":
        raise InvalidTransitionError(_("An archived product goes back to draft before it is published again."))
    missing = [message for _key, message, done in publish_checklist(product) if not done]
    if missing:
        raise PublishRefusedError(missing)
    before = snapshot(product, ("status", "published_at"))
    product.status = "published"
    if product.published_at is None:
        product.published_at = utcnow()
    db.session.flush()
    audit_change(product, action="product.published", by=by, fields=("status", "published_at"), before=before)
    return product


def archive_product(product: OrgProduct, *, by: OrgEmployee) -> OrgProduct:
    """Withdraw the product from sale; existing entitlements are unaffected (idempotent)."""
    require_product_editor(by, product)
    if product.status == "archived":
        return product
    before = snapshot(product, ("status",))
    product.status = "archived"
    db.session.flush()
    audit_change(product, action="product.archived", by=by, fields=("status",), before=before)
    return product


def return_to_draft(product: OrgProduct, *, by: OrgEmployee) -> OrgProduct:
    """An archived product becomes a draft again (to be changed and published once more)."""
    require_product_editor(by, product)
    if product.status == "draft":
        return product
    if product.status != "archived":
        raise InvalidTransitionError(_("Only an archived product goes back to draft; archive it first."))
    before = snapshot(product, ("status",))
    product.status = "draft"
    db.session.flush()
    audit_change(product, action="product.returned_to_draft", by=by, fields=("status",), before=before)
    return product


def set_product_translation(
    product: OrgProduct, locale_key: str, *, name: str, description: str | None = None,
    shipping_note: str | None = _UNSET, by: OrgEmployee
) -> OrgProductTranslation:
    """Create or replace the product's name and description in one of the org's locales, and a
    physical item's shipping note (not passed: it stays as it is; other types have none)."""
    require_product_editor(by, product)
    key = require_org_locale(product.org_id, locale_key)
    name = clean_text(name, _("Name"), max_length=200, required=True)
    description = clean_text(description, _("Description"), max_length=100_000)
    if shipping_note is not _UNSET:
        shipping_note = check_shipping_note(shipping_note) if product.type == "physical" else None
    translation = db.session.scalar(
        sa.select(OrgProductTranslation).where(
            OrgProductTranslation.product_id == product.id, OrgProductTranslation.locale_key == key
        )
    )
    before = None if translation is None else snapshot(translation, TRANSLATION_FIELDS)
    if translation is None:
        translation = OrgProductTranslation(org_id=product.org_id, product=product, locale_key=key)
        db.session.add(translation)
    translation.name = name
    translation.description = description
    if shipping_note is not _UNSET:
        translation.shipping_note = shipping_note
    db.session.flush()
    audit_change(translation, action="product_translation.set", by=by, fields=TRANSLATION_FIELDS, before=before)
    return translation


def set_variant_translation(variant: OrgProductVariant, locale_key: str, *, name: str,
                            by: OrgEmployee) -> OrgProductVariantTranslation:
    """Create or replace a variant's name ("Paperback") in one of the org's locales."""
    require_product_editor(by, variant.product)
    key = require_org_locale(variant.org_id, locale_key)
    name = clean_text(name, _("Variant name"), max_length=100, required=True)
    translation = db.session.scalar(sa.select(OrgProductVariantTranslation).where(
        OrgProductVariantTranslation.variant_id == variant.id, OrgProductVariantTranslation.locale_key == key))
    before = None if translation is None else snapshot(translation, VARIANT_TRANSLATION_FIELDS)
    if translation is None:
        translation = OrgProductVariantTranslation(org_id=variant.org_id, variant=variant, locale_key=key)
        db.session.add(translation)
    translation.name = name
    db.session.flush()
    audit_change(translation, action="variant_translation.set", by=by, fields=VARIANT_TRANSLATION_FIELDS,
                 before=before)
    return translation


def set_collection_translation(collection: OrgProductCollection, locale_key: str, *, name: str,
                               description: str | None = None,
                               by: OrgEmployee) -> OrgProductCollectionTranslation:
    """Create or replace a collection's name and description in one of the org's locales
    (``catalog_all``, like editing the collection)."""
    authorize(by, collection.org_id, "catalog_all")
    key = require_org_locale(collection.org_id, locale_key)
    name = clean_text(name, _("Name"), max_length=100, required=True)
    description = clean_text(description, _("Description"), max_length=100_000)
    translation = db.session.scalar(sa.select(OrgProductCollectionTranslation).where(
        OrgProductCollectionTranslation.collection_id == collection.id,
        OrgProductCollectionTranslation.locale_key == key))
    before = None if translation is None else snapshot(translation, COLLECTION_TRANSLATION_FIELDS)
    if translation is None:
        translation = OrgProductCollectionTranslation(org_id=collection.org_id, collection=collection,
                                                      locale_key=key)
        db.session.add(translation)
    translation.name = name
    translation.description = description
    db.session.flush()
    audit_change(translation, action="collection_translation.set", by=by, fields=COLLECTION_TRANSLATION_FIELDS,
                 before=before)
    return translation


def set_skill_translation(org_id: str, skill: Skill, locale_key: str, *, name: str,
                          by: OrgEmployee) -> OrgSkillTranslation:
    """Create or replace the org's name for a platform skill in one of its locales (``catalog_all``:
    the names show in the whole storefront); only the org's storefront reads it."""
    authorize(by, org_id, "catalog_all")
    key = require_org_locale(org_id, locale_key)
    name = clean_text(name, _("Name"), max_length=100, required=True)
    translation = db.session.scalar(sa.select(OrgSkillTranslation).where(
        OrgSkillTranslation.org_id == org_id, OrgSkillTranslation.skill_id == skill.id,
        OrgSkillTranslation.locale_key == key))
    before = None if translation is None else snapshot(translation, SKILL_TRANSLATION_FIELDS)
    if translation is None:
        translation = OrgSkillTranslation(org_id=org_id, skill_id=skill.id, locale_key=key)
        db.session.add(translation)
    translation.name = name
    db.session.flush()
    audit_change(translation, action="skill_translation.set", by=by, fields=SKILL_TRANSLATION_FIELDS, before=before)
    return translation


# ---- variants and payment plans -------------------------------------------------------------

MAX_ACCESS_TIER = 3  # the tiers a plan grants: 1 (basic) to 3
MAX_INTERVAL_COUNT = 365
MAX_TRIAL_DAYS = 730
MAX_INCLUDED_UNITS = 1_000_000_000


def check_sku_free(org_id: str, sku: str, *, exclude_id: str | None = None) -> None:
    """SKUs are unique within the org."""
    stmt = sa.select(OrgProductVariant.id).where(OrgProductVariant.org_id == org_id, OrgProductVariant.sku == sku)
    if exclude_id is not None:
        stmt = stmt.where(OrgProductVariant.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationError(_("Another variant already uses the SKU “%(sku)s”.", sku=sku))


def plan_tier(value) -> int:
    """The access tier a plan grants: 1 to ``MAX_ACCESS_TIER``."""
    tier = check_access_tier(value)
    if tier > MAX_ACCESS_TIER:
        raise ValidationError(_("The access tier must be between 1 and %(n)d.", n=MAX_ACCESS_TIER))
    return tier


def check_terms(type: str, *, allow_gift_cards: bool = True, interval: str | None = None, interval_count=1,
                trial_period_days=0, usage_unit: str | None = None, included_units=0) -> dict[str, Any]:
    """The checked values of the terms row of a plan of ``type`` (one-time: gift cards allowed;
    subscription: interval, interval count, trial days; usage-based: unit, included units)."""
    if type == "one_time":
        return {"allow_gift_cards": bool(allow_gift_cards)}
    if type == "subscription":
        if not interval:
            raise ValidationError(_("A subscription plan needs a billing interval (day, week, month or year)."))
        _choice(interval, INTERVALS, _("billing interval"))
        return {
            "interval": interval,
            "interval_count": to_int(interval_count, _("Interval count"), minimum=1, maximum=MAX_INTERVAL_COUNT),
            "trial_period_days": to_int(trial_period_days, _("Trial period (days)"), minimum=0,
                                        maximum=MAX_TRIAL_DAYS),
        }
    unit = clean_text(usage_unit, _("Usage unit"), max_length=50)
    if unit is None:
        raise ValidationError(_("A usage-based plan needs a usage unit (for example “API call”)."))
    return {"usage_unit": unit,
            "included_units": to_int(included_units, _("Included units"), minimum=0, maximum=MAX_INCLUDED_UNITS)}


def add_variant(
    product: OrgProduct,
    *,
    name: str,
    sku: str | None = None,
    is_default: bool = False,
    download_url: str | None = None,
    requires_shipping: bool = False,
    by: OrgEmployee,
) -> OrgProductVariant:
    """A purchasable variant; the first one (or one flagged ``is_default``) becomes the default."""
    require_product_editor(by, product)
    name = clean_text(name, _("Variant name"), max_length=100, required=True)
    sku = clean_text(sku, _("SKU"), max_length=64)
    if sku is not None:
        check_sku_free(product.org_id, sku)
    siblings = list(
        db.session.scalars(sa.select(OrgProductVariant).where(OrgProductVariant.product_id == product.id))
    )
    if is_default or not siblings:
        for other in siblings:
            other.is_default = False
        is_default = True
    variant = OrgProductVariant(
        org_id=product.org_id,
        product=product,
        name=name,
        sku=sku,
        is_default=is_default,
        download_url=clean_text(download_url, _("Download URL"), max_length=255),
        requires_shipping=bool(requires_shipping),
        sort_order=max((v.sort_order for v in siblings), default=0) + 1,
    )
    db.session.add(variant)
    db.session.flush()
    audit_change(variant, action="variant.created", by=by, fields=VARIANT_FIELDS)
    return variant


def add_plan(
    variant: OrgProductVariant,
    *,
    type: str,
    name: str,
    access_tier: int = 1,
    description: str | None = None,
    interval: str | None = None,
    interval_count: int = 1,
    trial_period_days: int = 0,
    usage_unit: str | None = None,
    included_units: int = 0,
    allow_gift_cards: bool = True,
    by: OrgEmployee,
) -> OrgProductVariantPaymentPlan:
    """A payment plan with its type-specific row (one-time, subscription or usage-based)."""
    require_product_editor(by, variant.product)
    _choice(type, PLAN_TYPES, _("plan type"))
    tier = plan_tier(access_tier)
    terms = check_terms(type, allow_gift_cards=allow_gift_cards, interval=interval, interval_count=interval_count,
                        trial_period_days=trial_period_days, usage_unit=usage_unit, included_units=included_units)
    plan = OrgProductVariantPaymentPlan(
        org_id=variant.org_id,
        variant=variant,
        type=type,
        name=clean_text(name, _("Plan name"), max_length=100, required=True),
        description=clean_text(description, _("Description"), max_length=100_000),
        access_tier=tier,
        sort_order=_next_sort(
            OrgProductVariantPaymentPlan.sort_order, OrgProductVariantPaymentPlan.variant_id == variant.id
        ),
    )
    if type == "one_time":
        plan.one_time = OrgProductVariantPaymentPlanOneTime(**terms)
    elif type == "subscription":
        plan.subscription = OrgProductVariantPaymentPlanSubscription(**terms)
    else:
        plan.usage_based = OrgProductVariantPaymentPlanUsageBased(**terms)
    db.session.add(plan)
    db.session.flush()
    audit_change(plan, action="plan.created", by=by, fields=PLAN_FIELDS)
    return plan


def set_market_price(
    plan: OrgProductVariantPaymentPlan,
    market,
    *,
    price,
    price_per_unit=None,
    compare_at_price=None,
    by: OrgEmployee,
) -> OrgProductVariantPaymentPlanMarketPrice:
    """Create or update the plan's price in ``market`` (in the market's currency, quantized to its
    minor unit). Usage-based plans also need a price per unit."""
    require_product_editor(by, plan.variant.product)
    if market is None or market.org_id != plan.org_id:
        raise NotFoundError(_("Market not found."))
    product_org_id = db.session.scalar(
        sa.select(OrgProduct.org_id)
        .join(OrgProductVariant, OrgProductVariant.product_id == OrgProduct.id)
        .where(OrgProductVariant.id == plan.variant_id)
    )
    if product_org_id != market.org_id:
        raise NotFoundError(_("Market not found."))
    currency = market.currency_code

    amount = to_amount(price, _("Price"))
    if amount < 0:
        raise ValidationError(_("The price cannot be negative."))
    per_unit = None
    if plan.type == "usage_based":
        if price_per_unit is None or (isinstance(price_per_unit, str) and not price_per_unit.strip()):
            raise ValidationError(_("A usage-based plan needs a price per unit."))
        per_unit = to_amount(price_per_unit, _("Price per unit"))
        if per_unit < 0:
            raise ValidationError(_("The price per unit cannot be negative."))
        per_unit = quantize(per_unit, currency)
    elif price_per_unit is not None:
        raise ValidationError(_("Only usage-based plans have a price per unit."))
    compare_at = None
    if compare_at_price is not None and not (isinstance(compare_at_price, str) and not compare_at_price.strip()):
        compare_at = to_amount(compare_at_price, _("Compare-at price"))
        if compare_at < 0:
            raise ValidationError(_("The compare-at price cannot be negative."))
        compare_at = quantize(compare_at, currency)
    amount = quantize(amount, currency)
    if compare_at is not None and compare_at <= amount:
        raise ValidationError(_("The compare-at price must be higher than the price."))

    row = db.session.scalar(
        sa.select(OrgProductVariantPaymentPlanMarketPrice).where(
            OrgProductVariantPaymentPlanMarketPrice.plan_id == plan.id,
            OrgProductVariantPaymentPlanMarketPrice.market_id == market.id,
        )
    )
    before = None if row is None else snapshot(row, PRICE_FIELDS)
    if row is None:
        row = OrgProductVariantPaymentPlanMarketPrice(org_id=plan.org_id, plan=plan, market_id=market.id)
        db.session.add(row)
    row.currency_code = currency
    row.price = amount
    row.price_per_unit = per_unit
    row.compare_at_price = compare_at
    row.is_active = True
    db.session.flush()
    audit_change(row, action="price.set", by=by, fields=PRICE_FIELDS, before=before)
    return row


# ---- collections -----------------------------------------------------------------------------

def check_collection_slug_free(org_id: str, slug: str, *, exclude_id: str | None = None) -> None:
    stmt = sa.select(OrgProductCollection.id).where(OrgProductCollection.org_id == org_id,
                                                    OrgProductCollection.slug == slug)
    if exclude_id is not None:
        stmt = stmt.where(OrgProductCollection.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationError(_("Another collection already uses the slug “%(slug)s”. Choose a different one.",
                                slug=slug))


def create_collection(org: Org, *, slug: str, name: str, description: str | None = None,
                      by: OrgEmployee) -> OrgProductCollection:
    """A curated group of products; the slug is unique within the org. ``by`` needs ``catalog_all``."""
    authorize(by, org, "catalog_all")
    slug = check_slug(slug, max_length=80, field="slug")
    name = clean_text(name, _("Name"), max_length=100, required=True)
    check_collection_slug_free(org.id, slug)
    collection = OrgProductCollection(
        org_id=org.id,
        slug=slug,
        name=name,
        description=clean_text(description, _("Description"), max_length=100_000),
        sort_order=_next_sort(OrgProductCollection.sort_order, OrgProductCollection.org_id == org.id),
    )
    db.session.add(collection)
    db.session.flush()
    audit_change(collection, action="collection.created", by=by, fields=COLLECTION_FIELDS)
    return collection


def add_to_collection(collection: OrgProductCollection, product: OrgProduct, *,
                      by: OrgEmployee) -> OrgProductCollectionProduct:
    """Append ``product`` to ``collection`` (idempotent: adding it again keeps its position)."""
    authorize(by, collection.org_id, "catalog_all")
    ensure_same_org(product, collection.org_id, _("Product not found."))
    link = db.session.scalar(
        sa.select(OrgProductCollectionProduct).where(
            OrgProductCollectionProduct.collection_id == collection.id,
            OrgProductCollectionProduct.product_id == product.id,
        )
    )
    if link is not None:
        return link
    link = OrgProductCollectionProduct(
        org_id=collection.org_id,
        collection=collection,
        product=product,
        sort_order=_next_sort(
            OrgProductCollectionProduct.sort_order, OrgProductCollectionProduct.collection_id == collection.id
        ),
    )
    db.session.add(link)
    db.session.flush()
    audit_change(link, action="collection.product_added", by=by, fields=COLLECTION_PRODUCT_FIELDS)
    return link


# ---- discounts -------------------------------------------------------------------------------

def normalize_discount_code(code: str | None) -> str:
    return (code or "").strip().upper()


def create_discount(
    org: Org,
    *,
    code: str,
    name: str,
    type: str,
    value,
    currency_code: str | None = None,
    market=None,
    product=None,
    collection=None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    usage_limit: int | None = None,
    per_member_limit: int | None = None,
    by: OrgEmployee,
) -> OrgDiscount:
    """A coupon: ``percent`` (0-100) or ``fixed`` (an amount in ``currency_code``) off, optionally
    limited to a market and to a product or a collection, a time window and a number of uses (in
    all and per member). Codes are case-insensitive (stored upper-case) and unique within the org.
    ``by`` needs ``catalog_all`` (promotions). The rules live in app/catalog/promotions.py."""
    from app.catalog.promotions import create_promotion  # same package; promotions imports this module

    return create_promotion(org, code=code, name=name, type=type, value=value, currency_code=currency_code,
                            market=market, product=product, collection=collection, starts_at=starts_at,
                            ends_at=ends_at, usage_limit=usage_limit, per_member_limit=per_member_limit, by=by)


# ---- reviews ---------------------------------------------------------------------------------

def add_review(product: OrgProduct, member, *, rating, title: str | None = None, body: str | None = None) -> OrgProductReview:
    """A member's 1-5 star review; reviewing again replaces their earlier review."""
    ensure_same_org(member, product.org_id, _("Member not found."))
    try:
        stars = to_int(rating, _("Rating"), minimum=1, maximum=5)
    except ValidationError:
        raise ValidationError(_("Choose a rating from 1 to 5 stars.")) from None
    title = clean_text(title, _("Title"), max_length=120)
    body = clean_text(body, _("Review"), max_length=10_000)
    review = db.session.scalar(
        sa.select(OrgProductReview).where(
            OrgProductReview.product_id == product.id, OrgProductReview.member_id == member.id
        )
    )
    if review is None:
        review = OrgProductReview(org_id=product.org_id, product=product, member_id=member.id)
        db.session.add(review)
    review.rating = stars
    review.title = title
    review.body = body
    db.session.flush()
    return review


# ---- markets, as the catalog sees them ---------------------------------------------------------

def update_market(market: OrgMarket, *, by: OrgEmployee, **values) -> OrgMarket:
    """``app.markets.services.update_market``, refusing a new currency while the market has prices:
    every price of a market is an amount in its currency, so changing it would silently re-read
    them in another one (€49 becoming ¥49). Remove or move the prices first, or open a new market."""
    currency = (values.get("currency_code") or "").strip().upper()
    if currency and currency != market.currency_code:
        priced = db.session.scalar(
            sa.select(sa.func.count()).select_from(OrgProductVariantPaymentPlanMarketPrice)
            .where(OrgProductVariantPaymentPlanMarketPrice.org_id == market.org_id,
                   OrgProductVariantPaymentPlanMarketPrice.market_id == market.id)
        )
        if priced:
            raise ValidationError(
                ngettext("This market has %(num)d price in %(code)s: its currency cannot change. Remove the "
                         "price first, or open a new market for the new currency.",
                         "This market has %(num)d prices in %(code)s: its currency cannot change. Remove the "
                         "prices first, or open a new market for the new currency.",
                         priced, code=market.currency_code),
                field="currency_code")
    return market_services.update_market(market, by=by, **values)
