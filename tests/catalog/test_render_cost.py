"""What keeps an uncached storefront page cheap to render (issue 15): the translations are looked up
once per request, no template imports a macro module or includes a part per card, and the fast
filters format exactly as Flask-Babel does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import flask_babel
import pytest
import pytz
from flask import g
from jinja2.environment import Environment, Template

from app.web import labels
from tests.catalog.test_storefront import world  # noqa: F401  (the storefront fixture)

pytestmark = pytest.mark.module_data  # the world is built once for the module

PAGES = ["/shop/us/en/", "/shop/eu/de/?sort=price_asc", "/shop/eu/de/products/data-science"]


@pytest.fixture
def counted(monkeypatch):
    """Counts of the calls that made storefront pages slow: macro imports, template lookups (one
    per include) and Flask-Babel translation lookups."""
    counts = {"imports": 0, "templates": 0, "translations": 0}

    def counting(name, original):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(Template, "_get_default_module", counting("imports", Template._get_default_module))
    monkeypatch.setattr(Environment, "get_template", counting("templates", Environment.get_template))
    monkeypatch.setattr(labels, "get_translations", counting("translations", labels.get_translations))
    return counts


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("path", PAGES)
def test_a_storefront_page_imports_no_macro_module_and_translates_through_one_lookup(client, counted, path):
    client.get(path)  # warm-up
    for key in counted:
        counted[key] = 0
    response = client.get(path)
    assert response.status_code == 200
    assert counted["imports"] == 0, "a template imports a macro module: use the ic/im globals"
    assert counted["translations"] == 1  # the request's translations, looked up once
    assert counted["templates"] <= 16, counted  # the layout's parts and one per offer on a product page


@pytest.mark.usefixtures("world")
def test_the_catalog_renders_each_card_without_a_template_of_its_own(client, counted):
    client.get("/shop/us/en/")
    counted["templates"] = 0
    one = client.get("/shop/us/en/?type=digital_download")
    one_card = counted["templates"]
    counted["templates"] = 0
    several = client.get("/shop/us/en/")
    assert one.get_data(as_text=True).count('class="card product-card"') == 1
    assert several.get_data(as_text=True).count('class="card product-card"') == 3
    assert counted["templates"] == one_card


@pytest.mark.parametrize("locale", ["en", "de", "fr"])
def test_the_fast_filters_format_as_flask_babel_does(app, locale):
    env = app.jinja_env
    with app.test_request_context("/"), flask_babel.force_locale(locale):
        for amount, currency in ((Decimal("1234.5"), "EUR"), (Decimal("49"), "USD"), (Decimal("0.105"), "JPY")):
            assert env.filters["money"](amount, currency) == flask_babel.format_currency(
                Decimal(amount).quantize(Decimal(1).scaleb(-(0 if currency == "JPY" else 2)), rounding="ROUND_HALF_UP"),
                currency)
        for number in (4.5, 4, Decimal("3.25"), 1234567.891):
            assert env.filters["number"](number) == flask_babel.format_decimal(number)
        moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        for value in (date(2026, 12, 2), moment, moment.replace(tzinfo=None)):
            for fmt in ("medium", "long", "short"):
                assert env.filters["date"](value, fmt) == flask_babel.format_date(value, fmt)
        for zone in ("America/New_York", "Asia/Kolkata"):  # a moment's day in the user's timezone
            flask_babel.get_timezone()
            g._flask_babel.babel_tzinfo = pytz.timezone(zone)
            for value in (moment, moment.replace(tzinfo=None), datetime(2026, 3, 2, 3, 0, tzinfo=UTC)):
                assert env.filters["date"](value) == flask_babel.format_date(value)
        rendered = env.from_string('{{ _("Catalog") }}|{{ ngettext("%(num)d product", "%(num)d products", 3) }}'
                                   '|{{ _("from %(price)s", price="<b>") }}').render()
        assert rendered == "|".join([flask_babel.gettext("Catalog"), flask_babel.ngettext("%(num)d product", "%(num)d products", 3),
                                     flask_babel.gettext("from %(price)s", price="&lt;b&gt;")])


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("path", ["/shop/us/en/", "/shop/eu/de/?sort=price_asc&type=course", "/shop/eu/de/?q=data"])
def test_the_catalog_runs_its_statements_without_the_orm_execution_layer(client, monkeypatch, path):
    """The listing and the filter choices are plain rows of prebuilt statements (app.db.plain_rows):
    the ORM session's execute (its execution layers and cache key) was a quarter of an uncached
    catalog page."""
    from sqlalchemy.orm import Session

    from app.catalog import queries

    client.get(path)  # warm-up (statements built)
    executed = []
    original = Session.execute
    monkeypatch.setattr(Session, "execute", lambda self, *args, **kwargs: executed.append(args[0]) or original(self, *args, **kwargs))
    for name in ("catalog_page", "facets"):
        monkeypatch.setattr(queries, name, _outside_execute(getattr(queries, name), executed))
    response = client.get(path)
    assert response.status_code == 200 and 'class="card product-card"' in response.get_data(as_text=True)
    assert [statement for statement in executed if statement == "inside"] == []


def _outside_execute(function, executed):
    """``function`` noting "inside" for each ORM execute it makes."""
    def wrapper(*args, **kwargs):
        before = len(executed)
        try:
            return function(*args, **kwargs)
        finally:
            executed[before:] = ["inside"] * (len(executed) - before)
    return wrapper


def test_label_filters_and_plurals_are_worked_out_once_per_locale_and_read_as_flask_babel_gives_them(app, monkeypatch):
    named = []
    original = labels.label
    monkeypatch.setattr(labels, "label", lambda mapping, value: named.append(value) or original(mapping, value))
    with app.test_request_context("/"), flask_babel.force_locale("de"):
        rendered = app.jinja_env.from_string(
            '{{ "course"|product_type_label }}|{{ "course"|product_type_label }}'
            '|{{ ngettext("%(num)d review", "%(num)d reviews", 2) }}|{{ _("Page %(page)d of %(pages)d", page=2, pages=3) }}'
        ).render()
        assert rendered == "|".join([str(labels.PRODUCT_TYPES["course"])] * 2 + [
            flask_babel.ngettext("%(num)d review", "%(num)d reviews", 2),
            flask_babel.gettext("Page %(page)d of %(pages)d", page=2, pages=3)])
    assert len(named) <= 1  # the second "course" (and any later page's) is not named again
