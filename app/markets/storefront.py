"""The storefront a request is served by: an org's market, read once into an immutable snapshot.

Market settings change rarely and every storefront page needs them, so the snapshot is cached
per process for ``STOREFRONT_CACHE_SECONDS`` (0 switches the cache off; tests do). Dashboard
edits call ``forget_storefronts()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa

from app.db import plain_rows, prebuilt
from app.extensions import db
from app.markets.locales import LocaleContext, choose_locale, content_chain
from app.markets.models import OrgBrand, OrgMarket, OrgMarketCountry, OrgMarketDomain, OrgMarketLocale
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


# Built once per process: SQLAlchemy then computes each statement's cache key once, and the
# values (slugs, host, market id) go in as bound parameters. Plain rows, no ORM objects: the
# snapshot is built on every storefront request when the cache is off.
@prebuilt
def _market_by_slugs():
    return _market_query().where(Org.slug == sa.bindparam("org_slug"), OrgMarket.slug == sa.bindparam("market_slug"))


@prebuilt
def _market_by_host():
    return _market_query().join(OrgMarketDomain, OrgMarketDomain.market_id == OrgMarket.id).where(
        OrgMarketDomain.host == sa.bindparam("host")
    )


def _market_query():
    """The market with its org and brand, and its locales, countries and domains as three
    aggregated strings (one statement: this runs on every storefront request when the cache is
    off; it was two round trips). Locale keys, country codes and host names hold no "," or ":"."""
    market = OrgMarket.id

    def joined(value, table, where):
        return (sa.select(sa.func.aggregate_strings(value, ",")).select_from(table).where(where)
                .correlate(OrgMarket).scalar_subquery())

    locales = joined(sa.cast(OrgMarketLocale.sort_order, sa.String) + ":" + OrgMarketLocale.locale_key,
                     OrgMarketLocale, OrgMarketLocale.market_id == market)
    countries = joined(OrgMarketCountry.country_code + ":" + sa.func.coalesce(OrgMarketCountry.default_locale_key, ""),
                       OrgMarketCountry, OrgMarketCountry.market_id == market)
    domains = joined(sa.case((OrgMarketDomain.is_primary.is_(True), "0"), else_="1") + ":" + OrgMarketDomain.host,
                     OrgMarketDomain, OrgMarketDomain.market_id == market)
    return (
        sa.select(
            Org.id, Org.slug, Org.name, Org.default_locale_key, Org.platform_fee_percent,
            OrgMarket.id, OrgMarket.slug, OrgMarket.name, OrgMarket.type, OrgMarket.currency_code,
            OrgMarket.tax_inclusive, OrgMarket.default_locale_key,
            OrgBrand.name, OrgBrand.logo_url, OrgBrand.primary_color, OrgBrand.tagline,
            locales, countries, domains,
        )
        .join(Org, Org.id == OrgMarket.org_id)
        .outerjoin(OrgBrand, OrgBrand.id == OrgMarket.brand_id)
        .where(Org.is_active.is_(True), OrgMarket.is_active.is_(True))
    )


def _pairs(joined: str | None) -> list[tuple[str, str]]:
    """"a:b,c:d" -> [("a", "b"), ("c", "d")]."""
    return [tuple(item.split(":", 1)) for item in joined.split(",")] if joined else []


def _snapshot(row) -> Storefront:
    (org_id, org_slug, org_name, org_default_locale, fee, market_id, market_slug, market_name, market_type,
     currency, tax_inclusive, default_locale, brand_name, logo_url, color, tagline,
     locales_joined, countries_joined, domains_joined) = row
    locales = [(int(order), key) for order, key in _pairs(locales_joined)]
    countries = _pairs(countries_joined)
    domains = sorted(_pairs(domains_joined))
    return Storefront(
        org_id=org_id,
        org_slug=org_slug,
        org_name=org_name,
        org_default_locale=org_default_locale,
        platform_fee_percent=fee,
        market_id=market_id,
        market_slug=market_slug,
        market_name=market_name,
        market_type=market_type,
        currency_code=currency,
        tax_inclusive=tax_inclusive,
        default_locale=default_locale,
        locales=tuple(key for _order, key in sorted(locales)),
        country_codes=tuple(sorted(code for code, _locale in countries)),
        country_overrides={code: locale for code, locale in countries if locale},
        brand=Brand(brand_name, logo_url, color, tagline) if brand_name is not None else None,
        # The primary domain, else the first by host (as the market's ``domains`` are ordered).
        primary_host=domains[0][1] if domains else None,
    )


def market_by_slugs_select() -> sa.Select:
    """The statement of ``storefront_for`` (``:org_slug``, ``:market_slug``): one row or none."""
    return _market_by_slugs()


def market_by_host_select() -> sa.Select:
    """The statement of ``storefront_for_host`` (``:host``): one row or none (the same columns as
    ``market_by_slugs_select``)."""
    return _market_by_host()


class Along(NamedTuple):
    """A read that rides on ``storefront_for``'s statement when it runs: ``statement`` selects
    ``market_by_slugs_select``'s columns first, then its own, in one row or none (no market);
    ``params`` are its bound values (the slugs added); ``take(storefront, values)`` gets its columns
    of the row when there is a market. ``storefront_for_host``'s is the same on
    ``market_by_host_select`` (the host added)."""

    statement: sa.Select
    params: dict
    take: Callable[[Storefront, tuple], None]


def storefront_for(org_slug: str, market_slug: str, along: Along | None = None) -> Storefront | None:
    """The active market ``market_slug`` of the active org ``org_slug``, or None. ``along`` is read
    with it when it is read (not when the cache holds it)."""
    slugs = {"org_slug": org_slug, "market_slug": market_slug}
    return cache.cached(("storefront", org_slug, market_slug), lambda: _load(_market_by_slugs(), slugs, along))


def storefront_for_host(host: str | None, along: Along | None = None) -> Storefront | None:
    """The market whose ``org_market_domain`` is ``host`` (port ignored), or None. ``along`` is read
    with it when it is read (not when the cache holds it)."""
    if not host:
        return None
    host = host.split(":", 1)[0].strip().lower().rstrip(".")
    return cache.cached(("storefront-host", host), lambda: _load(_market_by_host(), {"host": host}, along))


def _load(statement, params: dict, along: Along | None) -> Storefront | None:
    """The market of ``statement``'s row (with ``along`` read in it, when given), or None."""
    if along is None:
        row = plain_rows(db.session, statement, params).first()
        return _snapshot(row) if row else None
    row = plain_rows(db.session, along.statement, {**along.params, **params}).first()
    if row is None:
        return None
    width = len(statement.selected_columns)
    storefront = _snapshot(row[:width])
    along.take(storefront, tuple(row[width:]))
    return storefront
