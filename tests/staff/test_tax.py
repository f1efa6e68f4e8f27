"""Tax in the dashboard (app/staff/tax.py, app/tax/admin.py, app/pricing/preview.py): categories,
regions, rates with effective windows (a rate an order used ends and a new one starts; one no
order used is corrected in place), the rate history, the preview calculator priced by the
checkout's pipeline, messages on the fields for bad input, who may, and the query counts.

The acceptance point of issue 13 ("changing the DE digital-services rate from 19% to 20% keeps
every earlier order's tax snapshot at 19% and applies 20% to the next order; the rate history
shows both") runs through the real checkout pages (the shop of tests/checkout/test_checkout.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.errors import PermissionDeniedError
from app.extensions import db
from app.markets.models import OrgMarket, OrgRegion
from app.markets.services import create_market
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org, OrgAuditLog
from app.tax import admin
from app.tax.models import OrgTaxCategory, OrgTaxRate, OrgTaxRateSnapshot
from tests.checkout.test_checkout import PREFIX, _checkout_form, _login_and_add
from tests.checkout.test_checkout import shop as shop  # noqa: PLC0414 (the fixture)
from tests.factories import (
    PASSWORD,
    make_employee,
    make_org,
    make_region,
    make_tax_category,
    make_tax_rate,
    make_user,
    org_admin,
    unique,
)
from tests.staff.data import add_orders, learner

RATE_ROW = re.compile(r'<tr data-rate="([0-9a-f]{32})"[^>]*?( data-current="1")?>')


def text(response) -> str:
    return response.get_data(as_text=True)


@dataclass
class TaxOrg:
    slug: str
    org_id: str
    admin_email: str
    manager_email: str
    category_id: str
    germany_id: str
    rate_id: str

    @property
    def dashboard(self) -> str:
        return f"/dashboard/{self.slug}"


@pytest.fixture
def taxorg(app) -> TaxOrg:
    """An org selling in a tax-inclusive EUR market (DE, FR) and a tax-exclusive JPY one (JP), with
    a digital-services category: 19% in Germany (since 30 days), 10% in Japan, nothing in France."""
    with app.app_context():
        org = make_org(unique("taxco"))
        admin_user = make_user(f"{unique('admin')}@example.com")
        by = make_employee(org, admin_user, role="admin")
        manager = make_employee(org, make_user(f"{unique('manager')}@example.com"), role="manager")
        create_market(org, slug="eu", name="Europe", type="multi_region", currency_code="EUR",
                      default_locale_key="en", locale_keys=("en",), country_codes=("DE", "FR"), tax_inclusive=True,
                      by=by)
        create_market(org, slug="japan", name="Japan", type="single_country", currency_code="JPY",
                      default_locale_key="en", locale_keys=("en",), country_codes=("JP",), tax_inclusive=False,
                      by=by)
        category = make_tax_category(org, "digital-services", name="Digital services", by=by)
        germany = make_region(org, "DE", name="Germany", by=by)
        rate = make_tax_rate(org, category=category, region=germany, name="USt 19 %", rate=Decimal("0.19"),
                             effective_from=utcnow() - timedelta(days=30), by=by)
        make_tax_rate(org, category=category, region=make_region(org, "JP", name="Japan", by=by),
                      name="JCT 10 %", rate=Decimal("0.10"), effective_from=utcnow() - timedelta(days=30), by=by)
        db.session.commit()
        return TaxOrg(org.slug, org.id, admin_user.email, manager.member.user_profile.user.email, category.id,
                      germany.id, rate.id)


def _as(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code in (302, 303)
    return client


def _rates(category_id: str, region_id: str) -> list[OrgTaxRate]:
    return list(db.session.scalars(sa.select(OrgTaxRate).where(
        OrgTaxRate.tax_category_id == category_id, OrgTaxRate.region_id == region_id
    ).order_by(OrgTaxRate.effective_from)))


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error"[^>]*>([^<]*)</p>', html)
    assert found, f"no error on {field}"
    return found.group(1)


# ---- the acceptance point: 19 % -> 20 % through the real checkout ---------------------------------

def _place_order(client, login, plan_id) -> None:
    _login_and_add(client, login, plan_id)
    response = client.post(f"{PREFIX}/checkout", data={**_checkout_form(client), "action": "place"})
    assert response.status_code in (302, 303), text(response)
    client.post("/account/logout")


def test_changing_the_de_rate_keeps_earlier_orders_at_19_and_charges_20_from_the_next(shop, app, client, login):
    _place_order(client, login, shop.basic_id)  # 49.00 with 19 % VAT inside: 7.82

    admin_client = _as(app, login, "staff@example.com")  # the shop's admin
    page = admin_client.get(f"/dashboard/shop/tax/rates/{shop.rate_id}")
    assert "Orders used this rate" in text(page)
    response = admin_client.post(f"/dashboard/shop/tax/rates/{shop.rate_id}",
                                 data={"name": "USt DE 20", "type": "percent", "percent": "20"})
    assert response.status_code == 303
    new_rate_url = response.headers["Location"]
    assert shop.rate_id not in new_rate_url

    _place_order(client, login, shop.basic_id)  # the next order: 20 % inside 49.00 is 8.17

    with app.app_context():
        first, second = db.session.scalars(sa.select(OrgMemberOrder).order_by(OrgMemberOrder.created_at,
                                                                               OrgMemberOrder.order_number)).all()
        assert (first.tax_amount, second.tax_amount) == (Decimal("7.8200"), Decimal("8.1700"))
        snapshots = {s.order_id: s for s in db.session.scalars(sa.select(OrgTaxRateSnapshot))}
        assert snapshots[first.id].snapshot_data["rate"] == "0.190000"
        assert snapshots[first.id].snapshot_data["name"] == "USt DE"
        assert snapshots[first.id].original_tax_rate_id == shop.rate_id
        assert snapshots[second.id].snapshot_data["rate"] == "0.200000"
        assert first.items[0].tax_rate_percent == Decimal("19.0000")
        assert second.items[0].tax_rate_percent == Decimal("20.0000")
        old = db.session.get(OrgTaxRate, shop.rate_id)
        assert old.rate == Decimal("0.19") and old.effective_to is not None  # never edited in place

    history = text(admin_client.get(new_rate_url))
    rows = RATE_ROW.findall(history)
    assert len(rows) == 2
    assert [bool(current) for _id, current in rows] == [True, False]  # newest first, the new one is current
    assert rows[1][0] == shop.rate_id
    assert "USt DE 20" in history and "USt DE" in history and "20 %" in history and "19 %" in history


# ---- categories ------------------------------------------------------------------------------------

def test_categories_are_created_and_edited_with_messages_on_the_fields(app, login, taxorg):
    c = _as(app, login, taxorg.admin_email)
    url = f"{taxorg.dashboard}/tax/categories/new"
    assert c.get(url).status_code == 200
    duplicate = c.post(url, data={"code": "digital-services", "name": "Again"})
    assert duplicate.status_code == 422
    assert _field_error(text(duplicate), "code") == "A category with this code already exists."
    bad_code = c.post(url, data={"code": "Not a code!", "name": "Bad"})
    assert "lowercase letters" in _field_error(text(bad_code), "code")
    nul = c.post(url, data={"code": "ebooks", "name": "E\x00books"})
    assert nul.status_code == 422 and "not allowed" in _field_error(text(nul), "name")
    long_name = c.post(url, data={"code": "ebooks", "name": "x" * 101})
    assert long_name.status_code == 422 and "100 characters" in _field_error(text(long_name), "name")
    created = c.post(url, data={"code": "E-Books", "name": "E-books", "description": "Reduced rates"})
    assert created.status_code == 303
    with app.app_context():
        category = db.session.scalar(sa.select(OrgTaxCategory).where(OrgTaxCategory.org_id == taxorg.org_id,
                                                                     OrgTaxCategory.code == "e-books"))
        assert category.description == "Reduced rates"
        category_id = category.id
    edited = c.post(f"{taxorg.dashboard}/tax/categories/{category_id}",
                    data={"code": "ebooks", "name": "Electronic books", "description": ""})
    assert edited.status_code == 303
    clash = c.post(f"{taxorg.dashboard}/tax/categories/{category_id}",
                   data={"code": "digital-services", "name": "Clash"})
    assert clash.status_code == 422 and "already exists" in _field_error(text(clash), "code")
    with app.app_context():
        category = db.session.get(OrgTaxCategory, category_id)
        assert (category.code, category.name, category.description) == ("ebooks", "Electronic books", None)
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == category_id)))
        assert actions == {"tax_category.created", "tax_category.updated"}


# ---- regions ---------------------------------------------------------------------------------------

def test_regions_take_countries_from_the_reference_data_and_refuse_bad_ones(app, login, taxorg):
    c = _as(app, login, taxorg.admin_email)
    url = f"{taxorg.dashboard}/tax/regions/new"
    form = text(c.get(url))
    assert '<option value="FR">' in form and "France (FR)" in form
    unknown = c.post(url, data={"country_code": "XX", "name": "Nowhere"})
    assert unknown.status_code == 422 and "Unknown country" in _field_error(text(unknown), "country_code")
    again = c.post(url, data={"country_code": "DE", "name": "Germany again"})
    assert "already has this region" in _field_error(text(again), "country_code")
    wrong_sub = c.post(url, data={"country_code": "US", "subdivision_code": "DE-BY", "name": "Bavaria?"})
    assert "not a subdivision of US" in _field_error(text(wrong_sub), "subdivision_code")
    assert c.post(url, data={"country_code": "US", "subdivision_code": "ny", "name": "New York"}).status_code == 303
    with app.app_context():
        ny = db.session.scalar(sa.select(OrgRegion).where(OrgRegion.org_id == taxorg.org_id,
                                                          OrgRegion.subdivision_code == "US-NY"))
        assert ny.country_code == "US"
    # A region with rates keeps its country; its name changes.
    moved = c.post(f"{taxorg.dashboard}/tax/regions/{taxorg.germany_id}", data={"country_code": "AT", "name": "X"})
    assert moved.status_code == 422 and "has tax rates" in _field_error(text(moved), "country_code")
    renamed = c.post(f"{taxorg.dashboard}/tax/regions/{taxorg.germany_id}",
                     data={"country_code": "DE", "name": "Deutschland"})
    assert renamed.status_code == 303
    with app.app_context():
        assert db.session.get(OrgRegion, taxorg.germany_id).name == "Deutschland"


# ---- rates: bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("posted, field, message", [
    ({"percent": "1e30"}, "percent", "from 0 to 100"),
    ({"percent": "-1"}, "percent", "from 0 to 100"),
    ({"percent": "150"}, "percent", "from 0 to 100"),
    ({"percent": "NaN"}, "percent", "from 0 to 100"),
    ({"percent": "19.12345"}, "percent", "at most 4 decimals"),
    ({"percent": ""}, "percent", "Enter the rate."),
    ({"type": "fixed", "amount": "1e30", "currency_code": "EUR"}, "amount", "99,999,999.9999"),
    ({"type": "fixed", "amount": "-0.5", "currency_code": "EUR"}, "amount", "from 0"),
    ({"type": "fixed", "amount": "0.29"}, "currency_code", "currency"),
    ({"type": "fixed", "amount": "0.29", "currency_code": "XXX"}, "currency_code", "Not a valid choice"),
    ({"type": "bogus"}, "type", "Not a valid choice"),
    ({"name": "VAT\x00"}, "name", "not allowed"),
    ({"effective_from": "2030-05-01T00:00", "effective_to": "2030-04-01T00:00"}, "effective_to", "after the start"),
    ({"effective_from": "not a date"}, "effective_from", "datetime"),
    ({"effective_from": "2020-01-01T00:00"}, "effective_from", "already applies"),  # overlaps the 19 % rate
])
def test_a_bad_rate_gets_a_message_on_its_field_and_saves_nothing(app, login, taxorg, posted, field, message):
    c = _as(app, login, taxorg.admin_email)
    data = {"category": taxorg.category_id, "region": taxorg.germany_id, "name": "VAT", "type": "percent",
            "percent": "20", "effective_from": "2031-01-01T00:00", **posted}
    response = c.post(f"{taxorg.dashboard}/tax/rates/new", data=data)
    assert response.status_code == 422, text(response)
    assert message in _field_error(text(response), field)
    with app.app_context():
        assert len(_rates(taxorg.category_id, taxorg.germany_id)) == 1


def test_a_fixed_rate_with_its_currency_and_a_future_window_is_added(app, login, taxorg):
    c = _as(app, login, taxorg.admin_email)
    with app.app_context():
        colorado = make_region(db.session.get(Org, taxorg.org_id), "US", "US-CO", name="Colorado")
        db.session.commit()
        colorado_id = colorado.id
    response = c.post(f"{taxorg.dashboard}/tax/rates/new", data={
        "category": taxorg.category_id, "region": colorado_id, "name": "Delivery fee", "type": "fixed",
        "amount": "0.29", "currency_code": "USD", "effective_from": "2031-01-01T00:00",
        "effective_to": "2032-01-01T00:00"})
    assert response.status_code == 303
    with app.app_context():
        (rate,) = _rates(taxorg.category_id, colorado_id)
        assert (rate.type, rate.amount, rate.currency_code, rate.rate) == ("fixed", Decimal("0.2900"), "USD", None)
        assert rate.effective_from.year == 2031 and rate.effective_to.year == 2032


# ---- rates: used vs not used -----------------------------------------------------------------------

def test_a_rate_no_order_used_is_corrected_in_place(app, login, taxorg):
    c = _as(app, login, taxorg.admin_email)
    page = text(c.get(f"{taxorg.dashboard}/tax/rates/{taxorg.rate_id}"))
    assert "Orders used this rate" not in page and 'value="19"' in page
    response = c.post(f"{taxorg.dashboard}/tax/rates/{taxorg.rate_id}",
                      data={"name": "USt 16 %", "type": "percent", "percent": "16"})
    assert response.status_code == 303 and response.headers["Location"].endswith(taxorg.rate_id)
    with app.app_context():
        (rate,) = _rates(taxorg.category_id, taxorg.germany_id)
        assert (rate.id, rate.rate, rate.name, rate.effective_to) == (taxorg.rate_id, Decimal("0.16"), "USt 16 %",
                                                                      None)
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == taxorg.rate_id,
                                                               OrgAuditLog.action == "tax_rate.corrected"))
        assert Decimal(entry.data["before"]["rate"]) == Decimal("0.19")


def test_a_used_rate_is_ended_and_a_new_one_starts_and_never_from_the_past(app, login, taxorg):
    with app.app_context():
        org = db.session.get(Org, taxorg.org_id)
        db.session.add(OrgTaxRateSnapshot(org_id=org.id, original_tax_rate_id=taxorg.rate_id,
                                          order_id=_an_order(org), snapshot_data={"rate": "0.190000"}))
        db.session.commit()
    c = _as(app, login, taxorg.admin_email)
    url = f"{taxorg.dashboard}/tax/rates/{taxorg.rate_id}"
    page = text(c.get(url))
    assert "Orders used this rate" in page and 'name="effective_to"' not in page and 'name="ends_at"' in page
    past = c.post(url, data={"name": "USt 20 %", "type": "percent", "percent": "20",
                             "effective_from": "2020-01-01T00:00"})
    assert past.status_code == 422 and "never from the past" in _field_error(text(past), "effective_from")
    retype = c.post(url, data={"name": "Fee", "type": "fixed", "amount": "1", "currency_code": "EUR"})
    assert retype.status_code == 422 and "its type stays" in _field_error(text(retype), "type")
    same = c.post(url, data={"name": "USt 19 %", "type": "percent", "percent": "19"})
    assert same.status_code == 422 and "Nothing changed" in _field_error(text(same), "percent")
    with app.app_context():
        assert len(_rates(taxorg.category_id, taxorg.germany_id)) == 1
    done = c.post(url, data={"name": "USt 20 %", "type": "percent", "percent": "20"})
    assert done.status_code == 303
    with app.app_context():
        old, new = _rates(taxorg.category_id, taxorg.germany_id)
        assert old.id == taxorg.rate_id and old.rate == Decimal("0.19") and old.effective_to is not None
        assert new.rate == Decimal("0.2") and new.effective_from == old.effective_to and new.effective_to is None
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action).where(
            OrgAuditLog.entity_id.in_([old.id, new.id]))))
        assert {"tax_rate.ended", "tax_rate.created"} <= actions
        # Ending a used rate in the past is refused too.
        with pytest.raises(admin.FieldError, match="never in the past"):
            admin.close_rate(old, at=utcnow() - timedelta(days=1), by=org_admin(taxorg.org_id))


def _an_order(org: Org) -> str:
    market_id = db.session.scalar(sa.select(OrgMarket.id).where(OrgMarket.org_id == org.id, OrgMarket.slug == "eu"))
    add_orders(org.id, learner(org.id, "Ada").id, market_id)
    return db.session.scalar(sa.select(OrgMemberOrder.id).where(OrgMemberOrder.org_id == org.id)
                             .order_by(OrgMemberOrder.created_at.desc()).limit(1))


def test_ending_a_rate_from_the_dashboard(app, login, taxorg):
    c = _as(app, login, taxorg.admin_email)
    url = f"{taxorg.dashboard}/tax/rates/{taxorg.rate_id}/end"
    too_early = c.post(url, data={"ends_at": "2000-01-01T00:00"})
    assert too_early.status_code == 422 and "after the start" in _field_error(text(too_early), "ends_at")
    assert c.post(url, data={"ends_at": "2031-01-01T00:00"}).status_code == 303
    with app.app_context():
        assert db.session.get(OrgTaxRate, taxorg.rate_id).effective_to.year == 2031


def test_only_admins_change_tax(app, taxorg):
    with app.app_context():
        org = db.session.get(Org, taxorg.org_id)
        manager = make_employee(org, make_user(), role="manager")
        rate = db.session.get(OrgTaxRate, taxorg.rate_id)
        with pytest.raises(PermissionDeniedError):
            admin.change_rate(rate, name="x", new_rate=Decimal("0.2"), by=manager)
        with pytest.raises(PermissionDeniedError):
            admin.add_category(org, code="x", name="x", by=manager)
        with pytest.raises(PermissionDeniedError):
            admin.add_region(org, name="France", country_code="FR", by=manager)


def test_a_manager_gets_403_on_the_tax_pages(app, login, taxorg):
    c = _as(app, login, taxorg.manager_email)
    assert c.get(f"{taxorg.dashboard}/tax").status_code == 403
    assert c.post(f"{taxorg.dashboard}/tax/rates/{taxorg.rate_id}",
                  data={"name": "x", "type": "percent", "percent": "1"}).status_code == 403


# ---- the overview: every period, current marked; a fixed number of queries --------------------------

def _add_periods(org_id: str, count: int) -> None:
    org = db.session.get(Org, org_id)
    start = utcnow() - timedelta(days=2000)
    for i in range(count):
        category = make_tax_category(org, unique("cat"))
        region = make_region(org, "FR") if i == 0 else db.session.scalar(
            sa.select(OrgRegion).where(OrgRegion.org_id == org_id, OrgRegion.country_code == "FR"))
        first = make_tax_rate(org, category=category, region=region, name=f"Old {i}", effective_from=start)
        admin.change_rate(first, name=f"New {i}", new_rate=Decimal("0.2"), effective_from=start + timedelta(days=10),
                          by=org_admin(org))


def test_the_overview_lists_every_period_in_a_fixed_number_of_queries(app, login, taxorg, count_queries):
    with app.app_context():
        _add_periods(taxorg.org_id, 3)
        db.session.commit()
    c = _as(app, login, taxorg.admin_email)
    url = f"{taxorg.dashboard}/tax"
    c.get(url)
    with count_queries() as few:
        html = text(c.get(url))
    assert len(RATE_ROW.findall(html)) == 2 + 3
    with app.app_context():
        _add_periods(taxorg.org_id, 40)
        db.session.commit()
    with count_queries() as many:
        html = text(c.get(url))
    rows = RATE_ROW.findall(html)
    assert len(rows) == 2 + 43
    assert sum(1 for _id, current in rows if current) == 2 + 43
    assert many.count == few.count, str(many)


def test_which_rates_orders_used_is_asked_per_rate_not_read_from_every_snapshot(app, taxorg, count_queries):
    """A used rate has a snapshot per taxed item of every order (160,000 in the bench): the tax page
    asks per rate whether one exists (issue 15), instead of reading them all to make them DISTINCT."""
    with app.app_context():
        org = db.session.get(Org, taxorg.org_id)
        order_id = _an_order(org)
        for _n in range(3):
            db.session.add(OrgTaxRateSnapshot(org_id=org.id, original_tax_rate_id=taxorg.rate_id,
                                              order_id=order_id, snapshot_data={"rate": "0.190000"}))
        other = make_tax_rate(org, category=db.session.get(OrgTaxCategory, taxorg.category_id),
                              region=make_region(org, "AT"), name="USt AT")
        db.session.commit()
        with count_queries() as log:
            used = admin.used_rate_ids(org, [taxorg.rate_id, other.id, taxorg.rate_id])
        assert used == {taxorg.rate_id}
        found = [s for s in log.statements if "org_tax_rate_snapshot" in s]
        assert len(found) == 1, str(log)
        statement = found[0]
        assert "DISTINCT" not in statement.upper() and "EXISTS" in statement.upper(), statement
        assert admin.is_used(other) is False and admin.used_rate_ids(org, []) == set()


def test_the_rate_page_shows_the_history_in_a_fixed_number_of_queries(app, login, taxorg, count_queries):
    c = _as(app, login, taxorg.admin_email)
    url = f"{taxorg.dashboard}/tax/rates/{taxorg.rate_id}"
    c.get(url)
    with count_queries() as few:
        c.get(url)
    with app.app_context():
        org = db.session.get(Org, taxorg.org_id)
        category = db.session.get(OrgTaxCategory, taxorg.category_id)
        germany = db.session.get(OrgRegion, taxorg.germany_id)
        rate = db.session.get(OrgTaxRate, taxorg.rate_id)
        now = utcnow()
        rate.effective_from, rate.effective_to = now - timedelta(days=400), now - timedelta(days=300)
        for days in range(300, 0, -30):
            make_tax_rate(org, category=category, region=germany, name=f"Period {days}",
                          effective_from=now - timedelta(days=days), effective_to=now - timedelta(days=days - 30))
        db.session.commit()
    with count_queries() as many:
        html = text(c.get(url))
    assert len(RATE_ROW.findall(html)) == 11 and html.count('data-current="1"') == 0
    assert many.count == few.count, str(many)


# ---- the preview calculator ------------------------------------------------------------------------

def test_the_preview_shows_every_market_and_country_with_the_checkouts_numbers(app, login, taxorg):
    c = _as(app, login, taxorg.admin_email)
    url = f"{taxorg.dashboard}/tax/preview?price=100.50&category={taxorg.category_id}"
    html = text(c.get(url))
    assert html.startswith("<!doctype html>")
    cells = {country: row for country, row in re.findall(
        r'data-country="([A-Z]{2})">(.*?)</tr>', html, re.S)}
    assert set(cells) == {"DE", "FR", "JP"}
    # EUR, tax inclusive: the buyer pays 100.50, of which 19 % VAT is 16.05.
    assert "€100.50" in cells["DE"] and "€16.05" in cells["DE"] and "USt 19" in cells["DE"]
    # France has no rate: no tax.
    assert "€100.50" in cells["FR"] and "€0.00" in cells["FR"] and "No rate" in cells["FR"]
    # JPY, tax exclusive, no minor unit: 100.50 is ¥101, 10 % is ¥10, the buyer pays ¥111.
    assert "¥111" in cells["JP"] and "¥10" in cells["JP"] and "JCT 10" in cells["JP"]
    assert "." not in re.search(r'class="num buyer-pays">([^<]*)<', cells["JP"]).group(1)


def test_the_preview_answers_htmx_with_the_result_and_explains_bad_input(app, login, taxorg):
    c = _as(app, login, taxorg.admin_email)
    base = f"{taxorg.dashboard}/tax/preview"
    empty = text(c.get(base))
    assert "Enter a price and choose a category." in empty and 'type="submit"' in empty
    fragment = c.get(f"{base}?price=10&category={taxorg.category_id}",
                     headers={"HX-Request": "true", "HX-Target": "tax-preview-result"})
    assert fragment.status_code == 200
    assert text(fragment).lstrip().startswith('<section id="tax-preview-result"')
    for price, message in (("1e30", "from 0 to 99,999,999"), ("-5", "from 0 to 99,999,999"),
                           ("abc", "from 0 to 99,999,999"), ("", "Enter a price.")):
        bad = c.get(f"{base}?price={price}&category={taxorg.category_id}", headers={"HX-Request": "true"})
        assert bad.status_code == 422 and message in text(bad), price
    assert c.get(f"{base}?price=1%00&category={taxorg.category_id}").status_code == 400
    assert c.get(f"{base}?price=10&category=nope").status_code == 404
