"""The storefront a request is served by: an org's market, read once into an immutable snapshot.

Market settings change rarely and every storefront page needs them, so the snapshot is cached
per process for ``STOREFRONT_CACHE_SECONDS`` (0 switches the cache off; tests do). Dashboard
edits call ``forget_storefronts()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.markets.locales import LocaleContext, choose_locale, content_chain
from app.markets.models import OrgMarket, OrgMarketDomain
from app.orgs.models import Org
from app.web import cache


@dataclass(frozen=True)
class Brand:
    name: str
    logo_url: str | None
    primary_color: str
    tagline: str | None = None


@dataclass(frozen=True)
class Storefront:
    org_id: str
    org_slug: str
    org_name: str
    org_default_locale: str | None
    platform_fee_percent: object
    market_id: str
    market_slug: str
    market_name: str
    market_type: str
    currency_code: str
    tax_inclusive: bool
    default_locale: str
    locales: tuple[str, ...]
    country_codes: tuple[str, ...]
    country_overrides: dict = field(hash=False)
    brand: Brand | None
    primary_host: str | None

    @property
    def takes_orders(self) -> bool:
        """Whether the checkout can sell here: it needs a country to bill (and tax) the buyer in.
        ``create_market`` refuses a market without countries; older data may still have one."""
        return bool(self.country_codes)

    @property
    def display_name(self) -> str:
        return self.brand.name if self.brand else self.org_name

    def choose_locale(self, context: LocaleContext) -> str:
        return choose_locale(
            offered=self.locales,
            country_overrides=self.country_overrides,
            market_default=self.default_locale,
            org_default=self.org_default_locale,
            context=context,
        )

    def content_chain(self, locale: str) -> list[str | None]:
        return content_chain(locale, market_default=self.default_locale, org_default=self.org_default_locale)


def forget_storefronts() -> None:
    """Drop cached market settings (after a dashboard edit)."""
    cache.clear()


def _market_query():
    return (
        sa.select(OrgMarket, Org)
        .join(Org, Org.id == OrgMarket.org_id)
        .where(Org.is_active.is_(True), OrgMarket.is_active.is_(True))
        .options(
            selectinload(OrgMarket.locales),
            selectinload(OrgMarket.countries),
            selectinload(OrgMarket.domains),
            joinedload(OrgMarket.brand),
        )
    )


def _snapshot(market: OrgMarket, org: Org) -> Storefront:
    brand = market.brand
    primary = next((d.host for d in market.domains if d.is_primary), None) or (
        market.domains[0].host if market.domains else None
    )
    return Storefront(
        org_id=org.id,
        org_slug=org.slug,
        org_name=org.name,
        org_default_locale=org.default_locale_key,
        platform_fee_percent=org.platform_fee_percent,
        market_id=market.id,
        market_slug=market.slug,
        market_name=market.name,
        market_type=market.type,
        currency_code=market.currency_code,
        tax_inclusive=market.tax_inclusive,
        default_locale=market.default_locale_key,
        locales=tuple(ml.locale_key for ml in sorted(market.locales, key=lambda ml: (ml.sort_order, ml.locale_key))),
        country_codes=tuple(sorted(c.country_code for c in market.countries)),
        country_overrides={c.country_code: c.default_locale_key for c in market.countries if c.default_locale_key},
        brand=Brand(brand.name, brand.logo_url, brand.primary_color, brand.tagline) if brand else None,
        primary_host=primary,
    )


def storefront_for(org_slug: str, market_slug: str) -> Storefront | None:
    """The active market ``market_slug`` of the active org ``org_slug``, or None."""

    def load():
        row = db.session.execute(
            _market_query().where(Org.slug == org_slug, OrgMarket.slug == market_slug)
        ).first()
        return _snapshot(*row) if row else None

    return cache.cached(("storefront", org_slug, market_slug), load)


def storefront_for_host(host: str | None) -> Storefront | None:
    """The market whose ``org_market_domain`` is ``host`` (port ignored), or None."""
    if not host:
        return None
    host = host.split(":", 1)[0].strip().lower().rstrip(".")

    def load():
        row = db.session.execute(
            _market_query().join(OrgMarketDomain, OrgMarketDomain.market_id == OrgMarket.id).where(
                OrgMarketDomain.host == host
            )
        ).first()
        return _snapshot(*row) if row else None

    return cache.cached(("storefront-host", host), load)
