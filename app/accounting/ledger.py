"""The double-entry ledger: a chart of accounts per org and currency, created when first needed,
and balanced journal entries that are never changed (a correction is a reversing entry).

Every money movement posts one entry with ``post``: its lines are signed amounts (positive =
debit, negative = credit) that must sum to zero. ``Account.current_balance`` follows the lines in
the same transaction: the accounts an entry touches are locked (``FOR UPDATE`` on PostgreSQL, in
id order so two entries never wait on each other crosswise) and updated with
``current_balance = current_balance + change`` in SQL (one statement for all of them).

``check`` verifies the books (every entry balances; every balance equals the sum of its lines;
the trial balance is zero per org and currency); ``flask --app wsgi ledger check`` runs it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from app.accounting.models import Account, AccountJournalEntry, AccountJournalLine
from app.db import bound_values, in_bound, new_id, plain_rows, prebuilt, prebuilt_for_count, run_write, utcnow
from app.extensions import db
from app.money import ZERO, quantize


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    type: str
    normal_balance: str
    per_employee: bool = False


# The chart of accounts (names are stored in English; pages translate them by code).
CHART: dict[str, Kind] = {
    "cash": Kind("1000", "Provider clearing (cash)", "asset", "debit"),
    "receivables": Kind("1100", "Receivables", "asset", "debit"),
    "payouts": Kind("1900", "Payouts sent", "asset", "credit"),  # contra-asset: money paid out
    "tax_payable": Kind("2000", "Tax payable", "liability", "credit"),
    "gift_card_liability": Kind("2100", "Gift card liability", "liability", "credit"),
    "creator_payable": Kind("2200", "Creator payable", "liability", "credit", per_employee=True),
    "sales": Kind("4000", "Sales revenue", "revenue", "credit"),
    "refunds": Kind("4100", "Refunds", "revenue", "debit"),  # contra-revenue
    "platform_fees": Kind("5000", "Platform fees", "expense", "debit"),
    "processing_fees": Kind("5100", "Processing fees", "expense", "debit"),
    "creator_compensation": Kind("5200", "Creator compensation", "expense", "debit"),
    "gift_cards_issued": Kind("5300", "Gift cards issued", "expense", "debit"),
}


@dataclass(frozen=True)
class Line:
    """One line to post: ``amount`` > 0 debits account ``kind`` (of ``employee_id`` for
    per-employee accounts), < 0 credits it."""

    kind: str
    amount: Decimal
    employee_id: str | None = None
    memo: str | None = None


class UnbalancedEntryError(ValueError):
    """A bug in the caller: an entry's lines do not sum to zero."""


def _account_key(kind: Kind, currency: str, employee_id: str | None) -> tuple[str, str, str | None]:
    return kind.code, currency, employee_id if kind.per_employee else None


@functools.cache
def _accounts_statement(lock: bool) -> sa.Select[tuple[Account]]:
    """``accounts_for``'s query, built once per process (bound: org_id, currency, codes)."""
    stmt = (sa.select(Account)
            .where(Account.org_id == sa.bindparam("org_id"), Account.currency_code == sa.bindparam("currency"),
                   Account.code.in_(sa.bindparam("codes", expanding=True)))
            .order_by(Account.id))
    return stmt.with_for_update() if lock else stmt


def accounts_for(org_id: str, currency: str, wanted: Iterable[tuple[str, str | None]], *,
                 lock: bool = False) -> dict[tuple[str, str | None], Account]:
    """The accounts ``(kind, employee_id)`` of ``org_id`` in ``currency``, created when missing
    (a concurrent creation is retried), locked for update if ``lock``."""
    wanted = {(kind, employee_id if CHART[kind].per_employee else None) for kind, employee_id in wanted}
    codes = {CHART[kind].code for kind, _ in wanted}

    def load() -> dict[tuple[str, str | None], Account]:
        by_code = {kind.code: key for key, kind in CHART.items()}
        found = {}
        params = {"org_id": org_id, "currency": currency, "codes": sorted(codes)}
        for account in db.session.scalars(_accounts_statement(lock), params):
            found[(by_code[account.code], account.employee_id)] = account
        return found

    found = load()
    missing = sorted((key for key in wanted if key not in found), key=lambda k: (CHART[k[0]].code, k[1] or ""))
    if missing:  # created in one order everywhere, so two first postings never deadlock
        for kind_key, employee_id in missing:
            kind = CHART[kind_key]
            try:
                with db.session.begin_nested():
                    db.session.add(Account(
                        id=new_id(), org_id=org_id, employee_id=employee_id, code=kind.code, name=kind.name,
                        type=kind.type, normal_balance=kind.normal_balance, currency_code=currency,
                        is_system=True, current_balance=ZERO,
                    ))
            except IntegrityError:  # created meanwhile by another transaction: use that one
                pass
        found = load()
    return {key: found[key] for key in wanted}


def post(org_id: str, currency: str, *, memo: str, source_type: str, source_id: str, lines: Iterable[Line],
         at: datetime | None = None) -> str | None:
    """Post one balanced entry and return its id (zero lines are left out; nothing to post returns
    None). Written through Core: the entry, its lines and the balances are three statements, with
    none of the ORM's flush work."""
    merged: dict[tuple[str, str | None], Decimal] = defaultdict(lambda: ZERO)
    memos: dict[tuple[str, str | None], str | None] = {}
    for line in lines:
        amount = quantize(line.amount, currency)
        key = (line.kind, line.employee_id if CHART[line.kind].per_employee else None)
        merged[key] += amount
        memos.setdefault(key, line.memo)
    merged = {key: amount for key, amount in merged.items() if amount}
    if sum(merged.values(), ZERO) != 0:
        raise UnbalancedEntryError(f"entry {memo!r} does not balance: {dict(merged)}")
    if not merged:
        return None
    accounts = _locked_accounts(org_id, currency, merged)
    now = utcnow()
    entry_id = new_id()
    connection = db.session.connection()
    run_write(connection, _entry_insert(), {
        "id": entry_id, "org_id": org_id, "currency_code": currency, "occurred_at": at or now, "memo": memo[:255],
        "source_type": source_type, "source_id": source_id, "created_at": now})
    run_write(connection, _lines_insert(), [
        {"id": new_id(), "org_id": org_id, "entry_id": entry_id, "account_id": accounts[key].id,
         "debit": amount if amount > 0 else ZERO, "credit": -amount if amount < 0 else ZERO,
         "memo": memos.get(key), "created_at": now}
        for key, amount in sorted(merged.items(), key=lambda kv: accounts[kv[0]].id)
    ])
    # Every balance in one statement (the rows are locked already, in id order).
    changes = {}
    for key, amount in merged.items():
        account = accounts[key]
        changes[account.id] = amount if account.normal_balance == "debit" else -amount
    ordered = sorted(changes)
    params = bound_values("account", ordered)
    for n, account_id in enumerate(ordered):
        params[f"change_{n}"] = changes[account_id]
    params["updated_at"] = utcnow()  # (its onupdate value, given: the UPDATE runs on the driver)
    run_write(connection, _balances_update(len(ordered)), params)
    identity_map = db.session.identity_map
    # An account the session holds shows its new balance on next read (a sale's session holds none).
    if [obj for obj in identity_map.values() if type(obj) is Account]:
        for account_id in ordered:
            held = identity_map.get(identity_key(Account, account_id))
            if held is not None:
                db.session.expire(held, ["current_balance"])
    return entry_id


@prebuilt
def _entry_insert() -> sa.Insert:
    return sa.insert(AccountJournalEntry.__table__)


@prebuilt
def _lines_insert() -> sa.Insert:
    return sa.insert(AccountJournalLine.__table__)


@dataclass(frozen=True)
class _AccountRef:
    id: str
    normal_balance: str


@prebuilt_for_count
def _locked_accounts_statement(count: int) -> sa.Select:
    """``_locked_accounts``' query for ``count`` codes (bound: org_id, currency, code_0, ...)."""
    return (sa.select(Account.id, Account.code, Account.employee_id, Account.normal_balance)
            .where(Account.org_id == sa.bindparam("org_id"), Account.currency_code == sa.bindparam("currency"),
                   in_bound(Account.code, "code", count))
            .order_by(Account.id)
            .with_for_update())


def _locked_accounts(org_id: str, currency: str, wanted: Iterable[tuple[str, str | None]]
                     ) -> dict[tuple[str, str | None], _AccountRef]:
    """``accounts_for(..., lock=True)`` as plain rows (the id and normal balance an entry needs):
    the same rows locked in the same order, without loading them as entities; a missing account is
    created by ``accounts_for``."""
    wanted = {(kind, employee_id if CHART[kind].per_employee else None) for kind, employee_id in wanted}
    by_code = {kind.code: key for key, kind in CHART.items()}
    codes = sorted({CHART[kind].code for kind, _ in wanted})
    params = {"org_id": org_id, "currency": currency, **bound_values("code", codes)}
    found = {(by_code[row.code], row.employee_id): _AccountRef(row.id, row.normal_balance)
             for row in plain_rows(db.session, _locked_accounts_statement(len(codes)), params)}
    if any(key not in found for key in wanted):
        return {key: _AccountRef(account.id, account.normal_balance)
                for key, account in accounts_for(org_id, currency, wanted, lock=True).items()}
    return {key: found[key] for key in wanted}


@prebuilt_for_count
def _balances_update(count: int) -> sa.Update:
    """``count`` accounts' balances moved in one statement (built once per number of accounts; bound:
    ``account_0``, ``change_0``, ...)."""
    table = Account.__table__
    return (
        sa.update(table).where(in_bound(table.c.id, "account", count))
        .values(current_balance=table.c.current_balance + sa.case(
            *((table.c.id == sa.bindparam(f"account_{n}"),
               sa.cast(sa.bindparam(f"change_{n}", type_=table.c.current_balance.type), table.c.current_balance.type))
              for n in range(count)),
        ))
    )


def entries_for(source_type: str, source_id: str) -> list[AccountJournalEntry]:
    return list(db.session.scalars(
        sa.select(AccountJournalEntry)
        .where(AccountJournalEntry.source_type == source_type, AccountJournalEntry.source_id == source_id)
        .order_by(AccountJournalEntry.occurred_at, AccountJournalEntry.id)
    ))


def balance(org_id: str, currency: str, kind: str, employee_id: str | None = None) -> Decimal:
    """An account's current balance (zero for an account not created yet)."""
    code = CHART[kind].code
    value = db.session.scalar(sa.select(Account.current_balance).where(
        Account.org_id == org_id, Account.currency_code == currency, Account.code == code,
        Account.employee_id.is_(None) if employee_id is None else Account.employee_id == employee_id,
    ))
    return value if value is not None else ZERO


def trial_balance(org_id: str | None = None) -> dict[tuple[str, str], Decimal]:
    """Per (org, currency): debit-normal balances minus credit-normal balances (zero when the books
    are right)."""
    signed = sa.case((Account.normal_balance == "debit", Account.current_balance), else_=-Account.current_balance)
    stmt = sa.select(Account.org_id, Account.currency_code, sa.func.sum(signed)).group_by(
        Account.org_id, Account.currency_code)
    if org_id is not None:
        stmt = stmt.where(Account.org_id == org_id)
    return {(org, currency): _exact(total) for org, currency, total in db.session.execute(stmt)}


_PLACES = Decimal("0.0001")  # the scale of money columns


def _exact(value) -> Decimal:
    """A SQL sum as a Decimal at the money columns' scale (SQLite sums REALs)."""
    return Decimal(str(value or 0)).quantize(_PLACES)


def _differs(a, b) -> sa.ColumnElement[bool]:
    """``a <> b`` at the money columns' scale (exact on PostgreSQL, float-safe on SQLite)."""
    return sa.func.round(a - b, 4) != 0


def check(org_id: str | None = None) -> list[str]:
    """What is wrong with the books (empty when every entry balances, every account's balance
    equals the sum of its lines, and the trial balance is zero per org and currency)."""
    problems: list[str] = []
    line, entry = AccountJournalLine, AccountJournalEntry
    unbalanced = (sa.select(entry.id, entry.memo, sa.func.sum(line.debit), sa.func.sum(line.credit))
                  .join(line, line.entry_id == entry.id).group_by(entry.id, entry.memo)
                  .having(_differs(sa.func.sum(line.debit), sa.func.sum(line.credit))))
    empty = sa.select(entry.id, entry.memo).where(~sa.exists().where(line.entry_id == entry.id))
    mixed = (sa.select(entry.id, entry.memo).join(line, line.entry_id == entry.id)
             .join(Account, Account.id == line.account_id)
             .where((Account.currency_code != entry.currency_code) | (Account.org_id != entry.org_id)).distinct())
    moved = sa.case((Account.normal_balance == "debit", line.debit - line.credit), else_=line.credit - line.debit)
    sums = (sa.select(line.account_id, sa.func.sum(moved).label("total"))
            .join(Account, Account.id == line.account_id).group_by(line.account_id).subquery())
    drift = (sa.select(Account.code, Account.currency_code, Account.employee_id, Account.current_balance,
                       sa.func.coalesce(sums.c.total, 0))
             .outerjoin(sums, sums.c.account_id == Account.id)
             .where(_differs(Account.current_balance, sa.func.coalesce(sums.c.total, 0))))
    if org_id is not None:
        unbalanced = unbalanced.where(entry.org_id == org_id)
        empty = empty.where(entry.org_id == org_id)
        mixed = mixed.where(entry.org_id == org_id)
        drift = drift.where(Account.org_id == org_id)
    for entry_id, memo, debit, credit in db.session.execute(unbalanced):
        problems.append(f"entry {entry_id} ({memo}) does not balance: debit {_exact(debit)}, credit {_exact(credit)}")
    for entry_id, memo in db.session.execute(empty):
        problems.append(f"entry {entry_id} ({memo}) has no lines")
    for entry_id, memo in db.session.execute(mixed):
        problems.append(f"entry {entry_id} ({memo}) has a line on another org's or currency's account")
    for code, currency, employee_id, current, total in db.session.execute(drift):
        who = f" of employee {employee_id}" if employee_id else ""
        problems.append(f"account {code} {currency}{who}: balance {current} but its lines sum to {_exact(total)}")
    for (org, currency), total in trial_balance(org_id).items():
        if total != 0:
            problems.append(f"trial balance of org {org} in {currency} is {total}, not zero")
    return problems
