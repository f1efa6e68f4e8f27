"""Gift cards in the dashboard (app/staff/giftcards.py, app/giftcards/issuing.py): bulk issue,
codes shown once and as a CSV of the batch, search, a card's page with its usage, disable/enable,
the outstanding balance, recipient emails, bad input, query counts, and the acceptance: 10,000
cards in one request, their CSV, one of them paying part of an order through the real checkout
and its page showing that order."""

from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.services import set_market_price
from app.db import utcnow
from app.extensions import db
from app.giftcards import issuing
from app.giftcards.models import OrgGiftCard
from app.giftcards.services import CODE_ALPHABET
from app.markets.services import create_market
from app.orders import services as orders
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org, OrgAuditLog, OrgEmployee
from app.platform.models import EmailOutbox
from tests.factories import PASSWORD, make_employee, make_org, make_plan, make_product, make_user, org_admin

PREFIX = "/giftshop/eu/en"
DASH = "/dashboard/giftshop"
CODE = re.compile(r"<code data-code>([A-Z0-9-]+)</code>")


@dataclass
class Shop:
    org_id: str
    plan_id: str
    staff_id: str


@pytest.fixture
def shop(app) -> Shop:
    """An org selling in EUR (Europe) and USD (US), a 99 € course, its admin, a manager, a creator,
    a staff member and a buyer."""
    with app.app_context():
        org = make_org("giftshop", name="Gift Shop")
        admin = org_admin(org)
        eu = create_market(org, slug="eu", name="Europe", type="multi_region", currency_code="EUR",
                           default_locale_key="en", locale_keys=("en",), country_codes=("DE", "FR"),
                           tax_inclusive=True, by=admin)
        create_market(org, slug="us", name="US", type="single_country", currency_code="USD",
                      default_locale_key="en", locale_keys=("en",), country_codes=("US",),
                      tax_inclusive=False, by=admin)
        product = make_product(org, name="Pottery", slug="pottery")
        plan = make_plan(product, name="Full", access_tier=1)
        set_market_price(plan, eu, price=Decimal("99.00"), by=admin)
        staff = make_employee(org, make_user("gc-staff@example.com", display_name="Sam Staff"), role="staff")
        make_employee(org, make_user("gc-manager@example.com"), role="manager")
        make_employee(org, make_user("gc-creator@example.com"), role="creator")
        make_user("gc-buyer@example.com", display_name="Bea Buyer")
        db.session.commit()
        return Shop(org.id, plan.id, staff.id)


def _as(app, login, email: str):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code in (302, 303)
    return client


def _issue(client, **data):
    form = {"count": "1", "amount": "20", "currency_code": "EUR", **data}
    return client.post(f"{DASH}/giftcards/new", data=form)


def _csv_codes(client) -> list[dict]:
    response = client.get(f"{DASH}/giftcards/issued.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _count_cards(app, org_id: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(OrgGiftCard)
                                 .where(OrgGiftCard.org_id == org_id))


# ---- the acceptance ----------------------------------------------------------------------------

def test_10000_cards_in_one_request_their_csv_and_one_paying_part_of_an_order(app, shop, login):
    staff = _as(app, login, "gc-staff@example.com")
    started = time.perf_counter()
    response = _issue(staff, count="10000", amount="20.00", note="Winter campaign")
    elapsed = time.perf_counter() - started
    print(f"\nissuing 10,000 gift cards through the dashboard took {elapsed:.2f} s")
    assert response.status_code == 303 and response.headers["Location"].endswith("/giftcards/issued")

    page = staff.get(f"{DASH}/giftcards/issued").get_data(as_text=True)
    shown = CODE.findall(page)
    assert len(shown) == 10_000 and len(set(shown)) == 10_000
    rows = _csv_codes(staff)
    codes = [row["Code"] for row in rows]
    assert sorted(codes) == sorted(shown)
    assert {row["Amount"] for row in rows} == {"20.0000"} and {row["Currency"] for row in rows} == {"EUR"}
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}", c) for c in codes)
    with app.app_context():
        stored = db.session.execute(sa.select(OrgGiftCard.code, OrgGiftCard.issued_by_employee_id,
                                              OrgGiftCard.current_balance)
                                    .where(OrgGiftCard.org_id == shop.org_id)).all()
        assert len(stored) == 10_000 and {c for c, _e, _b in stored} == set(codes)
        assert {e for _c, e, _b in stored} == {shop.staff_id}
        assert {b for _c, _e, b in stored} == {Decimal("20")}

    # one of them pays part of an order through the checkout
    code = codes[1234]
    buyer = _as(app, login, "gc-buyer@example.com")
    assert buyer.post(f"{PREFIX}/cart/items", data={"plan_id": shop.plan_id}).status_code == 303
    html = buyer.get(f"{PREFIX}/checkout").get_data(as_text=True)
    fields = dict(re.findall(r'name="(cart_fingerprint|submission)"[^>]*value="([^"]*)"', html))
    placed = buyer.post(f"{PREFIX}/checkout", data={
        **fields, "billing_name": "Bea Buyer", "billing_email": "gc-buyer@example.com", "billing_country": "DE",
        "gift_card_codes": code.lower().replace("-", " "), "action": "place"})
    assert placed.status_code == 303, placed.get_data(as_text=True)
    with app.app_context():
        order = db.session.scalar(sa.select(OrgMemberOrder).where(OrgMemberOrder.org_id == shop.org_id))
        assert (order.gift_card_amount, order.amount_due) == (Decimal("20.0000"), Decimal("79.0000"))
        card = db.session.scalar(sa.select(OrgGiftCard).where(OrgGiftCard.code == code))
        number, card_id = order.order_number, card.id

    card_page = staff.get(f"{DASH}/giftcards/{card_id}").get_data(as_text=True)
    assert f'data-order="{number}"' in card_page and "€0.00" in card_page
    assert code not in card_page and code.replace("-", "")[-4:] in card_page
    found = staff.get(f"{DASH}/giftcards", query_string={"q": code.replace("-", "")[-4:], "status": "spent"})
    assert f'data-card="{card_id}"' in found.get_data(as_text=True)


# ---- codes once ------------------------------------------------------------------------------------

def test_codes_are_shown_once_and_the_csv_only_in_the_issuing_session(app, shop, login):
    staff = _as(app, login, "gc-staff@example.com")
    assert _issue(staff, count="3").status_code == 303
    first = CODE.findall(staff.get(f"{DASH}/giftcards/issued").get_data(as_text=True))
    assert len(first) == 3
    again = staff.get(f"{DASH}/giftcards/issued").get_data(as_text=True)
    assert CODE.findall(again) == [] and not any(code in again for code in first)
    assert sorted(row["Code"] for row in _csv_codes(staff)) == sorted(first)  # still downloadable now

    listing = staff.get(f"{DASH}/giftcards").get_data(as_text=True)
    assert not any(code in listing for code in first)
    assert all(f"…{code.replace('-', '')[-4:]}" in listing for code in first)
    export = staff.get(f"{DASH}/giftcards", query_string={"format": "csv"}).get_data(as_text=True)
    assert not any(code in export for code in first)

    same_user_elsewhere = _as(app, login, "gc-staff@example.com")
    assert same_user_elsewhere.get(f"{DASH}/giftcards/issued.csv").status_code == 404
    manager = _as(app, login, "gc-manager@example.com")
    assert manager.get(f"{DASH}/giftcards/issued.csv").status_code == 404


def test_the_csv_expires_with_the_download_window(app, shop, login, monkeypatch):
    staff = _as(app, login, "gc-staff@example.com")
    assert _issue(staff, count="2").status_code == 303
    assert len(_csv_codes(staff)) == 2
    from app.staff import giftcards as view

    monkeypatch.setattr(view, "BATCH_DOWNLOAD_WINDOW", timedelta(seconds=0))
    assert staff.get(f"{DASH}/giftcards/issued.csv").status_code == 404


# ---- search, card page, disable / enable ---------------------------------------------------------

def test_search_matches_the_full_code_or_its_last_four_never_a_part(app, shop, login):
    with app.app_context():
        org = db.session.get(Org, shop.org_id)
        batch = issuing.issue_gift_cards(org, count=5, amount="10", currency_code="EUR",
                                         by=db.session.get(OrgEmployee, shop.staff_id))
        cards = issuing.batch_cards(org, batch.batch_id)
        target = next(c for c in cards if all(c.code[-4:] != o.code[-4:] for o in cards if o is not c))
        code, card_id = target.code, target.id
        db.session.commit()
    staff = _as(app, login, "gc-staff@example.com")

    def found(q: str) -> set[str]:
        html = staff.get(f"{DASH}/giftcards", query_string={"q": q}).get_data(as_text=True)
        return set(re.findall(r'data-card="([0-9a-f]{32})"', html))

    assert found(code) == {card_id}
    assert found(code.lower().replace("-", " ")) == {card_id}
    assert found(code[-4:].lower()) == {card_id}
    assert found(code[:4]) == set() or code[:4] == code[-4:]
    assert found(code[-3:]) == set() and found(code[2:9]) == set() and found("Z") == set()
    assert found("\u00e9\u00e9") == set()


def test_disable_and_enable_a_card_with_the_audit_trail(app, shop, login):
    with app.app_context():
        org = db.session.get(Org, shop.org_id)
        batch = issuing.issue_gift_cards(org, count=1, amount="15", currency_code="EUR",
                                         by=db.session.get(OrgEmployee, shop.staff_id))
        card_id = issuing.batch_cards(org, batch.batch_id)[0].id
        db.session.commit()
    staff = _as(app, login, "gc-staff@example.com")
    assert staff.post(f"{DASH}/giftcards/{card_id}/disable").status_code == 303
    page = staff.get(f"{DASH}/giftcards/{card_id}").get_data(as_text=True)
    assert 'data-status="disabled"' in page and "Enable again" in page
    with app.app_context():
        assert db.session.get(OrgGiftCard, card_id).is_active is False
        owed = issuing.outstanding_balances(shop.org_id)
        assert owed == []  # a disabled card is not counted as owed
    assert staff.post(f"{DASH}/giftcards/{card_id}/enable").status_code == 303
    with app.app_context():
        assert db.session.get(OrgGiftCard, card_id).is_active is True
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.org_id == shop.org_id)))
        assert {"gift_card.batch_issued", "gift_card.disabled", "gift_card.enabled"} <= actions
    creator = _as(app, login, "gc-creator@example.com")
    assert creator.post(f"{DASH}/giftcards/{card_id}/disable").status_code == 403


def test_the_card_page_shows_the_order_it_paid_and_the_amount_given_back(app, shop, login):
    """A cancelled order restores what it took: the usage row shows as given back."""
    from app.catalog.models import OrgProduct, OrgProductVariantPaymentPlan
    from app.markets.models import OrgMarket
    from app.orgs.services import ensure_member
    from app.pricing import pipeline as pricing

    with app.app_context():
        org = db.session.get(Org, shop.org_id)
        batch = issuing.issue_gift_cards(org, count=1, amount="30", currency_code="EUR",
                                         by=db.session.get(OrgEmployee, shop.staff_id))
        card = issuing.batch_cards(org, batch.batch_id)[0]
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id, OrgMarket.slug == "eu"))
        plan = db.session.get(OrgProductVariantPaymentPlan, shop.plan_id)
        product = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.org_id == org.id))
        member = ensure_member(org, make_user("gc-canceller@example.com"), membership_type="customer")
        quote = pricing.quote(org, currency="EUR", tax_inclusive=True, market_id=market.id, billing_country="DE",
                              lines=[pricing.LineInput.for_plan(plan, product, unit_price=Decimal("99.00"))],
                              gift_cards=[card])
        order = orders.place_order(org, member, market, quote, billing_name="C", billing_email="c@example.com",
                                   billing_country="DE")
        orders.cancel_order(order)
        number, card_id = order.order_number, card.id
        db.session.commit()
    page = _as(app, login, "gc-manager@example.com").get(f"{DASH}/giftcards/{card_id}").get_data(as_text=True)
    assert f'data-order="{number}"' in page and "data-restored" in page and "€30.00" in page


# ---- outstanding balance, emails --------------------------------------------------------------------

def test_the_list_shows_what_the_org_owes_per_currency(app, shop, login):
    with app.app_context():
        org = db.session.get(Org, shop.org_id)
        by = db.session.get(OrgEmployee, shop.staff_id)
        issuing.issue_gift_cards(org, count=3, amount="20", currency_code="EUR", by=by)
        issuing.issue_gift_cards(org, count=2, amount="12.50", currency_code="USD", by=by)
        gone = issuing.issue_gift_cards(org, count=1, amount="500", currency_code="EUR", by=by)
        issuing.batch_cards(org, gone.batch_id)[0].is_active = False
        db.session.commit()
    html = _as(app, login, "gc-staff@example.com").get(f"{DASH}/giftcards").get_data(as_text=True)
    eur = re.search(r'data-outstanding="EUR"><dt>EUR</dt><dd>([^<]+)', html).group(1)
    usd = re.search(r'data-outstanding="USD"><dt>USD</dt><dd>([^<]+)', html).group(1)
    assert eur.strip() == "€60.00" and usd.strip() == "$25.00"


def test_a_recipient_gets_one_email_per_card_through_the_outbox(app, shop, login):
    staff = _as(app, login, "gc-staff@example.com")
    assert _issue(staff, count="3", amount="25", recipient_email="friend@example.com").status_code == 303
    codes = [row["Code"] for row in _csv_codes(staff)]
    with app.app_context():
        mails = db.session.scalars(sa.select(EmailOutbox).where(EmailOutbox.kind == "gift_card")).all()
        assert len(mails) == 3 and {m.to_email for m in mails} == {"friend@example.com"}
        assert {m.org_id for m in mails} == {shop.org_id} and {m.status for m in mails} == {"queued"}
        assert sorted(next(c for c in codes if c in m.body_text) for m in mails) == sorted(codes)
        assert all("€25.00" in m.body_text and "Gift Shop" in m.subject for m in mails)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgGiftCard)
                                 .where(OrgGiftCard.recipient_email == "friend@example.com")) == 3


# ---- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, field, message", [
    ({"count": "10001"}, "count", "from 1 to 10,000"),
    ({"count": "0"}, "count", "from 1 to 10,000"),
    ({"count": "-3"}, "count", "from 1 to 10,000"),
    ({"count": "1e3"}, "count", "from 1 to 10,000"),
    ({"count": "99999999999999999999999"}, "count", "from 1 to 10,000"),
    ({"amount": "1e30"}, "amount", "too large"),
    ({"amount": "0"}, "amount", "greater than zero"),
    ({"amount": "-5"}, "amount", "greater than zero"),
    ({"amount": "0.001"}, "amount", "greater than zero"),
    ({"amount": "NaN"}, "amount", "Enter an amount"),
    ({"amount": ""}, "amount", "Enter the amount"),
    ({"currency_code": "JPY"}, "currency_code", "Not a valid choice"),
    ({"expires_on": "2001-01-01"}, "expires_on", "must be in the future"),
    ({"expires_on": "9999-12-31"}, "expires_on", "within 50 years"),
    ({"expires_on": "31/12/2030"}, "expires_on", "date"),
    ({"recipient_email": "not-an-address"}, "recipient_email", "email"),
    ({"note": "x" * 256}, "note", "255"),
    ({"note": "bad\x00note"}, "note", "not allowed"),
])
def test_bad_input_gets_a_message_on_its_field_and_issues_nothing(app, shop, login, data, field, message):
    staff = _as(app, login, "gc-staff@example.com")
    response = _issue(staff, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and message.lower() in error.group(1).lower(), html[html.find("form-errors") - 200:][:1500]
    assert _count_cards(app, shop.org_id) == 0


def test_a_currency_no_market_sells_in_is_refused_by_the_service(app, shop):
    with app.app_context():
        org = db.session.get(Org, shop.org_id)
        with pytest.raises(issuing.ValidationError) as caught:
            issuing.issue_gift_cards(org, count=1, amount="10", currency_code="GBP",
                                     by=db.session.get(OrgEmployee, shop.staff_id))
        assert caught.value.field == "currency_code"


def test_creators_may_not_issue(app, shop, login):
    creator = _as(app, login, "gc-creator@example.com")
    assert creator.get(f"{DASH}/giftcards").status_code == 403
    assert _issue(creator).status_code == 403
    assert _count_cards(app, shop.org_id) == 0


# ---- query counts ------------------------------------------------------------------------------

def _add_cards(app, shop: Shop, count: int) -> None:
    with app.app_context():
        org = db.session.get(Org, shop.org_id)
        by = db.session.get(OrgEmployee, shop.staff_id)
        issuing.issue_gift_cards(org, count=count, amount="5", currency_code="EUR", by=by,
                                 expires_at=utcnow() + timedelta(days=30), recipient_email="x@example.com")
        db.session.commit()


def test_the_list_costs_the_same_queries_for_5_and_300_cards(app, shop, login, count_queries):
    staff = _as(app, login, "gc-staff@example.com")
    staff.get(f"{DASH}/giftcards")  # warm-up (the session's first page)
    _add_cards(app, shop, 5)
    with count_queries() as few:
        assert staff.get(f"{DASH}/giftcards", query_string={"per_page": "100"}).status_code == 200
    _add_cards(app, shop, 295)
    with count_queries() as many:
        html = staff.get(f"{DASH}/giftcards", query_string={"per_page": "100"}).get_data(as_text=True)
    assert html.count("data-card=") == 100
    assert many.count == few.count, str(many)
