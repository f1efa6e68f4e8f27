"""The lesson library and the lesson editors (dashboard, issue 12 point 8): the list with search,
type filter and "used in N courses"; who sees and edits which lesson; creating a lesson; the editor
of each type with its refusals (a message on the field, nothing typed lost, nothing saved); and the
course player showing what was edited (sanitized Markdown, captions, the uploaded file, the quiz's
questions in their order and its attempts allowed)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.courses.models import OrgLesson, OrgLessonQuizQuestion
from app.extensions import db
from app.learn.authoring import add_module, add_section, create_course, place_lesson
from app.learn.markdown import render_markdown
from app.orgs.models import Org, OrgAuditLog
from tests.factories import PASSWORD, make_lesson, make_product, org_admin, unique
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import Academy, text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello, learners.\n"


@pytest.fixture
def uploads(app, tmp_path):
    """Uploads go to a folder of this test (the storage is built anew for it)."""
    old = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    app.extensions.pop("volmify_storage", None)
    yield tmp_path
    app.config["UPLOAD_FOLDER"] = old
    app.extensions.pop("volmify_storage", None)


def _as(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code in (302, 303)
    return client


def _lesson_of(a: Academy, placement_id: str) -> str:
    from app.courses.models import OrgProductCourseModuleSectionLesson

    with db.session.no_autoflush:
        return db.session.get(OrgProductCourseModuleSectionLesson, placement_id).lesson_id


def _ids(app, a: Academy) -> dict[str, str]:
    with app.app_context():
        return {name: _lesson_of(a, getattr(a, name)) for name in ("text1", "quiz", "assignment", "text2")}


def _rows(html: str) -> list[str]:
    return re.findall(r'data-lesson="([^"]+)"', html)


def _lesson(app, lesson_id: str) -> OrgLesson:
    with app.app_context():
        lesson = db.session.get(OrgLesson, lesson_id)
        db.session.expunge(lesson)
        return lesson


def _second_course(app, a: Academy, lesson_id: str, name: str = "SQL Course") -> str:
    """Place ``lesson_id`` in another course of the academy; returns the product id."""
    with app.app_context():
        org = db.session.get(Org, a.org_id)
        admin = org_admin(org)
        product = make_product(org, name=name, slug=unique("sql"))
        course = create_course(product, level="beginner", difficulty=2, by=admin)
        section = add_section(add_module(course, title="M", by=admin), title="S", by=admin)
        place_lesson(section, db.session.get(OrgLesson, lesson_id), by=admin)
        db.session.commit()
        return product.id


# ---- the library ------------------------------------------------------------------------------------

def test_the_library_lists_searches_filters_and_says_where_lessons_are_used(app, login, academy):
    ids = _ids(app, academy)
    _second_course(app, academy, ids["quiz"])
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/lessons"
    html = text(admin.get(url))
    assert set(ids.values()) <= set(_rows(html))
    quiz_row = re.search(rf'data-lesson="{ids["quiz"]}".*?</tr>', html, re.S).group(0)
    assert 'data-courses="2"' in quiz_row and "2 courses" in quiz_row
    text_row = re.search(rf'data-lesson="{ids["text1"]}".*?</tr>', html, re.S).group(0)
    assert "1 course" in text_row

    assert _rows(text(admin.get(f"{url}?q=wrap"))) == [ids["text2"]]
    quizzes = _rows(text(admin.get(f"{url}?type=quiz")))
    assert ids["quiz"] in quizzes and ids["text1"] not in quizzes and len(quizzes) == 2
    # sorted by the number of courses, most first
    assert _rows(text(admin.get(f"{url}?sort=-courses")))[0] == ids["quiz"]
    csv = admin.get(f"{url}?format=csv&type=quiz").get_data(as_text=True)
    assert "Quiz: basics" in csv and "Welcome" not in csv
    # the navigation offers the library
    assert f'href="{url}"' in text(admin.get(academy.dashboard + "/"))


def test_a_creator_sees_and_edits_only_the_lessons_they_may_edit(app, login, academy):
    ids = _ids(app, academy)
    attributed = _as(app, login, academy.creator_email)
    assert set(ids.values()) <= set(_rows(text(attributed.get(f"{academy.dashboard}/lessons"))))
    assert attributed.get(f"{academy.dashboard}/lessons/{ids['text1']}").status_code == 200

    other = _as(app, login, academy.other_creator_email)
    assert _rows(text(other.get(f"{academy.dashboard}/lessons"))) == []
    assert other.get(f"{academy.dashboard}/lessons/{ids['text1']}").status_code == 403
    r = other.post(f"{academy.dashboard}/lessons/{ids['text1']}", data={"title": "Hijacked"})
    assert r.status_code == 403 and _lesson(app, ids["text1"]).title == "Welcome"
    # what they create is theirs: listed and editable
    r = other.post(f"{academy.dashboard}/lessons/new", data={"title": "My own notes", "type": "text"})
    assert r.status_code == 303
    mine = r.headers["Location"].rsplit("/", 1)[-1]
    assert _rows(text(other.get(f"{academy.dashboard}/lessons"))) == [mine]
    assert other.get(f"{academy.dashboard}/lessons/{mine}").status_code == 200

    staff = _as(app, login, academy.staff_email)
    assert staff.get(f"{academy.dashboard}/lessons").status_code == 403
    assert f"{academy.dashboard}/lessons" not in text(staff.get(academy.dashboard + "/"))


def test_the_library_query_count_does_not_grow_with_the_lessons(app, login, academy, count_queries):
    def add(n):
        with app.app_context():
            org = db.session.get(Org, academy.org_id)
            for i in range(n):
                make_lesson(org, title=f"Bulk lesson {i}")
            db.session.commit()

    add(5)
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/lessons?q=bulk&per_page=100&sort=-courses"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    add(300)
    with count_queries() as many:
        html = text(admin.get(url))
    assert len(_rows(html)) == 100 and "of 305" in html
    assert many.count == few.count, str(many)


# ---- creating ---------------------------------------------------------------------------------------

def test_creating_lessons_of_each_type_and_the_refusals(app, login, academy, uploads):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/lessons/new"
    assert admin.get(url).status_code == 200
    for kind in ("text", "quiz", "assignment"):
        r = admin.post(url, data={"title": f"A {kind}", "type": kind})
        assert r.status_code == 303, kind
        assert _lesson(app, r.headers["Location"].rsplit("/", 1)[-1]).type == kind

    # A video needs a real web address: javascript: is refused on the field, the title kept.
    r = admin.post(url, data={"title": "Intro video", "type": "video", "video_url": "javascript:alert(1)"})
    html = text(r)
    assert r.status_code == 422 and "must be a web address" in html and 'value="Intro video"' in html
    assert 'id="video_url-error"' in html
    r = admin.post(url, data={"title": "Intro video", "type": "video", "video_url": "https://v.example.com/a.mp4"})
    assert r.status_code == 303

    # A file lesson needs its file; with one, it is stored privately.
    r = admin.post(url, data={"title": "Handout", "type": "file"})
    assert r.status_code == 422 and "Choose the file" in text(r)
    r = admin.post(url, data={"title": "Handout", "type": "file", "file": (io.BytesIO(b"%PDF-1.4 x"), "hand out.pdf")},
                   content_type="multipart/form-data")
    assert r.status_code == 303
    lesson = _lesson(app, r.headers["Location"].rsplit("/", 1)[-1])
    assert lesson.file_key.startswith("private/") and lesson.file_name == "hand out.pdf"
    assert (uploads / lesson.file_key).read_bytes() == b"%PDF-1.4 x"

    for data in ({"title": "", "type": "text"}, {"title": "X", "type": "podcast"}, {"title": "x" * 201, "type": "text"}):
        assert admin.post(url, data=data).status_code == 422, data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgAuditLog).where(
            OrgAuditLog.org_id == academy.org_id, OrgAuditLog.action == "lesson.created")) >= 5


# ---- the text editor and its preview ------------------------------------------------------------------

MARKDOWN = "# Getting started\n\nRead **this** first. <script>alert(1)</script> [bad](javascript:alert(2))\n"


def test_the_text_editor_previews_and_saves_markdown_exactly_as_the_player_shows_it(app, login, academy, client):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    edit = f"{academy.dashboard}/lessons/{ids['text1']}"
    page = text(admin.get(edit))
    assert 'data-hx-post="' + f'{edit}/preview"' in page and 'id="lesson-preview"' in page

    with app.test_request_context():
        expected = str(render_markdown(MARKDOWN))
    assert "<strong>this</strong>" in expected and "<script>" not in expected and 'href="javascript' not in expected
    # the live preview (htmx) is the player's rendering
    preview = admin.post(f"{edit}/preview", data={"content": MARKDOWN}, headers={"HX-Request": "true",
                                                                                 "HX-Target": "lesson-preview"})
    assert preview.status_code == 200 and expected in text(preview) and "<html" not in text(preview)
    # without JavaScript the preview button shows it on the page, nothing is saved
    r = admin.post(edit, data={"title": "Welcome", "content": MARKDOWN, "action": "preview"})
    assert r.status_code == 200 and expected in text(r) and _lesson(app, ids["text1"]).content == "Lesson text."

    r = admin.post(edit, data={"title": "Welcome aboard", "description": "First steps", "duration_minutes": "7",
                               "content": MARKDOWN})
    assert r.status_code == 303
    saved = _lesson(app, ids["text1"])
    assert (saved.title, saved.description, saved.duration_minutes, saved.content) == (
        "Welcome aboard", "First steps", 7, MARKDOWN.strip())

    login(client, academy.learner_email, PASSWORD)
    lesson_page = text(client.get(academy.lesson_url(academy.text1)))
    assert "Welcome aboard" in lesson_page and "<h1>Getting started</h1>" in lesson_page
    assert expected in lesson_page and "<script>alert(1)" not in lesson_page
    with app.app_context():
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == ids["text1"],
                                                               OrgAuditLog.action == "lesson.updated"))
        assert entry.data["after"]["title"] == "Welcome aboard" and entry.data["before"]["title"] == "Welcome"


def test_bad_input_is_a_message_on_its_field_and_nothing_is_lost(app, login, academy):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    quiz = f"{academy.dashboard}/lessons/{ids['quiz']}"
    cases = [
        ({"pass_mark_percent": "150"}, "pass_mark_percent", "Pass mark"),
        ({"pass_mark_percent": "-1"}, "pass_mark_percent", "Pass mark"),
        ({"max_attempts": "0"}, "max_attempts", "Attempts allowed"),
        ({"max_attempts": "lots"}, "max_attempts", "Attempts allowed"),
        ({"duration_minutes": "9" * 30}, "duration_minutes", "Duration"),
        ({"title": "  "}, "title", "Title"),
    ]
    for change, field, label in cases:
        data = {"title": "Quiz renamed", "content": "Typed intro", "pass_mark_percent": "80", **change}
        r = admin.post(quiz, data=data)
        html = text(r)
        assert r.status_code == 422, change
        assert f'id="{field}-error"' in html and label in html, change
        assert "Typed intro" in html, change  # nothing typed is lost
        assert _lesson(app, ids["quiz"]).title == "Quiz: basics", change  # nothing saved
    r = admin.post(quiz, data={"title": "Quiz: basics", "pass_mark_percent": "80", "max_attempts": "3"})
    assert r.status_code == 303
    saved = _lesson(app, ids["quiz"])
    assert (saved.pass_mark_percent, saved.max_attempts) == (80, 3)

    assignment = f"{academy.dashboard}/lessons/{ids['assignment']}"
    for change, field in (({"allowed_extensions": "pdf, ../exe"}, "allowed_extensions"),
                          ({"max_upload_mb": "0"}, "max_upload_mb"), ({"max_upload_mb": "5000"}, "max_upload_mb")):
        r = admin.post(assignment, data={"title": "Clean the data", "content": "Brief", **change})
        assert r.status_code == 422 and f'id="{field}-error"' in text(r), change
    # an unknown lesson, another org's lesson: 404
    assert admin.get(f"{academy.dashboard}/lessons/nope").status_code == 404


def test_the_assignment_editor_sets_brief_types_and_size_the_player_applies(app, login, academy, client):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    r = admin.post(f"{academy.dashboard}/lessons/{ids['assignment']}",
                   data={"title": "Clean the data", "content": "Hand in **your notebook**.",
                         "allowed_extensions": ".IPYNB, py pdf", "max_upload_mb": "2"})
    assert r.status_code == 303
    saved = _lesson(app, ids["assignment"])
    assert (saved.allowed_extensions, saved.max_upload_mb, saved.content) == ("ipynb, py, pdf", 2,
                                                                              "Hand in **your notebook**.")
    login(client, academy.learner_email, PASSWORD)
    page = text(client.get(academy.lesson_url(academy.assignment)))
    assert "<strong>your notebook</strong>" in page and ".ipynb,.py,.pdf" in page
    r = client.post(academy.lesson_url(academy.assignment, "/assignment"),
                    data={"body": "x", "file": (io.BytesIO(b"x"), "notes.txt")}, content_type="multipart/form-data")
    assert r.status_code == 422  # .txt is no longer allowed


# ---- video: URL and captions ------------------------------------------------------------------------

def _video(app, a: Academy) -> tuple[str, str]:
    """A video lesson placed in the academy's first section: (lesson id, placement id)."""
    from app.courses.models import OrgProductCourseModuleSection

    with app.app_context():
        org = db.session.get(Org, a.org_id)
        lesson = make_lesson(org, type="video", title="Watch this", video_url="https://v.example.com/a.mp4")
        placement = db.session.get(
            __import__("app.courses.models", fromlist=["x"]).OrgProductCourseModuleSectionLesson, a.text1)
        section = db.session.get(OrgProductCourseModuleSection, placement.section_id)
        placed = place_lesson(section, lesson, by=org_admin(org))
        db.session.commit()
        return lesson.id, placed.id


def test_the_video_editor_checks_the_url_and_serves_uploaded_captions_to_learners(app, login, academy, client,
                                                                                  uploads):
    lesson_id, placement_id = _video(app, academy)
    admin = _as(app, login, academy.admin_email)
    edit = f"{academy.dashboard}/lessons/{lesson_id}"
    for bad in ("javascript:alert(1)", "data:text/html,hi", "/relative.mp4", "https://", ""):
        r = admin.post(edit, data={"title": "Watch this", "video_url": bad, "content": "Notes I typed"})
        assert r.status_code == 422 and 'id="video_url-error"' in text(r) and "Notes I typed" in text(r), bad
    r = admin.post(edit, data={"title": "Watch this", "video_url": "https://cdn.example.com/b.mp4", "duration_minutes": "4"})
    assert r.status_code == 303 and _lesson(app, lesson_id).video_url == "https://cdn.example.com/b.mp4"

    # captions: only WebVTT
    for data in (b"", b"not captions", b"\xff\xfe\x00bin"):
        r = admin.post(f"{edit}/captions", data={"captions": (io.BytesIO(data), "c.vtt")},
                       content_type="multipart/form-data")
        assert r.status_code == 422 and 'id="captions-error"' in text(r), data
    r = admin.post(f"{edit}/captions", data={"captions": (io.BytesIO(VTT), "c.vtt")}, content_type="multipart/form-data")
    assert r.status_code == 303
    assert _lesson(app, lesson_id).captions_key.startswith("private/")

    login(client, academy.learner_email, PASSWORD)
    page = text(client.get(academy.lesson_url(placement_id)))
    captions_url = academy.lesson_url(placement_id, "/captions.vtt")
    assert 'src="https://cdn.example.com/b.mp4"' in page and f'<track kind="captions" src="{captions_url}"' in page
    served = client.get(captions_url)
    assert served.status_code == 200 and served.data == VTT and served.mimetype == "text/vtt"
    # a visitor (no access) gets no captions of a lesson they cannot open
    assert app.test_client().get(captions_url).status_code in (302, 403)

    r = admin.post(f"{edit}/captions", data={"action": "remove"})
    assert r.status_code == 303 and _lesson(app, lesson_id).captions_key is None
    assert client.get(captions_url).status_code == 404


# ---- file lessons --------------------------------------------------------------------------------------

def test_the_file_editor_stores_the_file_privately_and_learners_with_access_download_it(app, login, academy,
                                                                                          client, uploads):
    from app.courses.models import OrgProductCourseModuleSection, OrgProductCourseModuleSectionLesson

    admin = _as(app, login, academy.admin_email)
    r = admin.post(f"{academy.dashboard}/lessons/new", content_type="multipart/form-data",
                   data={"title": "Cheat sheet", "type": "file", "file": (io.BytesIO(b"v1"), "sheet.pdf")})
    lesson_id = r.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        first = db.session.get(OrgProductCourseModuleSectionLesson, academy.text1)
        locked = db.session.get(OrgProductCourseModuleSectionLesson, academy.locked_quiz)
        lesson = db.session.get(OrgLesson, lesson_id)
        open_placement = place_lesson(db.session.get(OrgProductCourseModuleSection, first.section_id), lesson,
                                      by=org_admin(org)).id
        locked_placement = place_lesson(db.session.get(OrgProductCourseModuleSection, locked.section_id), lesson,
                                        by=org_admin(org)).id
        db.session.commit()

    edit = f"{academy.dashboard}/lessons/{lesson_id}"
    assert admin.post(f"{edit}/file", data={}, content_type="multipart/form-data").status_code == 422
    r = admin.post(f"{edit}/file", data={"file": (io.BytesIO(b"version 2"), "../../etc/sheet v2.pdf")},
                   content_type="multipart/form-data")
    assert r.status_code == 303
    saved = _lesson(app, lesson_id)
    assert saved.file_name == "sheet v2.pdf" and saved.file_key.startswith("private/")
    assert "Used in 1 course" in text(admin.get(edit))  # placed twice in the same course

    login(client, academy.learner_email, PASSWORD)
    page = text(client.get(academy.lesson_url(open_placement)))
    assert "Download sheet v2.pdf" in page
    download = client.get(academy.lesson_url(open_placement, "/file"))
    assert download.status_code == 200 and download.data == b"version 2"
    assert "attachment" in download.headers["Content-Disposition"] and download.headers["Cache-Control"] == "private, no-store"
    # the tier-2 placement of the same lesson stays closed to a tier-1 learner
    assert client.get(academy.lesson_url(locked_placement, "/file")).status_code == 403


def test_a_lesson_used_in_several_courses_says_where_on_its_editor(app, login, academy):
    ids = _ids(app, academy)
    _second_course(app, academy, ids["text2"], name="Data Course")
    html = text(_as(app, login, academy.admin_email).get(f"{academy.dashboard}/lessons/{ids['text2']}"))
    assert "Used in 2 courses" in html and "Data Course" in html and "Python Course" in html
    assert "shows in every one of these courses" in html


# ---- quizzes ---------------------------------------------------------------------------------------------

def _question(prompt, kind, answers, explanation="", **extra):
    data = {"prompt": prompt, "kind": kind, "explanation": explanation, **extra}
    for n, (answer, correct) in enumerate(answers):
        data[f"choice-{n}-text"] = answer
        if correct:
            data[f"choice-{n}-correct"] = "1"
    return data


def _questions(app, lesson_id) -> list[OrgLessonQuizQuestion]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(OrgLessonQuizQuestion).where(OrgLessonQuizQuestion.lesson_id == lesson_id)
                                       .order_by(OrgLessonQuizQuestion.sort_order)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_building_a_quiz_add_edit_reorder_delete_and_the_player_follows(app, login, academy, client):
    ids = _ids(app, academy)
    quiz = ids["quiz"]
    admin = _as(app, login, academy.admin_email)
    edit = f"{academy.dashboard}/lessons/{quiz}"
    before = [q.id for q in _questions(app, quiz)]

    refusals = [
        (_question("Pick one", "single", [("A", True), ("B", True)]), "exactly one correct answer"),
        (_question("Pick some", "multiple", [("A", False), ("B", False)]), "at least one answer as correct"),
        (_question("Pick one", "single", [("A", False), ("B", False)]), "exactly one correct answer"),
        (_question("Only one answer", "single", [("A", True)]), "at least two answers"),
        (_question("Twins", "single", [("Same", True), ("same", False)]), "must be different"),
        (_question("", "single", [("A", True), ("B", False)]), "Question is required"),
        (_question("Kind?", "essay", [("A", True), ("B", False)]), "single or multiple"),
    ]
    for data, message in refusals:
        r = admin.post(f"{edit}/questions", data=data)
        html = text(r)
        assert r.status_code == 422 and message in html, message
        # what was typed is still there
        assert 'value="A"' in html or 'value="Same"' in html, message
    assert [q.id for q in _questions(app, quiz)] == before

    r = admin.post(f"{edit}/questions", data=_question(
        "Which keyword defines a function?", "single", [("func", False), ("", False), ("def", True), ("lambda", False)],
        explanation="def starts a function definition."))
    assert r.status_code == 303
    questions = _questions(app, quiz)
    new = questions[-1]
    assert [q.id for q in questions[:-1]] == before
    assert new.choices == [{"key": "a", "text": "func", "correct": False}, {"key": "b", "text": "def", "correct": True},
                           {"key": "c", "text": "lambda", "correct": False}]
    assert new.explanation == "def starts a function definition."

    # edit the first question; a refused edit changes nothing
    first = before[0]
    r = admin.post(f"{edit}/questions/{first}", data=_question("Changed?", "multiple", [("x", False), ("y", False)]))
    assert r.status_code == 422 and "Changed?" in text(r)
    assert _questions(app, quiz)[0].prompt == assessment_fixtures.QUESTION_SINGLE
    r = admin.post(f"{edit}/questions/{first}", data=_question(
        "Which type maps keys to values?", "single", [("A dict", True), ("A list", False)]))
    assert r.status_code == 303 and _questions(app, quiz)[0].choices[0]["text"] == "A dict"

    # move the new question to the top (twice up), then delete the old second one
    for _ in range(2):
        assert admin.post(f"{edit}/questions/{new.id}/move", data={"direction": "up"}).status_code == 303
    assert [q.id for q in _questions(app, quiz)] == [new.id, *before]
    assert admin.post(f"{edit}/questions/{new.id}/move", data={"direction": "up"}).status_code == 303  # at the top
    assert admin.post(f"{edit}/questions/{before[1]}", data={"action": "delete"}).status_code == 303
    assert [q.id for q in _questions(app, quiz)] == [new.id, first]
    assert admin.post(f"{edit}/questions/nope", data={"action": "delete"}).status_code == 404

    login(client, academy.learner_email, PASSWORD)
    page = text(client.get(academy.lesson_url(academy.quiz)))
    assert page.index("Which keyword defines a function?") < page.index("Which type maps keys to values?")
    assert assessment_fixtures.QUESTION_MULTI not in page
    with app.app_context():
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.org_id == academy.org_id)))
    assert {"quiz_question.created", "quiz_question.updated", "quiz_question.moved", "quiz_question.deleted"} <= actions


def test_attempts_allowed_are_enforced_where_the_quiz_is_graded(app, login, academy, client):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    r = admin.post(f"{academy.dashboard}/lessons/{ids['quiz']}",
                   data={"title": "Quiz: basics", "pass_mark_percent": "100", "max_attempts": "2"})
    assert r.status_code == 303
    login(client, academy.learner_email, PASSWORD)
    url = academy.lesson_url(academy.quiz, "/quiz")
    assert "2 attempts left" in text(client.get(academy.lesson_url(academy.quiz)))
    for left in (1, 0):
        assert client.post(url, data=assessment_fixtures.wrong_answers(academy)).status_code == 303
        page = text(client.get(academy.lesson_url(academy.quiz)))
        assert (f"{left} attempt left" if left == 1 else "You have used all 2 attempts") in page
    r = client.post(url, data=assessment_fixtures.correct_answers(academy))
    assert r.status_code == 422 and "You have used all 2 attempts" in text(r)
    from app.learn.models import OrgMemberQuizAttempt

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberQuizAttempt).where(
            OrgMemberQuizAttempt.member_id == academy.member_id)) == 2


def test_a_field_the_form_did_not_send_is_left_as_it_is(app, login, academy):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/lessons/{ids['assignment']}"
    assert admin.post(url, data={"title": "Clean the data", "description": "Keep me"}).status_code == 303
    assert admin.post(url, data={"title": "Clean it"}).status_code == 303
    saved = _lesson(app, ids["assignment"])
    assert (saved.title, saved.description, saved.max_upload_mb, saved.allowed_extensions) == (
        "Clean it", "Keep me", 1, "txt, .PDF")
