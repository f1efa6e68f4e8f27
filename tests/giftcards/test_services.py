"""Gift cards: issuing (codes, amounts, who may issue), disabling, and finding a card by the code a
customer types."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from app.db import utcnow
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.giftcards import services as giftcards
from tests.factories import make_employee, make_org, org_admin

pytestmark = pytest.mark.usefixtures("app_ctx")

CODE_RE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


@pytest.fixture
def org():
    return make_org()


@pytest.fixture
def staff(org):
    return make_employee(org, role="staff")


def issue(org, staff, **kwargs):
    kwargs.setdefault("amount", Decimal("50"))
    kwargs.setdefault("currency_code", "EUR")
    return giftcards.issue_gift_card(org, by=staff, **kwargs)


def test_issued_card_has_an_unambiguous_code_and_its_full_balance(org, staff):
    card = issue(org, staff, amount="25.005", recipient_email=" Friend@Example.com ", note="Birthday")
    assert CODE_RE.match(card.code), card.code
    assert not set(card.code) & set("0O1I")
    assert (card.initial_amount, card.current_balance, card.currency_code) == (
        Decimal("25.01"), Decimal("25.01"), "EUR")
    assert card.recipient_email == "friend@example.com"
    assert card.is_usable() and card.issued_by_employee_id == staff.id


def test_generated_codes_are_unique(org, staff):
    codes = {issue(org, staff).code for _ in range(40)}
    assert len(codes) == 40


def test_a_generated_code_that_is_already_taken_is_never_reused(org, staff, monkeypatch):
    taken = issue(org, staff).code
    fresh = "ABCD-EFGH-JKLM"
    candidates = iter([taken, taken, fresh])
    monkeypatch.setattr(giftcards, "generate_code", lambda: next(candidates))
    assert issue(org, staff).code == fresh


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{nodash}", "  {spaced}  "])
def test_lookup_ignores_case_spaces_and_dashes(org, staff, typed):
    card = issue(org, staff)
    variants = {
        "code": card.code,
        "lower": card.code.lower(),
        "nodash": card.code.replace("-", "").lower(),
        "spaced": card.code.replace("-", " "),
    }
    assert giftcards.get_by_code(org, typed.format(**variants)) is card


def test_lookup_is_scoped_to_the_org_and_tolerates_garbage(org, staff):
    card = issue(org, staff)
    other = make_org()
    assert giftcards.get_by_code(other, card.code) is None
    assert giftcards.get_by_code(org, "") is None
    assert giftcards.get_by_code(org, "--- ") is None
    assert giftcards.get_by_code(org, "NOPE-NOPE-NOPE") is None


def test_custom_code_is_stored_in_the_canonical_form_and_must_be_free(org, staff):
    card = issue(org, staff, code="welcome 2025 vip")
    assert card.code == "WELC-OME2-025V-IP"
    assert giftcards.get_by_code(org, "WELCOME2025VIP") is card
    with pytest.raises(ValidationError, match="not available"):
        issue(org, staff, code="Welcome-2025-VIP")
    with pytest.raises(ValidationError, match="8 to 16 letters and digits"):
        issue(org, staff, code="SHORT")


@pytest.mark.parametrize("kwargs, message", [
    ({"amount": "0"}, "greater than zero"),
    ({"amount": "-10"}, "greater than zero"),
    ({"amount": "0.001"}, "greater than zero"),
    ({"amount": "ten"}, "valid amount"),
    ({"currency_code": "XYZ"}, "valid currency"),
    ({"recipient_email": "not-an-email"}, "valid email"),
])
def test_invalid_cards_are_rejected(org, staff, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        issue(org, staff, **kwargs)


def test_expiry_must_be_in_the_future(org, staff):
    with pytest.raises(ValidationError, match="expiry date must be in the future"):
        issue(org, staff, expires_at=utcnow() - timedelta(minutes=1))
    card = issue(org, staff, expires_at=utcnow() + timedelta(days=365))
    assert card.is_usable() and not card.is_usable(utcnow() + timedelta(days=366))


def test_jpy_cards_have_no_minor_units(org, staff):
    card = issue(org, staff, amount="5000.6", currency_code="jpy")
    assert (card.currency_code, card.initial_amount) == ("JPY", Decimal("5001"))


def test_only_employees_with_the_gift_card_permission_of_this_org_may_issue(org):
    with pytest.raises(PermissionDeniedError, match="issue gift cards"):
        issue(org, make_employee(org, role="creator"))
    inactive = make_employee(org, role="manager")
    inactive.status = "inactive"
    with pytest.raises(PermissionDeniedError):
        issue(org, inactive)
    with pytest.raises(NotFoundError):
        issue(org, make_employee(make_org(), role="admin"))
    assert issue(org, make_employee(org, role="manager")).is_active


def test_disabling_keeps_the_balance_but_makes_the_card_unusable(org, staff):
    card = issue(org, staff, amount="30")
    giftcards.disable_gift_card(card, by=org_admin(card))
    giftcards.disable_gift_card(card, by=org_admin(card))
    assert not card.is_active and not card.is_usable()
    assert card.current_balance == Decimal("30.00")
    assert giftcards.get_by_code(org, card.code) is card  # still found, so checkout can say why it fails
