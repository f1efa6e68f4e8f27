"""The catalog page's body and results written in Python (app.catalog.catalog_html, issue 15) are the
HTML the Jinja templates wrote (kept here: catalog_body_jinja.html was catalog/_catalog_body.html,
results_jinja.html catalog/_results.html, results_part_jinja.html catalog/_results_part.html and
clear_filters_jinja.html catalog/_clear_filters.html): cards or none, one page or several (first,
middle, last), "more than" counts, filters in the pagination URLs, a brand's tagline or none, the
htmx fragment with its out-of-band "Clear filters", escaping, in several languages."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import flask_babel
import pytest
from flask import g
from markupsafe import Markup

from app.catalog import catalog_html
from app.catalog.cards_html import product_cards
from app.catalog.filters_html import catalog_filters
from app.catalog.models import PRODUCT_TYPES
from app.catalog.queries import SORTS, CatalogFilters, CatalogPage
from app.courses.models import COURSE_LEVELS
from tests.catalog.test_cards_html import CARDS

_HERE = Path(__file__).parent
_BODY = (_HERE / "catalog_body_jinja.html").read_text()
_RESULTS = (_HERE / "results_jinja.html").read_text()
_CLEAR = (_HERE / "clear_filters_jinja.html").read_text().removesuffix("\n")  # as Jinja reads a template
# The fragment's include of "Clear filters" (a template no more) as the included template wrote it.
_PART = (_HERE / "results_part_jinja.html").read_text().replace('{% include "catalog/_clear_filters.html" %}', _CLEAR)

FACETS = {"collections": [("data", "Data & <Science>")], "skills": [("py", 'Python "3"')]}
FILTERS = [
    CatalogFilters(),
    CatalogFilters(q='<b>"x" & y', type="course", collection="data", level="advanced", min_price=Decimal("10"),
                   max_price=Decimal("99.50"), sort="price_asc", page=2),
    CatalogFilters(skill="py", sort="name", page=3),
]
PAGES = [
    CatalogPage(cards=CARDS, total=4, page=1, per_page=12),
    CatalogPage(cards=[], total=0, page=1, per_page=12),
    CatalogPage(cards=CARDS[:1], total=1, page=1, per_page=12),
    CatalogPage(cards=CARDS, total=40, page=1, per_page=4),
    CatalogPage(cards=CARDS, total=40, page=5, per_page=4),
    CatalogPage(cards=CARDS[:2], total=38, page=10, per_page=4),
    CatalogPage(cards=CARDS, total=1000, page=7, per_page=12, more=True),
    CatalogPage(cards=[], total=1000, page=9999, per_page=12, more=True),
]
BRANDS = [None, SimpleNamespace(tagline=None), SimpleNamespace(tagline='Learn <fast> & "well"')]


def _storefront(locale: str, brand) -> SimpleNamespace:
    return SimpleNamespace(org_slug="shop", market_slug="eu", default_locale=locale, currency_code="EUR",
                           tax_inclusive=locale != "en", display_name="Shop & <Co>", brand=brand)


@pytest.mark.parametrize("locale", ["en", "de", "fr"])
def test_the_body_and_results_written_in_python_are_the_templates_html(app, locale):
    env = app.jinja_env
    with app.test_request_context(f"/shop/eu/{locale}/"), flask_babel.force_locale(locale):
        for brand in BRANDS:
            storefront = _storefront(locale, brand)
            g.storefront, g.locale = storefront, locale
            for filters in FILTERS:
                for page in PAGES:
                    context = dict(page=page, filters=filters, g=g, product_cards=product_cards)
                    results = env.from_string(_RESULTS).render(context)
                    written = catalog_html.catalog_results(page, filters, storefront)
                    assert written == results
                    body = env.from_string(_BODY).render(
                        g=g, filters=filters, facets=FACETS, product_types=PRODUCT_TYPES, course_levels=COURSE_LEVELS,
                        sorts=SORTS, catalog_filters=catalog_filters,
                        cached_include=lambda _key, _name, _load, results=results: Markup(results))
                    assert catalog_html.catalog_body(storefront, filters, FACETS, PRODUCT_TYPES, COURSE_LEVELS, SORTS,
                                                     written) == body
                    part = env.from_string(_PART).render(
                        filters=filters, oob_clear=True, cached_include=lambda *_args, results=results: Markup(results))
                    assert catalog_html.results_fragment(written, filters) == part
