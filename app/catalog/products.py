"""Product rules of the catalog dashboard: saving a product's details with an error per field,
the course details (level, difficulty, duration, prerequisites, skills), duplicating a product,
and the collections' contents and order.

The basic product services (create, update, publish with its checklist, archive, back to draft)
are ``app.catalog.services``; these build on them. Services flush and raise DomainErrors; the
view commits. Everything a service changes is written to the audit log in the same call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog import services as catalog
from app.catalog.attributions import require_product_editor
from app.catalog.models import (
    PRODUCT_TYPES,
    OrgProduct,
    OrgProductCollection,
    OrgProductCollectionProduct,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
    OrgProductVariantPaymentPlanOneTime,
    OrgProductVariantPaymentPlanSubscription,
    OrgProductVariantPaymentPlanUsageBased,
)
from app.checks import check_slug, clean_text, to_int
from app.courses.models import (
    COURSE_LEVELS,
    OrgProductCourse,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseModuleSectionTranslation,
    OrgProductCourseModuleTranslation,
    OrgProductCourseSkill,
)
from app.errors import DomainError, NotFoundError, ValidationError
from app.extensions import db
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit, audit_change, authorize, get_or_404, snapshot
from app.platform.models import Skill
from app.tax.models import OrgTaxCategory

COURSE_FIELDS = ("product_id", "level", "difficulty", "duration_minutes", "prerequisites")
PREREQUISITES_MAX = 2000
DURATION_MAX_MINUTES = 100_000


class FieldErrors(ValidationError):
    """Bad input, one message per form field (``errors``: field name -> message)."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(_("Please correct the errors below."))


def _collect(errors: dict[str, str], name: str, check, *args, **kwargs) -> Any:
    """Run one rule; its DomainError becomes the message of field ``name``."""
    try:
        return check(*args, **kwargs)
    except DomainError as exc:
        errors.setdefault(name, exc.message)
        return None


# ---- course details -------------------------------------------------------------------------

def check_level(value) -> str:
    if value not in COURSE_LEVELS:
        raise ValidationError(_("Choose a valid course level."))
    return value


def check_difficulty(value) -> int:
    try:
        return to_int(value, _("Difficulty"), minimum=1, maximum=10)
    except ValidationError:
        raise ValidationError(_("Difficulty must be a whole number from 1 to 10.")) from None


def check_duration(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return to_int(value, _("Duration"), minimum=0, maximum=DURATION_MAX_MINUTES)
    except ValidationError:
        raise ValidationError(_("Enter the duration in whole minutes, from 0 to %(max)d.",
                                max=DURATION_MAX_MINUTES)) from None


def check_prerequisites(value) -> str | None:
    return clean_text(value, _("Prerequisites"), max_length=PREREQUISITES_MAX)


def check_skills(skill_ids: Iterable[str]) -> list[Skill]:
    """The platform skills ``skill_ids`` (in the given order; an unknown id is refused)."""
    ids = list(dict.fromkeys(s for s in skill_ids if s))
    if not ids:
        return []
    found = {s.id: s for s in db.session.scalars(sa.select(Skill).where(Skill.id.in_(ids)))}
    if len(found) != len(ids):
        raise ValidationError(_("Choose skills from the list."))
    return [found[i] for i in ids]


def set_course_details(product: OrgProduct, *, level: str, difficulty, duration_minutes=None,
                       prerequisites: str | None = None, skill_ids: Iterable[str] = (),
                       by: OrgEmployee) -> OrgProductCourse:
    """Create or change the course details of a ``course`` product and the platform skills it
    teaches (the skills replace the previous ones)."""
    require_product_editor(by, product)
    if product.type != "course":
        raise ValidationError(_("Only products of type “course” can have course content."))
    level = check_level(level)
    difficulty = check_difficulty(difficulty)
    duration = check_duration(duration_minutes)
    prerequisites = check_prerequisites(prerequisites)
    skills = check_skills(skill_ids)
    course = db.session.get(OrgProductCourse, product.id)
    before = None if course is None else snapshot(course, COURSE_FIELDS)
    if course is None:
        course = OrgProductCourse(org_id=product.org_id, product_id=product.id)
        db.session.add(course)
    course.level, course.difficulty, course.duration_minutes, course.prerequisites = (
        level, difficulty, duration, prerequisites)
    links = list(db.session.scalars(
        sa.select(OrgProductCourseSkill).where(OrgProductCourseSkill.course_product_id == product.id)))
    old_ids = {link.skill_id for link in links}
    new_ids = [s.id for s in skills]
    for link in links:
        if link.skill_id not in new_ids:
            db.session.delete(link)
    for skill in skills:
        if skill.id not in old_ids:
            db.session.add(OrgProductCourseSkill(org_id=product.org_id, course_product_id=product.id,
                                                 skill_id=skill.id))
    db.session.flush()
    audit_change(course, action="course.created" if before is None else "course.updated", by=by,
                 fields=COURSE_FIELDS, before=before)
    if old_ids != set(new_ids):
        slugs = {s.id: s.slug for s in db.session.scalars(sa.select(Skill).where(Skill.id.in_(old_ids | set(new_ids))))}
        audit(product.org_id, action="course.skills_set", entity_type="org_product", entity_id=product.id,
              actor_employee=by, data={"before": {"skills": sorted(slugs[i] for i in old_ids)},
                                       "after": {"skills": sorted(slugs[i] for i in new_ids)}})
    return course


# ---- saving a product from the dashboard ----------------------------------------------------

@dataclass
class ProductInput:
    """What the product form posts (text as typed; the rules below check it)."""

    name: str | None = None
    slug: str | None = None
    description: str | None = None
    tax_category_id: str | None = None
    booking_note: str | None = None
    weight_grams: str | int | None = None
    shipping_note: str | None = None
    # course details (a course only)
    level: str | None = None
    difficulty: str | int | None = None
    duration_minutes: str | int | None = None
    prerequisites: str | None = None
    skill_ids: list[str] = field(default_factory=list)


def _check_input(org_id: str, type: str, data: ProductInput, *, exclude_id: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    _collect(errors, "name", clean_text, data.name, _("Name"), max_length=200, required=True)
    slug = _collect(errors, "slug", check_slug, data.slug, max_length=120, field="slug")
    if slug is not None:
        _collect(errors, "slug", catalog.check_product_slug_free, org_id, slug, exclude_id=exclude_id)
    _collect(errors, "description", clean_text, data.description, _("Description"), max_length=100_000)
    if data.tax_category_id:
        _collect(errors, "tax_category_id", get_or_404, OrgTaxCategory, org_id, data.tax_category_id,
                 _("Choose a tax category from the list."))
    if type == "service":
        _collect(errors, "booking_note", catalog.check_booking_note, data.booking_note)
    if type == "physical":
        _collect(errors, "weight_grams", catalog.check_weight, data.weight_grams)
        _collect(errors, "shipping_note", catalog.check_shipping_note, data.shipping_note)
    if type == "course":
        _collect(errors, "level", check_level, data.level)
        _collect(errors, "difficulty", check_difficulty, data.difficulty)
        _collect(errors, "duration_minutes", check_duration, data.duration_minutes)
        _collect(errors, "prerequisites", check_prerequisites, data.prerequisites)
        _collect(errors, "skill_ids", check_skills, data.skill_ids)
    return errors


def _save_course(product: OrgProduct, data: ProductInput, by: OrgEmployee) -> None:
    if product.type == "course":
        set_course_details(product, level=data.level, difficulty=data.difficulty,
                           duration_minutes=data.duration_minutes, prerequisites=data.prerequisites,
                           skill_ids=data.skill_ids, by=by)


def create_from_input(org: Org, type: str, data: ProductInput, *, by: OrgEmployee) -> OrgProduct:
    """A new draft of ``type`` from the dashboard's form: every bad field is reported at once
    (``FieldErrors``); a creator becomes the new product's creator (0 %)."""
    authorize(by, org, "catalog_own")
    if type not in PRODUCT_TYPES:
        raise FieldErrors({"type": _("Choose a valid product type.")})
    errors = _check_input(org.id, type, data, exclude_id=None)
    if errors:
        raise FieldErrors(errors)
    product = catalog.create_product(
        org, type=type, name=data.name, slug=data.slug, description=data.description,
        tax_category=data.tax_category_id or None, booking_note=data.booking_note,
        weight_grams=data.weight_grams, shipping_note=data.shipping_note, by=by)
    _save_course(product, data, by)
    return product


def update_from_input(product: OrgProduct, data: ProductInput, *, by: OrgEmployee) -> OrgProduct:
    """The product's details as the dashboard's form posts them (``FieldErrors`` for bad fields;
    nothing is changed then)."""
    require_product_editor(by, product)
    errors = _check_input(product.org_id, product.type, data, exclude_id=product.id)
    if errors:
        raise FieldErrors(errors)
    catalog.update_product(
        product, name=data.name, slug=data.slug, description=data.description,
        tax_category=data.tax_category_id or None, booking_note=data.booking_note,
        weight_grams=data.weight_grams, shipping_note=data.shipping_note, by=by)
    _save_course(product, data, by)
    return product


# ---- duplicating ----------------------------------------------------------------------------

def free_slug(org_id: str, base: str, *, max_length: int = 120) -> str:
    """``<base>-copy``, else ``<base>-copy-2``, ``-copy-3``, ...: the first slug no product of the
    org uses (one query)."""
    stem = base[: max_length - len("-copy-999999")].rstrip("-") + "-copy"
    taken = set(db.session.scalars(sa.select(OrgProduct.slug).where(
        OrgProduct.org_id == org_id, OrgProduct.slug.like(f"{stem}%"))))
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


# what a duplicate copies (said on the page that offers it)
DUPLICATE_COPIES = ("details", "translations", "variants", "plans", "prices", "course")


def duplicate_product(product: OrgProduct, *, by: OrgEmployee) -> OrgProduct:
    """A new draft copy of ``product`` with a free slug (``<slug>-copy``): its details and
    type-specific fields, translations, variants (without their SKU, which is unique), payment
    plans with their terms and market prices, and for a course its details, skills and structure
    (modules, sections and the same reusable lessons with their tiers and free previews, with
    the modules' and sections' translations). Not copied: images and SEO texts, collections,
    reviews, buyers and revenue shares. A creator becomes the copy's creator (0 %)."""
    require_product_editor(by, product)
    authorize(by, product.org_id, "catalog_own")
    org_id = product.org_id
    name = _("%(name)s (copy)", name=product.name)
    copy = catalog.create_product(
        db.session.get(Org, org_id), type=product.type, name=name[:200], slug=free_slug(org_id, product.slug),
        description=product.description, tax_category=product.tax_category_id, brand=product.brand_id,
        booking_note=product.booking_note, weight_grams=product.weight_grams, shipping_note=product.shipping_note,
        by=by)
    for t in db.session.scalars(sa.select(OrgProductTranslation).where(OrgProductTranslation.product_id == product.id)):
        db.session.add(OrgProductTranslation(org_id=org_id, product_id=copy.id, locale_key=t.locale_key,
                                             name=t.name, description=t.description,
                                             shipping_note=t.shipping_note))
    _copy_variants(product, copy)
    course = db.session.get(OrgProductCourse, product.id)
    if course is not None and product.type == "course":
        _copy_course(course, copy)
    db.session.flush()
    audit(org_id, action="product.duplicated", entity_type="org_product", entity_id=copy.id, actor_employee=by,
          data={"before": {}, "after": {"from_product_id": product.id, "copied": list(DUPLICATE_COPIES)}})
    return copy


def _copy_variants(product: OrgProduct, copy: OrgProduct) -> None:
    Plan, Price = OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlanMarketPrice
    variants = list(db.session.scalars(sa.select(OrgProductVariant).where(OrgProductVariant.product_id == product.id)
                                       .order_by(OrgProductVariant.sort_order, OrgProductVariant.created_at)))
    plans = list(db.session.scalars(sa.select(Plan).where(Plan.variant_id.in_([v.id for v in variants]))
                                    .order_by(Plan.sort_order, Plan.created_at))) if variants else []
    plan_ids = [p.id for p in plans]
    prices = list(db.session.scalars(sa.select(Price).where(Price.plan_id.in_(plan_ids)))) if plans else []
    terms: dict[str, Any] = {}
    for model in (OrgProductVariantPaymentPlanOneTime, OrgProductVariantPaymentPlanSubscription,
                  OrgProductVariantPaymentPlanUsageBased):
        if plan_ids:
            for row in db.session.scalars(sa.select(model).where(model.plan_id.in_(plan_ids))):
                terms[row.plan_id] = row
    new_variant: dict[str, OrgProductVariant] = {}
    for v in variants:
        new_variant[v.id] = OrgProductVariant(
            org_id=v.org_id, product=copy, name=v.name, sku=None, sort_order=v.sort_order, is_default=v.is_default,
            is_active=v.is_active, download_url=v.download_url, requires_shipping=v.requires_shipping)
        db.session.add(new_variant[v.id])
    new_plan: dict[str, OrgProductVariantPaymentPlan] = {}
    for p in plans:
        new_plan[p.id] = OrgProductVariantPaymentPlan(
            org_id=p.org_id, variant=new_variant[p.variant_id], type=p.type, name=p.name, description=p.description,
            access_tier=p.access_tier, is_active=p.is_active, sort_order=p.sort_order)
        db.session.add(new_plan[p.id])
        row = terms.get(p.id)
        if row is not None:
            columns = [c.key for c in sa.inspect(type(row)).columns if c.key not in ("plan_id", "created_at",
                                                                                     "updated_at")]
            db.session.add(type(row)(plan=new_plan[p.id], **{c: getattr(row, c) for c in columns}))
    for price in prices:
        db.session.add(Price(org_id=price.org_id, plan=new_plan[price.plan_id], market_id=price.market_id,
                             currency_code=price.currency_code, price=price.price, price_per_unit=price.price_per_unit,
                             compare_at_price=price.compare_at_price, is_active=price.is_active))


def _copy_course(course: OrgProductCourse, copy: OrgProduct) -> None:
    Module, Section, Placement = (OrgProductCourseModule, OrgProductCourseModuleSection,
                                  OrgProductCourseModuleSectionLesson)
    org_id = course.org_id
    db.session.add(OrgProductCourse(org_id=org_id, product_id=copy.id, level=course.level,
                                    difficulty=course.difficulty, duration_minutes=course.duration_minutes,
                                    prerequisites=course.prerequisites))
    for link in db.session.scalars(sa.select(OrgProductCourseSkill)
                                   .where(OrgProductCourseSkill.course_product_id == course.product_id)):
        db.session.add(OrgProductCourseSkill(org_id=org_id, course_product_id=copy.id, skill_id=link.skill_id))
    modules = list(db.session.scalars(sa.select(Module).where(Module.course_product_id == course.product_id)))
    module_ids = [m.id for m in modules]
    sections = list(db.session.scalars(sa.select(Section).where(Section.module_id.in_(module_ids)))) if modules else []
    section_ids = [s.id for s in sections]
    placements = list(db.session.scalars(sa.select(Placement).where(Placement.section_id.in_(section_ids)))) \
        if sections else []
    module_tr = list(db.session.scalars(sa.select(OrgProductCourseModuleTranslation).where(
        OrgProductCourseModuleTranslation.module_id.in_(module_ids)))) if modules else []
    section_tr = list(db.session.scalars(sa.select(OrgProductCourseModuleSectionTranslation).where(
        OrgProductCourseModuleSectionTranslation.section_id.in_(section_ids)))) if sections else []
    new_module, new_section = {}, {}
    db.session.flush()  # the course row exists before its modules point to it
    for m in modules:
        new_module[m.id] = Module(org_id=org_id, course_product_id=copy.id, title=m.title, description=m.description,
                                  sort_order=m.sort_order, required_access_tier=m.required_access_tier)
        db.session.add(new_module[m.id])
    for s in sections:
        new_section[s.id] = Section(org_id=org_id, module=new_module[s.module_id], title=s.title,
                                    description=s.description, sort_order=s.sort_order,
                                    required_access_tier=s.required_access_tier)
        db.session.add(new_section[s.id])
    for p in placements:
        db.session.add(Placement(org_id=org_id, section=new_section[p.section_id], lesson_id=p.lesson_id,
                                 sort_order=p.sort_order, required_access_tier=p.required_access_tier,
                                 is_free_preview=p.is_free_preview))
    for t in module_tr:
        db.session.add(OrgProductCourseModuleTranslation(org_id=org_id, module=new_module[t.module_id],
                                                         locale_key=t.locale_key, title=t.title,
                                                         description=t.description))
    for t in section_tr:
        db.session.add(OrgProductCourseModuleSectionTranslation(org_id=org_id, section=new_section[t.section_id],
                                                                locale_key=t.locale_key, title=t.title,
                                                                description=t.description))


# ---- the status workflow --------------------------------------------------------------------

def change_status(product: OrgProduct, to: str, *, by: OrgEmployee) -> OrgProduct:
    """draft → published (``publish_checklist`` must be complete) → archived → draft."""
    actions = {"published": catalog.publish_product, "archived": catalog.archive_product,
               "draft": catalog.return_to_draft}
    if to not in actions:
        raise ValidationError(_("Choose a valid status."))
    return actions[to](product, by=by)


# ---- collections ----------------------------------------------------------------------------

COLLECTION_FIELDS = catalog.COLLECTION_FIELDS


def _check_collection(org_id: str, name, slug, description, *, exclude_id: str | None) -> None:
    errors: dict[str, str] = {}
    _collect(errors, "name", clean_text, name, _("Name"), max_length=100, required=True)
    checked = _collect(errors, "slug", check_slug, slug, max_length=80, field="slug")
    if checked is not None:
        _collect(errors, "slug", catalog.check_collection_slug_free, org_id, checked, exclude_id=exclude_id)
    _collect(errors, "description", clean_text, description, _("Description"), max_length=100_000)
    if errors:
        raise FieldErrors(errors)


def create_collection_from_input(org: Org, *, name, slug, description, by: OrgEmployee) -> OrgProductCollection:
    authorize(by, org, "catalog_all")
    _check_collection(org.id, name, slug, description, exclude_id=None)
    return catalog.create_collection(org, slug=slug, name=name, description=description, by=by)


def update_collection(collection: OrgProductCollection, *, name, slug, description,
                      by: OrgEmployee) -> OrgProductCollection:
    """A collection's name, slug and description (``FieldErrors`` for bad fields)."""
    authorize(by, collection.org_id, "catalog_all")
    _check_collection(collection.org_id, name, slug, description, exclude_id=collection.id)
    before = snapshot(collection, COLLECTION_FIELDS)
    collection.name = clean_text(name, _("Name"), max_length=100, required=True)
    collection.slug = check_slug(slug, max_length=80, field="slug")
    collection.description = clean_text(description, _("Description"), max_length=100_000)
    db.session.flush()
    audit_change(collection, action="collection.updated", by=by, fields=COLLECTION_FIELDS, before=before)
    return collection


def _links(collection: OrgProductCollection) -> list[OrgProductCollectionProduct]:
    return list(db.session.scalars(
        sa.select(OrgProductCollectionProduct).where(OrgProductCollectionProduct.collection_id == collection.id)
        .order_by(OrgProductCollectionProduct.sort_order, OrgProductCollectionProduct.created_at,
                  OrgProductCollectionProduct.id)))


def add_product(collection: OrgProductCollection, product_id: str, *, by: OrgEmployee) -> OrgProductCollectionProduct:
    """Append the org's product ``product_id`` to the collection (a product of another org is bad input)."""
    authorize(by, collection.org_id, "catalog_all")
    try:
        product = get_or_404(OrgProduct, collection.org_id, product_id or None, _("Choose a product from the list."))
    except NotFoundError as exc:
        raise FieldErrors({"product_id": exc.message}) from None
    return catalog.add_to_collection(collection, product, by=by)


def remove_product(collection: OrgProductCollection, link_id: str, *, by: OrgEmployee) -> None:
    authorize(by, collection.org_id, "catalog_all")
    link = next((lk for lk in _links(collection) if lk.id == link_id), None)
    if link is None:
        raise NotFoundError(_("This product is not in the collection."))
    before = snapshot(link, catalog.COLLECTION_PRODUCT_FIELDS)
    db.session.delete(link)
    db.session.flush()
    audit(collection.org_id, action="collection.product_removed", entity_type="org_product_collection",
          entity_id=collection.id, actor_employee=by, data={"before": before, "after": {}})


def move_product(collection: OrgProductCollection, link_id: str, direction: str, *,
                 by: OrgEmployee) -> list[OrgProductCollectionProduct]:
    """Move a product one place ``up`` or ``down`` in the collection; the positions become 1..n.
    Moving the first up (or the last down) changes nothing."""
    authorize(by, collection.org_id, "catalog_all")
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."))
    links = _links(collection)
    index = next((i for i, lk in enumerate(links) if lk.id == link_id), None)
    if index is None:
        raise NotFoundError(_("This product is not in the collection."))
    before = [lk.product_id for lk in links]
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(links):
        links[index], links[other] = links[other], links[index]
    for position, link in enumerate(links, start=1):
        link.sort_order = position
    db.session.flush()
    after = [lk.product_id for lk in links]
    if before != after:
        audit(collection.org_id, action="collection.reordered", entity_type="org_product_collection",
              entity_id=collection.id, actor_employee=by, data={"before": {"products": before},
                                                               "after": {"products": after}})
    return links


def product_collection(org_id: str, collection_id: str) -> OrgProductCollection:
    return get_or_404(OrgProductCollection, org_id, collection_id, _("Collection not found."))
