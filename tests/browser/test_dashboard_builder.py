"""The course builder in a real browser: an admin drags a lesson into another section (drag and
drop, htmx swaps the tree), renames a section inline (Escape cancels, Enter saves), then without
JavaScript moves a lesson up with the fallback button and to another section with the select; the
learner's player (opened through "Preview as learner" at tier 1) lists the lessons in the new
order, with the tier-2 lesson locked. A course of its own (in the demo org) keeps the demo's
courses as the other tests expect them."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in

ADMIN = "admin@acme.test"


@pytest.fixture
def course(demo):
    """A published course of acme: module "Basics" with sections One [A, B, C] and Two [D (tier 2)]."""
    from app.extensions import db
    from app.learn.authoring import add_module, add_section, create_course, place_lesson
    from app.orgs.services import get_org_by_slug
    from tests.factories import make_lesson, make_product, org_admin

    tag = uuid.uuid4().hex[:6]
    with demo.app_context():
        org = get_org_by_slug("acme")
        admin = org_admin(org)
        product = make_product(org, name=f"Builder course {tag}", slug=f"builder-{tag}")
        course = create_course(product, level="beginner", difficulty=2, by=admin)
        module = add_module(course, title="Basics", by=admin)
        one, two = (add_section(module, title=t, by=admin) for t in ("One", "Two"))
        ids = {}
        for name, section, tier in (("A", one, 1), ("B", one, 1), ("C", one, 1), ("D", two, 2)):
            ids[name] = place_lesson(section, make_lesson(org, title=f"Lesson {name} {tag}"),
                                     required_access_tier=tier, by=admin).id
        db.session.commit()
        result = {"product": product.id, "slug": product.slug, "one": one.id, "two": two.id, "tag": tag, **ids}
        db.session.remove()
    return result


def order(page: Page, section_id: str) -> list[str]:
    items = page.locator(f'ol[data-section-id="{section_id}"] > li.builder-lesson')
    return [items.nth(i).get_attribute("data-placement") for i in range(items.count())]


def player_order(page: Page) -> list[str]:
    items = page.locator("#learn-sidebar li.syllabus-lesson")
    return [items.nth(i).get_attribute("data-placement") for i in range(items.count())]


def test_drag_a_lesson_to_another_section_then_the_no_js_fallback(demo, course, new_context):
    password = demo.config["DEMO_PASSWORD"]
    url = f"/dashboard/acme/products/{course['product']}/content"

    page = new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, ADMIN, password)
    page.goto(url)
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text("Course content")
    assert order(page, course["one"]) == [course["A"], course["B"], course["C"]]

    # drag B onto D: B goes before D in section Two; htmx swaps the tree
    page.locator(f"#placement-{course['B']} .drag-handle").drag_to(page.locator(f"#placement-{course['D']}"))
    expect(page.locator(f'ol[data-section-id="{course["two"]}"] > li.builder-lesson')).to_have_count(2)
    assert order(page, course["two"]) == [course["B"], course["D"]]
    assert order(page, course["one"]) == [course["A"], course["C"]]
    expect(page.locator(f"#placement-{course['D']} [data-effective-tier]")).to_have_attribute(
        "data-effective-tier", "2")

    # inline title: Escape cancels, Enter saves
    title = page.locator(f"#title-section-{course['one']} a")
    title.click()
    field = page.locator(f"form#title-section-{course['one']} input[name=title]")
    field.fill("Changed my mind")
    field.press("Escape")
    expect(page.locator(f"#title-section-{course['one']} a")).to_have_text("One")
    page.locator(f"#title-section-{course['one']} a").click()
    field = page.locator(f"form#title-section-{course['one']} input[name=title]")
    field.fill("First things")
    field.press("Enter")
    expect(page.locator(f"#title-section-{course['one']} a")).to_have_text("First things")
    assert not errors, errors

    # without JavaScript: C up (before A), then A to section Two with the select
    plain = new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="en-US").new_page()
    log_in(plain, ADMIN, password)
    plain.goto(url)
    lesson_c = plain.locator(f"#placement-{course['C']}")
    lesson_c.get_by_role("button", name=re.compile(r"Move Lesson C .* up")).click()
    expect(plain).to_have_url(re.compile(rf"#placement-{course['C']}$"))
    assert order(plain, course["one"]) == [course["C"], course["A"]]
    lesson_a = plain.locator(f"#placement-{course['A']}")
    lesson_a.locator("select[name=parent_id]").select_option(course["two"])
    lesson_a.get_by_role("button", name="Move", exact=True).click()
    assert order(plain, course["one"]) == [course["C"]]
    assert order(plain, course["two"]) == [course["B"], course["D"], course["A"]]

    # the learner's player, through "Preview as learner" at tier 1 in the EU store in German
    page.goto(url)
    page.locator("#preview-tier").select_option("1")
    page.locator("#preview-storefront").select_option("eu/de")
    with page.expect_popup() as popup:
        page.locator(".builder-preview button[type=submit]").click()
    player = popup.value
    expect(player).to_have_url(re.compile(rf"/acme/eu/de/learn/{course['slug']}/[0-9a-f]{{32}}\?preview=1$"))
    expect(player.locator("#learn-sidebar")).to_be_visible()
    assert player_order(player) == [course["C"], course["B"], course["D"], course["A"]]
    # section Two is open at tier 1 but D asks for tier 2: locked for this learner
    expect(player.locator(f'#learn-sidebar li[data-placement="{course["D"]}"]')).to_have_attribute(
        "data-locked", "true")
    expect(player.locator(f'#learn-sidebar li[data-placement="{course["C"]}"]')).to_have_attribute(
        "data-locked", "false")
