"""Course content models: course structure (course -> module -> section -> lesson placement),
reusable lessons and quiz questions, their translations, the skills a course teaches, and the
learners' ratings of a course. The product a course extends belongs to the catalog, which sits
above: ``OrgProductCourse.product`` is the backref of ``OrgProduct.course``, declared there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import (
    OrgScoped,
    Timestamped,
    enum_check,
    enum_col,
    fk,
    id_pk,
)
from app.extensions import db

if TYPE_CHECKING:
    from app.platform.models import Skill

COURSE_LEVELS = ("beginner", "intermediate", "advanced", "expert")
LESSON_TYPES = ("text", "video", "quiz", "assignment", "file")
QUESTION_KINDS = ("single", "multiple")

_OWNED = "all, delete-orphan"
_TIER_CHECK = "required_access_tier >= 1"


def _locale_fk():
    return mapped_column(sa.String(10), sa.ForeignKey("locale.key"), nullable=False)


def _tier_col():
    return mapped_column(sa.Integer, default=1, nullable=False)


def _sort_col():
    return mapped_column(sa.Integer, default=0, nullable=False)


def _tier(value: int | None) -> int:
    return 1 if value is None else value


class OrgProductCourse(OrgScoped, Timestamped, db.Model):
    """Course extension of a product (CTI): level, difficulty, duration, prerequisites."""

    __tablename__ = "org_product_course"
    __table_args__ = (
        enum_check("level", COURSE_LEVELS),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 10", name="difficulty_range"),
        sa.CheckConstraint("duration_minutes >= 0", name="duration_min"),
    )

    product_id: Mapped[str] = fk("org_product.id", primary_key=True, index=False)
    level: Mapped[str] = enum_col(COURSE_LEVELS, default="beginner")
    difficulty: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    duration_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    prerequisites: Mapped[Any | None] = mapped_column(sa.JSON)

    modules: Mapped[list[OrgProductCourseModule]] = relationship(
        back_populates="course",
        cascade=_OWNED,
        passive_deletes=True,
        order_by=lambda: (OrgProductCourseModule.sort_order, OrgProductCourseModule.created_at),
    )
    skills: Mapped[list[OrgProductCourseSkill]] = relationship(
        back_populates="course", cascade=_OWNED, passive_deletes=True
    )


class OrgProductCourseSkill(OrgScoped, Timestamped, db.Model):
    """A platform skill a course teaches."""

    __tablename__ = "org_product_course_skill"
    __table_args__ = (sa.UniqueConstraint("course_product_id", "skill_id"),)

    id: Mapped[str] = id_pk()
    course_product_id: Mapped[str] = fk("org_product_course.product_id", index=False)
    skill_id: Mapped[str] = fk("skill.id")

    course: Mapped[OrgProductCourse] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship("Skill")


class OrgProductCourseModule(OrgScoped, Timestamped, db.Model):
    """Top-level part of a course, gated by a minimum access tier."""

    __tablename__ = "org_product_course_module"
    __table_args__ = (
        sa.Index(None, "course_product_id", "sort_order"),
        sa.CheckConstraint(_TIER_CHECK, name="tier_min"),
    )

    id: Mapped[str] = id_pk()
    course_product_id: Mapped[str] = fk("org_product_course.product_id", index=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    sort_order: Mapped[int] = _sort_col()
    required_access_tier: Mapped[int] = _tier_col()

    course: Mapped[OrgProductCourse] = relationship(back_populates="modules")
    sections: Mapped[list[OrgProductCourseModuleSection]] = relationship(
        back_populates="module",
        cascade=_OWNED,
        passive_deletes=True,
        order_by=lambda: (OrgProductCourseModuleSection.sort_order, OrgProductCourseModuleSection.created_at),
    )
    translations: Mapped[list[OrgProductCourseModuleTranslation]] = relationship(
        back_populates="module", cascade=_OWNED, passive_deletes=True
    )


class OrgProductCourseModuleTranslation(OrgScoped, Timestamped, db.Model):
    """A module's title and description in one locale."""

    __tablename__ = "org_product_course_module_translation"
    __table_args__ = (sa.UniqueConstraint("module_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    module_id: Mapped[str] = fk("org_product_course_module.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)

    module: Mapped[OrgProductCourseModule] = relationship(back_populates="translations")


class OrgProductCourseModuleSection(OrgScoped, Timestamped, db.Model):
    """A chapter within a module, gated by a minimum access tier."""

    __tablename__ = "org_product_course_module_section"
    __table_args__ = (
        sa.Index(None, "module_id", "sort_order"),
        sa.CheckConstraint(_TIER_CHECK, name="tier_min"),
    )

    id: Mapped[str] = id_pk()
    module_id: Mapped[str] = fk("org_product_course_module.id", index=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    sort_order: Mapped[int] = _sort_col()
    required_access_tier: Mapped[int] = _tier_col()

    module: Mapped[OrgProductCourseModule] = relationship(back_populates="sections")
    placements: Mapped[list[OrgProductCourseModuleSectionLesson]] = relationship(
        back_populates="section",
        cascade=_OWNED,
        passive_deletes=True,
        order_by=lambda: (
            OrgProductCourseModuleSectionLesson.sort_order,
            OrgProductCourseModuleSectionLesson.created_at,
        ),
    )
    translations: Mapped[list[OrgProductCourseModuleSectionTranslation]] = relationship(
        back_populates="section", cascade=_OWNED, passive_deletes=True
    )


class OrgProductCourseModuleSectionTranslation(OrgScoped, Timestamped, db.Model):
    """A section's title and description in one locale."""

    __tablename__ = "org_product_course_module_section_translation"
    __table_args__ = (sa.UniqueConstraint("section_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    section_id: Mapped[str] = fk("org_product_course_module_section.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)

    section: Mapped[OrgProductCourseModuleSection] = relationship(back_populates="translations")


class OrgLesson(OrgScoped, Timestamped, db.Model):
    """A reusable lesson (text, video, quiz, assignment or file) that sections place."""

    __tablename__ = "org_lesson"
    __table_args__ = (
        enum_check("type", LESSON_TYPES),
        sa.CheckConstraint("duration_minutes >= 0", name="duration_min"),
        sa.CheckConstraint("pass_mark_percent BETWEEN 0 AND 100", name="pass_mark_range"),
        sa.CheckConstraint("max_upload_mb >= 1", name="max_upload_min"),
        sa.CheckConstraint("max_attempts >= 1", name="max_attempts_min"),
    )

    id: Mapped[str] = id_pk()
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    type: Mapped[str] = enum_col(LESSON_TYPES, default="text")
    content: Mapped[str | None] = mapped_column(sa.Text)
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    captions_url: Mapped[str | None] = mapped_column(sa.String(500))
    file_url: Mapped[str | None] = mapped_column(sa.String(500))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    duration_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    pass_mark_percent: Mapped[int | None] = mapped_column(sa.Integer)
    max_upload_mb: Mapped[int | None] = mapped_column(sa.Integer)
    allowed_extensions: Mapped[str | None] = mapped_column(sa.String(200))
    max_attempts: Mapped[int | None] = mapped_column(sa.Integer)  # quiz attempts per learner; None: unlimited
    # Uploaded files (app.platform.storage keys under private/): served to learners with access only.
    file_key: Mapped[str | None] = mapped_column(sa.String(500))
    captions_key: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")

    questions: Mapped[list[OrgLessonQuizQuestion]] = relationship(
        back_populates="lesson",
        cascade=_OWNED,
        passive_deletes=True,
        order_by=lambda: (OrgLessonQuizQuestion.sort_order, OrgLessonQuizQuestion.created_at),
    )
    translations: Mapped[list[OrgLessonTranslation]] = relationship(
        back_populates="lesson", cascade=_OWNED, passive_deletes=True
    )

    @property
    def allowed_extension_list(self) -> list[str]:
        """``"pdf, .ZIP"`` -> ``["pdf", "zip"]``; empty means any extension."""
        raw = self.allowed_extensions or ""
        return [e.strip().lstrip(".").lower() for e in raw.split(",") if e.strip().lstrip(".")]


class OrgLessonTranslation(OrgScoped, Timestamped, db.Model):
    """A lesson's title, description and body in one locale."""

    __tablename__ = "org_lesson_translation"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    lesson_id: Mapped[str] = fk("org_lesson.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    content: Mapped[str | None] = mapped_column(sa.Text)

    lesson: Mapped[OrgLesson] = relationship(back_populates="translations")


class OrgLessonQuizQuestion(OrgScoped, Timestamped, db.Model):
    """A single- or multiple-choice question of a quiz lesson.

    ``choices`` is a list of ``{"key": "a", "text": "...", "correct": bool}``.
    """

    __tablename__ = "org_lesson_quiz_question"
    __table_args__ = (
        sa.Index(None, "lesson_id", "sort_order"),
        enum_check("kind", QUESTION_KINDS),
    )

    id: Mapped[str] = id_pk()
    lesson_id: Mapped[str] = fk("org_lesson.id", index=False)
    prompt: Mapped[str] = mapped_column(sa.Text, nullable=False)
    kind: Mapped[str] = enum_col(QUESTION_KINDS, default="single")
    choices: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list, nullable=False)
    explanation: Mapped[str | None] = mapped_column(sa.Text)
    sort_order: Mapped[int] = _sort_col()

    lesson: Mapped[OrgLesson] = relationship(back_populates="questions")
    translations: Mapped[list[OrgLessonQuizQuestionTranslation]] = relationship(
        back_populates="question", cascade=_OWNED, passive_deletes=True
    )

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(str(c["key"]) for c in (self.choices or []) if c.get("correct"))

    def is_answered_correctly(self, selected_keys) -> bool:
        """Correct iff exactly the correct choices are selected (a single-choice question takes one)."""
        selected = frozenset(str(k) for k in (selected_keys or ()))
        if self.kind == "single" and len(selected) != 1:
            return False
        return bool(selected) and selected == self.correct_keys


class OrgLessonQuizQuestionTranslation(OrgScoped, Timestamped, db.Model):
    """A quiz question's prompt, explanation and choice texts in one locale.

    ``choices`` maps a choice key of the question to its translated text (``{"a": "..."}``); which
    choices are correct stays the question's own.
    """

    __tablename__ = "org_lesson_quiz_question_translation"
    __table_args__ = (sa.UniqueConstraint("question_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    question_id: Mapped[str] = fk("org_lesson_quiz_question.id", index=False)
    locale_key: Mapped[str] = _locale_fk()
    prompt: Mapped[str] = mapped_column(sa.Text, nullable=False)
    explanation: Mapped[str | None] = mapped_column(sa.Text)
    choices: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict, nullable=False)

    question: Mapped[OrgLessonQuizQuestion] = relationship(back_populates="translations")


class OrgProductCourseModuleSectionLesson(OrgScoped, Timestamped, db.Model):
    """Placement of a reusable lesson in a section, with its position and own access tier."""

    __tablename__ = "org_product_course_module_section_lesson"
    __table_args__ = (
        sa.UniqueConstraint("section_id", "lesson_id"),
        sa.CheckConstraint(_TIER_CHECK, name="tier_min"),
    )

    id: Mapped[str] = id_pk()
    section_id: Mapped[str] = fk("org_product_course_module_section.id", index=False)
    lesson_id: Mapped[str] = fk("org_lesson.id")
    sort_order: Mapped[int] = _sort_col()
    required_access_tier: Mapped[int] = _tier_col()
    is_free_preview: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)

    section: Mapped[OrgProductCourseModuleSection] = relationship(back_populates="placements")
    lesson: Mapped[OrgLesson] = relationship()

    @property
    def effective_access_tier(self) -> int:
        """The maximum tier along module -> section -> placement (uses the loaded parents)."""
        section = self.section
        return max(
            _tier(self.required_access_tier),
            _tier(section.required_access_tier),
            _tier(section.module.required_access_tier),
        )

    def is_unlocked_by(self, access_tier: int | None) -> bool:
        """Free previews are open to all; otherwise the member's best tier must reach the effective tier."""
        if self.is_free_preview:
            return True
        return access_tier is not None and access_tier >= self.effective_access_tier


class OrgProductCourseRating(OrgScoped, Timestamped, db.Model):
    """A learner's own judgement of a course's level and difficulty."""

    __tablename__ = "org_product_course_rating"
    __table_args__ = (
        sa.UniqueConstraint("course_product_id", "member_id"),
        enum_check("level", COURSE_LEVELS),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 10", name="difficulty_range"),
    )

    id: Mapped[str] = id_pk()
    course_product_id: Mapped[str] = fk("org_product_course.product_id", index=False)
    member_id: Mapped[str] = fk("org_member.id")
    level: Mapped[str] = enum_col(COURSE_LEVELS)
    difficulty: Mapped[int] = mapped_column(sa.Integer, nullable=False)
