"""The assignment review queue (``/dashboard/<org>/submissions``): a list built with
app/web/tables.py, a submission's page with the feedback form, and its file.

Who sees what is the rule of ``app.learn.assessments.reviewable_product_ids``: admins and managers
every course of the org, creators the courses attributed to them, anyone else 403.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.accounts.models import UserProfile
from app.catalog.models import OrgProduct
from app.courses.models import (
    OrgLesson,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.errors import DomainError
from app.extensions import db
from app.learn import assessments
from app.learn.assessment_views import send_submission_file
from app.learn.assessments import QueueRow, reviewable_product_ids
from app.learn.forms import FeedbackForm
from app.learn.models import OrgMemberAssignmentSubmission
from app.orgs.models import OrgEmployee, OrgMember
from app.orgs.permissions import can
from app.staff.blueprint import bp
from app.web import tables
from app.web.htmx import redirect, render

Submission = OrgMemberAssignmentSubmission
STATUS_LABELS = {"submitted": _l("Waiting for review"), "reviewed": _l("Reviewed")}


def submission_rows(employee: OrgEmployee) -> sa.Select:
    """Submissions ``employee`` may review, with their course, learner and lesson (403 otherwise)."""
    allowed = reviewable_product_ids(employee)
    placement, section, module = (OrgProductCourseModuleSectionLesson, OrgProductCourseModuleSection,
                                  OrgProductCourseModule)
    stmt = (
        sa.select(Submission, module.course_product_id, OrgProduct.name, UserProfile.display_name, OrgLesson.title)
        .join(placement, placement.id == Submission.placement_id)
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
        .join(OrgProduct, OrgProduct.id == module.course_product_id)
        .join(OrgMember, OrgMember.id == Submission.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .join(OrgLesson, OrgLesson.id == Submission.lesson_id)
        .where(Submission.org_id == employee.org_id)
    )
    if allowed is not None:
        stmt = stmt.where(module.course_product_id.in_(allowed))
    return stmt


def _queue_rows(rows: Sequence) -> list[QueueRow]:
    return [QueueRow(submission=s, product_id=pid, course_name=course, learner_name=learner, lesson_title=title)
            for s, pid, course, learner, title in rows]


def _course_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    allowed = reviewable_product_ids(employee)
    stmt = sa.select(OrgProduct.id, OrgProduct.name).where(
        OrgProduct.org_id == employee.org_id, OrgProduct.type == "course").order_by(OrgProduct.name)
    if allowed is not None:
        stmt = stmt.where(OrgProduct.id.in_(allowed))
    return [(pid, name) for pid, name in db.session.execute(stmt)]


def _queue_order() -> list:
    """Unreviewed first, oldest first among them; then reviewed ones, newest review first."""
    return [sa.case((Submission.status == "submitted", 0), else_=1),
            sa.case((Submission.status == "submitted", Submission.created_at), else_=None).asc(),
            Submission.reviewed_at.desc(), Submission.created_at.desc()]


def _status_label(status: str) -> str:
    """The status in the request's language (translated once per request: exports call it per row)."""
    labels = g.get("_submission_status_labels")
    if labels is None:
        labels = g._submission_status_labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    return labels.get(status, status)


def _review(employee: OrgEmployee, rows: Sequence[QueueRow], form: FeedbackForm) -> str:
    for row in rows:
        assessments.review_submission(row.submission, employee, feedback=form.feedback.data)
    return ngettext("%(num)d submission marked as reviewed.", "%(num)d submissions marked as reviewed.", len(rows))


SUBMISSIONS = tables.Table(
    id="submissions",
    title=_l("Assignments to review"),
    endpoint="staff.submissions",
    query=submission_rows,
    key=Submission.id,
    prepare=_queue_rows,
    row_id=lambda row: row.submission.id,
    row_label=lambda row: f"{row.learner_name} · {row.lesson_title}",
    row_attrs=lambda row: {"data-submission": row.submission.id, "data-status": row.submission.status},
    columns=[
        tables.Column("submitted", _l("Submitted"), sort=Submission.created_at,
                      csv=lambda row: row.submission.created_at),
        tables.Column("learner", _l("Learner"), sort=sa.func.lower(UserProfile.display_name),
                      csv=lambda row: row.learner_name),
        tables.Column("course", _l("Course"), sort=sa.func.lower(OrgProduct.name), csv=lambda row: row.course_name),
        tables.Column("assignment", _l("Assignment"), sort=sa.func.lower(OrgLesson.title),
                      csv=lambda row: row.lesson_title),
        tables.Column("status", _l("Status"), sort=Submission.status,
                      csv=lambda row: _status_label(row.submission.status)),
        tables.Column("reviewed", _l("Reviewed"), html=False, csv=lambda row: row.submission.reviewed_at),
        tables.Column("answer", _l("Answer"), html=False, csv=lambda row: row.submission.body),
        tables.Column("file", _l("File"), html=False, csv=lambda row: row.submission.file_name),
        tables.Column("feedback", _l("Feedback"), html=False, csv=lambda row: row.submission.feedback),
    ],
    search=[UserProfile.display_name, OrgProduct.name, OrgLesson.title],
    search_label=_l("Search learner, course or assignment"),
    filters=[
        tables.Choice("status", _l("Status"), options=list(STATUS_LABELS.items()),
                      where=lambda value: Submission.status == value, default="submitted", any_value="all"),
        tables.Choice("course", _l("Course"), options=_course_choices,
                      where=lambda value: OrgProductCourseModule.course_product_id == value),
        tables.DateRange("submitted", _l("Submitted"), Submission.created_at),
    ],
    default_order=_queue_order,
    bulk_endpoint="staff.submissions_bulk",
    bulk_actions=[
        tables.BulkAction(
            "review", _l("Mark as reviewed"),
            question=lambda n: ngettext("Mark %(num)d submission as reviewed?",
                                        "Mark %(num)d submissions as reviewed?", n),
            run=_review, form=FeedbackForm, allowed=lambda employee: can(employee, "catalog_own")),
    ],
    empty=_l("No submissions are waiting for review."),
    empty_hint=_l("Learners' answers to assignment lessons appear here as soon as they hand them in."),
)


def count_waiting(employee: OrgEmployee) -> int:
    """Submissions waiting for ``employee``'s review (the list's default view), one query."""
    stmt = submission_rows(employee).where(Submission.status == "submitted")
    keys = stmt.with_only_columns(Submission.id, maintain_column_froms=True).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(keys)) or 0


@bp.get("/submissions")
def submissions():
    return SUBMISSIONS.respond(g.employee, "staff/submissions.html", "staff/_submissions_table.html")


@bp.post("/submissions/bulk")
def submissions_bulk():
    return SUBMISSIONS.bulk(g.employee, "staff/bulk_confirm.html", "staff/_submissions_table.html")


@bp.route("/submissions/<submission_id>", methods=["GET", "POST"])
def submission(submission_id: str):
    row = assessments.submission_for_review(g.employee, submission_id)
    sub = row.submission
    form = FeedbackForm(data={"feedback": sub.feedback or ""}) if request.method == "GET" else FeedbackForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                assessments.review_submission(sub, g.employee, feedback=form.feedback.data)
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
            else:
                db.session.commit()
                flash(_("Your feedback was saved; the learner sees it on the lesson."), "success")
                return redirect(url_for(".submissions"))
        status = 422
    return render("staff/submission.html", row=row, form=form, status=status)


@bp.get("/submissions/<submission_id>/file")
def submission_file(submission_id: str):
    row = assessments.submission_for_review(g.employee, submission_id)
    return send_submission_file(assessments.stored_file(row.submission), row.submission.file_name)
