"""Brands (issue 13 point 2): the WCAG contrast rule of a brand colour (app.checks.contrast_ratio,
app.markets.services.check_brand_color), creating and editing a brand in the dashboard
(/dashboard/<org>/settings/brands), and what a market's brand changes for its buyers: the
storefront's header, tagline, colour and page titles, and the receipt email (sender, subject, body).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProduct, OrgProductVariantPaymentPlan
from app.checks import WCAG_AA_NORMAL_TEXT, contrast_ratio
from app.demo_data import ACME_ORG, GLOBEX_ORG
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import OrgBrand, OrgMarket
from app.markets.services import check_brand_color, update_brand
from app.orgs.models import Org, OrgAuditLog, OrgMember
from app.platform import email
from app.platform.models import EmailOutbox
from tests.factories import (
    PASSWORD,
    make_brand,
    make_employee,
    make_market,
    make_member,
    make_org,
    make_priced_plan,
    make_product,
    make_user,
    org_admin,
    unique,
)
from tests.staff.order_fixtures import buy

BRAND = "Acme EU Brand"
TAGLINE = "Courses for Europe, in your language."


def text(response) -> str:
    return response.get_data(as_text=True)


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', html)
    assert found, f"no error on {field}"
    return found.group(1)


# ---- the contrast rule ---------------------------------------------------------------------------

@pytest.mark.parametrize(("color", "ratio"), [
    ("#4f46e5", 6.29),  # indigo-600: the default brand colour
    ("#ffff00", 1.07),  # yellow
    ("#767676", 4.54),  # the lightest grey that passes AA on white
    ("#777777", 4.48),  # one step lighter: fails
    ("#000000", 21.0),
    ("#ffffff", 1.0),
])
def test_contrast_ratio_of_white_text_matches_known_values(color, ratio):
    assert contrast_ratio("#ffffff", color) == pytest.approx(ratio, abs=0.005)
    assert contrast_ratio(color, "#ffffff") == contrast_ratio("#ffffff", color)  # order does not matter


def test_a_brand_colour_must_carry_white_text_at_wcag_aa(app):
    with app.test_request_context():
        assert check_brand_color(" #4F46E5 ") == "#4f46e5"
        assert check_brand_color("#767676") == "#767676"
        for color, shown in (("#ffff00", "1.07:1"), ("#777777", "4.47:1")):  # never rounded up to 4.50
            with pytest.raises(ValidationError) as refused:
                check_brand_color(color)
            assert refused.value.field == "primary_color"
            assert shown in refused.value.message and "4.5:1" in refused.value.message
        with pytest.raises(ValidationError) as refused:
            check_brand_color("blue")
        assert refused.value.field == "primary_color" and "six hexadecimal digits" in refused.value.message


def test_the_demo_brand_colours_pass():
    colours = [b["primary_color"] for spec in (ACME_ORG, GLOBEX_ORG) for b in spec["brands"].values()]
    assert colours and all(contrast_ratio("#ffffff", c) >= WCAG_AA_NORMAL_TEXT for c in colours)


def test_update_brand_checks_like_create_and_audits(db_session):
    org = make_org()
    admin = org_admin(org)
    brand = make_brand(org, name="First", slug="first")
    make_brand(org, name="Second", slug="second")
    with pytest.raises(ValidationError) as taken:
        update_brand(brand, name="First", slug="second", primary_color="#4f46e5", tagline=None, by=admin)
    assert taken.value.field == "slug"
    with pytest.raises(ValidationError) as long_tagline:
        update_brand(brand, name="First", slug="first", primary_color="#4f46e5", tagline="x" * 121, by=admin)
    assert long_tagline.value.field == "tagline"
    update_brand(brand, name="First Brand", slug="first", primary_color="#0F766E", tagline="  Learn well. ", by=admin)
    assert (brand.name, brand.primary_color, brand.tagline) == ("First Brand", "#0f766e", "Learn well.")
    entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.action == "brand.updated",
                                                           OrgAuditLog.entity_id == brand.id))
    assert entry.data["after"] == {"name": "First Brand", "primary_color": "#0f766e", "tagline": "Learn well."}


# ---- the dashboard -------------------------------------------------------------------------------

@dataclass
class BrandShop:
    org_id: str
    slug: str
    admin_email: str
    brand_id: str
    product_name: str
    product_slug: str

    @property
    def dashboard(self) -> str:
        return f"/dashboard/{self.slug}"

    @property
    def store(self) -> str:
        return f"/{self.slug}/eu/en"


@pytest.fixture
def brandshop(app) -> BrandShop:
    """An org whose EUR market "eu" sells under the brand "Acme EU Brand" (with a tagline); one
    published course priced there."""
    with app.app_context():
        org = make_org(unique("brandco"))
        admin_user = make_user(f"{unique('admin')}@example.com")
        make_employee(org, admin_user, role="admin")
        brand = make_brand(org, name=BRAND, slug="acme-eu", primary_color="#0f766e", tagline=TAGLINE)
        market = make_market(org, "eu", name="Europe", locale_keys=("en",), brand=brand)
        product = make_product(org, name="Python Course", slug=unique("python"))
        make_priced_plan(market, product=product)
        db.session.commit()
        return BrandShop(org.id, org.slug, admin_user.email, brand.id, product.name, product.slug)


def _admin(app, login, shop: BrandShop):
    client = app.test_client()
    assert login(client, shop.admin_email, PASSWORD).status_code in (302, 303)
    return client


def _brands(shop: BrandShop) -> list[OrgBrand]:
    return list(db.session.scalars(sa.select(OrgBrand).where(OrgBrand.org_id == shop.org_id).order_by(OrgBrand.slug)))


def test_an_admin_creates_a_brand_with_colour_and_tagline_and_sees_it_listed(app, login, brandshop):
    admin = _admin(app, login, brandshop)
    assert admin.get(f"{brandshop.dashboard}/settings/brands/new").status_code == 200
    r = admin.post(f"{brandshop.dashboard}/settings/brands/new",
                   data={"name": "Acme Kids", "slug": "acme-kids", "primary_color": "#B91C1C",
                         "tagline": "Coding for young minds."})
    assert r.status_code == 303
    page = text(admin.get(r.headers["Location"]))
    assert "The brand Acme Kids is saved." in page
    row = page[page.index('data-brand="acme-kids"'):]
    assert "Coding for young minds." in row[:2000] and "#b91c1c" in row[:2000]
    with app.app_context():
        assert [b.slug for b in _brands(brandshop)] == ["acme-eu", "acme-kids"]


def test_a_low_contrast_colour_is_refused_on_its_field_and_nothing_is_saved(app, login, brandshop):
    admin = _admin(app, login, brandshop)
    r = admin.post(f"{brandshop.dashboard}/settings/brands/new",
                   data={"name": "Sunny", "slug": "sunny", "primary_color": "#ffff00", "tagline": "Bright."})
    assert r.status_code == 422
    message = _field_error(text(r), "primary_color")
    assert "1.07:1" in message and "4.5:1" in message
    assert 'value="Sunny"' in text(r)  # what was typed stays in the form
    edit = admin.post(f"{brandshop.dashboard}/settings/brands/{brandshop.brand_id}",
                      data={"name": "Renamed", "slug": "acme-eu", "primary_color": "#777777", "tagline": "New"})
    assert edit.status_code == 422
    assert "4.47:1" in _field_error(text(edit), "primary_color")
    with app.app_context():
        brands = _brands(brandshop)
        assert [(b.slug, b.name, b.primary_color, b.tagline) for b in brands] == [
            ("acme-eu", BRAND, "#0f766e", TAGLINE)]


def test_an_admin_edits_a_brand_and_the_storefront_shows_it(app, login, brandshop):
    admin = _admin(app, login, brandshop)
    page = text(admin.get(f"{brandshop.dashboard}/settings/brands/{brandshop.brand_id}"))
    assert f'value="{BRAND}"' in page and 'value="#0f766e"' in page
    r = admin.post(f"{brandshop.dashboard}/settings/brands/{brandshop.brand_id}",
                   data={"name": "Acme Europa", "slug": "acme-eu", "primary_color": "#1d4ed8",
                         "tagline": "Lernen in Ihrer Sprache."})
    assert r.status_code == 303
    store = text(app.test_client().get(f"{brandshop.store}/"))
    assert '<span class="store-name">Acme Europa</span>' in store
    assert "Lernen in Ihrer Sprache." in store
    assert "/brand/1d4ed8.css" in store


def test_the_storefront_header_titles_and_accent_show_the_markets_brand(app, brandshop):
    client = app.test_client()
    catalog = text(client.get(f"{brandshop.store}/"))
    assert f'<span class="store-name">{BRAND}</span>' in catalog
    assert f'<p class="lead brand-tagline">{TAGLINE}</p>' in catalog
    assert f"<title>{BRAND}</title>" in catalog
    assert "/brand/0f766e.css" in catalog  # the colour is the accent
    product = text(client.get(f"{brandshop.store}/products/{brandshop.product_slug}"))
    assert f"<title>{brandshop.product_name} · {BRAND}</title>" in product
    cart = text(client.get(f"{brandshop.store}/cart"))
    assert re.search(rf"<title>[^<]+ · {BRAND}</title>", cart)


def test_the_receipt_email_of_an_order_in_a_branded_market_names_the_brand(app, login, brandshop):
    buyer = f"{unique('buyer')}@example.com"
    with app.app_context():
        org = db.session.get(Org, brandshop.org_id)
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
        plan = market_plan(market)
        member: OrgMember = make_member(org, make_user(buyer))
        order = buy(org, member, market, [plan])
        receipt = db.session.scalar(sa.select(EmailOutbox).where(EmailOutbox.kind == "order_receipt",
                                                                 EmailOutbox.org_id == org.id))
        assert receipt.subject == f"Your receipt for order {order.order_number} at {BRAND}"
        assert f"Thank you for your order at {BRAND}." in receipt.body_text
        assert org.name not in receipt.body_text
        assert receipt.from_name == BRAND
        app.config["MAIL_FROM"] = "Volmify <no-reply@volmify.example>"
        assert email.sender(receipt) == f"{BRAND} <no-reply@volmify.example>"
        number = order.order_number
        db.session.commit()
    # the buyer's order pages in that market carry the brand in their titles too
    client = app.test_client()
    assert login(client, buyer, PASSWORD).status_code in (302, 303)
    assert f"<title>My orders · {BRAND}</title>" in text(client.get(f"{brandshop.store}/account/orders/"))
    assert f"<title>Order {number} · {BRAND}</title>" in text(client.get(f"{brandshop.store}/account/orders/{number}"))


def market_plan(market):
    """(plan, product) of the course priced in ``market``."""
    plan = db.session.scalar(sa.select(OrgProductVariantPaymentPlan)
                             .where(OrgProductVariantPaymentPlan.org_id == market.org_id))
    product = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.org_id == market.org_id))
    return plan, product


def test_an_email_without_a_brand_keeps_the_configured_sender(app):
    with app.app_context():
        app.config["MAIL_FROM"] = "Volmify <no-reply@volmify.example>"
        message = email.queue_email("a@example.com", "Hi", "Body", from_name="  Acme\r\nEU  Brand ")
        assert message.from_name == "Acme EU Brand"  # one line: no header injection
        plain = email.queue_email("b@example.com", "Hi", "Body")
        assert email.sender(plain) == "Volmify <no-reply@volmify.example>"
        db.session.rollback()
