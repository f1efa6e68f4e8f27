"""Storing one row of a translation sheet (``app.catalog.translations``): the product, a variant,
a payment plan, a module, a section, a lesson, a quiz question, a collection or (the org's name
for) a skill in one language,
each through the service of its kind; and the quiz question's translation, whose service lives here.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.services import (
    require_org_locale,
    set_collection_translation,
    set_product_translation,
    set_skill_translation,
    set_variant_translation,
)
from app.catalog.translations import TextRow, set_plan_translation
from app.checks import clean_text
from app.courses.models import OrgLessonQuizQuestion, OrgLessonQuizQuestionTranslation
from app.errors import ValidationError
from app.extensions import db
from app.learn.authoring import require_lesson_editor, set_translation
from app.orgs.models import OrgEmployee
from app.orgs.services import audit_change, snapshot

QUESTION_TRANSLATION_FIELDS = ("question_id", "locale_key", "prompt", "explanation", "choices")


def set_question_translation(question: OrgLessonQuizQuestion, locale_key: str, *, prompt: str,
                             explanation: str | None = None, choices: Mapping[str, str | None] | None = None,
                             by: OrgEmployee) -> OrgLessonQuizQuestionTranslation:
    """Create or replace a quiz question's prompt, explanation and choice texts (by choice key; a
    choice left empty shows its own text) in one of the org's locales."""
    require_lesson_editor(by, question.lesson)
    key = require_org_locale(question.org_id, locale_key)
    prompt = clean_text(prompt, _("Question"), max_length=10_000, required=True)
    explanation = clean_text(explanation, _("Explanation"), max_length=10_000)
    known = {str(c.get("key")) for c in question.choices or []}
    texts = {}
    for choice_key, text in (choices or {}).items():
        if choice_key not in known:
            raise ValidationError(_("This question has no choice %(key)s.", key=choice_key))
        cleaned = clean_text(text, _("Choice %(key)s", key=choice_key), max_length=1_000)
        if cleaned:
            texts[choice_key] = cleaned
    translation = db.session.scalar(sa.select(OrgLessonQuizQuestionTranslation).where(
        OrgLessonQuizQuestionTranslation.question_id == question.id,
        OrgLessonQuizQuestionTranslation.locale_key == key))
    before = None if translation is None else snapshot(translation, QUESTION_TRANSLATION_FIELDS)
    if translation is None:
        translation = OrgLessonQuizQuestionTranslation(org_id=question.org_id, question=question, locale_key=key)
        db.session.add(translation)
    translation.prompt = prompt
    translation.explanation = explanation
    translation.choices = texts
    db.session.flush()
    audit_change(translation, action="quiz_question.translated", by=by, fields=QUESTION_TRANSLATION_FIELDS,
                 before=before, entity=question)
    return translation


def save_row(row: TextRow, locale_key: str, values: Mapping[str, str | None], *, by: OrgEmployee):
    """Store ``values`` (the row's field names -> text) as the row's translation into ``locale_key``."""
    given = {f.name: values.get(f.name) for f in row.fields}
    if row.kind == "product":
        return set_product_translation(row.obj, locale_key, by=by, **given)
    if row.kind == "variant":
        return set_variant_translation(row.obj, locale_key, name=given["name"], by=by)
    if row.kind == "skill":
        return set_skill_translation(by.org_id, row.obj, locale_key, name=given["name"], by=by)
    if row.kind == "collection":
        return set_collection_translation(row.obj, locale_key, name=given["name"],
                                          description=given["description"], by=by)
    if row.kind == "plan":
        return set_plan_translation(row.obj, locale_key, name=given["name"], description=given["description"], by=by)
    if row.kind == "question":
        choices = {name.removeprefix("choice_"): text for name, text in given.items() if name.startswith("choice_")}
        return set_question_translation(row.obj, locale_key, prompt=given["prompt"],
                                        explanation=given["explanation"], choices=choices, by=by)
    return set_translation(row.obj, locale_key, by=by, **given)
