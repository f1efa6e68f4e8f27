"""Permissions enforced in the services (DESIGN.md §3): every service that changes org data takes
the acting employee (``by``), refuses a role the matrix does not allow (PermissionDeniedError,
nothing written) and an employee of another org (NotFoundError: the org's rows do not exist for
them), and writes the audit log when it changes something.

One row per service family and capability: catalog (catalog_all, catalog_own for the products an
employee is attributed to), revenue shares (catalog_all), course authoring (catalog_own), tax,
markets and brands (org_settings) and gift cards (gift_cards)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.catalog import services as catalog
from app.catalog.attributions import set_attribution
from app.catalog.models import OrgDiscount, OrgEmployeeProductAttribution, OrgProduct, OrgProductVariant
from app.courses.models import OrgLesson, OrgProductCourseModule
from app.errors import NotFoundError, PermissionDeniedError
from app.extensions import db
from app.giftcards import services as giftcards
from app.giftcards.models import OrgGiftCard
from app.learn import authoring
from app.markets import services as markets
from app.markets.models import OrgBrand, OrgMarket
from app.orgs.models import Org, OrgAuditLog, OrgEmployee
from app.orgs.permissions import CAPABILITIES
from app.revenue.services import end_attribution
from app.tax import services as tax
from app.tax.models import OrgTaxCategory, OrgTaxRate
from tests.factories import (
    make_course,
    make_employee,
    make_lesson,
    make_market,
    make_org,
    make_product,
    make_region,
    make_tax_category,
    make_tax_rate,
    org_admin,
    unique,
)


@dataclass
class Shop:
    org: Org
    admin: OrgEmployee
    product: OrgProduct
    course: Any
    market: OrgMarket
    category: OrgTaxCategory
    rate: OrgTaxRate
    card: OrgGiftCard
    lesson: OrgLesson


def build_shop() -> Shop:
    org = make_org()
    admin = org_admin(org)
    product = make_product(org, type="course")
    course = make_course(org, product=product)
    market = make_market(org)
    category = make_tax_category(org, unique("cat"))
    rate = make_tax_rate(org, category=category, region=make_region(org, "FR"))
    card = giftcards.issue_gift_card(org, amount=Decimal("25"), currency_code="EUR", by=admin)
    lesson = make_lesson(org)
    return Shop(org, admin, product, course, market, category, rate, card, lesson)


def _rows(model, org_id: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.org_id == org_id))


@dataclass(frozen=True)
class Case:
    name: str
    forbidden: str  # a role the matrix does not allow
    call: Callable[[Shop, OrgEmployee], Any]
    state: Callable[[Shop], Any]  # what must not change when refused


def _count(model) -> Callable[[Shop], int]:
    return lambda s: _rows(model, s.org.id)


CASES = [
    # catalog_all: new products, collections, discounts
    Case("catalog.create_product", "staff",
         lambda s, by: catalog.create_product(s.org, type="course", name="New", slug=unique("p"), by=by),
         _count(OrgProduct)),
    Case("catalog.create_discount", "staff",
         lambda s, by: catalog.create_discount(s.org, code=unique("SAVE").upper(), name="Sale", type="percent",
                                               value="10", by=by),
         _count(OrgDiscount)),
    # catalog_own: a product's content (a creator not attributed to it is refused)
    Case("catalog.update_product", "creator",
         lambda s, by: catalog.update_product(s.product, name="Renamed", by=by),
         lambda s: db.session.scalar(sa.select(OrgProduct.name).where(OrgProduct.id == s.product.id))),
    Case("catalog.add_variant", "staff",
         lambda s, by: catalog.add_variant(s.product, name="Deluxe", by=by), _count(OrgProductVariant)),
    Case("catalog.archive_product", "staff",
         lambda s, by: catalog.archive_product(s.product, by=by),
         lambda s: db.session.scalar(sa.select(OrgProduct.status).where(OrgProduct.id == s.product.id))),
    # catalog_all: who earns what share of a product (admins and managers)
    Case("attributions.set_attribution", "creator",
         lambda s, by: set_attribution(s.product, s.admin, percent=Decimal("10"), by=by),
         _count(OrgEmployeeProductAttribution)),
    # course authoring (catalog_own)
    Case("authoring.add_module", "staff",
         lambda s, by: authoring.add_module(s.course, title="More", by=by), _count(OrgProductCourseModule)),
    Case("authoring.create_lesson", "staff",
         lambda s, by: authoring.create_lesson(s.org, type="text", title="New", content="Text", by=by),
         _count(OrgLesson)),
    # org_settings: tax, markets, brands
    Case("tax.create_category", "manager",
         lambda s, by: tax.create_category(s.org, code=unique("cat"), name="Books", by=by), _count(OrgTaxCategory)),
    Case("tax.end_rate", "manager",
         lambda s, by: tax.end_rate(s.rate, at=s.rate.effective_from.replace(year=2999), by=by),
         lambda s: db.session.scalar(sa.select(OrgTaxRate.effective_to).where(OrgTaxRate.id == s.rate.id))),
    Case("markets.create_brand", "manager",
         lambda s, by: markets.create_brand(s.org, name="Second", slug=unique("brand"), by=by), _count(OrgBrand)),
    Case("markets.create_market", "manager",
         lambda s, by: markets.create_market(s.org, slug=unique("m"), name="US", type="single_country",
                                             currency_code="USD", default_locale_key="en", locale_keys=["en"],
                                             country_codes=["US"], by=by),
         _count(OrgMarket)),
    # gift_cards
    Case("giftcards.issue_gift_card", "creator",
         lambda s, by: giftcards.issue_gift_card(s.org, amount="10", currency_code="EUR", by=by),
         _count(OrgGiftCard)),
    Case("giftcards.disable_gift_card", "creator",
         lambda s, by: giftcards.disable_gift_card(s.card, by=by),
         lambda s: db.session.scalar(sa.select(OrgGiftCard.is_active).where(OrgGiftCard.id == s.card.id))),
]
IDS = [c.name for c in CASES]


def _audit_rows(org_id: str) -> int:
    return _rows(OrgAuditLog, org_id)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_role_the_matrix_does_not_allow_is_refused_and_nothing_is_written(db_session, case):
    shop = build_shop()
    employee = make_employee(shop.org, role=case.forbidden)
    before, audited = case.state(shop), _audit_rows(shop.org.id)
    with pytest.raises(PermissionDeniedError):
        case.call(shop, employee)
    db_session.expire_all()
    assert case.state(shop) == before
    assert _audit_rows(shop.org.id) == audited


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_another_orgs_employee_gets_not_found_and_nothing_is_written(db_session, case):
    shop = build_shop()
    outsider = make_employee(make_org(), role="admin")  # allowed everything in their own org
    before, audited = case.state(shop), _audit_rows(shop.org.id)
    with pytest.raises(NotFoundError):
        case.call(shop, outsider)
    db_session.expire_all()
    assert case.state(shop) == before
    assert _audit_rows(shop.org.id) == audited


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_admin_may_and_the_change_is_audited(db_session, case):
    shop = build_shop()
    audited = _audit_rows(shop.org.id)
    case.call(shop, shop.admin)
    db_session.expire_all()
    assert _audit_rows(shop.org.id) > audited
    entry = db_session.scalars(
        sa.select(OrgAuditLog).where(OrgAuditLog.org_id == shop.org.id).order_by(OrgAuditLog.created_at.desc(),
                                                                                  OrgAuditLog.id)
    ).first()
    assert entry.actor_employee_id == shop.admin.id and entry.actor_user_id is not None
    assert set(entry.data) == {"before", "after"} and entry.data["after"]


def test_inactive_employees_and_no_employee_are_refused(db_session):
    shop = build_shop()
    gone = make_employee(shop.org, role="admin")
    gone.status = "inactive"
    for by in (gone, None):
        with pytest.raises(PermissionDeniedError):
            tax.create_category(shop.org, code=unique("cat"), name="Books", by=by)


# ---- catalog_own: the products an employee is attributed to -----------------------------------------

def test_a_creator_changes_the_products_attributed_to_them_and_no_others(db_session):
    shop = build_shop()
    creator = make_employee(shop.org, role="creator")
    other = make_product(shop.org)
    set_attribution(shop.product, creator, percent=Decimal("30"), by=shop.admin)

    catalog.update_product(shop.product, name="Mine, renamed", by=creator)
    catalog.add_variant(shop.product, name="Deluxe", by=creator)
    authoring.add_module(shop.course, title="Bonus", by=creator)
    assert shop.product.name == "Mine, renamed"
    with pytest.raises(PermissionDeniedError):
        catalog.update_product(other, name="Not mine", by=creator)
    # new products, collections and discounts are catalog_all
    with pytest.raises(PermissionDeniedError):
        catalog.create_collection(shop.org, slug=unique("c"), name="Picks", by=creator)

    # the attribution ends: the product is no longer theirs to change
    attribution = db_session.scalar(sa.select(OrgEmployeeProductAttribution).where(
        OrgEmployeeProductAttribution.employee_id == creator.id))
    end_attribution(attribution, by=shop.admin)
    with pytest.raises(PermissionDeniedError):
        catalog.update_product(shop.product, name="Again", by=creator)


def test_a_creator_edits_their_own_lessons_and_the_lessons_of_their_courses(db_session):
    shop = build_shop()
    creator = make_employee(shop.org, role="creator")
    mine = authoring.create_lesson(shop.org, type="quiz", title="My quiz", by=creator)
    assert mine.created_by_employee_id == creator.id
    authoring.add_quiz_question(mine, prompt="2 + 2?", kind="single", choices=[("4", True), ("5", False)], by=creator)
    theirs = make_lesson(shop.org)  # by the admin, placed in no course of the creator
    with pytest.raises(PermissionDeniedError):
        authoring.set_translation(theirs, "de", title="Lektion", by=creator)
    section = shop.course.modules[0].sections[0]
    placed = section.placements[0].lesson
    with pytest.raises(PermissionDeniedError):
        authoring.set_translation(placed, "de", title="Lektion", by=creator)
    set_attribution(shop.product, creator, percent=Decimal("30"), by=shop.admin)
    authoring.set_translation(placed, "de", title="Lektion", by=creator)


# ---- no capability of the matrix goes unchecked ----------------------------------------------------

APP_DIR = Path(__file__).resolve().parents[2] / "app"
READ_ONLY = {"orders_view", "own_earnings"}  # they open dashboard pages (app/staff); nothing to change


def test_every_capability_that_changes_data_is_checked_by_a_service():
    """Each capability of the matrix that allows a change is passed to require / can / authorize
    in a service module (not only in a view), so no view can forget it."""
    services = [p for p in APP_DIR.rglob("*.py") if "staff" not in p.parts and p.name != "permissions.py"]
    text = "\n".join(p.read_text() for p in services)
    unchecked = [
        capability for capability in CAPABILITIES if capability not in READ_ONLY
        and not re.search(rf'\b(require|can|authorize)\([^()]*"{capability}"', text)
    ]
    assert unchecked == []
    views = "\n".join(p.read_text() for p in (APP_DIR / "staff").rglob("*.py"))
    assert all(re.search(rf'\b(require|can)\([^()]*"{capability}"', views) for capability in READ_ONLY)
