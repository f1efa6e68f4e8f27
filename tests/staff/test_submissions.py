"""The dashboard's assignment review queue: who sees which submissions, the review with feedback,
the learner seeing it, files for reviewers, and 403/404 for everyone else."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.learn.models import OrgMemberAssignmentSubmission
from tests.factories import PASSWORD
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import build_academy, text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture


def _submit(client, login, a, body="My answer", **files):
    login(client, a.learner_email, PASSWORD)
    r = client.post(a.lesson_url(a.assignment, "/assignment"), data={"body": body, **files},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    client.post("/account/logout")
    with app_ctx_of(client):
        return db.session.scalar(
            sa.select(OrgMemberAssignmentSubmission).where(OrgMemberAssignmentSubmission.member_id == a.member_id)
            .order_by(OrgMemberAssignmentSubmission.created_at.desc()).limit(1)
        )


def app_ctx_of(client):
    return client.application.app_context()


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def test_admin_reviews_and_the_learner_sees_the_feedback(app, client, academy, login, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    try:
        sub = _submit(client, login, academy, file=(io.BytesIO(b"%PDF-1.4 notes"), "notes.pdf"))
        admin = _as(app, login, academy.admin_email)

        queue = admin.get(f"{academy.dashboard}/submissions")
        assert queue.status_code == 200
        html = text(queue)
        assert "Lena Learner" in html and "Clean the data" in html and "Python Course" in html
        assert f'data-submission="{sub.id}" data-status="submitted"' in html

        detail = admin.get(f"{academy.dashboard}/submissions/{sub.id}")
        assert detail.status_code == 200 and "My answer" in text(detail) and "notes.pdf" in text(detail)
        file = admin.get(f"{academy.dashboard}/submissions/{sub.id}/file")
        assert file.status_code == 200 and file.data == b"%PDF-1.4 notes"

        # Empty feedback: a message, nothing changes.
        r = admin.post(f"{academy.dashboard}/submissions/{sub.id}", data={"feedback": "  "})
        assert r.status_code == 422 and "Write some feedback for the learner." in text(r)

        r = admin.post(f"{academy.dashboard}/submissions/{sub.id}", data={"feedback": "Well argued. Add a chart."})
        assert r.status_code == 303
        with app.app_context():
            row = db.session.get(OrgMemberAssignmentSubmission, sub.id)
            assert row.status == "reviewed" and row.feedback == "Well argued. Add a chart."
            assert row.reviewed_at is not None and row.reviewed_by_employee_id is not None

        # Reviewed ones leave the default (waiting) list and show under "Reviewed".
        assert sub.id not in text(admin.get(f"{academy.dashboard}/submissions"))
        assert sub.id in text(admin.get(f"{academy.dashboard}/submissions?status=reviewed"))

        login(client, academy.learner_email, PASSWORD)
        page = text(client.get(academy.lesson_url(academy.assignment)))
        assert "Well argued. Add a chart." in page and "Reviewed" in page
    finally:
        app.config["UPLOAD_FOLDER"] = None


def test_unreviewed_come_first(app, client, academy, login):
    first = _submit(client, login, academy, body="First")
    with app.app_context():
        from app.orgs.models import OrgEmployee

        row = db.session.get(OrgMemberAssignmentSubmission, first.id)
        row.status, row.feedback = "reviewed", "ok"
        from app.db import utcnow

        row.reviewed_at = utcnow()
        row.reviewed_by_employee_id = db.session.scalar(
            sa.select(OrgEmployee.id).where(OrgEmployee.org_id == academy.org_id, OrgEmployee.role == "admin"))
        db.session.commit()
    second = _submit(client, login, academy, body="Second")
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/submissions?status=all"))
    assert html.index(second.id) < html.index(first.id)


def test_creator_sees_only_attributed_courses(app, client, academy, login):
    sub = _submit(client, login, academy)
    creator = _as(app, login, academy.creator_email)
    assert sub.id in text(creator.get(f"{academy.dashboard}/submissions"))
    assert creator.get(f"{academy.dashboard}/submissions/{sub.id}").status_code == 200

    other = _as(app, login, academy.other_creator_email)
    html = text(other.get(f"{academy.dashboard}/submissions"))
    assert sub.id not in html and "No submissions are waiting for review." in html
    assert other.get(f"{academy.dashboard}/submissions/{sub.id}").status_code == 404
    r = other.post(f"{academy.dashboard}/submissions/{sub.id}", data={"feedback": "sneaky"})
    assert r.status_code == 404
    assert other.get(f"{academy.dashboard}/submissions/{sub.id}/file").status_code == 404


def test_staff_role_learner_and_outsiders_are_refused(app, client, academy, login):
    sub = _submit(client, login, academy)
    staff = _as(app, login, academy.staff_email)
    assert staff.get(f"{academy.dashboard}/submissions").status_code == 403
    assert staff.get(f"{academy.dashboard}/").status_code == 200  # the dashboard itself is theirs

    learner = _as(app, login, academy.learner_email)
    assert learner.get(f"{academy.dashboard}/submissions").status_code == 403
    assert learner.get(f"{academy.dashboard}/submissions/{sub.id}").status_code == 403

    with app.app_context():
        from tests.factories import make_user

        outsider = make_user()
        db.session.commit()
        email = outsider.email
    stranger = _as(app, login, email)
    assert stranger.get(f"{academy.dashboard}/submissions").status_code == 404
    assert stranger.get("/dashboard/no-such-org/submissions").status_code == 404

    anonymous = app.test_client()
    r = anonymous.get(f"{academy.dashboard}/submissions")
    assert r.status_code in (302, 303) and "/account/login" in r.headers["Location"]


def test_another_orgs_submission_is_404(app, client, academy, login):
    sub = _submit(client, login, academy)
    with app.app_context():
        other = build_academy()
        db.session.commit()
    other_admin = _as(app, login, other.admin_email)
    assert other_admin.get(f"{other.dashboard}/submissions/{sub.id}").status_code == 404
    assert sub.id not in text(other_admin.get(f"{other.dashboard}/submissions?status=all"))
    # Their own dashboard URL with this org's slug: not an employee here, not a member → 404.
    assert other_admin.get(f"{academy.dashboard}/submissions/{sub.id}").status_code == 404


def test_queue_query_count_does_not_grow(app, client, academy, login, count_queries):
    for n in range(2):
        _submit(client, login, academy, body=f"Answer {n}")
    admin = _as(app, login, academy.admin_email)
    with count_queries() as few:
        assert admin.get(f"{academy.dashboard}/submissions").status_code == 200
    for n in range(5):
        _submit(client, login, academy, body=f"More {n}")
    with count_queries() as many:
        assert admin.get(f"{academy.dashboard}/submissions").status_code == 200
    assert many.count == few.count, str(many)
