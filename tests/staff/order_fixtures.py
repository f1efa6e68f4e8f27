"""Real orders for the dashboard's orders pages, placed and paid through the order services: the
academy's learner (no access of their own) buys the Python course, a download, a mug (shipped) and
a coaching session (a service booking) with a gift card, and has a second order awaiting payment;
a manager joins the admin, creators and staff; another academy (another org) has an order too.

Use ``store`` (a fixture) in view tests; ``build_store()`` inside an app context otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProduct, OrgProductVariantPaymentPlan
from app.extensions import db
from app.giftcards.services import issue_gift_card
from app.markets.models import OrgMarket
from app.orders import services as orders
from app.orgs.models import Org, OrgEmployee, OrgMember
from app.pricing import pipeline as pricing
from tests.factories import make_employee, make_member, make_priced_plan, make_product, make_user, unique
from tests.learn.assessment_fixtures import Academy, build_academy

ADDRESS = {"line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}


@dataclass
class Store:
    academy: Academy
    order_id: str
    order_number: str
    course_item: str  # item ids of the paid order
    download_item: str
    mug_item: str
    coaching_item: str
    gift_code: str
    pending_id: str
    manager_email: str
    outsider_email: str  # a member of the org who is not an employee
    other_org_slug: str
    other_admin_email: str
    other_order_id: str

    @property
    def dashboard(self) -> str:
        return self.academy.dashboard

    def order_url(self, order_id: str | None = None, suffix: str = "") -> str:
        return f"{self.dashboard}/orders/{order_id or self.order_id}{suffix}"


def buy(org: Org, member: OrgMember, market: OrgMarket, plans, *, gift_cards=(), pay: bool = True):
    """An order of ``plans`` (plan, product) by ``member``; paid (manual provider) unless told."""
    lines = [pricing.LineInput.for_plan(plan, product, unit_price=plan.price_in(market.id).price)
             for plan, product in plans]
    quote = pricing.quote(org, currency=market.currency_code, tax_inclusive=market.tax_inclusive, lines=lines,
                          billing_country="DE", gift_cards=list(gift_cards), market_id=market.id)
    order = orders.place_order(org, member, market, quote, billing_name="Lena Learner",
                               billing_email="lena@example.com", billing_country="DE",
                               shipping_address=ADDRESS if any(p.type == "physical" for _, p in plans) else None)
    if pay:
        orders.mark_paid(order, provider="manual", reference=f"manual-{order.order_number}")
    return order


def _email(employee: OrgEmployee) -> str:
    return employee.member.user_profile.user.email


def build_store() -> Store:
    a = build_academy(learner_tier=None)
    org = db.session.get(Org, a.org_id)
    market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
    member = db.session.get(OrgMember, a.member_id)
    course = db.session.get(OrgProduct, a.product_id)
    course_plan = db.session.scalar(sa.select(OrgProductVariantPaymentPlan)
                                    .where(OrgProductVariantPaymentPlan.org_id == org.id))
    download = make_product(org, type="digital_download", name="Cheat Sheet")
    mug = make_product(org, type="physical", name="Python Mug")
    coaching = make_product(org, type="service", name="Coaching Call")
    download_plan = make_priced_plan(market, product=download, price=Decimal("10.00"))
    mug_plan = make_priced_plan(market, product=mug, price=Decimal("15.00"))
    coaching_plan = make_priced_plan(market, product=coaching, price=Decimal("30.00"))
    admin = db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org.id, OrgEmployee.role == "admin"))
    card = issue_gift_card(org, amount=Decimal("20.00"), currency_code=market.currency_code, by=admin)
    order = buy(org, member, market, [(course_plan, course), (download_plan, download), (mug_plan, mug),
                                      (coaching_plan, coaching)], gift_cards=[card])
    items = {item.product_id: item.id for item in order.items}
    pending = buy(org, member, market, [(download_plan, download)], pay=False)
    manager = make_employee(org, make_user(f"{unique('manager')}@example.com"), role="manager")
    outsider = make_user(f"{unique('member')}@example.com", display_name="Otto Member")
    make_member(org, outsider)

    other = build_academy(learner_tier=None)
    other_org = db.session.get(Org, other.org_id)
    other_market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == other_org.id))
    other_plan = db.session.scalar(sa.select(OrgProductVariantPaymentPlan)
                                   .where(OrgProductVariantPaymentPlan.org_id == other_org.id))
    other_order = buy(other_org, db.session.get(OrgMember, other.member_id), other_market,
                      [(other_plan, db.session.get(OrgProduct, other.product_id))])
    db.session.flush()
    return Store(
        academy=a, order_id=order.id, order_number=order.order_number, course_item=items[course.id],
        download_item=items[download.id], mug_item=items[mug.id], coaching_item=items[coaching.id],
        gift_code=card.code, pending_id=pending.id, manager_email=_email(manager), outsider_email=outsider.email,
        other_org_slug=other.org_slug, other_admin_email=other.admin_email, other_order_id=other_order.id,
    )


@pytest.fixture
def store(app) -> Store:
    with app.app_context():
        built = build_store()
        db.session.commit()
        return built


@pytest.fixture(scope="module")
def module_store(module_app) -> Store:
    """``store`` built once for a module marked ``module_data`` (tests/conftest.py module_app)."""
    with module_app.app_context():
        built = build_store()
        db.session.commit()
        return built
