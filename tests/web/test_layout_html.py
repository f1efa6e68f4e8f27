"""Every page's frame written in Python (app.web.layout_html, app.markets.layout_html; issue 15) is the
HTML the layouts wrote: layouts/base.html, layouts/store.html and layouts/_flashes.html are kept in
layout_jinja/, and the pages written without a template now in tests/catalog/pages_jinja/ (catalog,
product) and tests/learn/lesson_jinja/lesson.html. Each page is requested twice, with the app as it is and with the old
templates in front of the app's (the catalog and lesson pages rendered from the old templates), and the two
responses are compared byte for byte: visitors, learners, customers and employees, English and
German, a market domain, a flashed message, an htmx fragment, error pages, the dashboard."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import render_template
from jinja2 import ChoiceLoader, DictLoader

from app.catalog import views as catalog_views
from app.demo_data import EU_DOMAIN
from app.learn import lesson_html

_HERE = Path(__file__).parent
_OLD = {
    **{f"layouts/{p.name}": p.read_text() for p in (_HERE / "layout_jinja").glob("*.html")},
    **{f"catalog/{p.name}": p.read_text() for p in (_HERE.parent / "catalog" / "pages_jinja").glob("*.html")},
    "learn/lesson.html": (_HERE.parent / "learn" / "lesson_jinja" / "lesson.html").read_text(),
}
_META = re.compile(r'  <meta name="csrf-token" content="[^"]*">\n')
_TOKEN = re.compile(r'(csrf[-_]token"? (?:content|value)=")[^"]+')
# The account page's list of sign-ins (each request here signs in anew: one more each time).
_SESSIONS = re.compile(r'<section class="card stack" id="sessions">.*?</section>', re.S)
pytestmark = [pytest.mark.module_data, pytest.mark.usefixtures("demo_data")]
HTMX = {"HX-Request": "true", "HX-Target": "results"}
COURSE = "/acme/us/en/products/python-for-data-analysis"


@contextmanager
def _old_templates(app, monkeypatch):
    env = app.jinja_env
    loader = env.loader
    env.loader = ChoiceLoader([DictLoader(_OLD), loader])
    env.cache.clear()
    with monkeypatch.context() as patch:
        patch.setattr(catalog_views, "_catalog_page",
                      lambda body, seo: render_template("catalog/index.html", body=body, seo=seo))
        patch.setattr(catalog_views, "_product_page", lambda body, page, seo: render_template(
            "catalog/product.html", product=page, body=body, seo=seo))
        patch.setattr(lesson_html, "lesson_page", lambda **values: render_template("learn/lesson.html", **values))
        try:
            yield
        finally:
            env.loader = loader
            env.cache.clear()


def _masked(html: str) -> str:
    """The page without its CSRF tokens (signed with the time: they change each second) and sign-ins,
    and without the head's token: the layout writes it only when the page or the session has one
    (tests/web/test_csrf_token.py), where the old template made one on every page."""
    return _SESSIONS.sub("", _TOKEN.sub(r"\1X", _META.sub("", html)))


def _get(client, url, headers):
    response = client.get(url, headers=headers)
    hops = 0
    while response.status_code in (302, 303) and "/learn/" in url and hops < 2:  # a course: to its lesson
        url = response.headers["Location"].removeprefix("http://localhost")
        response = client.get(url, headers=headers)
        hops += 1
    return response


def _sign_in(app, login, email):
    client = app.test_client()
    assert login(client, email, app.config["DEMO_PASSWORD"]).status_code in (302, 303)
    return client


# (who signs in, the URL, the request's headers, a piece of the page)
CASES = {
    "platform home": (None, "/", {}, "Volmify"),
    "catalog": (None, "/acme/us/en/", {}, "product-card"),
    "catalog, German, brand": (None, "/acme/eu/de/", {}, "/brand/"),
    "catalog, search": (None, "/acme/us/en/?q=python", {}, "product-card"),
    "catalog, filtered": (None, "/acme/us/en/?type=course&sort=price_asc", {}, "product-card"),
    "catalog, htmx": (None, "/acme/us/en/?type=course", HTMX, "product-card"),
    "catalog, market domain": (None, "/de/", {"Host": EU_DOMAIN}, "product-card"),
    "product, course": (None, COURSE, {}, "application/ld+json"),
    "product, German": (None, COURSE.replace("/us/en/", "/eu/de/"), {}, "application/ld+json"),
    "product, physical": (None, "/acme/us/en/products/python-workbook-print", {}, "<h1"),
    "product, missing": (None, "/acme/us/en/products/no-such-product", {}, "error-panel"),
    "page missing": (None, "/no-such-page", {}, "error-panel"),
    "lesson, visitor": (None, "/acme/us/en/learn/python-for-data-analysis/", {}, "player"),
    "log in page": (None, "/account/login", {}, "password"),
    "cart, German": (None, "/acme/eu/de/cart", {}, "cart"),
    "catalog, learner, flashed message": ("learner@acme.test", "/acme/us/en/", {}, "flash-success"),
    "lesson, learner, German": ("learner@acme.test", "/acme/eu/de/learn/python-for-data-analysis/", {}, "player"),
    "my learning": ("learner@acme.test", "/acme/us/en/learn/", {}, "layout-learn"),
    "product, learner": ("learner@acme.test", COURSE, {}, "application/ld+json"),
    "account, storefront": ("customer@acme.test", "/acme/eu/en/account/", {}, "flash-success"),
    "account": ("customer@acme.test", "/account/", {}, "flash-success"),
    "orders": ("customer@acme.test", "/acme/eu/en/account/orders/", {}, "<main"),
    "catalog, employee": ("admin@acme.test", "/acme/us/en/", {}, "dashboard-link"),
    "dashboard": ("admin@acme.test", "/dashboard/acme/", {}, "staff-shell"),
    "dashboard products": ("admin@acme.test", "/dashboard/acme/products", {}, "staff-shell"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_layout_written_in_python_is_the_templates_html(app, login, monkeypatch, case):
    who, url, headers, piece = CASES[case]
    pages = []
    for old in (False, True):
        # A new client each time: a signed-in page first shows the "You are logged in." message.
        client = _sign_in(app, login, who) if who else app.test_client()
        if old:
            with _old_templates(app, monkeypatch):
                response = _get(client, url, headers)
        else:
            response = _get(client, url, headers)
        pages.append((response.status_code, response.headers.get("Vary"), response.headers.get("Content-Type"),
                      _masked(response.get_data(as_text=True))))
    assert pages[0] == pages[1]
    assert piece in pages[0][3]


def test_the_layouts_call_the_python_writers(app):
    with app.app_context():
        for name in ("base", "store"):
            source = app.jinja_env.loader.get_source(app.jinja_env, f"layouts/{name}.html")[0]
            assert "<head>" not in source and "<footer" not in source, name
