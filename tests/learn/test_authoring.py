"""Course authoring: course structure, reusable lessons, quiz questions, placements with access
tiers, and translations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.courses.models import OrgLessonTranslation, OrgProductCourseModuleTranslation
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.learn import authoring as learn
from app.platform.models import Skill
from tests.factories import make_course, make_employee, make_lesson, make_org, make_product, org_admin

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def org():
    return make_org()


@pytest.fixture
def course(org):
    return learn.create_course(make_product(org, type="course"), level="beginner", difficulty=3, by=org_admin(org))


# ---- courses ---------------------------------------------------------------------------------

def test_course_records_level_difficulty_and_skills(org):
    db.session.add_all([Skill(slug="python-x", name="Python"), Skill(slug="sql-x", name="SQL")])
    db.session.flush()
    product = make_product(org, type="course")
    course = learn.create_course(product, level="intermediate", difficulty=6, duration_minutes=90,
                                 skill_slugs=["python-x", "SQL-X", "python-x"], by=org_admin(product))
    assert (course.level, course.difficulty, course.duration_minutes) == ("intermediate", 6, 90)
    assert sorted(s.skill.slug for s in course.skills) == ["python-x", "sql-x"]
    assert product.course is course


def test_unknown_skill_is_named_in_the_error(org):
    with pytest.raises(ValidationError, match="Unknown skill: no-such-skill"):
        learn.create_course(make_product(org, type="course"), level="beginner", difficulty=1,
                            skill_slugs=["no-such-skill"], by=org_admin(org))


@pytest.mark.parametrize("kwargs, message", [
    ({"level": "guru", "difficulty": 3}, "course level"),
    ({"level": "beginner", "difficulty": 0}, "from 1 to 10"),
    ({"level": "beginner", "difficulty": 11}, "from 1 to 10"),
    ({"level": "beginner", "difficulty": 3, "duration_minutes": -5}, "at least 0"),
])
def test_invalid_course_settings_are_rejected(org, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        learn.create_course(make_product(org, type="course"), **kwargs, by=org_admin(org))


def test_only_course_products_get_a_course_and_only_once(org, course):
    with pytest.raises(ValidationError, match="Only products of type “course”"):
        learn.create_course(make_product(org, type="digital_download"), level="beginner", difficulty=1, by=org_admin(org))
    with pytest.raises(ConflictError, match="already has a course"):
        learn.create_course(course.product, level="expert", difficulty=9, by=org_admin(course.product))


# ---- modules, sections, placements -----------------------------------------------------------

def test_modules_sections_and_placements_are_appended_in_order(org, course):
    intro = learn.add_module(course, title="Intro", by=org_admin(course))
    deep = learn.add_module(course, title="Deep dive", by=org_admin(course))
    s1 = learn.add_section(intro, title="Setup", by=org_admin(intro))
    s2 = learn.add_section(intro, title="First steps", by=org_admin(intro))
    a, b = make_lesson(org, title="A"), make_lesson(org, title="B")
    learn.place_lesson(s1, b, by=org_admin(s1))
    learn.place_lesson(s1, a, by=org_admin(s1))
    assert [m.title for m in course.modules] == ["Intro", "Deep dive"]
    assert intro.sort_order < deep.sort_order and s1.sort_order < s2.sort_order
    assert [p.lesson.title for p in s1.placements] == ["B", "A"]


def test_effective_tier_of_a_lesson_is_the_highest_along_its_path(org, course):
    module = learn.add_module(course, title="Pro", required_access_tier=2, by=org_admin(course))
    section = learn.add_section(module, title="Advanced", required_access_tier=1, by=org_admin(module))
    basic = learn.place_lesson(section, make_lesson(org), by=org_admin(section))
    premium = learn.place_lesson(section, make_lesson(org), required_access_tier=3, by=org_admin(section))
    preview = learn.place_lesson(section, make_lesson(org), required_access_tier=3, is_free_preview=True, by=org_admin(section))
    assert (basic.effective_access_tier, premium.effective_access_tier) == (2, 3)
    assert not basic.is_unlocked_by(1) and basic.is_unlocked_by(2)
    assert not premium.is_unlocked_by(2) and premium.is_unlocked_by(3)
    assert preview.is_unlocked_by(None)


@pytest.mark.parametrize("tier", [0, -1, "x"])
def test_access_tier_below_one_is_rejected_everywhere(org, course, tier):
    module = learn.add_module(course, title="M", by=org_admin(course))
    section = learn.add_section(module, title="S", by=org_admin(module))
    message = "access tier must be a whole number of 1 or more"
    with pytest.raises(ValidationError, match=message):
        learn.add_module(course, title="Bad", required_access_tier=tier, by=org_admin(course))
    with pytest.raises(ValidationError, match=message):
        learn.add_section(module, title="Bad", required_access_tier=tier, by=org_admin(module))
    with pytest.raises(ValidationError, match=message):
        learn.place_lesson(section, make_lesson(org), required_access_tier=tier, by=org_admin(section))


def test_a_lesson_is_reusable_across_courses_but_placed_once_per_section(org, course):
    other_course = make_course(org, lessons_per_section=0)
    lesson = make_lesson(org, title="Shared")
    here = learn.add_section(learn.add_module(course, title="M", by=org_admin(course)), title="S", by=org_admin(course))
    there = other_course.modules[0].sections[0]
    learn.place_lesson(here, lesson, by=org_admin(here))
    learn.place_lesson(there, lesson, by=org_admin(there))
    with pytest.raises(ConflictError, match="already in this section"):
        learn.place_lesson(here, lesson, by=org_admin(here))


def test_lessons_and_employees_of_another_org_are_not_found(org, course):
    other = make_org()
    section = learn.add_section(learn.add_module(course, title="M", by=org_admin(course)), title="S", by=org_admin(course))
    with pytest.raises(NotFoundError):
        learn.place_lesson(section, make_lesson(other), by=org_admin(section))
    with pytest.raises(NotFoundError):
        learn.create_lesson(org, type="text", title="T", created_by=make_employee(other), by=org_admin(org))
    author = make_employee(org, role="creator")
    assert learn.create_lesson(org, type="text", title="T", created_by=author, by=org_admin(org)).created_by_employee_id == author.id


# ---- lessons and quizzes ---------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"type": "video"}, "video lesson needs a video URL"),
    ({"type": "file", "file_url": " "}, "file lesson needs a file URL"),
    ({"type": "quiz", "pass_mark_percent": 101}, "Pass mark must be at most 100"),
    ({"type": "podcast"}, "valid lesson type"),
    ({"type": "text", "title": ""}, "Title is required"),
])
def test_invalid_lessons_are_rejected(org, kwargs, message):
    kwargs = {"title": "Lesson", **kwargs}
    with pytest.raises(ValidationError, match=message):
        learn.create_lesson(org, **kwargs, by=org_admin(org))


def test_quiz_questions_get_keys_in_order_and_grade_answers(org):
    quiz = learn.create_lesson(org, type="quiz", title="Check", pass_mark_percent=70, by=org_admin(org))
    single = learn.add_quiz_question(quiz, prompt="2 + 2?", kind="single",
                                     choices=[("3", False), ("4", True), ("5", False)], by=org_admin(quiz))
    multi = learn.add_quiz_question(quiz, prompt="Even numbers?", kind="multiple",
                                    choices=[{"text": "2", "correct": True}, {"text": "3"},
                                             {"text": "4", "correct": True}], by=org_admin(quiz))
    assert [c["key"] for c in single.choices] == ["a", "b", "c"]
    assert single.is_answered_correctly(["b"]) and not single.is_answered_correctly(["a"])
    assert multi.is_answered_correctly(["a", "c"]) and not multi.is_answered_correctly(["a"])
    assert [q.prompt for q in quiz.questions] == ["2 + 2?", "Even numbers?"]


@pytest.mark.parametrize("kind, choices, message", [
    ("single", [("Yes", True), ("No", True)], "exactly one correct answer"),
    ("single", [("Yes", False), ("No", False)], "exactly one correct answer"),
    ("multiple", [("A", False), ("B", False)], "at least one answer as correct"),
    ("single", [("Only", True)], "at least two answers"),
    ("single", [("Same", True), ("same", False)], "Each answer must be different"),
    ("single", [("", True), ("B", False)], "needs some text"),
    ("essay", [("A", True), ("B", False)], "single or multiple"),
])
def test_invalid_quiz_questions_are_rejected(org, kind, choices, message):
    quiz = learn.create_lesson(org, type="quiz", title="Q", by=org_admin(org))
    with pytest.raises(ValidationError, match=message):
        learn.add_quiz_question(quiz, prompt="Pick", kind=kind, choices=choices, by=org_admin(quiz))
    assert quiz.questions == []


def test_questions_only_go_on_quiz_lessons(org):
    with pytest.raises(ValidationError, match="only be added to quiz lessons"):
        learn.add_quiz_question(make_lesson(org), prompt="?", kind="single", choices=[("a", True), ("b", False)], by=org_admin(org))


# ---- translations ----------------------------------------------------------------------------

def test_translations_are_upserted_and_keep_fields_not_passed(org, course):
    module = learn.add_module(course, title="Basics", by=org_admin(course))
    lesson = make_lesson(org, title="Hello")
    learn.set_translation(module, "de", title="Grundlagen", description="Erste Schritte", by=org_admin(module))
    learn.set_translation(module, "de", title="Die Grundlagen", by=org_admin(module))
    learn.set_translation(lesson, "fr", title="Bonjour", content="Texte", by=org_admin(lesson))
    rows = db.session.scalars(sa.select(OrgProductCourseModuleTranslation).where(
        OrgProductCourseModuleTranslation.module_id == module.id)).all()
    assert [(t.locale_key, t.title, t.description) for t in rows] == [("de", "Die Grundlagen", "Erste Schritte")]
    lesson_row = db.session.scalar(sa.select(OrgLessonTranslation).where(OrgLessonTranslation.lesson_id == lesson.id))
    assert (lesson_row.title, lesson_row.content) == ("Bonjour", "Texte")


def test_translation_rules(org, course):
    module = learn.add_module(course, title="Basics", by=org_admin(course))
    with pytest.raises(ValidationError, match="not one of the organization's languages"):
        learn.set_translation(module, "ja", title="基本", by=org_admin(module))
    with pytest.raises(ValidationError, match="Title is required"):
        learn.set_translation(module, "de", description="Nur Beschreibung", by=org_admin(module))
    product_translation = learn.set_translation(course.product, "es", name="Curso", by=org_admin(course.product))
    assert product_translation.name == "Curso"
