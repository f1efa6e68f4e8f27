"""Shared data for the quiz, assignment, review and dashboard tests: an academy with a course whose
first module (tier 1) holds a text lesson, a quiz, an assignment and another text lesson, and whose
second module (tier 2) holds a quiz and an assignment; a learner with tier-1 access; an admin, an
attributed creator, a creator without attribution and a staff employee.

Use ``academy`` (a fixture) in view tests; ``build_academy()`` inside an app context otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from app.db import utcnow
from app.extensions import db
from app.learn.authoring import add_module, add_quiz_question, add_section, create_course, place_lesson
from tests.factories import (
    make_access,
    make_employee,
    make_lesson,
    make_market,
    make_member,
    make_org,
    make_priced_plan,
    make_product,
    make_user,
    unique,
)

QUESTION_SINGLE = "Which type maps keys to values?"
QUESTION_MULTI = "Which of these create an empty list?"
EXPLANATION_SINGLE = "A dictionary maps keys to values."
EXPLANATION_MULTI = "{} is an empty dictionary."


@dataclass
class Academy:
    org_id: str
    org_slug: str
    product_id: str
    course_slug: str
    prefix: str
    text1: str  # placement ids, tier 1
    quiz: str
    assignment: str
    text2: str
    locked_quiz: str  # tier 2
    locked_assignment: str
    q_single: str  # question ids of the tier-1 quiz
    q_multi: str
    learner_email: str
    member_id: str
    admin_email: str
    creator_email: str
    other_creator_email: str
    staff_email: str

    def lesson_url(self, placement: str, suffix: str = "") -> str:
        return f"{self.prefix}/learn/{self.course_slug}/{placement}{suffix}"

    def review_url(self) -> str:
        return f"{self.prefix}/learn/{self.course_slug}/review"

    @property
    def product_url(self) -> str:
        return f"{self.prefix}/products/{self.course_slug}"

    @property
    def dashboard(self) -> str:
        return f"/dashboard/{self.org_slug}"


def build_academy(*, slug: str | None = None, learner_tier: int | None = 1) -> Academy:
    """Create (flush) the academy inside an app context; commit afterwards."""
    from app.catalog.attributions import set_attribution

    slug = slug or unique("academy")
    org = make_org(slug, locale_keys=("en", "de"))
    admin = make_employee(org, make_user(f"{unique('admin')}@example.com"), role="admin")  # builds the course
    market = make_market(org, "eu", name="Europe", locale_keys=("en", "de"), default_locale_key="en")
    product = make_product(org, name="Python Course", slug=unique("python"))
    make_priced_plan(market, product=product, name="Basic", access_tier=1)
    course = create_course(product, level="beginner", difficulty=3, by=admin)

    m1 = add_module(course, title="Basics", required_access_tier=1, by=admin)
    s1 = add_section(m1, title="Start", by=admin)
    text1 = place_lesson(s1, make_lesson(org, title="Welcome"), by=admin)
    quiz_lesson = make_lesson(org, type="quiz", title="Quiz: basics", pass_mark_percent=100)
    q_single = add_quiz_question(quiz_lesson, prompt=QUESTION_SINGLE, kind="single",
                                 choices=[("A list", False), ("A dictionary", True), ("A tuple", False)],
                                 explanation=EXPLANATION_SINGLE, by=admin)
    q_multi = add_quiz_question(quiz_lesson, prompt=QUESTION_MULTI, kind="multiple",
                                choices=[("[]", True), ("list()", True), ("{}", False)],
                                explanation=EXPLANATION_MULTI, by=admin)
    quiz = place_lesson(s1, quiz_lesson, by=admin)
    assignment = place_lesson(s1, make_lesson(org, type="assignment", title="Clean the data",
                                              content="Explain your steps.", max_upload_mb=1,
                                              allowed_extensions="txt, .PDF"), by=admin)
    text2 = place_lesson(s1, make_lesson(org, title="Wrap-up"), by=admin)

    m2 = add_module(course, title="Advanced", required_access_tier=2, by=admin)
    s2 = add_section(m2, title="Deeper", by=admin)
    locked_quiz_lesson = make_lesson(org, type="quiz", title="Quiz: advanced")
    add_quiz_question(locked_quiz_lesson, prompt="Secret question?", kind="single",
                      choices=[("Yes", True), ("No", False)], by=admin)
    locked_quiz = place_lesson(s2, locked_quiz_lesson, by=admin)
    locked_assignment = place_lesson(s2, make_lesson(org, type="assignment", title="Advanced task"), by=admin)

    learner = make_user(f"{unique('learner')}@example.com", display_name="Lena Learner")
    member = make_member(org, learner)
    if learner_tier is not None:
        make_access(member, product, tier=learner_tier)

    creator = make_employee(org, make_user(f"{unique('creator')}@example.com"), role="creator")
    other = make_employee(org, make_user(f"{unique('other')}@example.com"), role="creator")
    staff = make_employee(org, make_user(f"{unique('staff')}@example.com"), role="staff")
    set_attribution(product, creator, percent=Decimal("50"), type="creator",
                    effective_from=utcnow() - timedelta(days=1), by=admin)
    db.session.flush()

    def email(employee):
        return employee.member.user_profile.user.email

    return Academy(
        org_id=org.id, org_slug=org.slug, product_id=product.id, course_slug=product.slug,
        prefix=f"/{org.slug}/eu/en", text1=text1.id, quiz=quiz.id, assignment=assignment.id, text2=text2.id,
        locked_quiz=locked_quiz.id, locked_assignment=locked_assignment.id, q_single=q_single.id,
        q_multi=q_multi.id, learner_email=learner.email, member_id=member.id, admin_email=email(admin),
        creator_email=email(creator), other_creator_email=email(other), staff_email=email(staff),
    )


@pytest.fixture
def academy(app) -> Academy:
    with app.app_context():
        built = build_academy()
        db.session.commit()
        return built


@pytest.fixture(scope="module")
def module_academy(module_app) -> Academy:
    """``academy`` built once for a module marked ``module_data`` (tests/conftest.py module_app)."""
    with module_app.app_context():
        built = build_academy()
        db.session.commit()
        return built


def correct_answers(a: Academy) -> dict:
    return {f"q-{a.q_single}": "b", f"q-{a.q_multi}": ["a", "b"]}


def wrong_answers(a: Academy) -> dict:
    return {f"q-{a.q_single}": "a", f"q-{a.q_multi}": ["a", "c"]}


HTMX = {"HX-Request": "true", "HX-Target": "quiz-region"}


def text(response) -> str:
    return response.get_data(as_text=True)
