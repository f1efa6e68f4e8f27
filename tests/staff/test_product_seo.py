"""The search and sharing tab of a product: what is saved shows in the storefront's <head>, too long
text is refused on its field (never cut), the previews follow what is typed, and only the
product's editors get the page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.extensions import db
from app.orgs.models import OrgAuditLog
from app.platform.models import SeoMetadata
from tests.factories import PASSWORD
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

FULL = {
    "title": "Python for busy people",
    "description": "Learn Python in ten evenings.",
    "keywords": "python, programming, course",
    "canonical_url": "https://example.com/python",
    "robots_directive": "noindex,follow",
    "og_title": "The Python course everyone shares",
    "og_description": "Ten evenings, one new skill.",
    "og_image_url": "https://cdn.example.com/python.png",
    "og_image_alt": "A snake reading a book",
    "og_type": "article",
}


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def _url(a, suffix=""):
    return f"{a.dashboard}/products/{a.product_id}/seo{suffix}"


def _meta(html: str, attr: str, name: str) -> list[str]:
    return re.findall(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', html)


def test_every_saved_field_shows_in_the_storefront_head(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    page = admin.get(_url(academy))
    assert page.status_code == 200 and 'id="seo-form"' in text(page)

    r = admin.post(_url(academy), data=FULL)
    assert r.status_code == 303

    html = text(app.test_client().get(academy.product_url))
    assert "<title>Python for busy people · " in html
    assert _meta(html, "name", "description") == ["Learn Python in ten evenings."]
    assert _meta(html, "name", "keywords") == ["python, programming, course"]
    assert _meta(html, "name", "robots") == ["noindex,follow"]
    assert '<link rel="canonical" href="https://example.com/python">' in html
    assert _meta(html, "property", "og:title") == ["The Python course everyone shares"]
    assert _meta(html, "property", "og:description") == ["Ten evenings, one new skill."]
    assert _meta(html, "property", "og:image") == ["https://cdn.example.com/python.png"]
    assert _meta(html, "property", "og:image:alt") == ["A snake reading a book"]
    assert _meta(html, "property", "og:type") == ["article"]
    assert _meta(html, "property", "og:url") == ["https://example.com/python"]

    # The form shows what was saved; the change is in the audit log.
    again = text(admin.get(_url(academy)))
    assert 'value="Python for busy people"' in again and 'selected value="noindex,follow"' in again
    with app.app_context():
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == academy.product_id)))
        assert {"product.seo_updated", "product.og_updated"} <= actions


def test_emptied_fields_fall_back_to_the_products_own_text(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    assert admin.post(_url(academy), data=FULL).status_code == 303
    emptied = {**FULL, "title": "", "og_title": "", "keywords": "", "canonical_url": ""}
    assert admin.post(_url(academy), data=emptied).status_code == 303
    html = text(app.test_client().get(academy.product_url))
    assert "<title>Python Course · " in html
    assert _meta(html, "property", "og:title") == ["Python Course"]
    assert not _meta(html, "name", "keywords")
    assert '<link rel="canonical" href="https://example.com/python">' not in html


def test_too_long_text_is_refused_on_its_field_and_nothing_is_saved(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    data = {**FULL, "title": "t" * 61, "description": "d" * 161, "og_title": "o" * 96,
            "og_description": "p" * 301, "canonical_url": "not a url", "robots_directive": "sometimes"}
    r = admin.post(_url(academy), data=data)
    assert r.status_code == 422
    html = text(r)
    for field in ("title", "description", "og_title", "og_description", "canonical_url", "robots_directive"):
        assert f'id="{field}-error"' in html, field
    assert "at most 60 characters" in html and "at most 160 characters" in html
    assert "at most 95 characters" in html and "at most 300 characters" in html
    assert 'value="' + "t" * 61 + '"' in html  # what was typed is kept, not cut
    assert 'class="char-counter over"' in html  # the server counts too (without JavaScript)
    assert 'maxlength' not in html  # a browser never cuts a pasted text without a word
    with app.app_context():
        product = db.session.get(OrgProduct, academy.product_id)
        assert product.seo_metadata is None or product.seo_metadata.title != "t" * 61


def test_unstorable_text_is_a_message_not_a_500(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    r = admin.post(_url(academy), data={**FULL, "title": "Py\x00thon"})
    assert r.status_code in (400, 422)
    r = admin.post(_url(academy, "/preview"), data={**FULL, "og_title": "A\x00B"})
    assert r.status_code in (200, 400, 422)


def test_the_preview_shows_what_is_typed(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    r = admin.post(_url(academy, "/preview"), data={**FULL, "title": "Typed title", "og_title": ""},
                   headers={"HX-Request": "true", "HX-Target": "seo-preview"})
    assert r.status_code == 200
    html = text(r)
    assert html.lstrip().startswith("{#") is False and 'id="seo-preview"' in html and "<html" not in html
    assert "Typed title · " in html  # the search result
    assert re.search(r"data-preview-og-title>Typed title<", html)  # the card falls back to the title
    assert "https://cdn.example.com/python.png" in html
    assert "Search engines are asked not to show this product." in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SeoMetadata).where(
            SeoMetadata.title == "Typed title")) == 0  # nothing stored


def test_who_may_open_the_tab(app, login, academy):
    for email, status in ((academy.admin_email, 200), (academy.creator_email, 200),
                          (academy.other_creator_email, 403), (academy.staff_email, 403),
                          (academy.learner_email, 403)):
        client = _as(app, login, email)
        assert client.get(_url(academy)).status_code == status, email
        assert client.post(_url(academy), data=FULL).status_code == (303 if status == 200 else status), email
        assert client.post(_url(academy, "/preview"), data=FULL).status_code == status, email


def test_another_orgs_product_is_404(app, login, academy):
    with app.app_context():
        other = assessment_fixtures.build_academy()
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    assert admin.get(f"{academy.dashboard}/products/{other.product_id}/seo").status_code == 404
    assert admin.post(f"{academy.dashboard}/products/{other.product_id}/seo", data=FULL).status_code == 404
