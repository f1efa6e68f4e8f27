"""Revenue attribution: employees' shares of a product's net revenue over time never total more
than 100 %, and the product's revenue pool shows what is allocated."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog import attributions
from app.catalog.models import OrgEmployeeProductAttribution, OrgProductRevenuePool
from app.db import utcnow
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.revenue.services import end_attribution
from tests.factories import make_employee, make_org, make_product, org_admin

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def org():
    return make_org()


@pytest.fixture
def product(org):
    return make_product(org)


@pytest.fixture
def alice(org):
    return make_employee(org, role="creator")


@pytest.fixture
def bob(org):
    return make_employee(org, role="creator")


def pool(product) -> OrgProductRevenuePool:
    return db.session.scalar(sa.select(OrgProductRevenuePool).where(OrgProductRevenuePool.product_id == product.id))


def shares(product, at=None) -> dict[str, Decimal]:
    return {a.employee_id: a.revenue_share_percentage for a in attributions.effective_attributions(product, at=at)}


def rows(product) -> list[OrgEmployeeProductAttribution]:
    return list(db.session.scalars(sa.select(OrgEmployeeProductAttribution).where(
        OrgEmployeeProductAttribution.product_id == product.id)))


def test_attribution_updates_the_revenue_pool(product, alice, org):
    admin = make_employee(org, role="admin")
    attribution = attributions.set_attribution(product, alice, percent=Decimal("70"), by=admin)
    assert (attribution.revenue_share_percentage, attribution.attribution_type) == (Decimal("70.00"), "creator")
    assert shares(product) == {alice.id: Decimal("70.00")}
    p = pool(product)
    assert (p.total_allocation_percentage, p.remaining_percentage) == (Decimal("70.00"), Decimal("30.00"))
    assert p.last_allocation_by_employee_id == admin.id


def test_shares_cannot_total_more_than_100_percent(product, alice, bob):
    attributions.set_attribution(product, alice, percent="70", by=org_admin(product))
    with pytest.raises(ValidationError, match=r"would total 110%.*30% is still available"):
        attributions.set_attribution(product, bob, percent="40", type="collaborator", by=org_admin(product))
    assert shares(product) == {alice.id: Decimal("70.00")}
    assert pool(product).total_allocation_percentage == Decimal("70.00")

    attributions.set_attribution(product, bob, percent="30", type="collaborator", by=org_admin(product))
    assert sum(shares(product).values()) == Decimal("100.00")
    assert pool(product).remaining_percentage == Decimal("0.00")


def test_changing_a_share_ends_the_old_period_and_keeps_history(product, alice, bob):
    start = utcnow() - timedelta(days=30)
    change = utcnow() - timedelta(days=1)
    attributions.set_attribution(product, alice, percent="80", effective_from=start, by=org_admin(product))
    attributions.set_attribution(product, alice, percent="50", effective_from=change, by=org_admin(product))
    # Bob fits from the change on (50 + 50), but not while Alice still had 80 %.
    attributions.set_attribution(product, bob, percent="50", effective_from=change, by=org_admin(product))
    with pytest.raises(ValidationError, match="20% is still available"):
        attributions.set_attribution(product, bob, percent="50", effective_from=start + timedelta(days=1), by=org_admin(product))

    assert shares(product, at=start + timedelta(days=2)) == {alice.id: Decimal("80.00")}
    assert shares(product) == {alice.id: Decimal("50.00"), bob.id: Decimal("50.00")}
    alice_rows = sorted((r for r in rows(product) if r.employee_id == alice.id), key=lambda r: r.effective_from)
    assert [(r.revenue_share_percentage, r.effective_to) for r in alice_rows] == [
        (Decimal("80.00"), change), (Decimal("50.00"), None)]
    assert pool(product).total_allocation_percentage == Decimal("100.00")


def test_setting_the_same_start_again_updates_in_place(product, alice):
    start = utcnow() - timedelta(hours=1)
    attributions.set_attribution(product, alice, percent="60", effective_from=start, by=org_admin(product))
    again = attributions.set_attribution(product, alice, percent="65", type="manager", effective_from=start, by=org_admin(product))
    assert len(rows(product)) == 1
    assert (again.revenue_share_percentage, again.attribution_type) == (Decimal("65.00"), "manager")
    assert pool(product).total_allocation_percentage == Decimal("65.00")


def test_scheduled_shares_count_against_the_future(product, alice, bob, org):
    carol = make_employee(org, role="manager")
    next_month = utcnow() + timedelta(days=30)
    attributions.set_attribution(product, alice, percent="60", by=org_admin(product))
    scheduled = attributions.set_attribution(product, bob, percent="40", effective_from=next_month, by=org_admin(product))
    assert shares(product) == {alice.id: Decimal("60.00")}
    # Open-ended from now, Carol's 10 % would collide with Bob's 40 % next month.
    assert pool(product).remaining_percentage == Decimal("0.00")
    with pytest.raises(ValidationError, match="would total 110%"):
        attributions.set_attribution(product, carol, percent="10", by=org_admin(product))

    assert end_attribution(scheduled, by=org_admin(scheduled)) is None  # never started: removed
    assert pool(product).total_allocation_percentage == Decimal("60.00")
    attributions.set_attribution(product, carol, percent="10", by=org_admin(product))
    assert pool(product).total_allocation_percentage == Decimal("70.00")


def test_ending_an_attribution_returns_its_share_to_the_org(product, alice):
    attribution = attributions.set_attribution(product, alice, percent="70", effective_from=utcnow() - timedelta(days=2), by=org_admin(product))
    end_attribution(attribution, by=org_admin(attribution))
    assert attribution.effective_to is not None
    assert shares(product) == {}
    assert shares(product, at=utcnow() - timedelta(days=1)) == {alice.id: Decimal("70.00")}
    assert pool(product).total_allocation_percentage == Decimal("0.00")


@pytest.mark.parametrize("percent, message", [
    ("0", "more than 0% and at most 100%"),
    ("-5", "more than 0% and at most 100%"),
    ("100.01", "more than 0% and at most 100%"),
    ("lots", "as a percentage"),
])
def test_share_must_be_a_percentage_between_0_and_100(product, alice, percent, message):
    with pytest.raises(ValidationError, match=message):
        attributions.set_attribution(product, alice, percent=percent, by=org_admin(product))


def test_employee_rules(product, alice, org):
    with pytest.raises(NotFoundError):
        attributions.set_attribution(product, make_employee(make_org(), role="creator"), percent="10", by=org_admin(product))
    with pytest.raises(ValidationError, match="valid attribution type"):
        attributions.set_attribution(product, alice, percent="10", type="investor", by=org_admin(product))
    alice.status = "inactive"
    with pytest.raises(ValidationError, match="active employees"):
        attributions.set_attribution(product, alice, percent="10", by=org_admin(product))
    assert rows(product) == []
