"""Markets in the dashboard (``/dashboard/<org>/settings/markets``, admins: ``org_settings``,
DESIGN.md §3): the list, a new market, and a market's page (its form, and what it sells and lacks).

The rules are app.markets.services (create_market, update_market): each refusal names its field,
and the form shows it there with everything typed kept. A market's countries are one checkbox
each, with an optional language for visitors from that country (``country_locale-<code>``), so
the page works without JavaScript. What a market sells and lacks is app.catalog.queries
(``market_assortment``: the storefront's own rule, one query); each product links to its price
matrix.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.catalog import services as catalog_services
from app.catalog.queries import market_assortment
from app.errors import DomainError
from app.extensions import db
from app.markets import services as market_services
from app.markets.models import MARKET_TYPES, OrgBrand, OrgMarket
from app.orgs.models import OrgLocale
from app.orgs.permissions import require
from app.orgs.services import get_or_404, scoped
from app.platform.models import Country, Currency
from app.staff.blueprint import bp
from app.web import labels
from app.web.htmx import redirect, render
from app.web.inputs import Form

DOMAIN_SPLIT = re.compile(r"[\s,]+")


class MarketForm(Form):
    """A market's fields. Choices are the org's (locales, brands) and the platform's (currencies,
    countries); the services decide what may be chosen, so their messages show on the fields."""

    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Enter a name.")), Length(max=100)],
                       render_kw={"maxlength": 100})
    slug = StringField(_l("Address in the storefront URL"),
                       validators=[InputRequired(message=_l("Enter an address such as japan."))],
                       render_kw={"maxlength": 50, "autocomplete": "off"})
    type = SelectField(_l("Type"), choices=[SelectChoice(t, labels.MARKET_TYPES[t]) for t in MARKET_TYPES],
                       validate_choice=False)
    currency_code = SelectField(_l("Currency"), validate_choice=False,
                                validators=[InputRequired(message=_l("Choose a currency."))])
    brand = SelectField(_l("Brand"), default="")
    locales = SelectMultipleField(_l("Languages"), choices=[], validate_choice=False,
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    default_locale_key = SelectField(_l("Default language"), validate_choice=False,
                                     validators=[InputRequired(message=_l("Choose the default language."))])
    countries = SelectMultipleField(_l("Countries"), choices=[], validate_choice=False)
    domains = TextAreaField(_l("Domains (optional)"), render_kw={"rows": 2, "autocomplete": "off"})
    tax_inclusive = BooleanField(_l("Prices include tax"))
    is_active = BooleanField(_l("Active (the storefront is open)"), default=True)


def _admin():
    require(g.employee, "org_settings")
    return g.staff_org


def _org_locales(org) -> list[str]:
    return list(db.session.scalars(
        sa.select(OrgLocale.locale_key).where(OrgLocale.org_id == org.id, OrgLocale.is_active.is_(True))
        .order_by(OrgLocale.is_default.desc(), OrgLocale.locale_key)))


def _countries() -> list[tuple[str, str]]:
    """The platform's active countries as (code, name in the viewer's language), by name."""
    codes = db.session.scalars(sa.select(Country.code).where(Country.is_active.is_(True))).all()
    return sorted(((code, labels.country_name(code)) for code in codes), key=lambda pair: pair[1])


def _form(org, market: OrgMarket | None, *, posted: bool) -> tuple[MarketForm, dict]:
    """The form (posted, or filled from ``market``) with its choices, and the page's extras: the
    countries and each country's chosen language override."""
    if posted:
        form = MarketForm()
    elif market is None:
        form = MarketForm(formdata=None, data={"type": "single_country", "is_active": True})
    else:
        form = MarketForm(formdata=None, data={
            "name": market.name, "slug": market.slug, "type": market.type, "currency_code": market.currency_code,
            "brand": market.brand_id or "", "locales": market.locale_keys,
            "default_locale_key": market.default_locale_key, "countries": market.country_codes,
            "domains": "\n".join(market.hosts), "tax_inclusive": market.tax_inclusive,
            "is_active": market.is_active,
        })
    locales = _org_locales(org)
    form.locales.choices = [SelectChoice(key, f"{labels.locale_name(key)} ({key})") for key in locales]
    form.default_locale_key.choices = [SelectChoice("", _("Choose a language")),
                                       *(SelectChoice(key, f"{labels.locale_name(key)} ({key})") for key in locales)]
    currencies = db.session.execute(sa.select(Currency.code, Currency.name).where(Currency.is_active.is_(True))
                                    .order_by(Currency.code)).all()
    form.currency_code.choices = [SelectChoice("", _("Choose a currency")),
                                  *(SelectChoice(code, f"{code} · {name}") for code, name in currencies)]
    brands = db.session.execute(sa.select(OrgBrand.id, OrgBrand.name).where(OrgBrand.org_id == org.id)
                                .order_by(OrgBrand.name)).all()
    form.brand.choices = [SelectChoice("", _("No brand")), *(SelectChoice(bid, name) for bid, name in brands)]
    countries = _countries()
    form.countries.choices = [SelectChoice(code, name) for code, name in countries]
    if posted:
        overrides = {code: request.form.get(f"country_locale-{code}", "") for code, _name in countries}
    else:
        overrides = market.country_locale_overrides if market is not None else {}
    return form, {"countries": countries, "overrides": overrides, "locales": locales}


def _values(form: MarketForm, extras: dict) -> dict:
    chosen = set(form.countries.data or [])
    return {
        "name": form.name.data, "slug": form.slug.data, "type": form.type.data,
        "currency_code": form.currency_code.data, "default_locale_key": form.default_locale_key.data,
        "locale_keys": form.locales.data or [], "country_codes": form.countries.data or [],
        "country_locale_overrides": {c: v for c, v in extras["overrides"].items() if v and c in chosen},
        "domains": [d for d in DOMAIN_SPLIT.split(form.domains.data or "") if d],
        "tax_inclusive": bool(form.tax_inclusive.data),
    }


def _brand(org, form: MarketForm) -> OrgBrand | None:
    return get_or_404(OrgBrand, org, form.brand.data) if form.brand.data else None


@bp.get("/settings/markets")
def markets():
    org = _admin()
    rows = db.session.scalars(
        scoped(OrgMarket, org).options(selectinload(OrgMarket.countries), selectinload(OrgMarket.locales),
                                       selectinload(OrgMarket.domains), selectinload(OrgMarket.brand))
        .order_by(OrgMarket.is_active.desc(), OrgMarket.name, OrgMarket.id)).all()
    return render("staff/markets.html", markets=rows, type_labels=labels.MARKET_TYPES)


def _save(form, call) -> tuple[OrgMarket | None, int]:
    """Validate ``form`` and run the service ``call``: (the market, 303) after a commit, else (None,
    the status) with the refusal on its field and the session rolled back. Another org's row or a
    missing permission stays a 404/403."""
    if not form.validate():
        return None, 422
    try:
        market = call()
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code in (403, 404):
            raise
        form.show_refusal(exc)
        return None, exc.status_code
    db.session.commit()
    return market, 303


@bp.route("/settings/markets/new", methods=["GET", "POST"])
def market_new():
    org = _admin()
    posted = request.method == "POST"
    form, extras = _form(org, None, posted=posted)
    status = 200
    if posted:
        market, status = _save(form, lambda: market_services.create_market(
            org, **_values(form, extras), brand=_brand(org, form), by=g.employee))
        if market is not None:
            flash(_("The market “%(name)s” was created. Now price your products in it.", name=market.name),
                  "success")
            return redirect(url_for(".market", market_id=market.id))
    return render("staff/market_form.html", form=form, market=None, status=status, **extras)


@bp.route("/settings/markets/<market_id>", methods=["GET", "POST"])
def market(market_id: str):
    org = _admin()
    market = get_or_404(OrgMarket, org, market_id, _("This market does not exist."))
    posted = request.method == "POST"
    form, extras = _form(org, market, posted=posted)
    status = 200
    if posted:
        saved, status = _save(form, lambda: catalog_services.update_market(
            market, **_values(form, extras), brand=_brand(org, form), is_active=bool(form.is_active.data),
            by=g.employee))
        if saved is not None:
            flash(_("The market “%(name)s” was saved.", name=saved.name), "success")
            return redirect(url_for(".market", market_id=saved.id))
        market = get_or_404(OrgMarket, org, market_id)  # reloaded after the rollback
    sold, missing = market_assortment(org.id, market.id)
    return render("staff/market_form.html", form=form, market=market, sold=sold, missing=missing,
                  status=status, **extras)
