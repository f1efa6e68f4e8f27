"""The member's and the employee's pages in a real browser, on the demo data: a learner buys the
yearly Pro subscription of SQL Essentials (cart, checkout, payment), finds it under Subscriptions
and My orders, hands in the window-functions assignment in the player, an org admin reviews it
from the dashboard's queue, and the learner reads the feedback. The demo customer's downloads,
a creator profile and a second org's storefront complete the pages the quality gates
(tests/browser/test_quality_gates.py) check."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.flows import register

STORE = "/acme/eu/en"
COURSE = "sql-essentials"
ASSIGNMENT = "Assignment: rank customers by monthly revenue"


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator('form[action*="/account/login"] button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/account/$"))


def test_subscription_assignment_and_review_from_the_dashboard(demo, new_context):
    errors: list[str] = []
    learner = new_context(locale="en-US").new_page()
    learner.on("pageerror", lambda exc: errors.append(str(exc)))
    register(learner, "Rita Reviewed")

    # The cart page lists the plan; checkout and the manual provider's payment page.
    learner.goto(f"{STORE}/products/{COURSE}")
    learner.locator('.offer[data-tier="3"][data-plan-type="subscription"] button[type="submit"]').click()
    expect(learner.locator("#cart-badge")).to_contain_text("1")
    learner.goto(f"{STORE}/cart")
    expect(learner.locator("h1")).to_be_visible()
    expect(learner.locator("#cart .cart-line")).to_have_count(1)
    expect(learner.locator("#cart .cart-line")).to_contain_text("Pro (yearly)")
    learner.goto(f"{STORE}/checkout")
    learner.locator("button.place-order").click()
    expect(learner).to_have_url(re.compile(r"/orders/ACME-\d{6}/pay$"))
    order_number = re.search(r"ACME-\d{6}", learner.url).group()
    learner.locator('button[name="outcome"][value="pay"]').click()
    expect(learner.locator("#order-status [data-status]")).to_have_attribute("data-status", "fulfilled")

    # My orders and Subscriptions show it.
    learner.goto(f"{STORE}/account/orders/")
    expect(learner.locator(f'tr[data-order="{order_number}"]')).to_be_visible()
    learner.goto(f"{STORE}/account/subscriptions")
    subscription = learner.locator(".subscription").filter(has_text="Pro (yearly)")
    expect(subscription).to_have_attribute("data-status", "active")

    # The assignment (tier 3) is open: hand in an answer, swapped in place.
    learner.goto(f"{STORE}/learn/")
    learner.locator(f'.my-course[data-course="{COURSE}"] a.resume').click()
    lesson = learner.locator("#learn-sidebar .syllabus-lesson").filter(has_text=ASSIGNMENT)
    expect(lesson).to_have_attribute("data-locked", "false")
    lesson.locator("a").click()
    region = learner.locator("#assignment-region")
    expect(region).to_be_visible()
    answer = f"SELECT RANK() OVER (PARTITION BY month ORDER BY revenue DESC) -- {uuid.uuid4().hex[:8]}"
    region.locator("textarea[name=body]").fill(answer)
    region.locator("button.assignment-submit-button").click()
    expect(learner.locator("#assignment-region")).to_have_attribute("data-status", "submitted")
    lesson_url = learner.url

    # An org admin finds it in the dashboard's review queue and marks it reviewed.
    admin = new_context(locale="en-US").new_page()
    admin.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(admin, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    admin.goto("/dashboard/acme/")
    expect(admin.locator(".org-name")).to_have_text("Acme Academy")
    admin.locator(".staff-nav a", has_text="Assignments to review").click()
    admin.wait_for_load_state("load")  # htmx binds the live search once its deferred script ran
    admin.locator("#submissions-q").fill("Rita Reviewed")  # the search swaps the rows in place
    row = admin.locator("#submissions tr[data-status=submitted]").filter(has_text="Rita Reviewed")
    expect(row).to_have_count(1)
    expect(admin).to_have_url(re.compile(r"q=Rita"))
    row.locator("a").click()
    expect(admin.locator(".submission-body")).to_have_text(answer)
    admin.locator("textarea[name=feedback]").fill("Correct use of RANK(); add a tie-breaker.")
    admin.locator('form button[type="submit"]').last.click()
    admin.goto("/dashboard/acme/submissions?status=reviewed&q=Rita+Reviewed")
    expect(admin.locator("#submissions tr[data-status=reviewed]").filter(has_text="Rita Reviewed")).to_have_count(1)

    # The learner reads the feedback on the lesson.
    learner.goto(lesson_url)
    expect(learner.locator("#assignment-region")).to_have_attribute("data-status", "reviewed")
    expect(learner.locator(".review-feedback .feedback-body")).to_have_text("Correct use of RANK(); add a tie-breaker.")
    assert errors == []


def test_downloads_creator_profile_and_another_orgs_storefront(demo, new_context):
    page = new_context(locale="en-US").new_page()
    log_in(page, "customer@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/acme/us/en/account/downloads")
    expect(page.locator("ul.downloads li").filter(has_text="The Data Analyst's Field Guide")).to_be_visible()

    page.goto("/creators/grace-hopper")
    expect(page.locator("h1")).to_have_text("Grace Hopper")
    expect(page.locator(".creator-products a").first).to_be_visible()

    page.goto("/globex/global/")
    expect(page).to_have_url(re.compile(r"/globex/global/en/$"))
    expect(page.locator(".product-card").first).to_be_visible()
