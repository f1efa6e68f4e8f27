"""The catalog's filter form written in Python (app.catalog.filters_html, issue 15) is the HTML the
template wrote: every filter chosen or not, facets present or absent, values escaped, in each
language."""

from __future__ import annotations

from decimal import Decimal

import flask_babel
import pytest

from app.catalog import filters_html
from app.catalog.models import PRODUCT_TYPES
from app.catalog.queries import SORTS, CatalogFilters
from app.courses.models import COURSE_LEVELS

# The form as catalog/_catalog_body.html wrote it before app.catalog.filters_html took it over (its
# URL passed in, and "Clear filters" included as catalog/_clear_filters.html wrote it).
_FORM = """<details class="filters-panel" data-open-from="48rem">
  <summary class="filters-toggle">{{ ic.icon("filter") }} {{ _("Filters") }}</summary>
  {% set catalog_url = the_url -%}
  <form id="catalog-filters" class="filters card" method="get" action="{{ catalog_url }}"
        role="search"
        data-hx-get="{{ catalog_url }}" data-hx-target="#results" data-hx-swap="outerHTML"
        data-hx-trigger="change, input changed delay:350ms from:#filter-q, submit"
        data-hx-indicator="#results">
    <div class="field">
      <label for="filter-q">{{ _("Search") }}</label>
      <input id="filter-q" type="search" name="q" value="{{ filters.q }}" placeholder="{{ _('Search courses and products') }}">
    </div>
    <div class="field">
      <label for="filter-type">{{ _("Type") }}</label>
      <select id="filter-type" name="type">
        <option value="">{{ _("All types") }}</option>
        {% for t in product_types %}<option value="{{ t }}" {% if filters.type == t %}selected{% endif %}>{{ t|product_type_label }}</option>{% endfor %}
      </select>
    </div>
    {% if facets.collections %}
    <div class="field">
      <label for="filter-collection">{{ _("Collection") }}</label>
      <select id="filter-collection" name="collection">
        <option value="">{{ _("All collections") }}</option>
        {% for slug, name in facets.collections %}<option value="{{ slug }}" {% if filters.collection == slug %}selected{% endif %}>{{ name }}</option>{% endfor %}
      </select>
    </div>
    {% endif %}
    {% if facets.skills %}
    <div class="field">
      <label for="filter-skill">{{ _("Skill") }}</label>
      <select id="filter-skill" name="skill">
        <option value="">{{ _("All skills") }}</option>
        {% for slug, name in facets.skills %}<option value="{{ slug }}" {% if filters.skill == slug %}selected{% endif %}>{{ name }}</option>{% endfor %}
      </select>
    </div>
    {% endif %}
    <div class="field">
      <label for="filter-level">{{ _("Course level") }}</label>
      <select id="filter-level" name="level">
        <option value="">{{ _("Any level") }}</option>
        {% for lvl in course_levels %}<option value="{{ lvl }}" {% if filters.level == lvl %}selected{% endif %}>{{ lvl|level_label }}</option>{% endfor %}
      </select>
    </div>
    <fieldset class="field price-range">
      <legend>{{ _("Price (%(currency)s)", currency=g.storefront.currency_code) }}</legend>
      <div class="row">
        <input type="number" min="0" step="any" name="min_price" aria-label="{{ _('Minimum price') }}" placeholder="{{ _('min') }}" value="{{ filters.min_price if filters.min_price is not none else '' }}">
        <input type="number" min="0" step="any" name="max_price" aria-label="{{ _('Maximum price') }}" placeholder="{{ _('max') }}" value="{{ filters.max_price if filters.max_price is not none else '' }}">
      </div>
    </fieldset>
    <div class="field">
      <label for="filter-sort">{{ _("Sort by") }}</label>
      <select id="filter-sort" name="sort">
        {% for s in sorts %}<option value="{{ s }}" {% if filters.sort == s %}selected{% endif %}>{{ s|sort_label }}</option>{% endfor %}
      </select>
    </div>
    <button type="submit">{{ _("Apply filters") }}</button>
    {{ "" }}
<span id="clear-filters" class="clear-filters"{% if oob_clear %} data-hx-swap-oob="true"{% endif %}>{% if filters.active %}<a href="{{ the_url }}">{{ _("Clear filters") }}</a>{% endif %}</span>
  </form>
  </details>"""

URL = "/shop/eu/de/?a=1&b=<2>"
FACETS = {"collections": [("data", "Data & <Science>"), ("best", "Bestsellers")],
          "skills": [("py", 'Python "3"'), ("sql", "SQL")]}


@pytest.mark.parametrize("locale", ["en", "de", "fr", "es"])
@pytest.mark.parametrize(("filters", "facets"), [
    (CatalogFilters(), FACETS),
    (CatalogFilters(), {}),
    (CatalogFilters(q='<b>"x" & y', type="course", collection="best", skill="py", level="advanced",
                    min_price=Decimal("10"), max_price=Decimal("99.50"), sort="price_asc"), FACETS),
    (CatalogFilters(q="", type="bundle", collection="none-such", min_price=Decimal("0")), {"skills": FACETS["skills"]}),
])
def test_the_form_written_in_python_is_the_template_s_html(app, monkeypatch, locale, filters, facets):
    monkeypatch.setattr(filters_html, "url_for", lambda endpoint: URL)
    with app.test_request_context("/"), flask_babel.force_locale(locale):
        expected = app.jinja_env.from_string(_FORM).render(
            filters=filters, facets=facets, product_types=PRODUCT_TYPES, course_levels=COURSE_LEVELS, sorts=SORTS,
            g={"storefront": {"currency_code": "EUR"}}, the_url=URL)
        written = filters_html.catalog_filters(filters, facets, PRODUCT_TYPES, COURSE_LEVELS, SORTS, "EUR")
    assert written == expected
