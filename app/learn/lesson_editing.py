"""Lesson library and lesson editors: the rules behind the dashboard's lesson pages.

A lesson is reusable: one row (``OrgLesson``) placed in any number of sections of any courses of
its org. Who may change it is ``app.learn.authoring.may_edit_lesson`` (its SQL twin
``editable_lessons`` limits the library). Creating a lesson and adding a quiz question are the
authoring services (``create_lesson``, ``add_quiz_question``); this module adds what the editors
need on top: changing a lesson's fields per type, editing, deleting and reordering questions,
uploading a video's WebVTT captions and a file lesson's file (stored privately with
``app.platform.storage``; the player serves them to learners with access), and where a lesson is
used. Services flush and raise DomainErrors (``FieldError`` names the form field at fault); every
change is audited.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.models import OrgProduct
from app.checks import clean_text
from app.courses.models import (
    LESSON_TYPES,
    OrgLesson,
    OrgLessonQuizQuestion,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.learn.authoring import (
    LESSON_FIELDS,
    QUESTION_FIELDS,
    check_question,
    check_web_url,
    create_lesson,
    editable_lessons,
    optional_int,
    require_lesson_editor,
)
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit, audit_change, authorize, get_or_404, snapshot
from app.platform.storage import storage

# What each editor changes (besides title, description and duration, which every type has).
TYPE_FIELDS = {
    "text": ("content",),
    "video": ("video_url", "content"),
    "quiz": ("content", "pass_mark_percent", "max_attempts"),
    "assignment": ("content", "allowed_extensions", "max_upload_mb"),
    "file": ("content",),
}
COMMON_FIELDS = ("title", "description", "duration_minutes")
EDIT_FIELDS = (*LESSON_FIELDS, "content")

MAX_CAPTIONS_BYTES = 1024 * 1024
MAX_ASSIGNMENT_UPLOAD_MB = 50  # what a learner may be asked to hand in (MAX_UPLOAD_MB's default)
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


class FieldError(ValidationError):
    """A refusal about one field of the editor (``field``: the form field's name)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _on_field(field: str, call):
    """``call()``; a ValidationError it raises becomes a FieldError of ``field``."""
    try:
        return call()
    except FieldError:
        raise
    except ValidationError as exc:
        raise FieldError(field, exc.message) from None


# ---- the library ---------------------------------------------------------------------------------

def usage_count():
    """The number of courses a lesson (``OrgLesson``, correlated) is placed in, as a scalar subquery."""
    placement, section, module = (OrgProductCourseModuleSectionLesson, OrgProductCourseModuleSection,
                                  OrgProductCourseModule)
    return (
        sa.select(sa.func.count(sa.distinct(module.course_product_id)))
        .select_from(placement)
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
        .where(placement.lesson_id == OrgLesson.id)
        .correlate(OrgLesson)
        .scalar_subquery()
    )


def library(employee: OrgEmployee) -> sa.Select:
    """(lesson, number of courses using it) of the lessons ``employee`` may edit, in their org."""
    authorize(employee, employee.org_id, "catalog_own")
    return (
        sa.select(OrgLesson, usage_count().label("courses"))
        .where(OrgLesson.org_id == employee.org_id, editable_lessons(employee))
    )


def editable_lesson(employee: OrgEmployee, lesson_id: str) -> OrgLesson:
    """The lesson ``lesson_id`` of the employee's org (404 otherwise) if they may edit it (403)."""
    lesson = get_or_404(OrgLesson, employee.org_id, lesson_id, _("Lesson not found."))
    require_lesson_editor(employee, lesson)
    return lesson


@dataclass(frozen=True)
class Usage:
    product_id: str
    course_name: str
    placements: int


def lesson_usage(lesson: OrgLesson) -> list[Usage]:
    """The courses ``lesson`` is placed in (one query), by name."""
    placement, section, module = (OrgProductCourseModuleSectionLesson, OrgProductCourseModuleSection,
                                  OrgProductCourseModule)
    rows = db.session.execute(
        sa.select(OrgProduct.id, OrgProduct.name, sa.func.count(placement.id))
        .select_from(placement)
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
        .join(OrgProduct, OrgProduct.id == module.course_product_id)
        .where(placement.lesson_id == lesson.id, placement.org_id == lesson.org_id)
        .group_by(OrgProduct.id, OrgProduct.name)
        .order_by(OrgProduct.name, OrgProduct.id)
    )
    return [Usage(pid, name, count) for pid, name, count in rows]


# ---- creating and changing a lesson ---------------------------------------------------------------

def new_lesson(org: Org, *, type: str, title: str, video_url: str | None = None,
               file: tuple[bytes, str] | None = None, by: OrgEmployee) -> OrgLesson:
    """A lesson of the library from the "new lesson" form: a title and a type; a video lesson
    needs its URL and a file lesson its file (``(bytes, original name)``)."""
    authorize(by, org, "catalog_own")
    if type not in LESSON_TYPES:
        raise FieldError("type", _("Choose a valid lesson type."))
    title = _on_field("title", lambda: _check_title(title))
    if type == "video":
        video_url = _on_field("video_url", lambda: check_web_url(video_url, _("Video URL")))
        if video_url is None:
            raise FieldError("video_url", _("A video lesson needs a video URL."))
    if type == "file" and file is None:
        raise FieldError("file", _("Choose the file learners download."))
    file_key = file_name = None
    if type == "file":
        file_key, file_name = _store_file(org.id, *file)
    return create_lesson(org, type=type, title=title, video_url=video_url if type == "video" else None,
                         file_key=file_key, file_name=file_name, by=by)


def _check_title(title: str | None) -> str:
    return clean_text(title, _("Title"), max_length=200, required=True)


def update_lesson(lesson: OrgLesson, *, by: OrgEmployee, **values) -> OrgLesson:
    """Change the lesson's fields of its type (others given are ignored). Each refusal is a
    FieldError naming its field; nothing is changed then."""
    require_lesson_editor(by, lesson)
    before = snapshot(lesson, EDIT_FIELDS)
    allowed = (*COMMON_FIELDS, *TYPE_FIELDS[lesson.type])
    given = {name: values[name] for name in allowed if name in values}
    checked = {}
    rules = {
        "title": lambda v: _check_title(v),
        "description": lambda v: clean_text(v, _("Description"), max_length=100_000),
        "duration_minutes": lambda v: optional_int(v, _("Duration (minutes)"), minimum=0, maximum=100_000),
        "content": lambda v: clean_text(v, _("Content"), max_length=1_000_000),
        "video_url": lambda v: _required_video_url(v),
        "pass_mark_percent": lambda v: optional_int(v, _("Pass mark"), minimum=0, maximum=100),
        "max_attempts": lambda v: optional_int(v, _("Attempts allowed"), minimum=1, maximum=1000),
        "allowed_extensions": lambda v: check_extensions(v),
        "max_upload_mb": lambda v: optional_int(v, _("Maximum upload size (MB)"), minimum=1,
                                                 maximum=MAX_ASSIGNMENT_UPLOAD_MB),
    }
    for name, value in given.items():
        checked[name] = _on_field(name, lambda rule=rules[name], value=value: rule(value))
    for name, value in checked.items():
        setattr(lesson, name, value)
    db.session.flush()
    audit_change(lesson, action="lesson.updated", by=by, fields=EDIT_FIELDS, before=before)
    return lesson


def _required_video_url(value) -> str:
    url = check_web_url(value, _("Video URL"))
    if url is None:
        raise ValidationError(_("A video lesson needs a video URL."))
    return url


def check_extensions(value: str | None) -> str | None:
    """``"pdf, .ZIP"`` -> ``"pdf, zip"``: letters and digits only, up to 10 each, no repeats."""
    raw = (value or "").strip()
    if not raw:
        return None
    extensions = []
    for part in raw.replace(";", ",").replace(" ", ",").split(","):
        ext = part.strip().lstrip(".").lower()
        if not ext:
            continue
        if not _EXTENSION.fullmatch(ext):
            raise ValidationError(_("“%(ext)s” is not a file type: write extensions such as pdf, docx, zip.",
                                    ext=part.strip()[:20]))
        if ext not in extensions:
            extensions.append(ext)
    text = ", ".join(extensions)
    if len(text) > 200:
        raise ValidationError(_("%(field)s must be at most %(n)d characters.", field=_("Allowed file types"), n=200))
    return text or None


# ---- uploaded files ---------------------------------------------------------------------------------

def safe_file_name(name: str | None, fallback: str) -> str:
    """The uploader's file name as a download name only: no directories or control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFC", _UNSAFE_NAME.sub("_", base)).strip(" .") or fallback
    if len(base) > 200:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: 190] + dot + suffix[:9]) if dot else base[:200]
    return base


def _key(org_id: str, kind: str, data: bytes, ext: str) -> str:
    """Content-addressed: the same bytes are stored once per org."""
    digest = hashlib.sha256(data).hexdigest()[:40]
    return f"private/lessons/{org_id}/{kind}-{digest}.{ext}"


def _store_file(org_id: str, data: bytes, name: str) -> tuple[str, str]:
    """Store a lesson's file privately: (storage key, download name)."""
    if not data:
        raise FieldError("file", _("The file is empty."))
    file_name = safe_file_name(name, "download")
    ext = file_name.rpartition(".")[2].lower() if "." in file_name else "bin"
    ext = ext if _EXTENSION.fullmatch(ext) else "bin"
    key = _key(org_id, "file", data, ext)
    storage().save(key, data)
    return key, file_name


def set_lesson_file(lesson: OrgLesson, data: bytes, name: str, *, by: OrgEmployee) -> OrgLesson:
    """Replace the file of a file lesson with an upload (stored under ``private/``)."""
    require_lesson_editor(by, lesson)
    if lesson.type != "file":
        raise FieldError("file", _("Only file lessons have a file."))
    before = snapshot(lesson, EDIT_FIELDS)
    lesson.file_key, lesson.file_name = _store_file(lesson.org_id, data, name)
    lesson.file_url = None
    db.session.flush()
    audit_change(lesson, action="lesson.file_uploaded", by=by, fields=EDIT_FIELDS, before=before)
    return lesson


def check_webvtt(data: bytes) -> str:
    """The text of a WebVTT captions file; ValidationError if it is not one."""
    if not data:
        raise ValidationError(_("The captions file is empty."))
    if len(data) > MAX_CAPTIONS_BYTES:
        raise ValidationError(_("A captions file can be at most %(n)d KB.", n=MAX_CAPTIONS_BYTES // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Captions must be a WebVTT file (.vtt, UTF-8 text).")) from None
    first = text.split("\n", 1)[0].rstrip("\r")
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))) or "\x00" in text:
        raise ValidationError(_("Captions must be a WebVTT file (.vtt, UTF-8 text)."))
    return text


def set_captions(lesson: OrgLesson, data: bytes, *, by: OrgEmployee) -> OrgLesson:
    """Store a WebVTT captions file for a video lesson (under ``private/``); the player serves it
    to learners who may open the lesson."""
    require_lesson_editor(by, lesson)
    if lesson.type != "video":
        raise FieldError("captions", _("Only video lessons have captions."))
    _on_field("captions", lambda: check_webvtt(data))
    before = snapshot(lesson, EDIT_FIELDS)
    key = _key(lesson.org_id, "captions", data, "vtt")
    storage().save(key, data)
    lesson.captions_key, lesson.captions_url = key, None
    db.session.flush()
    audit_change(lesson, action="lesson.captions_uploaded", by=by, fields=EDIT_FIELDS, before=before)
    return lesson


def remove_captions(lesson: OrgLesson, *, by: OrgEmployee) -> OrgLesson:
    require_lesson_editor(by, lesson)
    before = snapshot(lesson, EDIT_FIELDS)
    lesson.captions_key = lesson.captions_url = None
    db.session.flush()
    audit_change(lesson, action="lesson.captions_removed", by=by, fields=EDIT_FIELDS, before=before)
    return lesson


# ---- quiz questions -----------------------------------------------------------------------------------

def lesson_question(lesson: OrgLesson, question_id: str) -> OrgLessonQuizQuestion:
    question = get_or_404(OrgLessonQuizQuestion, lesson.org_id, question_id, _("Question not found."))
    if question.lesson_id != lesson.id:
        raise NotFoundError(_("Question not found."))
    return question


def update_quiz_question(question: OrgLessonQuizQuestion, *, prompt: str, kind: str, choices,
                         explanation: str | None = None, by: OrgEmployee) -> OrgLessonQuizQuestion:
    """Change a question, its answers (keys a, b, c, ... in the new order) and explanation."""
    require_lesson_editor(by, question.lesson)
    before = snapshot(question, QUESTION_FIELDS)
    prompt, kind, parsed, explanation = check_question(prompt=prompt, kind=kind, choices=choices,
                                                       explanation=explanation)
    question.prompt, question.kind, question.choices, question.explanation = prompt, kind, parsed, explanation
    db.session.flush()
    audit_change(question, action="quiz_question.updated", by=by, fields=QUESTION_FIELDS, before=before)
    return question


def delete_quiz_question(question: OrgLessonQuizQuestion, *, by: OrgEmployee) -> None:
    """Remove a question (learners' past attempts keep their answers and scores)."""
    lesson = question.lesson
    require_lesson_editor(by, lesson)
    before = snapshot(question, QUESTION_FIELDS)
    lesson.questions.remove(question)
    db.session.delete(question)
    db.session.flush()
    _renumber(lesson)
    audit(lesson.org_id, action="quiz_question.deleted", entity_type="org_lesson_quiz_question",
          entity_id=question.id, actor_employee=by, data={"before": before})


def _renumber(lesson: OrgLesson) -> None:
    for number, q in enumerate(lesson.questions, 1):
        q.sort_order = number
    db.session.flush()


def move_quiz_question(question: OrgLessonQuizQuestion, direction: str, *, by: OrgEmployee) -> None:
    """Move a question one place ``up`` or ``down`` (nothing at either end)."""
    lesson = question.lesson
    require_lesson_editor(by, lesson)
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."))
    order = list(lesson.questions)
    index = order.index(question)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(order):
        return
    before = snapshot(question, QUESTION_FIELDS)
    order[index], order[target] = order[target], order[index]
    for number, q in enumerate(order, 1):
        q.sort_order = number
    db.session.flush()
    db.session.expire(lesson, ["questions"])
    audit_change(question, action="quiz_question.moved", by=by, fields=QUESTION_FIELDS, before=before)
