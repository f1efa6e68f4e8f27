"""Markets in the dashboard (app/staff/markets.py on app.markets.services): create and edit a
market with its languages, countries (and their language overrides), domains and tax display;
every rule of issue 13 point 3 refused with its message on its field, everything typed kept; a
country of another active market refused on create, edit and re-activation; a slug or domain
written meanwhile by another request a message, not a 500; what a market sells and lacks in a
fixed number of queries; an edit clears the storefront cache."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.markets import services as market_services
from app.markets.models import OrgMarket
from app.orgs.models import Org, OrgAuditLog
from app.platform.models import Currency
from app.web import cache
from tests.factories import (
    PASSWORD,
    make_employee,
    make_market,
    make_org,
    make_priced_plan,
    make_product,
    make_user,
    org_admin,
    unique,
)


@dataclass
class Shop:
    slug: str
    org_id: str
    admin_email: str
    eu_id: str  # active: DE, AT
    spare_id: str  # inactive: CH
    taken_domain: str  # a domain of another org's market

    @property
    def base(self) -> str:
        return f"/dashboard/{self.slug}/settings/markets"


@pytest.fixture
def shop(app) -> Shop:
    with app.app_context():
        org = make_org(unique("mk"))  # org locales: en, de, fr, es
        admin_user = make_user(f"{unique('admin')}@example.com")
        by = make_employee(org, admin_user, role="admin")
        eu = make_market(org, "eu", name="Europe", country_codes=("DE", "AT"), by=by)
        spare = make_market(org, "swiss", name="Switzerland", type="single_country", currency_code="CHF",
                            country_codes=("CH",), by=by)
        market_services.update_market(spare, **_kwargs(spare), is_active=False, by=by)
        other = make_org()
        domain = f"{unique('shop')}.example.com"
        make_market(other, "world", country_codes=("US",), domains=(domain,))
        db.session.commit()
        return Shop(org.slug, org.id, admin_user.email, eu.id, spare.id, domain)


def _kwargs(market: OrgMarket) -> dict:
    """update_market's arguments that keep ``market`` as it is."""
    return {"slug": market.slug, "name": market.name, "type": market.type, "currency_code": market.currency_code,
            "default_locale_key": market.default_locale_key, "locale_keys": market.locale_keys,
            "country_codes": market.country_codes, "country_locale_overrides": market.country_locale_overrides,
            "tax_inclusive": market.tax_inclusive, "domains": market.hosts}


def _admin(app, login, shop: Shop):
    client = app.test_client()
    assert login(client, shop.admin_email, PASSWORD).status_code in (302, 303)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', page)
    assert found, f"no error on {field}"
    return htmllib.unescape(found.group(1))


def japan(**changes) -> dict:
    """The form of a new market "Japan" (JP, JPY, English), with ``changes``."""
    data = {"name": "Japan", "slug": "japan", "type": "single_country", "currency_code": "JPY",
            "locales": ["en"], "default_locale_key": "en", "countries": ["JP"], "domains": "",
            "brand": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_admin_creates_a_market_with_its_countries_languages_and_domains(app, login, shop):
    client = _admin(app, login, shop)
    page = client.get(f"{shop.base}/new")
    assert page.status_code == 200 and 'name="countries" value="JP"' in text(page)
    response = client.post(f"{shop.base}/new", data=japan(
        type="linguistic", countries=["JP", "KR"], locales=["en", "de"], default_locale_key="en",
        **{"country_locale-KR": "de", "country_locale-JP": "", "domains": "Shop.Example.JP\nja.example.jp",
           "tax_inclusive": "y"}))
    assert response.status_code == 303, text(response)
    with app.app_context():
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == shop.org_id,
                                                              OrgMarket.slug == "japan"))
        assert (market.name, market.type, market.currency_code, market.tax_inclusive) == (
            "Japan", "linguistic", "JPY", True)
        assert market.locale_keys == ["en", "de"] and market.country_codes == ["JP", "KR"]
        assert market.country_locale_overrides == {"KR": "de"}
        assert market.hosts == ["shop.example.jp", "ja.example.jp"]
        assert response.headers["Location"].endswith(f"/settings/markets/{market.id}")
    listing = text(client.get(shop.base))
    assert 'data-market="japan"' in listing and "JP, KR" in listing


RULES = {
    # field: (form changes, the message's words)
    "locales": (japan(locales=["ja"]), "does not offer these languages: ja"),
    "default_locale_key": (japan(locales=["en"], default_locale_key="de"), "must be one of the market's languages"),
    "countries": (japan(countries=["DE"]), "DE is already in the active market “Europe”"),
    "domains": (None, "is already in use"),
    "currency_code": (japan(currency_code="CHF"), "Unknown currency: CHF"),
}


@pytest.mark.parametrize("field", [*RULES, "no-country"])
def test_each_rule_shows_its_message_on_its_field_and_keeps_what_was_typed(app, login, shop, field):
    client = _admin(app, login, shop)
    if field == "domains":
        data = japan(domains=f"shop-jp.example.jp\n{shop.taken_domain.upper()}")  # another org's domain
        words = f"The domain {shop.taken_domain} is already in use"
    elif field == "no-country":
        data, words, field = japan(countries=None), "Choose at least one country the market sells to", "countries"
    else:
        data, words = RULES[field]
    data = {**data, "name": "Japan typed"}
    if field == "currency_code":
        with app.app_context():
            db.session.get(Currency, "CHF").is_active = False
            db.session.commit()
    response = client.post(f"{shop.base}/new", data=data)
    assert response.status_code == 422
    page = text(response)
    assert words in field_error(page, field)
    assert 'value="Japan typed"' in page  # what was typed is still there
    if field == "domains":
        assert "shop-jp.example.jp" in page
    if data.get("countries"):
        assert f'value="{data["countries"][0]}" id="country-{data["countries"][0]}" checked' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMarket)
                                 .where(OrgMarket.org_id == shop.org_id)) == 2  # nothing saved


def test_a_country_of_another_active_market_is_refused_on_edit_and_on_reactivation(app, login, shop):
    client = _admin(app, login, shop)
    with app.app_context():
        spare = db.session.get(OrgMarket, shop.spare_id)
        form = {"name": spare.name, "slug": spare.slug, "type": "multi_region", "currency_code": "EUR",
                "locales": ["en"], "default_locale_key": "en", "countries": ["CH", "AT"], "brand": ""}
    # Inactive, it may share Austria with Europe (it sells nowhere yet).
    assert client.post(f"{shop.base}/{shop.spare_id}", data=form).status_code == 303
    # Activating it now would put Austria in two active markets.
    response = client.post(f"{shop.base}/{shop.spare_id}", data={**form, "is_active": "y"})
    assert response.status_code == 422
    assert "AT is already in the active market “Europe”" in field_error(text(response), "countries")
    # While Switzerland is inactive, Europe may take its country.
    with app.app_context():
        eu = db.session.get(OrgMarket, shop.eu_id)
        eu_form = {"name": eu.name, "slug": eu.slug, "type": eu.type, "currency_code": eu.currency_code,
                   "locales": eu.locale_keys, "default_locale_key": eu.default_locale_key,
                   "countries": ["DE", "AT", "CH"], "brand": "", "is_active": "y"}
        assert not db.session.get(OrgMarket, shop.spare_id).is_active
    assert client.post(f"{shop.base}/{shop.eu_id}", data=eu_form).status_code == 303
    # Without Austria, Switzerland still cannot open: CH is Europe's now.
    response = client.post(f"{shop.base}/{shop.spare_id}", data={**form, "countries": ["CH"], "is_active": "y"})
    assert "CH is already in the active market “Europe”" in field_error(text(response), "countries")
    # Without Switzerland in Europe, it opens.
    assert client.post(f"{shop.base}/{shop.eu_id}", data={**eu_form, "countries": ["DE"]}).status_code == 303
    assert client.post(f"{shop.base}/{shop.spare_id}",
                       data={**form, "countries": ["CH", "AT"], "is_active": "y"}).status_code == 303
    with app.app_context():
        assert db.session.get(OrgMarket, shop.spare_id).is_active
        assert db.session.get(OrgMarket, shop.eu_id).country_codes == ["DE"]


def test_editing_keeps_the_rows_that_stay_and_is_audited(app, login, shop):
    client = _admin(app, login, shop)
    with app.app_context():
        eu = db.session.get(OrgMarket, shop.eu_id)
        kept_de = next(c.id for c in eu.countries if c.country_code == "DE")
    page = text(client.get(f"{shop.base}/{shop.eu_id}"))
    assert 'value="Europe"' in page and 'id="country-DE" checked' in page
    response = client.post(f"{shop.base}/{shop.eu_id}", data={
        "name": "Europe", "slug": "europe", "type": "multi_region", "currency_code": "EUR",
        "locales": ["de", "en", "fr"], "default_locale_key": "de", "countries": ["DE", "FR"],
        "country_locale-FR": "fr", "country_locale-AT": "de", "domains": "eu.example.org", "is_active": "y",
        "brand": ""})
    assert response.status_code == 303, text(response)
    with app.app_context():
        eu = db.session.get(OrgMarket, shop.eu_id)
        assert (eu.slug, eu.default_locale_key, eu.locale_keys) == ("europe", "de", ["de", "en", "fr"])
        assert eu.country_codes == ["DE", "FR"] and eu.country_locale_overrides == {"FR": "fr"}
        assert next(c.id for c in eu.countries if c.country_code == "DE") == kept_de
        assert eu.hosts == ["eu.example.org"]
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == eu.id,
                                                                OrgAuditLog.action == "market.updated"))
        assert entry.data["before"]["country_codes"] == ["AT", "DE"]
        assert entry.data["after"]["country_codes"] == ["DE", "FR"]


def test_a_slug_or_domain_saved_meanwhile_is_a_message_not_a_500(app, login, shop, monkeypatch):
    """Two admins save at once: the checks pass for both, the database's unique key refuses one."""
    client = _admin(app, login, shop)
    monkeypatch.setattr(market_services, "_check_market_slug_free", lambda *args, **kwargs: None)
    response = client.post(f"{shop.base}/new", data=japan(slug="eu"))
    assert response.status_code == 422
    assert "saved at the same moment" in text(response) and 'value="Japan"' in text(response)
    monkeypatch.setattr(market_services, "_free_hosts", lambda domains, market=None: list(domains))
    response = client.post(f"{shop.base}/{shop.eu_id}", data={
        "name": "Europe", "slug": "eu", "type": "multi_region", "currency_code": "EUR", "locales": ["en", "de"],
        "default_locale_key": "en", "countries": ["DE", "AT"], "domains": shop.taken_domain, "is_active": "y",
        "brand": ""})
    assert response.status_code == 422 and "saved at the same moment" in text(response)


def test_another_orgs_market_and_brand_are_not_found(app, login, shop):
    client = _admin(app, login, shop)
    with app.app_context():
        foreign = make_market(make_org(), "foreign", country_codes=("FR",))
        db.session.commit()
        foreign_id = foreign.id
    assert client.get(f"{shop.base}/{foreign_id}").status_code == 404
    assert client.post(f"{shop.base}/{foreign_id}", data=japan()).status_code == 404


def _products(org_id: str, market_id: str, count: int) -> None:
    org = db.session.get(Org, org_id)
    market = db.session.get(OrgMarket, market_id)
    for i in range(count):
        product = make_product(org, name=f"Priced {i}", status="published")
        make_priced_plan(market, product=product, price=Decimal("12.50"))
        make_product(org, name=f"Unpriced {i}", status="published")
    make_product(org, name="Draft priced nowhere", status="draft")  # a draft is neither sold nor missing


def test_the_market_page_shows_what_it_sells_and_lacks_in_a_fixed_number_of_queries(
        app, login, shop, count_queries):
    client = _admin(app, login, shop)
    counts = []
    for n in (3, 30):
        with app.app_context():
            _products(shop.org_id, shop.eu_id, n if not counts else n - 3)
            db.session.commit()
        with count_queries() as q:
            response = client.get(f"{shop.base}/{shop.eu_id}")
        assert response.status_code == 200
        counts.append(len(q.statements))
        page = text(response)
        sells = page.split('class="card stack market-sells"')[1].split("</section>")[0]
        lacks = page.split('class="card stack market-lacks"')[1].split("</section>")[0]
        assert sells.count("<li") == n and lacks.count("<li") == n
        assert "Priced 0" in sells and "Unpriced 0" in lacks and "Draft" not in page
        assert "/prices" in sells and "/prices" in lacks
    assert counts[0] == counts[1], counts


def test_a_market_edit_clears_the_storefront_cache(app, shop):
    app.config["STOREFRONT_CACHE_SECONDS"] = 60
    cache.clear()
    try:
        with app.app_context():
            first = cache.cached(("probe",), lambda: object())
            assert cache.cached(("probe",), lambda: object()) is first
            eu = db.session.get(OrgMarket, shop.eu_id)
            market_services.update_market(eu, **{**_kwargs(eu), "tax_inclusive": not eu.tax_inclusive},
                                          by=org_admin(eu.org_id))
            db.session.commit()
            assert cache.cached(("probe",), lambda: object()) is not first
    finally:
        cache.clear()


def test_the_list_takes_the_same_number_of_queries_for_2_and_12_markets(app, login, shop, count_queries):
    client = _admin(app, login, shop)
    counts = []
    for extra in (0, 10):
        with app.app_context():
            org = db.session.get(Org, shop.org_id)
            for _ in range(extra):
                make_market(org, unique("m"), locale_keys=("en",), domains=(f"{unique('d')}.example.net",))
            db.session.commit()
        with count_queries() as q:
            response = client.get(shop.base)
        assert response.status_code == 200 and text(response).count("<tr data-market=") == 2 + extra
        counts.append(len(q.statements))
    assert counts[0] == counts[1], counts


def test_the_currency_of_a_market_with_prices_cannot_change(app, login, shop):
    """Its prices are amounts in its currency: €49 must not turn into ¥49. Without prices it may."""
    client = _admin(app, login, shop)
    edit = {"name": "Europe", "slug": "eu", "type": "multi_region", "currency_code": "USD",
            "locales": ["en"], "default_locale_key": "en", "countries": ["DE", "AT"], "domains": "",
            "is_active": "y", "brand": ""}
    with app.app_context():
        eu = db.session.get(OrgMarket, shop.eu_id)
        make_priced_plan(eu, product=make_product(db.session.get(Org, shop.org_id)), price="49.00")
        db.session.commit()
    refused = client.post(f"{shop.base}/{shop.eu_id}", data=edit)
    assert refused.status_code == 422
    assert "This market has 1 price in EUR: its currency cannot change." in field_error(text(refused),
                                                                                         "currency_code")
    with app.app_context():
        assert db.session.get(OrgMarket, shop.eu_id).currency_code == "EUR"
    # a market without prices changes its currency
    swiss = {**edit, "name": "Switzerland", "slug": "swiss", "type": "single_country", "countries": ["CH"],
             "currency_code": "EUR", "is_active": ""}
    assert client.post(f"{shop.base}/{shop.spare_id}", data=swiss).status_code == 303
    with app.app_context():
        assert db.session.get(OrgMarket, shop.spare_id).currency_code == "EUR"
