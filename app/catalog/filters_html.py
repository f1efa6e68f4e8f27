"""The catalog's filter form (the ``<details>`` of ``catalog/_catalog_body.html``), rendered in Python.

Every full catalog page draws it, with a select per filter whose options at scale are the org's
collections and skills: in Jinja each option was a loop step, a test, a filter call and escapes,
about a tenth of an uncached catalog page's Python (issue 15). ``catalog_filters`` writes exactly
what the template wrote (as app.catalog.cards_html does for the cards): every value the template
printed with ``{{ }}`` escaped as autoescape does, the labels from the app's own Jinja filters,
translations as the templates' ``_()`` makes them; the words that depend only on the language
(and the options of the fixed lists) are made once per locale.
"""

from __future__ import annotations

from flask import current_app, url_for
from markupsafe import Markup, escape

from app.kept import Kept
from app.web import icons, labels
from app.web.jinja import printed
from app.web.jinja import template_text as _t


class _Words:
    """The form's words in one language, escaped, and its fixed lists' options (``options``: per
    list and selected value)."""

    def __init__(self):
        filters = _t("Filters")  # outside the f-string, where `make translations` finds it
        self.filters = f'{icons.icon("filter")} {filters}'
        self.search = _t("Search")
        self.search_placeholder = _t("Search courses and products")
        self.type = _t("Type")
        self.all_types = _t("All types")
        self.collection = _t("Collection")
        self.all_collections = _t("All collections")
        self.skill = _t("Skill")
        self.all_skills = _t("All skills")
        self.level = _t("Course level")
        self.any_level = _t("Any level")
        self.minimum, self.min = _t("Minimum price"), _t("min")
        self.maximum, self.max = _t("Maximum price"), _t("max")
        self.sort_by = _t("Sort by")
        self.apply = _t("Apply filters")
        self.clear = _t("Clear filters")
        self.options = Kept(1024)
        self.prices = Kept(256)  # currency -> the price range's legend

    def price(self, currency: str) -> str:
        return self.prices.made(currency, lambda: str(_t("Price (%(currency)s)", currency=currency)))

    def fixed(self, values, label_filter: str, selected) -> str:
        """The options of a fixed list (types, levels, sorts), ``selected`` marked."""
        key = (label_filter, tuple(values), selected)
        found = self.options.get(key)
        if found is None:
            label = current_app.jinja_env.filters[label_filter]
            found = self.options.keep(key, _options(((value, label(value)) for value in values), selected))
        return found


_words = labels.per_locale(_Words)


def _options(pairs, selected) -> str:
    return "".join([f'<option value="{printed(value)}" {"selected" if selected == value else ""}>'
                    f'{printed(name)}</option>' for value, name in pairs])


def catalog_filters(filters, facets, product_types, course_levels, sorts, currency: str):
    """The filter form as ``catalog/_catalog_body.html`` wrote it (from ``<details`` to
    ``</details>``), for ``filters`` (``CatalogFilters``) and ``facets`` (``queries.facets``: pairs of slug and name per kind)."""
    words = _words()
    url = escape(url_for("store.catalog.index"))
    out = [
        '<details class="filters-panel" data-open-from="48rem">\n'
        f'  <summary class="filters-toggle">{words.filters}</summary>\n'
        f'  <form id="catalog-filters" class="filters card" method="get" action="{url}"\n'
        '        role="search"\n'
        f'        data-hx-get="{url}" data-hx-target="#results" data-hx-swap="outerHTML"\n'
        '        data-hx-trigger="change, input changed delay:350ms from:#filter-q, submit"\n'
        '        data-hx-indicator="#results">\n'
        '    <div class="field">\n'
        f'      <label for="filter-q">{words.search}</label>\n'
        f'      <input id="filter-q" type="search" name="q" value="{printed(filters.q)}" '
        f'placeholder="{words.search_placeholder}">\n'
        '    </div>\n'
        '    <div class="field">\n'
        f'      <label for="filter-type">{words.type}</label>\n'
        '      <select id="filter-type" name="type">\n'
        f'        <option value="">{words.all_types}</option>\n'
        f'        {words.fixed(product_types, "product_type_label", filters.type)}\n'
        '      </select>\n'
        '    </div>\n'
        '    '
    ]
    if facets.get("collections"):
        out.append(
            '\n    <div class="field">\n'
            f'      <label for="filter-collection">{words.collection}</label>\n'
            '      <select id="filter-collection" name="collection">\n'
            f'        <option value="">{words.all_collections}</option>\n'
            f'        {_options(facets["collections"], filters.collection)}\n'
            '      </select>\n'
            '    </div>\n'
            '    '
        )
    out.append('\n    ')
    if facets.get("skills"):
        out.append(
            '\n    <div class="field">\n'
            f'      <label for="filter-skill">{words.skill}</label>\n'
            '      <select id="filter-skill" name="skill">\n'
            f'        <option value="">{words.all_skills}</option>\n'
            f'        {_options(facets["skills"], filters.skill)}\n'
            '      </select>\n'
            '    </div>\n'
            '    '
        )
    minimum = "" if filters.min_price is None else escape(filters.min_price)
    maximum = "" if filters.max_price is None else escape(filters.max_price)
    out.append(
        '\n    <div class="field">\n'
        f'      <label for="filter-level">{words.level}</label>\n'
        '      <select id="filter-level" name="level">\n'
        f'        <option value="">{words.any_level}</option>\n'
        f'        {words.fixed(course_levels, "level_label", filters.level)}\n'
        '      </select>\n'
        '    </div>\n'
        '    <fieldset class="field price-range">\n'
        f'      <legend>{words.price(currency)}</legend>\n'
        '      <div class="row">\n'
        '        <input type="number" min="0" step="any" name="min_price" '
        f'aria-label="{words.minimum}" placeholder="{words.min}" value="{minimum}">\n'
        '        <input type="number" min="0" step="any" name="max_price" '
        f'aria-label="{words.maximum}" placeholder="{words.max}" value="{maximum}">\n'
        '      </div>\n'
        '    </fieldset>\n'
        '    <div class="field">\n'
        f'      <label for="filter-sort">{words.sort_by}</label>\n'
        '      <select id="filter-sort" name="sort">\n'
        f'        {words.fixed(sorts, "sort_label", filters.sort)}\n'
        '      </select>\n'
        '    </div>\n'
        f'    <button type="submit">{words.apply}</button>\n'
        f'    \n{clear_filters(filters, url=url)}\n'
        '  </form>\n'
        '  </details>'
    )
    return Markup("".join(out))


def clear_filters(filters, oob: bool = False, url: str | None = None) -> str:
    """"Clear filters" beside the filter form, as ``catalog/_clear_filters.html`` wrote it: always
    there as a slot, so a live filter (htmx) can swap it out of band with the results (``oob``).
    ``url`` is the catalog's URL, escaped (when the caller has it)."""
    if filters.active:
        url = escape(url_for("store.catalog.index")) if url is None else url
        clear = f'<a href="{url}">{_words().clear}</a>'
    else:
        clear = ""
    swap = ' data-hx-swap-oob="true"' if oob else ""
    return f'<span id="clear-filters" class="clear-filters"{swap}>{clear}</span>'
