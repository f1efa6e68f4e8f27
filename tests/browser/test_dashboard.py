"""The employee dashboard in a real browser, on the demo data: admin, manager, creator and staff
walk it at 1280 and 390 px wide, with and without JavaScript. From the storefront's "Dashboard"
link to the overview (figures, sales chart and its table), the navigation their role allows, the
review queue built with the list machinery (search, sort, pages, CSV, bulk review with its
confirmation) and back to the store; the org switcher for someone working for two orgs. Every
page visited here also goes through the Nu checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.flows import log_in

ROLES = {
    "admin": "admin@acme.test",
    "manager": "manager@acme.test",
    "creator": "creator@acme.test",
    "staff": "staff@acme.test",
}
NAV = {
    "admin": ["overview", "orders", "products", "collections", "lessons", "submissions", "translations", "giftcards",
              "promotions", "members", "employees", "invitations", "earnings", "reports", "markets", "tax", "brands",
              "locales", "emails", "audit", "profile"],
    "manager": ["overview", "orders", "products", "collections", "lessons", "submissions", "translations",
                "giftcards", "promotions", "members", "employees", "invitations", "earnings", "profile"],
    "creator": ["overview", "products", "lessons", "submissions", "translations", "earnings", "profile"],
    "staff": ["overview", "orders", "giftcards", "earnings", "profile"],
}
SEES_SALES = {"admin", "manager", "staff"}
SEEDED = 40
COURSE = "python-for-data-analysis"  # Grace (creator@acme.test) is its creator


@pytest.fixture(scope="module")
def queue(demo) -> int:
    """SEEDED waiting submissions of the showcase course's assignment, from the demo's learners,
    older than any other (so they fill the first pages of the default view)."""
    from app.catalog.models import OrgProduct
    from app.courses.models import (
        OrgLesson,
        OrgProductCourseModule,
        OrgProductCourseModuleSection,
        OrgProductCourseModuleSectionLesson,
    )
    from app.db import new_id, utcnow
    from app.extensions import db
    from app.learn.models import OrgMemberAssignmentSubmission
    from app.orgs.models import Org, OrgMember

    with demo.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == "acme"))
        placement, lesson = db.session.execute(
            sa.select(OrgProductCourseModuleSectionLesson.id, OrgLesson.id)
            .join(OrgLesson, OrgLesson.id == OrgProductCourseModuleSectionLesson.lesson_id)
            .join(OrgProductCourseModuleSection,
                  OrgProductCourseModuleSection.id == OrgProductCourseModuleSectionLesson.section_id)
            .join(OrgProductCourseModule, OrgProductCourseModule.id == OrgProductCourseModuleSection.module_id)
            .join(OrgProduct, OrgProduct.id == OrgProductCourseModule.course_product_id)
            .where(OrgProduct.org_id == org.id, OrgProduct.slug == COURSE, OrgLesson.type == "assignment")
            .limit(1)).one()
        members = db.session.scalars(sa.select(OrgMember.id).where(OrgMember.org_id == org.id)
                                     .order_by(OrgMember.id)).all()
        start = utcnow() - timedelta(days=20)
        db.session.execute(sa.insert(OrgMemberAssignmentSubmission), [
            {"id": new_id(), "org_id": org.id, "member_id": members[i % len(members)], "lesson_id": lesson,
             "placement_id": placement, "body": f"=cmd|' /C calc'!A0 answer {i}", "status": "submitted",
             "created_at": start + timedelta(minutes=i), "updated_at": start + timedelta(minutes=i)}
            for i in range(SEEDED)
        ])
        db.session.commit()
    return SEEDED


def fits(page: Page, width: int, selector: str) -> None:
    """The element lies within the viewport's width (nothing forces sideways scrolling)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


def nav_keys(page: Page) -> list[str]:
    links = page.locator(".staff-nav a")
    return [links.nth(i).get_attribute("data-nav") for i in range(links.count())]


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("role", list(ROLES))
def test_walk_the_dashboard(demo, queue, new_context, role, width, js):
    context = new_context(viewport={"width": width, "height": 900}, java_script_enabled=js, locale="en-US",
                          extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, ROLES[role], demo.config["DEMO_PASSWORD"])

    # The storefront's header leads to the dashboard.
    expect(page.locator("a.dashboard-link")).to_have_attribute("href", "/dashboard/acme/")
    page.goto("/acme/eu/en/")
    if width < 768:  # on a phone the store's header links are in its menu
        page.locator(".nav-toggle").click()
    page.locator("a.dashboard-link").click()
    expect(page).to_have_url(re.compile(r"/dashboard/acme/$"))
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator(".org-name")).to_have_text("Acme Academy")
    assert nav_keys(page) == NAV[role]
    expect(page.locator('.staff-nav a[aria-current="page"]')).to_have_attribute("data-nav", "overview")
    for selector in (".staff-header .container", ".staff-nav", ".staff-main", "h1"):
        fits(page, width, selector)

    if role in SEES_SALES:
        card = page.locator('.sales-card[data-currency="EUR"]')
        expect(card.locator("svg.chart")).to_be_visible()
        fits(page, width, ".sales-card")
        card.locator(".chart-data summary").click()
        expect(card.locator(".chart-data table tbody tr")).to_have_count(30)
    else:
        expect(page.locator(".sales-card")).to_have_count(0)
    if role != "staff":
        figure = page.locator('[data-figure="submissions"] a')
        expect(figure).to_have_attribute("href", "/dashboard/acme/submissions")

    if "submissions" in NAV[role]:
        review_queue(page, role, width, js)
    else:
        response = page.goto("/dashboard/acme/submissions")
        assert response is not None and response.status == 403

    # And back to the store.
    page.goto("/dashboard/acme/")
    page.locator(".store-links summary").click()
    page.locator(".store-links a", has_text="Europe").click()
    expect(page).to_have_url(re.compile(r"/acme/eu/[a-z]{2}(-[A-Z]{2})?/$"))
    assert errors == []


def review_queue(page: Page, role: str, width: int, js: bool) -> None:
    page.locator('.staff-nav a[data-nav="submissions"]').click()
    expect(page.locator("h1")).to_have_text("Assignments to review")
    rows = page.locator("#submissions tbody tr")
    expect(rows).to_have_count(25)
    expect(page.locator(".table-count")).to_have_text(re.compile(r"^1–25 of \d+$"))
    for selector in (".table-toolbar", ".table-scroll", ".pagination"):
        fits(page, width, selector)

    # Search: live with htmx (the URL follows), with the "Show" button without JavaScript.
    page.wait_for_load_state("load")  # htmx binds the live search once its deferred script ran
    page.locator("#submissions-q").fill("Amélie")
    if not js:
        page.locator(".table-toolbar button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q=Am%C3%A9lie"))
    expect(rows.first).to_contain_text("Amélie Dubois")
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text("Amélie Dubois")

    # Sort by learner, then the other way; then the next page.
    page.goto("/dashboard/acme/submissions")
    page.locator("#submissions-sort-learner").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=learner"))
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Learner")
    page.locator("#submissions-sort-learner").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-learner"))
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Learner")
    page.locator("#submissions-page-next").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    expect(page.locator(".table-count")).to_have_text(re.compile(r"^26–"))

    # The CSV of the same rows, formulas neutralised.
    csv_link = page.locator("a.table-csv")
    href = csv_link.get_attribute("href")
    assert href and "format=csv" in href and "sort=-learner" in href
    download = page.context.request.get(href)
    assert download.status == 200 and download.headers["content-type"].startswith("text/csv")
    assert "'=cmd|" in download.text() and "\n=cmd" not in download.text()

    if role == "admin" and width == 1280:
        bulk_review(page, js)


def bulk_review(page: Page, js: bool) -> None:
    page.goto("/dashboard/acme/submissions")
    rows = page.locator("#submissions tbody tr")
    if js:  # "select all" exists only with JavaScript
        select_all = page.locator("[data-select-all]")
        expect(select_all).to_be_visible()
        select_all.check()
        expect(page.locator('#submissions tbody input[name="ids"]:checked')).to_have_count(25)
        select_all.uncheck()
    else:
        expect(page.locator("[data-select-all]")).to_be_hidden()
    chosen = [rows.nth(i).get_attribute("data-submission") for i in range(2)]
    for i in range(2):
        rows.nth(i).locator('input[name="ids"]').check()
    page.locator("#submissions-action").select_option("review")
    page.locator(".bulk-bar button[type=submit]").click()

    confirm = page.locator(".bulk-confirm")
    expect(confirm.locator("h2")).to_have_text("Mark 2 submissions as reviewed?")
    if js:
        expect(page).to_have_url(re.compile(r"/dashboard/acme/submissions$"))  # swapped in place
    else:
        expect(page).to_have_url(re.compile(r"/dashboard/acme/submissions/bulk$"))  # a page of its own
    expect(confirm.locator("textarea[name=feedback]")).to_have_attribute("required", "")
    page.locator(".bulk-confirm textarea[name=feedback]").fill("Received, thank you: feedback follows in class.")
    page.locator(".bulk-confirm button[type=submit]").click()
    expect(page.locator(".flash-success")).to_have_text("2 submissions marked as reviewed.")
    expect(page).to_have_url(re.compile(r"/dashboard/acme/submissions$"))
    for submission in chosen:
        expect(page.locator(f'tr[data-submission="{submission}"]')).to_have_count(0)
    page.goto("/dashboard/acme/submissions?status=reviewed&sort=-submitted")
    for submission in chosen:
        expect(page.locator(f'tr[data-submission="{submission}"]')).to_have_attribute("data-status", "reviewed")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_org_switcher_on_a_phone(demo, new_context, js):
    """creator2@acme.test works for Acme and Globex: the switcher takes them from one to the other."""
    page = new_context(viewport={"width": 390, "height": 844}, java_script_enabled=js, locale="en-US").new_page()
    log_in(page, "creator2@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/globex/global/en/")
    expect(page.locator("a.dashboard-link")).to_have_attribute("href", "/dashboard/globex/")
    page.goto("/dashboard/acme/")
    switcher = page.locator(".org-switcher")
    switcher.locator("summary").click()
    expect(switcher.locator('a[aria-current="true"]')).to_have_text("Acme Academy")
    switcher.locator("a", has_text="Globex Institute").click()
    expect(page).to_have_url(re.compile(r"/dashboard/globex/$"))
    expect(page.locator(".org-name")).to_have_text("Globex Institute")
    fits(page, 390, ".staff-main")
