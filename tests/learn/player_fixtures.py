"""Shared data for the course player tests: an org with a three-tier course sold in one market.

Import the fixture into a test module with ``from tests.learn.player_fixtures import school  # noqa: F401``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from app.catalog.services import set_market_price
from app.db import utcnow
from app.extensions import db
from app.learn.authoring import add_module, add_section, create_course, place_lesson
from tests.factories import (
    make_employee,
    make_lesson,
    make_market,
    make_member,
    make_org,
    make_plan,
    make_product,
    make_user,
    org_admin,
)

LEARNER = "learner@example.com"
ADMIN = "admin@example.com"
CREATOR = "creator@example.com"
OTHER_CREATOR = "other-creator@example.com"
VISITOR_NAME = "Lena Learner"


@dataclass
class School:
    org_id: str
    org_slug: str
    market_id: str
    product_id: str
    slug: str
    prefix: str
    placements: list[str]  # syllabus order: 2 lessons at tier 1, 2 at tier 2, 2 at tier 3
    lesson_ids: list[str]
    plan_ids: dict[int, str]  # tier -> plan id
    member_id: str
    extra: dict = field(default_factory=dict)

    def url(self, placement_index: int | None = None, suffix: str = "") -> str:
        base = f"{self.prefix}/learn/{self.slug}/"
        if placement_index is None:
            return base + suffix
        return base + self.placements[placement_index] + suffix


def build_school(slug: str = "school", *, course_slug: str = "data-course", learner_email: str = LEARNER,
                 learner=None, with_staff: bool = True) -> School:
    """Create (flush) the school; call inside an app context and commit afterwards."""
    from app.catalog.attributions import set_attribution

    org = make_org(slug, name=slug.title() + " Academy", locale_keys=("en", "de"))
    market = make_market(org, "eu", name="Europe", locale_keys=("en", "de"), default_locale_key="en")
    product = make_product(org, name="Data Course", slug=course_slug)
    course = create_course(product, level="beginner", difficulty=3, skill_slugs=(), by=org_admin(product))
    placements, lessons = [], []
    kinds = [("text", {"content": "# Welcome\n\nThe **first** lesson.<script>alert(1)</script>"}),
             ("video", {"captions_url": "https://video.example.com/captions.vtt"}),
             ("text", {"content": "Tier two secret content"}),
             ("file", {"file_name": "handout.pdf"}),
             ("text", {"content": "Tier three secret content"}),
             ("text", {"content": "Tier three final words"})]
    for number, tier in enumerate((1, 2, 3), 1):
        module = add_module(course, title=f"Module {number}", required_access_tier=tier, by=org_admin(course))
        section = add_section(module, title=f"Section {number}.1", by=org_admin(module))
        for kind, extra in kinds[(number - 1) * 2:number * 2]:
            lesson = make_lesson(org, type=kind, title=f"Lesson {len(lessons) + 1}", **extra)
            placements.append(place_lesson(section, lesson, by=org_admin(section)))
            lessons.append(lesson)
    plans = {}
    for tier, (name, price) in {1: ("Basic", "49.00"), 2: ("Premium", "99.00")}.items():
        plan = make_plan(product, name=name, access_tier=tier)
        set_market_price(plan, market, price=Decimal(price), by=org_admin(plan))
        plans[tier] = plan
    vip = make_plan(product, type="subscription", name="VIP", access_tier=3)
    set_market_price(vip, market, price=Decimal("29.00"), by=org_admin(vip))
    plans[3] = vip
    learner = learner or make_user(learner_email, display_name=VISITOR_NAME)
    member = make_member(org, learner)
    extra = {}
    if with_staff:
        admin = make_employee(org, make_user(f"{slug}-{ADMIN}"), role="admin")
        creator = make_employee(org, make_user(f"{slug}-{CREATOR}"), role="creator")
        make_employee(org, make_user(f"{slug}-{OTHER_CREATOR}"), role="creator")
        set_attribution(product, creator, percent=Decimal("50"), type="creator",
                        effective_from=utcnow() - timedelta(days=1), by=admin)
    db.session.flush()
    return School(
        org_id=org.id, org_slug=org.slug, market_id=market.id, product_id=product.id, slug=course_slug,
        prefix=f"/{org.slug}/eu/en", placements=[p.id for p in placements], lesson_ids=[x.id for x in lessons],
        plan_ids={t: p.id for t, p in plans.items()}, member_id=member.id, extra=extra,
    )


@pytest.fixture
def school(app) -> School:
    with app.app_context():
        built = build_school()
        db.session.commit()
        return built


def grant(app, school: School, tier: int, **kwargs):
    """Give the school's learner an access row at ``tier`` (committed); returns its id."""
    from app.catalog.models import OrgProduct
    from app.orgs.models import OrgMember
    from tests.factories import make_access

    with app.app_context():
        member = db.session.get(OrgMember, school.member_id)
        product = db.session.get(OrgProduct, school.product_id)
        row = make_access(member, product, tier=tier, **kwargs)
        db.session.commit()
        return row.id


def html_of(response) -> str:
    return response.get_data(as_text=True)


def sidebar_state(html: str) -> dict[str, dict[str, str]]:
    """placement id -> {"locked": "true"/"false", "completed": ...} read from the syllabus."""
    state = {}
    for match in re.finditer(
        r'data-placement="([^"]+)" data-tier="(\d+)" data-locked="(\w+)" data-completed="(\w+)"', html
    ):
        state[match.group(1)] = {"tier": match.group(2), "locked": match.group(3), "completed": match.group(4)}
    return state
