"""Images and files in the dashboard, in a real browser at 1280 and 390 px: the creator Grace
replaces the cover of her download product with htmx (a renamed text file and a missing alt text
are refused with a message first), and the storefront then shows the new cover on the catalog card
and the product page (loaded, with srcset), next to a product that keeps the placeholder; she
uploads the product's file without JavaScript, and the demo customer who bought it downloads
exactly that file from their downloads page. Every page visited here also goes through the Nu
checker and axe (test_quality_gates.py)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Page, expect

from app.catalog.models import OrgProduct
from app.extensions import db
from app.orgs.models import Org
from tests.browser.flows import log_in

STORE = "/acme/us/en"
EBOOK = "data-analyst-field-guide"


def _product_id(app, slug: str) -> str:
    with app.app_context():
        org_id = db.session.scalar(sa.select(Org.id).where(Org.slug == "acme"))
        product_id = db.session.scalar(sa.select(OrgProduct.id).where(OrgProduct.org_id == org_id,
                                                                       OrgProduct.slug == slug))
        db.session.remove()
        return product_id


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), colour).save(out, "PNG")
    return out.getvalue()


def _fits(page: Page, width: int, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (selector, box)


def _loaded(page: Page, selector: str) -> None:
    """The image was fetched and decoded (not a broken image)."""
    expect(page.locator(selector).first).to_be_visible()
    assert page.locator(selector).first.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_creator_replaces_a_cover_and_the_store_shows_it(demo, new_context, width):
    ebook_id = _product_id(demo, EBOOK)
    page = new_context(viewport={"width": width, "height": 900}, locale="en-US").new_page()
    log_in(page, "creator@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto(f"/dashboard/acme/products/{ebook_id}/media")
    expect(page.locator("h2#cover-title")).to_have_text("Cover image")
    panel = page.locator("#media-panels")
    old_src = panel.locator(".media-cover img.cover").get_attribute("src")
    _fits(page, width, ".media-cover")

    # Refused: a text file named .png, then a real image without alt text (htmx swaps the message in).
    form = panel.locator(".media-cover form").first
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": b"just some text, not a picture"}])
    form.locator('input[name="alt_text"]').fill("A field guide on a desk")
    form.locator('button[type="submit"]').click()
    expect(page.locator("#media-panels .form-errors")).to_contain_text("This file is not an image we can use")
    form = page.locator("#media-panels .media-cover form").first
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": _png((30, 90, 160))}])
    form.locator('input[name="alt_text"]').fill("")
    form.locator('button[type="submit"]').click()
    expect(page.locator("#media-panels .form-errors")).to_contain_text("alt text")

    # Accepted: the panel shows the stored image as the preview.
    colour = (20 + width % 200, 120, 60)
    form = page.locator("#media-panels .media-cover form").first
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": _png(colour)}])
    form.locator('input[name="alt_text"]').fill("A field guide on a desk")
    form.locator('button[type="submit"]').click()
    expect(page.locator("#media-panels [role=status]")).to_have_text("The cover image was saved.")
    preview = page.locator("#media-panels .media-cover img.cover")
    expect(preview).to_have_attribute("alt", "A field guide on a desk")
    new_src = preview.get_attribute("src")
    assert new_src != old_src and re.fullmatch(r"/media/images/cover/[0-9a-f]{32}/\d+\.webp", new_src)
    _loaded(page, "#media-panels .media-cover img.cover")

    # The storefront: the new cover on the card and the product page; the coaching keeps its placeholder.
    page.goto(f"{STORE}/")
    card = page.locator(f'.product-card[data-slug="{EBOOK}"]')
    expect(card.locator("img.cover")).to_have_attribute("alt", "A field guide on a desk")
    assert "640w" in card.locator("img.cover").get_attribute("srcset")
    card.locator("img.cover").scroll_into_view_if_needed()
    _loaded(page, f'.product-card[data-slug="{EBOOK}"] img.cover')
    expect(page.locator('.product-card[data-slug="one-on-one-coaching"] svg.placeholder.cover')).to_be_visible()
    page.goto(f"{STORE}/products/{EBOOK}")
    _loaded(page, "img.cover.hero")
    used = page.locator("img.cover.hero").evaluate("img => img.currentSrc")
    assert re.search(r"/media/images/cover/[0-9a-f]{32}/\d+\.webp$", used)
    _fits(page, width, "img.cover.hero")
    og = page.locator('meta[property="og:image"]').get_attribute("content")
    assert og.startswith("http") and og.endswith("/1280.webp")


def test_a_download_file_uploaded_without_javascript_reaches_its_buyer(demo, new_context):
    ebook_id = _product_id(demo, EBOOK)
    creator = new_context(java_script_enabled=False, locale="en-US").new_page()
    log_in(creator, "creator@acme.test", demo.config["DEMO_PASSWORD"])
    creator.goto(f"/dashboard/acme/products/{ebook_id}/media")
    content = b"%PDF-1.7\n% The Data Analyst's Field Guide, 2nd edition\n"
    form = creator.locator(".media-file form").first
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": "field-guide-2nd.pdf", "mimeType": "application/pdf", "buffer": content}])
    form.locator('button[type="submit"]').click()
    expect(creator).to_have_url(re.compile(rf"/products/{ebook_id}/media$"))
    expect(creator.locator(".flash.success, .flash")).to_contain_text("The file was saved.")
    expect(creator.locator(".download-file")).to_have_text("Buyers get: field-guide-2nd.pdf")

    customer = new_context(locale="en-US").new_page()
    log_in(customer, "customer@acme.test", demo.config["DEMO_PASSWORD"])
    customer.goto(f"{STORE}/account/downloads")
    item = customer.locator("ul.downloads li").filter(has_text="The Data Analyst's Field Guide")
    with customer.expect_download() as info:
        item.locator("a").first.click()
    download = info.value
    assert download.suggested_filename == "field-guide-2nd.pdf"
    with open(download.path(), "rb") as fh:
        assert fh.read() == content

    # The learner (who did not buy it) has no such download; the link itself is refused to them.
    href = item.locator("a").first.get_attribute("href")
    learner = new_context(locale="en-US").new_page()
    log_in(learner, "learner@acme.test", demo.config["DEMO_PASSWORD"])
    learner.goto(f"{STORE}/account/downloads")
    expect(learner.locator("ul.downloads li").filter(has_text="The Data Analyst's Field Guide")).to_have_count(0)
    assert learner.context.request.get(href, max_redirects=0).status == 404


def test_an_admin_uploads_a_brand_logo_and_their_profile_photo(demo, new_context):
    page = new_context(viewport={"width": 390, "height": 900}, locale="en-US").new_page()
    log_in(page, "admin@acme.test", demo.config["DEMO_PASSWORD"])
    page.goto("/dashboard/acme/settings/brands")
    row = page.locator('.brand-row[data-brand="acme-academy"]')
    row.locator('input[type="file"]').set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png((79, 70, 229))}])
    row.locator('button[type="submit"]').first.click()
    expect(page.locator(".flash")).to_contain_text("The logo of Acme Academy was saved.")
    _loaded(page, '.brand-row[data-brand="acme-academy"] img.logo')
    page.goto(f"{STORE}/")
    _loaded(page, ".site-header .brand img")
    _fits(page, 390, ".site-header .brand img")
    # removed again: the other browser tests see the demo's header as it was
    page.goto("/dashboard/acme/settings/brands")
    page.locator('.brand-row[data-brand="acme-academy"] form', has_text="Remove the logo").locator("button").click()
    expect(page.locator(".flash")).to_contain_text("The logo of Acme Academy was removed.")
    page.goto(f"{STORE}/")
    expect(page.locator(".site-header .brand img")).to_have_count(0)

    page.goto("/dashboard/acme/profile/photo")
    expect(page.locator("#avatar-panel svg.placeholder")).to_be_visible()
    panel = page.locator("#avatar-panel")
    panel.locator('input[type="file"]').set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": _png((200, 160, 40))}])
    panel.locator('input[name="alt_text"]').fill("Margaret Hamilton")
    panel.locator('button[type="submit"]').first.click()
    expect(page.locator("#avatar-panel [role=status]")).to_have_text("Your profile photo was saved.")
    _loaded(page, "#avatar-panel img.avatar")
    assert page.locator("#avatar-panel img.avatar").evaluate("img => img.naturalWidth === img.naturalHeight")
