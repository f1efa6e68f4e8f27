"""Templates' ``csrf_token()`` (app/web/session_cookie.py) keeps its serializer across requests and
makes the token Flask-WTF checks (issue 15); the page's head carries it once the page or the
visitor's session has one (``csrf_token_in_use``)."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.markets.services import create_market
from app.web.session_cookie import csrf_token
from tests.factories import make_org, make_priced_plan, make_product, org_admin

META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def test_the_page_s_token_is_the_one_flask_wtf_accepts(app):
    assert app.jinja_env.globals["csrf_token"] is csrf_token
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        token = META.search(client.get("/account/login").get_data(as_text=True)).group(1)
        form = {"email": "nobody@example.com", "password": "not-the-password"}
        assert client.post("/account/login", data={**form, "csrf_token": token + "x"}).status_code == 400
        assert client.post("/account/login", data={**form, "csrf_token": token}).status_code != 400
        assert client.post("/account/login", data=form, headers={"X-CSRFToken": token}).status_code != 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def one_language_store(app):
    """Org "mono" whose market speaks one language (no language switcher: the catalog page has no
    form that posts) and sells "Latte Art"."""
    with app.app_context():
        org = make_org("mono", name="Mono Academy", locale_keys=("en",))
        market = create_market(org, slug="us", name="US", type="single_country", currency_code="USD",
                               default_locale_key="en", locale_keys=("en",), country_codes=("US",),
                               by=org_admin(org))
        plan = make_priced_plan(market, product=make_product(org, name="Latte Art", slug="latte-art"), price="19.00")
        db.session.commit()
        plan_id = plan.id
    app.config["WTF_CSRF_ENABLED"] = True
    yield plan_id
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_visitor_who_only_browses_gets_no_session_until_a_page_has_a_form(one_language_store, app):
    visitor = app.test_client()
    catalog = visitor.get("/mono/us/en/")
    assert "Latte Art" in catalog.get_data(as_text=True)
    assert not META.search(catalog.get_data(as_text=True))
    assert "Set-Cookie" not in catalog.headers  # no session started for browsing
    # The product page's add-to-cart forms make the token: the head carries the same one.
    product = visitor.get("/mono/us/en/products/latte-art")
    html = product.get_data(as_text=True)
    token = META.search(html).group(1)
    assert f'name="csrf_token" value="{token}"' in html
    assert "session=" in product.headers.get("Set-Cookie", "")
    # From then on every page carries the visitor's token, and htmx's header with it is accepted.
    again = META.search(visitor.get("/mono/us/en/").get_data(as_text=True)).group(1)
    added = visitor.post("/mono/us/en/cart/items", data={"plan_id": one_language_store},
                         headers={"X-CSRFToken": again, "HX-Request": "true"})
    assert added.status_code == 200, added.status_code
    assert visitor.post("/mono/us/en/cart/items", data={"plan_id": one_language_store},
                        headers={"X-CSRFToken": again + "x", "HX-Request": "true"}).status_code == 400
