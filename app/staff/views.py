"""Dashboard pages of one org for its employees (blueprint ``staff``, ``/dashboard/<org_slug>``).

Every page needs a signed-in employee of the org: the URL processor resolves the org (unknown or
inactive → 404) and the signed-in user's employee record; a member of the org who is not an active
employee gets 403, anyone else 404 (the org's dashboard does not exist for them). What each page
shows is then limited by the permission matrix (app.orgs.permissions): the review queue needs
``catalog_own`` and shows a creator only the courses attributed to them.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DomainError, PermissionDeniedError
from app.extensions import db
from app.learn import assessments
from app.learn.assessment_views import send_submission_file, upload_root
from app.learn.forms import FeedbackForm
from app.orgs.permissions import can
from app.orgs.services import get_employee, get_member, get_org_by_slug
from app.web.htmx import redirect, render

bp = Blueprint("staff", __name__, url_prefix="/dashboard/<org_slug>")


@bp.url_value_preprocessor
def resolve_org(endpoint, values):
    g.staff_org_slug = (values or {}).pop("org_slug", None)


@bp.url_defaults
def add_org(endpoint, values):
    if "org_slug" not in values and g.get("staff_org_slug"):
        values["org_slug"] = g.staff_org_slug


@bp.before_request
@login_required
def require_employee():
    org = get_org_by_slug(g.staff_org_slug or "")
    if org is None:
        abort(404)
    employee = get_employee(org, current_user)
    if employee is None or not employee.is_active or not can(employee, "own_earnings"):
        if get_member(org, current_user) is None and employee is None:
            abort(404)
        raise PermissionDeniedError(_("This dashboard is for the organization's employees."))
    g.staff_org = org
    g.employee = employee


def _nav() -> dict:
    """What the dashboard navigation offers this employee."""
    return {"submissions": can(g.employee, "catalog_own")}


@bp.get("/")
def index():
    return render("staff/index.html", org=g.staff_org, employee=g.employee, nav=_nav())


@bp.get("/submissions")
def submissions():
    shown = request.args.get("status") or "submitted"
    if shown not in ("submitted", "reviewed", "all"):
        shown = "submitted"
    rows = assessments.review_queue(g.employee, status=None if shown == "all" else shown)
    return render("staff/submissions.html", "staff/_submission_list.html", org=g.staff_org, rows=rows,
                  shown=shown, nav=_nav())


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
    return render("staff/submission.html", org=g.staff_org, row=row, form=form, nav=_nav(), status=status)


@bp.get("/submissions/<submission_id>/file")
def submission_file(submission_id: str):
    row = assessments.submission_for_review(g.employee, submission_id)
    path = assessments.stored_file(row.submission, upload_root())
    return send_submission_file(path, row.submission.file_name)

