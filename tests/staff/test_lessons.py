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

academy = assessment_fixtures.academy  # the fixture

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
