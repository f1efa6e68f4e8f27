"""Org markets (countries, locales, domains), brands and tax regions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db import OrgScoped, Timestamped, enum_check, enum_col, fk, id_pk
from app.extensions import db

if TYPE_CHECKING:
    from app.platform.models import Country, Currency, Locale, SeoMetadata

MARKET_TYPES = ("single_country", "multi_region", "linguistic", "economic")
DEFAULT_BRAND_COLOR = "#4f46e5"
BRAND_TAGLINE_MAX = 120


class OrgRegion(OrgScoped, Timestamped, db.Model):
    """A tax region of an org: a whole country, or one subdivision of it (``US-NY``)."""

    __tablename__ = "org_region"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "country_code", "subdivision_code"),
        # NULLs are distinct in a unique constraint, so the whole-country region needs its own index.
        sa.Index(
            None,
            "org_id",
            "country_code",
            unique=True,
            sqlite_where=sa.text("subdivision_code IS NULL"),
            postgresql_where=sa.text("subdivision_code IS NULL"),
        ),
    )

    id: Mapped[str] = id_pk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    country_code: Mapped[str] = mapped_column(sa.String(2), sa.ForeignKey("country.code"), nullable=False)
    subdivision_code: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)

    country: Mapped[Country] = relationship("Country")

    def __repr__(self) -> str:
        return f"<OrgRegion {self.subdivision_code or self.country_code}>"


class OrgBrand(OrgScoped, Timestamped, db.Model):
    """A brand identity an org sells under (name, logo, colour, tagline); markets and products may use
    one. A market's storefront shows its brand: logo and name in the header, the tagline under them,
    the colour as the accent, the name in page titles and in the emails sent for the market.
    ``description`` is longer text about the brand (not shown on the storefront); ``tagline`` is the
    short line the storefront shows."""

    __tablename__ = "org_brand"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "slug"),
        sa.CheckConstraint("primary_color LIKE '#______'", name="primary_color_hex"),
    )

    id: Mapped[str] = id_pk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    slug: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    tagline: Mapped[str | None] = mapped_column(sa.String(BRAND_TAGLINE_MAX))
    logo_url: Mapped[str | None] = mapped_column(sa.String(255))
    primary_color: Mapped[str] = mapped_column(sa.String(7), default=DEFAULT_BRAND_COLOR, nullable=False)

    def __repr__(self) -> str:
        return f"<OrgBrand {self.slug}>"


class OrgMarket(OrgScoped, Timestamped, db.Model):
    """A storefront strategy unit: its countries, locales, currency, brand, domains and tax display."""

    __tablename__ = "org_market"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "slug"),
        enum_check("type", MARKET_TYPES),
    )

    id: Mapped[str] = id_pk()
    slug: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    type: Mapped[str] = enum_col(MARKET_TYPES)
    currency_code: Mapped[str] = mapped_column(sa.String(3), sa.ForeignKey("currency.code"), nullable=False)
    brand_id: Mapped[str | None] = fk("org_brand.id", nullable=True, ondelete="SET NULL")
    default_locale_key: Mapped[str] = mapped_column(
        sa.String(10), sa.ForeignKey("locale.key"), nullable=False
    )
    tax_inclusive: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    seo_metadata_id: Mapped[str | None] = fk("seo_metadata.id", nullable=True, ondelete="SET NULL")

    currency: Mapped[Currency] = relationship("Currency")
    default_locale: Mapped[Locale] = relationship("Locale")
    brand: Mapped[OrgBrand | None] = relationship()
    seo_metadata: Mapped[SeoMetadata | None] = relationship("SeoMetadata")
    countries: Mapped[list[OrgMarketCountry]] = relationship(
        back_populates="market",
        order_by="OrgMarketCountry.country_code",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    locales: Mapped[list[OrgMarketLocale]] = relationship(
        back_populates="market",
        order_by="(OrgMarketLocale.sort_order, OrgMarketLocale.locale_key)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    domains: Mapped[list[OrgMarketDomain]] = relationship(
        back_populates="market",
        order_by="(OrgMarketDomain.is_primary.desc(), OrgMarketDomain.host)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def locale_keys(self) -> list[str]:
        """The locales this market offers, in display order."""
        return [ml.locale_key for ml in self.locales]

    @property
    def country_codes(self) -> list[str]:
        return [mc.country_code for mc in self.countries]

    @property
    def country_locale_overrides(self) -> dict[str, str]:
        """``{country: locale}`` of the countries that override the market's default locale."""
        return {mc.country_code: mc.default_locale_key for mc in self.countries if mc.default_locale_key}

    @property
    def hosts(self) -> list[str]:
        """The market's domains, the primary one first."""
        return [d.host for d in sorted(self.domains, key=lambda d: (not d.is_primary, d.host))]

    @property
    def primary_domain(self) -> OrgMarketDomain | None:
        return next((d for d in self.domains if d.is_primary), None)

    def country_locale_override(self, country_code: str | None) -> str | None:
        """The default-locale override this market sets for ``country_code``, if any."""
        if not country_code:
            return None
        return next(
            (mc.default_locale_key for mc in self.countries if mc.country_code == country_code.upper()),
            None,
        )

    def __repr__(self) -> str:
        return f"<OrgMarket {self.slug}>"


class OrgMarketCountry(OrgScoped, Timestamped, db.Model):
    """A country served by a market, with an optional default-locale override for visitors from it."""

    __tablename__ = "org_market_country"
    __table_args__ = (sa.UniqueConstraint("market_id", "country_code"),)

    id: Mapped[str] = id_pk()
    market_id: Mapped[str] = fk("org_market.id", index=False)
    country_code: Mapped[str] = mapped_column(sa.String(2), sa.ForeignKey("country.code"), nullable=False)
    default_locale_key: Mapped[str | None] = mapped_column(
        sa.String(10), sa.ForeignKey("locale.key"), nullable=True
    )

    market: Mapped[OrgMarket] = relationship(back_populates="countries")
    country: Mapped[Country] = relationship("Country")
    default_locale: Mapped[Locale | None] = relationship("Locale")


class OrgMarketLocale(OrgScoped, Timestamped, db.Model):
    """A locale a market offers (a subset of the org's locales), in display order."""

    __tablename__ = "org_market_locale"
    __table_args__ = (sa.UniqueConstraint("market_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    market_id: Mapped[str] = fk("org_market.id", index=False)
    locale_key: Mapped[str] = mapped_column(sa.String(10), sa.ForeignKey("locale.key"), nullable=False)
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0, nullable=False)

    market: Mapped[OrgMarket] = relationship(back_populates="locales")
    locale: Mapped[Locale] = relationship("Locale")


class OrgMarketDomain(OrgScoped, Timestamped, db.Model):
    """A host name that serves one market directly (``shop.example.de`` -> market); stored lowercase."""

    __tablename__ = "org_market_domain"
    __table_args__ = (sa.CheckConstraint("host = lower(host)", name="host_lower"),)

    id: Mapped[str] = id_pk()
    market_id: Mapped[str] = fk("org_market.id")
    host: Mapped[str] = mapped_column(sa.String(253), unique=True, nullable=False)
    is_primary: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    market: Mapped[OrgMarket] = relationship(back_populates="domains")

    @validates("host")
    def _normalize_host(self, _key: str, value: str) -> str:
        return value.strip().lower().rstrip(".") if value is not None else value
