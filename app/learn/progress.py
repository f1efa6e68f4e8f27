"""Learner progress per org member and course placement (``org_member_lesson_progress``).

A lesson reused in two courses (two placements) keeps one row per placement. Services flush,
never commit; the view commits.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.checks import to_decimal_number
from app.courses.models import (
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.db import new_id, utcnow
from app.entitlements.services import member_access_tier
from app.errors import ConflictError
from app.extensions import db
from app.learn.models import OrgMemberLessonProgress
from app.orgs.models import OrgMember
from app.orgs.services import ensure_same_org

MAX_POSITION_SECONDS = 24 * 3600
# Re-opening the lesson a learner viewed last refreshes its "last viewed" at most this often: the
# dashboards show the day of the last activity, and the resume order does not change meanwhile.
VISIT_REFRESH_SECONDS = 300


def _row(member: OrgMember, placement: OrgProductCourseModuleSectionLesson) -> OrgMemberLessonProgress | None:
    return db.session.scalar(
        sa.select(OrgMemberLessonProgress).where(
            OrgMemberLessonProgress.org_id == member.org_id,
            OrgMemberLessonProgress.member_id == member.id,
            OrgMemberLessonProgress.placement_id == placement.id,
        )
    )


def _get_or_create(member, placement, at: datetime) -> OrgMemberLessonProgress:
    ensure_same_org(placement, member.org_id, _("This lesson does not exist."))
    row = _row(member, placement)
    if row is None:
        row = OrgMemberLessonProgress(
            org_id=member.org_id,
            member_id=member.id,
            placement_id=placement.id,
            lesson_id=placement.lesson_id,
            status="started",
            position_seconds=0,
            last_viewed_at=at,
        )
        db.session.add(row)
    return row


def _clean_position(value) -> int:
    """Whole seconds from 0 to MAX_POSITION_SECONDS (a fraction is cut off: players report 83.4)."""
    seconds = to_decimal_number(value, _("The position must be a number of seconds."), minimum=0,
                                maximum=MAX_POSITION_SECONDS)
    return int(seconds)


@dataclass(frozen=True)
class Visit:
    """Who viewed which placement, as plain ids: recorded after the page is rendered, in a
    transaction of its own (``record_visit``), when the loaded rows are already expired."""

    org_id: str
    member_id: str
    placement_id: str
    lesson_id: str


def visit_of(member: OrgMember, placement: OrgProductCourseModuleSectionLesson) -> Visit:
    ensure_same_org(placement, member.org_id, _("This lesson does not exist."))
    return Visit(member.org_id, member.id, placement.id, placement.lesson_id)


def visit_changes(row: OrgMemberLessonProgress | None, course_rows: Iterable[OrgMemberLessonProgress],
                  at: datetime | None = None) -> bool:
    """Whether opening the lesson whose progress ``row`` is (None: never opened) changes what is
    recorded, given the member's progress rows of the course (``course_rows``, loaded with the page).
    A first visit does (the lesson becomes started); re-opening a lesson while another was viewed
    after it does (it becomes the last viewed: where "resume" leads); re-opening the last viewed
    lesson does only once its "last viewed" is VISIT_REFRESH_SECONDS old. A GET that changes
    nothing writes nothing."""
    if row is None or row.last_viewed_at is None:
        return True
    seen = row.last_viewed_at
    if any(other.last_viewed_at is not None and other.last_viewed_at > seen
           for other in course_rows if other.placement_id != row.placement_id):
        return True
    return (at or utcnow()) - seen >= timedelta(seconds=VISIT_REFRESH_SECONDS)


def visit_to_record(member: OrgMember, placement: OrgProductCourseModuleSectionLesson,
                    course_rows: dict[str, OrgMemberLessonProgress]) -> Visit | None:
    """The visit a GET of the lesson records, or None when it would change nothing (``visit_changes``);
    ``course_rows`` maps placement id -> the member's progress row of the course."""
    if not visit_changes(course_rows.get(placement.id), course_rows.values()):
        return None
    return visit_of(member, placement)


def record_visit(visit: Visit, *, position_seconds=None, at: datetime | None = None) -> None:
    """Record that the member viewed the lesson (started, last viewed) and optionally where a video
    stands, in one statement (an upsert: two first visits at once cannot collide). A completed
    lesson stays completed. Flushes nothing else and loads nothing."""
    at = at or utcnow()
    seconds = None if position_seconds is None else _clean_position(position_seconds)
    values = {"id": new_id(), "org_id": visit.org_id, "member_id": visit.member_id,
              "placement_id": visit.placement_id, "lesson_id": visit.lesson_id, "seconds": seconds or 0, "at": at}
    db.session.execute(_visit_upsert(with_position=seconds is not None), values)


_VISIT_UPSERT = (
    "INSERT INTO org_member_lesson_progress (id, org_id, member_id, placement_id, lesson_id, status, "
    "position_seconds, last_viewed_at, created_at, updated_at) "
    "VALUES (:id, :org_id, :member_id, :placement_id, :lesson_id, 'started', :seconds, :at, :at, :at) "
    "ON CONFLICT (member_id, placement_id) DO UPDATE SET last_viewed_at = :at, updated_at = :at"
)


@functools.cache
def _visit_upsert(*, with_position: bool) -> sa.TextClause:
    """``record_visit``'s upsert, as text (the same SQL on PostgreSQL and SQLite): SQLAlchemy cannot
    cache an ``on_conflict_do_update`` statement and compiled it again for every visit."""
    table = OrgMemberLessonProgress.__table__
    sql = _VISIT_UPSERT + (", position_seconds = :seconds" if with_position else "")
    return sa.text(sql).bindparams(
        *(sa.bindparam(name, type_=table.c[name].type) for name in ("id", "org_id", "member_id", "placement_id",
                                                                    "lesson_id")),
        sa.bindparam("seconds", type_=table.c.position_seconds.type),
        sa.bindparam("at", type_=table.c.last_viewed_at.type),
    )


def course_product_id_of(placement: OrgProductCourseModuleSectionLesson) -> str:
    """The course (product id) a placement belongs to (one query)."""
    return db.session.scalar(
        sa.select(OrgProductCourseModule.course_product_id)
        .join(OrgProductCourseModuleSection, OrgProductCourseModuleSection.module_id == OrgProductCourseModule.id)
        .where(OrgProductCourseModuleSection.id == placement.section_id)
    )


def mark_complete(member: OrgMember, placement: OrgProductCourseModuleSectionLesson, *,
                  at: datetime | None = None, issue_certificate: bool = True) -> OrgMemberLessonProgress:
    """Mark the placement complete for the member (idempotent: the first completion time stays),
    then issue the course certificate if every accessible lesson is now complete."""
    at = at or utcnow()
    row = _get_or_create(member, placement, at)
    if not row.is_completed:
        row.status = "completed"
        row.completed_at = at
    row.last_viewed_at = at
    db.session.flush()
    if issue_certificate:
        from app.learn.certificates import issue_if_complete

        issue_if_complete(member, course_product_id_of(placement), at=at)
    return row


def complete_lesson(member: OrgMember, placement: OrgProductCourseModuleSectionLesson, *,
                    at: datetime | None = None) -> OrgMemberLessonProgress:
    """The learner's "Mark as complete". Refused for quizzes (passing one completes it:
    ``assessments.submit_quiz``) and assignments (handing one in does: ``submit_assignment``)."""
    kind = placement.lesson.type
    if kind == "quiz":
        raise ConflictError(_("Pass the quiz to complete this lesson."))
    if kind == "assignment":
        raise ConflictError(_("Submit the assignment to complete this lesson."))
    return mark_complete(member, placement, at=at)


def completed_placement_ids(member: OrgMember, product_id: str) -> set[str]:
    from app.learn.player import course_placement_ids

    return set(
        db.session.scalars(
            sa.select(OrgMemberLessonProgress.placement_id).where(
                OrgMemberLessonProgress.org_id == member.org_id,
                OrgMemberLessonProgress.member_id == member.id,
                OrgMemberLessonProgress.status == "completed",
                OrgMemberLessonProgress.placement_id.in_(course_placement_ids(product_id)),
            )
        )
    )


def course_entries(product_id: str) -> list[tuple[str, int, bool]]:
    """(placement id, effective tier, is free preview) of every lesson of the course (one query)."""
    placement, section, module = (
        OrgProductCourseModuleSectionLesson,
        OrgProductCourseModuleSection,
        OrgProductCourseModule,
    )
    rows = db.session.execute(
        sa.select(
            placement.id,
            placement.required_access_tier,
            section.required_access_tier,
            module.required_access_tier,
            placement.is_free_preview,
        )
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
        .where(module.course_product_id == product_id)
    ).all()
    return [(pid, max(p or 1, s or 1, m or 1), bool(free)) for pid, p, s, m, free in rows]


def _open(tier: int | None, lesson_tier: int, free: bool) -> bool:
    return free or (tier is not None and tier >= lesson_tier)


def percentages(member: OrgMember, product_id: str, tier: int | None) -> tuple[int, int]:
    """(accessible %, all %) of the member's completed lessons of the course at ``tier``."""
    entries = course_entries(product_id)
    done = completed_placement_ids(member, product_id)
    open_ids = [pid for pid, t, free in entries if _open(tier, t, free)]
    done_open = sum(1 for pid in open_ids if pid in done)
    done_all = sum(1 for pid, _t, _f in entries if pid in done)
    acc = (done_open * 100 // len(open_ids)) if open_ids else 0
    total = (done_all * 100 // len(entries)) if entries else 0
    return acc, total


def course_percent(member: OrgMember, product_id: str) -> int:
    """Completed share of the lessons the member's purchased tier opens (for the review gate)."""
    return percentages(member, product_id, member_access_tier(member, product_id))[0]


@dataclass(frozen=True)
class CourseSummary:
    """A member's progress on one course, as the dashboard shows it."""

    product_id: str
    completed: int  # lessons completed
    lessons: int  # lessons the course has now
    last_viewed_at: datetime | None

    @property
    def percent(self) -> int:
        return min(100, self.completed * 100 // self.lessons) if self.lessons else 0


def course_summaries(member: OrgMember) -> dict[str, CourseSummary]:
    """course product id -> the member's completed lessons, the course's lessons and the last
    lesson view, for every course the member has progress in (two queries, whatever the number of
    courses and lessons)."""
    placement, section, module = (
        OrgProductCourseModuleSectionLesson,
        OrgProductCourseModuleSection,
        OrgProductCourseModule,
    )
    progress = OrgMemberLessonProgress
    rows = db.session.execute(
        sa.select(module.course_product_id,
                  sa.func.count(sa.case((progress.status == "completed", progress.id))),
                  sa.func.max(sa.func.coalesce(progress.last_viewed_at, progress.updated_at)))
        .join(placement, placement.id == progress.placement_id)
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
        .where(progress.org_id == member.org_id, progress.member_id == member.id)
        .group_by(module.course_product_id)
    ).all()
    if not rows:
        return {}
    lessons = dict(db.session.execute(
        sa.select(module.course_product_id, sa.func.count(placement.id))
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
        .where(module.org_id == member.org_id, module.course_product_id.in_([r[0] for r in rows]))
        .group_by(module.course_product_id)
    ).all())
    return {pid: CourseSummary(pid, int(done or 0), int(lessons.get(pid, 0)), last) for pid, done, last in rows}
