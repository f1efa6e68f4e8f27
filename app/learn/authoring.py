"""Learn rules. Authoring: courses, modules, sections, reusable lessons, quiz questions, lesson
placements and translations.

Services flush and raise DomainErrors; the view commits. Parents and children must belong to the
same org: a row of another org is reported as not found.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import checks
from app.catalog.attributions import attributed_product_ids, require_product_editor
from app.catalog.models import OrgProduct
from app.catalog.services import (
    check_access_tier,
    require_org_locale,
    set_product_translation,
)
from app.checks import clean_text, to_int
from app.courses.models import (
    COURSE_LEVELS,
    LESSON_TYPES,
    QUESTION_KINDS,
    OrgLesson,
    OrgLessonQuizQuestion,
    OrgLessonTranslation,
    OrgProductCourse,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseModuleSectionTranslation,
    OrgProductCourseModuleTranslation,
    OrgProductCourseSkill,
)
from app.errors import ConflictError, PermissionDeniedError, ValidationError
from app.extensions import db
from app.orgs.models import Org, OrgEmployee
from app.orgs.permissions import can
from app.orgs.services import audit_change, authorize, ensure_same_org, snapshot
from app.platform.models import Skill

_LONG = 100_000
_CHOICE_KEYS = "abcdefghijklmnopqrstuvwxyz"

# the fields the audit log records per entity
COURSE_FIELDS = ("product_id", "level", "difficulty", "duration_minutes", "prerequisites")
MODULE_FIELDS = ("course_product_id", "title", "description", "required_access_tier", "sort_order")
SECTION_FIELDS = ("module_id", "title", "description", "required_access_tier", "sort_order")
LESSON_FIELDS = ("type", "title", "description", "video_url", "captions_url", "file_url", "file_name",
                 "duration_minutes", "pass_mark_percent", "max_upload_mb", "allowed_extensions",
                 "max_attempts", "file_key", "captions_key", "created_by_employee_id")
QUESTION_FIELDS = ("lesson_id", "prompt", "kind", "choices", "explanation", "sort_order")
PLACEMENT_FIELDS = ("section_id", "lesson_id", "required_access_tier", "is_free_preview", "sort_order")


# ---- who may author what ---------------------------------------------------------------------
# A course is its product's content: ``app.catalog.attributions.require_product_editor`` decides.
# A reusable lesson may be changed with ``catalog_all``, or with ``catalog_own`` by the employee
# who created it or who is attributed to a course it is placed in.

def _course_product(obj) -> OrgProduct:
    """The product whose course holds ``obj`` (a course, module or section)."""
    if isinstance(obj, OrgProductCourseModuleSection):
        obj = obj.module
    if isinstance(obj, OrgProductCourseModule):
        obj = obj.course
    return obj.product


def _placed_in_own_course(employee: OrgEmployee, lesson_id) -> sa.Exists:
    """A placement of lesson ``lesson_id`` (a value or a column) in a course attributed to ``employee``."""
    return (
        sa.select(OrgProductCourseModuleSectionLesson.id)
        .join(OrgProductCourseModuleSection,
              OrgProductCourseModuleSection.id == OrgProductCourseModuleSectionLesson.section_id)
        .join(OrgProductCourseModule, OrgProductCourseModule.id == OrgProductCourseModuleSection.module_id)
        .where(OrgProductCourseModuleSectionLesson.lesson_id == lesson_id,
               OrgProductCourseModule.course_product_id.in_(attributed_product_ids(employee)))
        .exists()
    )


def may_edit_lesson(employee: OrgEmployee | None, lesson: OrgLesson) -> bool:
    if can(employee, "catalog_all"):
        return True
    if not can(employee, "catalog_own"):
        return False
    if lesson.created_by_employee_id == employee.id:
        return True
    return bool(db.session.scalar(sa.select(_placed_in_own_course(employee, lesson.id))))


def editable_lessons(employee: OrgEmployee | None):
    """The SQL condition on ``OrgLesson`` of ``may_edit_lesson`` (the lesson library lists these)."""
    if can(employee, "catalog_all"):
        return sa.true()
    if not can(employee, "catalog_own"):
        return sa.false()
    return sa.or_(OrgLesson.created_by_employee_id == employee.id, _placed_in_own_course(employee, OrgLesson.id))


def require_lesson_editor(by: OrgEmployee | None, lesson: OrgLesson) -> None:
    authorize(by, lesson.org_id, "catalog_own")
    if not may_edit_lesson(by, lesson):
        raise PermissionDeniedError(_("You do not have permission to change this lesson."))


def _next_sort(column, *criteria) -> int:
    current = db.session.scalar(sa.select(sa.func.max(column)).where(*criteria))
    return (current or 0) + 1


def check_web_url(value: str | None, label: str, *, max_length: int = 500) -> str | None:
    """An absolute http(s) URL with a host (or None when empty), by the one rule of
    ``app.checks.check_web_url``; the message names the field. Anything else (``javascript:``,
    ``data:``, a relative path, spaces) is refused: learners' browsers load these addresses."""
    url = clean_text(value, label, max_length=max_length)
    if url is None:
        return None
    try:
        return checks.check_web_url(url)
    except ValidationError:
        raise ValidationError(_("%(field)s must be a web address starting with https:// or http://.",
                                field=label)) from None


def optional_int(value, label: str, **bounds) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_int(value, label, **bounds)


# ---- course structure ------------------------------------------------------------------------

def create_course(
    product: OrgProduct,
    *,
    level: str,
    difficulty: int,
    duration_minutes: int | None = None,
    prerequisites=None,
    skill_slugs=(),
    by: OrgEmployee,
) -> OrgProductCourse:
    """The course extension of a ``course`` product, with the platform skills it teaches."""
    require_product_editor(by, product)
    if product.type != "course":
        raise ValidationError(_("Only products of type “course” can have course content."))
    existing = db.session.get(OrgProductCourse, product.id)
    if existing is not None:
        raise ConflictError(_("This product already has a course."))
    if level not in COURSE_LEVELS:
        raise ValidationError(_("Choose a valid course level."))
    try:
        difficulty = to_int(difficulty, _("Difficulty"), minimum=1, maximum=10)
    except ValidationError:
        raise ValidationError(_("Difficulty must be a whole number from 1 to 10.")) from None
    duration = optional_int(duration_minutes, _("Duration (minutes)"), minimum=0)
    if isinstance(prerequisites, str):
        prerequisites = prerequisites.strip() or None

    slugs = list(dict.fromkeys(s.strip().lower() for s in skill_slugs if s and s.strip()))
    skills = []
    if slugs:
        found = {s.slug: s for s in db.session.scalars(sa.select(Skill).where(Skill.slug.in_(slugs)))}
        missing = [s for s in slugs if s not in found]
        if missing:
            raise ValidationError(_("Unknown skill: %(skills)s.", skills=", ".join(missing)))
        skills = [found[s] for s in slugs]

    course = OrgProductCourse(
        org_id=product.org_id,
        product=product,
        level=level,
        difficulty=difficulty,
        duration_minutes=duration,
        prerequisites=prerequisites,
    )
    db.session.add(course)
    for skill in skills:
        course.skills.append(OrgProductCourseSkill(org_id=product.org_id, skill_id=skill.id))
    db.session.flush()
    audit_change(course, action="course.created", by=by, fields=COURSE_FIELDS,
                 extra={"skills": [s.slug for s in skills]} if skills else None)
    return course


def add_module(
    course: OrgProductCourse, *, title: str, description: str | None = None, required_access_tier: int = 1,
    by: OrgEmployee,
) -> OrgProductCourseModule:
    """Append a module to the course."""
    require_product_editor(by, _course_product(course))
    module = OrgProductCourseModule(
        org_id=course.org_id,
        course=course,
        title=clean_text(title, _("Title"), max_length=200, required=True),
        description=clean_text(description, _("Description"), max_length=_LONG),
        required_access_tier=check_access_tier(required_access_tier),
        sort_order=_next_sort(
            OrgProductCourseModule.sort_order, OrgProductCourseModule.course_product_id == course.product_id
        ),
    )
    db.session.add(module)
    db.session.flush()
    audit_change(module, action="course_module.created", by=by, fields=MODULE_FIELDS)
    return module


def add_section(
    module: OrgProductCourseModule, *, title: str, description: str | None = None, required_access_tier: int = 1,
    by: OrgEmployee,
) -> OrgProductCourseModuleSection:
    """Append a section to the module."""
    require_product_editor(by, _course_product(module))
    section = OrgProductCourseModuleSection(
        org_id=module.org_id,
        module=module,
        title=clean_text(title, _("Title"), max_length=200, required=True),
        description=clean_text(description, _("Description"), max_length=_LONG),
        required_access_tier=check_access_tier(required_access_tier),
        sort_order=_next_sort(
            OrgProductCourseModuleSection.sort_order, OrgProductCourseModuleSection.module_id == module.id
        ),
    )
    db.session.add(section)
    db.session.flush()
    audit_change(section, action="course_section.created", by=by, fields=SECTION_FIELDS)
    return section


# ---- lessons ---------------------------------------------------------------------------------

def create_lesson(
    org: Org,
    *,
    type: str,
    title: str,
    description: str | None = None,
    content: str | None = None,
    video_url: str | None = None,
    captions_url: str | None = None,
    file_url: str | None = None,
    file_name: str | None = None,
    duration_minutes: int | None = None,
    pass_mark_percent: int | None = None,
    created_by=None,
    max_upload_mb: int | None = None,
    allowed_extensions: str | None = None,
    max_attempts: int | None = None,
    file_key: str | None = None,
    by: OrgEmployee,
) -> OrgLesson:
    """A reusable lesson of the org. Video lessons need a video URL and file lessons a file URL;
    quizzes take a pass mark (0-100 %), assignments an optional upload limit and extensions.
    ``by`` needs ``catalog_own``; ``created_by`` (default: ``by``) is the lesson's author."""
    authorize(by, org, "catalog_own")
    created_by = by if created_by is None else created_by
    if type not in LESSON_TYPES:
        raise ValidationError(_("Choose a valid lesson type."))
    ensure_same_org(created_by, org.id, _("Employee not found."))
    video_url = check_web_url(video_url, _("Video URL"))
    file_url = check_web_url(file_url, _("File URL"))
    if type == "video" and video_url is None:
        raise ValidationError(_("A video lesson needs a video URL."))
    if type == "file" and file_url is None and not file_key:
        raise ValidationError(_("A file lesson needs a file URL."))
    pass_mark = optional_int(pass_mark_percent, _("Pass mark"), minimum=0, maximum=100)
    lesson = OrgLesson(
        org_id=org.id,
        type=type,
        title=clean_text(title, _("Title"), max_length=200, required=True),
        description=clean_text(description, _("Description"), max_length=_LONG),
        content=clean_text(content, _("Content"), max_length=1_000_000),
        video_url=video_url,
        captions_url=check_web_url(captions_url, _("Captions URL")),
        file_url=file_url,
        file_name=clean_text(file_name, _("File name"), max_length=255),
        duration_minutes=optional_int(duration_minutes, _("Duration (minutes)"), minimum=0),
        pass_mark_percent=pass_mark,
        max_upload_mb=optional_int(max_upload_mb, _("Maximum upload size (MB)"), minimum=1),
        allowed_extensions=clean_text(allowed_extensions, _("Allowed file types"), max_length=200),
        max_attempts=optional_int(max_attempts, _("Attempts allowed"), minimum=1, maximum=1000),
        file_key=file_key,
        created_by_employee_id=created_by.id,
    )
    db.session.add(lesson)
    db.session.flush()
    audit_change(lesson, action="lesson.created", by=by, fields=LESSON_FIELDS)
    return lesson


def _parse_choices(choices) -> list[dict[str, Any]]:
    parsed = []
    for item in choices or ():
        if isinstance(item, dict):
            text, correct = item.get("text"), item.get("correct", False)
        else:
            text, correct = item
        text = (text or "").strip() if isinstance(text, str) else str(text or "").strip()
        if not text:
            raise ValidationError(_("Every answer needs some text."))
        parsed.append({"text": text, "correct": bool(correct)})
    if len(parsed) < 2:
        raise ValidationError(_("A question needs at least two answers."))
    if len(parsed) > len(_CHOICE_KEYS):
        raise ValidationError(_("A question can have at most %(n)d answers.", n=len(_CHOICE_KEYS)))
    if len({c["text"].casefold() for c in parsed}) != len(parsed):
        raise ValidationError(_("Each answer must be different."))
    for key, choice in zip(_CHOICE_KEYS, parsed, strict=False):
        choice["key"] = key
    return [{"key": c["key"], "text": c["text"], "correct": c["correct"]} for c in parsed]


def check_question(*, prompt: str, kind: str, choices, explanation: str | None):
    """(prompt, kind, choices, explanation) of a valid question; ValidationError otherwise. A
    single-choice question has exactly one correct answer, a multiple-choice one at least one."""
    if kind not in QUESTION_KINDS:
        raise ValidationError(_("Choose single or multiple choice."))
    prompt = clean_text(prompt, _("Question"), max_length=10_000, required=True)
    parsed = _parse_choices(choices)
    correct = sum(1 for c in parsed if c["correct"])
    if kind == "single" and correct != 1:
        raise ValidationError(_("A single-choice question needs exactly one correct answer."))
    if kind == "multiple" and correct < 1:
        raise ValidationError(_("Mark at least one answer as correct."))
    return prompt, kind, parsed, clean_text(explanation, _("Explanation"), max_length=10_000)


def add_quiz_question(
    lesson: OrgLesson, *, prompt: str, kind: str, choices, explanation: str | None = None, by: OrgEmployee
) -> OrgLessonQuizQuestion:
    """Append a question to a quiz lesson. ``choices`` is a list of ``(text, correct)`` pairs (or
    ``{"text", "correct"}`` dicts); they get the keys a, b, c, ... in order."""
    require_lesson_editor(by, lesson)
    if lesson.type != "quiz":
        raise ValidationError(_("Questions can only be added to quiz lessons."))
    prompt, kind, parsed, explanation = check_question(prompt=prompt, kind=kind, choices=choices,
                                                       explanation=explanation)
    question = OrgLessonQuizQuestion(
        org_id=lesson.org_id,
        lesson=lesson,
        prompt=prompt,
        kind=kind,
        choices=parsed,
        explanation=explanation,
        sort_order=_next_sort(OrgLessonQuizQuestion.sort_order, OrgLessonQuizQuestion.lesson_id == lesson.id),
    )
    db.session.add(question)
    db.session.flush()
    audit_change(question, action="quiz_question.created", by=by, fields=QUESTION_FIELDS)
    return question


def place_lesson(
    section: OrgProductCourseModuleSection,
    lesson: OrgLesson,
    *,
    required_access_tier: int = 1,
    is_free_preview: bool = False,
    by: OrgEmployee,
) -> OrgProductCourseModuleSectionLesson:
    """Append a reusable lesson to a section. The same lesson may appear in many courses, but
    only once per section."""
    require_product_editor(by, _course_product(section))
    ensure_same_org(lesson, section.org_id, _("Lesson not found."))
    tier = check_access_tier(required_access_tier)
    already = db.session.scalar(
        sa.select(OrgProductCourseModuleSectionLesson.id).where(
            OrgProductCourseModuleSectionLesson.section_id == section.id,
            OrgProductCourseModuleSectionLesson.lesson_id == lesson.id,
        )
    )
    if already is not None:
        raise ConflictError(_("This lesson is already in this section."))
    placement = OrgProductCourseModuleSectionLesson(
        org_id=section.org_id,
        section=section,
        lesson=lesson,
        required_access_tier=tier,
        is_free_preview=bool(is_free_preview),
        sort_order=_next_sort(
            OrgProductCourseModuleSectionLesson.sort_order,
            OrgProductCourseModuleSectionLesson.section_id == section.id,
        ),
    )
    db.session.add(placement)
    db.session.flush()
    audit_change(placement, action="lesson.placed", by=by, fields=PLACEMENT_FIELDS)
    return placement


# ---- translations ----------------------------------------------------------------------------

# model -> (translation model, parent relationship attribute, {field: max length})
_TRANSLATABLE = {
    OrgProductCourseModule: (OrgProductCourseModuleTranslation, "module", {"title": 200, "description": _LONG}),
    OrgProductCourseModuleSection: (
        OrgProductCourseModuleSectionTranslation, "section", {"title": 200, "description": _LONG},
    ),
    OrgLesson: (OrgLessonTranslation, "lesson", {"title": 200, "description": _LONG, "content": 1_000_000}),
}


_AUDIT_NAMES = {OrgProductCourseModule: "course_module", OrgProductCourseModuleSection: "course_section",
                OrgLesson: "lesson"}


def set_translation(obj, locale_key: str, *, by: OrgEmployee, **fields):
    """Create or update the translation of a module, section or lesson (title, description and,
    for lessons, content) — or of a product (name, description) — in one of the org's locales.
    A new translation needs a title; fields not passed keep their translated value."""
    if isinstance(obj, OrgProduct):
        return set_product_translation(obj, locale_key, by=by, **fields)
    spec = _TRANSLATABLE.get(type(obj))
    if spec is None:
        raise TypeError(f"{type(obj).__name__} has no translations")
    if isinstance(obj, OrgLesson):
        require_lesson_editor(by, obj)
    else:
        require_product_editor(by, _course_product(obj))
    model, parent_attr, limits = spec
    unknown = set(fields) - set(limits)
    if unknown:
        raise TypeError(f"Unknown translation fields for {type(obj).__name__}: {sorted(unknown)}")
    key = require_org_locale(obj.org_id, locale_key)
    parent_col = getattr(model, f"{parent_attr}_id")
    translation = db.session.scalar(sa.select(model).where(parent_col == obj.id, model.locale_key == key))
    audited = ("locale_key", *limits)
    before = None if translation is None else snapshot(translation, audited)
    labels = {"title": _("Title"), "description": _("Description"), "content": _("Content")}
    values = {
        name: clean_text(value, labels[name], max_length=limits[name], required=(name == "title"))
        for name, value in fields.items()
    }
    if translation is None:
        if not values.get("title"):
            raise ValidationError(_("%(field)s is required.", field=_("Title")))
        translation = model(org_id=obj.org_id, locale_key=key, **{parent_attr: obj})
        db.session.add(translation)
    for name, value in values.items():
        setattr(translation, name, value)
    db.session.flush()
    audit_change(translation, action=f"{_AUDIT_NAMES[type(obj)]}.translated", by=by, fields=audited,
                 before=before, entity=obj)
    return translation
