"""Checkout: turn the cart into a priced, placed order. The rules live in pricing (amounts) and
orders (placing, paying); this module wires them to what the buyer typed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import User
from app.checkout import cart as carts
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import OrgMarket
from app.markets.storefront import Storefront
from app.orders import services as orders
from app.orders.models import OrgMemberOrder
from app.orgs.models import Org, OrgMember
from app.orgs.services import ensure_member, get_member
from app.pricing import pipeline as pricing


def gift_card_codes(text: str | None) -> list[str]:
    """Gift card codes are groups of four: rejoin "AAAA BBBB CCCC" typed with spaces."""
    codes: list[str] = []
    for chunk in re.split(r"[,;\n]+", text or ""):
        compact = re.sub(r"[\s-]+", "", chunk)
        if compact and compact.upper() not in (c.upper() for c in codes):
            codes.append(compact)
    return codes


def fingerprint(contents: carts.CartContents) -> str:
    """Changes when the cart's lines, quantities or prices change (stale-page detection)."""
    parts = sorted(
        f"{line.input.plan_id}:{line.input.quantity}:{line.input.unit_price}"
        for line in contents.lines if line.input is not None
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _OrgRef:
    """What placing an order reads of the org when the buyer is a member already: no org row is
    loaded for it (``orders.place_order`` reads the id and, for the order number, the slug)."""

    id: str
    slug: str


@dataclass(frozen=True)
class _MarketRef:
    """What placing an order reads of the market (its id, org and currency), from the storefront."""

    id: str
    org_id: str
    currency_code: str


@dataclass
class Priced:
    quote: pricing.Quote
    discount_error: str | None = None
    gift_card_errors: dict[str, str] = field(default_factory=dict)
    org: Org | None = None  # the org it was priced for (placing the order uses it, not a second load)
    market: OrgMarket | None = None  # and its market (likewise)

    @property
    def has_errors(self) -> bool:
        return bool(self.discount_error or self.gift_card_errors)


def price(storefront: Storefront, contents: carts.CartContents, *, billing_country: str,
          discount_code: str | None, gift_card_text: str | None, user: User | None = None,
          placing: bool = True) -> Priced:
    """Quote the cart with the codes that can be used, and say why the others cannot (``user``:
    the buyer, whose earlier uses of a code count against its per-member limit). ``placing=False``
    (the checkout page shown, no order placed) changes nothing any more: without codes the org and
    market rows are not loaded (``Priced.org`` and ``market`` stay None; placing the order takes what
    it needs of them from the storefront)."""
    org, market = None, None
    if discount_code or gift_card_codes(gift_card_text):
        org, market = db.session.execute(
            sa.select(Org, OrgMarket).join(OrgMarket, OrgMarket.org_id == Org.id)
            .where(Org.id == storefront.org_id, OrgMarket.id == storefront.market_id)
        ).one()  # one statement for both: placing the order needs the market too
    discount, discount_error = None, None
    if discount_code:
        try:
            discount = pricing.resolve_discount(org, code=discount_code, market_id=storefront.market_id,
                                                currency=storefront.currency_code)
        except ValidationError as exc:
            discount_error = exc.message
        else:
            member = get_member(org, user) if discount.per_member_limit is not None and user is not None else None
            if member is not None and orders.discount_uses_by_member(
                    org.id, discount.id, member.id) >= discount.per_member_limit:
                discount, discount_error = None, orders.member_limit_message()
    cards, card_errors = [], {}
    for code in gift_card_codes(gift_card_text):
        try:
            cards.append(pricing.resolve_gift_card(org, code=code, currency=storefront.currency_code))
        except ValidationError as exc:
            card_errors[code] = exc.message
    quote = carts.quote_cart(storefront, contents, billing_country=billing_country,
                             discount=discount, gift_cards=cards)
    return Priced(quote=quote, discount_error=discount_error, gift_card_errors=card_errors, org=org, market=market)


def place(storefront: Storefront, user: User, cart: carts.Cart, contents: carts.CartContents, priced: Priced, *,
          billing_name: str, billing_email: str, billing_country: str, address: dict | None,
          locale_key: str, provider: str, member: OrgMember | None = None) -> OrgMemberOrder:
    """Place the order for the cart (the buyer becomes a member of the org if not yet one;
    ``member``: the user's membership in the org, ``get_member(org, user)``, when the caller has
    looked it up already)."""
    if not contents.available:
        raise ValidationError(_("Your cart is empty."))
    if contents.unavailable:
        raise ValidationError(_("Some items in your cart are no longer sold here. Remove them first."))
    if priced.has_errors:
        raise ValidationError(_("Remove or correct the codes that cannot be used."))
    if billing_country not in storefront.country_codes:
        raise ValidationError(_("Choose a country this store sells to."))
    known_member = member is not None and member.org_id == storefront.org_id
    if priced.org is not None and priced.org.id == storefront.org_id:
        org = priced.org
    elif known_member:  # placing reads the org's id and slug (the order number's prefix): the storefront's
        org = _OrgRef(storefront.org_id, storefront.org_slug)
    else:  # becoming a member needs the org's row
        org = db.session.get(Org, storefront.org_id)
    if priced.market is not None and priced.market.id == storefront.market_id:
        market = priced.market
    else:  # and of the market, its id, org and currency: the storefront's (read in this request)
        market = _MarketRef(storefront.market_id, storefront.org_id, storefront.currency_code)
    if member is None or member.org_id != org.id:
        member = ensure_member(org, user, membership_type="customer")
    if member.billing_country_code != billing_country:  # (unchanged: nothing for the flushes to look at)
        member.billing_country_code = billing_country
    needs_shipping = any(line.physical for line in contents.available)
    if needs_shipping and not (address and address.get("line1") and address.get("city")):
        raise ValidationError(_("Enter a shipping address for the physical items."))
    order = orders.place_order(
        org, member, market, priced.quote,
        billing_name=billing_name, billing_email=billing_email, billing_country=billing_country,
        billing_address=address or None, shipping_address=address if needs_shipping else None,
        locale_key=locale_key, provider=provider, known_countries=storefront.country_codes,
        # Read with the cart's offers in this request (plan, variant and product of this org).
        product_types={line.plan_id: line.product_type for line in contents.available if line.product_type},
    )
    if isinstance(cart, carts.SessionCart) or cart.member_id == member.id:
        carts.clear(cart)
    return order
