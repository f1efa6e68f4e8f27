"""The catalog page's body and its results region (what ``catalog/_catalog_body.html`` and
``catalog/_results.html`` wrote), rendered in Python.

The cards (app.catalog.cards_html) and the filter form (app.catalog.filters_html) were already
written in Python; what the two templates still added around them was the costliest part left of
an uncached catalog page's Python (issue 15): for each, an include through the read cache with a
new template context of the page's every variable, and the template's URLs, translations and tests.
``catalog_body`` and ``catalog_results`` write exactly what the templates wrote (kept as
tests/catalog/catalog_body_jinja.html and results_jinja.html): every value the templates printed
with ``{{ }}`` is escaped as autoescape does (``printed``), translations are Markup as the
templates' ``_()`` and ``ngettext()`` make them, and the words that depend only on the language
are made once per locale.
"""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup

from app.catalog.cards_html import product_cards
from app.catalog.filters_html import catalog_filters, clear_filters
from app.web import labels
from app.web.jinja import printed, template_ngettext, template_text

_t = template_text  # ``{{ _(string, **variables) }}`` of the template
_plural = template_ngettext  # ``{{ ngettext(singular, plural, num) }}`` (a name `make translations` reads)


class _Words:
    """The results region's fixed words in one language (escaped text)."""

    def __init__(self):
        self.nothing = str(_t("Nothing matches these filters."))
        self.everything = str(_t("Show everything"))
        self.pages = str(_t("Pages"))
        self.previous = str(_t("Previous"))
        self.next = str(_t("Next"))


_words = labels.per_locale(_Words)


def catalog_results(page, filters, storefront) -> Markup:
    """The results region (``<section id="results">``) of ``page`` (``queries.CatalogPage``) for
    ``filters`` (``queries.CatalogFilters``) in ``storefront``."""
    words = _words()
    total = page.total
    if page.more:
        count = _t("More than %(num)d products", num=total)
    else:
        count = _plural("%(num)d product", "%(num)d products", total)
    out = [f'<section id="results" class="results" aria-live="polite" data-total="{printed(total)}">\n'
           f'  <p class="muted result-count">{count}</p>\n  ']
    if page.cards:
        cards = product_cards(page.cards, url_for("store.catalog.product", slug="-")[:-1], storefront)
        out.append(f'\n  <div class="grid">\n    {cards}\n  </div>\n  ')
    else:
        everything = printed(url_for("store.catalog.index"))
        out.append(f'\n  <p class="empty">{words.nothing} <a href="{everything}">{words.everything}</a></p>\n  ')
    out.append("\n  ")
    pages = page.pages
    if pages > 1:
        number = page.page
        out.append(f'\n  <nav class="pagination row" aria-label="{words.pages}">\n    ')
        if page.has_prev:
            previous = printed(url_for("store.catalog.index", **filters.as_args(page=number - 1)))
            out.append(f'<a rel="prev" href="{previous}"\n       data-hx-get="{previous}" data-hx-target="#results" '
                       f'data-hx-swap="outerHTML">{words.previous}</a>')
        of = _t("Page %(page)d of %(pages)d", page=number, pages=pages)  # outside the f-string, for `make translations`
        out.append(f'\n    <span>{of}</span>\n    ')
        if page.has_next:
            following = printed(url_for("store.catalog.index", **filters.as_args(page=number + 1)))
            out.append(f'<a rel="next" href="{following}"\n       data-hx-get="{following}" data-hx-target="#results" '
                       f'data-hx-swap="outerHTML">{words.next}</a>')
        out.append("\n  </nav>\n  ")
    out.append("\n</section>")
    return Markup("".join(out))


def catalog_body(storefront, filters, facets, product_types, course_levels, sorts, results: Markup) -> Markup:
    """The page's body: its heading, the filter form (``catalog_filters``) and ``results``
    (``catalog_results``)."""
    brand = storefront.brand
    tagline = (f'<p class="lead brand-tagline">{printed(brand.tagline)}</p>'
               if brand and brand.tagline else "")
    form = catalog_filters(filters, facets, product_types, course_levels, sorts, storefront.currency_code)
    return Markup(f"<h1>{printed(storefront.display_name)}</h1>\n{tagline}\n"
                  f'<div class="catalog">\n  \n  {form}\n  \n{results}\n\n</div>')


def results_fragment(results: Markup, filters) -> Markup:
    """What the filter form's htmx requests get (``catalog/_results_part.html`` wrote it): the
    results region and, out of band, the "Clear filters" slot beside the form."""
    return Markup(f"\n{results}\n\n{clear_filters(filters, oob=True)}")
