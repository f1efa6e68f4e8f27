"""The storefront header (the ``header`` part of app.markets.layout_html, once layouts/store.html's
block, with the cart badge, the language switcher and the account links it included), in Python.

Every storefront page draws it (catalog, product, lesson, cart, checkout, account): in Jinja it was
four templates, about thirty lookups, tests and escapes and a tenth of a small page's Python
(issue 15). ``store_header`` writes exactly what the templates wrote (as app.catalog.cards_html does
for the catalog's cards): every value the templates printed with ``{{ }}`` escaped as autoescape
does, translations as the templates' ``_()`` and ``ngettext()`` make them; the words that depend on
the language alone are made once per locale. The account links are app.accounts.nav_html's;
tests/markets/test_header_html.py keeps the templates' text.
"""

from __future__ import annotations

from flask import current_app, g, request, url_for
from markupsafe import Markup, escape

from app.accounts.nav_html import account_nav
from app.accounts.signin import request_user
from app.web import icons, labels
from app.web.jinja import template_text as _t
from app.web.session_cookie import csrf_token


class _Words:
    def __init__(self):
        menu = _t("Menu")  # outside the f-string, where `make translations` finds it
        self.menu = f'{icons.icon("menu")} {menu}'
        self.catalog = _t("Catalog")
        self.my_learning = _t("My learning")
        self.my_orders = _t("My orders")
        cart = _t("Cart")
        self.cart = f'{icons.icon("cart")}<span class="cart-label">{cart}</span>'
        self.language = icons.icon("globe", label=_t("Language"))
        self.locale_names: dict[str, str] = {}

    def locale_name(self, key: str) -> str:
        name = self.locale_names.get(key)
        if name is None:
            if len(self.locale_names) >= 256:
                self.locale_names.clear()
            name = self.locale_names[key] = str(escape(current_app.jinja_env.filters["locale_name"](key)))
        return name


_words = labels.per_locale(_Words)


def _brand(storefront) -> str:
    """The brand: the market brand's logo, the storefront's name, its market and currency."""
    brand = storefront.brand
    logo = f'<img src="{escape(brand.logo_url)}" alt="">' if brand and brand.logo_url else ""
    return (f'\n  {logo}\n  <span class="store-name">{escape(storefront.display_name)}</span>\n'
            f'  <span class="badge market-badge">{escape(storefront.market_name)} · '
            f'{escape(storefront.currency_code)}</span>\n')


def cart_badge(count) -> Markup:
    """The header's cart link with ``count`` items (layouts/_cart_badge.html, which htmx re-fetches
    when a response triggers "cart-changed", writes it with this)."""
    words = _words()
    items = labels.translations().ungettext("%(num)d item", "%(num)d items", count)
    # ``ngettext()`` of the template: an int formats the same without Markup's escaping.
    items = items % {"num": count} if type(count) is int else Markup(items) % {"num": count}
    return Markup(f'\n<a id="cart-badge" class="cart-link" href="{escape(url_for("store.checkout.cart"))}"\n'
            f'   data-hx-get="{escape(url_for("store.checkout.badge"))}" data-hx-trigger="cart-changed from:body" '
            f'data-hx-swap="outerHTML">\n'
            f'  {words.cart} <span class="badge cart-count" data-count="{escape(count)}"><span aria-hidden="true">'
            f'{escape(count)}</span><span\n    class="visually-hidden">{items}</span></span></a>')


def page_in_locale(path: str, locale: str) -> str:
    """``path`` (with its query) in ``locale``: the same storefront page in another language, or
    that language's catalog for a path outside the storefront."""
    prefix = url_for("store.catalog.index")  # e.g. /acme/eu/de/
    target = url_for("store.catalog.index", locale=locale)
    return target + path[len(prefix):] if path.startswith(prefix) else target


def _language_switcher(words: _Words, storefront, signed_in: bool) -> str:
    """layouts/_language_switcher.html: for a signed-in user a form that saves the choice; for a
    visitor, whose choice is not saved, links to the same page in each language (no session or
    CSRF token to make, and alternates a crawler follows)."""
    offered = storefront.locales
    if len(offered) <= 1:
        return ""
    current = g.locale
    here = request.full_path if request.query_string else request.path
    if signed_in:
        out = [f'\n<form class="inline language-switcher" method="post" '
               f'action="{escape(url_for("store.market.switch_language"))}">\n'
               f'  <input type="hidden" name="csrf_token" value="{escape(csrf_token())}">\n'
               f'  <input type="hidden" name="next" value="{escape(here)}">\n'
               f'  <span class="muted">{words.language}</span>\n  ']
    else:
        out = [f'\n<span class="language-switcher">\n  <span class="muted">{words.language}</span>\n  ']
    for loc in offered:
        key, name = escape(loc), words.locale_name(loc)
        if loc == current:
            out.append(f'\n    \n      <strong aria-current="true" lang="{key}">{name}</strong>\n    \n  ')
        elif signed_in:
            out.append(f'\n    \n      <button type="submit" class="link" name="to" value="{key}" lang="{key}">'
                       f'{name}</button>\n    \n  ')
        else:
            out.append(f'\n    \n      <a href="{escape(page_in_locale(here, loc))}" hreflang="{key}" '
                       f'lang="{key}">{name}</a>\n    \n  ')
    out.append("\n</form>\n" if signed_in else "\n</span>\n")
    return "".join(out)


def store_header(cart_count, dashboard_link=None) -> Markup:
    """The header of layouts/store.html, from ``<header`` to ``</header>``: ``cart_count`` the
    badge's count, ``dashboard_link`` the staff layer's ``dashboard_link`` (asked only for a
    signed-in user; None: no link)."""
    words = _words()
    storefront = g.storefront
    catalog = escape(url_for("store.catalog.index"))
    signed_in = getattr(request_user(), "is_authenticated", False)
    mine = ""
    if signed_in:
        mine = (f'<a class="my-learning-link" href="{escape(url_for("store.learn.index"))}">{words.my_learning}</a>'
                f'\n          <a href="{escape(url_for("store.orders.index"))}">{words.my_orders}</a>')
    else:
        mine = "\n          "
    return Markup(
        '<header class="site-header store-header">\n'
        '    <div class="container header-row">\n'
        f'      <a class="brand" href="{catalog}">{_brand(storefront)}</a>\n'
        f'      \n{cart_badge(cart_count)}\n'
        '      <details class="nav-menu" data-open-from="48rem">\n'
        f'        <summary class="nav-toggle">{words.menu}</summary>\n'
        '        <nav class="nav">\n'
        f'          <a href="{catalog}">{words.catalog}</a>\n'
        '          \n'
        f'          {mine}\n'
        f'          {_language_switcher(words, storefront, signed_in)}\n'
        f'          {account_nav(dashboard_link)}\n'
        '        </nav>\n'
        '      </details>\n'
        '    </div>\n'
        '  </header>'
    )
