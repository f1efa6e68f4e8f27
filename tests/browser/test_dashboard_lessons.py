"""The lesson library and editors in a real browser at 1280 and 390 px: a creator opens the library
from the navigation, creates a text lesson, writes Markdown and watches the live preview (htmx)
render it as the player will (a <script> typed in stays text), saves it; then builds a quiz: a
single-choice question with two correct answers is refused with a message and nothing typed is
lost, the fixed question and a second one are added, reordered with "move up", and a pass mark of
150 is refused on its field. Every page visited also goes through the Nu checker and axe."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in


def fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


def create(page: Page, title: str, kind: str) -> None:
    page.goto("/dashboard/acme/")
    page.locator('.staff-nav a[data-nav="lessons"]').click()
    expect(page.locator("h1")).to_have_text("Lesson library")
    page.locator("a.button", has_text="New lesson").click()
    page.locator("#title").fill(title)
    page.locator("#type").select_option(kind)
    page.locator("form.lesson-new button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(title)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_creator_writes_a_markdown_lesson_and_builds_a_quiz(demo, new_context, width):
    page = new_context(viewport={"width": width, "height": 900}, locale="en-US",
                       extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}).new_page()
    log_in(page, "creator@acme.test", demo.config["DEMO_PASSWORD"])
    tag = uuid.uuid4().hex[:6]

    # A text lesson with the live preview.
    create(page, f"Reading {tag}", "text")
    fits(page, width, ".lesson-form")
    page.evaluate("window.__noReload = 'still here'")
    page.locator("#content").fill("## Why pandas\n\nIt is **fast**. <script>window.__hacked = 1</script>")
    preview = page.locator("#lesson-preview")
    expect(preview.locator("h2")).to_have_text("Why pandas")
    expect(preview.locator("strong")).to_have_text("fast")
    expect(preview).to_contain_text("<script>window.__hacked = 1</script>")  # shown as text, never run
    assert page.evaluate("window.__noReload") == "still here" and page.evaluate("window.__hacked") is None
    page.locator("form.lesson-form button[type=submit]", has_text="Save lesson").click()
    expect(page.locator(".flash-success")).to_contain_text("Lesson saved")
    expect(page.locator("#content")).to_have_value(re.compile("Why pandas"))
    expect(page.locator("#lesson-preview h2")).to_have_text("Why pandas")

    # A quiz: a refused question keeps what was typed; fixed, it is added.
    create(page, f"Quiz {tag}", "quiz")
    new = page.locator("#new-question")
    new.locator("textarea[name=prompt]").fill("Which library reads CSV files?")
    new.locator('input[name="choice-0-text"]').fill("pandas")
    new.locator('input[name="choice-0-correct"]').check()
    new.locator('input[name="choice-1-text"]').fill("csv")
    new.locator('input[name="choice-1-correct"]').check()
    new.locator("button[type=submit]").click()
    new = page.locator("#new-question")
    expect(new.locator(".form-errors")).to_contain_text("exactly one correct answer")
    expect(new.locator("textarea[name=prompt]")).to_have_value("Which library reads CSV files?")
    expect(new.locator('input[name="choice-1-text"]')).to_have_value("csv")
    new.locator('input[name="choice-1-correct"]').uncheck()
    new.locator("button[type=submit]").click()
    expect(page.locator(".quiz-question-editor[data-question]")).to_have_count(1)

    new = page.locator("#new-question")
    new.locator("textarea[name=prompt]").fill("Which of these are Python?")
    new.locator("select[name=kind]").select_option("multiple")
    new.locator('input[name="choice-0-text"]').fill("pandas")
    new.locator('input[name="choice-0-correct"]').check()
    new.locator('input[name="choice-1-text"]').fill("numpy")
    new.locator('input[name="choice-1-correct"]').check()
    new.locator('input[name="choice-2-text"]').fill("Excel")
    new.locator("textarea[name=explanation]").fill("Excel is a spreadsheet.")
    new.locator("button[type=submit]").click()
    questions = page.locator(".quiz-question-editor[data-question]")
    expect(questions).to_have_count(2)
    questions.nth(1).locator("button", has_text="Move up").click()
    expect(questions.nth(0).locator("textarea[name=prompt]")).to_have_value("Which of these are Python?")
    fits(page, width, "#questions")

    # A pass mark of 150: a message on the field, nothing saved.
    page.locator("#pass_mark_percent").fill("150")
    page.locator("form.lesson-form button[type=submit]", has_text="Save lesson").click()
    expect(page.locator("#pass_mark_percent-error")).to_contain_text("Pass mark")
    page.locator("#pass_mark_percent").fill("80")
    page.locator("#max_attempts").fill("3")
    page.locator("form.lesson-form button[type=submit]", has_text="Save lesson").click()
    expect(page.locator(".flash-success")).to_contain_text("Lesson saved")
    expect(page.locator("#max_attempts")).to_have_value("3")
