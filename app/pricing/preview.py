"""The tax preview of the dashboard: what a buyer in each market and country of the org pays for a
price in a tax category, and the tax in it, priced by the checkout's own pipeline (``quote``), so
the preview can never disagree with a real order.

The price is read as a price in each market's currency, the way the market shows it: gross in a
tax-inclusive market (the buyer pays it, the tax is inside), net in the others (tax is added); the
pipeline rounds it to the currency's minor unit (no decimals in JPY).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.markets.models import OrgMarket, OrgMarketCountry
from app.orgs.models import Org
from app.pricing.pipeline import LineInput, PricedLine, quote
from app.tax.models import OrgTaxCategory

PREVIEW = "preview"  # the ids of the made-up line priced by the preview


@dataclass(frozen=True)
class PreviewRow:
    market: OrgMarket
    country_code: str
    line: PricedLine

    @property
    def currency(self) -> str:
        return self.market.currency_code


def tax_preview(org: Org, *, price: Decimal, category: OrgTaxCategory | None,
                at: datetime | None = None) -> list[PreviewRow]:
    """One row per active market and country the org sells in (by market name, then country):
    ``price`` in the market's currency priced for a buyer there at ``at`` (now) in ``category``."""
    at = at or utcnow()
    pairs = db.session.execute(
        sa.select(OrgMarket, OrgMarketCountry.country_code)
        .join(OrgMarketCountry, OrgMarketCountry.market_id == OrgMarket.id)
        .where(OrgMarket.org_id == org.id, OrgMarket.is_active.is_(True))
        .order_by(OrgMarket.name, OrgMarket.id, OrgMarketCountry.country_code)
    ).all()
    line = LineInput(
        plan_id=PREVIEW, product_id=PREVIEW, variant_id=PREVIEW, product_name=PREVIEW, plan_name=PREVIEW,
        plan_type="one_time", access_tier=1, tax_category_id=category.id if category else None,
        collection_ids=frozenset(), quantity=1, unit_price=price,
    )
    rows = []
    for market, country in pairs:
        priced = quote(org, currency=market.currency_code, tax_inclusive=market.tax_inclusive, lines=[line],
                       billing_country=country, market_id=market.id, at=at)
        rows.append(PreviewRow(market, country, priced.lines[0]))
    return rows
