"""An org's locales (``org_locale``, DESIGN.md §5): which locales of the platform registry the org
authors content in, and its default. Admins change them (``org_settings``) on the dashboard's
locales page (app/staff/locales.py).

A locale a market of the org uses (one of its locales, its default, or a country's default-locale
override; active markets or not) cannot be removed: the market would offer a locale the org does
not have. The org's default cannot be removed either: choose another default first. The default
is kept twice, on ``org.default_locale_key`` and as the one ``org_locale.is_default`` row; both
change together here.

Lives in ``app.markets`` (not ``app.orgs``) because the removal rule reads the markets.
Every change is audited (entity ``org_locale``, the locale key as the entity id).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.markets.models import OrgMarket, OrgMarketCountry, OrgMarketLocale
from app.orgs.models import Org, OrgEmployee, OrgLocale
from app.orgs.services import audit, authorize
from app.platform.models import Locale


@dataclass(frozen=True)
class OrgLocaleRow:
    """One locale of the org for the page: the registry row, whether it is the default, and the
    names of the markets that use it (empty: it may be removed, unless it is the default)."""

    locale: Locale
    is_default: bool
    markets: tuple[str, ...]


def org_locales(org: Org) -> list[OrgLocaleRow]:
    """The org's locales, the default first, then by key, with the markets using each (2 queries)."""
    rows = db.session.execute(
        sa.select(OrgLocale, Locale).join(Locale, Locale.key == OrgLocale.locale_key)
        .where(OrgLocale.org_id == org.id)
        .order_by(OrgLocale.is_default.desc(), OrgLocale.locale_key)
    ).all()
    used = markets_using(org)
    return [OrgLocaleRow(locale=locale, is_default=row.is_default, markets=tuple(used.get(locale.key, ())))
            for row, locale in rows]


def markets_using(org: Org, locale_key: str | None = None) -> dict[str, list[str]]:
    """``{locale key: [market name, ...]}`` of the org's markets (active or not) that offer a
    locale, default to it, or default a country to it (one query)."""
    offered = sa.select(OrgMarketLocale.locale_key.label("key"), OrgMarketLocale.market_id.label("market_id")) \
        .where(OrgMarketLocale.org_id == org.id)
    defaults = sa.select(OrgMarket.default_locale_key.label("key"), OrgMarket.id.label("market_id")) \
        .where(OrgMarket.org_id == org.id)
    overrides = sa.select(OrgMarketCountry.default_locale_key.label("key"),
                          OrgMarketCountry.market_id.label("market_id")) \
        .where(OrgMarketCountry.org_id == org.id, OrgMarketCountry.default_locale_key.is_not(None))
    uses = sa.union(offered, defaults, overrides).subquery()
    stmt = (sa.select(uses.c.key, OrgMarket.name).join(OrgMarket, OrgMarket.id == uses.c.market_id)
            .distinct().order_by(uses.c.key, OrgMarket.name))
    if locale_key is not None:
        stmt = stmt.where(uses.c.key == locale_key)
    result: dict[str, list[str]] = {}
    for key, name in db.session.execute(stmt):
        result.setdefault(key, []).append(name)
    return result


def addable_locales(org: Org) -> list[Locale]:
    """The active locales of the platform registry the org does not have yet, by key."""
    have = sa.select(OrgLocale.locale_key).where(OrgLocale.org_id == org.id)
    return list(db.session.scalars(
        sa.select(Locale).where(Locale.is_active.is_(True), Locale.key.not_in(have)).order_by(Locale.key)
    ))


def _org_locale(org: Org, locale_key: str | None) -> OrgLocale:
    row = db.session.get(OrgLocale, (org.id, locale_key)) if locale_key else None
    if row is None:
        raise NotFoundError(_("This organization does not have that locale."))
    return row


def _audit(org: Org, action: str, locale_key: str, by: OrgEmployee, data: dict) -> None:
    audit(org, action=action, entity_type="org_locale", entity_id=locale_key, actor_employee=by, data=data)


def add_org_locale(org: Org, locale_key: str | None, *, by: OrgEmployee) -> OrgLocale:
    """Add an active locale of the platform registry to the org (it may then author content in it
    and offer it in markets)."""
    authorize(by, org, "org_settings")
    key = (locale_key or "").strip()
    locale = db.session.get(Locale, key) if key else None
    if locale is None or not locale.is_active:
        raise ValidationError(_("Choose a locale from the list."), field="locale_key")
    if db.session.get(OrgLocale, (org.id, key)) is not None:
        raise ValidationError(_("The organization already has %(locale)s.", locale=locale.name), field="locale_key")
    row = OrgLocale(org_id=org.id, locale_key=key, is_default=False, is_active=True, can_author=True)
    db.session.add(row)
    db.session.flush()
    db.session.expire(org, ["locales"])
    _audit(org, "locale.added", key, by, {"before": {}, "after": {"locale_key": key}})
    return row


def remove_org_locale(org: Org, locale_key: str | None, *, by: OrgEmployee) -> None:
    """Remove a locale from the org: refused (ConflictError, naming the markets) while a market of
    the org uses it, and for the org's default. Content already translated into it stays stored
    (adding the locale again shows it again)."""
    authorize(by, org, "org_settings")
    row = _org_locale(org, locale_key)
    name = row.locale.name
    if row.is_default or org.default_locale_key == row.locale_key:
        raise ConflictError(_("%(locale)s is the organization's default locale. Choose another default "
                              "before removing it.", locale=name))
    markets = markets_using(org, row.locale_key).get(row.locale_key)
    if markets:
        raise ConflictError(_("%(locale)s cannot be removed: it is used by the market(s) %(markets)s. "
                              "Remove it from those markets first.", locale=name, markets=", ".join(markets)))
    key = row.locale_key
    db.session.delete(row)
    db.session.flush()
    db.session.expire(org, ["locales"])
    _audit(org, "locale.removed", key, by, {"before": {"locale_key": key}, "after": {}})


def set_default_org_locale(org: Org, locale_key: str | None, *, by: OrgEmployee) -> OrgLocale:
    """Make one of the org's locales its default (the storefront's last fallback for content and
    for a market's visitors; new content is authored in it)."""
    authorize(by, org, "org_settings")
    row = _org_locale(org, locale_key)
    before = org.default_locale_key
    if before == row.locale_key and row.is_default:
        return row
    db.session.execute(sa.update(OrgLocale).where(OrgLocale.org_id == org.id, OrgLocale.locale_key != row.locale_key)
                       .values(is_default=False).execution_options(synchronize_session="fetch"))
    row.is_default = True
    row.is_active = True
    org.default_locale_key = row.locale_key
    db.session.flush()
    db.session.expire(org, ["locales"])
    _audit(org, "locale.default_set", row.locale_key, by,
           {"before": {"default_locale_key": before}, "after": {"default_locale_key": row.locale_key}})
    return row
