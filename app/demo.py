"""Demo data: two tenants (Acme Academy and Globex Institute) with markets, tax, a catalog of
courses and other products, people, reviews, gift cards and discounts.

Everything is built through the services, so the demo obeys the same rules as real use. The
few things without a service are written directly and say so where they happen: the platform
skill taxonomy, learners' course ratings, members' billing countries and back-dating one gift
card so that it is expired.

``load_demo()`` loads the reference data first and is idempotent: users, job profiles and skills
are fetched or created, and each org is built only when it does not exist yet (an org is built
in one transaction, so it is either complete or absent). It flushes and never commits; the
``flask seed demo`` command commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.accounts.jobs import create_job_profile
from app.accounts.models import User, UserJobProfile
from app.accounts.services import create_user, get_user_by_email, set_locale_preference
from app.catalog import services as catalog
from app.catalog.attributions import set_attribution
from app.courses.models import OrgProductCourseRating
from app.db import utcnow
from app.extensions import db
from app.giftcards.services import disable_gift_card, issue_gift_card
from app.learn import authoring as learn
from app.markets.services import create_brand, create_market, create_region
from app.orgs.models import Org, OrgEmployee, OrgMember
from app.orgs.services import add_employee, create_org, ensure_member, get_org_by_slug
from app.platform.models import Skill
from app.platform.reference import load_reference_data
from app.pricing.pipeline import LineInput, quote
from app.tax.services import create_category, create_rate

__all__ = ["database_is_empty", "demo_summary", "load_demo"]

ACME = "acme"
GLOBEX = "globex"
EU_DOMAIN = "eu.acme.localhost"
SHOWCASE_PRODUCT = "python-for-data-analysis"
CREATOR_SLUG = "grace-hopper"
CROSS_ORG_CREATOR_SLUG = "alan-turing"
DRAFT_PRODUCT = "machine-learning-foundations"
ARCHIVED_PRODUCT = "data-cheat-sheets-2019"
NOT_IN_LATAM_PRODUCT = "python-workbook-print"  # published, deliberately without a latam price

# Placeholder host for demo files that only exist in the demo (``.test`` never resolves).
FILES = "https://files.acme.test"
MDN_MEDIA = "https://interactive-examples.mdn.mozilla.net/media"
FRIDAY_MP4 = f"{MDN_MEDIA}/cc0-videos/friday.mp4"  # CC0 sample video with English captions
FRIDAY_VTT = f"{MDN_MEDIA}/examples/friday.vtt"
FLOWER_MP4 = f"{MDN_MEDIA}/cc0-videos/flower.mp4"
YT_PYTHON = "https://www.youtube-nocookie.com/embed/rfscVS0vtbw"  # freeCodeCamp: Learn Python
YT_SQL = "https://www.youtube-nocookie.com/embed/HXV3zeQKqGY"  # freeCodeCamp: SQL tutorial


# ---- entry points --------------------------------------------------------------------------

def database_is_empty() -> bool:
    """True when no organization exists yet (the demo is only loaded into an empty database)."""
    return db.session.scalar(sa.select(Org.id).limit(1)) is None


def demo_summary(base_url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The demo's storefront URLs (label, url) and logins (role, email) for ``flask seed info``."""
    base = base_url.rstrip("/")
    parts = urlsplit(base)
    port = f":{parts.port}" if parts.port else ""
    urls = [
        ("Acme: United States", f"{base}/{ACME}/us/"),
        ("Acme: Europe", f"{base}/{ACME}/eu/"),
        ("Acme: Europe (own domain)", f"{parts.scheme or 'http'}://{EU_DOMAIN}{port}/"),
        ("Acme: Latin America", f"{base}/{ACME}/latam/"),
        ("Globex: Global", f"{base}/{GLOBEX}/global/"),
        ("Product page", f"{base}/{ACME}/us/en/products/{SHOWCASE_PRODUCT}"),
        ("Creator profile", f"{base}/creators/{CREATOR_SLUG}"),
        ("Creator in two orgs", f"{base}/creators/{CROSS_ORG_CREATOR_SLUG}"),
    ]
    logins = [(person.role_label, person.email) for person in PEOPLE if person.role_label]
    return urls, logins


def load_demo() -> None:
    """Load the demo organizations (idempotent; flushes, never commits)."""
    load_reference_data()
    ctx = _Context(now=utcnow())
    _ensure_skills()
    for person in PEOPLE:
        ctx.users[person.key] = _ensure_user(person)
    ctx.jobs["grace"] = _ensure_job_profile(
        ctx.users["grace"], slug=CREATOR_SLUG, title="Data science instructor",
        bio=("Grace has taught programming and data analysis for more than fifteen years. She "
             "believes the best way to learn is to build something real, so every course of hers "
             "works with real datasets from the very first lesson."),
        years_of_experience=15, hourly_rate=Decimal("120.00"), skill_slugs=("python", "data-analysis", "sql"),
    )
    ctx.jobs["alan"] = _ensure_job_profile(
        ctx.users["alan"], slug=CROSS_ORG_CREATOR_SLUG, title="Mathematician and cryptography instructor",
        bio=("Alan teaches the mathematics behind computing: from SQL and data modelling to the "
             "ciphers that keep the internet safe. He teaches for Acme Academy and Globex Institute."),
        years_of_experience=20, hourly_rate=Decimal("150.00"), skill_slugs=("cryptography", "sql", "python"),
    )
    if get_org_by_slug(ACME, active_only=False) is None:
        _build_acme(ctx)
    if get_org_by_slug(GLOBEX, active_only=False) is None:
        _build_globex(ctx)
    db.session.flush()


# ---- people --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    key: str
    email: str
    name: str
    role_label: str | None = None
    locales: tuple[str, ...] = ("en",)  # the first is the default


PEOPLE: tuple[Person, ...] = (
    Person("admin", "admin@acme.test", "Margaret Hamilton", "Org admin (Acme)"),
    Person("manager", "manager@acme.test", "Katherine Johnson", "Manager (Acme)"),
    Person("grace", "creator@acme.test", "Grace Hopper", "Creator (Acme)"),
    Person("alan", "creator2@acme.test", "Alan Turing", "Creator (Acme and Globex)"),
    Person("staff", "staff@acme.test", "Dorothy Vaughan", "Staff (Acme)"),
    Person("learner", "learner@acme.test", "Lena Fischer", "Learner (Acme and Globex)", ("de", "en")),
    Person("customer", "customer@acme.test", "Carlos Ruiz", "Customer (Acme)", ("es", "en")),
    Person("amelie", "amelie@acme.test", "Amélie Dubois", None, ("fr",)),
    Person("sam", "sam@acme.test", "Sam Taylor", None, ("en",)),
    Person("globex_admin", "admin@globex.test", "Hedy Lamarr", "Org admin (Globex)"),
)


def _ensure_user(person: Person) -> User:
    user = get_user_by_email(person.email)
    if user is None:
        user = create_user(person.email, current_app.config["DEMO_PASSWORD"], person.name, verified=True)
    for position, key in enumerate(person.locales):
        set_locale_preference(user, key, proficiency="native" if position == 0 else "fluent",
                              is_default=position == 0)
    return user


def _ensure_job_profile(user: User, *, slug: str, **fields) -> UserJobProfile:
    existing = db.session.scalar(sa.select(UserJobProfile).where(UserJobProfile.slug == slug))
    return existing if existing is not None else create_job_profile(user, slug=slug, **fields)


# ---- skills (no service: the platform taxonomy is reference data, inserted directly) ---------

SKILLS: tuple[tuple[str, str, str | None], ...] = (
    ("data-science", "Data science", None),
    ("python", "Python", "data-science"),
    ("data-analysis", "Data analysis", "data-science"),
    ("sql", "SQL", "data-science"),
    ("machine-learning", "Machine learning", "data-science"),
    ("design", "Design", None),
    ("design-systems", "Design systems", "design"),
    ("marketing", "Marketing", None),
    ("security", "Security", None),
    ("cryptography", "Cryptography", "security"),
    ("project-management", "Project management", None),
)


def _ensure_skills() -> None:
    existing = {s.slug: s for s in db.session.scalars(sa.select(Skill))}
    for slug, name, parent in SKILLS:
        if slug not in existing:
            skill = Skill(slug=slug, name=name, parent_id=existing[parent].id if parent else None)
            db.session.add(skill)
            db.session.flush()
            existing[slug] = skill


# ---- building blocks -----------------------------------------------------------------------

@dataclass
class _Context:
    now: datetime
    users: dict[str, User] = field(default_factory=dict)
    jobs: dict[str, UserJobProfile] = field(default_factory=dict)

    @property
    def since(self) -> datetime:
        """A fixed start a year back (midnight), for tax rates and attributions."""
        return (self.now - timedelta(days=365)).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class _Org:
    org: Org
    markets: dict[str, Any] = field(default_factory=dict)
    employees: dict[str, OrgEmployee] = field(default_factory=dict)
    members: dict[str, OrgMember] = field(default_factory=dict)
    tax: dict[str, Any] = field(default_factory=dict)
    brands: dict[str, Any] = field(default_factory=dict)
    lessons: dict[str, Any] = field(default_factory=dict)
    products: dict[str, Any] = field(default_factory=dict)


def _tax(o: _Org, ctx: _Context, categories: dict[str, tuple[str, str]], regions: dict[str, tuple],
         rates: list[tuple]) -> None:
    """``rates``: (category code, region key, name, rate fraction or None, fixed amount or None, currency)."""
    for code, (name, description) in categories.items():
        o.tax[code] = create_category(o.org, code=code, name=name, description=description)
    region_rows = {
        key: create_region(o.org, name=name, country_code=country, subdivision_code=subdivision)
        for key, (name, country, subdivision) in regions.items()
    }
    for code, region, name, rate, amount, currency in rates:
        create_rate(
            o.org, category=o.tax[code], region=region_rows[region], name=name,
            type="percent" if rate is not None else "fixed",
            rate=Decimal(rate) if rate is not None else None,
            amount=Decimal(amount) if amount is not None else None, currency_code=currency,
            effective_from=ctx.since,
        )


def _lesson(o: _Org, key: str, creator: OrgEmployee | None):
    """The org's reusable lesson ``key`` (created on first use, then placed wherever it is needed)."""
    if key in o.lessons:
        return o.lessons[key]
    spec = dict(LESSONS[key])
    questions = spec.pop("questions", ())
    translations = spec.pop("tr", {})
    lesson = learn.create_lesson(o.org, created_by=creator, **spec)
    for prompt, kind, choices, explanation in questions:
        learn.add_quiz_question(lesson, prompt=prompt, kind=kind, choices=choices, explanation=explanation)
    for locale_key, fields in translations.items():
        learn.set_translation(lesson, locale_key, **fields)
    o.lessons[key] = lesson
    return lesson


def _course_structure(o: _Org, product, spec: dict, creator: OrgEmployee | None) -> None:
    course = learn.create_course(product, level=spec["level"], difficulty=spec["difficulty"],
                                 duration_minutes=spec.get("duration"), prerequisites=spec.get("prerequisites"),
                                 skill_slugs=spec.get("skills", ()))
    for m in spec["modules"]:
        module = learn.add_module(course, title=m["title"], description=m.get("description"),
                                  required_access_tier=m.get("tier", 1))
        for locale_key, fields in m.get("tr", {}).items():
            learn.set_translation(module, locale_key, **fields)
        for s in m["sections"]:
            section = learn.add_section(module, title=s["title"], description=s.get("description"),
                                        required_access_tier=s.get("tier", 1))
            for locale_key, title in s.get("tr", {}).items():
                learn.set_translation(section, locale_key, title=title)
            for placement in s["lessons"]:
                key, tier, preview = _placement(placement)
                learn.place_lesson(section, _lesson(o, key, creator), required_access_tier=tier,
                                   is_free_preview=preview)


def _placement(spec) -> tuple[str, int, bool]:
    """``"key"``, ``("key", tier)`` or ``("key", tier, is_free_preview)``."""
    if isinstance(spec, str):
        return spec, 1, False
    key, tier, *preview = spec
    return key, tier, bool(preview and preview[0])


def _product(o: _Org, spec: dict, creator: OrgEmployee | None = None):
    """A product with its translations, variants, plans and a price in each market listed."""
    product = catalog.create_product(
        o.org, type=spec["type"], name=spec["name"], slug=spec["slug"], description=spec["description"],
        status="published" if spec.get("status", "published") != "draft" else "draft",
        tax_category=o.tax[spec["tax"]], brand=o.brands.get(spec.get("brand", "")), seo=spec.get("seo"),
    )
    for locale_key, (name, description) in spec.get("tr", {}).items():
        catalog.set_product_translation(product, locale_key, name=name, description=description)
    for v in spec["variants"]:
        variant = catalog.add_variant(product, name=v["name"], sku=v.get("sku"), download_url=v.get("download_url"),
                                      requires_shipping=v.get("requires_shipping", False))
        for p in v["plans"]:
            plan = catalog.add_plan(variant, type=p["type"], name=p["name"], access_tier=p.get("tier", 1),
                                    description=p.get("description"), **p.get("options", {}))
            for market_slug, price in p["prices"].items():
                amount, per_unit = price if isinstance(price, tuple) else (price, None)
                catalog.set_market_price(plan, o.markets[market_slug], price=Decimal(amount),
                                         price_per_unit=Decimal(per_unit) if per_unit is not None else None)
    if "course" in spec:
        _course_structure(o, product, spec["course"], creator)
    if spec.get("status") == "archived":
        catalog.archive_product(product)
    o.products[spec["slug"]] = product
    return product


def _one_time(name: str, tier: int, prices: dict, description: str | None = None) -> dict:
    return {"type": "one_time", "name": name, "tier": tier, "prices": prices, "description": description}


# ---- Acme Academy --------------------------------------------------------------------------

def _build_acme(ctx: _Context) -> None:
    org = create_org(
        name="Acme Academy", slug=ACME, default_locale_key="en", locale_keys=("en", "de", "fr", "es"),
        description="Practical online courses in data and design, taught by working professionals.",
        platform_fee_percent=Decimal("5"),
    )
    o = _Org(org)

    # People: one employee of each role (the creators with their public job profiles), members.
    o.employees["admin"] = add_employee(org, ctx.users["admin"], role="admin")
    o.employees["manager"] = add_employee(org, ctx.users["manager"], role="manager")
    o.employees["grace"] = add_employee(org, ctx.users["grace"], role="creator", job_profile=ctx.jobs["grace"])
    o.employees["alan"] = add_employee(org, ctx.users["alan"], role="creator", job_profile=ctx.jobs["alan"])
    o.employees["staff"] = add_employee(org, ctx.users["staff"], role="staff")
    for key, membership_type, country in (("learner", "learner", "DE"), ("customer", "customer", "MX"),
                                          ("amelie", "learner", "FR"), ("sam", "customer", "US")):
        member = ensure_member(org, ctx.users[key], membership_type=membership_type)
        member.billing_country_code = country  # no service sets it yet (checkout will)
        o.members[key] = member

    # Brands and markets.
    o.brands["academy"] = create_brand(org, name="Acme Academy", slug="acme-academy", primary_color="#4f46e5",
                                       description="Acme Academy in the United States and worldwide.")
    o.brands["europe"] = create_brand(org, name="Acme Europe", slug="acme-europe", primary_color="#0f766e",
                                      description="Acme Academy for learners in the European Union.")
    o.markets["us"] = create_market(
        org, slug="us", name="United States", type="single_country", currency_code="USD",
        default_locale_key="en", locale_keys=("en",), country_codes=("US",), tax_inclusive=False,
        brand=o.brands["academy"],
    )
    o.markets["eu"] = create_market(
        org, slug="eu", name="Europe", type="multi_region", currency_code="EUR",
        default_locale_key="de", locale_keys=("de", "fr", "en"), country_codes=("DE", "FR", "AT", "BE"),
        country_locale_overrides={"DE": "de", "AT": "de", "FR": "fr", "BE": "fr"}, tax_inclusive=True,
        brand=o.brands["europe"], domains=(EU_DOMAIN,),
    )
    o.markets["latam"] = create_market(
        org, slug="latam", name="Latin America", type="linguistic", currency_code="USD",
        default_locale_key="es", locale_keys=("es",), country_codes=("MX", "AR", "CO", "CL"),
        tax_inclusive=True, brand=o.brands["academy"],
    )

    _tax(o, ctx, ACME_TAX_CATEGORIES, ACME_TAX_REGIONS, ACME_TAX_RATES)

    # Catalog.
    grace, alan = o.employees["grace"], o.employees["alan"]
    for spec, creator in ((PYTHON_COURSE, grace), (SQL_COURSE, alan), (DESIGN_COURSE, grace),
                          (EBOOK, grace), (COACHING, grace), (WORKBOOK, grace), (ML_DRAFT, grace),
                          (CHEAT_SHEETS_ARCHIVED, grace)):
        _product(o, spec, creator)
    products = o.products

    data_skills = catalog.create_collection(org, slug="data-skills", name="Data skills",
                                            description="Everything you need to work confidently with data.")
    for slug in (SHOWCASE_PRODUCT, "sql-essentials", "data-analyst-field-guide", NOT_IN_LATAM_PRODUCT):
        catalog.add_to_collection(data_skills, products[slug])
    bestsellers = catalog.create_collection(org, slug="bestsellers", name="Bestsellers",
                                            description="What our learners buy most.")
    for slug in (SHOWCASE_PRODUCT, "design-systems-in-practice", "one-on-one-coaching"):
        catalog.add_to_collection(bestsellers, products[slug])

    catalog.create_discount(org, code="WELCOME10", name="Welcome: 10% off", type="percent", value=Decimal("10"),
                            market=o.markets["eu"], starts_at=ctx.since)
    catalog.create_discount(org, code="LAUNCH5", name="Launch offer: $5 off", type="fixed", value=Decimal("5"),
                            currency_code="USD", market=o.markets["us"], starts_at=ctx.since,
                            ends_at=ctx.now + timedelta(days=90), usage_limit=500)

    # Revenue shares (creator 70 % + collaborator 10 % on the showcase course, and so on).
    admin = o.employees["admin"]
    for slug, shares in (
        (SHOWCASE_PRODUCT, (("grace", "70", "creator"), ("alan", "10", "collaborator"))),
        ("sql-essentials", (("alan", "60", "creator"), ("grace", "10", "reviewer"))),
        ("design-systems-in-practice", (("grace", "50", "creator"), ("manager", "5", "manager"))),
        ("data-analyst-field-guide", (("grace", "80", "creator"),)),
        ("one-on-one-coaching", (("grace", "90", "creator"),)),
        (NOT_IN_LATAM_PRODUCT, (("grace", "40", "creator"),)),
        (DRAFT_PRODUCT, (("grace", "70", "creator"),)),
    ):
        for who, percent, kind in shares:
            set_attribution(products[slug], o.employees[who], percent=Decimal(percent), type=kind,
                            effective_from=ctx.since, by=admin)

    # Reviews (service) and learners' own level/difficulty ratings (no service yet: inserted directly).
    for slug, who, rating, title, body in ACME_REVIEWS:
        catalog.add_review(products[slug], o.members[who], rating=rating, title=title, body=body)
    for slug, who, level, difficulty in (
        (SHOWCASE_PRODUCT, "learner", "beginner", 3), (SHOWCASE_PRODUCT, "customer", "beginner", 4),
        (SHOWCASE_PRODUCT, "amelie", "intermediate", 4), ("sql-essentials", "amelie", "beginner", 2),
        ("design-systems-in-practice", "learner", "intermediate", 6),
    ):
        db.session.add(OrgProductCourseRating(org_id=org.id, course_product_id=products[slug].id,
                                              member_id=o.members[who].id, level=level, difficulty=difficulty))
    db.session.flush()

    # Gift cards, issued by the staff employee.
    staff = o.employees["staff"]
    issue_gift_card(org, amount=Decimal("50"), currency_code="EUR", issued_by=staff, code="ACME-GIFT-EU50",
                    expires_at=ctx.now + timedelta(days=365), recipient_email="learner@acme.test",
                    note="Welcome gift for Lena")
    issue_gift_card(org, amount=Decimal("25"), currency_code="USD", issued_by=staff, code="ACME-GIFT-US25",
                    note="Conference raffle prize")
    expired = issue_gift_card(org, amount=Decimal("20"), currency_code="USD", issued_by=staff,
                              code="ACME-GIFT-OLD1", expires_at=ctx.now + timedelta(days=1),
                              note="Last year's holiday promotion")
    # The service only issues cards that expire in the future; back-date this one to show an expired card.
    expired.expires_at = ctx.now - timedelta(days=30)
    voided = issue_gift_card(org, amount=Decimal("30"), currency_code="EUR", issued_by=staff,
                             code="ACME-GIFT-VOID", note="Issued by mistake")
    disable_gift_card(voided)
    db.session.flush()
    _acme_orders(ctx, o)


# Demo purchases: (member, market, country, product slug, plan name, days ago, usage units).
ACME_ORDERS = (
    ("learner", "eu", "DE", SHOWCASE_PRODUCT, "Basic", 20, None),           # tier 1: tiers 2 and 3 locked
    ("customer", "us", "US", "sql-essentials", "AI tutor credits", 12, 64),  # usage-based, 14 above 50
    ("customer", "us", "US", "data-analyst-field-guide", "E-book", 30, None),  # a download
    ("customer", "us", "US", "one-on-one-coaching", "Single session", 5, None),  # a booking request
    ("amelie", "eu", "FR", SHOWCASE_PRODUCT, "VIP", 3, None),               # a subscription in its trial
)


def _acme_orders(ctx: _Context, o: _Org) -> None:
    """Paid orders placed through the order services (priced by the real pipeline, with tax)."""
    from app.entitlements.models import OrgMemberSubscription
    from app.orders import billing
    from app.orders.services import mark_paid, place_order

    for who, market_key, country, slug, plan_name, days_ago, usage in ACME_ORDERS:
        member, market, product = o.members[who], o.markets[market_key], o.products[slug]
        plan = next(p for v in product.variants for p in v.plans if p.name == plan_name)
        price = plan.price_in(market.id).price
        trial = plan.subscription.trial_period_days if plan.subscription else 0
        line = LineInput.for_plan(plan, product, unit_price=Decimal(0) if trial else price)
        at = ctx.now - timedelta(days=days_ago)
        priced = quote(o.org, currency=market.currency_code, tax_inclusive=market.tax_inclusive, lines=[line],
                       billing_country=country, market_id=market.id, at=at)
        user = ctx.users[who]
        member.billing_country_code = country
        order = place_order(o.org, member, market, priced, billing_name=member.user_profile.display_name,
                            billing_email=user.email, billing_country=country, locale_key=market.default_locale_key)
        order.created_at = at
        mark_paid(order, provider="manual" if order.amount_due else "gift_card",
                  reference=f"demo-{order.order_number}", at=at)
        if usage:
            subscription = db.session.scalar(
                sa.select(OrgMemberSubscription).where(OrgMemberSubscription.order_id == order.id))
            billing.record_usage(subscription, usage, note="AI tutor questions", at=at + timedelta(days=1))
    db.session.flush()


ACME_TAX_CATEGORIES = {
    "digital-services": ("Digital services", "Electronically supplied services such as online courses."),
    "e-books": ("E-books", "Electronic publications (reduced VAT rates in many countries)."),
    "physical-goods": ("Physical goods", "Printed and shipped products."),
}
ACME_TAX_REGIONS = {
    "US": ("United States", "US", None),
    "US-NY": ("New York", "US", "US-NY"),
    "US-CO": ("Colorado", "US", "US-CO"),
    "DE": ("Germany", "DE", None),
    "FR": ("France", "FR", None),
    "AT": ("Austria", "AT", None),
    "BE": ("Belgium", "BE", None),
    "MX": ("Mexico", "MX", None),
    "AR": ("Argentina", "AR", None),
    "CO": ("Colombia", "CO", None),
    "CL": ("Chile", "CL", None),
}
ACME_TAX_RATES = [
    # category, region, name, rate, fixed amount, currency
    ("digital-services", "US", "No sales tax", "0", None, None),
    ("digital-services", "US-NY", "New York sales tax", "0.08875", None, None),
    ("digital-services", "DE", "Umsatzsteuer 19 %", "0.19", None, None),
    ("digital-services", "FR", "TVA 20 %", "0.20", None, None),
    ("digital-services", "AT", "Umsatzsteuer 20 %", "0.20", None, None),
    ("digital-services", "BE", "TVA/BTW 21 %", "0.21", None, None),
    ("digital-services", "MX", "IVA 16 %", "0.16", None, None),
    ("digital-services", "AR", "IVA 21 %", "0.21", None, None),
    ("digital-services", "CO", "IVA 19 %", "0.19", None, None),
    ("digital-services", "CL", "IVA 19 %", "0.19", None, None),
    ("e-books", "US", "No sales tax", "0", None, None),
    ("e-books", "DE", "Umsatzsteuer 7 % (ermäßigt)", "0.07", None, None),
    ("e-books", "FR", "TVA 5,5 % (taux réduit)", "0.055", None, None),
    ("e-books", "AT", "Umsatzsteuer 10 % (ermäßigt)", "0.10", None, None),
    ("e-books", "BE", "TVA/BTW 6 % (taux réduit)", "0.06", None, None),
    ("physical-goods", "US", "No sales tax", "0", None, None),
    ("physical-goods", "US-NY", "New York sales tax", "0.08875", None, None),
    # A fixed amount per order rather than a percentage.
    ("physical-goods", "US-CO", "Colorado retail delivery fee", None, "0.29", "USD"),
    ("physical-goods", "DE", "Umsatzsteuer 19 %", "0.19", None, None),
    ("physical-goods", "FR", "TVA 20 %", "0.20", None, None),
    ("physical-goods", "AT", "Umsatzsteuer 20 %", "0.20", None, None),
    ("physical-goods", "BE", "TVA/BTW 21 %", "0.21", None, None),
    ("physical-goods", "MX", "IVA 16 %", "0.16", None, None),
]

ACME_REVIEWS = [
    (SHOWCASE_PRODUCT, "learner", 5, "Finally, pandas makes sense",
     "I had tried to learn pandas from the documentation twice. The short lessons and the tips dataset "
     "made it click. The capstone project is now in my portfolio."),
    (SHOWCASE_PRODUCT, "customer", 4, "Great pace, clear explanations",
     "Very clear and well structured. I would have liked a few more exercises on charts, but the "
     "office hours recordings helped a lot."),
    (SHOWCASE_PRODUCT, "amelie", 5, "Worth every cent",
     "Practical from the first lesson. I use groupby at work every day now."),
    ("sql-essentials", "amelie", 5, "Joins explained properly",
     "The join diagrams finally made outer joins clear to me. The window functions module is excellent."),
    ("sql-essentials", "sam", 4, "Solid introduction",
     "Good introduction to SQL with realistic examples. The AI tutor answered my questions quickly."),
    ("design-systems-in-practice", "learner", 4, "Useful for our team",
     "We started our own token set after module two. The governance module is the part most courses skip."),
    ("data-analyst-field-guide", "customer", 5, "On my desk every day",
     "The checklists for cleaning data alone are worth it."),
    ("one-on-one-coaching", "sam", 5, "Helpful and concrete",
     "Grace reviewed my project and gave me a clear plan for the next three months."),
]


# ---- Globex Institute ----------------------------------------------------------------------

def _build_globex(ctx: _Context) -> None:
    org = create_org(
        name="Globex Institute", slug=GLOBEX, default_locale_key="en", locale_keys=("en",),
        description="Professional education in security and project management.",
    )
    o = _Org(org)
    o.employees["admin"] = add_employee(org, ctx.users["globex_admin"], role="admin")
    # The same person, with the same job profile, works for both organizations.
    o.employees["alan"] = add_employee(org, ctx.users["alan"], role="creator", job_profile=ctx.jobs["alan"])
    o.members["learner"] = ensure_member(org, ctx.users["learner"], membership_type="learner")

    o.brands["globex"] = create_brand(org, name="Globex Institute", slug="globex-institute",
                                      primary_color="#b45309")
    o.markets["global"] = create_market(
        org, slug="global", name="Global", type="linguistic", currency_code="USD", default_locale_key="en",
        locale_keys=("en",), country_codes=("US", "CA", "GB", "IE", "AU"), tax_inclusive=False,
        brand=o.brands["globex"],
    )
    _tax(o, ctx,
         {"digital-services": ("Digital services", "Online courses and other electronic services."),
          "e-books": ("E-books", "Electronic publications.")},
         {"US": ("United States", "US", None), "US-NY": ("New York", "US", "US-NY")},
         [("digital-services", "US", "No sales tax", "0", None, None),
          ("digital-services", "US-NY", "New York sales tax", "0.08875", None, None),
          ("e-books", "US", "No sales tax", "0", None, None)])

    alan = o.employees["alan"]
    for spec in (CRYPTO_COURSE, PM_COURSE, CRYPTO_EBOOK):
        _product(o, spec, alan)
    for slug, percent in (("introduction-to-cryptography", "70"), ("cryptography-exercise-book", "75")):
        set_attribution(o.products[slug], alan, percent=Decimal(percent), type="creator",
                        effective_from=ctx.since, by=o.employees["admin"])
    catalog.add_review(o.products["introduction-to-cryptography"], o.members["learner"], rating=5,
                       title="Fascinating", body="The history of ciphers made the mathematics easy to follow.")
    db.session.flush()


# ---- lessons (reusable; keys are local to this module) -------------------------------------

def _text(title: str, content: str, minutes: int, tr: dict | None = None, **extra) -> dict:
    return {"type": "text", "title": title, "content": content.strip() + "\n", "duration_minutes": minutes,
            "tr": tr or {}, **extra}


def _titles(de: str, fr: str, es: str) -> dict:
    return {"de": {"title": de}, "fr": {"title": fr}, "es": {"title": es}}


WHY_PYTHON_EN = """
# Why Python for data analysis?

Python has become the most widely used language for working with data. Three reasons stand out:

1. **Readable code.** Python reads almost like plain English, so you spend your time on the data, not on the syntax.
2. **A rich ecosystem.** Libraries such as *pandas*, *NumPy* and *Matplotlib* cover loading, cleaning, analysing and plotting.
3. **A huge community.** Whatever problem you run into, someone has probably written about it.

## What you will build

By the end of this course you will have analysed a real dataset from start to finish:

- load a CSV file into a pandas `DataFrame`,
- clean missing and inconsistent values,
- summarise it with `groupby`,
- and present your findings in a chart.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Tip:** keep a notebook open while you watch the lessons and type the examples yourself.
"""

WHY_PYTHON_DE = """
# Warum Python für die Datenanalyse?

Python ist heute die am weitesten verbreitete Sprache für die Arbeit mit Daten. Drei Gründe stechen hervor:

1. **Lesbarer Code.** Python liest sich fast wie normales Englisch. So verbringen Sie Ihre Zeit mit den Daten statt mit der Syntax.
2. **Ein reichhaltiges Ökosystem.** Bibliotheken wie *pandas*, *NumPy* und *Matplotlib* decken das Laden, Bereinigen, Analysieren und Visualisieren ab.
3. **Eine riesige Community.** Zu fast jedem Problem, auf das Sie stoßen, hat schon jemand etwas geschrieben.

## Was Sie bauen werden

Am Ende dieses Kurses haben Sie einen echten Datensatz von Anfang bis Ende analysiert:

- eine CSV-Datei in einen pandas-`DataFrame` laden,
- fehlende und uneinheitliche Werte bereinigen,
- die Daten mit `groupby` zusammenfassen
- und Ihre Ergebnisse in einem Diagramm präsentieren.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Tipp:** Lassen Sie beim Ansehen der Lektionen ein Notebook geöffnet und tippen Sie die Beispiele selbst ab.
"""

WHY_PYTHON_FR = """
# Pourquoi Python pour l'analyse de données ?

Python est devenu le langage le plus utilisé pour travailler avec des données. Trois raisons se démarquent :

1. **Un code lisible.** Python se lit presque comme de l'anglais courant : vous consacrez votre temps aux données, pas à la syntaxe.
2. **Un écosystème riche.** Des bibliothèques comme *pandas*, *NumPy* et *Matplotlib* couvrent le chargement, le nettoyage, l'analyse et la visualisation.
3. **Une immense communauté.** Quel que soit le problème que vous rencontrez, quelqu'un a probablement déjà écrit à son sujet.

## Ce que vous allez réaliser

À la fin de ce cours, vous aurez analysé un jeu de données réel de bout en bout :

- charger un fichier CSV dans un `DataFrame` pandas,
- nettoyer les valeurs manquantes ou incohérentes,
- le résumer avec `groupby`,
- et présenter vos résultats dans un graphique.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Astuce :** gardez un notebook ouvert pendant les leçons et tapez les exemples vous-même.
"""

WHY_PYTHON_ES = """
# ¿Por qué Python para el análisis de datos?

Python se ha convertido en el lenguaje más utilizado para trabajar con datos. Destacan tres razones:

1. **Código legible.** Python se lee casi como inglés corriente, así que dedicas tu tiempo a los datos y no a la sintaxis.
2. **Un ecosistema muy completo.** Bibliotecas como *pandas*, *NumPy* y *Matplotlib* cubren la carga, la limpieza, el análisis y la visualización.
3. **Una comunidad enorme.** Sea cual sea el problema que encuentres, seguramente alguien ya ha escrito sobre él.

## Lo que vas a construir

Al final de este curso habrás analizado un conjunto de datos real de principio a fin:

- cargar un archivo CSV en un `DataFrame` de pandas,
- limpiar los valores que faltan o son incoherentes,
- resumirlo con `groupby`,
- y presentar tus conclusiones en un gráfico.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Consejo:** mantén un notebook abierto mientras ves las lecciones y escribe tú mismo los ejemplos.
"""

LESSONS: dict[str, dict] = {
    # Python for Data Analysis
    "why-python": _text(
        "Why Python for data analysis?", WHY_PYTHON_EN, 8,
        tr={
            "de": {"title": "Warum Python für die Datenanalyse?", "content": WHY_PYTHON_DE},
            "fr": {"title": "Pourquoi Python pour l'analyse de données ?", "content": WHY_PYTHON_FR},
            "es": {"title": "¿Por qué Python para el análisis de datos?", "content": WHY_PYTHON_ES},
        },
        description="What Python offers for data work and what you will build in this course.",
    ),
    "setup-jupyter": {
        "type": "video", "title": "Setting up Python and Jupyter", "video_url": YT_PYTHON, "duration_minutes": 12,
        "description": "Install Python, create a virtual environment and start your first notebook.",
        "tr": _titles("Python und Jupyter einrichten", "Installer Python et Jupyter", "Configurar Python y Jupyter"),
    },
    "python-basics": _text("Variables, lists and dictionaries", """
# Variables, lists and dictionaries

Almost every data task starts with three building blocks.

## Variables

A variable is a name for a value:

```python
city = "Lisbon"
temperature = 21.5
```

## Lists

A list keeps values **in order**. Use it for sequences such as daily measurements:

```python
temperatures = [21.5, 23.0, 19.8]
temperatures.append(22.1)
print(len(temperatures))  # 4
```

## Dictionaries

A dictionary maps **keys to values**. Use it when you look things up by name:

```python
prices = {"coffee": 2.40, "tea": 2.10}
print(prices["tea"])  # 2.1
```

| You need...                  | Use a...    |
| ---------------------------- | ----------- |
| values in a fixed order      | list        |
| to look a value up by a name | dictionary  |
""", 15, tr=_titles("Variablen, Listen und Dictionaries", "Variables, listes et dictionnaires",
                     "Variables, listas y diccionarios")),
    "python-basics-quiz": {
        "type": "quiz", "title": "Quiz: Python basics", "pass_mark_percent": 70, "duration_minutes": 5,
        "tr": _titles("Quiz: Python-Grundlagen", "Quiz : les bases de Python", "Cuestionario: fundamentos de Python"),
        "questions": [
            ("Which data type would you use to look up a price by product name?", "single",
             [("A list", False), ("A dictionary", True), ("A tuple", False), ("A string", False)],
             "A dictionary maps keys (the product name) to values (the price)."),
            ("Which of these create an empty list?", "multiple",
             [("[]", True), ("list()", True), ("{}", False), ("()", False)],
             "{} creates an empty dictionary and () an empty tuple."),
            ("What does len([3, 1, 4]) return?", "single",
             [("3", True), ("4", False), ("8", False), ("An error", False)],
             "len() counts the items of the list."),
        ],
    },
    "load-csv": {
        "type": "video", "title": "Loading a CSV file into a DataFrame", "video_url": FRIDAY_MP4,
        "captions_url": FRIDAY_VTT, "duration_minutes": 9,
        "description": "read_csv, column types and a first look with head() and info().",
        "tr": _titles("Eine CSV-Datei in einen DataFrame laden", "Charger un fichier CSV dans un DataFrame",
                      "Cargar un archivo CSV en un DataFrame"),
    },
    "tips-dataset": {
        "type": "file", "title": "Practice dataset: restaurant tips (CSV)",
        "file_url": "https://raw.githubusercontent.com/mwaskom/seaborn-data/master/tips.csv",
        "file_name": "tips.csv", "description": "244 restaurant bills with tips, used throughout the course.",
        "tr": _titles("Übungsdatensatz: Trinkgelder im Restaurant (CSV)",
                      "Jeu de données d'entraînement : pourboires au restaurant (CSV)",
                      "Conjunto de datos de práctica: propinas en un restaurante (CSV)"),
    },
    "sql-from-python": _text("Querying SQL databases from Python", """
# Querying SQL databases from Python

Much of the world's data lives in relational databases. pandas can run a SQL query and give you
the result as a `DataFrame`:

```python
import sqlite3
import pandas as pd

with sqlite3.connect("shop.db") as conn:
    orders = pd.read_sql_query(
        "SELECT customer_id, SUM(total) AS revenue FROM orders GROUP BY customer_id",
        conn,
    )
```

## Let the database do the heavy lifting

- **Filter and aggregate in SQL** when the table is large: only the result travels to Python.
- **Reshape and plot in pandas**, where it is more convenient.

> Never build a query by pasting user input into the SQL string. Pass values as parameters:
> `pd.read_sql_query("SELECT * FROM orders WHERE id = ?", conn, params=(order_id,))`
""", 10, tr=_titles("SQL-Datenbanken aus Python abfragen", "Interroger des bases de données SQL depuis Python",
                     "Consultar bases de datos SQL desde Python")),
    "missing-values": _text("Handling missing values", """
# Handling missing values

Real data has gaps. pandas marks them as `NaN` (or `None`).

## Find them

```python
df.isna().sum()          # missing values per column
df[df["tip"].isna()]     # the rows where the tip is missing
```

## Decide what to do

1. **Drop** rows when few are affected and they do not matter: `df.dropna(subset=["tip"])`
2. **Fill** with a sensible value: `df["tip"].fillna(df["tip"].median())`
3. **Keep** them and say so in your analysis when the gap itself tells a story.

There is no single right answer. Write down *why* you chose an option, so others can follow your reasoning.
""", 12, tr=_titles("Mit fehlenden Werten umgehen", "Gérer les valeurs manquantes", "Tratar los valores faltantes")),
    "clean-assignment": {
        "type": "assignment", "title": "Assignment: clean the tips dataset", "duration_minutes": 45,
        "content": ("Load `tips.csv`, introduce and then handle missing values in the `tip` column, and "
                    "explain your choices in a short Markdown cell.\n\nUpload your notebook (`.ipynb`) "
                    "or a Python script."),
        "max_upload_mb": 10, "allowed_extensions": "ipynb,py",
        "tr": _titles("Aufgabe: den Trinkgeld-Datensatz bereinigen",
                      "Devoir : nettoyer le jeu de données des pourboires",
                      "Tarea: limpiar el conjunto de datos de propinas"),
    },
    "groupby": _text("Summarising data with groupby", """
# Summarising data with groupby

`groupby` splits a table into groups, applies a function to each group and combines the results.

```python
tips.groupby("day")["tip"].mean()
```

## Several statistics at once

```python
tips.groupby(["day", "time"]).agg(
    bills=("total_bill", "count"),
    average_tip=("tip", "mean"),
    largest_tip=("tip", "max"),
)
```

## Tips

- Sort the result to find the extremes: `.sort_values("average_tip", ascending=False)`.
- Reset the index with `.reset_index()` before plotting or exporting.
""", 14, tr=_titles("Daten mit groupby zusammenfassen", "Résumer des données avec groupby",
                     "Resumir datos con groupby")),
    "groupby-quiz": {
        "type": "quiz", "title": "Quiz: grouping and aggregation", "pass_mark_percent": 60, "duration_minutes": 5,
        "tr": _titles("Quiz: Gruppieren und Aggregieren", "Quiz : regroupement et agrégation",
                      "Cuestionario: agrupación y agregación"),
        "questions": [
            ('What does tips.groupby("day")["tip"].mean() return?', "single",
             [("The average tip for each day", True), ("The total of all tips", False),
              ("The number of bills per day", False)],
             "mean() is applied to the tips of each day separately."),
            ("Which of these can you pass to .agg()?", "multiple",
             [('"mean"', True), ('"sum"', True), ('"max"', True), ('"sort"', False)],
             "sort is not an aggregation: use sort_values() on the result."),
        ],
    },
    "office-hours": {
        "type": "video", "title": "Recorded office hours: reviewing learners' projects", "video_url": FLOWER_MP4,
        "duration_minutes": 50,
        "tr": _titles("Aufgezeichnete Sprechstunde: Projekte von Teilnehmenden besprochen",
                      "Permanence enregistrée : revue de projets d'apprenants",
                      "Tutoría grabada: revisión de proyectos de estudiantes"),
    },
    "capstone": {
        "type": "assignment", "title": "Capstone: analyse a public dataset", "duration_minutes": 240,
        "content": ("Choose a public dataset, ask three questions about it and answer them with pandas and "
                    "at least two charts. Submit your notebook; your instructor reviews it within a week."),
        "max_upload_mb": 25, "allowed_extensions": "ipynb,pdf,zip",
        "tr": _titles("Abschlussprojekt: einen öffentlichen Datensatz analysieren",
                      "Projet final : analyser un jeu de données public",
                      "Proyecto final: analizar un conjunto de datos público"),
    },
    # SQL Essentials
    "first-select": _text("Your first SELECT", """
# Your first SELECT

Every SQL query answers a question about a table. Start with the columns you want and the table they come from:

```sql
SELECT name, city
FROM customers;
```

## Filter rows with WHERE

```sql
SELECT name, city
FROM customers
WHERE country = 'DE'
ORDER BY name;
```

- Text values go in **single quotes**.
- `ORDER BY` sorts the result; add `DESC` for descending order.
- End each statement with a semicolon.
""", 10),
    "where-video": {"type": "video", "title": "Filtering rows with WHERE", "video_url": YT_SQL, "duration_minutes": 14},
    "select-quiz": {
        "type": "quiz", "title": "Quiz: SELECT and WHERE", "pass_mark_percent": 70, "duration_minutes": 5,
        "questions": [
            ("Which clause filters rows?", "single",
             [("WHERE", True), ("ORDER BY", False), ("FROM", False)], None),
            ("Which of these queries return only German customers?", "multiple",
             [("SELECT * FROM customers WHERE country = 'DE';", True),
              ("SELECT * FROM customers WHERE country IN ('DE');", True),
              ("SELECT * FROM customers ORDER BY country;", False)],
             "IN with a single value is the same as =."),
        ],
    },
    "sql-cheat-sheet": {
        "type": "file", "title": "SQL cheat sheet (PDF)", "file_url": f"{FILES}/sql/sql-cheat-sheet.pdf",
        "file_name": "sql-cheat-sheet.pdf",
    },
    "joins": _text("INNER and OUTER joins", """
# INNER and OUTER joins

A join combines rows of two tables that belong together.

```sql
SELECT o.id, c.name, o.total
FROM orders AS o
JOIN customers AS c ON c.id = o.customer_id;
```

| Join              | Keeps                                                   |
| ----------------- | ------------------------------------------------------- |
| `INNER JOIN`      | only rows with a match in both tables                   |
| `LEFT JOIN`       | every row of the left table, matched or not             |
| `FULL OUTER JOIN` | every row of both tables                                |

> Customers without orders only appear with a `LEFT JOIN` from `customers` to `orders`.
""", 12),
    "joins-video": {"type": "video", "title": "Joins, visualised", "video_url": FLOWER_MP4, "duration_minutes": 8},
    "group-by": _text("GROUP BY and HAVING", """
# GROUP BY and HAVING

`GROUP BY` collapses rows into one row per group; aggregate functions summarise each group.

```sql
SELECT country, COUNT(*) AS customers
FROM customers
GROUP BY country
HAVING COUNT(*) >= 10
ORDER BY customers DESC;
```

- `WHERE` filters rows **before** grouping.
- `HAVING` filters groups **after** grouping.
""", 10),
    "group-by-quiz": {
        "type": "quiz", "title": "Quiz: GROUP BY", "pass_mark_percent": 50, "duration_minutes": 3,
        "questions": [
            ("Which clause filters groups after aggregation?", "single",
             [("HAVING", True), ("WHERE", False), ("LIMIT", False)], None),
            ("Which are aggregate functions?", "multiple",
             [("COUNT", True), ("AVG", True), ("UPPER", False)], "UPPER works on single values."),
        ],
    },
    "window-video": {
        "type": "video", "title": "Window functions: running totals and rankings", "video_url": FRIDAY_MP4,
        "captions_url": FRIDAY_VTT, "duration_minutes": 16,
    },
    "window-assignment": {
        "type": "assignment", "title": "Assignment: rank customers by monthly revenue", "duration_minutes": 40,
        "content": ("Write a query that ranks customers by revenue within each month using `RANK()` "
                    "`OVER (PARTITION BY ...)`. Submit the query as a `.sql` file."),
        "allowed_extensions": "sql,txt",
    },
    # Design Systems in Practice
    "what-is-a-design-system": _text("What is a design system?", """
# What is a design system?

A design system is the **shared language** of a product team: the principles, the design tokens, the
components and the documentation that tie them together.

## Why teams build one

- **Consistency:** the same button looks and behaves the same everywhere.
- **Speed:** designers and developers stop rebuilding the same things.
- **Quality:** accessibility and edge cases are solved once, in one place.

## What it is not

A design system is not a one-off UI kit. It is a product with users (your teams), a roadmap and maintainers.
""", 8),
    "design-system-examples": {
        "type": "video", "title": "A tour of three public design systems", "video_url": FLOWER_MP4,
        "duration_minutes": 11,
    },
    "design-tokens": _text("Design tokens explained", """
# Design tokens explained

Design tokens are named design decisions: colours, spacing, type sizes, radii.

```json
{
  "color": { "brand": { "value": "#4f46e5" } },
  "space": { "md": { "value": "16px" } }
}
```

Name tokens by **purpose** (`color.text.muted`), not by value (`color.grey-500`), so that a new theme only
changes values, never names.
""", 10),
    "design-tokens-template": {
        "type": "file", "title": "Design token starter template (JSON)",
        "file_url": f"{FILES}/design/design-tokens-starter.json", "file_name": "design-tokens-starter.json",
    },
    "components-video": {
        "type": "video", "title": "Building accessible components", "video_url": FRIDAY_MP4,
        "captions_url": FRIDAY_VTT, "duration_minutes": 18,
    },
    "components-quiz": {
        "type": "quiz", "title": "Quiz: tokens and components", "pass_mark_percent": 70, "duration_minutes": 4,
        "questions": [
            ("Which token name survives a rebrand best?", "single",
             [("color.text.muted", True), ("color.grey-500", False), ("color.4f46e5", False)],
             "Purpose-based names do not change when the values do."),
            ("Which belong in a design system?", "multiple",
             [("Design tokens", True), ("Reusable components", True), ("Usage documentation", True),
              ("Last quarter's sales figures", False)], None),
        ],
    },
    "governance": _text("Governance: keeping the system alive", """
# Governance: keeping the system alive

Without clear ownership, a design system slowly drifts away from the product.

1. **Name the owners** of the system and of each component.
2. **Define a contribution process:** proposal, review, release.
3. **Version and announce changes** with a changelog and migration notes.
4. **Measure adoption** to see which parts teams use and which they avoid.
""", 9),
    "governance-assignment": {
        "type": "assignment", "title": "Assignment: write a contribution guide", "duration_minutes": 60,
        "content": "Write a one-page contribution guide for your team's design system and upload it as PDF.",
        "allowed_extensions": "pdf,md",
    },
    # Machine Learning Foundations (draft)
    "ml-intro": _text("What is machine learning?", """
# What is machine learning?

Machine learning finds patterns in examples instead of following hand-written rules. This course is still
being written.
""", 5),
    # Globex: Introduction to Cryptography
    "caesar": _text("From Caesar to Vigenère", """
# From Caesar to Vigenère

The **Caesar cipher** shifts every letter by a fixed number of positions:

```
plain:  ATTACK AT DAWN
shift:  3
cipher: DWWDFN DW GDZQ
```

With only 25 possible shifts it is broken by trying them all. The **Vigenère cipher** uses a keyword
to vary the shift from letter to letter, which defeated simple frequency analysis for three centuries.
""", 10),
    "caesar-quiz": {
        "type": "quiz", "title": "Quiz: classical ciphers", "pass_mark_percent": 50, "duration_minutes": 3,
        "questions": [
            ("How many useful keys does a Caesar cipher on the 26-letter alphabet have?", "single",
             [("25", True), ("26!", False), ("2", False)], None),
            ("Which attacks work against a Caesar cipher?", "multiple",
             [("Trying every shift", True), ("Frequency analysis", True), ("None, it is unbreakable", False)],
             None),
        ],
    },
    "aes": _text("Block ciphers and AES", """
# Block ciphers and AES

A block cipher encrypts fixed-size blocks (128 bits for AES) with a secret key. To encrypt longer
messages it runs in a **mode of operation**; use an authenticated mode such as **GCM**, which also
detects tampering.
""", 12),
    "aes-video": {"type": "video", "title": "AES, step by step", "video_url": FLOWER_MP4, "duration_minutes": 15},
    "rsa": _text("Public keys and digital signatures", """
# Public keys and digital signatures

Public-key cryptography uses a **key pair**: anyone may encrypt with the public key, only the holder of
the private key can decrypt. Reversed, the private key *signs* and anyone can *verify* the signature.
""", 12),
    "rsa-assignment": {
        "type": "assignment", "title": "Assignment: sign and verify a message", "duration_minutes": 45,
        "content": "Generate a key pair, sign a short message and verify the signature. Submit your script.",
        "allowed_extensions": "py,txt",
    },
    # Globex: Project Management Essentials
    "pm-scope": _text("Defining the scope", """
# Defining the scope

A project's scope says what will be delivered **and what will not**. Write it down before you plan:

- the goal, in one sentence,
- the deliverables,
- what is explicitly out of scope.
""", 8),
    "pm-schedule": _text("Building a realistic schedule", """
# Building a realistic schedule

Break deliverables into tasks of a few days at most, estimate them with the people doing the work and
add buffers where the risks are.
""", 10),
    "pm-quiz": {
        "type": "quiz", "title": "Quiz: planning", "pass_mark_percent": 50, "duration_minutes": 3,
        "questions": [
            ("Who should estimate a task?", "single",
             [("The people who will do the work", True), ("The sponsor alone", False)], None),
            ("What belongs in a scope statement?", "multiple",
             [("Deliverables", True), ("What is out of scope", True), ("The office seating plan", False)], None),
        ],
    },
    "pm-stakeholders": _text("Keeping stakeholders informed", """
# Keeping stakeholders informed

Agree on **who** needs **what** information **how often**, and send short, regular updates: progress,
risks and decisions needed.
""", 8),
    "pm-template": {
        "type": "file", "title": "Project charter template (DOCX)",
        "file_url": "https://files.globex.test/pm/project-charter-template.docx",
        "file_name": "project-charter-template.docx",
    },
}


# ---- Acme catalog --------------------------------------------------------------------------

PYTHON_COURSE = {
    "type": "course", "slug": SHOWCASE_PRODUCT, "name": "Python for Data Analysis", "tax": "digital-services",
    "description": ("Learn to load, clean, analyse and visualise real data with Python, pandas and Jupyter. "
                    "Short lessons, hands-on exercises and a capstone project you can show to employers."),
    "seo": {"title": "Python for Data Analysis: online course",
            "description": "Learn pandas and Jupyter with real datasets, exercises and a capstone project."},
    "tr": {
        "de": ("Python für die Datenanalyse",
               "Lernen Sie, echte Daten mit Python, pandas und Jupyter zu laden, zu bereinigen, zu analysieren "
               "und zu visualisieren. Kurze Lektionen, praktische Übungen und ein Abschlussprojekt, das Sie "
               "Arbeitgebern zeigen können."),
        "fr": ("Python pour l'analyse de données",
               "Apprenez à charger, nettoyer, analyser et visualiser des données réelles avec Python, pandas et "
               "Jupyter. Des leçons courtes, des exercices pratiques et un projet final à présenter aux "
               "employeurs."),
        "es": ("Python para el análisis de datos",
               "Aprende a cargar, limpiar, analizar y visualizar datos reales con Python, pandas y Jupyter. "
               "Lecciones breves, ejercicios prácticos y un proyecto final que podrás mostrar a las empresas."),
    },
    "variants": [{
        "name": "Online course", "sku": "ACME-PY-DA",
        "plans": [
            _one_time("Basic", 1, {"us": "49", "eu": "49", "latam": "29"},
                      "Lifetime access to the core lessons."),
            _one_time("Premium", 2, {"us": "99", "eu": "99", "latam": "59"},
                      "Everything in Basic plus the data-cleaning and analysis modules with assignments."),
            {"type": "subscription", "name": "VIP", "tier": 3,
             "description": "All lessons, the capstone project with personal review and recorded office hours.",
             "options": {"interval": "month", "interval_count": 1, "trial_period_days": 14},
             "prices": {"us": "29", "eu": "29", "latam": "15"}},
        ],
    }],
    "course": {
        "level": "beginner", "difficulty": 3, "duration": 720, "skills": ("python", "data-analysis"),
        "prerequisites": "No programming experience needed; basic spreadsheet skills help.",
        "modules": [
            {"title": "Getting started", "tier": 1,
             "description": "Install your tools, meet Jupyter and learn the Python you need for data work.",
             "tr": {
                 "de": {"title": "Erste Schritte",
                        "description": "Installieren Sie Ihre Werkzeuge, lernen Sie Jupyter kennen und eignen Sie "
                                       "sich das Python an, das Sie für die Arbeit mit Daten brauchen."},
                 "fr": {"title": "Premiers pas",
                        "description": "Installez vos outils, découvrez Jupyter et apprenez le Python dont vous "
                                       "avez besoin pour travailler avec des données."},
                 "es": {"title": "Primeros pasos",
                        "description": "Instala tus herramientas, conoce Jupyter y aprende el Python que necesitas "
                                       "para trabajar con datos."},
             },
             "sections": [
                 {"title": "Welcome", "tr": {"de": "Willkommen", "fr": "Bienvenue", "es": "Bienvenida"},
                  "lessons": [("why-python", 1, True), ("setup-jupyter", 1, True)]},
                 {"title": "Python basics",
                  "tr": {"de": "Python-Grundlagen", "fr": "Les bases de Python", "es": "Fundamentos de Python"},
                  "lessons": ["python-basics", "python-basics-quiz"]},
             ]},
            {"title": "Working with pandas", "tier": 1,
             "description": "Load data from files and databases into pandas and get it into shape.",
             "tr": {
                 "de": {"title": "Arbeiten mit pandas",
                        "description": "Laden Sie Daten aus Dateien und Datenbanken in pandas und bringen Sie sie "
                                       "in Form."},
                 "fr": {"title": "Travailler avec pandas",
                        "description": "Chargez dans pandas des données issues de fichiers et de bases de données, "
                                       "puis mettez-les en forme."},
                 "es": {"title": "Trabajar con pandas",
                        "description": "Carga en pandas datos de archivos y bases de datos y ponlos en orden."},
             },
             "sections": [
                 {"title": "DataFrames", "tr": {"de": "DataFrames", "fr": "Les DataFrames", "es": "DataFrames"},
                  "lessons": ["load-csv", "tips-dataset", ("sql-from-python", 2)]},
                 {"title": "Cleaning data", "tier": 2,
                  "tr": {"de": "Daten bereinigen", "fr": "Nettoyer les données", "es": "Limpiar los datos"},
                  "lessons": ["missing-values", "clean-assignment"]},
             ]},
            {"title": "Analysis and visualisation", "tier": 2,
             "description": "Answer real questions with grouping, aggregation and charts, then complete your "
                            "capstone project.",
             "tr": {
                 "de": {"title": "Analyse und Visualisierung",
                        "description": "Beantworten Sie echte Fragen mit Gruppierungen, Aggregationen und "
                                       "Diagrammen und schließen Sie anschließend Ihr Abschlussprojekt ab."},
                 "fr": {"title": "Analyse et visualisation",
                        "description": "Répondez à de vraies questions grâce aux regroupements, aux agrégations "
                                       "et aux graphiques, puis réalisez votre projet final."},
                 "es": {"title": "Análisis y visualización",
                        "description": "Responde a preguntas reales con agrupaciones, agregaciones y gráficos y, "
                                       "después, completa tu proyecto final."},
             },
             "sections": [
                 {"title": "Grouping and aggregation", "tier": 2,
                  "tr": {"de": "Gruppieren und Aggregieren", "fr": "Regroupement et agrégation",
                         "es": "Agrupación y agregación"},
                  "lessons": ["groupby", "groupby-quiz"]},
                 {"title": "Capstone project", "tier": 3,
                  "tr": {"de": "Abschlussprojekt", "fr": "Projet final", "es": "Proyecto final"},
                  "lessons": [("office-hours", 3), ("capstone", 3)]},
             ]},
        ],
    },
}

SQL_COURSE = {
    "type": "course", "slug": "sql-essentials", "name": "SQL Essentials", "tax": "digital-services",
    "description": ("Write confident SQL: filter, join and aggregate data, then go further with window "
                    "functions. Every lesson comes with queries you can run yourself."),
    "tr": {
        "de": ("SQL-Grundlagen",
               "Schreiben Sie SQL mit Sicherheit: Daten filtern, verknüpfen und aggregieren und anschließend mit "
               "Fensterfunktionen tiefer einsteigen. Zu jeder Lektion gibt es Abfragen zum Selbstausprobieren."),
        "fr": ("Les bases de SQL",
               "Écrivez du SQL en toute confiance : filtrez, joignez et agrégez des données, puis allez plus loin "
               "avec les fonctions de fenêtrage. Chaque leçon propose des requêtes à exécuter vous-même."),
        "es": ("Fundamentos de SQL",
               "Escribe SQL con confianza: filtra, combina y agrega datos, y después profundiza con las funciones "
               "de ventana. Cada lección incluye consultas que puedes ejecutar tú mismo."),
    },
    "variants": [{
        "name": "Online course", "sku": "ACME-SQL",
        "plans": [
            _one_time("Standard", 2, {"us": "39", "eu": "39", "latam": "25"},
                      "Lifetime access to the querying, joins and aggregation modules."),
            {"type": "subscription", "name": "Pro (yearly)", "tier": 3,
             "description": "Every lesson including window functions, with graded assignments.",
             "options": {"interval": "year", "interval_count": 1, "trial_period_days": 0},
             "prices": {"us": "199", "eu": "189", "latam": "99"}},
            {"type": "usage_based", "name": "AI tutor credits", "tier": 1,
             "description": "Course access with 50 questions to the AI tutor included; further questions are "
                            "billed per question.",
             "options": {"usage_unit": "question", "included_units": 50},
             "prices": {"us": ("9", "0.10"), "eu": ("9", "0.10"), "latam": ("5", "0.05")}},
        ],
    }],
    "course": {
        "level": "beginner", "difficulty": 2, "duration": 480, "skills": ("sql", "data-analysis"),
        "modules": [
            {"title": "Querying basics", "sections": [
                {"title": "SELECT and WHERE", "lessons": [("first-select", 1, True), "where-video"]},
                {"title": "Practice", "lessons": ["select-quiz", "sql-cheat-sheet"]},
            ]},
            {"title": "Joining tables", "sections": [
                {"title": "Joins", "lessons": ["joins", "joins-video"]},
                {"title": "SQL from Python", "tier": 2, "lessons": ["sql-from-python"]},  # shared lesson
            ]},
            {"title": "Aggregation and window functions", "tier": 2, "sections": [
                {"title": "GROUP BY and HAVING", "lessons": ["group-by", "group-by-quiz"]},
                {"title": "Window functions", "tier": 3, "lessons": ["window-video", "window-assignment"]},
            ]},
        ],
    },
}

DESIGN_COURSE = {
    "type": "course", "slug": "design-systems-in-practice", "name": "Design Systems in Practice",
    "tax": "digital-services",
    "description": ("Build and maintain a design system that teams actually use: design tokens, reusable "
                    "components, documentation and governance."),
    "tr": {
        "de": ("Designsysteme in der Praxis",
               "Bauen und pflegen Sie ein Designsystem, das Teams wirklich nutzen: Design-Tokens, "
               "wiederverwendbare Komponenten, Dokumentation und Governance."),
        "fr": ("Les design systems en pratique",
               "Créez et faites vivre un design system que les équipes utilisent vraiment : design tokens, "
               "composants réutilisables, documentation et gouvernance."),
        "es": ("Sistemas de diseño en la práctica",
               "Crea y mantén un sistema de diseño que los equipos usen de verdad: tokens de diseño, componentes "
               "reutilizables, documentación y gobernanza."),
    },
    "variants": [
        {"name": "Self-paced", "sku": "ACME-DS-SELF", "plans": [
            _one_time("Essentials", 1, {"us": "59", "eu": "59", "latam": "35"}),
            _one_time("Complete", 2, {"us": "129", "eu": "129", "latam": "79"}),
        ]},
        {"name": "Mentored cohort", "sku": "ACME-DS-COHORT", "plans": [
            {"type": "subscription", "name": "Mentorship", "tier": 3,
             "description": "Every lesson plus a monthly group critique with the instructor.",
             "options": {"interval": "month", "interval_count": 1, "trial_period_days": 7},
             "prices": {"us": "49", "eu": "45", "latam": "25"}},
        ]},
    ],
    "course": {
        "level": "intermediate", "difficulty": 5, "duration": 540, "skills": ("design", "design-systems"),
        "modules": [
            {"title": "Foundations", "sections": [
                {"title": "What is a design system?",
                 "lessons": [("what-is-a-design-system", 1, True), "design-system-examples"]},
            ]},
            {"title": "Tokens and components", "tier": 2, "sections": [
                {"title": "Design tokens", "lessons": ["design-tokens", "design-tokens-template"]},
                {"title": "Components", "lessons": ["components-video", "components-quiz"]},
            ]},
            {"title": "Scaling and governance", "tier": 3, "sections": [
                {"title": "Governance", "lessons": ["governance", "governance-assignment"]},
            ]},
        ],
    },
}

EBOOK = {
    "type": "digital_download", "slug": "data-analyst-field-guide", "name": "The Data Analyst's Field Guide",
    "tax": "e-books",
    "description": ("A 180-page e-book (PDF and EPUB) with checklists, query patterns and chart recipes for "
                    "everyday data analysis."),
    "tr": {
        "de": ("Der Praxisleitfaden für Datenanalysten",
               "Ein E-Book mit 180 Seiten (PDF und EPUB) mit Checklisten, Abfragemustern und Diagrammrezepten "
               "für die tägliche Datenanalyse."),
        "fr": ("Le guide pratique de l'analyste de données",
               "Un livre numérique de 180 pages (PDF et EPUB) avec des listes de contrôle, des modèles de requêtes "
               "et des recettes de graphiques pour l'analyse de données au quotidien."),
        "es": ("La guía práctica del analista de datos",
               "Un libro electrónico de 180 páginas (PDF y EPUB) con listas de comprobación, patrones de consulta "
               "y recetas de gráficos para el análisis de datos diario."),
    },
    "variants": [{"name": "PDF + EPUB", "sku": "ACME-EBOOK-FG",
                  "download_url": f"{FILES}/ebooks/data-analyst-field-guide.zip",
                  "plans": [_one_time("E-book", 1, {"us": "24", "eu": "24", "latam": "15"})]}],
}

COACHING = {
    "type": "service", "slug": "one-on-one-coaching", "name": "1:1 Coaching Session (60 minutes)",
    "tax": "digital-services",
    "description": ("A private 60-minute video call with one of our instructors: review your project, plan "
                    "your learning path or prepare for a job interview."),
    "tr": {
        "de": ("1:1-Coaching (60 Minuten)",
               "Ein persönlicher 60-minütiger Videocall mit einer unserer Lehrkräfte: Besprechen Sie Ihr "
               "Projekt, planen Sie Ihren Lernweg oder bereiten Sie sich auf ein Vorstellungsgespräch vor."),
        "fr": ("Séance de coaching individuel (60 minutes)",
               "Un appel vidéo privé de 60 minutes avec l'un de nos formateurs : faites relire votre projet, "
               "planifiez votre parcours d'apprentissage ou préparez un entretien d'embauche."),
        "es": ("Sesión de coaching individual (60 minutos)",
               "Una videollamada privada de 60 minutos con uno de nuestros instructores: revisa tu proyecto, "
               "planifica tu itinerario de aprendizaje o prepárate para una entrevista de trabajo."),
    },
    "variants": [{"name": "60-minute session", "sku": "ACME-COACH-60",
                  "plans": [_one_time("Single session", 1, {"us": "120", "eu": "119", "latam": "80"})]}],
}

WORKBOOK = {
    "type": "physical", "slug": NOT_IN_LATAM_PRODUCT, "name": "Python for Data Analysis: Printed Workbook",
    "tax": "physical-goods",
    "description": ("The companion workbook to the course, printed and shipped to you: 120 exercises with "
                    "worked solutions and space for notes. Not available in Latin America yet."),
    "tr": {
        "de": ("Python für die Datenanalyse: Arbeitsbuch (Druckausgabe)",
               "Das Begleitbuch zum Kurs, gedruckt und zu Ihnen nach Hause geliefert: 120 Übungen mit "
               "ausgearbeiteten Lösungen und Platz für Notizen."),
        "fr": ("Python pour l'analyse de données : cahier d'exercices imprimé",
               "Le cahier d'exercices qui accompagne le cours, imprimé et livré chez vous : 120 exercices avec "
               "leurs corrigés détaillés et de la place pour vos notes."),
        "es": ("Python para el análisis de datos: cuaderno de ejercicios impreso",
               "El cuaderno de ejercicios que acompaña al curso, impreso y enviado a tu domicilio: 120 ejercicios "
               "con soluciones detalladas y espacio para notas. Todavía no está disponible en América Latina."),
    },
    # Deliberately no latam price: the product is published but not sold in that market.
    "variants": [{"name": "Paperback", "sku": "ACME-PY-WB-PRINT", "requires_shipping": True,
                  "plans": [_one_time("Paperback", 1, {"us": "29", "eu": "32"})]}],
}

ML_DRAFT = {
    "type": "course", "slug": DRAFT_PRODUCT, "name": "Machine Learning Foundations", "status": "draft",
    "tax": "digital-services",
    "description": "Coming soon: regression, classification and model evaluation with scikit-learn.",
    "tr": {
        "de": ("Grundlagen des maschinellen Lernens",
               "Demnächst: Regression, Klassifikation und Modellbewertung mit scikit-learn."),
        "fr": ("Les fondamentaux de l'apprentissage automatique",
               "Bientôt disponible : régression, classification et évaluation de modèles avec scikit-learn."),
        "es": ("Fundamentos del aprendizaje automático",
               "Próximamente: regresión, clasificación y evaluación de modelos con scikit-learn."),
    },
    "variants": [{"name": "Online course", "sku": "ACME-ML",
                  "plans": [_one_time("Standard", 1, {"us": "79", "eu": "79", "latam": "49"})]}],
    "course": {
        "level": "intermediate", "difficulty": 6, "skills": ("machine-learning", "python"),
        "modules": [
            {"title": "Introduction", "sections": [{"title": "Overview", "lessons": ["ml-intro"]}]},
        ],
    },
}

CHEAT_SHEETS_ARCHIVED = {
    "type": "digital_download", "slug": ARCHIVED_PRODUCT, "name": "Data Cheat Sheets (2019 edition)",
    "status": "archived", "tax": "e-books",
    "description": "Our original printable cheat sheets, replaced by The Data Analyst's Field Guide.",
    "tr": {
        "de": ("Spickzettel für die Datenanalyse (Ausgabe 2019)",
               "Unsere ursprünglichen Spickzettel zum Ausdrucken, ersetzt durch den Praxisleitfaden für "
               "Datenanalysten."),
        "fr": ("Aide-mémoire pour l'analyse de données (édition 2019)",
               "Nos premiers aide-mémoire à imprimer, remplacés par le guide pratique de l'analyste de données."),
        "es": ("Hojas de referencia de análisis de datos (edición 2019)",
               "Nuestras primeras hojas de referencia para imprimir, sustituidas por la guía práctica del "
               "analista de datos."),
    },
    "variants": [{"name": "PDF", "sku": "ACME-CHEAT-2019", "download_url": f"{FILES}/ebooks/cheat-sheets-2019.pdf",
                  "plans": [_one_time("PDF", 1, {"us": "9", "eu": "9", "latam": "5"})]}],
}


# ---- Globex catalog ------------------------------------------------------------------------

CRYPTO_COURSE = {
    "type": "course", "slug": "introduction-to-cryptography", "name": "Introduction to Cryptography",
    "tax": "digital-services",
    "description": ("From Caesar's cipher to public-key cryptography: how encryption and digital signatures "
                    "work and how to use them safely."),
    "variants": [{"name": "Online course", "sku": "GLX-CRYPTO", "plans": [
        _one_time("Standard", 1, {"global": "69"}),
        {"type": "subscription", "name": "Plus", "tier": 2,
         "description": "All modules, including public-key cryptography and its assignment.",
         "options": {"interval": "month", "interval_count": 1, "trial_period_days": 7},
         "prices": {"global": "19"}},
    ]}],
    "course": {
        "level": "intermediate", "difficulty": 6, "duration": 360, "skills": ("cryptography", "security"),
        "modules": [
            {"title": "Classical ciphers", "sections": [
                {"title": "Substitution ciphers", "lessons": [("caesar", 1, True), "caesar-quiz"]}]},
            {"title": "Modern symmetric cryptography", "sections": [
                {"title": "Block ciphers", "lessons": ["aes", "aes-video"]}]},
            {"title": "Public-key cryptography", "tier": 2, "sections": [
                {"title": "Keys and signatures", "lessons": ["rsa", "rsa-assignment"]}]},
        ],
    },
}

PM_COURSE = {
    "type": "course", "slug": "project-management-essentials", "name": "Project Management Essentials",
    "tax": "digital-services",
    "description": "Scope, plan and deliver projects on time, and keep everyone informed along the way.",
    "variants": [{"name": "Online course", "sku": "GLX-PM",
                  "plans": [_one_time("Standard", 1, {"global": "49"})]}],
    "course": {
        "level": "beginner", "difficulty": 2, "duration": 240, "skills": ("project-management",),
        "modules": [
            {"title": "Project foundations", "sections": [{"title": "Scope", "lessons": [("pm-scope", 1, True)]}]},
            {"title": "Planning", "sections": [{"title": "Schedules", "lessons": ["pm-schedule", "pm-quiz"]}]},
            {"title": "Delivery", "sections": [
                {"title": "Stakeholders", "lessons": ["pm-stakeholders", "pm-template"]}]},
        ],
    },
}

CRYPTO_EBOOK = {
    "type": "digital_download", "slug": "cryptography-exercise-book", "name": "Cryptography Exercise Book",
    "tax": "e-books",
    "description": "60 pencil-and-paper exercises on classical and modern ciphers, with solutions (PDF).",
    "variants": [{"name": "PDF", "sku": "GLX-CRYPTO-BOOK",
                  "download_url": "https://files.globex.test/ebooks/cryptography-exercise-book.pdf",
                  "plans": [_one_time("E-book", 1, {"global": "15"})]}],
}
