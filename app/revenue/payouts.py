"""Payouts: an admin records money paid to an employee for their attributed revenue.

A payout is at most what the org owes the employee in that currency (their creator payable
account), posts Dr creator payable / Cr payouts sent, and moves the amount from "pending" to
"paid" in the creator's earnings. A payout is never deleted: reversing it posts the reversing
entry and marks it cancelled (the amount is pending again).

Services flush and raise DomainErrors; the view commits.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounting import ledger
from app.checks import clean_text, to_amount
from app.db import utcnow
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.money import format_money, quantize
from app.orgs.models import OrgEmployee
from app.orgs.services import audit_change, authorize, ensure_same_org, snapshot
from app.platform.services import active_currency
from app.revenue.models import OrgEmployeePayout

PAYOUT_FIELDS = ("employee_id", "currency_code", "amount", "status", "method", "reference", "paid_at",
                 "reversed_at")
METHODS = ("bank_transfer", "paypal", "stripe_connect", "other")


def payable(employee: OrgEmployee, currency: str) -> Decimal:
    """What the org owes ``employee`` in ``currency`` now (their creator payable balance)."""
    return ledger.balance(employee.org_id, currency, "creator_payable", employee.id)


def record_payout(employee: OrgEmployee, *, amount, currency_code: str, method: str,
                  reference: str | None = None, by: OrgEmployee) -> OrgEmployeePayout:
    """Record ``amount`` paid to ``employee`` (at most their payable balance)."""
    authorize(by, employee.org_id, "all_earnings", _("Only admins record payouts."))
    ensure_same_org(employee, by.org_id, _("Employee not found."))
    currency = active_currency(currency_code)
    value = quantize(to_amount(amount, _("Amount")), currency)
    if value <= 0:
        raise ValidationError(_("The payout amount must be greater than zero."))
    if method not in METHODS:
        raise ValidationError(_("Choose how the payout was made."))
    reference = clean_text(reference, _("Reference"), max_length=100)
    ledger.accounts_for(employee.org_id, currency, [("creator_payable", employee.id)], lock=True)
    owed = payable(employee, currency)
    if value > owed:
        raise ValidationError(_("At most %(amount)s is owed to this employee in %(currency)s.",
                                amount=format_money(max(owed, Decimal(0)), currency), currency=currency))
    now = utcnow()
    last_end = db.session.scalar(
        sa.select(sa.func.max(OrgEmployeePayout.period_end))
        .where(OrgEmployeePayout.employee_id == employee.id, OrgEmployeePayout.currency_code == currency,
               OrgEmployeePayout.status == "paid")
    )
    start = min(last_end or employee.created_at or now, now - timedelta(seconds=1))
    payout = OrgEmployeePayout(
        org_id=employee.org_id, employee_id=employee.id, currency_code=currency, amount=value, status="paid",
        period_start=start, period_end=now, paid_at=now, reference=reference, method=method,
        recorded_by_employee_id=by.id,
    )
    db.session.add(payout)
    db.session.flush()
    ledger.post(employee.org_id, currency, memo=f"Payout to employee {employee.id}", source_type="payout",
                source_id=payout.id, at=now, lines=[
                    ledger.Line("creator_payable", value, employee_id=employee.id),
                    ledger.Line("payouts", -value),
                ])
    audit_change(payout, action="payout.recorded", by=by, fields=PAYOUT_FIELDS)
    return payout


def reverse_payout(payout: OrgEmployeePayout, *, by: OrgEmployee) -> OrgEmployeePayout:
    """Undo a payout recorded by mistake: the reversing entry puts the amount back to pending."""
    authorize(by, payout.org_id, "all_earnings", _("Only admins reverse payouts."))
    payout = db.session.scalar(sa.select(OrgEmployeePayout).where(OrgEmployeePayout.id == payout.id)
                               .with_for_update().execution_options(populate_existing=True))
    if payout.status != "paid":
        raise ConflictError(_("This payout has already been reversed."))
    before = snapshot(payout, PAYOUT_FIELDS)
    payout.status, payout.reversed_at = "cancelled", utcnow()
    db.session.flush()
    ledger.post(payout.org_id, payout.currency_code, memo=f"Reversal of payout {payout.id}",
                source_type="payout_reversal", source_id=payout.id, at=payout.reversed_at, lines=[
                    ledger.Line("payouts", payout.amount),
                    ledger.Line("creator_payable", -payout.amount, employee_id=payout.employee_id),
                ])
    audit_change(payout, action="payout.reversed", by=by, fields=PAYOUT_FIELDS, before=before)
    return payout
