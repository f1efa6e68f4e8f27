"""Content translations of a product, side by side: the texts of a product (a physical item's
shipping note included), its variants, its payment plans and, for a course, its modules, sections,
lessons and quiz questions in the org's default language (the base rows) next to their translation
in each other language the org authors in, with what is missing per language and per text; and the
same sheet for a collection (its name and description) and for the skills the org's courses teach
(the org's own names for the platform's skills).

``load_sheets`` reads them for any number of products in a fixed number of queries (the size of a
course does not change it), ``load_collection_sheet`` a collection's; ``missing_counts``
counts what is missing per product and language in one SQL aggregate without loading a text
(the org-wide overview, a page of products at a time), by the same rule as
``Sheet.missing_count`` (tests/staff/test_translations.py holds them equal);
``set_plan_translation`` stores a plan's name and description in one language. The other texts
are stored by ``app.catalog.services`` (``set_product_translation``, ``set_variant_translation``,
``set_collection_translation``) and ``app.learn.authoring.set_translation`` (and quiz questions by
``app.learn.content_translations.set_question_translation``). The storefront and the player show
every one of them through the content chain (``app.markets.locales.translated``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.catalog.attributions import attributed_product_ids, require_product_editor
from app.catalog.models import (
    OrgProduct,
    OrgProductCollection,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanTranslation,
    OrgProductVariantTranslation,
    OrgSkillTranslation,
)
from app.catalog.services import NOTE_MAX, require_org_locale
from app.checks import clean_text
from app.courses.models import (
    OrgLesson,
    OrgLessonQuizQuestion,
    OrgLessonQuizQuestionTranslation,
    OrgLessonTranslation,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseModuleSectionTranslation,
    OrgProductCourseModuleTranslation,
    OrgProductCourseSkill,
)
from app.extensions import db
from app.orgs.models import OrgEmployee, OrgLocale
from app.orgs.permissions import can
from app.orgs.services import audit_change, authorize, snapshot
from app.platform.models import Skill

LONG = 100_000
# What counts as blank around a text, in Python and in SQL alike (``_blank_trimmed``): a text made of
# these only is no text.
BLANK = " \t\n\r\f\v"
PLAN_TRANSLATION_FIELDS = ("plan_id", "locale_key", "name", "description")

KIND_LABELS = {
    "product": _l("Product"), "variant": _l("Variant"), "plan": _l("Payment plan"), "collection": _l("Collection"),
    "skill": _l("Skill"), "module": _l("Module"), "section": _l("Section"),
    "lesson": _l("Lesson"), "question": _l("Quiz question"),
}
FIELD_LABELS = {
    "name": _l("Name"), "title": _l("Title"), "description": _l("Description"), "content": _l("Content"),
    "prompt": _l("Question"), "explanation": _l("Explanation"), "shipping_note": _l("Shipping note"),
}


# ---- what a sheet holds -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TextField:
    """One translatable text of a row: its name in the form, its base value and its limit."""

    name: str
    label: Any
    base: str | None
    limit: int
    required: bool = False
    multiline: bool = False


@dataclass
class TextRow:
    """One translatable thing (the product, a plan, a module, ...) with its translations by locale."""

    kind: str
    obj: Any
    context: str  # where it is (a lesson: "Module › Section")
    fields: list[TextField]
    translated: dict[str, dict[str, str | None]] = field(default_factory=dict)  # locale -> field -> value

    @property
    def id(self) -> str:
        return self.obj.id

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.obj.id}"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def value(self, locale: str, name: str) -> str | None:
        return self.translated.get(locale, {}).get(name)

    def missing(self, locale: str) -> list[str]:
        """Names of the texts that have a base value but none in ``locale``."""
        return [f.name for f in self.fields
                if (f.base or "").strip(BLANK) and not (self.value(locale, f.name) or "").strip(BLANK)]

    def status(self, locale: str) -> str:
        """``done``, ``partial`` or ``missing`` (nothing of it translated)."""
        missing = self.missing(locale)
        if not missing:
            return "done"
        return "partial" if locale in self.translated else "missing"


@dataclass
class Sheet:
    owner: Any  # the product or the collection whose texts these are
    rows: list[TextRow]

    def missing_count(self, locale: str) -> int:
        """The rows with something missing in ``locale`` (``missing_counts`` counts the same in SQL)."""
        return sum(1 for row in self.rows if row.missing(locale))

    def find(self, kind: str, row_id: str) -> TextRow | None:
        return next((r for r in self.rows if r.kind == kind and r.id == row_id), None)


def translation_locales(org_id: str) -> tuple[str | None, list[str]]:
    """The org's default locale (the language the base rows are written in) and the languages
    content is translated into: its other active authoring locales, in key order."""
    rows = db.session.execute(
        sa.select(OrgLocale.locale_key, OrgLocale.is_default)
        .where(OrgLocale.org_id == org_id, OrgLocale.is_active.is_(True), OrgLocale.can_author.is_(True))
        .order_by(OrgLocale.locale_key)
    ).all()
    return (next((key for key, is_default in rows if is_default), None),
            [key for key, is_default in rows if not is_default])


def _values(translations: Iterable, names: Sequence[str]) -> dict[str, dict[str, str | None]]:
    return {t.locale_key: {name: getattr(t, name) for name in names} for t in translations}


def _simple_row(kind: str, obj, context: str, specs: Sequence[tuple[str, int, bool, bool]]) -> TextRow:
    fields = [TextField(name, FIELD_LABELS[name], getattr(obj, name), limit, required, multiline)
              for name, limit, required, multiline in specs]
    return TextRow(kind, obj, context, fields, _values(obj.translations, [s[0] for s in specs]))


_TITLED = (("title", 200, True, False), ("description", LONG, False, True))


def _question_row(question: OrgLessonQuizQuestion, context: str) -> TextRow:
    fields = [TextField("prompt", FIELD_LABELS["prompt"], question.prompt, 10_000, True, True)]
    for choice in question.choices or []:
        key = str(choice.get("key"))
        fields.append(TextField(f"choice_{key}", _("Choice %(key)s", key=key), str(choice.get("text", "")), 1_000))
    fields.append(TextField("explanation", FIELD_LABELS["explanation"], question.explanation, 10_000,
                            multiline=True))
    translated = {}
    for t in question.translations:
        values = {"prompt": t.prompt, "explanation": t.explanation}
        values.update({f"choice_{key}": text for key, text in (t.choices or {}).items()})
        translated[t.locale_key] = values
    return TextRow("question", question, context, fields, translated)


def load_sheets(products: Sequence[OrgProduct]) -> dict[str, Sheet]:
    """Every translatable text of ``products`` (of one org) with its translations, in a fixed number
    of queries however many products, plans, lessons and questions there are."""
    ids = [p.id for p in products]
    if not ids:
        return {}
    org_id = products[0].org_id
    db.session.scalars(sa.select(OrgProduct).where(OrgProduct.id.in_(ids))
                       .options(selectinload(OrgProduct.translations))).all()
    rows: dict[str, list[TextRow]] = {p.id: [] for p in products}
    for product in products:
        specs = [("name", 200, True, False), ("description", LONG, False, True)]
        if product.type == "physical":
            specs.append(("shipping_note", NOTE_MAX, False, True))
        rows[product.id].append(_simple_row("product", product, "", specs))
    variants = db.session.scalars(
        sa.select(OrgProductVariant)
        .where(OrgProductVariant.product_id.in_(ids), OrgProductVariant.org_id == org_id)
        .order_by(OrgProductVariant.sort_order, OrgProductVariant.created_at, OrgProductVariant.id)
        .options(selectinload(OrgProductVariant.translations),
                 selectinload(OrgProductVariant.plans).selectinload(OrgProductVariantPaymentPlan.translations))
    ).all()
    for variant in variants:
        rows[variant.product_id].append(_simple_row("variant", variant, "", (("name", 100, True, False),)))
        for plan in variant.plans:
            rows[variant.product_id].append(_simple_row("plan", plan, variant.name, (
                ("name", 100, True, False), ("description", LONG, False, True))))
    modules = db.session.scalars(
        sa.select(OrgProductCourseModule)
        .where(OrgProductCourseModule.course_product_id.in_(ids), OrgProductCourseModule.org_id == org_id)
        .order_by(OrgProductCourseModule.sort_order, OrgProductCourseModule.created_at)
        .options(
            selectinload(OrgProductCourseModule.translations),
            selectinload(OrgProductCourseModule.sections).selectinload(OrgProductCourseModuleSection.translations),
            selectinload(OrgProductCourseModule.sections).selectinload(OrgProductCourseModuleSection.placements)
            .selectinload(OrgProductCourseModuleSectionLesson.lesson).selectinload(OrgLesson.translations),
        )
    ).all()
    quiz_ids = {p.lesson_id for m in modules for s in m.sections for p in s.placements if p.lesson.type == "quiz"}
    questions: dict[str, list[OrgLessonQuizQuestion]] = {}
    if quiz_ids:
        for q in db.session.scalars(
            sa.select(OrgLessonQuizQuestion)
            .where(OrgLessonQuizQuestion.lesson_id.in_(quiz_ids), OrgLessonQuizQuestion.org_id == org_id)
            .order_by(OrgLessonQuizQuestion.sort_order, OrgLessonQuizQuestion.created_at)
            .options(selectinload(OrgLessonQuizQuestion.translations))
        ):
            questions.setdefault(q.lesson_id, []).append(q)
    for module in modules:
        product_rows = rows[module.course_product_id]
        product_rows.append(_simple_row("module", module, "", _TITLED))
        for section in module.sections:
            product_rows.append(_simple_row("section", section, module.title, _TITLED))
            for placement in section.placements:
                lesson = placement.lesson
                where = f"{module.title} › {section.title}"
                product_rows.append(_simple_row("lesson", lesson, where, (*_TITLED, ("content", 1_000_000, False, True))))
                for question in questions.get(lesson.id, []):
                    product_rows.append(_question_row(question, f"{where} › {lesson.title}"))
    return {p.id: Sheet(p, rows[p.id]) for p in products}


def load_collection_sheet(collection: OrgProductCollection) -> Sheet:
    """A collection's name and description with their translations (one query)."""
    db.session.scalars(sa.select(OrgProductCollection).where(OrgProductCollection.id == collection.id)
                       .options(selectinload(OrgProductCollection.translations))).all()
    return Sheet(collection, [_simple_row("collection", collection, "", (
        ("name", 100, True, False), ("description", LONG, False, True)))])


def load_skill_sheet(employee: OrgEmployee) -> Sheet:
    """The platform skills the employee's org's courses teach, by name, with the names its
    storefront shows in each language: the org's own, else the platform's translation (three
    queries); ``catalog_all`` (the names show in the whole storefront)."""
    authorize(employee, employee.org_id, "catalog_all")
    org_id = employee.org_id
    skills = db.session.scalars(
        sa.select(Skill)
        .where(Skill.id.in_(sa.select(OrgProductCourseSkill.skill_id).where(OrgProductCourseSkill.org_id == org_id)))
        .order_by(sa.func.lower(Skill.name), Skill.id)
        .options(selectinload(Skill.translations))
    ).all()
    own: dict[str, dict[str, str]] = {}
    for skill_id, locale, name in db.session.execute(
        sa.select(OrgSkillTranslation.skill_id, OrgSkillTranslation.locale_key, OrgSkillTranslation.name)
        .where(OrgSkillTranslation.org_id == org_id)
    ):
        own.setdefault(skill_id, {})[locale] = name
    rows = []
    for skill in skills:
        names = {t.locale_key: t.name for t in skill.translations} | own.get(skill.id, {})
        rows.append(TextRow("skill", skill, "", [TextField("name", FIELD_LABELS["name"], skill.name, 100, True)],
                            {locale: {"name": name} for locale, name in names.items()}))
    return Sheet(None, rows)
# ---- what is missing, counted in SQL ----------------------------------------------------------------
# The same rule as ``TextRow.missing`` / ``Sheet.missing_count``: a row (the product, a variant, a plan, a module,
# a section, a lesson placement, a quiz question of a placed quiz) is missing in a locale when one of
# its texts has a base value but no translated value there, blanks (``BLANK``) ignored.

def _filled(expr) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(sa.func.trim(expr, BLANK), "") != ""


def _any_missing(pairs) -> sa.ColumnElement[bool]:
    return sa.or_(*(sa.and_(_filled(base), sa.not_(_filled(done))) for base, done in pairs))


def _choice_missing(question, translation) -> sa.ColumnElement[bool]:
    """A choice of ``question`` with a text and none in ``translation`` (JSON: the question's list
    of ``{"key", "text"}``, the translation's ``{key: text}``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        choice = sa.func.json_array_elements(question.choices).table_valued("value").alias("choice")
        text, key = choice.c.value.op("->>")("text"), choice.c.value.op("->>")("key")
        done = translation.choices.op("->>")(key)
    else:
        choice = sa.func.json_each(question.choices).table_valued("value").alias("choice")
        text, key = sa.func.json_extract(choice.c.value, "$.text"), sa.func.json_extract(choice.c.value, "$.key")
        done = sa.func.json_extract(translation.choices, sa.literal('$."') + key + sa.literal('"'))
    return sa.exists(sa.select(sa.literal(1)).select_from(choice)
                     .where(_filled(text), sa.not_(_filled(done))))


def _missing_rows(org_id: str, locales: Sequence[str], product_ids=None) -> sa.Subquery:
    """(product_id, locale_key) once per row of the sheets missing something in that locale: the
    products of ``product_ids`` (a list or a select; None: every product of the org)."""
    loc = (sa.select(OrgLocale.locale_key).where(OrgLocale.org_id == org_id, OrgLocale.locale_key.in_(locales))
           .subquery("loc"))

    def scoped(stmt, product_col):
        return stmt.where(product_col.in_(product_ids)) if product_ids is not None else stmt

    def translated(model, fk, row_id):
        return sa.and_(fk == row_id, model.locale_key == loc.c.locale_key, model.org_id == org_id)

    PT, QT, LT = OrgProductTranslation, OrgLessonQuizQuestionTranslation, OrgLessonTranslation
    ST, MT = OrgProductCourseModuleSectionTranslation, OrgProductCourseModuleTranslation
    Plan, PlanT, Variant = OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlanTranslation, OrgProductVariant
    VT = OrgProductVariantTranslation
    Module, Section = OrgProductCourseModule, OrgProductCourseModuleSection
    Placement, Lesson, Question = OrgProductCourseModuleSectionLesson, OrgLesson, OrgLessonQuizQuestion
    on_loc = sa.true()
    products = scoped(
        sa.select(OrgProduct.id.label("product_id"), loc.c.locale_key).select_from(OrgProduct).join(loc, on_loc)
        .outerjoin(PT, translated(PT, PT.product_id, OrgProduct.id))
        .where(OrgProduct.org_id == org_id,
               sa.or_(_any_missing([(OrgProduct.name, PT.name), (OrgProduct.description, PT.description)]),
                      sa.and_(OrgProduct.type == "physical",
                              _any_missing([(OrgProduct.shipping_note, PT.shipping_note)])))),
        OrgProduct.id)
    variants = scoped(
        sa.select(Variant.product_id, loc.c.locale_key).select_from(Variant).join(loc, on_loc)
        .outerjoin(VT, translated(VT, VT.variant_id, Variant.id))
        .where(Variant.org_id == org_id, _any_missing([(Variant.name, VT.name)])),
        Variant.product_id)
    plans = scoped(
        sa.select(Variant.product_id, loc.c.locale_key).select_from(Plan)
        .join(Variant, Variant.id == Plan.variant_id).join(loc, on_loc)
        .outerjoin(PlanT, translated(PlanT, PlanT.plan_id, Plan.id))
        .where(Plan.org_id == org_id, _any_missing([(Plan.name, PlanT.name), (Plan.description, PlanT.description)])),
        Variant.product_id)
    modules = scoped(
        sa.select(Module.course_product_id, loc.c.locale_key).select_from(Module).join(loc, on_loc)
        .outerjoin(MT, translated(MT, MT.module_id, Module.id))
        .where(Module.org_id == org_id,
               _any_missing([(Module.title, MT.title), (Module.description, MT.description)])),
        Module.course_product_id)
    sections = scoped(
        sa.select(Module.course_product_id, loc.c.locale_key).select_from(Section)
        .join(Module, Module.id == Section.module_id).join(loc, on_loc)
        .outerjoin(ST, translated(ST, ST.section_id, Section.id))
        .where(Module.org_id == org_id,
               _any_missing([(Section.title, ST.title), (Section.description, ST.description)])),
        Module.course_product_id)
    lessons = scoped(
        sa.select(Module.course_product_id, loc.c.locale_key).select_from(Placement)
        .join(Section, Section.id == Placement.section_id).join(Module, Module.id == Section.module_id)
        .join(Lesson, Lesson.id == Placement.lesson_id).join(loc, on_loc)
        .outerjoin(LT, translated(LT, LT.lesson_id, Lesson.id))
        .where(Module.org_id == org_id,
               _any_missing([(Lesson.title, LT.title), (Lesson.description, LT.description),
                             (Lesson.content, LT.content)])),
        Module.course_product_id)
    questions = scoped(
        sa.select(Module.course_product_id, loc.c.locale_key).select_from(Placement)
        .join(Section, Section.id == Placement.section_id).join(Module, Module.id == Section.module_id)
        .join(Lesson, Lesson.id == Placement.lesson_id)
        .join(Question, sa.and_(Question.lesson_id == Lesson.id, Question.org_id == org_id)).join(loc, on_loc)
        .outerjoin(QT, translated(QT, QT.question_id, Question.id))
        .where(Module.org_id == org_id, Lesson.type == "quiz",
               sa.or_(_any_missing([(Question.prompt, QT.prompt), (Question.explanation, QT.explanation)]),
                      _choice_missing(Question, QT))),
        Module.course_product_id)
    return sa.union_all(products, variants, plans, modules, sections, lessons, questions).subquery("missing")


def missing_counts(org_id: str, product_ids: Sequence[str], locales: Sequence[str]) -> dict[str, dict[str, int]]:
    """``{product_id: {locale: rows missing}}`` for ``product_ids`` of the org in one query: what
    ``load_sheets(products)[id].missing_count(locale)`` says, without loading a text."""
    counts = {pid: dict.fromkeys(locales, 0) for pid in product_ids}
    if not product_ids or not locales:
        return counts
    rows = _missing_rows(org_id, locales, list(product_ids))
    for product_id, locale, n in db.session.execute(
            sa.select(rows.c.product_id, rows.c.locale_key, sa.func.count())
            .group_by(rows.c.product_id, rows.c.locale_key)):
        counts[product_id][locale] = n
    return counts


def untranslated_product_ids(org_id: str, locale: str) -> sa.Select:
    """The ids of the org's products with something missing in ``locale`` (a select, to filter by)."""
    rows = _missing_rows(org_id, [locale])
    return sa.select(rows.c.product_id).distinct()


# ---- the org-wide overview ------------------------------------------------------------------------

def editable_products_query(employee: OrgEmployee) -> sa.Select:
    """The select of the products of ``employee``'s org they may edit (all with ``catalog_all``, the
    attributed ones with ``catalog_own``), by name; PermissionDeniedError for anyone else."""
    authorize(employee, employee.org_id, "catalog_own")
    stmt = sa.select(OrgProduct).where(OrgProduct.org_id == employee.org_id).order_by(
        sa.func.lower(OrgProduct.name), OrgProduct.id)
    if not can(employee, "catalog_all"):
        stmt = stmt.where(OrgProduct.id.in_(attributed_product_ids(employee)))
    return stmt


def editable_products(employee: OrgEmployee) -> list[OrgProduct]:
    """The products ``editable_products_query`` selects."""
    return list(db.session.scalars(editable_products_query(employee)))


# ---- plans ----------------------------------------------------------------------------------------

def set_plan_translation(plan: OrgProductVariantPaymentPlan, locale_key: str, *, name: str,
                         description: str | None = None, by: OrgEmployee) -> OrgProductVariantPaymentPlanTranslation:
    """Create or replace a payment plan's name and description in one of the org's locales."""
    require_product_editor(by, plan.variant.product)
    key = require_org_locale(plan.org_id, locale_key)
    name = clean_text(name, _("Name"), max_length=100, required=True)
    description = clean_text(description, _("Description"), max_length=LONG)
    translation = db.session.scalar(sa.select(OrgProductVariantPaymentPlanTranslation).where(
        OrgProductVariantPaymentPlanTranslation.plan_id == plan.id,
        OrgProductVariantPaymentPlanTranslation.locale_key == key))
    before = None if translation is None else snapshot(translation, PLAN_TRANSLATION_FIELDS)
    if translation is None:
        translation = OrgProductVariantPaymentPlanTranslation(org_id=plan.org_id, plan=plan, locale_key=key)
        db.session.add(translation)
    translation.name = name
    translation.description = description
    db.session.flush()
    audit_change(translation, action="plan_translation.set", by=by, fields=PLAN_TRANSLATION_FIELDS, before=before)
    return translation
