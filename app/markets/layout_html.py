"""The storefront's frame (what layouts/store.html wrote), in Python (issue 15).

layouts/store.html fills app.web.layout_html's blocks with these parts (the title, the meta part
around the SEO tags, the brand's style sheet, the header of app.markets.header_html, the footer
with the market and its tax note); ``store_page`` writes a whole storefront page from them without
the template machinery, for the pages written in Python (catalog, product, lesson): the same HTML
the templates wrote (tests/web/test_layout_html.py keeps them).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g, url_for
from markupsafe import Markup

from app.markets.header_html import store_header
from app.web import labels
from app.web.jinja import printed
from app.web.jinja import template_text as _t
from app.web.layout_html import main_region, page, site_footer

# The header's parts that layers above this one provide (``provide``): the cart's item count
# (``cart_count``, app.checkout) and the dashboard link of employees (``dashboard_link``, app.staff).
# Templates get them as globals of their context (``header_parts``: an app context processor).
_header_parts: dict[str, Callable] = {}


def provide(name: str, function: Callable) -> None:
    """Register ``function`` as the header's part ``name`` (``cart_count``, ``dashboard_link``)."""
    _header_parts[name] = function


def header_parts() -> dict[str, Callable]:
    """The template context processor of the header's parts."""
    return dict(_header_parts)


class _Words:
    def __init__(self):
        self.vat_included = _t("Prices include VAT.")
        self.tax_excluded = _t("Prices exclude tax; tax is added at checkout.")


_words = labels.per_locale(_Words)


def store_title(seo=None) -> Markup:
    """The ``title`` block: the page's SEO title, or the storefront's name."""
    return Markup(printed(seo.title if seo is not None else g.storefront.display_name))


def store_meta(seo_tags="") -> Markup:
    """The ``meta`` block around the page's SEO tags (app.catalog.seo_html's HTML; none: empty)."""
    return Markup(f"\n  {seo_tags}\n")


def store_head() -> Markup:
    """The ``head`` block: the market brand's colours as a style sheet."""
    brand = g.storefront.brand
    if not brand:
        return Markup("\n  \n")
    href = url_for("platform.brand_css", color=brand.primary_color[1:].lower())
    return Markup(f'\n  <link rel="stylesheet" href="{printed(href)}">\n')


def store_header_part(cart_count, dashboard_link=None) -> Markup:
    """The ``header`` block: app.markets.header_html's header (``cart_count`` items in the cart,
    ``dashboard_link`` the staff layer's, None for none)."""
    return Markup(f"\n  \n  {store_header(cart_count, dashboard_link)}\n")


def store_footer() -> Markup:
    """The ``footer_content`` block: the storefront, its market and its tax note."""
    storefront = g.storefront
    words = _words()
    note = words.vat_included if storefront.tax_inclusive else words.tax_excluded
    return Markup(f"\n  <small>{printed(storefront.display_name)} · {printed(storefront.market_name)} ·\n"
                  f"    {note}\n  </small>\n")


def store_page(*, title, content, meta=None, head=None, body_class: str = "layout-store", context=None) -> Markup:
    """A whole storefront page, as a page template extending layouts/store.html renders it:
    ``title`` (escaped HTML), ``content`` (the ``content`` block), ``meta`` (the ``meta`` block;
    None: none) and ``head`` (the ``head`` block; None: ``store_head()``). The header's cart count
    and dashboard link are the provided ones (``provide``), or those of ``context``, the page's
    template context when it has one (app.web.layout_html.template_context), as in a template."""
    if context is None:
        context = _header_parts
    cart_count = context.get("cart_count")
    return page(
        title=title, meta=store_meta() if meta is None else meta, head=store_head() if head is None else head,
        body_class=body_class,
        header=store_header_part(cart_count() if cart_count is not None else 0, context.get("dashboard_link")),
        main=main_region(content), footer=site_footer(store_footer()),
    )
