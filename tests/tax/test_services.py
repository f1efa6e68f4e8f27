"""Tax services: categories, rate validation, effective dating, region precedence, rate changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.errors import NotFoundError, ValidationError
from app.tax import services
from app.tax.models import OrgTaxCategory, OrgTaxRate
from tests.factories import make_org, make_region, make_tax_category, make_tax_rate, org_admin

JAN = datetime(2025, 1, 1, tzinfo=UTC)
JUL = datetime(2025, 7, 1, tzinfo=UTC)
DEC = datetime(2025, 12, 31, tzinfo=UTC)


@pytest.fixture
def org(db_session):
    return make_org()


@pytest.fixture
def standard(org):
    return make_tax_category(org, "standard")


def _rate_for(org, category, country, subdivision=None, at=JUL):
    return services.rate_for(org, category_id=category.id, country_code=country, subdivision_code=subdivision, at=at)


# ---- categories ------------------------------------------------------------------------------

def test_create_category_is_idempotent_by_code_within_the_org(db_session, org):
    first = services.create_category(org, code="Digital", name="Digital services", by=org_admin(org))
    assert first.code == "digital"
    assert services.create_category(org, code="digital", name="Renamed", by=org_admin(org)).id == first.id
    assert first.name == "Digital services"
    other_org = make_org()
    other = services.create_category(other_org, code="digital", name="Digital", by=org_admin(other_org))
    assert other.id != first.id
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OrgTaxCategory)
                             .where(OrgTaxCategory.org_id == org.id)) == 1


@pytest.mark.parametrize("code, name", [("", "Name"), ("has space", "Name"), ("x" * 41, "Name"), ("ok", " ")])
def test_create_category_validates_code_and_name(db_session, org, code, name):
    with pytest.raises(ValidationError):
        services.create_category(org, code=code, name=name, by=org_admin(org))


# ---- creating rates ----------------------------------------------------------------------------

def test_create_rate_stores_decimals(db_session, org, standard):
    de = make_region(org, "DE")
    vat = services.create_rate(org, category=standard, region=de, name="VAT", type="percent",
                               rate=Decimal("0.19"), effective_from=JAN, by=org_admin(org))
    fee = services.create_rate(org, category=make_tax_category(org, "levy"), region=de, name="Levy",
                               type="fixed", amount="0.50", currency_code="eur", effective_from=JAN, by=org_admin(org))
    db_session.expire_all()
    assert db_session.get(OrgTaxRate, vat.id).rate == Decimal("0.1900")
    stored = db_session.get(OrgTaxRate, fee.id)
    assert (stored.amount, stored.currency_code, stored.rate) == (Decimal("0.5000"), "EUR", None)
    assert stored.effective_from == JAN and stored.effective_to is None


def test_create_rate_defaults_to_starting_now(db_session, org, standard):
    before = datetime.now(UTC)
    rate = make_tax_rate(org, category=standard)
    assert before <= rate.effective_from <= datetime.now(UTC)
    assert services.rate_for(org, category_id=standard.id, country_code="DE", at=datetime.now(UTC)) is rate


@pytest.mark.parametrize("kwargs", [
    {"type": "percent", "rate": None},
    {"type": "percent", "rate": Decimal("19")},  # a percentage, not a fraction
    {"type": "percent", "rate": Decimal("-0.01")},
    {"type": "percent", "rate": Decimal("0.1234567")},  # more precision than Numeric(7, 6) keeps
    {"type": "percent", "rate": "abc"},
    {"type": "percent", "rate": Decimal("0.2"), "amount": Decimal("1")},
    {"type": "fixed", "amount": Decimal("1.00")},  # no currency
    {"type": "fixed", "amount": Decimal("1.00"), "currency_code": "XXX"},
    {"type": "fixed", "amount": Decimal("-1"), "currency_code": "EUR"},
    {"type": "fixed", "amount": Decimal("1"), "currency_code": "EUR", "rate": Decimal("0.1")},
    {"type": "vat", "rate": Decimal("0.2")},
    {"type": "percent", "rate": Decimal("0.2"), "effective_from": JUL, "effective_to": JUL},
    {"type": "percent", "rate": Decimal("0.2"), "effective_from": JUL, "effective_to": JAN},
    {"type": "percent", "rate": Decimal("0.2"), "name": ""},
])
def test_create_rate_validation(db_session, org, standard, kwargs):
    data = {"name": "VAT", **kwargs}
    with pytest.raises(ValidationError):
        services.create_rate(org, category=standard, region=make_region(org), **data, by=org_admin(org))


def test_create_rate_refuses_floats(db_session, org, standard):
    with pytest.raises(TypeError):
        services.create_rate(org, category=standard, region=make_region(org), name="VAT", type="percent", rate=0.19, by=org_admin(org))


def test_create_rate_with_another_orgs_category_or_region_is_not_found(db_session, org, standard):
    other = make_org()
    with pytest.raises(NotFoundError):
        services.create_rate(org, category=standard, region=make_region(other), name="VAT", type="percent",
                             rate=Decimal("0.19"), by=org_admin(org))
    with pytest.raises(NotFoundError):
        services.create_rate(org, category=make_tax_category(other), region=make_region(org), name="VAT",
                             type="percent", rate=Decimal("0.19"), by=org_admin(org))


def test_rates_of_one_category_and_region_cannot_overlap(db_session, org, standard):
    de = make_region(org, "DE")
    make_tax_rate(org, category=standard, region=de, effective_from=JAN, effective_to=JUL)
    with pytest.raises(ValidationError, match="already applies"):
        make_tax_rate(org, category=standard, region=de, effective_from=JAN + timedelta(days=30))
    with pytest.raises(ValidationError):
        make_tax_rate(org, category=standard, region=de, effective_from=JAN - timedelta(days=1),
                      effective_to=JAN + timedelta(days=1))
    # touching periods are fine (the end is exclusive), and so are other regions and categories
    make_tax_rate(org, category=standard, region=de, rate=Decimal("0.16"), effective_from=JUL)
    make_tax_rate(org, category=standard, region=make_region(org, "AT"), effective_from=JAN)
    make_tax_rate(org, category=make_tax_category(org, "reduced"), region=de, effective_from=JAN)


# ---- rate_for ----------------------------------------------------------------------------------

def test_rate_for_respects_effective_dates(db_session, org, standard):
    de = make_region(org, "DE")
    old = make_tax_rate(org, category=standard, region=de, rate=Decimal("0.19"), effective_from=JAN,
                        effective_to=JUL)
    new = make_tax_rate(org, category=standard, region=de, rate=Decimal("0.16"), effective_from=JUL)
    assert _rate_for(org, standard, "DE", at=JAN - timedelta(seconds=1)) is None
    assert _rate_for(org, standard, "DE", at=JAN) is old  # from is inclusive
    assert _rate_for(org, standard, "de", at=JUL - timedelta(microseconds=1)) is old
    assert _rate_for(org, standard, "DE", at=JUL) is new  # to is exclusive
    assert _rate_for(org, standard, "DE", at=DEC + timedelta(days=3650)) is new
    naive = datetime(2025, 3, 1)  # naive datetimes are UTC, like the stored ones
    assert _rate_for(org, standard, "DE", at=naive) is old


def test_rate_for_prefers_the_subdivision_then_falls_back_to_the_country(db_session, org, standard):
    us = make_region(org, "US")
    ny = make_region(org, "US", "US-NY")
    make_region(org, "US", "US-CA")  # a region without rates
    federal = make_tax_rate(org, category=standard, region=us, name="Sales tax", rate=Decimal("0.05"),
                            effective_from=JAN)
    new_york = make_tax_rate(org, category=standard, region=ny, name="NY sales tax", rate=Decimal("0.04"),
                             effective_from=JAN, effective_to=JUL)
    assert _rate_for(org, standard, "US", "US-NY", at=JAN) is new_york
    assert _rate_for(org, standard, "US", "ny", at=JAN) is new_york  # short subdivision codes work
    assert _rate_for(org, standard, "US", "US-CA", at=JAN) is federal
    assert _rate_for(org, standard, "US", None, at=JAN) is federal
    assert _rate_for(org, standard, "US", "US-NY", at=JUL) is federal  # NY rate ended: country applies


def test_rate_for_never_crosses_orgs_categories_or_countries(db_session, org, standard):
    make_tax_rate(org, category=standard, region=make_region(org, "DE"), effective_from=JAN)
    other = make_org()
    other_standard = make_tax_category(other, "standard")
    make_tax_rate(other, category=other_standard, region=make_region(other, "FR"), effective_from=JAN)
    assert _rate_for(org, standard, "FR") is None
    assert _rate_for(other, other_standard, "DE") is None
    assert services.rate_for(other, category_id=standard.id, country_code="DE", at=JUL) is None
    assert _rate_for(org, make_tax_category(org, "reduced"), "DE") is None
    assert services.rate_for(org, category_id=None, country_code="DE", at=JUL) is None
    assert services.rate_for(org, category_id=standard.id, country_code=None, at=JUL) is None


# ---- ending and changing rates ---------------------------------------------------------------------

def test_end_rate(db_session, org, standard):
    rate = make_tax_rate(org, category=standard, effective_from=JAN)
    with pytest.raises(ValidationError):
        services.end_rate(rate, at=JAN, by=org_admin(rate))
    services.end_rate(rate, at=JUL, by=org_admin(rate))
    assert rate.effective_to == JUL
    assert _rate_for(org, standard, "DE", at=JUL) is None


def test_end_rate_cannot_extend_into_a_successor(db_session, org, standard):
    de = make_region(org)
    first = make_tax_rate(org, category=standard, region=de, effective_from=JAN, effective_to=JUL)
    make_tax_rate(org, category=standard, region=de, effective_from=JUL)
    with pytest.raises(ValidationError):
        services.end_rate(first, at=DEC, by=org_admin(first))


def test_update_rate_starts_a_successor_and_keeps_history(db_session, org, standard):
    de = make_region(org)
    current = make_tax_rate(org, category=standard, region=de, rate=Decimal("0.19"), effective_from=JAN)
    successor = services.update_rate(current, at=JUL, new_rate=Decimal("0.16"), name="VAT (reduced period)", by=org_admin(current))
    assert successor.id != current.id
    assert current.effective_to == JUL and current.rate == Decimal("0.19")
    assert (successor.effective_from, successor.effective_to, successor.rate) == (JUL, None, Decimal("0.16"))
    assert _rate_for(org, standard, "DE", at=JUL - timedelta(days=1)).rate == Decimal("0.19")
    assert _rate_for(org, standard, "DE", at=JUL) is successor
    with pytest.raises(ValidationError):
        services.update_rate(successor, at=DEC, new_rate=Decimal("1.5"), by=org_admin(successor))
    assert successor.effective_to is None  # a failed change leaves the rate untouched


def test_update_rate_edits_a_future_rate_in_place(db_session, org, standard):
    future = make_tax_rate(org, category=standard, effective_from=DEC)
    assert services.update_rate(future, at=JUL, new_rate=Decimal("0.2"), by=org_admin(future)) is future
    assert future.rate == Decimal("0.2") and future.effective_from == DEC


def test_update_rate_of_an_ended_rate_is_refused(db_session, org, standard):
    ended = make_tax_rate(org, category=standard, effective_from=JAN, effective_to=JUL)
    with pytest.raises(ValidationError):
        services.update_rate(ended, at=DEC, new_rate=Decimal("0.2"), by=org_admin(ended))


def test_snapshot_data_is_json_safe(db_session, org, standard):
    rate = make_tax_rate(org, category=standard, region=make_region(org, "US", "US-NY"),
                         rate=Decimal("0.04"), effective_from=JAN)
    data = services.snapshot_data(rate)
    assert data["rate"] == "0.040000" and data["amount"] is None
    assert data["country"] == "US" and data["subdivision"] == "US-NY" and data["category"] == "standard"
    assert data["effective_from"].startswith("2025-01-01")
