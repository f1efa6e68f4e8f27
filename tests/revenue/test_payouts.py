"""Payouts: at most what is owed, posted to the ledger, reversible (never deleted), admins only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.accounting import ledger
from app.catalog.attributions import set_attribution
from app.errors import ConflictError, PermissionDeniedError, ValidationError
from app.extensions import db
from app.orders import services as orders
from app.orgs.models import OrgAuditLog as AuditLog
from app.revenue.models import OrgEmployeePayout
from app.revenue.payouts import payable, record_payout, reverse_payout
from tests.factories import make_employee
from tests.orders.test_services import build_shop, place, plan

pytestmark = pytest.mark.usefixtures("app_ctx")
D = Decimal


@pytest.fixture
def earned():
    """A creator with 70 % of a 49.00 course (19 % VAT on top) that sold once."""
    shop = build_shop()
    creator = make_employee(shop.org, role="creator")
    the_plan = plan(shop, price="49.00")
    set_attribution(the_plan.variant.product, creator, percent=D("70"), by=shop.admin)
    orders.mark_paid(place(shop, [the_plan]), provider="manual")
    shop.creator = creator
    return shop


def test_a_payout_moves_the_amount_from_owed_to_paid_out(earned):
    owed = payable(earned.creator, "EUR")
    assert owed > 0
    payout = record_payout(earned.creator, amount=D("20.00"), currency_code="EUR", method="bank_transfer",
                           reference="SEPA-42", by=earned.admin)
    assert payout.status == "paid" and payout.amount == D("20.00")
    assert payable(earned.creator, "EUR") == owed - D("20.00")
    assert ledger.balance(earned.org.id, "EUR", "payouts") == D("20.00")
    assert ledger.check(earned.org.id) == []
    assert db.session.scalar(db.select(AuditLog.action).where(AuditLog.entity_id == payout.id)) == "payout.recorded"


def test_more_than_is_owed_is_refused_with_what_is_owed(earned):
    owed = payable(earned.creator, "EUR")
    with pytest.raises(ValidationError, match=f"At most €{owed:.2f} is owed"):
        record_payout(earned.creator, amount=owed + D("0.01"), currency_code="EUR", method="paypal",
                      by=earned.admin)
    with pytest.raises(ValidationError):
        record_payout(earned.creator, amount=D("-1"), currency_code="EUR", method="paypal", by=earned.admin)
    with pytest.raises(ValidationError):
        record_payout(earned.creator, amount=D("1"), currency_code="EUR", method="cash-in-envelope",
                      by=earned.admin)
    assert db.session.scalar(db.select(db.func.count()).select_from(OrgEmployeePayout)) == 0


def test_only_admins_record_payouts(earned):
    manager = make_employee(earned.org, role="manager")
    with pytest.raises(PermissionDeniedError):
        record_payout(earned.creator, amount=D("1.00"), currency_code="EUR", method="paypal", by=manager)
    with pytest.raises(PermissionDeniedError):
        record_payout(earned.creator, amount=D("1.00"), currency_code="EUR", method="paypal", by=earned.creator)


def test_a_reversed_payout_is_kept_and_the_amount_is_owed_again(earned):
    owed = payable(earned.creator, "EUR")
    payout = record_payout(earned.creator, amount=owed, currency_code="EUR", method="paypal", by=earned.admin)
    assert payable(earned.creator, "EUR") == 0
    reverse_payout(payout, by=earned.admin)
    assert payout.status == "cancelled" and payout.reversed_at is not None
    assert payable(earned.creator, "EUR") == owed
    assert len(ledger.entries_for("payout_reversal", payout.id)) == 1
    with pytest.raises(ConflictError):
        reverse_payout(payout, by=earned.admin)
    assert ledger.check(earned.org.id) == []
