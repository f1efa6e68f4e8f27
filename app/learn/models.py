"""Learner models: per-member lesson progress, quiz attempts, assignment submissions and course
certificates (the course content they refer to is in ``app.courses.models``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.courses.models import OrgLesson
from app.db import (
    Created,
    OrgScoped,
    Timestamped,
    UTCDateTime,
    enum_check,
    enum_col,
    fk,
    id_pk,
    new_id,
    utcnow,
)
from app.extensions import db

if TYPE_CHECKING:
    from app.orgs.models import OrgMember

PROGRESS_STATUSES = ("started", "completed")
SUBMISSION_STATUSES = ("submitted", "reviewed")


class OrgMemberLessonProgress(OrgScoped, Timestamped, db.Model):
    """A member's progress on one lesson placement (started/completed, video position)."""

    __tablename__ = "org_member_lesson_progress"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "placement_id"),
        enum_check("status", PROGRESS_STATUSES),
        sa.CheckConstraint("position_seconds >= 0", name="position_min"),
        sa.CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name="completed_at_set"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id", index=False)
    placement_id: Mapped[str] = fk("org_product_course_module_section_lesson.id")
    lesson_id: Mapped[str] = fk("org_lesson.id")
    status: Mapped[str] = enum_col(PROGRESS_STATUSES, default="started")
    position_seconds: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"


class OrgMemberQuizAttempt(OrgScoped, Created, db.Model):
    """One submitted quiz attempt with its answers, score and pass/fail (append-only)."""

    __tablename__ = "org_member_quiz_attempt"
    __table_args__ = (
        sa.Index(None, "member_id", "placement_id"),
        sa.CheckConstraint("score_percent BETWEEN 0 AND 100", name="score_range"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id", index=False)
    lesson_id: Mapped[str] = fk("org_lesson.id")
    placement_id: Mapped[str] = fk("org_product_course_module_section_lesson.id")
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, nullable=False)
    score_percent: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    passed: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class OrgMemberAssignmentSubmission(OrgScoped, Timestamped, db.Model):
    """A member's answer to an assignment lesson (text and/or file) and its review."""

    __tablename__ = "org_member_assignment_submission"
    __table_args__ = (
        sa.Index(None, "member_id", "placement_id"),
        sa.Index(None, "org_id", "status"),
        enum_check("status", SUBMISSION_STATUSES),
        sa.CheckConstraint("status <> 'reviewed' OR reviewed_at IS NOT NULL", name="reviewed_at_set"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id", index=False)
    lesson_id: Mapped[str] = fk("org_lesson.id")
    placement_id: Mapped[str] = fk("org_product_course_module_section_lesson.id")
    body: Mapped[str | None] = mapped_column(sa.Text)
    file_path: Mapped[str | None] = mapped_column(sa.String(500))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str] = enum_col(SUBMISSION_STATUSES, default="submitted")
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_by_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[OrgMember] = relationship("OrgMember")
    lesson: Mapped[OrgLesson] = relationship()


class OrgMemberCourseCertificate(OrgScoped, Created, db.Model):
    """Proof that a member completed a course; names are frozen at issue time."""

    __tablename__ = "org_member_course_certificate"
    __table_args__ = (sa.UniqueConstraint("member_id", "course_product_id"),)

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id", index=False)
    course_product_id: Mapped[str] = fk("org_product_course.product_id")
    verification_code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False, default=new_id)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    learner_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    course_title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
