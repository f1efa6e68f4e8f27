"""Test data, built through the services so it obeys the same rules as production data.

Plain functions, one section per feature (in DESIGN.md's dependency order). Each takes the
objects it hangs off positionally and everything else as keyword arguments with sensible
defaults; unique slugs and emails come from ``unique()``. They flush, never commit; call them
inside an app context (``app_ctx``/``db_session``, or ``with app.app_context():`` in view tests).

Services that change org data take the acting employee (``by``): the factories pass ``by`` when
given, else the org's admin (``org_admin``, created on first use).

Add new features as new sections below (catalog, learn, giftcards, ...), reusing these helpers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User, UserJobProfile
from app.markets.models import OrgBrand, OrgMarket, OrgRegion
from app.orgs.models import Org, OrgEmployee, OrgMember
from app.tax.models import OrgTaxCategory, OrgTaxRate

PASSWORD = "correct horse battery staple"
ORG_LOCALES = ("en", "de", "fr", "es")

_sequence = itertools.count(1)


def unique(prefix: str = "x") -> str:
    """``prefix-7``: distinct within the test run (slugs, emails, codes)."""
    return f"{prefix}-{next(_sequence)}"


# ---- accounts ------------------------------------------------------------------------------

def make_user(email: str | None = None, *, password: str = PASSWORD, display_name: str | None = None,
              verified: bool = True) -> User:
    from app.accounts.services import create_user

    email = email or f"{unique('user')}@example.com"
    return create_user(email, password, display_name or email.split("@")[0].title(), verified=verified)


def make_job_profile(user: User | None = None, *, slug: str | None = None, title: str = "Instructor",
                     **kwargs) -> UserJobProfile:
    from app.accounts.jobs import create_job_profile

    return create_job_profile(user or make_user(), slug=slug or unique("creator"), title=title, **kwargs)


# ---- orgs ----------------------------------------------------------------------------------

def make_org(slug: str | None = None, *, name: str | None = None, locale_keys: Iterable[str] = ORG_LOCALES,
             default_locale_key: str = "en", **kwargs) -> Org:
    """An active org that can author en, de, fr and es (English by default)."""
    from app.orgs.services import create_org

    slug = slug or unique("org")
    return create_org(name=name or slug.replace("-", " ").title(), slug=slug,
                      default_locale_key=default_locale_key, locale_keys=tuple(locale_keys), **kwargs)


def make_member(org: Org, user: User | None = None, *, membership_type: str = "learner") -> OrgMember:
    from app.orgs.services import ensure_member

    return ensure_member(org, user or make_user(), membership_type=membership_type)


def make_employee(org: Org, user: User | None = None, *, role: str = "admin",
                  job_profile: UserJobProfile | None = None) -> OrgEmployee:
    from app.orgs.services import add_employee

    return add_employee(org, user or make_user(), role=role, job_profile=job_profile)


def org_admin(owner) -> OrgEmployee:
    """An active admin of the org of ``owner`` (an org, an org id or any org-owned row): the org's
    first one, created when it has none. The acting employee (``by``) of set-up calls in tests."""
    import sqlalchemy as sa

    from app.extensions import db

    org_id = owner if isinstance(owner, str) else owner.id if isinstance(owner, Org) else owner.org_id
    admin = db.session.scalar(
        sa.select(OrgEmployee).where(OrgEmployee.org_id == org_id, OrgEmployee.role == "admin",
                                     OrgEmployee.status == "active").order_by(OrgEmployee.hired_at, OrgEmployee.id)
        .limit(1)
    )
    return admin or make_employee(db.session.get(Org, org_id), role="admin")


# ---- markets -------------------------------------------------------------------------------

def make_brand(org: Org, *, slug: str | None = None, name: str | None = None, **kwargs) -> OrgBrand:
    from app.markets.services import create_brand

    slug = slug or unique("brand")
    kwargs.setdefault("by", org_admin(org))
    return create_brand(org, name=name or slug.title(), slug=slug, **kwargs)


def make_market(org: Org, slug: str | None = None, *, name: str | None = None, type: str = "multi_region",
                currency_code: str = "EUR", locale_keys: Iterable[str] = ("en", "de"),
                default_locale_key: str | None = None, country_codes: Iterable[str] | None = None,
                **kwargs) -> OrgMarket:
    """An active EUR market offering en and de to Germany and Austria, unless told otherwise.

    Without ``country_codes``, a country already in another active market of the org (which the
    rules refuse) is replaced by a free one, so a test can make several markets of one org."""
    from app.markets.services import create_market

    slug = slug or unique("mkt")
    if country_codes is None:
        country_codes = _free_countries(org, ("DE", "AT"))
    locale_keys = tuple(locale_keys)
    kwargs.setdefault("by", org_admin(org))
    return create_market(
        org, slug=slug, name=name or slug.upper(), type=type, currency_code=currency_code,
        default_locale_key=default_locale_key or locale_keys[0], locale_keys=locale_keys,
        country_codes=tuple(country_codes), **kwargs,
    )


def _free_countries(org: Org, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """``wanted`` with each country taken by an active market of ``org`` replaced by a free one."""
    from app.extensions import db
    from app.markets.models import OrgMarketCountry
    from app.platform.models import Country

    taken = set(db.session.scalars(
        sa.select(OrgMarketCountry.country_code).join(OrgMarket, OrgMarket.id == OrgMarketCountry.market_id)
        .where(OrgMarket.org_id == org.id, OrgMarket.is_active.is_(True))))
    spare = iter(db.session.scalars(sa.select(Country.code).where(Country.is_active.is_(True),
                                                                    Country.code.not_in(taken | set(wanted)))
                                    .order_by(Country.code)))
    return tuple(code if code not in taken else next(spare) for code in wanted)


def make_region(org: Org, country_code: str = "DE", subdivision_code: str | None = None, *,
                name: str | None = None, by: OrgEmployee | None = None) -> OrgRegion:
    from app.markets.services import create_region

    return create_region(org, name=name or subdivision_code or country_code, country_code=country_code,
                         subdivision_code=subdivision_code, by=by or org_admin(org))


# ---- tax -----------------------------------------------------------------------------------

def make_tax_category(org: Org, code: str = "standard", *, name: str | None = None,
                      by: OrgEmployee | None = None) -> OrgTaxCategory:
    from app.tax.services import create_category

    return create_category(org, code=code, name=name or code.replace("-", " ").title(), by=by or org_admin(org))


def make_tax_rate(org: Org, *, category: OrgTaxCategory | None = None, region: OrgRegion | None = None,
                  name: str = "VAT", type: str = "percent", rate: Decimal | None = None,
                  effective_from: datetime | None = None, **kwargs) -> OrgTaxRate:
    """A rate of ``category`` in ``region`` (standard / Germany by default); percent rates default to 19%."""
    from app.tax.services import create_rate

    if type == "percent" and rate is None:
        rate = Decimal("0.19")
    kwargs.setdefault("by", org_admin(org))
    return create_rate(
        org, category=category or make_tax_category(org), region=region or make_region(org), name=name,
        type=type, rate=rate, effective_from=effective_from, **kwargs,
    )


# ---- catalog (added by the catalog/learn services author) -----------------------------------

def make_product(org: Org, *, type: str = "course", name: str | None = None, slug: str | None = None,
                 status: str = "published", **kwargs):
    """A published course product with a unique slug, unless told otherwise."""
    from app.catalog.services import create_product

    slug = slug or unique("product")
    kwargs.setdefault("by", org_admin(org))
    return create_product(org, type=type, name=name or slug.replace("-", " ").title(), slug=slug,
                          status=status, **kwargs)


def make_plan(product, *, type: str = "one_time", name: str | None = None, access_tier: int = 1,
              variant=None, **kwargs):
    """A payment plan on ``variant`` (default: the product's default variant, created if missing).
    Subscription plans default to monthly, usage-based plans to the unit "credit"."""
    from app.catalog.services import add_plan, add_variant

    kwargs.setdefault("by", org_admin(product))
    if variant is None:
        variant = product.default_variant or add_variant(product, name="Standard", by=kwargs["by"])
    if type == "subscription":
        kwargs.setdefault("interval", "month")
    if type == "usage_based":
        kwargs.setdefault("usage_unit", "credit")
    return add_plan(variant, type=type, name=name or f"{type.replace('_', ' ').title()} tier {access_tier}",
                    access_tier=access_tier, **kwargs)


def make_priced_plan(market: OrgMarket, *, product=None, price: Decimal | str = Decimal("49.00"),
                     price_per_unit: Decimal | str | None = None, **plan_kwargs):
    """A plan priced in ``market`` (of a new published course product of the market's org by default)."""
    from app.catalog.services import set_market_price
    from app.extensions import db

    product = product or make_product(db.session.get(Org, market.org_id))
    plan = make_plan(product, **plan_kwargs)
    if plan.type == "usage_based" and price_per_unit is None:
        price_per_unit = Decimal("0.10")
    set_market_price(plan, market, price=price, price_per_unit=price_per_unit, by=plan_kwargs.get("by") or org_admin(plan))
    return plan


# ---- learn (added by the catalog/learn services author) -------------------------------------

def make_lesson(org: Org, *, type: str = "text", title: str | None = None, **kwargs):
    from app.learn.authoring import create_lesson

    if type == "video":
        kwargs.setdefault("video_url", "https://video.example.com/lesson.mp4")
    if type == "file":
        kwargs.setdefault("file_url", "https://files.example.com/handout.pdf")
    if type == "text":
        kwargs.setdefault("content", "Lesson text.")
    kwargs.setdefault("by", org_admin(org))
    return create_lesson(org, type=type, title=title or unique("Lesson"), **kwargs)


def make_course(org: Org, *, product=None, level: str = "beginner", difficulty: int = 3,
                module_tiers: Iterable[int] = (1,), lessons_per_section: int = 2, **kwargs):
    """A course with one module per entry of ``module_tiers`` (that module's required tier), each
    holding one section of ``lessons_per_section`` placed text lessons."""
    from app.learn.authoring import add_module, add_section, create_course, place_lesson

    by = kwargs.pop("by", None) or org_admin(org)
    course = create_course(product or make_product(org, type="course"), level=level, difficulty=difficulty,
                           by=by, **kwargs)
    for number, tier in enumerate(module_tiers, 1):
        module = add_module(course, title=f"Module {number}", required_access_tier=tier, by=by)
        section = add_section(module, title=f"Section {number}.1", by=by)
        for _n in range(lessons_per_section):
            place_lesson(section, make_lesson(org, by=by), by=by)
    return course


# ---- learn: access and the course player (added by the course player author) -----------------

def make_access(member: OrgMember, product, *, tier: int = 1, subscription=None, plan=None,
                source: str = "purchase", starts_at: datetime | None = None, **kwargs):
    """An ``org_member_product_access`` row (an entitlement) inserted directly: the member may use
    ``product`` at ``tier`` (subscription-backed when ``subscription`` is given)."""
    from datetime import timedelta

    from app.db import utcnow
    from app.entitlements.models import OrgMemberProductAccess
    from app.extensions import db

    row = OrgMemberProductAccess(
        org_id=member.org_id, member_id=member.id, product_id=product.id, access_tier=tier,
        plan_id=plan.id if plan is not None else None,
        subscription_id=subscription.id if subscription is not None else kwargs.pop("subscription_id", None),
        source=source,
        starts_at=starts_at or utcnow() - timedelta(minutes=1), **kwargs,
    )
    db.session.add(row)
    db.session.flush()
    return row


def make_subscription(member: OrgMember, plan, market: OrgMarket, *, status: str = "active", days: int = 30):
    """A subscription of ``member`` to ``plan`` whose current period started now (minus a minute)."""
    from datetime import timedelta

    from app.db import utcnow
    from app.entitlements.models import OrgMemberSubscription
    from app.extensions import db

    now = utcnow()
    sub = OrgMemberSubscription(
        org_id=member.org_id, member_id=member.id, plan_id=plan.id, market_id=market.id,
        product_id=plan.variant.product_id, currency_code=market.currency_code, status=status,
        current_period_start=now - timedelta(minutes=1), current_period_end=now + timedelta(days=days),
    )
    db.session.add(sub)
    db.session.flush()
    return sub


def course_placements(course) -> list:
    """The course's lesson placements in syllabus order (modules -> sections -> placements)."""
    return [p for m in course.modules for s in m.sections for p in s.placements]
