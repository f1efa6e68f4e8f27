"""Market rules: brands, tax regions, markets (countries, locales, domains) and market lookup.

Services flush and raise DomainErrors; the view commits. Org-owned lookups are filtered by org.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from app.checks import WCAG_AA_NORMAL_TEXT, check_slug, clean_text, contrast_ratio
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import (
    BRAND_TAGLINE_MAX,
    DEFAULT_BRAND_COLOR,
    MARKET_TYPES,
    OrgBrand,
    OrgMarket,
    OrgMarketCountry,
    OrgMarketDomain,
    OrgMarketLocale,
    OrgRegion,
)
from app.orgs.models import Org, OrgEmployee, OrgLocale
from app.orgs.services import audit_change, authorize, ensure_same_org, scoped, snapshot
from app.platform.models import Country
from app.platform.services import active_currency

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SUBDIVISION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")  # ISO 3166-2, e.g. US-NY, DE-BY, FR-75C
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOST_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
# Brands, regions and markets are org settings: every change needs ``org_settings`` and is audited.
BRAND_FIELDS = ("name", "slug", "primary_color", "tagline", "logo_url", "description")
REGION_FIELDS = ("name", "country_code", "subdivision_code")
MARKET_FIELDS = ("slug", "name", "type", "currency_code", "default_locale_key", "tax_inclusive", "brand_id",
                 "is_active")
# An edit also records the market's parts (properties of OrgMarket).
AUDITED_MARKET_FIELDS = (*MARKET_FIELDS, "locale_keys", "country_codes", "country_locale_overrides", "hosts")


def _slug(slug: str) -> str:
    """Brands and markets are addressed by slugs of 2 to 50 characters (``app.checks.check_slug``)."""
    return check_slug(slug, min_length=2, max_length=50)


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Enter a name of at most 100 characters."))
    return name


def normalize_host(host: str | None) -> str:
    """``Shop.Example.DE:8443.`` -> ``shop.example.de`` (lowercase, no port, no trailing dot)."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal, possibly with a port
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    host = host.split(":", 1)[0]
    return host.rstrip(".")


# ---- brands --------------------------------------------------------------------------------

def check_brand_color(color: str | None) -> str:
    """A brand colour: ``#rrggbb`` (lowercased) on which white text meets WCAG AA (contrast of at
    least 4.5:1, ``app.checks.contrast_ratio``): the storefront puts white text on it (buttons,
    badges). Otherwise a ValidationError on ``primary_color`` that names the ratio."""
    color = (color or "").strip().lower()
    if not COLOR_RE.match(color):
        raise ValidationError(_("Enter the colour as # and six hexadecimal digits, e.g. #4f46e5."),
                              field="primary_color")
    ratio = contrast_ratio("#ffffff", color)
    if ratio < WCAG_AA_NORMAL_TEXT:
        shown = format_decimal(math.floor(ratio * 100) / 100, format="0.00")  # never rounded up to 4.50
        raise ValidationError(_("White text on %(color)s has a contrast ratio of only %(ratio)s:1; WCAG AA needs "
                                "at least 4.5:1. Choose a darker colour.", color=color, ratio=shown),
                              field="primary_color")
    return color


def _brand_values(org: Org, *, name: str, slug: str, primary_color: str, tagline: str | None,
                  brand: OrgBrand | None = None) -> dict[str, str | None]:
    """The checked fields of a new or changed brand; each refusal names its form field."""
    try:
        name = _name(name)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="name") from None
    try:
        slug = _slug(slug)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="slug") from None
    taken = sa.select(OrgBrand.id).where(OrgBrand.org_id == org.id, OrgBrand.slug == slug)
    if brand is not None:
        taken = taken.where(OrgBrand.id != brand.id)
    if db.session.scalar(taken) is not None:
        raise ValidationError(_("A brand with this address already exists."), field="slug")
    primary_color = check_brand_color(primary_color)
    try:
        tagline = clean_text(tagline, _("The tagline"), max_length=BRAND_TAGLINE_MAX)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="tagline") from None
    return {"name": name, "slug": slug, "primary_color": primary_color, "tagline": tagline}


def create_brand(org: Org, *, name: str, slug: str, primary_color: str = DEFAULT_BRAND_COLOR,
                 logo_url: str | None = None, description: str | None = None, tagline: str | None = None,
                 by: OrgEmployee) -> OrgBrand:
    authorize(by, org, "org_settings")
    values = _brand_values(org, name=name, slug=slug, primary_color=primary_color, tagline=tagline)
    brand = OrgBrand(org_id=org.id, logo_url=logo_url, description=description, **values)
    db.session.add(brand)
    db.session.flush()
    audit_change(brand, action="brand.created", by=by, fields=BRAND_FIELDS)
    return brand


def update_brand(brand: OrgBrand, *, name: str, slug: str, primary_color: str, tagline: str | None,
                 by: OrgEmployee) -> OrgBrand:
    """Change a brand's name, address, colour and tagline (the same checks as ``create_brand``);
    the logo changes through ``app.catalog.media.set_brand_logo``."""
    org = db.session.get(Org, brand.org_id)
    authorize(by, org, "org_settings")
    values = _brand_values(org, name=name, slug=slug, primary_color=primary_color, tagline=tagline, brand=brand)
    before = snapshot(brand, BRAND_FIELDS)
    for key, value in values.items():
        setattr(brand, key, value)
    db.session.flush()
    audit_change(brand, action="brand.updated", by=by, fields=BRAND_FIELDS, before=before)
    return brand


def list_brands(org: Org) -> sa.Select[tuple[OrgBrand]]:
    return scoped(OrgBrand, org).order_by(OrgBrand.name)


# ---- tax regions ---------------------------------------------------------------------------

def create_region(org: Org, *, name: str, country_code: str, subdivision_code: str | None = None,
                  by: OrgEmployee) -> OrgRegion:
    """The org's tax region for a country (or one subdivision of it), created if missing (idempotent)."""
    authorize(by, org, "org_settings")
    country_code = check_region_country(country_code)
    subdivision_code = check_region_subdivision(country_code, subdivision_code)
    subdivision_filter = (
        OrgRegion.subdivision_code.is_(None) if subdivision_code is None
        else OrgRegion.subdivision_code == subdivision_code
    )
    region = db.session.scalar(
        scoped(OrgRegion, org).where(OrgRegion.country_code == country_code, subdivision_filter)
    )
    if region is not None:
        return region
    region = OrgRegion(org_id=org.id, name=_name(name), country_code=country_code,
                       subdivision_code=subdivision_code)
    db.session.add(region)
    db.session.flush()
    audit_change(region, action="region.created", by=by, fields=REGION_FIELDS)
    return region


def check_region_country(country_code: str | None) -> str:
    """A region's country: the code of a country of the platform registry (upper-cased)."""
    country_code = (country_code or "").strip().upper()
    if not country_code or db.session.get(Country, country_code) is None:
        raise ValidationError(_("Unknown country: %(code)s.", code=country_code))
    return country_code


def check_region_subdivision(country_code: str, subdivision_code: str | None) -> str | None:
    """A region's subdivision of ``country_code`` as an ISO 3166-2 code (``ny`` -> ``US-NY``), or None."""
    subdivision_code = normalize_subdivision(country_code, subdivision_code)
    if subdivision_code is not None and not SUBDIVISION_RE.match(subdivision_code):
        raise ValidationError(_("Enter the subdivision as an ISO 3166-2 code such as US-NY."))
    if subdivision_code is not None and not subdivision_code.startswith(f"{country_code}-"):
        raise ValidationError(_("%(sub)s is not a subdivision of %(code)s.", sub=subdivision_code,
                                code=country_code))
    return subdivision_code


def normalize_subdivision(country_code: str, subdivision_code: str | None) -> str | None:
    """``("US", "ny")`` -> ``"US-NY"``; empty -> None. A code of another country stays as given."""
    code = (subdivision_code or "").strip().upper()
    if not code:
        return None
    if "-" not in code:
        code = f"{country_code.upper()}-{code}"
    return code


def list_regions(org: Org) -> sa.Select[tuple[OrgRegion]]:
    return scoped(OrgRegion, org).order_by(OrgRegion.country_code, OrgRegion.subdivision_code.nulls_first())


# ---- markets -------------------------------------------------------------------------------

@contextmanager
def _on_field(name: str) -> Iterator[None]:
    """A refusal raised inside belongs to the form field ``name`` (unless it already names one)."""
    try:
        yield
    except ValidationError as exc:
        if exc.field is None:
            exc.field = name
        raise


@dataclass(frozen=True)
class _MarketParts:
    """A market's checked input: its columns and its locales, countries (with overrides) and hosts."""

    slug: str
    name: str
    type: str
    currency_code: str
    default_locale_key: str
    locales: list[str]
    countries: list[str]
    overrides: dict[str, str]
    hosts: list[str]
    brand_id: str | None


def _check_market(org: Org, market: OrgMarket | None, *, slug: str, name: str, type: str, currency_code: str,
                  default_locale_key: str, locale_keys: Iterable[str], country_codes: Iterable[str],
                  country_locale_overrides: Mapping[str, str] | None, brand: OrgBrand | None,
                  domains: Iterable[str], active: bool) -> _MarketParts:
    """Every rule of a market's input, for a new market (``market`` None) and an edited one; each
    refusal names its field (``ValidationError.field``: name, slug, type, currency_code, locales,
    default_locale_key, countries, brand, domains)."""
    with _on_field("name"):
        name = _name(name)
    with _on_field("slug"):
        slug = _slug(slug)
        _check_market_slug_free(org, slug, market)
    if type not in MARKET_TYPES:
        raise ValidationError(_("Choose a market type from the list."), field="type")
    with _on_field("currency_code"):
        currency_code = _active_currency(currency_code)
    locales = _market_locales(org, locale_keys, default_locale_key)
    with _on_field("countries"):
        countries = _market_countries(country_codes, type)
        overrides = _country_locales(country_locale_overrides, countries, locales)
        if active:
            _check_countries_free(org, countries, market)
    if brand is not None:
        with _on_field("brand"):
            ensure_same_org(brand, org)
    with _on_field("domains"):
        hosts = _free_hosts(domains, market)
    return _MarketParts(slug=slug, name=name, type=type, currency_code=currency_code,
                        default_locale_key=default_locale_key, locales=locales, countries=countries,
                        overrides=overrides, hosts=hosts, brand_id=brand.id if brand is not None else None)


def create_market(org: Org, *, slug: str, name: str, type: str, currency_code: str, default_locale_key: str,
                  locale_keys: Iterable[str], country_codes: Iterable[str] = (),
                  country_locale_overrides: Mapping[str, str] | None = None, tax_inclusive: bool = False,
                  brand: OrgBrand | None = None, domains: Iterable[str] = (), by: OrgEmployee) -> OrgMarket:
    """Create a market with its countries, locales (in the given order) and domains.

    A market sells (it is created active), so it needs at least one country: the checkout asks
    the buyer for one of them and taxes by it. The locales must be active locales of the org and
    include the default; country overrides must name a country of the market and one of its
    locales; a ``single_country`` market has exactly one country, and no country may be in
    another active market of the org (a buyer's country picks one market). The first domain is
    the primary one; a domain serves one market of one org. ``by`` needs ``org_settings``.
    """
    authorize(by, org, "org_settings")
    parts = _check_market(org, None, slug=slug, name=name, type=type, currency_code=currency_code,
                          default_locale_key=default_locale_key, locale_keys=locale_keys,
                          country_codes=country_codes, country_locale_overrides=country_locale_overrides,
                          brand=brand, domains=domains, active=True)
    market = OrgMarket(
        org_id=org.id, slug=parts.slug, name=parts.name, type=parts.type, currency_code=parts.currency_code,
        default_locale_key=parts.default_locale_key, tax_inclusive=bool(tax_inclusive),
        brand_id=parts.brand_id, is_active=True,
    )
    _add_market_parts(market, parts.locales, parts.countries, parts.overrides, parts.hosts)
    db.session.add(market)
    _flush_market()
    audit_change(market, action="market.created", by=by, fields=MARKET_FIELDS,
                 extra={"locales": parts.locales, "countries": parts.countries, "domains": parts.hosts})
    return market


def update_market(market: OrgMarket, *, slug: str, name: str, type: str, currency_code: str,
                  default_locale_key: str, locale_keys: Iterable[str], country_codes: Iterable[str],
                  country_locale_overrides: Mapping[str, str] | None = None, tax_inclusive: bool = False,
                  brand: OrgBrand | None = None, domains: Iterable[str] = (), is_active: bool = True,
                  by: OrgEmployee) -> OrgMarket:
    """Change a market: the same rules as ``create_market`` (an inactive market may share its
    countries with an active one; activating it again checks them). Locales, countries and
    domains are replaced by the given ones (rows that stay are kept, so nothing that refers to
    them is lost). ``by`` needs ``org_settings``."""
    org = db.session.get(Org, market.org_id)
    authorize(by, org, "org_settings")
    parts = _check_market(org, market, slug=slug, name=name, type=type, currency_code=currency_code,
                          default_locale_key=default_locale_key, locale_keys=locale_keys,
                          country_codes=country_codes, country_locale_overrides=country_locale_overrides,
                          brand=brand, domains=domains, active=bool(is_active))
    before = snapshot(market, AUDITED_MARKET_FIELDS)
    market.slug, market.name, market.type = parts.slug, parts.name, parts.type
    market.currency_code, market.default_locale_key = parts.currency_code, parts.default_locale_key
    market.tax_inclusive, market.brand_id, market.is_active = bool(tax_inclusive), parts.brand_id, bool(is_active)
    _replace_market_parts(market, parts)
    _flush_market()
    audit_change(market, action="market.updated", by=by, fields=AUDITED_MARKET_FIELDS, before=before)
    return market


def _flush_market() -> None:
    """Flush a market; a unique row written meanwhile by another request (same slug or domain) is a
    refusal on the form, not a 500 (the caller rolls back)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise ValidationError(_("Another change to the markets was saved at the same moment. "
                                "Check the market and save it again.")) from exc


def _check_market_slug_free(org: Org, slug: str, market: OrgMarket | None = None) -> None:
    stmt = scoped(OrgMarket, org).where(OrgMarket.slug == slug)
    if market is not None:
        stmt = stmt.where(OrgMarket.id != market.id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("A market with this address already exists."))


def _active_currency(currency_code: str) -> str:
    """The upper-cased code of an active currency."""
    return active_currency(currency_code, _("Unknown currency: %(code)s.", code=currency_code))


def _market_locales(org: Org, locale_keys: Iterable[str], default_locale_key: str) -> list[str]:
    """The market's locales in the given order (without repeats): active locales of the org,
    the default among them."""
    locales = list(dict.fromkeys(locale_keys))
    if not locales:
        raise ValidationError(_("Choose at least one language for the market."), field="locales")
    org_locales = set(db.session.scalars(
        sa.select(OrgLocale.locale_key).where(OrgLocale.org_id == org.id, OrgLocale.is_active.is_(True))
    ))
    missing = [k for k in locales if k not in org_locales]
    if missing:
        raise ValidationError(_("The organization does not offer these languages: %(keys)s.",
                                keys=", ".join(missing)), field="locales")
    if default_locale_key not in locales:
        raise ValidationError(_("The default language must be one of the market's languages."),
                              field="default_locale_key")
    return locales


def _market_countries(country_codes: Iterable[str], type: str) -> list[str]:
    """The market's countries (upper-cased, without blanks or repeats): at least one, all active,
    exactly one for a ``single_country`` market."""
    countries = list(dict.fromkeys(code for code in ((c or "").strip().upper() for c in country_codes) if code))
    if not countries:
        raise ValidationError(_("Choose at least one country the market sells to."))
    known = set(db.session.scalars(
        sa.select(Country.code).where(Country.code.in_(countries), Country.is_active.is_(True))
    ))
    unknown = [c for c in countries if c not in known]
    if unknown:
        raise ValidationError(_("Unknown country: %(code)s.", code=", ".join(unknown)))
    if type == "single_country" and len(countries) != 1:
        raise ValidationError(_("A single-country market needs exactly one country."))
    return countries


def _check_countries_free(org: Org, countries: list[str], market: OrgMarket | None) -> None:
    """None of ``countries`` is in another active market of the org: a buyer's country picks one
    market (and its prices and tax display)."""
    stmt = (sa.select(OrgMarketCountry.country_code, OrgMarket.name)
            .join(OrgMarket, OrgMarket.id == OrgMarketCountry.market_id)
            .where(OrgMarket.org_id == org.id, OrgMarket.is_active.is_(True),
                   OrgMarketCountry.country_code.in_(countries))
            .order_by(OrgMarketCountry.country_code))
    if market is not None and market.id is not None:
        stmt = stmt.where(OrgMarket.id != market.id)
    taken = db.session.execute(stmt).first()
    if taken is not None:
        raise ValidationError(_("%(code)s is already in the active market “%(market)s”.",
                                code=taken.country_code, market=taken.name))


def _country_locales(country_locale_overrides: Mapping[str, str] | None, countries: list[str],
                     locales: list[str]) -> dict[str, str]:
    """``{country: locale}`` overrides, each a country of the market and one of its locales."""
    overrides = {(k or "").strip().upper(): v for k, v in (country_locale_overrides or {}).items() if v}
    for country, locale_key in overrides.items():
        if country not in countries:
            raise ValidationError(_("%(code)s is not one of the market's countries.", code=country))
        if locale_key not in locales:
            raise ValidationError(_("The language for %(code)s must be one of the market's languages.",
                                    code=country))
    return overrides


def _free_hosts(domains: Iterable[str], market: OrgMarket | None = None) -> list[str]:
    """The normalized host names (without blanks or repeats), each valid and not used by any
    other market of any org."""
    hosts = list(dict.fromkeys(h for h in (normalize_host(h) for h in domains) if h))
    for host in hosts:
        if len(host) > 253 or not HOST_RE.match(host):
            raise ValidationError(_("%(host)s is not a valid domain name.", host=host))
    if hosts:
        stmt = sa.select(OrgMarketDomain.host).where(OrgMarketDomain.host.in_(hosts))
        if market is not None and market.id is not None:
            stmt = stmt.where(OrgMarketDomain.market_id != market.id)
        taken = list(db.session.scalars(stmt))
        if taken:
            raise ValidationError(_("The domain %(host)s is already in use.", host=", ".join(sorted(taken))))
    return hosts


def _add_market_parts(market: OrgMarket, locales: list[str], countries: list[str], overrides: dict[str, str],
                      hosts: list[str]) -> None:
    """The market's locales (in order), countries (with their locale overrides) and domains (the
    first one primary)."""
    for position, key in enumerate(locales):
        market.locales.append(OrgMarketLocale(org_id=market.org_id, locale_key=key, sort_order=position))
    # Appended in the relationships' own order, so the new market reads the same as a reloaded one.
    for country in sorted(countries):
        market.countries.append(
            OrgMarketCountry(org_id=market.org_id, country_code=country, default_locale_key=overrides.get(country))
        )
    for position, host in enumerate(hosts[:1] + sorted(hosts[1:])):
        market.domains.append(OrgMarketDomain(org_id=market.org_id, host=host, is_primary=position == 0))


def _replace_market_parts(market: OrgMarket, parts: _MarketParts) -> None:
    """Make the market's locales, countries and domains the given ones: rows that stay are updated
    in place (a unique key is never deleted and inserted again in one flush), the others removed
    or added."""
    kept_locales = {row.locale_key: row for row in market.locales}
    for row in list(market.locales):
        if row.locale_key not in parts.locales:
            market.locales.remove(row)
    for position, key in enumerate(parts.locales):
        row = kept_locales.get(key)
        if row is None:
            market.locales.append(OrgMarketLocale(org_id=market.org_id, locale_key=key, sort_order=position))
        else:
            row.sort_order = position
    kept_countries = {row.country_code: row for row in market.countries}
    for row in list(market.countries):
        if row.country_code not in parts.countries:
            market.countries.remove(row)
    for country in sorted(parts.countries):
        row = kept_countries.get(country)
        if row is None:
            market.countries.append(OrgMarketCountry(org_id=market.org_id, country_code=country,
                                                     default_locale_key=parts.overrides.get(country)))
        else:
            row.default_locale_key = parts.overrides.get(country)
    kept_hosts = {row.host: row for row in market.domains}
    for row in list(market.domains):
        if row.host not in parts.hosts:
            market.domains.remove(row)
    for position, host in enumerate(parts.hosts[:1] + sorted(parts.hosts[1:])):
        row = kept_hosts.get(host)
        if row is None:
            market.domains.append(OrgMarketDomain(org_id=market.org_id, host=host, is_primary=position == 0))
        else:
            row.is_primary = position == 0


def get_market(org: Org, slug: str, *, active_only: bool = True) -> OrgMarket | None:
    stmt = scoped(OrgMarket, org).where(OrgMarket.slug == (slug or "").strip().lower())
    if active_only:
        stmt = stmt.where(OrgMarket.is_active.is_(True))
    return db.session.scalar(stmt)


def list_markets(org: Org, *, active_only: bool = False) -> sa.Select[tuple[OrgMarket]]:
    stmt = scoped(OrgMarket, org).order_by(OrgMarket.name)
    if active_only:
        stmt = stmt.where(OrgMarket.is_active.is_(True))
    return stmt


def market_for_host(host: str | None) -> OrgMarket | None:
    """The active market (of an active org) a host name serves directly, if any."""
    host = normalize_host(host)
    if not host:
        return None
    return db.session.scalar(
        sa.select(OrgMarket)
        .join(OrgMarketDomain, OrgMarketDomain.market_id == OrgMarket.id)
        .join(Org, Org.id == OrgMarket.org_id)
        .where(OrgMarketDomain.host == host, OrgMarket.is_active.is_(True), Org.is_active.is_(True))
    )


def list_public_storefronts() -> list[tuple[Org, list[tuple[OrgMarket, str]]]]:
    """Active orgs with their active markets and each market's storefront path ``/<org>/<market>/``."""
    rows = db.session.execute(
        sa.select(Org, OrgMarket)
        .join(OrgMarket, OrgMarket.org_id == Org.id)
        .where(Org.is_active.is_(True), OrgMarket.is_active.is_(True))
        .order_by(Org.name, Org.slug, OrgMarket.name, OrgMarket.slug)
    ).all()
    result: list[tuple[Org, list[tuple[OrgMarket, str]]]] = []
    for org, market in rows:
        if not result or result[-1][0] is not org:
            result.append((org, []))
        result[-1][1].append((market, f"/{org.slug}/{market.slug}/"))
    return result
