"""Focus and feedback after htmx swaps: moving to another lesson puts focus on its heading, "mark
as complete" on its result, and a live catalog filter shows "clear filters" without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import buy_basic, register

STORE = "/acme/eu/en"
COURSE = "python-for-data-analysis"

ACTIVE = "() => { const e = document.activeElement; return e ? (e.id || e.tagName) : null; }"


def test_focus_follows_lesson_navigation_and_mark_complete(demo, new_context):
    context = new_context(locale="en-US")
    page = context.new_page()
    register(page, "Fiona Focus")
    buy_basic(page, STORE, COURSE)
    page.goto(f"{STORE}/learn/")
    page.locator(f'.my-course[data-course="{COURSE}"] a.resume').click()
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/[0-9a-f]+$"))
    page.evaluate("window.__sameDocument = true")

    lessons = page.locator('#learn-sidebar .syllabus-lesson[data-locked="false"]')
    reading = next(i for i in range(lessons.count())
                   if lessons.nth(i).locator(".lesson-meta").inner_text().startswith("Reading")
                   and lessons.nth(i).get_attribute("data-completed") != "true" and i > 0)
    target = lessons.nth(reading)
    placement = target.get_attribute("data-placement")
    target.locator("a").click()
    expect(page.locator("#lesson-region")).to_have_attribute("data-placement", placement)
    # The new lesson's heading has the focus (a screen reader announces it; Tab continues from it).
    expect(page.locator("#lesson-title")).to_be_focused()
    assert page.evaluate(ACTIVE) == "lesson-title"
    assert page.evaluate("window.__sameDocument") is True  # swapped, not reloaded

    # "Next" moves focus to the next lesson's heading as well.
    next_link = page.locator("#lesson-region a.next")
    if next_link.count():
        before = page.locator("#lesson-region").get_attribute("data-placement")
        next_link.click()
        expect(page.locator("#lesson-region")).not_to_have_attribute("data-placement", before)
        expect(page.locator("#lesson-title")).to_be_focused()
        page.go_back()
        expect(page.locator("#lesson-region")).to_have_attribute("data-placement", before)

    page.locator("#lesson-complete button.mark-complete").click()
    result = page.locator("#lesson-complete")
    expect(result).to_have_attribute("data-completed", "true")
    expect(result).to_be_focused()
    assert page.evaluate(ACTIVE) == "lesson-complete"
    context.close()


def test_clear_filters_appears_after_a_live_filter(demo, new_context):
    context = new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{STORE}/")
    clear = page.locator("#clear-filters a")
    expect(clear).to_have_count(0)
    page.evaluate("window.__sameDocument = true")
    page.locator("#filter-type").select_option("course")
    expect(page).to_have_url(re.compile(r"type=course"))
    expect(clear).to_have_count(1)
    expect(clear).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped the results, no reload
    clear.click()
    expect(page).not_to_have_url(re.compile(r"type="))
    expect(page.locator("#clear-filters a")).to_have_count(0)
    context.close()
