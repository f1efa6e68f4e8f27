"""Revenue on every payment and refund, and its journal entries (DESIGN.md §7).

When an order is paid (``app.orders.events.order_paid``: checkout, Stripe, gift cards, renewals
and usage invoices alike), for each item:

- gross: what the buyer paid for it (``line_total``, the gift-card-paid part included);
- tax: from the item's snapshot (``tax_amount``);
- platform fee: the org's ``platform_fee_percent`` of gross;
- processing fee: the provider's fee on the payment (``PROCESSING_FEES``: a percent plus a fixed
  amount; manual and gift cards 0), shared among the items by largest remainder;
- net = gross - tax - platform fee - processing fee, split across the product's attributions in
  effect at payment time by largest remainder, so the creators' parts plus the org's share equal
  net to the currency's minor unit.

Each item keeps its fees (``platform_fee``, ``processing_fee``); each attribution gets one
``sale`` row per item. A refund (``order_refunded``) writes ``refund`` rows with every amount
reversed in proportion to what went back of the item's price (computed on the running total, so
a fully refunded item nets to exactly zero however many partial refunds it took).

Both post one balanced journal entry (app.accounting.ledger) in the same transaction:

- sale: cash and the gift cards' liability against tax payable and sales revenue; the fees
  (expense) out of the provider clearing; the creators' parts to their payable accounts.
- refund: the reverse, in proportion, with the refunded price through the refunds account.
- gift cards issued by the org (``app.giftcards.events.cards_issued``): expense against the gift
  card liability, which a sale paid by card then reduces and a refund to the card restores.

Queries per order are fixed whatever its number of items.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from app.accounting.ledger import Line, post
from app.catalog.attributions import shares_in_effect
from app.db import new_id, prebuilt, run_write, utcnow
from app.extensions import db
from app.giftcards import events as giftcard_events
from app.money import ZERO, allocate, quantize
from app.orders import events
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from app.orders.services import provider_fee as processing_fee  # (mark_paid writes a payment with it)
from app.orgs.models import Org
from app.revenue.models import OrgEmployeeProductAttributionRevenue, OrgEmployeeRevenueTotal

Revenue = OrgEmployeeProductAttributionRevenue
HUNDRED = Decimal(100)


def split(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """``app.money.allocate`` for any sign of ``total``: parts that sum to it exactly."""
    if total < 0:
        return [-part for part in allocate(-total, weights, currency)]
    return allocate(total, weights, currency)


def _share_weights(percents: list[Decimal]) -> list[Decimal]:
    """The attributions' shares and, last, the org's (what is left of 100 %)."""
    return [*percents, max(HUNDRED - sum(percents, ZERO), ZERO)]


# ---- a sale -----------------------------------------------------------------------------------

def record_sale(order: OrgMemberOrder, *, at: datetime | None = None,
                platform_fee_percent: Decimal | None = None) -> list[Revenue]:
    """Write the fees, the revenue rows and the sale's journal entry of ``order``, just paid
    (``platform_fee_percent``: the org's, when the caller read it in this transaction)."""
    at = at or order.paid_at or utcnow()
    currency = order.currency_code
    if platform_fee_percent is None:
        platform_fee_percent = db.session.get(Org, order.org_id).platform_fee_percent
    items = [item for item in order.items if item.status == "active"]
    payments = [p for p in order.payments if p.status == "succeeded"]
    for payment in payments:
        if not payment.processing_fee:
            fee = processing_fee(payment.provider, payment.amount, currency)
            if fee != payment.processing_fee:  # (a zero fee kept as zero: no change for the flush)
                payment.processing_fee = fee
    fee_total = sum((p.processing_fee for p in payments), ZERO)
    cash = sum((p.amount for p in payments), ZERO)
    fees = allocate(fee_total, [item.line_total for item in items], currency) if items else []
    # The items' fees first: the flush below writes them with the order's other changes (one
    # UPDATE per item, with its fulfilment), before the attributions are read.
    for item, fee in zip(items, fees, strict=True):
        item.platform_fee = quantize(item.line_total * platform_fee_percent / HUNDRED, currency)
        item.processing_fee = fee
    db.session.flush()
    attributions = shares_in_effect(order.org_id, {item.product_id for item in items}, at=at)

    rows: list[dict] = []
    payable: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in items:
        net = item.line_total - item.tax_amount - item.platform_fee - item.processing_fee
        shares = attributions[item.product_id]
        parts = split(net, _share_weights([a.revenue_share_percentage for a in shares]), currency)
        for attribution, part in zip(shares, parts, strict=False):
            rows.append(_row(order, item, attribution.id, attribution.employee_id, "sale", at,
                             gross=item.line_total, tax=item.tax_amount, platform=item.platform_fee,
                             processing=item.processing_fee, net=net, share=part))
            payable[attribution.employee_id] += part
    _insert(rows)

    tax = sum((item.tax_amount for item in items), ZERO)
    platform = sum((item.platform_fee for item in items), ZERO)
    creators = sum(payable.values(), ZERO)
    post(order.org_id, currency, memo=f"Sale {order.order_number}", source_type="order", source_id=order.id, at=at,
         lines=[
             Line("cash", cash),
             Line("gift_card_liability", order.gift_card_amount),
             Line("tax_payable", -tax),
             Line("sales", -(cash + order.gift_card_amount - tax)),
             Line("processing_fees", fee_total), Line("cash", -fee_total),
             Line("platform_fees", platform), Line("cash", -platform),
             Line("creator_compensation", creators),
             *(Line("creator_payable", -amount, employee_id=employee) for employee, amount in payable.items()),
         ])
    db.session.flush()
    return rows


def _row(order: OrgMemberOrder, item: OrgMemberOrderItem, attribution_id: str, employee_id: str, kind: str,
         at: datetime, *, gross: Decimal, tax: Decimal, platform: Decimal, processing: Decimal, net: Decimal,
         share: Decimal) -> dict:
    now = utcnow()
    return {"id": new_id(), "org_id": order.org_id, "attribution_id": attribution_id, "employee_id": employee_id,
            "order_item_id": item.id, "market_id": order.market_id, "currency_code": order.currency_code,
            "gross_revenue": gross, "tax_amount": tax, "platform_fee": platform, "processing_fee": processing, "net_revenue": net,
            "attributed_revenue": share, "kind": kind, "calculated_at": at, "created_at": now, "updated_at": now}


def _insert(rows: list[dict]) -> None:
    """Write revenue rows and add them to their employees' totals (``OrgEmployeeRevenueTotal``):
    two statements whatever their number."""
    if not rows:
        return
    # Core, not the ORM's bulk insert (the same INSERT, without its per-statement Python cost).
    connection = db.session.connection()
    run_write(connection, _revenue_insert(), rows)
    sums: dict[tuple, dict] = {}
    for row in rows:
        key = (row["employee_id"], row["attribution_id"], row["market_id"], row["currency_code"])
        total = sums.setdefault(key, {"id": new_id(), "org_id": row["org_id"], "employee_id": key[0],
                                      "attribution_id": key[1], "market_id": key[2], "currency_code": key[3],
                                      "earned": ZERO, "refunded": ZERO, "sales": 0, "lines": 0})
        total["earned"] += row["attributed_revenue"]
        total["lines"] += 1
        if row["kind"] == "refund":
            total["refunded"] += row["attributed_revenue"]
        else:
            total["sales"] += 1
    run_write(connection, _totals_upsert(), list(sums.values()))


@prebuilt
def _revenue_insert() -> sa.Insert:
    return sa.insert(Revenue.__table__)


@prebuilt
def _totals_upsert() -> sa.TextClause:
    """Add a row's sums to its employee's total (created when missing), run for all of a sale's
    totals at once (executemany). Written as text (the same SQL on PostgreSQL and SQLite): SQLAlchemy
    cannot cache an ``on_conflict_do_update`` statement, so it compiled it again on every sale."""
    table = OrgEmployeeRevenueTotal.__table__
    return sa.text(
        "INSERT INTO org_employee_revenue_total"
        " (id, employee_id, attribution_id, market_id, currency_code, earned, refunded, sales, lines, org_id)"
        " VALUES (:id, :employee_id, :attribution_id, :market_id, :currency_code, :earned, :refunded, :sales,"
        " :lines, :org_id)"
        " ON CONFLICT (employee_id, attribution_id, market_id, currency_code) DO UPDATE SET"
        " earned = org_employee_revenue_total.earned + excluded.earned,"
        " refunded = org_employee_revenue_total.refunded + excluded.refunded,"
        " sales = org_employee_revenue_total.sales + excluded.sales,"
        " lines = org_employee_revenue_total.lines + excluded.lines"
    ).bindparams(*(sa.bindparam(column.name, type_=column.type) for column in table.columns))


# ---- a refund ---------------------------------------------------------------------------------

def _portion(amount: Decimal, refunded: Decimal, gross: Decimal, currency: str) -> Decimal:
    """``amount`` × refunded / gross, rounded: the part of ``amount`` reversed once ``refunded`` of
    ``gross`` went back."""
    if gross <= 0 or refunded >= gross:
        return amount
    return quantize(amount * refunded / gross, currency)


def record_refund(order: OrgMemberOrder, refund: events.Refund) -> list[dict]:
    """Reverse, in proportion, the revenue of what ``refund`` gave back, and post its entry."""
    currency = order.currency_code
    at = refund.at or utcnow()
    items = {item.id: item for item in order.items if item.id in refund.items}
    sales = db.session.scalars(
        sa.select(Revenue).where(Revenue.org_id == order.org_id, Revenue.kind == "sale",
                                 Revenue.order_item_id.in_(items))
        .order_by(Revenue.attributed_revenue.desc(), Revenue.id)
    ).all() if items else []
    by_item: dict[str, list[Revenue]] = defaultdict(list)
    for row in sales:
        by_item[row.order_item_id].append(row)

    rows: list[dict] = []
    payable: dict[str, Decimal] = defaultdict(lambda: ZERO)
    tax_back = platform_back = processing_back = ZERO
    for item_id, amount in refund.items.items():
        item = items[item_id]
        after = min(item.refunded_amount, item.line_total)
        before = max(after - amount, ZERO)
        gross = item.line_total

        def back(value: Decimal, item=item, before=before, after=after, gross=gross) -> Decimal:
            return _portion(value, after, gross, currency) - _portion(value, before, gross, currency)

        tax, platform, processing = back(item.tax_amount), back(item.platform_fee), back(item.processing_fee)
        tax_back, platform_back, processing_back = tax_back + tax, platform_back + platform, processing_back + processing
        shares = by_item.get(item_id, [])
        if not shares:
            continue
        net_sale = shares[0].net_revenue
        weights = [row.attributed_revenue for row in shares]
        weights.append(net_sale - sum(weights, ZERO))  # the org's share
        if net_sale == 0:
            continue
        sign = Decimal(1) if net_sale > 0 else Decimal(-1)
        weights = [w * sign for w in weights]
        parts_after = split(_portion(net_sale, after, gross, currency), weights, currency)
        parts_before = split(_portion(net_sale, before, gross, currency), weights, currency)
        net_back = _portion(net_sale, after, gross, currency) - _portion(net_sale, before, gross, currency)
        for row, now_part, then_part in zip(shares, parts_after, parts_before, strict=False):
            part = now_part - then_part
            rows.append(_row(order, item, row.attribution_id, row.employee_id, "refund", at,
                             gross=-(after - before), tax=-tax, platform=-platform, processing=-processing,
                             net=-net_back, share=-part))
            payable[row.employee_id] += part
    _insert(rows)

    creators = sum(payable.values(), ZERO)
    post(order.org_id, currency, memo=f"Refund {order.order_number}", source_type="order_refund", source_id=order.id,
         at=at, lines=[
             Line("cash", -refund.cash),
             Line("gift_card_liability", -refund.gift_cards),
             Line("tax_payable", tax_back),
             Line("refunds", refund.cash + refund.gift_cards - tax_back),
             Line("cash", platform_back + processing_back),
             Line("platform_fees", -platform_back), Line("processing_fees", -processing_back),
             *(Line("creator_payable", amount, employee_id=employee) for employee, amount in payable.items()),
             Line("creator_compensation", -creators),
         ])
    db.session.flush()
    return rows


# ---- gift cards issued ----------------------------------------------------------------------

def record_cards_issued(org_id: str, *, currency: str, total: Decimal, count: int, source_id: str) -> None:
    """Cards given out (by an employee, not sold) are a liability from the moment they exist."""
    post(org_id, currency, memo=f"{count} gift card(s) issued", source_type="gift_card_issue",
         source_id=source_id, lines=[Line("gift_cards_issued", total), Line("gift_card_liability", -total)])


@giftcard_events.cards_issued.connect
def _on_cards_issued(org_id: str, **data) -> None:
    record_cards_issued(org_id, **data)


@events.order_paid.connect
def _on_paid(order: OrgMemberOrder, *, at: datetime | None = None, platform_fee_percent: Decimal | None = None,
             **_) -> None:
    record_sale(order, at=at, platform_fee_percent=platform_fee_percent)


@events.order_refunded.connect
def _on_refunded(order: OrgMemberOrder, *, refund: events.Refund, **_) -> None:
    record_refund(order, refund)
