"""The cart: what a buyer is about to buy in one market (payment plans x quantity).

Two stores, one set of rules:

- a visitor, or a logged-in user who is not (yet) a member of the org, keeps a ``SessionCart`` in
  the signed session cookie: ``session["cart"] = {market_id: {plan_id: quantity}}``;
- a member keeps an ``org_member_cart`` row (with its items) per (member, market).

Logging in moves the session carts into the member carts of the orgs the user belongs to
(``merge_session_cart``); becoming a member happens at the first purchase (orders), so until
then a logged-in user keeps the session cart.

A plan can be in a cart when it is *sold in the market*: an active plan of an active variant of a
published product of the market's org, with an active price in that market (the same rule as the
catalog, ``app.catalog.queries``). Quantities are whole numbers from 1 to ``MAX_QUANTITY``; only
physical products can be bought more than once per order.

No money is stored: ``load_cart`` reads the current market prices every time and ``quote_cart``
prices the lines with ``app.pricing.pipeline.quote``. Services flush and raise ``DomainError``s;
views commit and hand in the session mapping (services never import ``request``/``session``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.accounts.models import User
from app.catalog.models import (
    OrgProduct,
    OrgProductCollectionProduct,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
    OrgProductVariantPaymentPlanSubscription,
    OrgProductVariantPaymentPlanTranslation,
    OrgProductVariantPaymentPlanUsageBased,
    OrgProductVariantTranslation,
)
from app.checkout.models import OrgMemberCart, OrgMemberCartItem
from app.db import (
    bound_values,
    column_keys,
    held,
    in_bound,
    new_id,
    plain_rows,
    prebuilt,
    prebuilt_for_count,
    run_write,
    utcnow,
    with_kept_hash,
)
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.markets.locales import BASE
from app.markets.models import OrgMarket
from app.markets.storefront import Storefront
from app.orgs.models import OrgMember
from app.orgs.services import members_by_org
from app.pricing.pipeline import LineInput, Quote, quote

SESSION_KEY = "cart"
MAX_QUANTITY = 99
MAX_LINES = 25  # distinct plans per cart (keeps the session cookie well under 4 kB)
MAX_SESSION_MARKETS = 4  # markets a visitor can hold a session cart in at once (cookie size)
MAX_PLAN_ID = 64


def _not_sold() -> str:
    return _("This plan is not available in this market.")


def _one_at_a_time() -> str:
    return _("You can buy one of this at a time.")


def _bad_quantity() -> str:
    return _("Enter a whole number from 1 to %(max)d.", max=MAX_QUANTITY)


# ---- the two cart stores ---------------------------------------------------------------------

@dataclass
class SessionCart:
    """A visitor's cart in one market: ``items`` is the ``{plan_id: quantity}`` dict of the session.

    ``other_markets`` is how many other markets hold a session cart (the cookie has room for a few).
    """

    org_id: str
    market_id: str
    items: dict[str, int] = field(default_factory=dict)
    other_markets: int = 0


Cart = SessionCart | OrgMemberCart


def read_session_carts(store: Mapping) -> dict[str, dict[str, int]]:
    """The session carts ``{market_id: {plan_id: quantity}}``, with anything malformed left out."""
    raw = store.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return {}
    carts: dict[str, dict[str, int]] = {}
    for market_id, items in raw.items():
        if not isinstance(market_id, str) or not isinstance(items, dict):
            continue
        lines = {
            plan_id: qty
            for plan_id, qty in items.items()
            if isinstance(plan_id, str) and 0 < len(plan_id) <= MAX_PLAN_ID
            and isinstance(qty, int) and not isinstance(qty, bool) and 1 <= qty <= MAX_QUANTITY
        }
        if lines:
            carts[market_id] = dict(list(lines.items())[:MAX_LINES])
    return carts


def session_cart(store: Mapping, *, org_id: str, market_id: str) -> SessionCart:
    """The visitor's cart of ``market_id`` from the session mapping (empty if there is none)."""
    carts = read_session_carts(store)
    items = carts.pop(market_id, {})
    return SessionCart(org_id=org_id, market_id=market_id, items=dict(items), other_markets=len(carts))


def write_session_cart(store: MutableMapping, cart: SessionCart) -> None:
    """Put ``cart`` back into the session mapping (an empty cart is removed)."""
    carts = read_session_carts(store)
    if cart.items:
        carts[cart.market_id] = dict(cart.items)
    else:
        carts.pop(cart.market_id, None)
    _store_session_carts(store, carts)


def _store_session_carts(store: MutableMapping, carts: dict[str, dict[str, int]]) -> None:
    # Always assign a new value: mutating the nested dicts would not mark the session modified.
    if carts:
        store[SESSION_KEY] = carts
    else:
        store.pop(SESSION_KEY, None)


def member_cart(member: OrgMember, market_id: str) -> OrgMemberCart:
    """The member's cart in the market with its items; a new, not yet saved cart if there is none
    (it is saved by the first item added to it)."""
    params = {"member_id": member.id, "market_id": market_id}
    rows = plain_rows(db.session, _member_cart_rows(), params).all()
    if not rows:
        return OrgMemberCart(org_id=member.org_id, member_id=member.id, market_id=market_id, items=[])
    cart_keys, item_keys = _cart_keys()
    width = len(cart_keys)
    identity_map = db.session.identity_map
    if identity_key(OrgMemberCart, rows[0][0]) in identity_map or any(
            row[width] is not None and identity_key(OrgMemberCartItem, row[width]) in identity_map for row in rows):
        # Objects of this cart are in the session already: the ORM's loading, which keeps them.
        return db.session.execute(_member_cart(), params).unique().scalar_one()
    # The cart and its lines as the ORM would have loaded them (persistent, unchanged, the lines in
    # the relationship's order), from plain rows: loading them through the ORM cost more Python than
    # the query, on every add, checkout page and order.
    cart = held(db.session, OrgMemberCart, dict(zip(cart_keys, rows[0][:width], strict=True)))
    items = [held(db.session, OrgMemberCartItem, dict(zip(item_keys, row[width:], strict=True)))
             for row in rows if row[width] is not None]
    set_committed_value(cart, "items", items)
    for item in items:
        set_committed_value(item, "cart", cart)
    return cart


@functools.cache
def _cart_keys() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The attribute names of the cart's and its lines' columns, in ``_member_cart_rows``' order."""
    return tuple(key for _column, key in column_keys(OrgMemberCart)), \
        tuple(key for _column, key in column_keys(OrgMemberCartItem))


@prebuilt
def _member_cart_rows() -> sa.Select:
    """``_member_cart`` as columns: the cart's, then its lines' (NULLs for an empty cart), one row
    per line in the relationship's order (bound: member_id, market_id)."""
    cart, item = OrgMemberCart, OrgMemberCartItem
    return (
        sa.select(*(column for column, _key in column_keys(cart)), *(column for column, _key in column_keys(item)))
        .select_from(cart.__table__)
        .outerjoin(item.__table__, item.__table__.c.cart_id == cart.__table__.c.id)
        .where(cart.__table__.c.member_id == sa.bindparam("member_id"),
               cart.__table__.c.market_id == sa.bindparam("market_id"))
        .order_by(item.__table__.c.created_at, item.__table__.c.id)
    )


@prebuilt
def _member_cart() -> sa.Select[tuple[OrgMemberCart]]:
    """``member_cart``'s query, built once (bound: member_id, market_id): it ran on every cart and
    checkout request, and building it and its cache key cost as much as running it."""
    return (
        sa.select(OrgMemberCart)
        .where(OrgMemberCart.member_id == sa.bindparam("member_id"),
               OrgMemberCart.market_id == sa.bindparam("market_id"))
        .options(joinedload(OrgMemberCart.items))  # one statement: a cart holds a few lines
    )


def member_cart_count(member: OrgMember, market_id: str) -> int:
    """How many items the member's cart in the market holds (one query; for the header badge)."""
    total = db.session.scalar(_cart_count(), {"member_id": member.id, "market_id": market_id})
    return int(total or 0)


def cart_count_of(member_id, market_id=None):
    """SQL: the sum of the quantities in the cart of ``member_id`` (a column or a bound value) in the
    market (``:market_id``); NULL for an empty or missing cart."""
    return (
        sa.select(sa.func.sum(OrgMemberCartItem.quantity))
        .join(OrgMemberCart, OrgMemberCart.id == OrgMemberCartItem.cart_id)
        .where(OrgMemberCart.member_id == member_id,
               OrgMemberCart.market_id == (market_id if market_id is not None else sa.bindparam("market_id")))
    )


@prebuilt
def _cart_count():
    return cart_count_of(sa.bindparam("member_id"))


def quantities(cart: Cart) -> dict[str, int]:
    """``{plan_id: quantity}`` of what the cart holds."""
    if isinstance(cart, SessionCart):
        return dict(cart.items)
    return {item.plan_id: item.quantity for item in cart.items}


def count(cart: Cart) -> int:
    """The number of items in the cart (the sum of the quantities)."""
    return sum(quantities(cart).values())


def _is_saved(cart: OrgMemberCart) -> bool:
    return sa.inspect(cart).persistent


def _save_cart(cart: OrgMemberCart) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(cart)
            db.session.flush()
    except IntegrityError:  # the same cart was created concurrently (another tab)
        raise ConflictError(_("Your cart changed in another window. Reload the page and try again.")) from None


def _put(cart: Cart, plan_id: str, quantity: int) -> None:
    if isinstance(cart, SessionCart):
        cart.items[plan_id] = quantity
        return
    if not _is_saved(cart):
        _save_cart(cart)
    item = next((i for i in cart.items if i.plan_id == plan_id), None)
    if item is not None:
        item.quantity = quantity
        db.session.flush()
        return
    _insert_item(cart, plan_id, quantity)


def _insert_item(cart: OrgMemberCart, plan_id: str, quantity: int) -> None:
    """A new line of the saved ``cart``: one INSERT that does nothing when the plan is in the cart
    already (added meanwhile in another window: ``ConflictError``), instead of a flush of the item
    inside a SAVEPOINT (three statements and the ORM's flush). The item joins the session and the
    cart's loaded items as if it had been flushed."""
    db.session.flush()  # what the ORM's flush would have written before it
    now = utcnow()
    item = OrgMemberCartItem(id=new_id(), org_id=cart.org_id, cart_id=cart.id, plan_id=plan_id, quantity=quantity,
                             created_at=now, updated_at=now)
    values = {"id": item.id, "org_id": item.org_id, "cart_id": item.cart_id, "plan_id": plan_id,
              "quantity": quantity, "created_at": now, "updated_at": now}
    if run_write(db.session.connection(), _item_insert(), values) != 1:
        raise ConflictError(_("Your cart changed in another window. Reload the page and try again."))
    make_transient_to_detached(item)
    db.session.add(item)  # persistent: in the identity map, nothing to write
    set_committed_value(cart, "items", [*cart.items, item])


@prebuilt
def _item_insert() -> sa.TextClause:
    """The cart line's INSERT (the same SQL on PostgreSQL and SQLite; bound: every column)."""
    table = OrgMemberCartItem.__table__
    return sa.text(
        "INSERT INTO org_member_cart_item (id, cart_id, plan_id, quantity, org_id, created_at, updated_at)"
        " VALUES (:id, :cart_id, :plan_id, :quantity, :org_id, :created_at, :updated_at)"
        " ON CONFLICT (cart_id, plan_id) DO NOTHING"
    ).bindparams(*(sa.bindparam(column.name, type_=column.type) for column in table.columns))


def _drop(cart: Cart, plan_id: str) -> bool:
    if isinstance(cart, SessionCart):
        return cart.items.pop(plan_id, None) is not None
    item = next((i for i in cart.items if i.plan_id == plan_id), None)
    if item is None:
        return False
    cart.items.remove(item)  # delete-orphan
    db.session.flush()
    return True


# ---- what is sold in the market ------------------------------------------------------------------

class _Plan(NamedTuple):
    id: str
    variant_id: str
    type: str
    name: str
    access_tier: int
    is_active: bool
    sort_order: int
    subscription: _Subscription | None
    usage_based: _UsageBased | None


class _Subscription(NamedTuple):
    interval: str
    interval_count: int
    trial_period_days: int


class _UsageBased(NamedTuple):
    usage_unit: str


class _Variant(NamedTuple):
    is_active: bool


class _Product(NamedTuple):
    id: str
    name: str
    slug: str
    type: str
    status: str
    tax_category_id: str | None


class _Price(NamedTuple):
    price: Decimal
    price_per_unit: Decimal | None


@dataclass(frozen=True)
class _Offer:
    """A plan as the cart reads it: the plan's, variant's, product's and market price's columns the
    cart uses (plain rows: reading them as ORM objects cost more Python than the query)."""

    plan: _Plan
    variant: _Variant
    product: _Product
    price: _Price | None
    variant_count: int = 1  # active variants of the product (the variant is named when there are several)
    # The names in the locale chain the offers were read for (``translated``'s rule, in SQL).
    product_name: str = ""
    plan_name: str = ""
    variant_name: str = ""
    # The product's collections in the org, comma-separated (read with the offer: no query of its own).
    collection_ids: str | None = None

    @property
    def sold(self) -> bool:
        return (
            self.price is not None
            and self.plan.is_active
            and self.variant.is_active
            and self.product.status == "published"
        )

    @property
    def physical(self) -> bool:
        return self.product.type == "physical"

    @classmethod
    def of(cls, row) -> _Offer:
        """The offer of a row of ``_offers_statement``."""
        (plan_id, variant_id, plan_type, plan_name, access_tier, plan_active, sort_order,
         sub_plan, interval, interval_count, trial_days, usage_plan, usage_unit, variant_active,
         product_id, product_base_name, slug, product_type, status, tax_category_id,
         price_id, price, price_per_unit, variant_count, product_name, name, variant_name, collection_ids) = row
        plan = _Plan(plan_id, variant_id, plan_type, plan_name, access_tier, plan_active, sort_order,
                     _Subscription(interval, interval_count, trial_days) if sub_plan is not None else None,
                     _UsageBased(usage_unit) if usage_plan is not None else None)
        return cls(plan, _Variant(variant_active),
                   _Product(product_id, product_base_name, slug, product_type, status, tax_category_id),
                   _Price(price, price_per_unit) if price_id is not None else None,
                   variant_count, product_name, name, variant_name, collection_ids)


def _chain_keys(chain: Sequence[str | None]) -> list[str | None]:
    """The locales of ``chain`` before ``BASE`` (the base rows' names come after them)."""
    keys = []
    for key in chain:
        if key is BASE:
            break
        keys.append(key)
    return keys


def _translated_name(translation, owner_column, owner_id, base, locales: int):
    """``translated(owner, "name", chain)`` as a column: the name in the first of ``locales``
    locales (bound as ``locale_0``, ``locale_1``, ...) that has a non-empty one, else the base
    row's (a correlated lookup per locale on the translation's unique (owner, locale) index)."""
    if not locales:
        return base
    found = [
        sa.select(translation.name)
        .where(owner_column == owner_id, translation.locale_key == sa.bindparam(f"locale_{n}"),
               translation.name != "")
        .scalar_subquery()
        for n in range(locales)
    ]
    return sa.func.coalesce(*found, base)


@functools.cache
def _offers_statement(locales: int, single: bool):
    """The offers query for a locale chain of ``locales`` locales, built once per process (as
    ``prebuilt``: neither its clauses nor its cache key are rebuilt per request); bound at execution:
    ``org_id``, ``market_id``, ``plan_id`` (``single``) or ``plan_ids``, and ``locale_0`` ... .
    Columns, not entities (``_Offer.of``); one plan (adding to a cart, a cart of one line) is bound
    as a single value, so the statement runs on the driver directly (``plain_rows``)."""
    plan, variant, product, price = (
        OrgProductVariantPaymentPlan, OrgProductVariant, OrgProduct, OrgProductVariantPaymentPlanMarketPrice,
    )
    subscription, usage = OrgProductVariantPaymentPlanSubscription, OrgProductVariantPaymentPlanUsageBased
    sibling = aliased(OrgProductVariant)
    variant_count = (
        sa.select(sa.func.count(sibling.id))
        .where(sibling.product_id == product.id, sibling.is_active.is_(True))
        .correlate(product)
        .scalar_subquery()
    )
    names = (
        _translated_name(OrgProductTranslation, OrgProductTranslation.product_id, product.id, product.name, locales),
        _translated_name(OrgProductVariantPaymentPlanTranslation, OrgProductVariantPaymentPlanTranslation.plan_id,
                         plan.id, plan.name, locales),
        _translated_name(OrgProductVariantTranslation, OrgProductVariantTranslation.variant_id, variant.id,
                         variant.name, locales),
    )
    org_id = sa.bindparam("org_id")
    collections = (
        sa.select(sa.func.aggregate_strings(OrgProductCollectionProduct.collection_id, ","))
        .where(OrgProductCollectionProduct.product_id == product.id, OrgProductCollectionProduct.org_id == org_id)
        .correlate(product)
        .scalar_subquery()
    )
    chosen = (plan.id == sa.bindparam("plan_id")) if single else plan.id.in_(sa.bindparam("plan_ids", expanding=True))
    return with_kept_hash(
        sa.select(plan.id, plan.variant_id, plan.type, plan.name, plan.access_tier, plan.is_active, plan.sort_order,
                  subscription.plan_id, subscription.interval, subscription.interval_count,
                  subscription.trial_period_days, usage.plan_id, usage.usage_unit, variant.is_active,
                  product.id, product.name, product.slug, product.type, product.status, product.tax_category_id,
                  price.id, price.price, price.price_per_unit, variant_count, *names, collections)
        .join(variant, variant.id == plan.variant_id)
        .join(product, product.id == variant.product_id)
        .outerjoin(price, sa.and_(price.plan_id == plan.id, price.market_id == sa.bindparam("market_id"),
                                  price.is_active.is_(True)))
        .outerjoin(subscription, subscription.plan_id == plan.id)
        .outerjoin(usage, usage.plan_id == plan.id)
        .where(chosen, plan.org_id == org_id, product.org_id == org_id)
    )


def _offers(org_id: str, market_id: str, plan_ids: Iterable[str],
            chain: Sequence[str | None] = ()) -> dict[str, _Offer]:
    """The org's plans ``plan_ids`` with variant, product, their names in the ``chain`` locales
    and their active price in the market, if any: one query whatever the number of plans."""
    ids = sorted({p for p in plan_ids if isinstance(p, str) and 0 < len(p) <= MAX_PLAN_ID})
    if not ids:
        return {}
    keys = _chain_keys(chain)
    params = {"org_id": org_id, "market_id": market_id, **{f"locale_{n}": key for n, key in enumerate(keys)}}
    if len(ids) == 1:
        params["plan_id"] = ids[0]
    else:
        params["plan_ids"] = ids
    rows = plain_rows(db.session, _offers_statement(len(keys), len(ids) == 1), params).all()
    return {row[0]: _Offer.of(row) for row in rows}


def _check_quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(_bad_quantity())
    return quantity


def _sold_offer(cart: Cart, plan_id, chain: Sequence[str | None] = ()) -> _Offer:
    offer = _offers(cart.org_id, cart.market_id, [plan_id], chain).get(plan_id) if isinstance(plan_id, str) else None
    if offer is None or not offer.sold:
        raise ValidationError(_not_sold())
    return offer


# ---- changing a cart ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AddResult:
    plan_id: str
    product_name: str
    plan_name: str
    quantity: int  # the quantity in the cart now
    already_in_cart: bool = False  # a one-per-order item that was in the cart already (nothing changed)


def add_item(cart: Cart, plan_id: str, quantity: int = 1, *, chain: Sequence[str | None] = ()) -> AddResult:
    """Add ``quantity`` of the plan to the cart (added to what is there for physical products).

    ``ValidationError`` if the plan is not sold in the cart's market, the quantity is not 1..99, more
    than one of a non-physical product is asked for, or the cart is full. Adding a one-per-order
    item that is already in the cart changes nothing (``already_in_cart``).
    """
    quantity = _check_quantity(quantity)
    offer = _sold_offer(cart, plan_id, chain)
    if quantity > 1 and not offer.physical:
        raise ValidationError(_one_at_a_time())
    stored = quantities(cart)
    current = stored.get(plan_id, 0)
    result = dict(plan_id=plan_id, product_name=offer.product_name, plan_name=offer.plan_name)
    if current and not offer.physical:
        return AddResult(**result, quantity=current, already_in_cart=True)
    new = current + quantity
    if new > MAX_QUANTITY:
        raise ValidationError(
            _("You can have at most %(max)d of this in your cart (you have %(count)d).", max=MAX_QUANTITY,
              count=current)
        )
    if not current and len(stored) >= MAX_LINES:
        raise ValidationError(_("Your cart is full (%(max)d different items). Check out or remove something first.",
                                max=MAX_LINES))
    if isinstance(cart, SessionCart) and not cart.items and cart.other_markets >= MAX_SESSION_MARKETS:
        raise ValidationError(_("You already have carts in %(count)d other stores. Check out or empty one of "
                                "them first, or log in.", count=cart.other_markets))
    _put(cart, plan_id, new)
    return AddResult(**result, quantity=new)


def set_quantity(cart: Cart, plan_id: str, quantity: int) -> int:
    """Change the quantity of a plan in the cart; returns the new quantity."""
    if plan_id not in quantities(cart):
        raise NotFoundError(_("This item is no longer in your cart."))
    quantity = _check_quantity(quantity)
    offer = _offers(cart.org_id, cart.market_id, [plan_id]).get(plan_id)
    if offer is None or not offer.sold:
        raise ValidationError(_("This item is no longer available in this market. Remove it from your cart."))
    if quantity > 1 and not offer.physical:
        raise ValidationError(_one_at_a_time())
    _put(cart, plan_id, quantity)
    return quantity


def remove_item(cart: Cart, plan_id: str) -> bool:
    """Take the plan out of the cart; False if it was not there (removing twice is harmless)."""
    return _drop(cart, plan_id)


def clear(cart: Cart) -> None:
    """Empty the cart (after an order was placed from it): the lines it was read with, in one
    DELETE through Core (no ORM flush of the removed lines); they leave the session."""
    if isinstance(cart, SessionCart):
        cart.items.clear()
        return
    items = list(cart.items)
    if not items:
        return
    if _is_saved(cart):
        db.session.flush()  # what the ORM's flush would have written before it
        run_write(db.session.connection(), _items_delete(len(items)),
                  {"b_cart_id": cart.id, **bound_values("b_id", [item.id for item in items])})
    for item in items:
        if item in db.session:
            db.session.expunge(item)
    set_committed_value(cart, "items", [])


@prebuilt_for_count
def _items_delete(count: int) -> sa.Delete:
    """``count`` lines of a cart (bound: b_cart_id, b_id_0, ...)."""
    table = OrgMemberCartItem.__table__
    return sa.delete(table).where(table.c.cart_id == sa.bindparam("b_cart_id"), in_bound(table.c.id, "b_id", count))


def merge_items(cart: Cart, incoming: Mapping[str, int]) -> int:
    """Add ``{plan_id: quantity}`` to the cart within the limits: quantities of physical products
    are summed up to ``MAX_QUANTITY``, other products stay at 1, plans no longer sold and lines past
    ``MAX_LINES`` are left out. Never raises for bad lines; returns how many lines it took."""
    offers = _offers(cart.org_id, cart.market_id, incoming)
    stored = quantities(cart)
    taken = 0
    for plan_id, qty in incoming.items():
        offer = offers.get(plan_id)
        if offer is None or not offer.sold or isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            continue
        current = stored.get(plan_id, 0)
        if not current and len(stored) >= MAX_LINES:
            continue
        new = min(MAX_QUANTITY, current + qty) if offer.physical else 1
        if new != current:
            _put(cart, plan_id, new)
            stored[plan_id] = new
        taken += 1
    return taken


def merge_session_cart(user: User, store: MutableMapping) -> int:
    """At login: move the session carts (``store`` is the session mapping) into the member carts of
    the orgs where ``user`` is a member. Carts of markets in orgs where the user is not a member stay
    in the session; carts of markets that no longer exist are dropped. Returns the lines merged."""
    carts = read_session_carts(store)
    if not carts:
        return 0
    markets = db.session.execute(
        sa.select(OrgMarket.id, OrgMarket.org_id).where(OrgMarket.id.in_(list(carts)))
    ).all()
    members = members_by_org(user, {org_id for _market, org_id in markets})
    merged = 0
    remaining: dict[str, dict[str, int]] = {}
    for market_id, org_id in markets:
        member = members.get(org_id)
        if member is None:
            remaining[market_id] = carts[market_id]
            continue
        merged += merge_items(member_cart(member, market_id), carts[market_id])
    _store_session_carts(store, remaining)
    return merged


# ---- reading a cart ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CartLine:
    """One line of a cart as the buyer sees it, with the current market price (``None`` and
    ``available=False`` when the plan is no longer sold in the market)."""

    plan_id: str
    quantity: int
    available: bool
    product_name: str
    plan_name: str
    product_slug: str | None = None
    product_type: str | None = None
    plan_type: str | None = None
    variant_name: str | None = None
    interval: str | None = None
    interval_count: int = 1
    usage_unit: str | None = None
    price_per_unit: Decimal | None = None
    unit_price: Decimal | None = None
    trial_days: int = 0  # a free trial: nothing is due today, the first charge is at the trial's end
    input: LineInput | None = None  # what the pricing pipeline prices (available lines only)

    @property
    def physical(self) -> bool:
        return self.product_type == "physical"

    @property
    def max_quantity(self) -> int:
        return MAX_QUANTITY if self.physical else 1


@dataclass(frozen=True)
class CartContents:
    market_id: str
    currency: str
    tax_inclusive: bool
    lines: list[CartLine]

    @property
    def available(self) -> list[CartLine]:
        return [line for line in self.lines if line.available]

    @property
    def unavailable(self) -> list[CartLine]:
        return [line for line in self.lines if not line.available]

    @property
    def inputs(self) -> list[LineInput]:
        return [line.input for line in self.lines if line.input is not None]

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


def load_cart(storefront: Storefront, cart: Cart, chain: Sequence[str | None] = ()) -> CartContents:
    """The cart's lines with fresh market prices, product names in the ``chain`` locales; sold lines
    first (by product and plan), then those no longer sold. One query (the products' collections
    included), whatever the size."""
    stored = quantities(cart)
    offers = _offers(storefront.org_id, storefront.market_id, stored, chain)
    collections = {offer.product.id: set(offer.collection_ids.split(","))
                   for offer in offers.values() if offer.sold and offer.collection_ids}

    lines: list[tuple[tuple, CartLine]] = []
    for plan_id, qty in stored.items():
        offer = offers.get(plan_id)
        if offer is None:
            line = CartLine(plan_id=plan_id, quantity=qty, available=False,
                            product_name=_("Item no longer available"), plan_name="")
            lines.append(((1, "", 0, plan_id), line))
            continue
        plan, product = offer.plan, offer.product
        name, plan_name = offer.product_name, offer.plan_name
        sub = plan.subscription if plan.type == "subscription" else None
        usage = plan.usage_based if plan.type == "usage_based" else None
        unit_price = offer.price.price if offer.sold else None
        trial_days = sub.trial_period_days if sub else 0
        line_input = None
        if offer.sold:
            line_input = LineInput.for_plan(
                plan, product, product_name=name, plan_name=plan_name, collection_ids=collections.get(product.id, ()),
                quantity=qty,
                unit_price=Decimal(0) if trial_days else Decimal(unit_price),
            )
        line = CartLine(
            plan_id=plan_id, quantity=qty, available=offer.sold, product_name=name, plan_name=plan_name,
            product_slug=product.slug, product_type=product.type, plan_type=plan.type,
            variant_name=offer.variant_name if offer.variant_count > 1 else None,
            interval=sub.interval if sub else None, interval_count=sub.interval_count if sub else 1,
            usage_unit=usage.usage_unit if usage else None,
            price_per_unit=offer.price.price_per_unit if offer.sold else None,
            unit_price=unit_price, trial_days=trial_days, input=line_input,
        )
        lines.append(((0 if offer.sold else 1, name.lower(), plan.sort_order, plan.name, plan_id), line))
    lines.sort(key=lambda pair: pair[0])
    return CartContents(market_id=storefront.market_id, currency=storefront.currency_code,
                        tax_inclusive=storefront.tax_inclusive, lines=[line for _key, line in lines])


def cart_lines(storefront: Storefront, cart: Cart, chain: Sequence[str | None] = ()) -> list[LineInput]:
    """The sold lines of the cart as pricing inputs, prices fresh from the database."""
    return load_cart(storefront, cart, chain).inputs


@dataclass(frozen=True)
class OrgRef:
    """The org as pricing reads it (``quote`` and its tax rate lookup use the id only): the
    storefront knows it, so pricing a cart loads no org row."""

    id: str


def quote_cart(storefront: Storefront, contents: CartContents, *, billing_country: str | None = None,
               subdivision_code: str | None = None, **options) -> Quote:
    """Price the cart's sold lines (``app.pricing.pipeline.quote``); without a billing country no
    tax rate applies yet. ``options`` go to ``quote`` (``discount``, ``gift_cards``, ``at``)."""
    return quote(
        OrgRef(storefront.org_id), currency=storefront.currency_code, tax_inclusive=storefront.tax_inclusive, lines=contents.inputs,
        billing_country=billing_country or "", subdivision_code=subdivision_code,
        market_id=storefront.market_id, **options,
    )
