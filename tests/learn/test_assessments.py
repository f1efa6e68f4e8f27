"""Quizzes and assignments in the course player: scoring, feedback, retakes, completion and the
progress update in the htmx response, the tier gate, upload limits and the review status."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.courses.models import OrgProductCourseModuleSectionLesson
from app.errors import ConflictError
from app.extensions import db
from app.learn import assessments, progress
from app.learn.models import OrgMemberAssignmentSubmission, OrgMemberLessonProgress, OrgMemberQuizAttempt
from app.orgs.models import OrgMember
from tests.factories import PASSWORD
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import (
    EXPLANATION_MULTI,
    EXPLANATION_SINGLE,
    HTMX,
    QUESTION_SINGLE,
    build_academy,
    correct_answers,
    text,
    wrong_answers,
)

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture


def _attempts(app, a):
    with app.app_context():
        return db.session.scalars(
            sa.select(OrgMemberQuizAttempt).where(OrgMemberQuizAttempt.member_id == a.member_id)
            .order_by(OrgMemberQuizAttempt.submitted_at)
        ).all()


def _completed(app, a, placement_id) -> bool:
    with app.app_context():
        row = db.session.scalar(sa.select(OrgMemberLessonProgress).where(
            OrgMemberLessonProgress.member_id == a.member_id, OrgMemberLessonProgress.placement_id == placement_id))
        return row is not None and row.is_completed


def _submissions(app, a):
    with app.app_context():
        return db.session.scalars(
            sa.select(OrgMemberAssignmentSubmission).where(OrgMemberAssignmentSubmission.member_id == a.member_id)
            .order_by(OrgMemberAssignmentSubmission.created_at)
        ).all()


def _sidebar_completed(html: str, placement_id: str) -> str | None:
    match = re.search(rf'data-placement="{placement_id}"[^>]*data-completed="(\w+)"', html)
    return match.group(1) if match else None


# ---- quiz ---------------------------------------------------------------------------------------

def test_quiz_page_shows_questions_as_stored(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    html = text(client.get(academy.lesson_url(academy.quiz)))
    assert QUESTION_SINGLE in html
    assert f'type="radio" name="q-{academy.q_single}"' in html
    assert f'type="checkbox" name="q-{academy.q_multi}"' in html
    assert "Pass mark: 100%" in html


def test_passing_quiz_htmx_scores_completes_and_updates_progress(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    before = text(client.get(academy.lesson_url(academy.quiz)))
    assert 'data-percent-accessible="0"' in before

    r = client.post(academy.lesson_url(academy.quiz, "/quiz"), data=correct_answers(academy), headers=HTMX)

    assert r.status_code == 200
    html = text(r)
    assert "Your score: 100%" in html and "Passed!" in html
    assert EXPLANATION_SINGLE in html and EXPLANATION_MULTI in html
    # The sidebar and progress bars come out of band: 1 of 4 open lessons, 1 of 6 in all.
    assert 'id="course-progress"' in html and 'data-hx-swap-oob="true"' in html
    assert 'data-percent-accessible="25"' in html and 'data-percent-all="16"' in html
    assert _sidebar_completed(html, academy.quiz) == "true"
    # ... and the lesson's completion box too.
    assert re.search(r'<div id="lesson-complete"[^>]*data-hx-swap-oob="true"[^>]*data-completed="true"', html)
    attempts = _attempts(app, academy)
    assert len(attempts) == 1 and attempts[0].passed and attempts[0].score_percent == 100
    assert attempts[0].answers == {academy.q_single: ["b"], academy.q_multi: ["a", "b"]}
    assert _completed(app, academy, academy.quiz)


def test_failing_quiz_is_not_complete_and_can_be_retaken(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    r = client.post(academy.lesson_url(academy.quiz, "/quiz"), data=wrong_answers(academy), headers=HTMX)
    html = text(r)
    assert r.status_code == 200
    assert "Your score: 0%" in html and "Not passed yet" in html
    assert html.count("✗ Incorrect") == 2
    assert 'data-percent-accessible="0"' in html
    assert "Retake the quiz" in html
    assert not _completed(app, academy, academy.quiz)

    # Half right: the single-choice question only (multiple choice needs exactly the right set).
    half = {f"q-{academy.q_single}": "b", f"q-{academy.q_multi}": ["a"]}
    html = text(client.post(academy.lesson_url(academy.quiz, "/quiz"), data=half, headers=HTMX))
    assert "Your score: 50%" in html and "1 of 2 correct" in html
    assert not _completed(app, academy, academy.quiz)

    html = text(client.post(academy.lesson_url(academy.quiz, "/quiz"), data=correct_answers(academy), headers=HTMX))
    assert "Passed!" in html
    assert [x.score_percent for x in _attempts(app, academy)] == [0, 50, 100]
    assert _completed(app, academy, academy.quiz)

    # The lesson page shows the latest attempt with its feedback and the attempt count.
    page = text(client.get(academy.lesson_url(academy.quiz)))
    assert "Your score: 100%" in page and "3 attempts" in page


def test_quiz_without_js_redirects_to_the_lesson_with_the_result(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    r = client.post(academy.lesson_url(academy.quiz, "/quiz"), data=correct_answers(academy))
    assert r.status_code == 303 and r.headers["Location"].endswith(academy.lesson_url(academy.quiz))
    page = text(client.get(r.headers["Location"]))
    assert "Your score: 100%" in page and 'data-completed="true"' in page


def test_unanswered_questions_get_a_message_and_keep_choices(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    data = {f"q-{academy.q_single}": "b"}
    r = client.post(academy.lesson_url(academy.quiz, "/quiz"), data=data, headers=HTMX)
    assert r.status_code == 422
    html = text(r)
    assert "Please answer question 2 before submitting." in html
    assert "Please answer this question." in html
    assert re.search(rf'name="q-{academy.q_single}" value="b" checked', html)
    assert _attempts(app, academy) == []

    # Without JS: the full lesson page with the message.
    r = client.post(academy.lesson_url(academy.quiz, "/quiz"), data={})
    assert r.status_code == 422
    html = text(r)
    assert "Please answer all questions before submitting (2 unanswered)." in html
    assert 'id="learn-sidebar"' in html


def test_tampered_answers_are_ignored_not_a_500(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    data = {f"q-{academy.q_single}": ["a", "b"], f"q-{academy.q_multi}": ["zz"], "q-unknown": "a"}
    r = client.post(academy.lesson_url(academy.quiz, "/quiz"), data=data, headers=HTMX)
    assert r.status_code == 422  # the multiple-choice answer was not a real choice: unanswered
    r = client.post(academy.lesson_url(academy.quiz, "/quiz"),
                    data={f"q-{academy.q_single}": ["a", "b"], f"q-{academy.q_multi}": ["a", "b"]}, headers=HTMX)
    assert r.status_code == 200 and "Your score: 50%" in text(r)  # two picks on a single choice: wrong


def test_locked_quiz_and_assignment_answer_403(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    r = client.post(academy.lesson_url(academy.locked_quiz, "/quiz"), data={"q-x": "a"})
    assert r.status_code == 403
    assert "Secret question?" not in text(r)
    r = client.post(academy.lesson_url(academy.locked_assignment, "/assignment"), data={"body": "hi"})
    assert r.status_code == 403
    assert _attempts(app, academy) == [] and _submissions(app, academy) == []


def test_visitor_cannot_submit_a_paid_quiz(app, client, academy):
    r = client.post(academy.lesson_url(academy.quiz, "/quiz"), data=correct_answers(academy))
    assert r.status_code == 403


def test_other_org_course_is_404(app, client, academy, login):
    with app.app_context():
        other = build_academy()
        db.session.commit()
    login(client, academy.learner_email, PASSWORD)
    # The other academy's quiz placement under this org's storefront: not found.
    url = f"{academy.prefix}/learn/{other.course_slug}/{other.quiz}/quiz"
    assert client.post(url, data=correct_answers(other)).status_code == 404
    url = f"{academy.prefix}/learn/{academy.course_slug}/{other.quiz}/quiz"
    assert client.post(url, data=correct_answers(other)).status_code == 404


def test_scoring_rules(app_ctx):
    a = build_academy()
    from app.courses.models import OrgLessonQuizQuestion

    questions = db.session.scalars(sa.select(OrgLessonQuizQuestion).where(
        OrgLessonQuizQuestion.id.in_([a.q_single, a.q_multi])).order_by(OrgLessonQuizQuestion.sort_order)).all()
    result = assessments._result(questions, {a.q_single: ["b"], a.q_multi: ["a", "b"]}, 70)
    assert (result.score_percent, result.passed, result.correct) == (100, True, 2)
    result = assessments._result(questions, {a.q_single: ["b"], a.q_multi: ["b"]}, 50)
    assert (result.score_percent, result.passed) == (50, True)  # exactly the pass mark passes
    result = assessments._result(questions, {a.q_single: ["b"], a.q_multi: ["a", "b", "c"]}, 51)
    assert (result.score_percent, result.passed) == (50, False)
    assert assessments.pass_mark(questions[0].lesson) == 100


def test_default_pass_mark_and_limits(app_ctx):
    from tests.factories import make_lesson, make_org

    org = make_org()
    quiz = make_lesson(org, type="quiz")
    assert assessments.pass_mark(quiz) == assessments.DEFAULT_PASS_MARK == 70
    assignment = make_lesson(org, type="assignment")
    limits = assessments.upload_limits(assignment)
    assert limits.max_mb == 10 and "pdf" in limits.extensions and ".pdf" in limits.accept


# ---- assignment ---------------------------------------------------------------------------------

def test_assignment_text_submit_completes_and_shows_status(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    r = client.post(academy.lesson_url(academy.assignment, "/assignment"), data={"body": "I dropped NaNs."},
                    headers={"HX-Request": "true", "HX-Target": "assignment-region"})
    assert r.status_code == 200
    html = text(r)
    assert "Submitted · awaiting review" in html and "I dropped NaNs." in html
    assert 'data-percent-accessible="25"' in html and _sidebar_completed(html, academy.assignment) == "true"
    subs = _submissions(app, academy)
    assert len(subs) == 1 and subs[0].status == "submitted" and subs[0].file_path is None
    assert _completed(app, academy, academy.assignment)


def test_assignment_file_upload_is_stored_under_a_generated_name(app, client, academy, login, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    try:
        login(client, academy.learner_email, PASSWORD)
        data = {"body": "", "file": (io.BytesIO(b"my notes"), "../../etc/My Notes.TXT")}
        r = client.post(academy.lesson_url(academy.assignment, "/assignment"), data=data,
                        content_type="multipart/form-data")
        assert r.status_code == 303
        [sub] = _submissions(app, academy)
        assert sub.file_name == "My Notes.TXT"
        # Through the storage interface (app/platform/storage.py), so other hosts can serve it.
        assert sub.file_path.startswith(f"private/assignments/{academy.org_id}/") and "Notes" not in sub.file_path
        assert sub.file_path.endswith(".txt")
        assert (tmp_path / sub.file_path).read_bytes() == b"my notes"

        page = text(client.get(academy.lesson_url(academy.assignment)))
        assert "My Notes.TXT" in page and "Your assignment was submitted." in page
        download = client.get(academy.lesson_url(academy.assignment, f"/submission/{sub.id}/file"))
        assert download.status_code == 200 and download.data == b"my notes"
        assert "attachment" in download.headers["Content-Disposition"]

        # Nobody else gets the file: another member of the org, and a visitor.
        with app.app_context():
            from app.orgs.models import Org
            from tests.factories import make_member, make_user

            intruder = make_user()
            make_member(db.session.get(Org, academy.org_id), intruder)
            db.session.commit()
            intruder_email = intruder.email
        client.post("/account/logout")
        other = app.test_client()
        login(other, intruder_email, PASSWORD)
        assert other.get(academy.lesson_url(academy.assignment, f"/submission/{sub.id}/file")).status_code == 404
        anonymous = app.test_client()
        r = anonymous.get(academy.lesson_url(academy.assignment, f"/submission/{sub.id}/file"))
        assert r.status_code in (302, 303, 401)
    finally:
        app.config["UPLOAD_FOLDER"] = None


class RemoteStorage:
    """A storage backend without local files (like an object store): ``local_path`` is None."""

    files: dict[str, bytes] = {}

    def __init__(self, root) -> None:
        pass

    def save(self, key, data):
        self.files[key] = data

    def open(self, key):
        return io.BytesIO(self.files[key])

    def exists(self, key):
        return key in self.files

    def delete(self, key):
        self.files.pop(key, None)

    def local_path(self, key):
        return None


def test_assignment_files_go_through_the_storage_backend(app, client, academy, login, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", f"{__name__}.RemoteStorage")
    login(client, academy.learner_email, PASSWORD)
    data = {"body": "", "file": (io.BytesIO(b"remote notes"), "notes.txt")}
    assert client.post(academy.lesson_url(academy.assignment, "/assignment"), data=data,
                       content_type="multipart/form-data").status_code == 303
    [sub] = _submissions(app, academy)
    assert RemoteStorage.files[sub.file_path] == b"remote notes"
    download = client.get(academy.lesson_url(academy.assignment, f"/submission/{sub.id}/file"))
    assert download.status_code == 200 and download.data == b"remote notes"
    assert 'filename=notes.txt' in download.headers["Content-Disposition"]


def test_a_file_submitted_before_the_storage_interface_is_still_served(app, client, academy, login, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    try:
        login(client, academy.learner_email, PASSWORD)
        data = {"body": "", "file": (io.BytesIO(b"old notes"), "old.txt")}
        client.post(academy.lesson_url(academy.assignment, "/assignment"), data=data,
                    content_type="multipart/form-data")
        [sub] = _submissions(app, academy)
        legacy = f"{academy.org_id}/legacy.txt"  # where files were written before
        (tmp_path / academy.org_id).mkdir(exist_ok=True)
        (tmp_path / legacy).write_bytes(b"old notes")
        with app.app_context():
            db.session.execute(sa.update(OrgMemberAssignmentSubmission).where(
                OrgMemberAssignmentSubmission.id == sub.id).values(file_path=legacy))
            db.session.commit()
        download = client.get(academy.lesson_url(academy.assignment, f"/submission/{sub.id}/file"))
        assert download.status_code == 200 and download.data == b"old notes"
    finally:
        app.config["UPLOAD_FOLDER"] = None


def test_upload_limits_keep_the_answer(app, client, academy, login, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    try:
        login(client, academy.learner_email, PASSWORD)
        url = academy.lesson_url(academy.assignment, "/assignment")
        htmx = {"HX-Request": "true", "HX-Target": "assignment-region"}
        # Wrong type.
        r = client.post(url, data={"body": "My long answer", "file": (io.BytesIO(b"MZ"), "virus.exe")},
                        content_type="multipart/form-data", headers=htmx)
        assert r.status_code == 422
        html = text(r)
        assert "Files of this type cannot be uploaded here. Allowed types: txt, pdf." in html
        assert ">My long answer</textarea>" in html
        # Too big (the lesson allows 1 MB).
        big = io.BytesIO(b"x" * (1024 * 1024 + 1))
        r = client.post(url, data={"body": "My long answer", "file": (big, "notes.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 422
        html = text(r)
        assert "The file is too large: the limit is 1 MB." in html
        assert ">My long answer</textarea>" in html and 'id="learn-sidebar"' in html
        # Nothing at all.
        r = client.post(url, data={"body": "   "}, headers=htmx)
        assert r.status_code == 422 and "Write an answer or attach a file." in text(r)
        assert _submissions(app, academy) == []
        assert list(tmp_path.rglob("*.*")) == []
        assert not _completed(app, academy, academy.assignment)
    finally:
        app.config["UPLOAD_FOLDER"] = None


def test_request_over_max_content_length_is_a_clear_413(app, client, academy, login):
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        login(client, academy.learner_email, PASSWORD)
        url = academy.lesson_url(academy.assignment, "/assignment")
        data = {"body": "answer", "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.pdf")}
        r = client.post(url, data=data, content_type="multipart/form-data",
                        headers={"HX-Request": "true", "HX-Target": "assignment-region"})
        assert r.status_code == 413
        assert r.headers["HX-Retarget"] == "#assignment-errors"
        assert "The upload is too large: files up to 1 MB can be sent." in text(r)
        data = {"body": "answer", "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.pdf")}
        r = client.post(url, data=data, content_type="multipart/form-data")
        assert r.status_code == 413 and "files up to 1 MB" in text(r) and 'id="learn-sidebar"' in text(r)
        # With CSRF protection on, the token check reads the form first: the same answer.
        app.config["WTF_CSRF_ENABLED"] = True
        data = {"body": "answer", "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.pdf")}
        r = client.post(url, data=data, content_type="multipart/form-data",
                        headers={"HX-Request": "true", "HX-Target": "assignment-region"})
        assert r.status_code == 413 and r.headers["HX-Retarget"] == "#assignment-errors"
        assert _submissions(app, academy) == []
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
        app.config["WTF_CSRF_ENABLED"] = False


def test_resubmission_shows_latest_and_review_feedback(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    url = academy.lesson_url(academy.assignment, "/assignment")
    client.post(url, data={"body": "First try"})
    [first] = _submissions(app, academy)
    with app.app_context():
        from app.accounts.models import User
        from app.orgs.models import Org
        from app.orgs.services import get_employee

        org = db.session.get(Org, academy.org_id)
        admin = get_employee(org, db.session.scalar(sa.select(User).where(User.email == academy.admin_email)))
        sub = db.session.get(OrgMemberAssignmentSubmission, first.id)
        assessments.review_submission(sub, admin, feedback="Good start, now handle the outliers.")
        db.session.commit()
    page = text(client.get(academy.lesson_url(academy.assignment)))
    assert "Good start, now handle the outliers." in page and 'data-status="reviewed"' in page

    client.post(url, data={"body": "Second try with outliers"})
    subs = _submissions(app, academy)
    assert [s.status for s in subs] == ["reviewed", "submitted"]
    page = text(client.get(academy.lesson_url(academy.assignment)))
    assert "Second try with outliers" in page and "2 submissions in total" in page
    assert 'data-status="submitted"' in page


def test_admin_preview_scores_but_saves_nothing(app, client, academy, login):
    login(client, academy.admin_email, PASSWORD)
    r = client.post(academy.lesson_url(academy.locked_quiz, "/quiz?preview=2"),
                    data={"q-x": "a"}, headers=HTMX)
    assert r.status_code == 422  # unanswered (the question id is unknown), but not locked
    r = client.post(academy.lesson_url(academy.quiz, "/quiz?preview=1"), data=correct_answers(academy),
                    headers=HTMX)
    assert r.status_code == 200 and "This attempt was not saved." in text(r)
    r = client.post(academy.lesson_url(academy.assignment, "/assignment?preview=1"), data={"body": "x"})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OrgMemberQuizAttempt.id))) == 0


# ---- completion: passing or handing in, never the plain button ---------------------------------

def test_quiz_and_assignment_cannot_be_marked_complete_without_passing_or_submitting(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    for placement, message in ((academy.quiz, "Pass the quiz to complete this lesson."),
                               (academy.assignment, "Submit the assignment to complete this lesson.")):
        plain = client.post(academy.lesson_url(placement, "/complete"))
        assert plain.status_code == 409 and message in text(plain)
        fragment = client.post(academy.lesson_url(placement, "/complete"),
                               headers={"HX-Request": "true", "HX-Target": "lesson-complete"})
        assert fragment.status_code == 409 and message in text(fragment) and "<html" not in text(fragment)
        assert not _completed(app, academy, placement)
    assert _attempts(app, academy) == [] and _submissions(app, academy) == []

    # The legitimate ways still complete them: a failed quiz does not, a passed one does; handing in
    # the assignment does.
    client.post(academy.lesson_url(academy.quiz, "/quiz"), data=wrong_answers(academy))
    assert not _completed(app, academy, academy.quiz)
    client.post(academy.lesson_url(academy.quiz, "/quiz"), data=correct_answers(academy))
    assert _completed(app, academy, academy.quiz)
    client.post(academy.lesson_url(academy.assignment, "/assignment"), data={"body": "Done."})
    assert _completed(app, academy, academy.assignment)
    # A text lesson still has its button.
    assert client.post(academy.lesson_url(academy.text1, "/complete")).status_code == 303
    assert _completed(app, academy, academy.text1)


def test_complete_lesson_service_refuses_assessed_lessons(app_ctx, db_session):
    a = build_academy()
    member = db_session.get(OrgMember, a.member_id)
    for placement_id in (a.quiz, a.assignment):
        with pytest.raises(ConflictError):
            progress.complete_lesson(member, db_session.get(OrgProductCourseModuleSectionLesson, placement_id))
    assert progress.complete_lesson(member, db_session.get(OrgProductCourseModuleSectionLesson, a.text1)).is_completed
