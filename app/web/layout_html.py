"""Every page's frame (what layouts/base.html wrote), in Python: one layout in one place (issue 15).

``page`` writes the document around its parts: doctype, ``<head>`` (title, CSRF meta, the meta and
head parts, favicon, style sheet and scripts), the skip link, then the header, main and footer
parts. layouts/base.html calls it with its blocks (``self.title()``, ``self.header()``...), so a
template page's child templates still fill and override the blocks as before; a page written in
Python (the storefront's catalog, product and lesson pages, app.markets.layout_html) calls it with
its parts directly and skips the template machinery. ``site_header``, ``main_region``,
``site_footer`` and ``flashes`` are the blocks' default contents. The text is exactly what the
template wrote (tests/web/test_layout_html.py compares it with the template, kept there): values
escaped as autoescape does, the parts given as HTML.
"""

from __future__ import annotations

from flask import current_app, get_flashed_messages, url_for
from jinja2.runtime import Context
from markupsafe import Markup

from app.web import labels
from app.web.jinja import html_dir, html_lang, printed
from app.web.jinja import template_text as _t
from app.web.session_cookie import csrf_token_in_use


class _Words:
    def __init__(self):
        self.skip = _t("Skip to content")


_words = labels.per_locale(_Words)


def page(*, title, meta="", head="", body_class="", body_attrs="", header, main, footer) -> Markup:
    """The document: ``title`` and the other parts as HTML (Markup or escaped text), as the blocks of
    layouts/base.html give them."""
    token = csrf_token_in_use()  # (after the parts: a form among them makes the token)
    return Markup(
        '<!doctype html>\n'
        f'<html lang="{printed(html_lang())}" dir="{printed(html_dir())}">\n'
        '<head>\n'
        '  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'  <title>{title}</title>\n'
        + (f'  <meta name="csrf-token" content="{printed(token)}">\n' if token else '') +
        '  \n'
        # htmx must not inject its indicator styles (the CSP has no 'unsafe-inline'); app.css has them.
        '  <meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>\n'
        f'  {meta}\n'
        f'  <link rel="icon" href="{printed(url_for("static", filename="favicon.svg"))}" type="image/svg+xml">\n'
        f'  <link rel="icon" href="{printed(url_for("platform.favicon"))}" sizes="48x48">\n'
        f'  <link rel="stylesheet" href="{printed(url_for("static", filename="css/app.css"))}">\n'
        f'  {head}\n'
        f'  <script src="{printed(url_for("static", filename="vendor/htmx-2.0.11/htmx.min.js"))}" defer></script>\n'
        f'  <script src="{printed(url_for("static", filename="js/app.js"))}" defer></script>\n'
        '</head>\n'
        f'<body class="{body_class}" {body_attrs}>\n'
        f'  <a class="skip-link" href="#main">{_words().skip}</a>\n'
        f'  {header}\n'
        f'  {main}\n'
        f'  {footer}\n'
        '</body>\n'
        '</html>'
    )


def site_header(brand, nav, account_links) -> Markup:
    """The header of a page outside a storefront (the ``header`` block's default): the ``brand``
    part linking home, then the ``nav`` part and the account links (app.accounts.nav_html)."""
    return Markup(
        '\n  <header class="site-header">\n'
        '    <div class="container header-row">\n'
        f'      <a class="brand" href="{printed(url_for("markets.index"))}">{brand}</a>\n'
        f'      <nav class="nav">{nav}{account_links}</nav>\n'
        '    </div>\n'
        '  </header>\n  '
    )


def main_region(content) -> Markup:
    """``<main>`` with the flashed messages and the ``content`` part (the ``main`` block's default)."""
    return Markup(
        '\n  <main id="main" class="container">\n'
        f'    {flashes()}\n'
        f'    {content}\n'
        '  </main>\n  '
    )


def site_footer(footer_content) -> Markup:
    """The footer around the ``footer_content`` part (the ``footer`` block's default)."""
    return Markup(
        '\n  <footer class="site-footer">\n'
        f'    <div class="container">{footer_content}</div>\n'
        '  </footer>\n  '
    )


def flashes() -> Markup:
    """The flashed messages' live region (what layouts/_flashes.html wrote): taking them, as the
    template's ``get_flashed_messages`` did."""
    messages = "".join(f'\n  <p class="flash flash-{printed(category)}" role="status">{printed(message)}</p>\n'
                       for category, message in get_flashed_messages(with_categories=True))
    return Markup(f'<div id="flashes" class="flashes" aria-live="polite">\n{messages}\n</div>')


def template_context(template: str, values: dict) -> Context:
    """The context ``render_template(template, **values)`` gives the template's code (``values`` and
    the template context processors': the request, the session, ``g``, the cart count...): for a
    page written in Python whose parts take the page's context (app.learn.lesson_html)."""
    context = dict(values)
    current_app.update_template_context(context)
    return current_app.jinja_env.get_template(template).new_context(context)
