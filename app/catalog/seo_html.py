"""A storefront page's search and sharing tags (``Seo``: description, robots, keywords, canonical,
hreflang alternates, OpenGraph, JSON-LD), written in Python.

In the template (layouts/_seo.html, kept as tests/catalog/seo_jinja.html) each tag was a few yields
through the page's layouts and each value an escape of four calls: some three hundred calls on
every catalog and product page (issue 15). ``seo_tags`` writes exactly what the template wrote:
every value escaped as Jinja's autoescape does (``markupsafe.escape``), the JSON-LD through the
app's ``tojson`` (its JSON policies, made safe for a script element).
"""

from __future__ import annotations

from flask import current_app
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from app.web.jinja import printed


def seo_tags(seo) -> Markup:
    """``{% include "layouts/_seo.html" %}`` for ``seo`` (app.catalog.seo.Seo)."""
    out = [f'<meta name="description" content="{printed(seo.description)}">\n'
           f'<meta name="robots" content="{printed(seo.robots)}">\n']
    add = out.append
    if seo.keywords:
        add(f'<meta name="keywords" content="{printed(seo.keywords)}">\n')
    add(f'<link rel="canonical" href="{printed(seo.canonical)}">\n')
    for loc, href in seo.alternates:
        add(f'<link rel="alternate" hreflang="{printed(loc)}" href="{printed(href)}">\n')
    if seo.x_default:
        add(f'<link rel="alternate" hreflang="x-default" href="{printed(seo.x_default)}">')
    add("\n")
    for key, value in seo.og.items():
        if value:
            add(f'<meta property="og:{printed(key)}" content="{printed(value)}">\n')
    add("\n")
    if seo.json_ld:
        policies = current_app.jinja_env.policies  # what the template's ``|tojson`` did
        json_ld = htmlsafe_json_dumps(seo.json_ld, dumps=policies["json.dumps_function"],
                                      **policies["json.dumps_kwargs"])
        add(f'<script type="application/ld+json">{json_ld}</script>')
    return Markup("".join(out))
