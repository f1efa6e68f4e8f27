"""A quiz in a real browser: a new learner buys the Basic plan of the demo showcase course, opens the
"Python basics" quiz in the course player, submits answers with htmx, sees the score and feedback,
and the lesson's sidebar state and the course percentage update without a full page reload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import buy_basic, register

STORE = "/acme/eu/de"
COURSE = "python-for-data-analysis"
QUIZ_POSITION = 3  # syllabus order: why-python, setup-jupyter, python-basics, python-basics-quiz


def test_quiz_is_scored_and_progress_updates_without_reload(demo, new_context):
    context = new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page = context.new_page()
    register(page, "Quinn Quizzer")
    buy_basic(page, STORE, COURSE)

    page.goto(f"{STORE}/learn/{COURSE}/")
    progress = page.locator("#course-progress")
    expect(progress).to_have_attribute("data-percent-accessible", "0")
    quiz_item = page.locator("#learn-sidebar .syllabus-lesson").nth(QUIZ_POSITION)
    expect(quiz_item).to_have_attribute("data-completed", "false")
    page.evaluate("window.__noReload = 'still here'")

    quiz_item.locator("a").click()  # htmx swaps the lesson region and pushes the URL
    quiz = page.locator("#quiz-region")
    expect(quiz).to_be_visible()
    questions = quiz.locator("fieldset.quiz-question")
    expect(questions).to_have_count(3)

    # Submitting with a question unanswered: a message, nothing lost.
    questions.nth(0).locator('input[value="b"]').check()
    quiz.locator("button.quiz-submit").click()
    expect(quiz.locator(".form-errors")).to_be_visible()
    expect(quiz.locator("fieldset.quiz-question").nth(0).locator('input[value="b"]')).to_be_checked()

    questions = quiz.locator("fieldset.quiz-question")
    questions.nth(1).locator('input[value="a"]').check()  # []
    questions.nth(1).locator('input[value="b"]').check()  # list()
    questions.nth(2).locator('input[value="a"]').check()  # 3
    quiz.locator("button.quiz-submit").click()

    result = page.locator("#quiz-region .quiz-result")
    expect(result).to_be_visible()
    expect(result.locator("[data-score]")).to_have_attribute("data-score", "100")
    expect(page.locator("#quiz-region")).to_have_attribute("data-passed", "true")
    expect(result.locator(".feedback.correct")).to_have_count(3)

    # Sidebar and course percentage updated out of band; the page was never reloaded.
    expect(page.locator("#learn-sidebar .syllabus-lesson").nth(QUIZ_POSITION)).to_have_attribute(
        "data-completed", "true")
    expect(page.locator("#course-progress")).not_to_have_attribute("data-percent-accessible", "0")
    expect(page.locator("#lesson-complete")).to_have_attribute("data-completed", "true")
    assert page.evaluate("window.__noReload") == "still here"
    assert re.search(r"/learn/python-for-data-analysis/[0-9a-f]+$", page.url)
