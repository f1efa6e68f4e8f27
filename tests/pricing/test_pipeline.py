"""The pricing pipeline: discounts, tax (inclusive/exclusive, percent/fixed, effective dating,
line-level rounding), gift cards, and the code lookups with their messages."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog import services as catalog
from app.catalog.models import OrgProductVariantPaymentPlanMarketPrice
from app.db import utcnow
from app.errors import ValidationError
from app.extensions import db
from app.giftcards import services as giftcards
from app.money import quantize
from app.orgs.models import Org
from app.pricing import pipeline as pricing
from app.pricing.pipeline import LineInput
from tests.factories import (
    make_employee,
    make_market,
    make_org,
    make_priced_plan,
    make_product,
    make_region,
    make_tax_category,
    make_tax_rate,
    org_admin,
)

D = Decimal
NOW = utcnow()
LONG_AGO = NOW - timedelta(days=365)


@pytest.fixture
def org(db_session):
    return make_org()


@pytest.fixture
def staff(org):
    return make_employee(org)


@pytest.fixture
def standard(org):
    return make_tax_category(org, "standard")


@pytest.fixture
def eu(org):
    """Tax-inclusive EUR market for Germany and Austria."""
    return make_market(org, tax_inclusive=True)


@pytest.fixture
def eu_net(org):
    """Tax-exclusive EUR market (B2B-style prices)."""
    return make_market(org, country_codes=("DE",))


@pytest.fixture
def us(org):
    return make_market(org, currency_code="USD", locale_keys=("en",), country_codes=("US",))


@pytest.fixture
def jp(org):
    return make_market(org, currency_code="JPY", locale_keys=("en",), country_codes=("JP",))


@pytest.fixture
def de_vat(org, standard):
    return make_tax_rate(org, category=standard, region=make_region(org, "DE"), rate=D("0.19"),
                         effective_from=LONG_AGO)


def line(market, price, *, quantity=1, product=None, tax_category=None, collections=()) -> LineInput:
    """A cart line for a new one-time plan priced ``price`` in ``market`` (price read back from the DB)."""
    if product is None:
        product = make_product(db.session.get(Org, market.org_id), tax_category=tax_category)
    plan = make_priced_plan(market, product=product, price=price)
    for collection in collections:
        catalog.add_to_collection(collection, product, by=org_admin(collection))
    unit_price = db.session.scalar(
        sa.select(OrgProductVariantPaymentPlanMarketPrice.price).where(
            OrgProductVariantPaymentPlanMarketPrice.plan_id == plan.id,
            OrgProductVariantPaymentPlanMarketPrice.market_id == market.id,
        )
    )
    return LineInput(
        plan_id=plan.id, product_id=product.id, variant_id=plan.variant_id, product_name=product.name,
        plan_name=plan.name, plan_type=plan.type, access_tier=plan.access_tier,
        tax_category_id=product.tax_category_id, collection_ids=frozenset(c.id for c in collections),
        quantity=quantity, unit_price=unit_price,
    )


def price(org, market, lines, *, country=None, subdivision=None, **kwargs):
    country = country or market.countries[0].country_code
    return pricing.quote(org, currency=market.currency_code, tax_inclusive=market.tax_inclusive, lines=lines,
                         billing_country=country, subdivision_code=subdivision, market_id=market.id, **kwargs)


def assert_consistent(q: pricing.Quote) -> None:
    """Totals are sums of lines; each line adds up; gift cards split exactly over the lines."""
    assert q.subtotal == sum(p.subtotal for p in q.lines)
    assert q.discount_total == sum(p.discount for p in q.lines)
    assert q.tax_total == sum(p.tax for p in q.lines)
    assert q.total == sum(p.total for p in q.lines)
    assert q.gift_card_total == sum(p.gift_card for p in q.lines) == sum(a for _c, a in q.gift_cards)
    assert q.amount_due == q.total - q.gift_card_total >= 0
    for p in q.lines:
        assert p.net == p.total - p.tax
        assert 0 <= p.gift_card <= p.total
        if q.tax_inclusive:
            assert p.total == p.subtotal - p.discount
        else:
            assert p.net == p.subtotal - p.discount
        for amount in (p.subtotal, p.discount, p.tax, p.total, p.net, p.gift_card):
            assert amount == quantize(amount, q.currency)
            assert amount.as_tuple().exponent == quantize(D(0), q.currency).as_tuple().exponent


_codes = itertools.count(100)


def discount(org, **kwargs):
    kwargs.setdefault("code", f"SAVE{next(_codes)}")
    kwargs.setdefault("name", "Promotion")
    kwargs.setdefault("type", "percent")
    kwargs.setdefault("value", D("10"))
    return catalog.create_discount(org, **kwargs, by=org_admin(org))


def card(org, staff, amount="50", currency="EUR", **kwargs):
    return giftcards.issue_gift_card(org, amount=D(amount), currency_code=currency, by=staff, **kwargs)


# ---- tax -------------------------------------------------------------------------------------

def test_inclusive_market_extracts_vat_from_the_gross_price(org, eu, standard, de_vat):
    q = price(org, eu, [line(eu, "99.00", tax_category=standard)], country="DE")
    (p,) = q.lines
    assert (p.subtotal, p.discount, p.tax, p.net, p.total) == (D("99.00"), D("0.00"), D("15.81"), D("83.19"),
                                                               D("99.00"))
    assert p.tax_rate.id == de_vat.id and p.tax_label == "VAT 19%"
    assert (q.tax_total, q.total, q.amount_due) == (D("15.81"), D("99.00"), D("99.00"))
    assert q.tax_inclusive and q.currency == "EUR"
    assert_consistent(q)


@pytest.mark.parametrize(("name", "rate", "label"), [
    ("Umsatzsteuer 19 %", "0.19", "Umsatzsteuer 19 %"),
    ("TVA 5,5%", "0.055", "TVA 5,5%"),
    ("IVA 16.0 %", "0.16", "IVA 16.0 %"),
    ("Umsatzsteuer 7 % (ermäßigt)", "0.07", "Umsatzsteuer 7 % (ermäßigt)"),
    ("VAT 119 % typo", "0.19", "VAT 119 % typo 19%"),
    ("Mehrwertsteuer", "0.20", "Mehrwertsteuer 20%"),
])
def test_the_tax_label_states_the_rate_once(org, eu, standard, name, rate, label):
    make_tax_rate(org, category=standard, region=make_region(org, "DE"), name=name, rate=D(rate),
                  effective_from=LONG_AGO)
    (p,) = price(org, eu, [line(eu, "99.00", tax_category=standard)], country="DE").lines
    assert p.tax_label == label


def test_a_buyer_in_another_country_without_a_rate_pays_no_tax(org, eu, standard, de_vat):
    q = price(org, eu, [line(eu, "99.00", tax_category=standard)], country="AT")
    (p,) = q.lines
    assert (p.tax, p.net, p.total, p.tax_rate, p.tax_label) == (D("0.00"), D("99.00"), D("99.00"), None, "")


def test_exclusive_market_adds_the_state_rate_before_the_country_rate(org, us, standard):
    make_tax_rate(org, category=standard, region=make_region(org, "US"), name="Federal", rate=D("0.05"),
                  effective_from=LONG_AGO)
    ny = make_tax_rate(org, category=standard, region=make_region(org, "US", "US-NY"), name="NY sales tax",
                       rate=D("0.08875"), effective_from=LONG_AGO)
    lines = [line(us, "100.00", tax_category=standard)]

    q = price(org, us, lines, country="US", subdivision="ny")
    (p,) = q.lines
    assert (p.subtotal, p.tax, p.net, p.total) == (D("100.00"), D("8.88"), D("100.00"), D("108.88"))
    assert p.tax_rate.id == ny.id and p.tax_label == "NY sales tax 8.875%"
    assert (q.tax_total, q.total, q.amount_due) == (D("8.88"), D("108.88"), D("108.88"))
    assert_consistent(q)

    elsewhere = price(org, us, lines, country="US", subdivision="US-CA")
    assert (elsewhere.tax_total, elsewhere.total) == (D("5.00"), D("105.00"))


def test_fixed_amount_tax_is_per_unit_on_top_in_exclusive_markets(org, eu_net, eu):
    levy = make_tax_category(org, "levy")
    make_tax_rate(org, category=levy, region=make_region(org, "DE"), name="Levy", type="fixed",
                  amount=D("0.50"), currency_code="EUR", effective_from=LONG_AGO)

    q = price(org, eu_net, [line(eu_net, "10.00", quantity=3, tax_category=levy)], country="DE")
    (p,) = q.lines
    assert (p.subtotal, p.tax, p.net, p.total, p.tax_label) == (D("30.00"), D("1.50"), D("30.00"), D("31.50"),
                                                                "Levy")
    assert_consistent(q)

    q = price(org, eu, [line(eu, "10.00", quantity=3, tax_category=levy)], country="DE")
    (p,) = q.lines
    assert (p.subtotal, p.tax, p.net, p.total) == (D("30.00"), D("1.50"), D("28.50"), D("30.00"))
    assert_consistent(q)


def test_fixed_amount_tax_in_another_currency_is_not_charged(org, eu_net):
    levy = make_tax_category(org, "levy")
    make_tax_rate(org, category=levy, region=make_region(org, "DE"), name="Levy", type="fixed",
                  amount=D("0.50"), currency_code="USD", effective_from=LONG_AGO)
    q = price(org, eu_net, [line(eu_net, "10.00", tax_category=levy)], country="DE")
    assert (q.tax_total, q.total, q.lines[0].tax_rate) == (D("0.00"), D("10.00"), None)


def test_lines_without_a_tax_category_have_no_tax(org, eu_net, de_vat, standard):
    q = price(org, eu_net, [line(eu_net, "10.00"), line(eu_net, "20.00", tax_category=standard)], country="DE")
    untaxed, taxed = q.lines
    assert (untaxed.tax, untaxed.tax_rate, untaxed.tax_label) == (D("0.00"), None, "")
    assert taxed.tax == D("3.80")
    assert (q.tax_total, q.total) == (D("3.80"), D("33.80"))


def test_zero_decimal_currency_rounds_half_up_to_whole_yen(org, jp, standard):
    make_tax_rate(org, category=standard, region=make_region(org, "JP"), name="Consumption tax",
                  rate=D("0.10"), effective_from=LONG_AGO)
    q = price(org, jp, [line(jp, "1005", tax_category=standard), line(jp, "999", tax_category=standard)],
              country="JP", discount=discount(org, value=D("15")))
    first, second = q.lines
    assert (first.subtotal, first.discount, first.tax, first.total) == (D("1005"), D("151"), D("85"), D("939"))
    # 15% of 999 = 149.85 -> 150; tax on 849 = 84.9 -> 85
    assert (second.discount, second.tax, second.total) == (D("150"), D("85"), D("934"))
    assert (q.subtotal, q.discount_total, q.tax_total, q.total) == (D("2004"), D("301"), D("170"), D("1873"))
    assert str(q.total) == "1873"
    assert_consistent(q)

    # 1005 x 10% = 100.5 -> 101 (half up)
    assert price(org, jp, [line(jp, "1005", tax_category=standard)], country="JP").tax_total == D("101")


def test_zero_decimal_currency_in_an_inclusive_market(org, standard):
    jp_gross = make_market(org, currency_code="JPY", locale_keys=("en",), country_codes=("JP",),
                           tax_inclusive=True)
    make_tax_rate(org, category=standard, region=make_region(org, "JP"), name="Consumption tax",
                  rate=D("0.10"), effective_from=LONG_AGO)
    q = price(org, jp_gross, [line(jp_gross, "1000", tax_category=standard)], country="JP")
    (p,) = q.lines
    assert (p.tax, p.net, p.total) == (D("91"), D("909"), D("1000"))  # 1000 - 909.09 = 90.91 -> 91
    assert_consistent(q)


def test_tax_is_rounded_per_line_and_the_total_is_the_sum_of_line_taxes(org, eu_net, standard, de_vat):
    lines = [line(eu_net, "2.50", tax_category=standard) for _ in range(3)]
    q = price(org, eu_net, lines, country="DE")
    assert [p.tax for p in q.lines] == [D("0.48")] * 3  # 0.475 each, rounded half up
    unrounded = sum(p.net * D("0.19") for p in q.lines)
    assert quantize(unrounded, "EUR") == D("1.43")
    assert q.tax_total == sum(p.tax for p in q.lines) == D("1.44")
    assert q.total == D("8.94")
    assert_consistent(q)


def test_tax_rates_apply_only_within_their_effective_period(org, eu_net, standard):
    de = make_region(org, "DE")
    yesterday, tomorrow = NOW - timedelta(days=1), NOW + timedelta(days=1)
    make_tax_rate(org, category=standard, region=de, name="Old VAT", rate=D("0.16"),
                  effective_from=NOW - timedelta(days=30), effective_to=yesterday)
    make_tax_rate(org, category=standard, region=de, name="New VAT", rate=D("0.21"), effective_from=tomorrow)
    lines = [line(eu_net, "100.00", tax_category=standard)]

    today = price(org, eu_net, lines, country="DE", at=NOW)
    assert (today.tax_total, today.lines[0].tax_rate) == (D("0.00"), None)
    assert price(org, eu_net, lines, country="DE").tax_total == D("0.00")  # at defaults to now
    assert price(org, eu_net, lines, country="DE", at=NOW - timedelta(days=2)).tax_total == D("16.00")
    assert price(org, eu_net, lines, country="DE", at=yesterday).tax_total == D("0.00")  # end is exclusive
    assert price(org, eu_net, lines, country="DE", at=tomorrow).tax_total == D("21.00")


def test_quote_writes_nothing(org, staff, eu, standard, de_vat, count_queries):
    lines = [line(eu, "99.00", tax_category=standard)]
    gift = card(org, staff, "20")
    code = discount(org)
    with count_queries() as log:
        q = price(org, eu, lines, country="DE", discount=code, gift_cards=[gift])
    assert not [s for s in log.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert gift.current_balance == D("20.00") and code.times_used == 0
    assert q.gift_card_total == D("20.00")


# ---- discounts -------------------------------------------------------------------------------

def test_percent_discount_applies_to_each_line_before_tax(org, eu, standard, de_vat):
    lines = [line(eu, "99.00", tax_category=standard), line(eu, "5.55", tax_category=standard)]
    q = price(org, eu, lines, country="DE", discount=discount(org, value=D("10")))
    first, second = q.lines
    assert (first.discount, first.total, first.tax, first.net) == (D("9.90"), D("89.10"), D("14.23"), D("74.87"))
    assert (second.discount, second.total) == (D("0.56"), D("4.99"))  # 0.555 -> 0.56
    assert (q.subtotal, q.discount_total, q.total) == (D("104.55"), D("10.46"), D("94.09"))
    assert q.discount_applies
    assert_consistent(q)


def test_percent_discount_scoped_to_a_product(org, eu_net):
    target = make_product(org)
    lines = [line(eu_net, "40.00", product=target), line(eu_net, "60.00")]
    q = price(org, eu_net, lines, country="DE", discount=discount(org, value=D("25"), product=target))
    assert [p.discount for p in q.lines] == [D("10.00"), D("0.00")]
    assert (q.discount_total, q.total) == (D("10.00"), D("90.00"))
    assert_consistent(q)


def test_fixed_discount_is_spread_over_the_lines_of_its_collection(org, eu_net):
    sale = catalog.create_collection(org, slug="sale", name="Sale", by=org_admin(org))
    lines = [line(eu_net, "10.00", collections=[sale]), line(eu_net, "10.00", collections=[sale]),
             line(eu_net, "10.00", collections=[sale]), line(eu_net, "50.00")]
    code = discount(org, type="fixed", value=D("10.00"), currency_code="EUR", collection=sale)
    q = price(org, eu_net, lines, country="DE", discount=code)
    assert [p.discount for p in q.lines] == [D("3.34"), D("3.33"), D("3.33"), D("0.00")]
    assert (q.discount_total, q.total) == (D("10.00"), D("70.00"))
    assert_consistent(q)


def test_fixed_discount_is_proportional_and_never_more_than_the_eligible_subtotal(org, eu_net):
    lines = [line(eu_net, "30.00"), line(eu_net, "10.00")]
    q = price(org, eu_net, lines, country="DE",
              discount=discount(org, type="fixed", value=D("8.00"), currency_code="EUR"))
    assert [p.discount for p in q.lines] == [D("6.00"), D("2.00")]

    q = price(org, eu_net, lines, country="DE",
              discount=discount(org, type="fixed", value=D("100.00"), currency_code="EUR"))
    assert [p.discount for p in q.lines] == [D("30.00"), D("10.00")]
    assert (q.total, q.amount_due) == (D("0.00"), D("0.00"))
    assert_consistent(q)


def test_discount_scoped_to_a_product_not_in_the_cart_takes_nothing_off(org, eu_net):
    code = discount(org, product=make_product(org))
    q = price(org, eu_net, [line(eu_net, "10.00")], country="DE", discount=code)
    assert q.discount is code and q.discount_total == D("0.00") and not q.discount_applies


def test_resolve_discount_is_case_insensitive_and_scoped_to_the_org(org, eu):
    code = discount(org, code="Summer25")
    assert pricing.resolve_discount(org, code=" summer25 ", market_id=eu.id, currency="EUR") is code
    other = make_org()
    with pytest.raises(ValidationError, match="“SUMMER25” is not valid"):
        pricing.resolve_discount(other, code="SUMMER25", market_id=eu.id, currency="EUR")
    with pytest.raises(ValidationError, match="“NOPE” is not valid"):
        pricing.resolve_discount(org, code="NOPE", market_id=eu.id, currency="EUR")
    with pytest.raises(ValidationError, match="is not valid"):
        pricing.resolve_discount(org, code="  ", market_id=eu.id, currency="EUR")


def test_discount_scoped_to_a_market(org, eu, us):
    code = discount(org, code="EUONLY", market=eu)
    assert pricing.resolve_discount(org, code="euonly", market_id=eu.id, currency="EUR") is code
    with pytest.raises(ValidationError, match="cannot be used in this store"):
        pricing.resolve_discount(org, code="euonly", market_id=us.id, currency="USD")
    with pytest.raises(ValidationError, match="cannot be used in this store"):
        price(org, us, [line(us, "10.00")], country="US", discount=code)
    q = price(org, eu, [line(eu, "10.00")], country="DE", discount=code)
    assert q.discount_total == D("1.00")


@pytest.mark.parametrize(
    "kwargs, change, message",
    [
        # a code that has expired since (one cannot be created already ended)
        ({"starts_at": NOW - timedelta(days=3), "ends_at": NOW + timedelta(days=1)},
         {"ends_at": NOW - timedelta(days=1)}, "This discount code has expired."),
        ({"starts_at": NOW + timedelta(days=1)}, None, "This discount code is not valid yet."),
        ({"usage_limit": 2}, {"times_used": 2}, "This discount code has reached its usage limit."),
        ({}, {"is_active": False}, "This discount code is no longer active."),
        ({"type": "fixed", "value": D("5"), "currency_code": "USD"}, None,
         "This discount code is for prices in USD, not EUR."),
    ],
    ids=["expired", "not-started", "usage-limit", "disabled", "wrong-currency"],
)
def test_unusable_discounts_are_rejected_with_their_reason(db_session, org, eu, kwargs, change, message):
    code = discount(org, **kwargs)
    for attr, value in (change or {}).items():
        setattr(code, attr, value)
    db_session.flush()
    with pytest.raises(ValidationError) as exc:
        pricing.resolve_discount(org, code=code.code, market_id=eu.id, currency="EUR")
    assert str(exc.value.message) == message
    with pytest.raises(ValidationError, match=message.replace(".", r"\.")):  # quote re-checks
        price(org, eu, [line(eu, "10.00")], country="DE", discount=code)


def test_discount_window_edges(org, eu):
    code = discount(org, starts_at=NOW, ends_at=NOW + timedelta(days=1))
    assert pricing.resolve_discount(org, code=code.code, market_id=eu.id, currency="EUR", at=NOW) is code
    with pytest.raises(ValidationError, match="expired"):
        pricing.resolve_discount(org, code=code.code, market_id=eu.id, currency="EUR",
                                 at=NOW + timedelta(days=1))


# ---- gift cards ------------------------------------------------------------------------------

def test_gift_cards_apply_in_order_and_an_unneeded_card_keeps_its_balance(org, staff, eu_net):
    lines = [line(eu_net, "60.00"), line(eu_net, "40.00")]
    first, second, third = card(org, staff, "30"), card(org, staff, "100"), card(org, staff, "50")
    q = price(org, eu_net, lines, country="DE", gift_cards=[first, second, third])
    assert [(c.id, a) for c, a in q.gift_cards] == [(first.id, D("30.00")), (second.id, D("70.00"))]
    assert (q.total, q.gift_card_total, q.amount_due) == (D("100.00"), D("100.00"), D("0.00"))
    assert [p.gift_card for p in q.lines] == [D("60.00"), D("40.00")]
    assert (first.current_balance, second.current_balance, third.current_balance) == (D("30"), D("100"), D("50"))
    assert_consistent(q)


def test_a_partly_used_gift_card_is_split_over_the_lines(org, staff, eu_net):
    lines = [line(eu_net, "33.33"), line(eu_net, "33.33"), line(eu_net, "33.34")]
    q = price(org, eu_net, lines, country="DE", gift_cards=[card(org, staff, "25")])
    assert q.gift_card_total == D("25.00") and q.amount_due == D("75.00")
    assert sorted(p.gift_card for p in q.lines) == [D("8.33"), D("8.33"), D("8.34")]
    assert_consistent(q)


def test_a_gift_card_can_cover_the_whole_order(org, staff, eu, standard, de_vat):
    big = card(org, staff, "200")
    q = price(org, eu, [line(eu, "99.00", tax_category=standard)], country="DE", gift_cards=[big])
    assert q.gift_cards == [(big, D("99.00"))]
    assert (q.gift_card_total, q.amount_due, q.lines[0].gift_card) == (D("99.00"), D("0.00"), D("99.00"))
    assert_consistent(q)


def test_the_same_gift_card_twice_is_applied_once(org, staff, eu_net):
    gift = card(org, staff, "10")
    q = price(org, eu_net, [line(eu_net, "50.00")], country="DE", gift_cards=[gift, gift])
    assert q.gift_cards == [(gift, D("10.00"))] and q.amount_due == D("40.00")


def test_gift_cards_in_a_zero_decimal_currency(org, staff, jp):
    q = price(org, jp, [line(jp, "1000"), line(jp, "1000"), line(jp, "1000")], country="JP",
              gift_cards=[card(org, staff, "1000", "JPY")])
    assert sorted(p.gift_card for p in q.lines) == [D("333"), D("333"), D("334")]
    assert q.amount_due == D("2000")
    assert_consistent(q)


def test_resolve_gift_card_ignores_case_spaces_and_dashes(org, staff):
    gift = card(org, staff, code="ABCD-EFGH-JKLM")
    assert pricing.resolve_gift_card(org, code=" abcd efghjklm ", currency="eur") is gift
    with pytest.raises(ValidationError, match="no gift card with the code “ABCD-EFGH-JKLM”"):
        pricing.resolve_gift_card(make_org(), code="ABCD-EFGH-JKLM", currency="EUR")
    with pytest.raises(ValidationError, match="no gift card with the code “nope”"):
        pricing.resolve_gift_card(org, code="nope", currency="EUR")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"expires_at": NOW - timedelta(minutes=1)}, "The gift card {code} has expired."),
        ({"is_active": False}, "The gift card {code} has been disabled."),
        ({"current_balance": D("0")}, "The gift card {code} has been used up."),
        ({"currency_code": "USD"}, "The gift card {code} is in USD and cannot pay for an order in EUR."),
    ],
    ids=["expired", "disabled", "exhausted", "wrong-currency"],
)
def test_unusable_gift_cards_are_rejected_with_their_reason(db_session, org, staff, eu_net, change, message):
    gift = card(org, staff, "20")
    if change.get("currency_code"):
        gift = card(org, staff, "20", currency="USD")
    else:
        for attr, value in change.items():
            setattr(gift, attr, value)
        db_session.flush()
    expected = message.format(code=gift.code)
    with pytest.raises(ValidationError) as exc:
        pricing.resolve_gift_card(org, code=gift.code, currency="EUR")
    assert str(exc.value.message) == expected
    with pytest.raises(ValidationError) as exc:  # quote re-checks what was resolved earlier
        price(org, eu_net, [line(eu_net, "10.00")], country="DE", gift_cards=[gift])
    assert str(exc.value.message) == expected


def test_gift_cards_and_discount_together(org, staff, eu, standard, de_vat):
    lines = [line(eu, "99.00", tax_category=standard)]
    q = price(org, eu, lines, country="DE", discount=discount(org, value=D("10")),
              gift_cards=[card(org, staff, "50")])
    assert (q.total, q.gift_card_total, q.amount_due, q.tax_total) == (D("89.10"), D("50.00"), D("39.10"),
                                                                       D("14.23"))
    assert_consistent(q)


# ---- inputs ----------------------------------------------------------------------------------

def test_line_input_refuses_floats_and_bad_quantities():
    base = dict(plan_id="p", product_id="x", variant_id="v", product_name="P", plan_name="Plan",
                plan_type="one_time", access_tier=1, tax_category_id=None, collection_ids=frozenset())
    with pytest.raises(TypeError):
        LineInput(**base, quantity=1, unit_price=9.99)
    with pytest.raises(ValueError):
        LineInput(**base, quantity=0, unit_price=D("9.99"))
    with pytest.raises(ValueError):
        LineInput(**base, quantity=1, unit_price=D("-1"))
    assert LineInput(**{**base, "collection_ids": ["c"]}, quantity=2, unit_price=D("1")).collection_ids == {"c"}


def test_an_empty_cart_costs_nothing(org, eu):
    q = price(org, eu, [], country="DE")
    assert (q.subtotal, q.total, q.amount_due, q.lines) == (D("0.00"), D("0.00"), D("0.00"), [])
