"""The demo data: idempotent, complete (every requirement of the demo is present) and browsable."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app

from app.accounting import ledger
from app.accounts.models import User, UserJobProfile, UserProfile
from app.accounts.services import authenticate
from app.catalog.models import (
    OrgDiscount,
    OrgEmployeeProductAttribution,
    OrgProduct,
    OrgProductCollection,
    OrgProductReview,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.courses.models import (
    LESSON_TYPES,
    OrgLesson,
    OrgLessonTranslation,
    OrgProductCourse,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseModuleTranslation,
)
from app.db import utcnow
from app.demo import demo_summary
from app.demo_data import ARCHIVED_PRODUCT, DRAFT_PRODUCT, EU_DOMAIN, NOT_IN_LATAM_PRODUCT
from app.extensions import db
from app.giftcards.models import OrgGiftCard
from app.markets.models import OrgBrand, OrgMarket
from app.markets.services import get_market, market_for_host
from app.orgs.models import OrgEmployee, OrgMember
from app.orgs.services import get_employee, get_org_by_slug
from app.revenue import earnings
from app.tax.models import OrgTaxCategory
from app.tax.services import rate_for


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    """The demo creates ten users; hashing their passwords with the production argon2 cost
    dominates the run time. A cheap argon2 hash keeps the same code path."""
    from argon2 import PasswordHasher

    from app.accounts import services as accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hash_password", cheap.hash)


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


# Every test here runs on the demo loaded once for the module (tests/conftest.py demo_data);
# loading it twice from an empty database is tests/test_demo_load.py.
pytestmark = [pytest.mark.module_data, pytest.mark.usefixtures("demo_data")]


@pytest.fixture
def demo(db_session):
    return get_org_by_slug("acme"), get_org_by_slug("globex")


# ---- organizations and markets ---------------------------------------------------------------

def _market_facts(org, slug):
    market = get_market(org, slug)
    return {
        "type": market.type,
        "currency": market.currency_code,
        "default": market.default_locale_key,
        "locales": [loc.locale_key for loc in market.locales],
        "countries": {c.country_code: c.default_locale_key for c in market.countries},
        "tax_inclusive": market.tax_inclusive,
        "brand": market.brand.name if market.brand else None,
        "domains": [d.host for d in market.domains],
    }


def test_acme_markets_locales_countries_and_domain(demo):
    acme, globex = demo
    assert acme.name == "Acme Academy" and acme.default_locale_key == "en"
    assert sorted(loc.locale_key for loc in acme.locales) == ["de", "en", "es", "fr"]

    us = _market_facts(acme, "us")
    assert us == {"type": "single_country", "currency": "USD", "default": "en", "locales": ["en"],
                  "countries": {"US": None}, "tax_inclusive": False, "brand": "Acme Academy", "domains": []}
    eu = _market_facts(acme, "eu")
    assert (eu["type"], eu["currency"], eu["default"], eu["tax_inclusive"], eu["brand"]) == (
        "multi_region", "EUR", "de", True, "Acme Europe")
    assert sorted(eu["locales"]) == ["de", "en", "fr"]
    assert eu["countries"] == {"DE": "de", "AT": "de", "FR": "fr", "BE": "fr"}
    assert eu["domains"] == [EU_DOMAIN]
    latam = _market_facts(acme, "latam")
    assert (latam["type"], latam["currency"], latam["locales"]) == ("linguistic", "USD", ["es"])
    assert set(latam["countries"]) == {"MX", "AR", "CO", "CL"}

    assert market_for_host(f"{EU_DOMAIN}:5000").slug == "eu"
    colours = {b.name: b.primary_color for b in db.session.scalars(
        sa.select(OrgBrand).where(OrgBrand.org_id == acme.id))}
    assert colours["Acme Academy"] == "#4f46e5" and colours["Acme Europe"] != "#4f46e5"
    assert globex.name == "Globex Institute"
    assert [(m.slug, m.currency_code) for m in db.session.scalars(
        sa.select(OrgMarket).where(OrgMarket.org_id == globex.id))] == [("global", "USD")]


def test_tax_rates(demo):
    acme, _globex = demo
    now = utcnow()
    categories = {c.code: c for c in db.session.scalars(sa.select(OrgTaxCategory).where(
        OrgTaxCategory.org_id == acme.id))}
    assert set(categories) == {"digital-services", "e-books", "physical-goods"}

    def rate(code, country, subdivision=None):
        found = rate_for(acme, category_id=categories[code].id, country_code=country,
                         subdivision_code=subdivision, at=now)
        return found.rate if found.type == "percent" else (found.amount, found.currency_code)

    assert [rate("digital-services", c) for c in ("DE", "FR", "AT", "BE", "MX")] == [
        Decimal("0.19"), Decimal("0.20"), Decimal("0.20"), Decimal("0.21"), Decimal("0.16")]
    assert rate("digital-services", "US", "US-NY") == Decimal("0.08875")
    assert rate("digital-services", "US", "US-CA") == Decimal("0")  # falls back to the country
    assert (rate("e-books", "DE"), rate("e-books", "FR")) == (Decimal("0.07"), Decimal("0.055"))
    assert rate("physical-goods", "DE") == Decimal("0.19")
    assert rate("physical-goods", "US", "US-CO") == (Decimal("0.29"), "USD")


# ---- catalog ---------------------------------------------------------------------------------

def test_every_plan_is_priced_in_every_market_except_the_deliberate_gap(demo):
    missing = []
    for org in demo:
        markets = {m.id: m.slug for m in db.session.scalars(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))}
        rows = db.session.execute(
            sa.select(OrgProduct.slug, OrgProductVariantPaymentPlan.id)
            .join(OrgProductVariant, OrgProductVariant.product_id == OrgProduct.id)
            .join(OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlan.variant_id == OrgProductVariant.id)
            .where(OrgProduct.org_id == org.id)
        ).all()
        assert rows
        for slug, plan_id in rows:
            priced = {p.market_id: p for p in db.session.scalars(sa.select(OrgProductVariantPaymentPlanMarketPrice)
                                                                  .where(OrgProductVariantPaymentPlanMarketPrice.plan_id == plan_id))}
            for market_id, market_slug in markets.items():
                if market_id not in priced:
                    missing.append((org.slug, slug, market_slug))
                else:
                    currency = {"eu": "EUR"}.get(market_slug, "USD")
                    assert priced[market_id].currency_code == currency
    assert set(missing) == {("acme", NOT_IN_LATAM_PRODUCT, "latam")}


def test_products_statuses_types_and_plans(demo):
    acme, globex = demo
    products = {p.slug: p for p in db.session.scalars(sa.select(OrgProduct).where(OrgProduct.org_id == acme.id))}
    assert Counter(p.status for p in products.values()) == {"published": 6, "draft": 1, "archived": 1}
    assert products[DRAFT_PRODUCT].status == "draft"
    assert products[ARCHIVED_PRODUCT].status == "archived"
    assert {p.type for p in products.values() if p.is_published} == {"course", "digital_download", "service",
                                                                       "physical"}
    ebook = products["data-analyst-field-guide"]
    assert ebook.tax_category_id is not None and ebook.variants[0].download_url
    workbook = products[NOT_IN_LATAM_PRODUCT]
    assert workbook.type == "physical" and workbook.variants[0].requires_shipping

    plans = list(db.session.scalars(sa.select(OrgProductVariantPaymentPlan).where(
        OrgProductVariantPaymentPlan.org_id == acme.id)))
    assert {p.type for p in plans} == {"one_time", "subscription", "usage_based"}
    assert {p.access_tier for p in plans} == {1, 2, 3}
    trial = [p for p in plans if p.type == "subscription" and p.subscription.trial_period_days == 14]
    assert trial and trial[0].subscription.interval == "month"
    usage = next(p for p in plans if p.type == "usage_based")
    assert (usage.usage_based.usage_unit, usage.usage_based.included_units) == ("question", 50)
    assert all(mp.price_per_unit is not None for mp in usage.market_prices)

    python = products["python-for-data-analysis"]
    eu = get_market(acme, "eu")
    prices = {p.name: next(mp.price for mp in p.market_prices if mp.market_id == eu.id)
              for p in python.variants[0].plans}
    assert prices == {"Basic": Decimal("49"), "Premium": Decimal("99"), "VIP": Decimal("29")}

    translated = db.session.scalars(sa.select(OrgProductTranslation.locale_key).where(
        OrgProductTranslation.product_id == python.id))
    assert sorted(translated) == ["de", "es", "fr"]
    assert python.translation_for("de").name == "Python für die Datenanalyse"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgProduct).where(
        OrgProduct.org_id == globex.id)) == 3

    collections = {c.slug for c in db.session.scalars(sa.select(OrgProductCollection).where(
        OrgProductCollection.org_id == acme.id))}
    assert collections == {"data-skills", "bestsellers"}
    reviews = list(db.session.scalars(sa.select(OrgProductReview).where(OrgProductReview.org_id == acme.id)))
    assert len(reviews) >= 3 and all(r.rating >= 4 and r.body for r in reviews)
    codes = {d.code: d for d in db.session.scalars(sa.select(OrgDiscount).where(OrgDiscount.org_id == acme.id))}
    assert (codes["WELCOME10"].type, codes["WELCOME10"].value, codes["WELCOME10"].market_id) == (
        "percent", Decimal("10"), eu.id)
    assert (codes["LAUNCH5"].type, codes["LAUNCH5"].value, codes["LAUNCH5"].currency_code) == (
        "fixed", Decimal("5"), "USD")


# ---- courses ---------------------------------------------------------------------------------

def test_courses_lessons_tiers_and_reuse(demo):
    acme, _globex = demo
    published_courses = list(db.session.scalars(
        sa.select(OrgProductCourse).join(OrgProduct, OrgProduct.id == OrgProductCourse.product_id)
        .where(OrgProduct.org_id == acme.id, OrgProduct.status == "published")
    ))
    assert len(published_courses) >= 3
    for course in published_courses:
        assert len(course.modules) >= 3 and course.skills
        assert all(module.sections for module in course.modules)

    lessons = list(db.session.scalars(sa.select(OrgLesson).where(OrgLesson.org_id == acme.id)))
    assert {lesson.type for lesson in lessons} == set(LESSON_TYPES)
    assert all(lesson.video_url for lesson in lessons if lesson.type == "video")
    assert all(lesson.file_url for lesson in lessons if lesson.type == "file")
    quizzes = [lesson for lesson in lessons if lesson.type == "quiz"]
    assert all(q.pass_mark_percent and 2 <= len(q.questions) <= 3 for q in quizzes)
    assert {question.kind for q in quizzes for question in q.questions} == {"single", "multiple"}
    assert any("```" in (lesson.content or "") for lesson in lessons if lesson.type == "text")

    placement = OrgProductCourseModuleSectionLesson
    course_count = (
        sa.select(placement.lesson_id, sa.func.count(sa.distinct(OrgProductCourseModule.course_product_id)))
        .join(OrgProductCourseModuleSection, OrgProductCourseModuleSection.id == placement.section_id)
        .join(OrgProductCourseModule, OrgProductCourseModule.id == OrgProductCourseModuleSection.module_id)
        .where(placement.org_id == acme.id)
        .group_by(placement.lesson_id)
        .having(sa.func.count(sa.distinct(OrgProductCourseModule.course_product_id)) >= 2)
    )
    assert db.session.execute(course_count).all()

    tiers = lambda model: set(db.session.scalars(  # noqa: E731
        sa.select(model.required_access_tier).where(model.org_id == acme.id)))
    assert tiers(OrgProductCourseModule) == {1, 2, 3}
    assert tiers(OrgProductCourseModuleSection) == {1, 2, 3}
    assert tiers(placement) == {1, 2, 3}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(placement).where(
        placement.org_id == acme.id, placement.is_free_preview.is_(True))) >= 1

    for model in (OrgProductCourseModuleTranslation, OrgLessonTranslation):
        locales = set(db.session.scalars(sa.select(model.locale_key).where(model.org_id == acme.id)))
        assert locales == {"de", "fr", "es"}


# ---- people, revenue and gift cards -----------------------------------------------------------

def test_people_roles_job_profiles_and_attributions(demo):
    acme, globex = demo
    roles = set(db.session.scalars(sa.select(OrgEmployee.role).where(OrgEmployee.org_id == acme.id)))
    assert roles == {"admin", "manager", "creator", "staff"}
    for email in ("admin@acme.test", "manager@acme.test", "creator@acme.test", "staff@acme.test",
                  "learner@acme.test", "customer@acme.test"):
        user = _user(email)
        assert user is not None and user.email_verified_at is not None
    assert {m.membership_type for m in db.session.scalars(sa.select(OrgMember).where(
        OrgMember.org_id == acme.id))} >= {"learner", "customer"}

    assert authenticate("manager@acme.test", current_app.config["DEMO_PASSWORD"]).email == "manager@acme.test"

    grace = get_employee(acme, _user("creator@acme.test"))
    assert grace.job_profile.slug == "grace-hopper" and grace.job_profile.is_public
    alan = _user("creator2@acme.test")
    acme_alan, globex_alan = get_employee(acme, alan), get_employee(globex, alan)
    assert acme_alan.job_profile_id == globex_alan.job_profile_id is not None
    assert db.session.get(UserJobProfile, acme_alan.job_profile_id).slug == "alan-turing"
    assert db.session.scalar(sa.select(UserProfile.display_name).join(
        UserJobProfile, UserJobProfile.user_profile_id == UserProfile.id).where(
        UserJobProfile.id == acme_alan.job_profile_id)) == "Alan Turing"

    python = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.org_id == acme.id,
                                                           OrgProduct.slug == "python-for-data-analysis"))
    shares = {a.attribution_type: a.revenue_share_percentage for a in db.session.scalars(
        sa.select(OrgEmployeeProductAttribution).where(OrgEmployeeProductAttribution.product_id == python.id))}
    assert shares == {"creator": Decimal("70"), "collaborator": Decimal("10")}
    totals = db.session.execute(
        sa.select(OrgEmployeeProductAttribution.product_id, sa.func.sum(
            OrgEmployeeProductAttribution.revenue_share_percentage))
        .group_by(OrgEmployeeProductAttribution.product_id)
    ).all()
    assert totals and all(total <= 100 for _id, total in totals)


def test_gift_cards(demo):
    acme, _globex = demo
    cards = list(db.session.scalars(sa.select(OrgGiftCard).where(OrgGiftCard.org_id == acme.id)))
    usable = {(c.currency_code, c.current_balance) for c in cards if c.is_usable()}
    assert usable == {("EUR", Decimal("50")), ("USD", Decimal("25"))}
    assert any(c.is_expired() for c in cards)
    assert any(not c.is_active for c in cards)
    staff = get_employee(acme, _user("staff@acme.test"))
    assert {c.issued_by_employee_id for c in cards} == {staff.id}


def test_demo_orders_give_the_learner_tier_1_and_the_customer_usage_and_a_download(demo):
    from app.entitlements.models import OrgMemberSubscription
    from app.entitlements.services import member_access_tier
    from app.orders import billing
    from app.orders.models import OrgMemberOrder, OrgMemberOrderItem

    acme, _globex = demo

    def member(email):
        return db.session.scalar(sa.select(OrgMember).join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
                                 .join(User, User.id == UserProfile.user_id)
                                 .where(User.email == email, OrgMember.org_id == acme.id))

    def product(slug):
        return db.session.scalar(sa.select(OrgProduct).where(OrgProduct.org_id == acme.id, OrgProduct.slug == slug))

    learner, customer = member("learner@acme.test"), member("customer@acme.test")
    assert member_access_tier(learner, product("python-for-data-analysis")) == 1
    statuses = set(db.session.scalars(sa.select(OrgMemberOrder.status).where(OrgMemberOrder.org_id == acme.id)))
    assert statuses == {"fulfilled"}
    [usage_sub] = db.session.scalars(sa.select(OrgMemberSubscription).where(
        OrgMemberSubscription.member_id == customer.id)).all()
    assert billing.usage_this_period(usage_sub) == 64 and usage_sub.status == "active"
    fulfilment = set(db.session.scalars(sa.select(OrgMemberOrderItem.fulfilment_status).join(OrgMemberOrder)
                                        .where(OrgMemberOrder.member_id == customer.id)))
    assert fulfilment == {"fulfilled", "requested"}
    trialing = db.session.scalar(sa.select(OrgMemberSubscription.status).where(
        OrgMemberSubscription.member_id == member("amelie@acme.test").id))
    assert trialing == "trialing"


def test_demo_books_balance_with_earnings_a_refund_and_a_payout(demo):
    acme, _globex = demo
    assert ledger.check(acme.id) == []
    grace = db.session.scalar(sa.select(OrgEmployee).join(OrgMember, OrgMember.id == OrgEmployee.member_id)
                              .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
                              .join(User, User.id == UserProfile.user_id)
                              .where(User.email == "creator@acme.test", OrgEmployee.org_id == acme.id))
    usd = next(t for t in earnings.totals(grace) if t.currency == "USD")
    assert usd.earned > usd.paid == Decimal("50.00") and usd.refunded < 0
    assert usd.pending == ledger.balance(acme.id, "USD", "creator_payable", grace.id)
    months_with_sales = [m for m in earnings.by_month(grace, utcnow().date())["USD"] if m.earned]
    assert len(months_with_sales) >= 3  # the chart has something to show


def test_summary_lists_storefronts_and_logins():
    urls, logins = demo_summary("http://127.0.0.1:5050")
    links = [url for _label, url in urls]
    for expected in ("http://127.0.0.1:5050/acme/us/", "http://127.0.0.1:5050/acme/eu/",
                     "http://127.0.0.1:5050/acme/latam/", "http://127.0.0.1:5050/globex/global/",
                     "http://eu.acme.localhost:5050/", "http://127.0.0.1:5050/creators/grace-hopper"):
        assert expected in links
    assert any("/products/" in url for url in links)
    assert ("Org admin (Acme)", "admin@acme.test") in logins
    assert {email for _role, email in logins} >= {
        "admin@acme.test", "manager@acme.test", "creator@acme.test", "staff@acme.test", "learner@acme.test",
        "customer@acme.test"}


# ---- the storefront ------------------------------------------------------------------------

def _product_links(html: str) -> set[str]:
    return set(re.findall(r'href="[^"]*/products/([a-z0-9-]+)"', html))


def test_demo_storefronts_in_the_browser(app, client):
    us = client.get("/acme/us/en/")
    assert us.status_code == 200
    html = us.get_data(as_text=True)
    links = _product_links(html)
    assert {"python-for-data-analysis", "sql-essentials", NOT_IN_LATAM_PRODUCT} <= links
    assert DRAFT_PRODUCT not in links and ARCHIVED_PRODUCT not in links
    assert DRAFT_PRODUCT not in html
    assert "Python for Data Analysis" in html and "$29.00" in html

    eu = client.get("/acme/eu/de/")
    assert eu.status_code == 200
    html = eu.get_data(as_text=True)
    assert "Python für die Datenanalyse" in html and "SQL-Grundlagen" in html
    assert "29,00\xa0€" in html or "29,00 €" in html
    assert DRAFT_PRODUCT not in _product_links(html)

    latam = client.get("/acme/latam/es/")
    assert latam.status_code == 200
    assert NOT_IN_LATAM_PRODUCT not in _product_links(latam.get_data(as_text=True))
    assert client.get(f"/acme/latam/es/products/{NOT_IN_LATAM_PRODUCT}").status_code == 404

    page = client.get("/acme/us/en/products/python-for-data-analysis")
    assert page.status_code == 200
    # B: the demo products have generated covers, served in their sizes; coaching keeps the placeholder
    cover = re.search(r'<img class="cover hero" src="(/media/images/cover/[0-9a-f]+/\d+\.webp)"', page.get_data(as_text=True))
    assert cover and client.get(cover.group(1)).headers["Content-Type"] == "image/webp"
    coaching = client.get("/acme/us/en/products/one-on-one-coaching").get_data(as_text=True)
    assert "data-placeholder" in coaching and 'class="cover hero"' not in coaching
    assert client.get("/globex/global/en/").status_code == 200
    alan = client.get("/creators/alan-turing").get_data(as_text=True)
    assert "Introduction to Cryptography" in alan and "SQL Essentials" in alan

    entry = client.get("/", headers={"Host": EU_DOMAIN})
    assert entry.status_code == 302 and entry.headers["Location"].endswith("/de/")
    assert client.get("/de/", headers={"Host": EU_DOMAIN}).status_code == 200


def test_demo_users_can_log_in_with_the_demo_password(app, client, login):
    response = login(client, "admin@acme.test", app.config["DEMO_PASSWORD"])
    assert response.status_code in (302, 303)


# ---- purchases as the demo users ---------------------------------------------------------------

DEMO_LOGINS = [email for _role, email in demo_summary("http://127.0.0.1:5000")[1]]


def _plan_id(org_slug: str, product_slug: str, plan_name: str) -> str:
    org = get_org_by_slug(org_slug)
    product = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.org_id == org.id,
                                                            OrgProduct.slug == product_slug))
    return next(p.id for v in product.variants for p in v.plans if p.name == plan_name)


def _buy(client, store: str, plan_id: str, **fields) -> str:
    """Add the plan to the cart, place the order with ``fields``, pay on the manual provider's
    test page; returns the receipt page."""
    assert client.post(f"{store}/cart/items", data={"plan_id": plan_id}).status_code == 303
    page = client.get(f"{store}/checkout")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    form = dict(re.findall(r'name="(cart_fingerprint|submission|billing_name|billing_email)"[^>]*value="([^"]*)"',
                           html))
    placed = client.post(f"{store}/checkout", data={**form, **fields, "action": "place"})
    assert placed.status_code == 303, re.findall(r'class="(?:error|flash[^"]*)"[^>]*>([^<]+)', placed.get_data(
        as_text=True))
    pay_url = placed.headers["Location"]
    assert pay_url.endswith("/pay")
    paid = client.post(pay_url, data={"outcome": "pay"})
    assert paid.status_code == 303
    return client.get(paid.headers["Location"]).get_data(as_text=True)


def test_every_demo_login_is_printed_and_has_a_reserved_test_address():
    assert len(DEMO_LOGINS) == 8 and all(email.endswith(".test") for email in DEMO_LOGINS)


@pytest.mark.parametrize("email", DEMO_LOGINS)
def test_the_readme_purchase_works_as_every_demo_user(app, client, login, email):
    """README: in the EU store, with the discount code WELCOME10 and the gift card ACME-GIFT-EU50."""
    with app.app_context():
        premium = _plan_id("acme", "python-for-data-analysis", "Premium")
    assert login(client, email, app.config["DEMO_PASSWORD"]).status_code == 303
    receipt = _buy(client, "/acme/eu/de", premium, billing_country="DE", discount_code="WELCOME10",
                   gift_card_codes="ACME-GIFT-EU50")
    assert 'data-status="fulfilled"' in receipt
    with app.app_context():
        from app.orders.models import OrgMemberOrder

        order = db.session.scalar(sa.select(OrgMemberOrder).where(OrgMemberOrder.billing_email == email)
                                  .order_by(OrgMemberOrder.created_at.desc()))
        assert order.status == "fulfilled"
        assert (order.discount_amount, order.total_amount, order.gift_card_amount, order.amount_due) == (
            Decimal("9.90"), Decimal("89.10"), Decimal("50.00"), Decimal("39.10"))


def test_globex_sells_to_the_countries_of_its_market(app, client, login):
    with app.app_context():
        assert get_market(get_org_by_slug("globex"), "global").country_codes  # it has countries to sell to
        standard = _plan_id("globex", "introduction-to-cryptography", "Standard")
    assert login(client, "admin@globex.test", app.config["DEMO_PASSWORD"]).status_code == 303
    client.post("/globex/global/en/cart/items", data={"plan_id": standard})
    cart = client.get("/globex/global/en/cart")
    assert cart.status_code == 200 and "cannot take orders" not in cart.get_data(as_text=True)
    client.post("/globex/global/en/cart/items/" + standard + "/delete")
    receipt = _buy(client, "/globex/global/en", standard, billing_country="US")
    assert 'data-status="fulfilled"' in receipt and "$69.00" in receipt
