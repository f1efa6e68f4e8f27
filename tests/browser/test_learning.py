"""The course player in a real browser: a learner who bought the tier-1 plan of the demo showcase
course sees tier-2/3 lessons locked, a locked lesson shows the upgrade panel, moving between
lessons swaps the lesson region (URL pushed, no reload), and "mark as complete" updates the
course percentage in place."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.flows import buy_basic, register

STORE = "/acme/eu/en"
COURSE = "python-for-data-analysis"


def test_tier_gate_htmx_navigation_and_mark_complete(demo, new_context):
    context = new_context(locale="en-US")
    page = context.new_page()
    register(page, "Pat Player")
    buy_basic(page, STORE, COURSE)

    # My learning lists the course; "Start" opens the first lesson.
    page.goto(f"{STORE}/learn/")
    card = page.locator(f'.my-course[data-course="{COURSE}"]')
    expect(card).to_be_visible()
    card.locator("a.resume").click()
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/[0-9a-f]+$"))

    lessons = page.locator("#learn-sidebar .syllabus-lesson")
    count = lessons.count()
    assert count > 5
    tiers = [int(lessons.nth(i).get_attribute("data-tier")) for i in range(count)]
    locked = [lessons.nth(i).get_attribute("data-locked") == "true" for i in range(count)]
    previews = [lessons.nth(i).locator(".badge", has_text="Free preview").count() > 0 for i in range(count)]
    assert 2 in tiers and 3 in tiers
    for tier, is_locked, is_preview in zip(tiers, locked, previews, strict=True):
        assert is_locked == (tier > 1 and not is_preview)

    page.evaluate("window.__playerMarker = 'same page'")

    # Clicking another open lesson swaps the region and pushes its URL, without a reload.
    second = lessons.nth(1)
    second_id = second.get_attribute("data-placement")
    second.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/{second_id}$"))
    expect(page.locator("#lesson-region")).to_have_attribute("data-placement", second_id)
    expect(page.locator(f'#learn-sidebar .syllabus-lesson[data-placement="{second_id}"]')).to_have_class(
        re.compile(r"\bcurrent\b"))
    assert page.evaluate("window.__playerMarker") == "same page"

    # A locked lesson shows the upgrade panel (tier, plans with prices), never the content.
    first_locked = locked.index(True)
    target = lessons.nth(first_locked)
    target_id = target.get_attribute("data-placement")
    target.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/{target_id}$"))
    panel = page.locator("#lesson-region .upgrade-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-needs-tier", str(tiers[first_locked]))
    expect(panel.locator(".upgrade-offers li").first).to_contain_text("€")
    expect(panel.locator("a.upgrade-link")).to_have_attribute("href", re.compile(rf"/products/{COURSE}#offers$"))
    expect(page.locator("#lesson-region .lesson-body")).to_have_count(0)
    assert page.evaluate("window.__playerMarker") == "same page"

    # Its file endpoint answers 403 to the browser too.
    status = page.evaluate(
        "async (url) => (await fetch(url, {redirect: 'manual'})).status",
        f"{STORE}/learn/{COURSE}/{target_id}/file",
    )
    assert status == 403

    # Mark an open reading lesson complete: percentage and sidebar update in place.
    text_index = next(i for i in range(count) if not locked[i]
                      and lessons.nth(i).locator(".lesson-meta").inner_text().startswith("Reading"))
    lessons.nth(text_index).locator("a").click()
    text_id = lessons.nth(text_index).get_attribute("data-placement")
    expect(page.locator("#lesson-region")).to_have_attribute("data-placement", text_id)
    progress = page.locator("#course-progress")
    before = int(progress.get_attribute("data-percent-accessible"))
    page.locator("#lesson-complete button.mark-complete").click()
    expect(page.locator("#lesson-complete")).to_have_attribute("data-completed", "true")
    expect(page.locator(f'#learn-sidebar .syllabus-lesson[data-placement="{text_id}"]')).to_have_attribute(
        "data-completed", "true")
    expect(page.locator("#course-progress")).not_to_have_attribute("data-percent-accessible", str(before))
    assert int(page.locator("#course-progress").get_attribute("data-percent-accessible")) > before
    assert page.evaluate("window.__playerMarker") == "same page"

    # Back in history: the previous lesson, fetched again from the server.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/learn/{COURSE}/{target_id}$"))
    context.close()
