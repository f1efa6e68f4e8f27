"""The search and sharing tags written in Python (app.catalog.seo_html, issue 15) are the HTML the
template layouts/_seo.html wrote (kept here as seo_jinja.html): every field set or not, escaping,
OpenGraph values left out when empty, JSON-LD made safe for a script element."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.catalog.seo import Seo
from app.catalog.seo_html import seo_tags

_TEMPLATE = (Path(__file__).parent / "seo_jinja.html").read_text()
_FULL = Seo(
    title="T", description='Learn "Python" & <SQL>', canonical="https://shop.example/a?x=1&y=2", robots="noindex,follow",
    keywords="python, <data>", og={"type": "product", "title": "O'Neil & co", "description": "", "image": None,
                                   "url": "https://shop.example/a", "locale": "de_DE"},
    alternates=[("en", "https://shop.example/en/a"), ("de", "https://shop.example/de/a?b=<1>")],
    x_default="https://shop.example/en/a&b",
    json_ld={"@type": "Product", "name": "</script><b>&'x'", "offers": [{"price": "9.99"}], "a": 1},
)
SEOS = [
    _FULL,
    Seo(title="T", description="", canonical="https://shop.example/"),
    dataclasses.replace(_FULL, keywords=None, alternates=[], x_default=None, og={}, json_ld=None),
    dataclasses.replace(_FULL, description=None, json_ld={}),
]


@pytest.mark.parametrize("seo", SEOS)
def test_the_tags_written_in_python_are_the_template_s_html(app, seo):
    with app.test_request_context("/"):
        assert str(seo_tags(seo)) == app.jinja_env.from_string(_TEMPLATE).render(seo=seo)
