"""Quizzes and assignments: what a quiz or assignment lesson shows (``lesson_context``), scoring a
quiz attempt, handing in an assignment (text and/or a file) and a creator's review of it.

Services flush and raise DomainErrors; views commit. Every service that acts on a lesson takes a
loaded ``Player`` (app.learn.player) and checks the tier gate itself (``require_open``), so an
endpoint can never forget it. Attempts and submissions are only stored for a member learning with
their own access: an employee previewing a tier, or a visitor trying a free-preview quiz, gets a
score but nothing is saved.

Uploaded files go through the storage interface (app/platform/storage.py) under
``private/assignments/<org_id>/<generated name>``, so every host sees them (a shared
``UPLOAD_FOLDER`` or a ``STORAGE_BACKEND``); the learner's file name is kept only as the download
name, never as a path. Submissions from before (``<org_id>/<name>``, directly under
``UPLOAD_FOLDER``) are still served from there.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from app.catalog.attributions import attributed_product_ids
from app.catalog.models import OrgProduct
from app.checks import clean_text
from app.courses.models import (
    OrgLesson,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.db import new_id, utcnow
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.extensions import db
from app.learn.models import OrgMemberAssignmentSubmission, OrgMemberQuizAttempt
from app.markets.locales import translated
from app.orgs.models import OrgEmployee, OrgMember
from app.orgs.models import OrgMember as Member
from app.orgs.permissions import can
from app.orgs.services import audit_change, snapshot
from app.platform.storage import storage

DEFAULT_PASS_MARK = 70
DEFAULT_MAX_UPLOAD_MB = 10
DEFAULT_EXTENSIONS = ("pdf", "txt", "md", "zip", "png", "jpg", "jpeg", "docx")
MAX_ANSWER_CHARS = 50_000
MAX_FEEDBACK_CHARS = 20_000
REVIEW_FIELDS = ("status", "feedback", "reviewed_by_employee_id", "reviewed_at")  # audited


# ---- plain values for templates -----------------------------------------------------------------

@dataclass(frozen=True)
class ChoiceView:
    key: str
    text: str
    selected: bool = False
    correct: bool = False  # only meaningful in feedback for a selected choice


@dataclass(frozen=True)
class QuestionView:
    id: str
    number: int
    prompt: str
    kind: str
    choices: tuple[ChoiceView, ...]
    answered: bool = False
    is_correct: bool | None = None  # None: not scored (a form, not feedback)
    explanation: str | None = None
    missing: bool = False  # unanswered in a rejected submission


@dataclass
class QuizResult:
    score_percent: int
    passed: bool
    correct: int
    total: int
    pass_mark: int
    questions: list[QuestionView]
    attempt: OrgMemberQuizAttempt | None = None  # None when nothing was saved (preview / visitor)
    submitted_at: datetime | None = None

    @property
    def saved(self) -> bool:
        return self.attempt is not None


@dataclass
class UploadLimits:
    max_mb: int
    extensions: tuple[str, ...]

    @property
    def max_bytes(self) -> int:
        return self.max_mb * 1024 * 1024

    @property
    def accept(self) -> str:
        """The ``accept`` attribute of the file input."""
        return ",".join("." + ext for ext in self.extensions)


class QuizIncomplete(ValidationError):
    """Some questions were left unanswered; ``questions`` keeps what was selected."""

    def __init__(self, message: str, questions: list[QuestionView]):
        super().__init__(message)
        self.questions = questions


class NoAttemptsLeft(ValidationError):
    """The learner has used every attempt the quiz allows (``OrgLesson.max_attempts``)."""


@dataclass
class AssignmentDraft:
    """What the learner typed, given back to the form after an error."""

    body: str = ""
    errors: list[str] = field(default_factory=list)


# ---- rules ------------------------------------------------------------------------------------

def pass_mark(lesson: OrgLesson) -> int:
    return DEFAULT_PASS_MARK if lesson.pass_mark_percent is None else lesson.pass_mark_percent


def upload_limits(lesson: OrgLesson) -> UploadLimits:
    return UploadLimits(
        max_mb=lesson.max_upload_mb or DEFAULT_MAX_UPLOAD_MB,
        extensions=tuple(lesson.allowed_extension_list) or DEFAULT_EXTENSIONS,
    )


def _questions(player) -> list:
    lesson = player.lesson
    if lesson is None or lesson.type != "quiz" or player.current_locked:
        return []
    return list(lesson.questions)


def _choices(question, selected: Iterable[str] = (), *, feedback: bool = False,
             texts: Mapping[str, str] | None = None) -> tuple[ChoiceView, ...]:
    chosen = {str(k) for k in selected}
    correct = question.correct_keys
    texts = texts or {}
    return tuple(
        ChoiceView(
            key=str(c.get("key")),
            text=texts.get(str(c.get("key"))) or str(c.get("text", "")),
            selected=str(c.get("key")) in chosen,
            correct=feedback and str(c.get("key")) in correct,
        )
        for c in (question.choices or [])
    )


def question_views(questions, answers: Mapping[str, Iterable[str]] | None = None, *, feedback: bool = False,
                   missing: Iterable[str] = (), chain: Sequence[str | None] = ()) -> list[QuestionView]:
    """Questions for the form (``feedback=False``) or with the marks of an attempt, in the language
    of the content ``chain`` (the player's; the question's own text where no translation has it)."""
    answers = answers or {}
    missing = set(missing)
    views = []
    for number, q in enumerate(questions, 1):
        selected = [str(k) for k in (answers.get(q.id) or ())]
        translated_choices = translated(q, "choices", chain) if chain else None
        views.append(QuestionView(
            id=q.id,
            number=number,
            prompt=translated(q, "prompt", chain) if chain else q.prompt,
            kind=q.kind,
            choices=_choices(q, selected, feedback=feedback,
                             texts=translated_choices if isinstance(translated_choices, dict) else None),
            answered=bool(selected),
            is_correct=q.is_answered_correctly(selected) if feedback else None,
            explanation=(translated(q, "explanation", chain) if chain else q.explanation) if feedback else None,
            missing=q.id in missing,
        ))
    return views


def _result(questions, answers: Mapping[str, list[str]], mark: int, attempt=None,
            chain: Sequence[str | None] = ()) -> QuizResult:
    views = question_views(questions, answers, feedback=True, chain=chain)
    total = len(views)
    correct = sum(1 for v in views if v.is_correct)
    score = (correct * 100 + total // 2) // total if total else 0
    return QuizResult(
        score_percent=score,
        passed=total > 0 and correct * 100 >= mark * total,
        correct=correct,
        total=total,
        pass_mark=mark,
        questions=views,
        attempt=attempt,
        submitted_at=attempt.submitted_at if attempt is not None else None,
    )


def _saves_for(player) -> OrgMember | None:
    """The member whose attempts/submissions are stored: not while previewing, not for visitors."""
    learner = player.learner
    if learner.previewing:
        return None
    return learner.member


# ---- lesson context (the quiz/assignment part of a lesson page) -------------------------------

def last_attempt(member: OrgMember, placement_id: str) -> OrgMemberQuizAttempt | None:
    return db.session.scalar(
        sa.select(OrgMemberQuizAttempt)
        .where(OrgMemberQuizAttempt.org_id == member.org_id, OrgMemberQuizAttempt.member_id == member.id,
               OrgMemberQuizAttempt.placement_id == placement_id)
        .order_by(OrgMemberQuizAttempt.submitted_at.desc(), OrgMemberQuizAttempt.created_at.desc())
        .limit(1)
    )


def attempt_stats(member: OrgMember, placement_id: str) -> tuple[int, int | None]:
    """(number of attempts, best score) of the member on a quiz placement (one query)."""
    count, best = db.session.execute(
        sa.select(sa.func.count(OrgMemberQuizAttempt.id), sa.func.max(OrgMemberQuizAttempt.score_percent))
        .where(OrgMemberQuizAttempt.org_id == member.org_id, OrgMemberQuizAttempt.member_id == member.id,
               OrgMemberQuizAttempt.placement_id == placement_id)
    ).one()
    return count or 0, best


def latest_submission(member: OrgMember, placement_id: str) -> OrgMemberAssignmentSubmission | None:
    return db.session.scalar(
        sa.select(OrgMemberAssignmentSubmission)
        .where(OrgMemberAssignmentSubmission.org_id == member.org_id,
               OrgMemberAssignmentSubmission.member_id == member.id,
               OrgMemberAssignmentSubmission.placement_id == placement_id)
        .order_by(OrgMemberAssignmentSubmission.created_at.desc(), OrgMemberAssignmentSubmission.id.desc())
        .limit(1)
    )


def submission_count(member: OrgMember, placement_id: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(OrgMemberAssignmentSubmission.id))
        .where(OrgMemberAssignmentSubmission.org_id == member.org_id,
               OrgMemberAssignmentSubmission.member_id == member.id,
               OrgMemberAssignmentSubmission.placement_id == placement_id)
    ) or 0


def lesson_context(player, *, result: QuizResult | None = None, questions: list[QuestionView] | None = None,
                   error: str | None = None, draft: AssignmentDraft | None = None) -> dict:
    """The ``assessment`` dict the quiz and assignment templates read (a few queries, never per lesson).

    Quiz: ``questions`` (for the form), ``result`` (the last attempt, scored, with per-question
    feedback), ``attempts`` and ``best_score``, ``pass_mark``, ``error``.
    Assignment: ``submission`` (the latest), ``submissions`` (how many), ``limits``
    (UploadLimits), ``draft`` (text to put back into the form) and ``errors``.
    Both: ``saves`` (False when previewing or not a member: nothing will be stored),
    ``locked``.
    """
    lesson = player.lesson
    ctx: dict = {"type": lesson.type if lesson else None, "locked": player.current_locked, "error": error,
                 "saves": _saves_for(player) is not None, "previewing": player.learner.previewing,
                 "member": player.learner.member}
    if lesson is None or player.current_locked:
        return ctx
    member = _saves_for(player)
    placement_id = player.current.placement_id
    if lesson.type == "quiz":
        qs = _questions(player)
        ctx.update(pass_mark=pass_mark(lesson), attempts=0, best_score=None, completed=player.is_completed(player.current))
        if result is None and member is not None:
            attempt = last_attempt(member, placement_id)
            if attempt is not None:
                result = _result(qs, attempt.answers or {}, pass_mark(lesson), attempt, chain=player.chain)
        if member is not None:
            ctx["attempts"], ctx["best_score"] = attempt_stats(member, placement_id)
        ctx["max_attempts"] = lesson.max_attempts
        ctx["attempts_left"] = (None if lesson.max_attempts is None or member is None
                                else max(lesson.max_attempts - ctx["attempts"], 0))
        ctx["result"] = result
        ctx["questions"] = questions if questions is not None else question_views(qs, chain=player.chain)
    elif lesson.type == "assignment":
        ctx.update(
            limits=upload_limits(lesson),
            submission=latest_submission(member, placement_id) if member is not None else None,
            submissions=submission_count(member, placement_id) if member is not None else 0,
            draft=draft or AssignmentDraft(),
            completed=player.is_completed(player.current),
        )
    return ctx


# ---- quiz ---------------------------------------------------------------------------------------

def _require_lesson(player, lesson_type: str) -> OrgLesson:
    from app.learn.player import require_open

    if player.lesson is None or player.current is None:
        raise NotFoundError(_("This lesson does not exist."))
    require_open(player)
    if player.lesson.type != lesson_type:
        raise NotFoundError(_("This lesson does not exist."))
    return player.lesson


def normalise_answers(questions, raw: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Keep only the known choice keys of each question (in the question's order)."""
    answers: dict[str, list[str]] = {}
    for q in questions:
        given = {str(k) for k in (raw.get(q.id) or ())}
        keys = [str(c.get("key")) for c in (q.choices or []) if str(c.get("key")) in given]
        if q.kind == "single":
            keys = keys[:1] if len(keys) == 1 else keys  # more than one is kept and scored wrong
        answers[q.id] = keys
    return answers


def submit_quiz(player, raw_answers: Mapping[str, Iterable[str]], *, at: datetime | None = None) -> QuizResult:
    """Score an attempt. A member learning with their own access gets it stored, and a pass marks the
    lesson complete. Unanswered questions raise QuizIncomplete (nothing stored)."""
    lesson = _require_lesson(player, "quiz")
    questions = _questions(player)
    if not questions:
        raise ValidationError(_("This quiz has no questions yet."))
    answers = normalise_answers(questions, raw_answers)
    missing = [q.id for q in questions if not answers[q.id]]
    if missing:
        message = (_("Please answer question %(number)d before submitting.",
                     number=next(i for i, q in enumerate(questions, 1) if q.id == missing[0]))
                   if len(missing) == 1 else
                   _("Please answer all questions before submitting (%(count)d unanswered).", count=len(missing)))
        raise QuizIncomplete(message, question_views(questions, answers, missing=missing, chain=player.chain))

    mark = pass_mark(lesson)
    result = _result(questions, answers, mark, chain=player.chain)
    member = _saves_for(player)
    if member is None:
        return result
    if lesson.max_attempts is not None and attempt_stats(member, player.placement.id)[0] >= lesson.max_attempts:
        raise NoAttemptsLeft(ngettext("You have used the %(num)d attempt this quiz allows.",
                                      "You have used all %(num)d attempts this quiz allows.", lesson.max_attempts))
    at = at or utcnow()
    attempt = OrgMemberQuizAttempt(
        org_id=member.org_id, member_id=member.id, lesson_id=lesson.id, placement_id=player.placement.id,
        answers=answers, score_percent=result.score_percent, passed=result.passed, submitted_at=at,
    )
    db.session.add(attempt)
    db.session.flush()
    if result.passed:
        from app.learn.progress import mark_complete

        mark_complete(member, player.placement, at=at)
    result.attempt = attempt
    result.submitted_at = at
    return result


# ---- assignment ---------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def display_file_name(name: str | None, ext: str) -> str:
    """The learner's file name as a download name only: no directories, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFC", _UNSAFE.sub("_", base)).strip(" .") or f"answer.{ext}"
    if len(base) > 200:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: 190] + dot + suffix[:9]) if dot else base[:200]
    return base


def _extension(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    return base.rsplit(".", 1)[1].strip().lower() if "." in base.strip(".") else ""


def _size(upload) -> int:
    stream = upload.stream
    try:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        return size
    except (AttributeError, OSError):  # a non-seekable stream: read it (bounded by MAX_CONTENT_LENGTH)
        data = stream.read()
        from io import BytesIO

        upload.stream = BytesIO(data)
        return len(data)


def check_upload(upload, limits: UploadLimits) -> tuple[str, int]:
    """(extension, size) of an acceptable file, else ValidationError saying what is wrong."""
    ext = _extension(upload.filename)
    if ext not in limits.extensions:
        raise ValidationError(_(
            "Files of this type cannot be uploaded here. Allowed types: %(types)s.",
            types=", ".join(limits.extensions),
        ))
    size = _size(upload)
    if size > limits.max_bytes:
        raise ValidationError(_("The file is too large: the limit is %(mb)d MB.", mb=limits.max_mb))
    if size == 0:
        raise ValidationError(_("The file is empty."))
    return ext, size


ASSIGNMENT_FILES = "private/assignments"


def submit_assignment(player, *, body: str | None, upload=None,
                      at: datetime | None = None) -> OrgMemberAssignmentSubmission:
    """Hand in an answer (text and/or a file; a werkzeug FileStorage or None). A new row every time;
    the lesson is marked complete. The file is stored as ``private/assignments/<org_id>/<id>.<ext>``."""
    lesson = _require_lesson(player, "assignment")
    member = _saves_for(player)
    if member is None:
        if player.learner.previewing:
            raise PermissionDeniedError(_("Submissions are not saved while you preview a course."))
        raise PermissionDeniedError(_("Only enrolled learners can hand in assignments."))
    text = clean_text(body, _("Your answer"), max_length=MAX_ANSWER_CHARS)
    has_file = upload is not None and bool(getattr(upload, "filename", None))
    if text is None and not has_file:
        raise ValidationError(_("Write an answer or attach a file."))
    stored_path = file_name = None
    if has_file:
        ext, _size_bytes = check_upload(upload, upload_limits(lesson))
        stored_path = f"{ASSIGNMENT_FILES}/{member.org_id}/{new_id()}.{ext}"
        file_name = display_file_name(upload.filename, ext)
        upload.stream.seek(0)
        storage().save(stored_path, upload.stream.read())
    at = at or utcnow()
    try:
        submission = OrgMemberAssignmentSubmission(
            org_id=member.org_id, member_id=member.id, lesson_id=lesson.id, placement_id=player.placement.id,
            body=text, file_path=stored_path, file_name=file_name, status="submitted",
        )
        db.session.add(submission)
        db.session.flush()
        from app.learn.progress import mark_complete

        mark_complete(member, player.placement, at=at)
    except Exception:
        if stored_path is not None:
            storage().delete(stored_path)
        raise
    return submission


def stored_file(submission: OrgMemberAssignmentSubmission) -> Path | BinaryIO:
    """A submission's file: its path on this machine, or an open stream from a remote storage
    backend; NotFoundError if there is none (or an old-style path escapes ``UPLOAD_FOLDER``)."""
    if not submission.file_path:
        raise NotFoundError(_("This submission has no file."))
    if submission.file_path.startswith(ASSIGNMENT_FILES + "/"):
        store = storage()
        if not store.exists(submission.file_path):
            raise NotFoundError(_("The file could not be found."))
        path = store.local_path(submission.file_path)
        return path if path is not None else store.open(submission.file_path)
    # Stored before the storage interface: ``<org_id>/<name>`` under UPLOAD_FOLDER.
    root = Path(current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads"))
    root = root.resolve()
    path = (root / submission.file_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFoundError(_("The file could not be found."))
    return path


def member_submission(player, submission_id: str) -> OrgMemberAssignmentSubmission:
    """The learner's own submission on the current placement; anyone else's is a 404."""
    member = player.learner.member
    submission = None
    if member is not None and player.placement is not None:
        submission = db.session.scalar(
            sa.select(OrgMemberAssignmentSubmission).where(
                OrgMemberAssignmentSubmission.id == submission_id,
                OrgMemberAssignmentSubmission.org_id == member.org_id,
                OrgMemberAssignmentSubmission.member_id == member.id,
                OrgMemberAssignmentSubmission.placement_id == player.placement.id,
            )
        )
    if submission is None:
        raise NotFoundError(_("This submission does not exist."))
    return submission


# ---- review (dashboard) ---------------------------------------------------------------------------

def reviewable_product_ids(employee: OrgEmployee, at: datetime | None = None):
    """None when the employee may review every course of the org (admin, manager); otherwise a
    subquery of the products they are attributed to now (creator). No capability → 403."""
    if not can(employee, "catalog_own"):
        raise PermissionDeniedError(_("You do not have permission to review submissions."))
    if can(employee, "catalog_all"):
        return None
    return attributed_product_ids(employee, at)


def _with_course():
    """SELECT submission, course product id (via placement -> section -> module)."""
    placement, section, module = (OrgProductCourseModuleSectionLesson, OrgProductCourseModuleSection,
                                  OrgProductCourseModule)
    return (
        sa.select(OrgMemberAssignmentSubmission, module.course_product_id)
        .join(placement, placement.id == OrgMemberAssignmentSubmission.placement_id)
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
    )


@dataclass
class QueueRow:
    submission: OrgMemberAssignmentSubmission
    product_id: str
    course_name: str
    learner_name: str
    lesson_title: str


def _scoped(employee: OrgEmployee, at: datetime | None):
    stmt = (
        _with_course()
        .where(OrgMemberAssignmentSubmission.org_id == employee.org_id)
        .options(joinedload(OrgMemberAssignmentSubmission.member).joinedload(Member.user_profile),
                 joinedload(OrgMemberAssignmentSubmission.lesson))
    )
    allowed = reviewable_product_ids(employee, at)
    if allowed is not None:
        stmt = stmt.where(OrgProductCourseModule.course_product_id.in_(allowed))
    return stmt


def _product_names(product_ids: set[str]) -> dict[str, str]:
    if not product_ids:
        return {}
    return dict(db.session.execute(sa.select(OrgProduct.id, OrgProduct.name).where(OrgProduct.id.in_(product_ids))).all())


def review_queue(employee: OrgEmployee, *, status: str | None = None, limit: int = 200,
                 at: datetime | None = None) -> list[QueueRow]:
    """Submissions the employee may review: unreviewed first, oldest first among them; then the
    reviewed ones, newest review first. ``status`` filters ("submitted" / "reviewed")."""
    stmt = _scoped(employee, at)
    if status in ("submitted", "reviewed"):
        stmt = stmt.where(OrgMemberAssignmentSubmission.status == status)
    sub = OrgMemberAssignmentSubmission
    stmt = stmt.order_by(
        sa.case((sub.status == "submitted", 0), else_=1),
        sa.case((sub.status == "submitted", sub.created_at), else_=None).asc(),
        sub.reviewed_at.desc(),
        sub.created_at.desc(),
    ).limit(limit)
    rows = db.session.execute(stmt).unique().all()
    names = _product_names({product_id for _s, product_id in rows})
    return [
        QueueRow(submission=s, product_id=pid, course_name=names.get(pid, ""),
                 learner_name=s.member.user_profile.display_name, lesson_title=s.lesson.title)
        for s, pid in rows
    ]


def submission_for_review(employee: OrgEmployee, submission_id: str, at: datetime | None = None) -> QueueRow:
    """One submission the employee may review; another org's, or a course they cannot see, is a 404."""
    row = db.session.execute(
        _scoped(employee, at).where(OrgMemberAssignmentSubmission.id == submission_id)
    ).unique().first()
    if row is None:
        raise NotFoundError(_("This submission does not exist."))
    submission, product_id = row
    return QueueRow(submission=submission, product_id=product_id,
                    course_name=_product_names({product_id}).get(product_id, ""),
                    learner_name=submission.member.user_profile.display_name,
                    lesson_title=submission.lesson.title)


def review_submission(submission: OrgMemberAssignmentSubmission, employee: OrgEmployee, *, feedback: str | None,
                      at: datetime | None = None) -> OrgMemberAssignmentSubmission:
    """Record a creator's feedback: status reviewed, by whom and when. Reviewing again updates it."""
    if submission.org_id != employee.org_id:
        raise NotFoundError(_("This submission does not exist."))
    submission_for_review(employee, submission.id, at)  # the scope check (403 / 404)
    text = clean_text(feedback, _("Feedback"), max_length=MAX_FEEDBACK_CHARS)
    if text is None:
        raise ValidationError(_("Write some feedback for the learner."))
    before = snapshot(submission, REVIEW_FIELDS)
    submission.feedback = text
    submission.status = "reviewed"
    submission.reviewed_by_employee_id = employee.id
    submission.reviewed_at = at or utcnow()
    db.session.flush()
    audit_change(submission, action="submission.reviewed", by=employee, fields=REVIEW_FIELDS, before=before)
    return submission
