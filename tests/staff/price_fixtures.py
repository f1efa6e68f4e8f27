"""Shared data for the plans and prices tab tests: the academy (tests/learn/assessment_fixtures.py:
an admin, a creator attributed to its Python course, another creator, staff) with a JPY market, a
KWD market (tax-inclusive) and an inactive USD market besides its EUR market "Europe", and a
subscription and a usage-based plan besides its one-time plan "Basic" (priced in Europe only).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.extensions import db
from app.markets.models import OrgMarket
from app.orgs.models import Org
from tests.factories import PASSWORD, make_market, make_plan, org_admin
from tests.learn.assessment_fixtures import Academy, build_academy


@dataclass
class PricedAcademy:
    academy: Academy
    product_id: str
    basic: str  # plan ids
    monthly: str
    credits: str
    eu: str  # market ids
    jp: str
    kw: str
    us: str  # inactive

    @property
    def plans_url(self) -> str:
        return f"{self.academy.dashboard}/products/{self.product_id}/plans"

    @property
    def prices_url(self) -> str:
        return f"{self.academy.dashboard}/products/{self.product_id}/prices"

    def cell_url(self, plan: str, market: str) -> str:
        return f"{self.prices_url}/{plan}/{market}"


def build_priced_academy() -> PricedAcademy:
    a = build_academy()
    org = db.session.get(Org, a.org_id)
    product = db.session.get(OrgProduct, a.product_id)
    eu = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id, OrgMarket.slug == "eu"))
    jp = make_market(org, "jp", name="Japan", currency_code="JPY", locale_keys=("en",), country_codes=("JP",))
    kw = make_market(org, "kw", name="Kuwait", currency_code="KWD", locale_keys=("en",), country_codes=("KW",),
                     tax_inclusive=True)
    us = make_market(org, "us", name="United States", currency_code="USD", locale_keys=("en",),
                     country_codes=("US",))
    us.is_active = False
    basic = product.default_variant.plans[0]
    monthly = make_plan(product, type="subscription", name="Monthly", access_tier=2, trial_period_days=7)
    credits = make_plan(product, type="usage_based", name="Credits", access_tier=1, included_units=100)
    db.session.flush()
    assert org_admin(org)
    return PricedAcademy(academy=a, product_id=product.id, basic=basic.id, monthly=monthly.id, credits=credits.id,
                         eu=eu.id, jp=jp.id, kw=kw.id, us=us.id)


@pytest.fixture
def priced(app) -> PricedAcademy:
    with app.app_context():
        world = build_priced_academy()
        db.session.commit()
    return world


@pytest.fixture
def as_user(app, login):
    """``as_user(email)``: a client signed in as ``email``."""

    def client_for(email: str):
        client = app.test_client()
        assert login(client, email, PASSWORD).status_code in (302, 303)
        return client

    return client_for
