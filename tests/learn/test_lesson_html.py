"""The course player written in Python (app.learn.lesson_html, issue 15) is the HTML the Jinja templates
wrote (kept here in lesson_jinja/: lesson, _player, _lesson, _video, _complete, _progress, _review_prompt,
_sidebar, _oob_progress, _lesson_swap): each page is requested twice, with the app's templates and
with the old ones in front of them, and the two responses compared byte for byte -- visitors, learners,
staff previews, completed, locked, video, file and htmx lessons, in English and German."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import render_template
from jinja2 import ChoiceLoader, DictLoader

from app.extensions import db
from app.learn import lesson_html
from app.learn.models import OrgLesson
from tests.factories import PASSWORD
from tests.learn import assessment_fixtures
from tests.learn.player_fixtures import ADMIN, LEARNER, grant

_OLD = {f"learn/{p.name}": p.read_text() for p in (Path(__file__).parent / "lesson_jinja").glob("*.html")}
_TOKEN = re.compile(r'(csrf[-_]token"? (?:content|value)=")[^"]+')
# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture
HTMX = {"HX-Request": "true", "HX-Target": "lesson-region", "HX-Current-URL": "http://localhost/"}


@contextmanager
def _old_templates(app):
    env = app.jinja_env
    loader = env.loader
    env.loader = ChoiceLoader([DictLoader(_OLD), loader])
    env.cache.clear()
    # The whole page is written in Python too (lesson_html.lesson_page): the old one is learn/lesson.html.
    page = lesson_html.lesson_page
    lesson_html.lesson_page = lambda **values: render_template("learn/lesson.html", **values)
    try:
        yield
    finally:
        lesson_html.lesson_page = page
        env.loader = loader
        env.cache.clear()


def _same(app, client, url: str, headers: dict | None = None, *, method: str = "get", data=None) -> str:
    """The response of ``url`` with the Python writers; asserts the old templates give the same bytes."""
    send = getattr(client, method)
    new = send(url, headers=headers or {}, data=data)
    with _old_templates(app):
        old = send(url, headers=headers or {}, data=data)
    assert new.status_code == old.status_code
    new_html, old_html = _masked(new.get_data(as_text=True)), _masked(old.get_data(as_text=True))
    assert new_html == old_html, url
    return new_html


def _masked(html: str) -> str:
    """The page without its CSRF tokens (signed with the time: they change each second)."""
    return _TOKEN.sub(r"\1X", html)


def _login(client, login, email):
    assert login(client, email, PASSWORD, follow_redirects=True).status_code == 200  # (the flash shown)


def test_the_templates_call_the_python_writers(app):
    assert set(lesson_html.GLOBALS) <= set(app.jinja_env.globals)
    with app.app_context():
        for name in ("_player", "_lesson", "_complete", "_progress", "_sidebar"):
            source = app.jinja_env.loader.get_source(app.jinja_env, f"learn/{name}.html")[0]
            assert source.startswith("{{ learn_"), name  # not the old Jinja


def _de(url: str) -> str:
    return url.replace("/en/", "/de/")


def _youtube_and_external_file(app, school):
    with app.app_context():
        db.session.execute(sa.update(OrgLesson).where(OrgLesson.id == school.lesson_ids[1])
                           .values(video_url="https://www.youtube.com/embed/x?a=1&b=<2>"))
        db.session.execute(sa.update(OrgLesson).where(OrgLesson.id == school.lesson_ids[3])
                           .values(file_key=None, file_url="https://files.example.com/h.pdf", file_name=None))
        db.session.commit()


def _position(client, school):
    assert client.post(school.url(1, "/position"), data={"seconds": "83"}).status_code == 204


def _complete(client, school):
    for n in (0, 1):
        assert client.post(school.url(n, "/complete"), headers={"HX-Request": "true"}).status_code == 200


# (who signs in, the tier granted, what happens first, the request, a piece of the page)
CASES = {
    "visitor, locked, German": (None, None, None, lambda s: _de(s.url(1)), {}, "upgrade-panel"),
    "visitor, htmx": (None, None, None, lambda s: s.url(2), HTMX, "<title>"),
    "learner, text": (LEARNER, 1, None, lambda s: s.url(0), {}, "mark-complete"),
    "learner, video resumed, htmx, German": (LEARNER, 1, _position, lambda s: _de(s.url(1)), HTMX, "resume-note"),
    "learner, locked": (LEARNER, 1, None, lambda s: s.url(2), {}, "upgrade-panel"),
    "learner, completed": (LEARNER, 1, _complete, lambda s: s.url(0), {}, "review-prompt"),
    "learner, file and youtube": (LEARNER, 2, None, lambda s: s.url(3), {}, "file-download"),
    "staff, preview": (f"school-{ADMIN}", None, None, lambda s: s.url(3, "?preview=2"), {}, "not recorded"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_player_written_in_python_is_the_templates_html(app, client, school, login, case):
    who, tier, before, url, headers, piece = CASES[case]
    if tier:
        grant(app, school, tier)
    if "youtube" in case:
        _youtube_and_external_file(app, school)
    if who:
        _login(client, login, who)
    if before:
        before(client, school)
    html = _same(app, client, url(school), headers)
    assert piece in html
    if "youtube" in case:
        assert "<iframe" in _same(app, client, school.url(1))


def test_mark_complete_with_htmx(app, client, school, login):
    grant(app, school, 1)
    _login(client, login, LEARNER)
    done = _same(app, client, school.url(0, "/complete"), {"HX-Request": "true"}, method="post")
    assert 'data-completed="true"' in done and 'data-hx-swap-oob="true"' in done and "tabindex" in done


def test_quiz_and_assignment_lessons(app, client, academy, login):
    _login(client, login, academy.learner_email)
    assert "quiz-region" in _same(app, client, academy.lesson_url(academy.quiz))
    assert "assignment-region" in _same(app, client, academy.lesson_url(academy.assignment), HTMX)


def test_a_rejected_quiz_without_js_shows_the_whole_lesson_page(app, client, academy, login):
    _login(client, login, academy.learner_email)
    html = _same(app, client, academy.lesson_url(academy.quiz, "/quiz"), method="post", data={})
    assert "Please answer all questions before submitting (2 unanswered)." in html and "<!doctype html>" in html
