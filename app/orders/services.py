"""Orders: placing an order from a priced quote, payment, fulfilment, shipping, cancellation and
refunds. Access is granted and revoked through ``app.entitlements`` (fulfilment grants, a refund
revokes); the subscriptions a renewal order bills follow it (paid: active again; declined: lapsed).

- ``place_order`` writes the order, its items (every amount of the quote's lines, names and tier
  copied), one ``org_tax_rate_snapshot`` per item and applied rate, counts the discount use and
  redeems the gift cards, all inside one SAVEPOINT: when a discount or gift card changed
  meanwhile it raises ``ConflictError`` and nothing of the order is left in the session.
- ``mark_paid`` is idempotent: a paid, fulfilled or refunded order is returned untouched, so a
  replayed payment never grants twice. It records the payment and fulfils the order.
- Every status change goes through ``OrgMemberOrder.set_status`` (``ORDER_TRANSITIONS``).
- Money returned on an order (``refunded_amount``) is what went back to the payment method
  (``org_member_order_refund`` rows) plus what went back to gift cards (restored usages).

Services flush and raise DomainErrors; the caller commits.
"""

from __future__ import annotations

import calendar
import contextlib
import functools
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.catalog.models import (
    RECURRING_PLAN_TYPES,
    OrgDiscount,
    OrgProduct,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
)
from app.checks import check_email, clean_text, to_amount
from app.db import (
    column_keys,
    held,
    insert_text,
    plain_rows,
    prebuilt,
    row_values,
    run_write,
    upsert_insert,
    utcnow,
)
from app.entitlements import services as entitlements
from app.entitlements.models import SUBSCRIPTION_RUNNING_STATUSES, OrgMemberSubscription
from app.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.extensions import db
from app.giftcards import redemption
from app.markets.models import OrgBrand, OrgMarket
from app.money import ZERO, allocate, format_money, quantize
from app.orders import events
from app.orders.models import (
    OrderNumberCounter,
    OrgMemberOrder,
    OrgMemberOrderItem,
    OrgMemberOrderPayment,
    OrgMemberOrderRefund,
)
from app.orgs.models import Org, OrgEmployee, OrgMember
from app.orgs.permissions import require
from app.orgs.services import audit, ensure_same_org
from app.platform.email import QueuedEmail, queue_emails
from app.platform.links import public_url
from app.platform.models import Country
from app.pricing.pipeline import PricedLine, Quote
from app.tax.models import OrgTaxRateSnapshot
from app.tax.services import RateView, snapshot_data
from app.web.jinja import _money_filter as money
from app.web.labels import gettext

ORDER_NUMBER_LENGTH = 20  # org_member_order.order_number is String(20)
ORDER_NUMBER_DIGITS = 6
ORDER_PREFIX_MAX = ORDER_NUMBER_LENGTH - 1 - (ORDER_NUMBER_DIGITS + 1)  # room for 7 digits
_NUMBER_ATTEMPTS = 20
_DIGITAL_TYPES = ("course", "digital_download")
_PAID_STATUSES = ("paid", "fulfilled", "refunded")
HUNDRED = Decimal(100)


# ---- order numbers -------------------------------------------------------------------------

def order_number_prefix(org: Org) -> str:
    """``ACME`` for the org ``acme``: the slug upper-cased, cut to leave room for the number."""
    return org.slug.upper()[:ORDER_PREFIX_MAX].rstrip("-")


def next_order_number(org: Org) -> str:
    """The next number for the org, e.g. ``ACME-000124``: its prefix's counter
    (``OrderNumberCounter``) moved on by one in one statement. The counter's row stays locked until
    the transaction ends, so concurrent checkouts of one prefix get consecutive numbers, and a
    rolled-back order gives its number back. Orgs whose long slugs cut to the same prefix share one
    sequence; numbers are unique across the platform (the column is unique)."""
    prefix = order_number_prefix(org)
    number = db.session.scalar(_next_number(), {"prefix": prefix})
    formatted = f"{prefix}-{number:0{ORDER_NUMBER_DIGITS}d}"
    if len(formatted) > ORDER_NUMBER_LENGTH:
        raise ConflictError(_("No order numbers are left for this organization."))
    return formatted


@prebuilt
def _next_number() -> sa.TextClause:
    """The counter's upsert, as text (the same SQL on PostgreSQL and SQLite): SQLAlchemy cannot cache
    an ``on_conflict_do_update`` statement and compiled it again for every order."""
    return sa.text(
        "INSERT INTO order_number_counter (prefix, last_number) VALUES (:prefix, 1) ON CONFLICT (prefix) "
        "DO UPDATE SET last_number = order_number_counter.last_number + 1 RETURNING last_number"
    ).bindparams(sa.bindparam("prefix", type_=OrderNumberCounter.__table__.c.prefix.type))


def _highest_order_number(prefix: str) -> int:
    """The highest number among the orders with ``prefix`` (a search of the order numbers: only
    when the counter fell behind, e.g. orders were loaded without it)."""
    head = f"{prefix}-"
    column = OrgMemberOrder.order_number
    # The part after "PREFIX-" is digits only, so a hyphen there means another prefix that merely
    # starts with this one (org "acme" vs "acme-academy").
    last = db.session.scalar(
        sa.select(column)
        .where(column.startswith(head, autoescape=True), sa.func.substr(column, len(head) + 1).not_like("%-%"))
        .order_by(sa.func.length(column).desc(), column.desc())
        .limit(1)
    )
    return int(last[len(head):]) if last and last[len(head):].isdigit() else 0


def _catch_up_counter(org: Org) -> None:
    """Move the org's counter past the highest number already given out (a number it handed out
    was taken: orders were written without it)."""
    prefix = order_number_prefix(org)
    highest = _highest_order_number(prefix)
    table = OrderNumberCounter.__table__
    insert = upsert_insert(db.session.get_bind().dialect.name)(table).values(prefix=prefix, last_number=highest)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[table.c.prefix],
        set_={"last_number": sa.case((table.c.last_number < highest, highest), else_=table.c.last_number)},
    ))


def _order_number_taken(number: str) -> bool:
    return db.session.scalar(
        sa.select(OrgMemberOrder.id).where(OrgMemberOrder.order_number == number).limit(1)
    ) is not None


# ---- placing an order ----------------------------------------------------------------------

def _check_quote(quote: Quote, currency: str) -> None:
    """Internal consistency of a quote (a failure is a programming error, not a user error)."""
    total = sum((line.total for line in quote.lines), ZERO)
    gift = sum((amount for _card, amount in quote.gift_cards), ZERO)
    if (
        total != quote.total
        or gift != quote.gift_card_total
        or sum((line.gift_card for line in quote.lines), ZERO) != quote.gift_card_total
        or quote.amount_due != quote.total - quote.gift_card_total
        or quote.amount_due < 0
    ):
        raise ValueError("inconsistent quote: totals are not the sums of its lines")
    for _card, amount in quote.gift_cards:
        if amount <= 0 or quantize(amount, currency) != amount:
            raise ValueError("inconsistent quote: gift card amounts must be positive and rounded")


@prebuilt
def _plan_products() -> sa.Select:
    """Plan id, variant id, product id and type of the org's plans ``plan_ids`` (bound: org_id, plan_ids)."""
    org_id = sa.bindparam("org_id")
    return (
        sa.select(OrgProductVariantPaymentPlan.id, OrgProductVariant.id, OrgProduct.id, OrgProduct.type)
        .join(OrgProductVariant, OrgProductVariant.id == OrgProductVariantPaymentPlan.variant_id)
        .join(OrgProduct, OrgProduct.id == OrgProductVariant.product_id)
        .where(
            OrgProductVariantPaymentPlan.id.in_(sa.bindparam("plan_ids", expanding=True)),
            OrgProductVariantPaymentPlan.org_id == org_id,
            OrgProduct.org_id == org_id,
        )
    )


def _product_types(org: Org, quote: Quote) -> dict[str, str]:
    """``{plan_id: product type}`` for the quote's lines, checking that every plan, variant and
    product belong together and to the org."""
    plan_ids = sorted({line.input.plan_id for line in quote.lines})
    rows = db.session.execute(_plan_products(), {"org_id": org.id, "plan_ids": plan_ids}).all()
    known = {plan_id: (variant_id, product_id, type_) for plan_id, variant_id, product_id, type_ in rows}
    types: dict[str, str] = {}
    for line in quote.lines:
        found = known.get(line.input.plan_id)
        if found is None or found[:2] != (line.input.variant_id, line.input.product_id):
            raise ValidationError(_("A product in your cart is no longer available; please review your order."))
        types[line.input.plan_id] = found[2]
    return types


def _tax_rate_percent(rate: RateView | None) -> Decimal | None:
    if rate is None or rate.type != "percent" or rate.rate is None:
        return None
    return (rate.rate * 100).quantize(Decimal("0.0001"))


def _applied_rate(line: PricedLine, currency: str) -> RateView | None:
    rate = line.tax_rate
    if rate is None:
        return None
    if rate.type == "fixed" and (rate.currency_code or "").upper() != currency:
        return None
    return rate


def _claim_discount(org: Org, discount: OrgDiscount, at: datetime) -> None:
    """Count one use of ``discount`` unless its limit was reached (or it ended) meanwhile."""
    result = db.session.execute(
        sa.update(OrgDiscount)
        .where(
            OrgDiscount.id == discount.id,
            OrgDiscount.org_id == org.id,
            OrgDiscount.is_active.is_(True),
            sa.or_(OrgDiscount.ends_at.is_(None), OrgDiscount.ends_at > at),
            sa.or_(OrgDiscount.usage_limit.is_(None), OrgDiscount.times_used < OrgDiscount.usage_limit),
        )
        .values(times_used=OrgDiscount.times_used + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(discount, ["times_used", "is_active", "ends_at", "updated_at"])
    if result.rowcount != 1:
        if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
            raise ConflictError(
                _("This discount code has just reached its usage limit; please review your order.")
            )
        raise ConflictError(_("This discount code can no longer be used; please review your order."))


def discount_uses_by_member(org_id: str, discount_id: str, member_id: str) -> int:
    """How many of the member's orders used the discount and still count as a use (all but the
    cancelled ones, whose use was given back): what a discount's per-member limit is checked against."""
    return db.session.scalar(
        sa.select(sa.func.count(OrgMemberOrder.id)).where(
            OrgMemberOrder.org_id == org_id, OrgMemberOrder.discount_id == discount_id,
            OrgMemberOrder.member_id == member_id, OrgMemberOrder.status != "cancelled")
    ) or 0


def member_limit_message() -> str:
    return _("You have already used this discount code as often as it allows.")


def _check_member_limit(org: Org, member: OrgMember, discount: OrgDiscount | None) -> None:
    """Refuse a discount the member has used up (its ``per_member_limit``). On PostgreSQL the
    member's row is locked first, so two checkouts of the same member are counted one after the other."""
    if discount is None or discount.per_member_limit is None:
        return
    db.session.execute(sa.select(OrgMember.id).where(OrgMember.id == member.id).with_for_update())
    if discount_uses_by_member(org.id, discount.id, member.id) >= discount.per_member_limit:
        raise ConflictError(member_limit_message())


def _release_discount(org_id: str, discount_id: str) -> None:
    db.session.execute(
        sa.update(OrgDiscount)
        .where(OrgDiscount.id == discount_id, OrgDiscount.org_id == org_id, OrgDiscount.times_used > 0)
        .values(times_used=OrgDiscount.times_used - 1)
        .execution_options(synchronize_session=False)
    )
    discount = db.session.get(OrgDiscount, discount_id)
    if discount is not None:
        db.session.expire(discount, ["times_used", "updated_at"])


def place_order(
    org: Org,
    member: OrgMember,
    market: OrgMarket,
    quote: Quote,
    *,
    billing_name: str,
    billing_email: str,
    billing_country: str,
    billing_address: dict[str, Any] | None = None,
    shipping_address: dict[str, Any] | None = None,
    locale_key: str | None = None,
    provider: str = "manual",
    known_countries: Collection[str] = (),
    product_types: Mapping[str, str] | None = None,
) -> OrgMemberOrder:
    """A pending order for ``quote``. Counts the discount use and redeems the gift cards
    atomically; ``ConflictError`` when either changed since the quote, and then nothing of the
    order remains (the work happens in a SAVEPOINT, so the session stays usable).
    ``known_countries``: codes the caller knows to be countries (a storefront's, which reference
    the country table): a billing country among them is not looked up again. ``product_types``:
    ``{plan_id: product type}`` of the quote's lines when the caller read them in this transaction
    from the org's catalog with their plans, variants and products joined (the cart's offers); the
    lines are then not read and checked again."""
    currency = _check_can_order(org, member, market, quote)
    billing = _billing_fields(billing_name, billing_email, billing_country, provider, known_countries)
    _check_shipping(org, quote, shipping_address, product_types)
    discount = _discount_to_claim(org, quote)
    _check_member_limit(org, member, discount)
    _check_gift_cards(org, quote)
    fields = {
        **_order_fields(org, member, market, quote, currency, discount), **billing,
        "billing_address": billing_address, "shipping_address": shipping_address, "locale_key": locale_key,
    }
    at = utcnow()
    # Only a discount or a gift card can conflict once the order is written (used up meanwhile):
    # then the writes happen in a SAVEPOINT, undone on ``ConflictError``. Without them nothing can
    # (a number taken meanwhile inserts nothing: ON CONFLICT DO NOTHING), so no SAVEPOINT and RELEASE.
    conflicts = discount is not None or bool(quote.gift_cards)
    for _attempt in range(_NUMBER_ATTEMPTS):
        number, written = None, []
        try:
            with db.session.begin_nested() if conflicts else contextlib.nullcontext():
                number = next_order_number(org)  # last but the writes: its row is locked until the commit
                order = _insert_order(number, fields, written)
                if order is not None:
                    _add_items(order, quote, currency, written)
                    _spend_discount_and_gift_cards(org, order, quote, discount, at)
                    db.session.flush()
        except IntegrityError:
            _forget(written)
            # The number was taken by an order written without the counter: move the counter past
            # the highest number and try again (the SAVEPOINT undid everything of this attempt).
            if number is None or not _order_number_taken(number):
                raise
            _catch_up_counter(org)
            continue
        except BaseException:
            _forget(written)  # nothing of the order stays in the session
            raise
        if order is None:  # the number was taken by an order written without the counter
            _catch_up_counter(org)
            continue
        return order
    raise ConflictError(_("Could not assign an order number. Please try again."))


# ---- the order's rows, written through Core --------------------------------------------------

def _forget(written: list) -> None:
    """Take the objects of rows written in an attempt that failed out of the session."""
    for obj in written:
        if obj in db.session:
            db.session.expunge(obj)
    written.clear()


def _insert_order(number: str, fields: dict[str, Any], written: list) -> OrgMemberOrder | None:
    """The order's row in one INSERT, through Core (the ORM's flush of a new order cost more than the
    statement); None when an order already has the number (nothing written)."""
    db.session.flush()  # what the ORM's flush would have written before it (a new membership)
    row = row_values(OrgMemberOrder, {**fields, "order_number": number})
    if run_write(db.session.connection(), _order_insert(), row) != 1:
        return None
    order = held(db.session, OrgMemberOrder, row)
    written.append(order)
    set_committed_value(order, "items", [])  # loaded: adding items reads nothing
    return order


@prebuilt
def _order_insert() -> sa.TextClause:
    """The order's INSERT (the same SQL on PostgreSQL and SQLite; bound: every column): nothing
    when the number is taken (the unique order number)."""
    return insert_text(OrgMemberOrder, " ON CONFLICT (order_number) DO NOTHING")


@prebuilt
def _item_insert() -> sa.TextClause:
    return insert_text(OrgMemberOrderItem)


def _check_can_order(org: Org, member: OrgMember, market: OrgMarket, quote: Quote) -> str:
    """The order's currency, once the member may order in this market and the quote is sound."""
    # (the messages and names translated only for an error)
    ensure_same_org(member, org.id, _l("Member not found."))
    ensure_same_org(market, org.id, _l("Market not found."))
    if not member.is_active:
        raise PermissionDeniedError(_("Your membership is suspended, so you cannot place orders."))
    currency = quote.currency.upper()
    if currency != market.currency_code.upper():
        raise ValidationError(_("The order currency does not match the store's currency."))
    if not quote.lines:
        raise ValidationError(_("Your cart is empty."))
    _check_quote(quote, currency)
    return currency


def _billing_fields(name: str, email: str, country: str, provider: str,
                    known_countries: Collection[str] = ()) -> dict[str, Any]:
    """The order's checked billing name, email and country, and its payment provider."""
    name = clean_text(name, _l("Name"), max_length=200, required=True)
    email = check_email(email)
    country = (country or "").strip().upper()
    if not country or (country not in known_countries and db.session.get(Country, country) is None):
        raise ValidationError(_("Choose your billing country."))
    provider = clean_text(provider, _l("Payment provider"), max_length=20, required=True)
    return {"billing_name": name, "billing_email": email, "billing_country_code": country,
            "payment_provider": provider}


def _check_shipping(org: Org, quote: Quote, shipping_address: dict[str, Any] | None,
                    known: Mapping[str, str] | None = None) -> None:
    """A shipping address is required as soon as one item is shipped (``known``: the lines' product
    types, already read with their plans; else they are read and checked here)."""
    if known is not None and all(line.input.plan_id in known for line in quote.lines):
        types = {line.input.plan_id: known[line.input.plan_id] for line in quote.lines}
    else:
        types = _product_types(org, quote)
    if shipping_address is None and any(kind == "physical" for kind in types.values()):
        raise ValidationError(_("Enter a shipping address for the items to be shipped."))


def _discount_to_claim(org: Org, quote: Quote) -> OrgDiscount | None:
    """The quote's discount, when it took something off (a use of it is then counted)."""
    discount = quote.discount if quote.discount is not None and quote.discount_total > 0 else None
    if discount is not None:
        ensure_same_org(discount, org.id, _("This discount code is not valid."))
    return discount


def _check_gift_cards(org: Org, quote: Quote) -> None:
    for card, _amount in quote.gift_cards:
        ensure_same_org(card, org.id, _("There is no such gift card."))


def _order_fields(org: Org, member: OrgMember, market: OrgMarket, quote: Quote, currency: str,
                  discount: OrgDiscount | None) -> dict[str, Any]:
    """The order's columns taken from the quote (a pending order, nothing refunded yet)."""
    return dict(
        org_id=org.id, member_id=member.id, market_id=market.id, status="pending",
        currency_code=currency, tax_inclusive=bool(quote.tax_inclusive),
        subtotal_amount=quote.subtotal, discount_amount=quote.discount_total, tax_amount=quote.tax_total,
        gift_card_amount=quote.gift_card_total, total_amount=quote.total, amount_due=quote.amount_due,
        refunded_amount=quantize(ZERO, currency),
        discount_id=discount.id if discount else None, discount_code=discount.code if discount else None,
    )


def _add_items(order: OrgMemberOrder, quote: Quote, currency: str, written: list) -> None:
    """One item per quote line (every amount, names and tier copied), then one tax rate snapshot
    per item whose rate applied: one INSERT each (executemany), through Core."""
    rows = [row_values(OrgMemberOrderItem, {**_order_item(order.org_id, line, currency), "order_id": order.id})
            for line in quote.lines]
    run_write(db.session.connection(), _item_insert(), rows)
    pairs: list[tuple[OrgMemberOrderItem, PricedLine]] = [
        (held(db.session, OrgMemberOrderItem, row), line) for row, line in zip(rows, quote.lines, strict=True)]
    written.extend(item for item, _line in pairs)
    set_committed_value(order, "items", [item for item, _line in pairs])
    for item, _line in pairs:
        set_committed_value(item, "order", order)
    snapshots = []
    for item, line in pairs:
        rate = _applied_rate(line, currency)
        if rate is not None:
            # (every column given, its defaults too: the INSERT runs on the driver, ``run_write``)
            snapshots.append(row_values(OrgTaxRateSnapshot, dict(
                org_id=order.org_id, original_tax_rate_id=rate.id, order_id=order.id, order_item_id=item.id,
                by_employee_id=None, snapshot_data=snapshot_data(rate),
                # The tax report's copies (OrgTaxRateSnapshot; paid_at when the order is paid).
                paid_at=None, billing_country_code=order.billing_country_code, currency_code=order.currency_code,
                tax_rate_percent=item.tax_rate_percent, taxable_amount=item.line_total - item.tax_amount,
                tax_amount=item.tax_amount,
            )))
    if snapshots:  # through Core: nothing reads them as entities in this transaction (no ORM flush of their own)
        run_write(db.session.connection(), _snapshot_insert(), snapshots)


@prebuilt
def _snapshot_insert() -> sa.Insert:
    return sa.insert(OrgTaxRateSnapshot.__table__)


def _order_item(org_id: str, line: PricedLine, currency: str) -> dict[str, Any]:
    """An item's values (by attribute name) for a quote line."""
    spec = line.input
    return dict(
        org_id=org_id, product_id=spec.product_id, variant_id=spec.variant_id,
        payment_plan_id=spec.plan_id, product_name=spec.product_name[:200], plan_name=spec.plan_name[:100],
        plan_type=spec.plan_type, access_tier=spec.access_tier, quantity=spec.quantity,
        unit_price=quantize(spec.unit_price, currency), subtotal_amount=line.subtotal,
        discount_amount=line.discount, tax_amount=line.tax, gift_card_amount=line.gift_card,
        line_total=line.total, tax_rate_percent=_tax_rate_percent(_applied_rate(line, currency)),
        refunded_amount=quantize(ZERO, currency), fulfilment_status="unfulfilled", status="active",
    )


def _spend_discount_and_gift_cards(org: Org, order: OrgMemberOrder, quote: Quote,
                                   discount: OrgDiscount | None, at: datetime) -> None:
    """Count the discount use and redeem the gift cards (``ConflictError`` if either changed)."""
    if discount is not None:
        _claim_discount(org, discount, at)
    # A fixed order (by id) so two checkouts sharing two cards cannot deadlock.
    for card, amount in sorted(quote.gift_cards, key=lambda pair: pair[0].id):
        redemption.redeem(card, amount=amount, member_id=order.member_id, order_id=order.id,
                          currency=order.currency_code, at=at)


# ---- locking -------------------------------------------------------------------------------

def lock_order(order: OrgMemberOrder) -> OrgMemberOrder:
    """Reload ``order`` with its items and payments under a row lock (PostgreSQL), so concurrent
    payment, cancellation and refund of one order happen one after another on fresh state. One
    statement: the collections are joined (the lock is taken on the order's row only). Nothing
    when this transaction loaded it under the lock already (``member_order_for_update``)."""
    db.session.flush()
    if _locked_orders().get(order.id) is order:
        return order
    db.session.execute(
        _locked_order_statement().where(OrgMemberOrder.id == order.id)
    ).unique().scalar_one()
    _locked_orders()[order.id] = order
    return order


def member_order_for_update(org_id: str, member_id: str, number: str) -> OrgMemberOrder | None:
    """The member's order ``number`` in the org with its items and payments, loaded under the row
    lock ``lock_order`` takes (so paying it right after loads nothing again); None if there is none."""
    params = {"org_id": org_id, "member_id": member_id, "number": number}
    rows = plain_rows(db.session, _member_order_rows(), params).all()  # (flushes first, as the ORM's query)
    if not rows:
        return None
    (order_keys, item_keys, payment_keys), identity_map = _order_keys(), db.session.identity_map
    at_item, at_payment = len(order_keys), len(order_keys) + len(item_keys)
    at_seller = at_payment + len(payment_keys)
    item_product = item_keys.index("product_id")
    at_product_type = at_seller + len(_Seller._fields)
    if identity_key(OrgMemberOrder, rows[0][0]) in identity_map or any(
            (row[at_item] is not None and identity_key(OrgMemberOrderItem, row[at_item]) in identity_map)
            or (row[at_payment] is not None and identity_key(OrgMemberOrderPayment, row[at_payment]) in identity_map)
            for row in rows):
        # Objects of this order are in the session already: the ORM's loading refreshes them.
        order = db.session.execute(_member_order_for_update(), params).unique().scalar_one()
    else:
        # The order, its items and its payments as the ORM's loading leaves them (persistent,
        # unchanged, the collections in their relationships' order) from the rows of one statement
        # (items x payments), without the ORM's loading work: paying an order reads it here.
        order = held(db.session, OrgMemberOrder, dict(zip(order_keys, rows[0][:at_item], strict=True)))
        items, payments = {}, {}
        for row in rows:  # ordered by item, then payment
            if row[at_item] is not None and row[at_item] not in items:
                items[row[at_item]] = held(db.session, OrgMemberOrderItem,
                                           dict(zip(item_keys, row[at_item:at_payment], strict=True)))
            if row[at_payment] is not None and row[at_payment] not in payments:
                payments[row[at_payment]] = held(db.session, OrgMemberOrderPayment,
                                                 dict(zip(payment_keys, row[at_payment:at_seller], strict=True)))
        set_committed_value(order, "items", list(items.values()))
        set_committed_value(order, "payments", list(payments.values()))
        for child in (*items.values(), *payments.values()):
            set_committed_value(child, "order", order)
    _locked_orders()[order.id] = order
    # What paying it reads next, read with it (``mark_paid``'s seller, ``fulfil``'s product types).
    _read_with_orders()[order.id] = _ReadWithOrder(
        _Seller(*rows[0][at_seller:at_product_type]),
        {row[at_item + item_product]: row[at_product_type] for row in rows if row[at_item] is not None})
    return order


class _ReadWithOrder(NamedTuple):
    """What ``member_order_for_update`` read with an order: its org and market (``_Seller``) and
    the type of its items' products (by product id; None for a product that is gone)."""

    seller: _Seller
    product_types: dict[str, str | None]


def _read_with_orders() -> dict[str, _ReadWithOrder]:
    """``_ReadWithOrder`` of the orders locked by ``member_order_for_update`` in the session's
    current transaction (as ``_locked_orders``: gone when the transaction ends)."""
    transaction = db.session().get_transaction()
    info = db.session.info
    if info.get("read_with_orders_tx") is not transaction:
        info["read_with_orders_tx"], info["read_with_orders"] = transaction, {}
    return info["read_with_orders"]


@functools.cache
def _order_keys() -> tuple[tuple[str, ...], ...]:
    """The attribute names of the order's, its items' and its payments' columns (``_member_order_rows``)."""
    return tuple(tuple(key for _column, key in column_keys(model))
                 for model in (OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment))


@prebuilt
def _member_order_rows() -> sa.Select:
    """``_member_order_for_update`` as columns: the order's, its items', its payments' (NULLs where
    there are none), then its org's and market's (``_Seller``) and the item's product type, one row
    per item and payment, ordered by item, then payment, the order's row locked (bound: org_id,
    member_id, number)."""
    order, item, payment = OrgMemberOrder.__table__, OrgMemberOrderItem.__table__, OrgMemberOrderPayment.__table__
    product = OrgProduct.__table__
    columns = [column for model in (OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment)
               for column, _key in column_keys(model)]
    return (
        sa.select(*columns, *_seller_columns(), product.c.type)
        .select_from(order)
        .join(Org, Org.id == order.c.org_id)
        .join(OrgMarket, OrgMarket.id == order.c.market_id)
        .outerjoin(OrgBrand, OrgBrand.id == OrgMarket.brand_id)
        .outerjoin(item, item.c.order_id == order.c.id)
        .outerjoin(product, sa.and_(product.c.id == item.c.product_id, product.c.org_id == order.c.org_id))
        .outerjoin(payment, payment.c.order_id == order.c.id)
        .where(order.c.org_id == sa.bindparam("org_id"), order.c.member_id == sa.bindparam("member_id"),
               order.c.order_number == sa.bindparam("number"))
        .order_by(item.c.created_at, item.c.id, payment.c.created_at, payment.c.id)
        .with_for_update(of=order)
    )


@prebuilt
def _member_order_for_update() -> sa.Select[tuple[OrgMemberOrder]]:
    """``member_order_for_update``'s query, built once (bound: org_id, member_id, number)."""
    return _locked_order_statement().where(
        OrgMemberOrder.org_id == sa.bindparam("org_id"), OrgMemberOrder.member_id == sa.bindparam("member_id"),
        OrgMemberOrder.order_number == sa.bindparam("number"))


def _locked_order_statement() -> sa.Select[tuple[OrgMemberOrder]]:
    return (
        sa.select(OrgMemberOrder)
        .options(joinedload(OrgMemberOrder.items), joinedload(OrgMemberOrder.payments))
        .with_for_update(of=OrgMemberOrder)
        .execution_options(populate_existing=True)
    )


def _locked_orders() -> dict[str, OrgMemberOrder]:
    """The orders locked (and loaded fresh) in the session's current transaction: a lock lasts
    until the transaction ends, and a new transaction starts with none."""
    transaction = db.session().get_transaction()
    info = db.session.info
    if info.get("locked_orders_tx") is not transaction:
        info["locked_orders_tx"], info["locked_orders"] = transaction, {}
    return info["locked_orders"]


# ---- payment and fulfilment ----------------------------------------------------------------

def mark_paid(
    order: OrgMemberOrder,
    *,
    provider: str,
    reference: str | None = None,
    amount: Decimal | None = None,
    processing_fee: Decimal = Decimal(0),
    at: datetime | None = None,
) -> OrgMemberOrder:
    """Record the payment of a pending order and fulfil it. Idempotent: an order already paid,
    fulfilled or refunded is returned unchanged (a replayed event grants nothing twice); a
    cancelled order raises ``InvalidTransitionError``."""
    lock_order(order)
    if order.status in _PAID_STATUSES:
        return order
    at = at or utcnow()
    currency = order.currency_code
    due = quantize(order.amount_due, currency)
    # (the fields' names translated only for an error's message)
    paid = due if amount is None else quantize(to_amount(amount, _l("Amount")), currency)
    fee = quantize(to_amount(processing_fee, _l("Processing fee")), currency)
    if not order.can_transition_to("paid"):
        order.set_status("paid")  # raises InvalidTransitionError (a cancelled order)
    if paid < due:
        raise ConflictError(_("The amount paid is less than the amount due for this order."))
    if fee < 0:
        raise ValidationError(_("The processing fee cannot be negative."))
    # Read once for the whole payment: the receipt and the revenue posting (its platform fee) use them.
    read = _read_with_orders().get(order.id)
    seller = read.seller if read is not None else _org_and_market(order)
    order.set_status("paid", at=at)
    order.payment_provider = provider
    if paid > 0 or reference is not None:
        # Through Core (no ORM flush of a new object), with the provider's fee the revenue posting
        # would otherwise set on it (no fee given): the row is written once, complete.
        row = row_values(OrgMemberOrderPayment, dict(
            org_id=order.org_id, order_id=order.id, provider=provider, provider_reference=reference,
            amount=paid, currency_code=currency, status="succeeded",
            processing_fee=fee or provider_fee(provider, paid, currency),
        ))
        run_write(db.session.connection(), _payment_insert(), row)
        set_committed_value(order, "payments", [*order.payments, held(db.session, OrgMemberOrderPayment, row)])
    fulfil(order, at=at, flush=False)
    # The tax report's copy of the payment time on the order's snapshots, and the receipt: both
    # through Core, so the order's changes (its status, payment, grants and items) are not flushed
    # for them but once, with the items' fees the revenue posting sets (one UPDATE per item).
    run_write(db.session.connection(), _snapshots_paid(), {"b_org_id": order.org_id, "b_order_id": order.id,
                                                        "b_paid_at": order.paid_at})
    _queue_receipt(order, seller)
    # Last, so the ledger accounts the posting locks (every sale of the org and currency posts to
    # them) stay locked for as short a time as possible before the caller commits.
    events.order_paid.send(order, at=at, platform_fee_percent=seller.platform_fee_percent)
    return order


@prebuilt
def _payment_insert() -> sa.TextClause:
    return insert_text(OrgMemberOrderPayment)


def provider_fee(provider: str | None, amount: Decimal, currency: str) -> Decimal:
    """The provider's fee on a payment of ``amount`` (``PROCESSING_FEES``; unknown providers and
    gift cards charge nothing)."""
    percent, fixed = current_app.config.get("PROCESSING_FEES", {}).get(provider or "", ("0", "0"))
    if amount <= 0:
        return quantize(ZERO, currency)
    return min(quantize(amount * Decimal(percent) / HUNDRED + Decimal(fixed), currency), amount)


class _Seller(NamedTuple):
    """What paying an order reads of its org and market: the receipt's sender and link, and the
    org's platform fee (for the revenue posting)."""

    org_id: str
    org_name: str
    org_slug: str
    platform_fee_percent: Decimal
    market_slug: str
    market_default_locale_key: str | None
    brand_name: str | None


def _org_and_market(order: OrgMemberOrder) -> _Seller:
    """The order's org and market (with its brand's name): one statement, columns only."""
    return _Seller(*plain_rows(db.session, _org_and_market_statement(),
                               {"org_id": order.org_id, "market_id": order.market_id}).one())


def _seller_columns() -> tuple:
    """``_Seller``'s columns (of ``Org``, ``OrgMarket`` and ``OrgBrand``)."""
    return (Org.id, Org.name, Org.slug, Org.platform_fee_percent, OrgMarket.slug, OrgMarket.default_locale_key,
            OrgBrand.name)


@prebuilt
def _org_and_market_statement() -> sa.Select:
    return (
        sa.select(*_seller_columns())
        .join(OrgMarket, OrgMarket.org_id == Org.id)
        .outerjoin(OrgBrand, OrgBrand.id == OrgMarket.brand_id)
        .where(Org.id == sa.bindparam("org_id"), OrgMarket.id == sa.bindparam("market_id"))
    )


@prebuilt
def _snapshots_paid() -> sa.Update:
    """The payment time on an order's tax rate snapshots (bound: b_org_id, b_order_id, b_paid_at)."""
    table = OrgTaxRateSnapshot.__table__
    return (sa.update(table)
            .where(table.c.org_id == sa.bindparam("b_org_id"), table.c.order_id == sa.bindparam("b_order_id"))
            .values(paid_at=sa.bindparam("b_paid_at", type_=table.c.paid_at.type)))


def _queue_receipt(order: OrgMemberOrder, org: _Seller) -> None:
    """The receipt email of a paid order, to its billing address, in the org's outbox (its admins
    see it on the dashboard's emails page). It speaks as the market's brand (the sender's name, the
    subject and the text), or as the org when the market has no brand."""
    seller = org.brand_name if org.brand_name is not None else org.org_name
    link = public_url("store.orders.detail", org_slug=org.org_slug, market_slug=org.market_slug,
                      locale=order.locale_key or org.market_default_locale_key, number=order.order_number)
    # (``money``: the templates' formatter, the same text as ``format_money``, each amount
    # formatted once per process and locale: Babel's formatting was a tenth of paying an order)
    lines = "\n".join(f"- {item.product_name} ({item.plan_name}) × {item.quantity}: "
                      f"{money(item.line_total, order.currency_code)}" for item in order.items)
    # Written through Core (``queue_emails``): no ORM object, no flush of the order's changes.
    # (``gettext``: Flask-Babel's translations, without its lookups on each call)
    queue_emails([QueuedEmail(
        order.billing_email,
        gettext("Your receipt for order %(number)s at %(org)s", number=order.order_number, org=seller),
        gettext("Thank you for your order at %(org)s.\n\nOrder %(number)s\n%(lines)s\nTotal: %(total)s\n\n"
                "Your order and what it gives you access to: %(link)s",
                org=seller, number=order.order_number, lines=lines,
                total=money(order.total_amount, order.currency_code), link=link),
        kind="order_receipt", org_id=org.org_id, from_name=seller,
    )])


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def period_end(start: datetime, interval: str, count: int = 1) -> datetime:
    """The end of a billing period of ``count`` ``interval``s (calendar months and years)."""
    if interval == "day":
        return start + timedelta(days=count)
    if interval == "week":
        return start + timedelta(weeks=count)
    if interval == "month":
        return _add_months(start, count)
    if interval == "year":
        return _add_months(start, 12 * count)
    raise ValueError(f"unknown interval {interval!r}")


def _start_subscription(order: OrgMemberOrder, item: OrgMemberOrderItem, plan: OrgProductVariantPaymentPlan,
                        at: datetime) -> OrgMemberSubscription:
    terms = plan.subscription
    interval, count = (terms.interval, terms.interval_count) if terms else ("month", 1)
    trial_days = terms.trial_period_days if terms else 0
    trial_ends_at = at + timedelta(days=trial_days) if trial_days else None
    subscription = OrgMemberSubscription(
        org_id=order.org_id, member_id=order.member_id, plan_id=plan.id, market_id=order.market_id,
        product_id=item.product_id, order_id=order.id, currency_code=order.currency_code,
        status="trialing" if trial_ends_at else "active", trial_ends_at=trial_ends_at,
        current_period_start=at, current_period_end=trial_ends_at or period_end(at, interval, count),
        # Stripe bills the subscription plans it started; everything else (usage-based plans paid
        # at Stripe too) renews with `flask billing renew`.
        provider="stripe" if order.payment_provider == "stripe" and plan.type == "subscription" else "manual",
    )
    db.session.add(subscription)
    return subscription


def _grant(order: OrgMemberOrder, item: OrgMemberOrderItem, at: datetime,
           subscription: OrgMemberSubscription | None = None) -> None:
    entitlements.grant(org_id=order.org_id, member_id=order.member_id, product_id=item.product_id,
                       plan_id=item.payment_plan_id, order_item_id=item.id, access_tier=item.access_tier, at=at,
                       subscription=subscription)


def _pending_shipment(order: OrgMemberOrder) -> bool:
    return any(item.status == "active" and item.fulfilment_status == "unfulfilled" for item in order.items)


def _complete_if_done(order: OrgMemberOrder, at: datetime) -> None:
    if order.status == "paid" and any(i.status == "active" for i in order.items) and not _pending_shipment(order):
        order.set_status("fulfilled", at=at)


@prebuilt
def _product_types_statement() -> sa.Select:
    """The type of the org's products ``product_ids`` (bound: org_id, product_ids)."""
    return sa.select(OrgProduct.id, OrgProduct.type).where(
        OrgProduct.org_id == sa.bindparam("org_id"), OrgProduct.id.in_(sa.bindparam("product_ids", expanding=True)))


def fulfil(order: OrgMemberOrder, *, at: datetime | None = None, flush: bool = True) -> OrgMemberOrder:
    """Deliver a paid order's items: access at the plan's tier for courses and downloads (a
    subscription plan starts a subscription, trialing when the plan has trial days, and its access
    follows the subscription), services become "requested", physical items wait for
    ``mark_shipped``. The order becomes fulfilled when nothing is left to ship. ``flush=False``
    leaves the changes for the caller's next flush (one UPDATE of the order with its payment)."""
    if order.status != "paid":
        raise InvalidTransitionError(_("Only a paid order can be fulfilled."))
    at = at or utcnow()
    items = [item for item in order.items if item.status == "active"]
    renewals = [item for item in items if item.subscription_id]
    read = _read_with_orders().get(order.id)
    with db.session.no_autoflush:  # catalog reads: the order's pending changes do not affect them
        if read is not None and all(item.product_id in read.product_types for item in items):
            product_types = read.product_types  # read with the order (``member_order_for_update``)
        else:
            product_types = dict(db.session.connection().execute(_product_types_statement(), {
                "org_id": order.org_id, "product_ids": sorted({item.product_id for item in items})}).tuples().all())
        items = [item for item in items if not item.subscription_id]
        subscription_plan_ids = {item.payment_plan_id for item in items if item.plan_type in RECURRING_PLAN_TYPES}
        plans = {
            plan.id: plan
            for plan in db.session.scalars(
                sa.select(OrgProductVariantPaymentPlan)
                .where(OrgProductVariantPaymentPlan.org_id == order.org_id,
                       OrgProductVariantPaymentPlan.id.in_(subscription_plan_ids))
                .options(selectinload(OrgProductVariantPaymentPlan.subscription))
            )
        } if subscription_plan_ids else {}

    for item in renewals:  # a renewal or usage invoice: its subscription already grants access
        item.fulfilment_status = "fulfilled"
    if renewals:
        _paid_renewal(order, at)

    for item in items:
        kind = product_types.get(item.product_id)
        if item.plan_type in RECURRING_PLAN_TYPES and item.payment_plan_id in plans:
            _grant(order, item, at, _start_subscription(order, item, plans[item.payment_plan_id], at))
        elif kind in _DIGITAL_TYPES:
            _grant(order, item, at)
        if kind == "service":
            item.fulfilment_status = "requested"
        elif kind == "physical":
            item.fulfilment_status = "unfulfilled"
        else:
            item.fulfilment_status = "fulfilled"
    _complete_if_done(order, at)
    if flush:
        db.session.flush()
    return order


def mark_shipped(order_item: OrgMemberOrderItem, *, at: datetime | None = None,
                 by_employee: OrgEmployee | None = None, note: str | None = None) -> OrgMemberOrderItem:
    """Mark a paid order's physical item as shipped (with an optional tracking ``note``); the order
    becomes fulfilled once nothing else is waiting to be shipped. Shipping an item again does
    nothing. ``by_employee`` (who needs the "orders" capability) is written to the audit log."""
    _check_employee(order_item.order, by_employee)
    note = clean_text(note, _("Tracking note"), max_length=500)
    order = lock_order(order_item.order)
    at = at or utcnow()
    if order.status not in ("paid", "fulfilled"):
        raise ConflictError(_("Only items of a paid order can be shipped."))
    if order_item.status != "active":
        raise ConflictError(_("This item was refunded and is not shipped."))
    if order_item.fulfilment_status in ("shipped", "delivered"):
        return order_item
    if order_item.fulfilment_status != "unfulfilled":
        raise ConflictError(_("This item is not waiting to be shipped."))
    before = _fulfilment_state(order, order_item)
    order_item.fulfilment_status = "shipped"
    order_item.fulfilled_at = at
    order_item.fulfilment_note = note
    _complete_if_done(order, at)
    db.session.flush()
    _audit_item(order, order_item, by_employee, "order_item.ship", before)
    return order_item


def mark_service_done(order_item: OrgMemberOrderItem, *, by_employee: OrgEmployee | None,
                      note: str | None = None, at: datetime | None = None) -> OrgMemberOrderItem:
    """Mark a paid order's service booking (an item "requested" at payment) as done, with an
    optional ``note``. Doing it again does nothing."""
    _check_employee(order_item.order, by_employee)
    note = clean_text(note, _("Note"), max_length=500)
    order = lock_order(order_item.order)
    at = at or utcnow()
    if order.status not in ("paid", "fulfilled"):
        raise ConflictError(_("Only bookings of a paid order can be marked as done."))
    if order_item.status != "active":
        raise ConflictError(_("This item was refunded."))
    if order_item.fulfilment_status == "fulfilled":
        return order_item
    if order_item.fulfilment_status != "requested":
        raise ConflictError(_("This item is not a booking waiting to be done."))
    before = _fulfilment_state(order, order_item)
    order_item.fulfilment_status = "fulfilled"
    order_item.fulfilled_at = at
    order_item.fulfilment_note = note
    db.session.flush()
    _audit_item(order, order_item, by_employee, "order_item.complete", before)
    return order_item


def _check_employee(order: OrgMemberOrder, by_employee: OrgEmployee | None) -> None:
    """An employee acting on ``order`` works for its org and may change orders."""
    if by_employee is not None:
        ensure_same_org(by_employee, order.org_id, _("Employee not found."))
        require(by_employee, "orders")


def _fulfilment_state(order: OrgMemberOrder, item: OrgMemberOrderItem) -> dict[str, Any]:
    return {"order_status": order.status, "fulfilment_status": item.fulfilment_status,
            "fulfilment_note": item.fulfilment_note}


def _audit_item(order: OrgMemberOrder, item: OrgMemberOrderItem, by_employee: OrgEmployee | None, action: str,
                before: dict[str, Any]) -> None:
    if by_employee is None:
        return
    audit(db.session.get(Org, order.org_id), action=action, entity_type="org_member_order_item",
          entity_id=item.id, actor_employee=by_employee,
          data={"before": before, "after": _fulfilment_state(order, item), "order_number": order.order_number})


def _money_state(order: OrgMemberOrder, items: list[OrgMemberOrderItem] | None = None) -> dict[str, Any]:
    """The order's status and refunded amount (and of ``items``), JSON-safe, for the audit log."""
    state: dict[str, Any] = {"status": order.status, "refunded_amount": str(order.refunded_amount)}
    for item in items or []:
        state[f"item {item.id}"] = {"status": item.status, "refunded_amount": str(item.refunded_amount)}
    return state


def _audit_order(order: OrgMemberOrder, by_employee: OrgEmployee | None, action: str, before: dict[str, Any],
                 after: dict[str, Any], **extra: Any) -> None:
    if by_employee is None:
        return
    audit(db.session.get(Org, order.org_id), action=action, entity_type="org_member_order", entity_id=order.id,
          actor_employee=by_employee,
          data={"before": before, "after": after, "order_number": order.order_number, **extra})


# ---- renewal orders: their subscriptions follow them ------------------------------------------

def _billed_subscriptions(order: OrgMemberOrder) -> list[OrgMemberSubscription]:
    """The subscriptions a renewal or usage invoice bills (none for a first order)."""
    ids = {item.subscription_id for item in order.items if item.subscription_id}
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(OrgMemberSubscription)
        .where(OrgMemberSubscription.org_id == order.org_id, OrgMemberSubscription.id.in_(ids))
    ))


def _paid_renewal(order: OrgMemberOrder, at: datetime) -> None:
    """A renewal order was paid: a past-due subscription is active again."""
    for subscription in _billed_subscriptions(order):
        if subscription.status == "past_due":
            subscription.set_status("active", at=at)


def _declined_renewal(order: OrgMemberOrder, at: datetime) -> None:
    """A renewal order was declined or cancelled: its subscription lapses (access ends now)."""
    for subscription in _billed_subscriptions(order):
        if subscription.status in SUBSCRIPTION_RUNNING_STATUSES:
            subscription.set_status("lapsed", at=at)


# ---- cancellation and refunds --------------------------------------------------------------

def cancel_order(order: OrgMemberOrder, *, at: datetime | None = None,
                 by_employee: OrgEmployee | None = None) -> OrgMemberOrder:
    """Cancel a pending order: its gift card amounts go back to the cards and its discount use is
    given back. Only pending orders can be cancelled (``InvalidTransitionError`` otherwise).
    ``by_employee`` (who needs the "orders" capability) is written to the audit log."""
    _check_employee(order, by_employee)
    lock_order(order)
    at = at or utcnow()
    if by_employee is not None and order.status != "pending":
        raise InvalidTransitionError(_("Only an order awaiting payment can be cancelled."))
    before = _money_state(order)
    order.set_status("cancelled", at=at)
    for usage in redemption.active_usages(order.org_id, order.id):
        redemption.restore(usage, at=at)
    if order.discount_id:
        _release_discount(order.org_id, order.discount_id)
    _declined_renewal(order, at)
    db.session.flush()
    _audit_order(order, by_employee, "order.cancel", {"status": before["status"]}, {"status": order.status})
    return order


def cash_refunded(order: OrgMemberOrder) -> Decimal:
    """What went back to the order's payment method so far (its refund rows that did not fail)."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(OrgMemberOrderRefund.amount), 0))
        .where(OrgMemberOrderRefund.org_id == order.org_id, OrgMemberOrderRefund.order_id == order.id,
               OrgMemberOrderRefund.status != "failed")
    ) or ZERO


def _revoke(item: OrgMemberOrderItem, at: datetime) -> None:
    """End the access the item granted, and the subscription it started."""
    entitlements.revoke_order_item(item.org_id, item.id, at)


def _restore_gift_cards(order: OrgMemberOrder, amount: Decimal | None, at: datetime) -> Decimal:
    """Give ``amount`` (everything still held when None) back to the order's gift cards, spread
    over them in proportion to what each still holds; returns what was given back."""
    usages = redemption.active_usages(order.org_id, order.id)
    held = sum((u.amount_used for u in usages), ZERO)
    if not usages or held <= 0:
        return ZERO
    amount = held if amount is None else min(amount, held)
    if amount <= 0:
        return ZERO
    parts = allocate(amount, [u.amount_used for u in usages], order.currency_code)
    restored = ZERO
    for usage, part in zip(usages, parts, strict=True):
        part = min(part, usage.amount_used)
        if part > 0:
            redemption.restore(usage, amount=part, at=at)
            restored += part
    return restored


class _RefundNote(NamedTuple):
    """What every refund row of one refund records: who refunded, why, the provider's reference."""

    by_employee: OrgEmployee | None
    reason: str | None
    provider_reference: str | None


def _record_refund(order: OrgMemberOrder, amount: Decimal, *, item: OrgMemberOrderItem | None,
                   note: _RefundNote) -> OrgMemberOrderRefund | None:
    if amount <= 0:
        return None
    row = OrgMemberOrderRefund(
        org_id=order.org_id, order_id=order.id, order_item_id=item.id if item is not None else None,
        amount=amount, reason=note.reason, status="succeeded", provider_reference=note.provider_reference,
        by_employee_id=note.by_employee.id if note.by_employee is not None else None,
    )
    order.refunds.append(row)
    return row


def refund(
    order: OrgMemberOrder,
    *,
    by_employee: OrgEmployee | None = None,
    reason: str | None = None,
    provider_reference: str | None = None,
    at: datetime | None = None,
) -> OrgMemberOrder:
    """Refund a whole paid or fulfilled order: every item's access is revoked (and the
    subscriptions it started end), the gift cards get back everything they paid, the rest goes
    back to the payment method, and the order becomes refunded.

    A refunded order is never refunded again (``ConflictError``); a pending or cancelled order
    cannot be refunded (``InvalidTransitionError``).
    """
    note = _open_refund(order, None, by_employee, reason, provider_reference)
    at = at or utcnow()
    before = _money_state(order)
    tally = _RefundTally(order)
    _refund_the_rest(order, _cash_left(order), at, note)
    db.session.flush()
    tally.announce(at)
    _audit_order(order, by_employee, "order.refund", before, _money_state(order), reason=note.reason)
    return order


def refund_item(
    order: OrgMemberOrder,
    item: OrgMemberOrderItem,
    *,
    by_employee: OrgEmployee | None = None,
    reason: str | None = None,
    provider_reference: str | None = None,
    at: datetime | None = None,
) -> OrgMemberOrder:
    """Refund one item of a paid or fulfilled order: its access is revoked, its share of the gift
    cards goes back to them and the rest of its price to the payment method. The order becomes
    refunded with its last item.

    Refused like ``refund``, and with ``ConflictError`` for an item already refunded.
    """
    note = _open_refund(order, item, by_employee, reason, provider_reference)
    at = at or utcnow()
    before = _money_state(order, [item])
    tally = _RefundTally(order)
    cash_left = _cash_left(order)
    cash = _refund_whole_item(order, item, cash_left, at, note)
    if any(other.status == "active" for other in order.items):
        _complete_if_done(order, at)
    else:
        _refund_the_rest(order, cash_left - cash, at, note)
    db.session.flush()
    tally.announce(at)
    _audit_order(order, by_employee, "order.refund_item", before, _money_state(order, [item]), reason=note.reason,
                 item=item.product_name)
    return order


def refund_amount(
    order: OrgMemberOrder,
    amount: Decimal,
    *,
    item: OrgMemberOrderItem | None = None,
    by_employee: OrgEmployee | None = None,
    reason: str | None = None,
    provider_reference: str | None = None,
) -> OrgMemberOrder:
    """A partial refund of money only, to the payment method: at most what was paid there (for
    ``item``, at most that item's share). Access and statuses stay as they are.

    Refused like ``refund`` and ``refund_item``, and with ``ValidationError`` for an amount that
    is not positive or above the limit.
    """
    note = _open_refund(order, item, by_employee, reason, provider_reference)
    value = _refundable_amount(order, item, amount, _cash_left(order))
    before = _money_state(order, [item] if item is not None else None)
    tally = _RefundTally(order)
    _record_refund(order, value, item=item, note=note)
    order.refunded_amount += value
    if item is not None:
        item.refunded_amount += value
    else:
        _share_among_items(order, value)
    db.session.flush()
    tally.announce(utcnow())
    _audit_order(order, by_employee, "order.refund_amount", before,
                 _money_state(order, [item] if item is not None else None), reason=note.reason, amount=str(value))
    return order


def _share_among_items(order: OrgMemberOrder, amount: Decimal) -> None:
    """A money refund of the whole order counts against its active items, in proportion to what
    is left of each (so an item never gives back more than it cost, and revenue is reversed on the
    items it came from)."""
    items = [i for i in order.items if i.status == "active" and i.line_total > i.refunded_amount]
    left = [i.line_total - i.refunded_amount for i in items]
    for item, part in zip(items, allocate(min(amount, sum(left, ZERO)), left, order.currency_code), strict=True):
        item.refunded_amount += part


class _RefundTally:
    """What a refund call gave back, from the order's state before and after it; ``announce``
    sends ``events.order_refunded`` with it."""

    def __init__(self, order: OrgMemberOrder) -> None:
        self.order = order
        self.items = {item.id: item.refunded_amount for item in order.items}
        self.refunded = order.refunded_amount
        self.rows = set(map(id, order.refunds))

    def announce(self, at: datetime) -> None:
        order = self.order
        items = {item.id: item.refunded_amount - self.items.get(item.id, ZERO) for item in order.items}
        cash = sum((row.amount for row in order.refunds if id(row) not in self.rows), ZERO)
        total = order.refunded_amount - self.refunded
        events.order_refunded.send(order, refund=events.Refund(
            items={key: value for key, value in items.items() if value}, cash=cash,
            gift_cards=max(total - cash, ZERO), at=at))


def _open_refund(order: OrgMemberOrder, item: OrgMemberOrderItem | None, by_employee: OrgEmployee | None,
                 reason: str | None, provider_reference: str | None) -> _RefundNote:
    """Check that ``by_employee`` may refund, lock the order and check that it (and ``item``) may be
    refunded."""
    _check_employee(order, by_employee)
    lock_order(order)
    if order.status == "refunded":
        raise ConflictError(_("This order has already been refunded."))
    if not order.can_transition_to("refunded"):
        raise InvalidTransitionError(_("Only a paid order can be refunded."))
    if item is not None:
        if item.order_id != order.id:
            raise NotFoundError(_("This item is not part of the order."))
        if item.status == "refunded":
            raise ConflictError(_("This item has already been refunded."))
    return _RefundNote(by_employee, clean_text(reason, _("Reason"), max_length=2000), provider_reference)


def _cash_left(order: OrgMemberOrder) -> Decimal:
    """What was paid with the payment method and has not gone back to it yet."""
    return order.amount_due - cash_refunded(order)


def _refundable_amount(order: OrgMemberOrder, item: OrgMemberOrderItem | None, amount: Decimal,
                       cash_left: Decimal) -> Decimal:
    """``amount`` rounded to the currency, when it is positive and within what may go back."""
    currency = order.currency_code
    value = quantize(to_amount(amount, _("Amount")), currency)
    limit = cash_left
    if item is not None:
        limit = min(limit, item.line_total - item.gift_card_amount - item.refunded_amount)
    if value <= 0:
        raise ValidationError(_("The refund amount must be greater than zero."))
    if value > limit:
        raise ValidationError(
            _("You can refund at most %(amount)s here.", amount=format_money(max(limit, ZERO), currency))
        )
    return value


def _refund_whole_item(order: OrgMemberOrder, item: OrgMemberOrderItem, cash_left: Decimal, at: datetime,
                       note: _RefundNote) -> Decimal:
    """Give the item's gift card share back to the cards and the rest of its price (at most
    ``cash_left``) to the payment method, and revoke its access; returns the cash refunded."""
    gift = _restore_gift_cards(order, item.gift_card_amount, at) if item.gift_card_amount > 0 else ZERO
    cash = max(min(item.line_total - item.refunded_amount - gift, cash_left), ZERO)
    _record_refund(order, cash, item=item, note=note)
    item.refunded_amount += cash + gift
    item.status = "refunded"
    _revoke(item, at)
    order.refunded_amount += cash + gift
    return cash


def _refund_the_rest(order: OrgMemberOrder, cash_left: Decimal, at: datetime, note: _RefundNote) -> None:
    """Refund every item still active (revoking its access), give the gift cards back everything
    they still hold and the payment method ``cash_left``; the order becomes refunded."""
    for item in order.items:
        if item.status == "active":
            item.refunded_amount = item.line_total
            item.status = "refunded"
            _revoke(item, at)
    gift = _restore_gift_cards(order, None, at)
    cash = max(cash_left, ZERO)
    _record_refund(order, cash, item=None, note=note)
    order.refunded_amount = min(order.refunded_amount + cash + gift, order.total_amount)
    order.set_status("refunded", at=at)


# ---- a member's order history --------------------------------------------------------------

MEMBER_ORDERS_PER_PAGE = 25


class MemberOrdersPage(NamedTuple):
    orders: list[OrgMemberOrder]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def member_orders(member: OrgMember | None, page: int = 1,
                  per_page: int = MEMBER_ORDERS_PER_PAGE) -> MemberOrdersPage:
    """One page of the member's orders in their org, newest first: one query on the (member,
    created) index, no count (one extra row says whether a next page exists)."""
    if member is None:
        return MemberOrdersPage([], 1, False)
    page = max(1, page)
    rows = db.session.scalars(
        sa.select(OrgMemberOrder)
        .where(OrgMemberOrder.org_id == member.org_id, OrgMemberOrder.member_id == member.id)
        .order_by(OrgMemberOrder.created_at.desc(), OrgMemberOrder.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    return MemberOrdersPage(list(rows[:per_page]), page, len(rows) > per_page)
