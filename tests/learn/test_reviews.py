"""Course ratings and reviews: the 50% gate, one editable review per member, and the product page
showing the new averages straight away."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProductReview
from app.courses.models import OrgProductCourseRating
from app.extensions import db
from tests.factories import PASSWORD
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import correct_answers, text

REVIEW = {"level": "advanced", "difficulty": "8", "rating": "4", "title": "Tough but fair",
          "body": "The quiz made me think."}

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture


def _reach_half(client, a):
    """Complete 2 of the 4 lessons the learner's tier opens (the quiz and the assignment)."""
    assert client.post(a.lesson_url(a.quiz, "/quiz"), data=correct_answers(a)).status_code == 303
    assert client.post(a.lesson_url(a.assignment, "/assignment"), data={"body": "Done"}).status_code == 303


def _rows(app, a):
    with app.app_context():
        review = db.session.scalars(sa.select(OrgProductReview).where(OrgProductReview.member_id == a.member_id)).all()
        rating = db.session.scalars(
            sa.select(OrgProductCourseRating).where(OrgProductCourseRating.member_id == a.member_id)).all()
        return review, rating


def test_below_half_the_page_explains_and_posting_is_refused(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    client.post(academy.lesson_url(academy.quiz, "/quiz"), data=correct_answers(academy))  # 25%
    r = client.get(academy.review_url())
    assert r.status_code == 200
    html = text(r)
    assert "once you have completed 50% of the lessons you can access" in html
    assert "You are at 25%." in html
    assert 'name="rating"' not in html
    r = client.post(academy.review_url(), data=REVIEW)
    assert r.status_code == 403
    assert _rows(app, academy) == ([], [])


def test_review_after_half_is_saved_editable_and_shown_on_the_product_page(app, client, academy, login):
    app.config["STOREFRONT_CACHE_SECONDS"] = 300  # the product page is cached: a save must refresh it
    try:
        product_before = text(client.get(academy.product_url))
        assert "No reviews yet." in product_before and "no learner ratings yet" in product_before

        login(client, academy.learner_email, PASSWORD)
        _reach_half(client, academy)
        form = text(client.get(academy.review_url()))
        assert 'name="rating"' in form and "Publish my review" in form

        r = client.post(academy.review_url(), data=REVIEW)
        assert r.status_code == 303
        [review], [rating] = _rows(app, academy)
        assert (review.rating, review.title, review.body) == (4, "Tough but fair", "The quiz made me think.")
        assert (rating.level, rating.difficulty) == ("advanced", 8)

        page = text(client.get(academy.product_url))
        assert "Tough but fair" in page and "The quiz made me think." in page
        assert "★ 4" in page and "1 review" in page
        assert "learners say: Advanced" in page and "8 of 10 from 1 learners" in page

        # Editing: the form is prefilled and a second save replaces the first.
        form = text(client.get(academy.review_url()))
        assert 'value="Tough but fair"' in form and "Save my review" in form
        assert re.search(r'<option[^>]*selected[^>]*value="advanced"|<option[^>]*value="advanced"[^>]*selected', form)
        assert re.search(r'<input[^>]*checked[^>]*value="4"|<input[^>]*value="4"[^>]*checked', form)
        r = client.post(academy.review_url(), data={**REVIEW, "rating": "2", "difficulty": "9", "title": "Too hard"})
        assert r.status_code == 303
        [review], [rating] = _rows(app, academy)
        assert (review.rating, review.title, rating.difficulty) == (2, "Too hard", 9)
        page = text(client.get(academy.product_url))
        assert "Too hard" in page and "Tough but fair" not in page and "9 of 10 from 1 learners" in page
    finally:
        app.config["STOREFRONT_CACHE_SECONDS"] = 0
        from app.web import cache

        cache.clear()


def test_invalid_review_keeps_the_input(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    _reach_half(client, academy)
    r = client.post(academy.review_url(), data={**REVIEW, "rating": "", "difficulty": "11"},
                    headers={"HX-Request": "true", "HX-Target": "review-region"})
    assert r.status_code == 422
    html = text(r)
    assert "Choose a rating from 1 to 5 stars." in html
    assert 'value="Tough but fair"' in html and "The quiz made me think." in html
    assert 'id="review-region"' in html and "<html" not in html
    assert _rows(app, academy) == ([], [])


@pytest.mark.parametrize("field, value", [("difficulty", "NaN"), ("difficulty", "Infinity"), ("difficulty", "1e309"),
                                          ("difficulty", "8.0"), ("rating", "NaN"), ("rating", "-Infinity"),
                                          ("rating", "4.5")])
def test_non_finite_or_fractional_scores_are_a_form_error(app, client, academy, login, field, value):
    login(client, academy.learner_email, PASSWORD)
    _reach_half(client, academy)
    r = client.post(academy.review_url(), data={**REVIEW, field: value})
    assert r.status_code == 422 and "Not a valid choice." in text(r)
    assert _rows(app, academy) == ([], [])


def test_htmx_save_returns_the_region(app, client, academy, login):
    login(client, academy.learner_email, PASSWORD)
    _reach_half(client, academy)
    r = client.post(academy.review_url(), data=REVIEW, headers={"HX-Request": "true", "HX-Target": "review-region"})
    assert r.status_code == 200
    html = text(r)
    assert "Thank you! Your review was saved." in html and "Save my review" in html


def test_review_page_needs_login_and_membership(app, client, academy, login):
    r = client.get(academy.review_url())
    assert r.status_code in (302, 303) and r.headers["Location"] == f"{academy.prefix}/sign-in?next={academy.review_url()}"
    with app.app_context():
        from tests.factories import make_user

        outsider = make_user()
        db.session.commit()
        email = outsider.email
    login(client, email, PASSWORD)
    html = text(client.get(academy.review_url()))
    assert "Only learners enrolled in this course can review it." in html
    assert client.post(academy.review_url(), data=REVIEW).status_code == 403



def test_review_prompt_for_the_player(app, client, academy, login):
    """``learn/_review_prompt.html`` (for the course player): explains the gate, then links to the form."""
    from flask import g, render_template

    from app.accounts.models import User
    from app.learn.player import load_player

    def prompt() -> str:
        with app.test_request_context(academy.lesson_url(academy.text1)):
            app.preprocess_request()
            user = db.session.scalar(sa.select(User).where(User.email == academy.learner_email))
            player = load_player(g.storefront, user, academy.course_slug, academy.text1)
            return render_template("learn/_review_prompt.html", player=player)

    assert "after completing 50% of it" in prompt()
    login(client, academy.learner_email, PASSWORD)
    _reach_half(client, academy)
    html = prompt()
    assert "Rate and review this course" in html and academy.review_url() in html
