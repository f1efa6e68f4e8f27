"""Promotions: the rules of discount codes (``org_discount``), for creating and editing them.

A code takes a percentage (0-100) or a fixed amount (in a currency) off the lines it applies to;
it can be limited to one market and to one product or one collection, to a validity window
(``ends_at`` exclusive), to a number of uses in all and per member, and switched off. The checkout
applies them in app/pricing/pipeline.py (``check_discount``, ``_eligible``) and counts the uses in
app/orders/services.py (``_claim_discount``, which also enforces the per-member limit).

``create_discount`` of app/catalog/services.py is ``create_promotion`` (one rule). Services take
the acting employee (``by``, capability ``catalog_all``), flush, audit, and raise DomainErrors
whose ``field`` names the form field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.models import DISCOUNT_TYPES, OrgDiscount, OrgProduct, OrgProductCollection
from app.catalog.services import DISCOUNT_CODE_RE, normalize_discount_code
from app.checks import aware, clean_text, to_amount, to_int
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import OrgMarket
from app.money import quantize
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit_change, authorize, get_or_404, snapshot
from app.platform.services import active_currency

PROMOTION_FIELDS = ("code", "name", "type", "value", "currency_code", "market_id", "product_id", "collection_id",
                    "starts_at", "ends_at", "usage_limit", "per_member_limit", "is_active")
MAX_LIMIT = 1_000_000_000  # the limits are Integer columns


@dataclass(frozen=True)
class _Values:
    code: str
    name: str
    type: str
    value: Decimal
    currency_code: str | None
    market_id: str | None
    product_id: str | None
    collection_id: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    usage_limit: int | None
    per_member_limit: int | None


def _field(field: str, check, *args, **kwargs):
    """``check(*args, **kwargs)``, its ValidationError naming ``field``."""
    try:
        return check(*args, **kwargs)
    except ValidationError as exc:
        raise ValidationError(exc.message, field=field) from None


def _limit(value, label: str, field: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _field(field, to_int, value, label, minimum=1, maximum=MAX_LIMIT)


def _row(model, org: Org, value, message: str):
    """The org's row (or None for none chosen); another org's or an unknown one: NotFoundError."""
    if value is None or value == "":
        return None
    return get_or_404(model, org, value, message)


def _checked(org: Org, discount: OrgDiscount | None, *, code, name, type, value, currency_code, market, product,
             collection, starts_at, ends_at, usage_limit, per_member_limit) -> _Values:
    code = normalize_discount_code(code)
    if not DISCOUNT_CODE_RE.match(code):
        raise ValidationError(_("Use 3 to 40 letters, digits, dashes or underscores for the discount code."),
                              field="code")
    name = _field("name", clean_text, name, _("Name"), max_length=100, required=True)
    if type not in DISCOUNT_TYPES:
        raise ValidationError(_("Choose a valid %(field)s.", field=_("discount type")), field="type")
    amount = _field("value", to_amount, value, _("Discount value"))
    if amount <= 0:
        raise ValidationError(_("The discount value must be greater than zero."), field="value")

    market = _row(OrgMarket, org, market, _("Market not found."))
    product = _row(OrgProduct, org, product, _("Product not found."))
    collection = _row(OrgProductCollection, org, collection, _("Collection not found."))
    if product is not None and collection is not None:
        raise ValidationError(_("Limit a discount to a product or to a collection, not both."), field="scope")

    currency = None
    if type == "percent":
        if amount > 100:
            raise ValidationError(_("A percentage discount cannot be more than 100%."), field="value")
    else:
        if not (currency_code or "").strip():
            raise ValidationError(_("A fixed-amount discount needs a currency."), field="currency_code")
        currency = _field("currency_code", active_currency, currency_code)
        if market is not None and market.currency_code != currency:
            raise ValidationError(
                _("The discount currency (%(currency)s) must match the market currency (%(market)s).",
                  currency=currency, market=market.currency_code), field="currency_code")
        amount = quantize(amount, currency)
        if amount <= 0:
            raise ValidationError(_("The discount value must be greater than zero."), field="value")

    starts_at, ends_at = aware(starts_at), aware(ends_at)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError(_("The discount must end after it starts."), field="ends_at")
    limit = _limit(usage_limit, _("Usage limit"), "usage_limit")
    if discount is not None and limit is not None and limit < (discount.times_used or 0):
        raise ValidationError(
            _("This code has been used %(n)d times already: the limit cannot be lower.", n=discount.times_used),
            field="usage_limit")
    per_member = _limit(per_member_limit, _("Uses per member"), "per_member_limit")

    taken = db.session.scalar(
        sa.select(OrgDiscount.id).where(OrgDiscount.org_id == org.id, OrgDiscount.code == code,
                                        *([OrgDiscount.id != discount.id] if discount is not None else []))
        .limit(1))
    if taken is not None:
        raise ValidationError(_("Another discount already uses the code “%(code)s”.", code=code), field="code")
    return _Values(code=code, name=name, type=type, value=amount, currency_code=currency,
                   market_id=market.id if market else None, product_id=product.id if product else None,
                   collection_id=collection.id if collection else None, starts_at=starts_at, ends_at=ends_at,
                   usage_limit=limit, per_member_limit=per_member)


def create_promotion(org: Org, *, code: str, name: str, type: str, value, currency_code: str | None = None,
                     market: Any = None, product: Any = None, collection: Any = None,
                     starts_at: datetime | None = None, ends_at: datetime | None = None, usage_limit=None,
                     per_member_limit=None, by: OrgEmployee) -> OrgDiscount:
    """A new active discount code (see the module docstring); ``market``, ``product`` and
    ``collection`` are rows or ids of the org. ``by`` needs ``catalog_all``."""
    authorize(by, org, "catalog_all")
    values = _checked(org, None, code=code, name=name, type=type, value=value, currency_code=currency_code,
                      market=market, product=product, collection=collection, starts_at=starts_at,
                      ends_at=ends_at, usage_limit=usage_limit, per_member_limit=per_member_limit)
    discount = OrgDiscount(org_id=org.id, is_active=True, times_used=0, **values.__dict__)
    db.session.add(discount)
    db.session.flush()
    audit_change(discount, action="discount.created", by=by, fields=PROMOTION_FIELDS)
    return discount


def update_promotion(discount: OrgDiscount, *, code: str, name: str, type: str, value,
                     currency_code: str | None = None, market: Any = None, product: Any = None,
                     collection: Any = None, starts_at: datetime | None = None, ends_at: datetime | None = None,
                     usage_limit=None, per_member_limit=None, is_active: bool = True,
                     by: OrgEmployee) -> OrgDiscount:
    """Change every setting of ``discount`` (orders placed with it keep their amounts); the usage
    limit cannot go below the uses counted. ``by`` needs ``catalog_all``."""
    authorize(by, discount.org_id, "catalog_all")
    org = db.session.get(Org, discount.org_id)
    values = _checked(org, discount, code=code, name=name, type=type, value=value, currency_code=currency_code,
                      market=market, product=product, collection=collection, starts_at=starts_at,
                      ends_at=ends_at, usage_limit=usage_limit, per_member_limit=per_member_limit)
    before = snapshot(discount, PROMOTION_FIELDS)
    for key, new in values.__dict__.items():
        setattr(discount, key, new)
    discount.is_active = bool(is_active)
    db.session.flush()
    audit_change(discount, action="discount.updated", by=by, fields=PROMOTION_FIELDS, before=before)
    return discount


def set_promotion_active(discount: OrgDiscount, *, active: bool, by: OrgEmployee) -> OrgDiscount:
    """Switch a code off (the checkout refuses it) or on again (idempotent)."""
    authorize(by, discount.org_id, "catalog_all")
    before = snapshot(discount, ("is_active",))
    discount.is_active = bool(active)
    db.session.flush()
    audit_change(discount, action="discount.activated" if active else "discount.deactivated", by=by,
                 fields=("is_active",), before=before)
    return discount
