"""The pages of background work in a real browser (and so through the Nu checker and axe of
test_quality_gates.py): a long dashboard list's CSV export offered when ready, and a large
gift-card batch a worker has not issued yet."""

from __future__ import annotations

from playwright.sync_api import expect

from app.giftcards import issuing
from tests.browser.flows import log_in

DASH = "/dashboard/acme"


def test_a_long_export_is_offered_when_ready_and_a_large_batch_says_it_is_being_issued(demo, new_context,
                                                                                      monkeypatch):
    monkeypatch.setitem(demo.config, "CSV_INLINE_ROWS", 1)  # every list is "long"
    monkeypatch.setattr(issuing, "enqueue", lambda task, *args: None)  # no worker picks the batch up
    context = new_context(viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True,
                          extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])

    page.goto(f"{DASH}/audit?format=csv")
    expect(page.locator("h1")).to_have_text("CSV export")
    expect(page.get_by_role("status")).to_have_text("Your export is ready.")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the CSV file").click()
    assert open(info.value.path(), encoding="utf-8-sig").read().count("\n") > 1

    page.goto(f"{DASH}/giftcards/new")
    form = page.locator("form.giftcard-issue")
    form.get_by_label("Number of cards").fill(str(issuing.BACKGROUND_FROM))
    form.get_by_label("Amount per card").fill("5")
    form.get_by_role("button", name="Issue").click()
    expect(page.locator("h1")).to_have_text(f"{issuing.BACKGROUND_FROM} gift cards are being issued")
    expect(page.get_by_role("link", name="Show the codes")).to_be_visible()
