"""Market services: brands, tax regions, markets and their validation, host lookup, storefront list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import NotFoundError, ValidationError
from app.markets import services
from app.markets.models import OrgMarketDomain, OrgRegion
from app.orgs.models import OrgLocale
from tests.factories import make_brand, make_market, make_org, org_admin


def _market_kwargs(**overrides):
    data = {
        "slug": "eu", "name": "Europe", "type": "multi_region", "currency_code": "EUR",
        "default_locale_key": "de", "locale_keys": ("de", "en"), "country_codes": ("DE", "AT"),
    }
    data.update(overrides)
    return data


# ---- brands ----------------------------------------------------------------------------------

def test_create_brand_validates_colour_and_slug_per_org(db_session):
    org, other = make_org(), make_org()
    brand = services.create_brand(org, name="Acme Kids", slug="kids", primary_color="#B91C1C", by=org_admin(org))
    assert brand.primary_color == "#b91c1c" and brand.org_id == org.id
    with pytest.raises(ValidationError):
        services.create_brand(org, name="Again", slug="kids", by=org_admin(org))
    assert services.create_brand(other, name="Kids", slug="kids", by=org_admin(other)).org_id == other.id  # slugs are per org
    for color in ("red", "#fff", "#12345g", ""):
        with pytest.raises(ValidationError):
            services.create_brand(org, name="Bad", slug="bad", primary_color=color, by=org_admin(org))


# ---- regions ---------------------------------------------------------------------------------

def test_create_region_is_get_or_create_per_org(db_session):
    org, other = make_org(), make_org()
    germany = services.create_region(org, name="Germany", country_code="de", by=org_admin(org))
    assert germany.country_code == "DE" and germany.subdivision_code is None
    assert services.create_region(org, name="Deutschland", country_code="DE", by=org_admin(org)).id == germany.id
    new_york = services.create_region(org, name="New York", country_code="US", subdivision_code="ny", by=org_admin(org))
    assert new_york.subdivision_code == "US-NY"
    assert services.create_region(org, name="NY", country_code="US", subdivision_code="US-NY", by=org_admin(org)).id == new_york.id
    assert services.create_region(other, name="Germany", country_code="DE", by=org_admin(other)).id != germany.id
    count = db_session.scalar(sa.select(sa.func.count()).select_from(OrgRegion).where(OrgRegion.org_id == org.id))
    assert count == 2


@pytest.mark.parametrize("country, subdivision", [("XX", None), ("DE", "US-NY"), ("US", "NEW-YORK-STATE")])
def test_create_region_rejects_unknown_countries_and_foreign_subdivisions(db_session, country, subdivision):
    with pytest.raises(ValidationError):
        org = make_org()
        services.create_region(org, name="Region", country_code=country, subdivision_code=subdivision,
                               by=org_admin(org))


# ---- markets ---------------------------------------------------------------------------------

def test_create_market_with_locales_countries_overrides_and_domains(db_session):
    org = make_org()
    brand = make_brand(org)
    market = services.create_market(
        org, **_market_kwargs(
            locale_keys=("de", "fr", "en"), country_codes=("de", "AT", "BE"),
            country_locale_overrides={"be": "fr"}, tax_inclusive=True, brand=brand,
            domains=("Shop.Example.DE", "www.shop.example.de:443"),
        ), by=org_admin(org)
    )
    assert market.locale_keys == ["de", "fr", "en"]  # display order kept
    assert market.country_codes == ["AT", "BE", "DE"]
    assert market.country_locale_override("be") == "fr"
    assert market.country_locale_override("DE") is None
    assert market.tax_inclusive and market.brand_id == brand.id and market.currency_code == "EUR"
    assert [(d.host, d.is_primary) for d in market.domains] == [
        ("shop.example.de", True), ("www.shop.example.de", False)]


@pytest.mark.parametrize("overrides, message", [
    ({"locale_keys": ("de", "it")}, "does not offer"),  # it is not an org locale
    ({"default_locale_key": "fr"}, "default language"),  # fr is an org locale but not offered here
    ({"locale_keys": ()}, "at least one"),
    ({"country_locale_overrides": {"AT": "fr"}}, "language for AT"),
    ({"country_locale_overrides": {"FR": "de"}}, "FR is not one"),
    ({"currency_code": "XXX"}, "currency"),
    ({"country_codes": ("DE", "ZZ")}, "ZZ"),
    ({"type": "single_country"}, "exactly one country"),
    ({"country_codes": ()}, "at least one country"),  # a market sells: checkout needs a country
    ({"country_codes": ("", " ")}, "at least one country"),
    ({"type": "galactic"}, "type"),
    ({"slug": "E U"}, "address"),
    ({"domains": ("bad_host!.com",)}, "not a valid domain"),
])
def test_create_market_validation(db_session, overrides, message):
    org = make_org()  # en, de, fr, es
    with pytest.raises(ValidationError, match=message):
        services.create_market(org, **_market_kwargs(**overrides), by=org_admin(org))


def test_create_market_refuses_inactive_org_locales(db_session):
    org = make_org()
    db_session.get(OrgLocale, (org.id, "fr")).is_active = False
    db_session.flush()
    with pytest.raises(ValidationError):
        services.create_market(org, **_market_kwargs(locale_keys=("de", "fr")), by=org_admin(org))


def test_market_slugs_are_unique_per_org_and_domains_globally(db_session):
    org, other = make_org(), make_org()
    services.create_market(org, **_market_kwargs(domains=("acme.example",)), by=org_admin(org))
    with pytest.raises(ValidationError, match="already exists"):
        services.create_market(org, **_market_kwargs(), by=org_admin(org))
    with pytest.raises(ValidationError, match="already in use"):
        services.create_market(other, **_market_kwargs(domains=("ACME.example.",)), by=org_admin(other))
    assert services.create_market(other, **_market_kwargs(), by=org_admin(other)).org_id == other.id


def test_create_market_with_another_orgs_brand_is_not_found(db_session):
    org = make_org()
    with pytest.raises(NotFoundError):
        services.create_market(org, **_market_kwargs(brand=make_brand(make_org())), by=org_admin(org))


def test_a_single_country_market_has_one_country(db_session):
    org = make_org()
    market = services.create_market(org, **_market_kwargs(type="single_country", country_codes=("DE",)),
                                    by=org_admin(org))
    assert market.country_codes == ["DE"]


def test_get_market_is_scoped_and_hides_inactive_markets(db_session):
    org, other = make_org(), make_org()
    market = make_market(org, "eu")
    assert services.get_market(org, "EU") is market
    assert services.get_market(other, "eu") is None
    market.is_active = False
    db_session.flush()
    assert services.get_market(org, "eu") is None
    assert services.get_market(org, "eu", active_only=False) is market


# ---- host lookup -----------------------------------------------------------------------------

def test_market_for_host_normalizes_the_host(db_session):
    market = make_market(make_org(), domains=("shop.acme.example",))
    for host in ("shop.acme.example", "SHOP.Acme.Example:8443", "shop.acme.example."):
        assert services.market_for_host(host) is market
    assert services.market_for_host("other.example") is None
    assert services.market_for_host("") is None and services.market_for_host(None) is None


def test_market_for_host_ignores_inactive_markets_and_orgs(db_session):
    org = make_org()
    market = make_market(org, domains=("a.example",))
    market.is_active = False
    db_session.flush()
    assert services.market_for_host("a.example") is None
    market.is_active, org.is_active = True, False
    db_session.flush()
    assert services.market_for_host("a.example") is None
    assert db_session.scalar(sa.select(OrgMarketDomain.host)) == "a.example"


# ---- storefront list --------------------------------------------------------------------------

def test_list_public_storefronts_lists_active_orgs_with_active_markets(db_session):
    acme = make_org("acme", name="Acme")
    beta = make_org("beta", name="Beta")
    make_org("empty", name="Empty")  # no markets: not listed
    closed = make_org("closed", name="Closed")
    make_market(acme, "us", name="United States", currency_code="USD", country_codes=("US",))
    make_market(acme, "eu", name="Europe")
    make_market(beta, "world", name="World")
    make_market(closed, "eu", name="Europe")
    closed.is_active = False
    make_market(beta, "old", name="Old").is_active = False
    db_session.flush()

    listed = [(org.slug, [(m.slug, url) for m, url in markets]) for org, markets in services.list_public_storefronts()]
    assert listed == [
        ("acme", [("eu", "/acme/eu/"), ("us", "/acme/us/")]),
        ("beta", [("world", "/beta/world/")]),
    ]
