"""The demo: builds the data of ``app.demo_data`` (two tenants, Acme Academy and Globex Institute,
with markets, tax, a catalog of courses and other products, people, reviews, gift cards,
discounts and paid orders).

Everything is built through the services, so the demo obeys the same rules as real use, the
permission matrix included: the org's admin sets up markets, tax, the catalog and the courses,
creators write their lessons, the employee the data names issues the gift cards, and every change
is in the org's audit log. The few things without a service are written directly and say so where they happen: the platform
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
from app.catalog import media
from app.catalog import services as catalog
from app.catalog.attributions import set_attribution
from app.catalog.models import OrgProductCollection
from app.catalog.translations import set_plan_translation
from app.courses.models import OrgProductCourseRating
from app.db import utcnow
from app.demo_data import (
    ACME,
    COLLECTION_TR,
    CREATOR_SLUG,
    CROSS_ORG_CREATOR_SLUG,
    EU_DOMAIN,
    GLOBEX,
    JOB_PROFILES,
    LESSON_DESCRIPTION_TR,
    LESSONS,
    NO_COVER,
    ORGS,
    PEOPLE,
    PLAN_TR,
    QUESTION_TR,
    SHOWCASE_PRODUCT,
    SKILL_TR,
    SKILLS,
    VARIANT_TR,
    demo_cover,
)
from app.extensions import db
from app.giftcards.services import disable_gift_card, issue_gift_card
from app.learn import authoring as learn
from app.learn.content_translations import set_question_translation
from app.markets.services import create_brand, create_market, create_region
from app.orgs.models import Org, OrgEmployee, OrgMember
from app.orgs.services import add_employee, create_org, ensure_member, get_org_by_slug
from app.platform.models import Skill, SkillTranslation
from app.platform.reference import load_reference_data
from app.pricing.pipeline import LineInput, quote
from app.tax.services import create_category, create_rate

__all__ = ["database_is_empty", "demo_summary", "load_demo"]


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
    logins = [(person["role"], person["email"]) for person in PEOPLE if person.get("role")]
    return urls, logins


def load_demo() -> None:
    """Load the demo organizations (idempotent; flushes, never commits)."""
    load_reference_data()
    ctx = _Context(now=utcnow())
    _ensure_skills()
    for person in PEOPLE:
        ctx.users[person["key"]] = _ensure_user(person)
    for key, profile in JOB_PROFILES.items():
        ctx.jobs[key] = _ensure_job_profile(ctx.users[key], **profile)
    for spec in ORGS:
        if get_org_by_slug(spec["org"]["slug"], active_only=False) is None:
            _build_org(ctx, spec)
    db.session.flush()


# ---- people and skills ---------------------------------------------------------------------

def _ensure_user(person: dict) -> User:
    user = get_user_by_email(person["email"])
    if user is None:
        user = create_user(person["email"], current_app.config["DEMO_PASSWORD"], person["name"], verified=True)
    for position, key in enumerate(person.get("locales", ("en",))):
        set_locale_preference(user, key, proficiency="native" if position == 0 else "fluent",
                              is_default=position == 0)
    return user


def _ensure_job_profile(user: User, *, slug: str, hourly_rate: str, **fields) -> UserJobProfile:
    existing = db.session.scalar(sa.select(UserJobProfile).where(UserJobProfile.slug == slug))
    if existing is not None:
        return existing
    return create_job_profile(user, slug=slug, hourly_rate=Decimal(hourly_rate), **fields)


def _ensure_skills() -> None:
    """The platform skill taxonomy (no service: it is reference data, inserted directly)."""
    existing = {s.slug: s for s in db.session.scalars(sa.select(Skill))}
    for slug, name, parent in SKILLS:
        if slug not in existing:
            skill = Skill(slug=slug, name=name, parent_id=existing[parent].id if parent else None)
            db.session.add(skill)
            db.session.flush()
            existing[slug] = skill
            for locale_key, translated_name in SKILL_TR.get(slug, {}).items():
                db.session.add(SkillTranslation(skill=skill, locale_key=locale_key, name=translated_name))
    db.session.flush()


# ---- one organization ----------------------------------------------------------------------

@dataclass
class _Context:
    now: datetime
    users: dict[str, User] = field(default_factory=dict)
    jobs: dict[str, UserJobProfile] = field(default_factory=dict)

    @property
    def since(self) -> datetime:
        """A fixed start a year back (midnight), for tax rates, discounts and attributions."""
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
    orders: dict[tuple[str, str], Any] = field(default_factory=dict)  # (member key, product slug) -> order

    @property
    def admin(self) -> OrgEmployee:
        """The org's admin, who makes (and is audited for) the set-up changes."""
        return self.employees["admin"]


def _build_org(ctx: _Context, spec: dict) -> None:
    """One organization of ``demo_data.ORGS``, part by part."""
    o = _Org(_create_org(**spec["org"]))
    _add_people(ctx, o, spec)
    _add_brands_and_markets(o, spec)
    _add_tax(ctx, o, **spec["tax"])
    for product, creator in spec["products"]:
        _product(o, product, o.employees[creator])
    _add_covers(o)
    _add_collections_and_discounts(ctx, o, spec)
    _add_buyer_translations(o)
    _add_attributions(ctx, o, spec.get("attributions", ()))
    _add_reviews_and_ratings(o, spec.get("reviews", ()), spec.get("course_ratings", ()))
    _add_gift_cards(ctx, o, spec.get("gift_cards", ()), issued_by=spec.get("gift_cards_issued_by"))
    _place_orders(ctx, o, spec.get("orders", ()))
    _refund_and_pay_out(o, spec.get("refunds", ()), spec.get("payouts", ()))


def _create_org(*, platform_fee_percent: str | None = None, **fields) -> Org:
    if platform_fee_percent is not None:
        fields["platform_fee_percent"] = Decimal(platform_fee_percent)
    return create_org(**fields)


def _add_people(ctx: _Context, o: _Org, spec: dict) -> None:
    """Employees (with their public job profile, if they have one) and members."""
    for key, person, role in spec["employees"]:
        o.employees[key] = add_employee(o.org, ctx.users[person], role=role, job_profile=ctx.jobs.get(person))
    for person, membership_type, country in spec["members"]:
        member = ensure_member(o.org, ctx.users[person], membership_type=membership_type)
        if country is not None:
            member.billing_country_code = country  # no service sets it yet (checkout will)
        o.members[person] = member


def _add_brands_and_markets(o: _Org, spec: dict) -> None:
    for key, brand in spec["brands"].items():
        o.brands[key] = create_brand(o.org, by=o.admin, **brand)
    for market in spec["markets"]:
        fields = dict(market)
        fields["brand"] = o.brands[fields["brand"]]
        o.markets[market["slug"]] = create_market(o.org, by=o.admin, **fields)


def _add_tax(ctx: _Context, o: _Org, *, categories: dict[str, tuple[str, str]], regions: dict[str, tuple],
             rates: list[tuple]) -> None:
    """``rates``: (category code, region key, name, rate fraction or None, fixed amount or None, currency)."""
    for code, (name, description) in categories.items():
        o.tax[code] = create_category(o.org, code=code, name=name, description=description, by=o.admin)
    region_rows = {
        key: create_region(o.org, name=name, country_code=country, subdivision_code=subdivision, by=o.admin)
        for key, (name, country, subdivision) in regions.items()
    }
    for code, region, name, rate, amount, currency in rates:
        create_rate(
            o.org, category=o.tax[code], region=region_rows[region], name=name,
            type="percent" if rate is not None else "fixed",
            rate=Decimal(rate) if rate is not None else None,
            amount=Decimal(amount) if amount is not None else None, currency_code=currency,
            effective_from=ctx.since, by=o.admin,
        )


def _add_collections_and_discounts(ctx: _Context, o: _Org, spec: dict) -> None:
    for collection in spec.get("collections", ()):
        fields = dict(collection)
        slugs = fields.pop("products")
        row = catalog.create_collection(o.org, by=o.admin, **fields)
        for slug in slugs:
            catalog.add_to_collection(row, o.products[slug], by=o.admin)
    for discount in spec.get("discounts", ()):
        fields = dict(discount)
        fields["value"] = Decimal(fields["value"])
        fields["market"] = o.markets[fields["market"]]
        if "ends_in_days" in fields:
            fields["ends_at"] = ctx.now + timedelta(days=fields.pop("ends_in_days"))
        catalog.create_discount(o.org, starts_at=ctx.since, by=o.admin, **fields)


def _add_attributions(ctx: _Context, o: _Org, attributions) -> None:
    """Revenue shares, set by the org's admin, effective from a year back."""
    for slug, shares in attributions:
        for who, percent, kind in shares:
            set_attribution(o.products[slug], o.employees[who], percent=Decimal(percent), type=kind,
                            effective_from=ctx.since, by=o.admin)


def _add_reviews_and_ratings(o: _Org, reviews, ratings) -> None:
    """Reviews (service) and learners' own level/difficulty ratings (no service yet: inserted directly)."""
    for slug, who, rating, title, body in reviews:
        catalog.add_review(o.products[slug], o.members[who], rating=rating, title=title, body=body)
    for slug, who, level, difficulty in ratings:
        db.session.add(OrgProductCourseRating(org_id=o.org.id, course_product_id=o.products[slug].id,
                                              member_id=o.members[who].id, level=level, difficulty=difficulty))
    db.session.flush()


def _add_gift_cards(ctx: _Context, o: _Org, cards, *, issued_by: str | None) -> None:
    for card in cards:
        fields = dict(card)
        expires_in_days = fields.pop("expires_in_days", None)
        expired_days_ago = fields.pop("expired_days_ago", None)
        disabled = fields.pop("disabled", False)
        row = issue_gift_card(
            o.org, amount=Decimal(fields.pop("amount")), by=o.employees[issued_by],
            expires_at=ctx.now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
            **fields,
        )
        if expired_days_ago is not None:
            # The service only issues cards that expire in the future; back-date this one.
            row.expires_at = ctx.now - timedelta(days=expired_days_ago)
        if disabled:
            disable_gift_card(row, by=o.employees[issued_by])
    db.session.flush()


def _place_orders(ctx: _Context, o: _Org, orders) -> None:
    """Paid orders placed through the order services (priced by the real pipeline, with tax)."""
    from app.entitlements.models import OrgMemberSubscription
    from app.orders import billing
    from app.orders.services import mark_paid, place_order

    for who, market_key, country, slug, plan_name, days_ago, usage in orders:
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
        o.orders[(who, slug)] = order
        if usage:
            subscription = db.session.scalar(
                sa.select(OrgMemberSubscription).where(OrgMemberSubscription.order_id == order.id))
            billing.record_usage(subscription, usage, note="AI tutor questions", at=at + timedelta(days=1))
    db.session.flush()


def _refund_and_pay_out(o: _Org, refunds, payouts) -> None:
    """Partial refunds (the revenue rows and the ledger follow) and payouts to creators."""
    from app.orders.services import refund_amount
    from app.revenue.payouts import record_payout

    for who, slug, amount in refunds:
        refund_amount(o.orders[(who, slug)], Decimal(amount), by_employee=o.admin, reason="Demo: partial refund")
    for key, currency, amount, method, reference in payouts:
        record_payout(o.employees[key], amount=Decimal(amount), currency_code=currency, method=method,
                      reference=reference, by=o.admin)
    db.session.flush()


# ---- products and courses ------------------------------------------------------------------

def _product(o: _Org, spec: dict, creator: OrgEmployee | None = None):
    """A product with its translations, variants, plans and a price in each market listed."""
    product = catalog.create_product(
        o.org, type=spec["type"], name=spec["name"], slug=spec["slug"], description=spec["description"],
        status="published" if spec.get("status", "published") != "draft" else "draft",
        tax_category=o.tax[spec["tax"]], brand=o.brands.get(spec.get("brand", "")), seo=spec.get("seo"),
        weight_grams=spec.get("weight_grams"), shipping_note=spec.get("shipping_note"), by=o.admin,
    )
    for locale_key, (name, description) in spec.get("tr", {}).items():
        catalog.set_product_translation(product, locale_key, name=name, description=description,
                                        shipping_note=spec.get("shipping_tr", {}).get(locale_key), by=o.admin)
    for v in spec["variants"]:
        variant = catalog.add_variant(product, name=v["name"], sku=v.get("sku"), download_url=v.get("download_url"),
                                      requires_shipping=v.get("requires_shipping", False), by=o.admin)
        for p in v["plans"]:
            plan = catalog.add_plan(variant, type=p["type"], name=p["name"], access_tier=p.get("tier", 1),
                                    description=p.get("description"), by=o.admin, **p.get("options", {}))
            for market_slug, price in p["prices"].items():
                amount, per_unit = price if isinstance(price, tuple) else (price, None)
                catalog.set_market_price(plan, o.markets[market_slug], price=Decimal(amount),
                                         price_per_unit=Decimal(per_unit) if per_unit is not None else None,
                                         by=o.admin)
    if "course" in spec:
        _course_structure(o, product, spec["course"], creator)
    if spec.get("status") == "archived":
        catalog.archive_product(product, by=o.admin)
    o.products[spec["slug"]] = product
    return product


def _add_buyer_translations(o: _Org) -> None:
    """What buyers and learners read, in the org's other languages: plan and variant names,
    collections, lesson summaries and quiz questions (``demo_data``'s ``*_TR``)."""
    locales = {row.locale_key for row in o.org.locales if row.is_active and row.can_author}

    def wanted(locale_key: str) -> bool:
        return locale_key in locales

    for slug, product in o.products.items():
        for variant in product.variants:
            for locale_key, name in VARIANT_TR.get((slug, variant.name), {}).items():
                if wanted(locale_key):
                    catalog.set_variant_translation(variant, locale_key, name=name, by=o.admin)
            for plan in variant.plans:
                for locale_key, (name, description) in PLAN_TR.get((slug, plan.name), {}).items():
                    if wanted(locale_key):
                        set_plan_translation(plan, locale_key, name=name, description=description, by=o.admin)
    for collection in db.session.scalars(sa.select(OrgProductCollection).where(
            OrgProductCollection.org_id == o.org.id, OrgProductCollection.slug.in_(COLLECTION_TR))):
        for locale_key, (name, description) in COLLECTION_TR[collection.slug].items():
            if wanted(locale_key):
                catalog.set_collection_translation(collection, locale_key, name=name, description=description,
                                                   by=o.admin)
    for key, lesson in o.lessons.items():
        for locale_key, description in LESSON_DESCRIPTION_TR.get(key, {}).items():
            if wanted(locale_key):
                learn.set_translation(lesson, locale_key, description=description, by=o.admin)
        for question, texts in zip(lesson.questions, QUESTION_TR.get(key, ()), strict=False):
            for locale_key, (prompt, choices, explanation) in texts.items():
                if wanted(locale_key):
                    keys = [str(c["key"]) for c in question.choices]
                    set_question_translation(question, locale_key, prompt=prompt, explanation=explanation,
                                             choices={k: t for k, t in zip(keys, choices, strict=True) if t},
                                             by=o.admin)
    db.session.flush()


def _add_covers(o: _Org) -> None:
    """A generated cover image for each product (but those of ``NO_COVER``: they show the placeholder)."""
    for slug, product in o.products.items():
        if slug not in NO_COVER:
            media.set_product_cover(product, demo_cover(product.name, slug), f"The title {product.name} on a coloured background",
                                    by=o.admin)


def _course_structure(o: _Org, product, spec: dict, creator: OrgEmployee | None) -> None:
    course = learn.create_course(product, level=spec["level"], difficulty=spec["difficulty"],
                                 duration_minutes=spec.get("duration"), prerequisites=spec.get("prerequisites"),
                                 skill_slugs=spec.get("skills", ()), by=o.admin)
    for m in spec["modules"]:
        module = learn.add_module(course, title=m["title"], description=m.get("description"),
                                  required_access_tier=m.get("tier", 1), by=o.admin)
        for locale_key, fields in m.get("tr", {}).items():
            learn.set_translation(module, locale_key, by=o.admin, **fields)
        for s in m["sections"]:
            section = learn.add_section(module, title=s["title"], description=s.get("description"),
                                        required_access_tier=s.get("tier", 1), by=o.admin)
            for locale_key, title in s.get("tr", {}).items():
                learn.set_translation(section, locale_key, title=title, by=o.admin)
            for placement in s["lessons"]:
                key, tier, preview = _placement(placement)
                learn.place_lesson(section, _lesson(o, key, creator), required_access_tier=tier,
                                   is_free_preview=preview, by=o.admin)


def _placement(spec) -> tuple[str, int, bool]:
    """``"key"``, ``("key", tier)`` or ``("key", tier, is_free_preview)``."""
    if isinstance(spec, str):
        return spec, 1, False
    key, tier, *preview = spec
    return key, tier, bool(preview and preview[0])


def _lesson(o: _Org, key: str, creator: OrgEmployee | None):
    """The org's reusable lesson ``key`` (created on first use, then placed wherever it is needed)."""
    if key in o.lessons:
        return o.lessons[key]
    spec = dict(LESSONS[key])
    questions = spec.pop("questions", ())
    translations = spec.pop("tr", {})
    author = creator or o.admin  # a creator writes their own lessons
    lesson = learn.create_lesson(o.org, by=author, **spec)
    for prompt, kind, choices, explanation in questions:
        learn.add_quiz_question(lesson, prompt=prompt, kind=kind, choices=choices, explanation=explanation,
                                by=author)
    for locale_key, fields in translations.items():
        learn.set_translation(lesson, locale_key, by=author,
                              **(fields if isinstance(fields, dict) else {"title": fields}))
    o.lessons[key] = lesson
    return lesson
