"""The headers written in Python (app.markets.header_html's storefront header and cart badge,
app.accounts.nav_html's account links; issue 15) are the HTML their templates wrote: brand with and
without a logo, one or several languages, a visitor, a learner and an employee, a page with a query
string and a form post, values escaped, in several languages. ``_OLD`` is the templates' text
(layouts/store.html's header with layouts/_cart_badge.html, _language_switcher.html and
_account_nav.html as it included them)."""

from __future__ import annotations

import pytest
from flask import g, render_template_string

from app.accounts.nav_html import account_nav
from app.extensions import db
from app.markets.header_html import page_in_locale, store_header
from app.staff.shell import dashboard_link
from tests.factories import make_brand, make_employee, make_market, make_member, make_org, make_user

_OLD = """{% set sf = g.storefront %}{% macro brand() %}
  {% if sf.brand and sf.brand.logo_url %}<img src="{{ sf.brand.logo_url }}" alt="">{% endif %}
  <span class="store-name">{{ sf.display_name }}</span>
  <span class="badge market-badge">{{ sf.market_name }} · {{ sf.currency_code }}</span>
{% endmacro %}<header class="site-header store-header">
    <div class="container header-row">
      {% set catalog_url = url_for('store.catalog.index') -%}
      <a class="brand" href="{{ catalog_url }}">{{ brand() }}</a>
      {{ "" }}{# Header cart link with the item count. htmx re-fetches it when a response triggers "cart-changed". #}
{% set n = cart_count() if cart_count is defined else 0 %}
<a id="cart-badge" class="cart-link" href="{{ url_for('store.checkout.cart') }}"
   data-hx-get="{{ url_for('store.checkout.badge') }}" data-hx-trigger="cart-changed from:body" data-hx-swap="outerHTML">
  {{ ic.icon("cart") }}<span class="cart-label">{{ _("Cart") }}</span> <span class="badge cart-count" data-count="{{ n }}"><span aria-hidden="true">{{ n }}</span><span
    class="visually-hidden">{{ ngettext('%(num)d item', '%(num)d items', n) }}</span></span></a>
      <details class="nav-menu" data-open-from="48rem">
        <summary class="nav-toggle">{{ ic.icon("menu") }} {{ _("Menu") }}</summary>
        <nav class="nav">
          <a href="{{ catalog_url }}">{{ _("Catalog") }}</a>
          {{ "" }}
          {% set signed_in = current_user.is_authenticated -%}
          {% if signed_in %}<a class="my-learning-link" href="{{ url_for('store.learn.index') }}">{{ _("My learning") }}</a>{% endif %}
          {% if signed_in %}<a href="{{ url_for('store.orders.index') }}">{{ _("My orders") }}</a>{% endif %}
          {{ "" }}{% set offered = g.storefront.locales %}{% if offered|length > 1 %}{% set current = g.locale %}{% set here = request.full_path if request.query_string else request.path %}{% if signed_in %}
<form class="inline language-switcher" method="post" action="{{ url_for('store.market.switch_language') }}">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <input type="hidden" name="next" value="{{ here }}">
  <span class="muted">{{ ic.icon("globe", label=_("Language")) }}</span>
  {% for loc in offered %}
    {% if loc == current %}
      <strong aria-current="true" lang="{{ loc }}">{{ loc|locale_name }}</strong>
    {% else %}
      <button type="submit" class="link" name="to" value="{{ loc }}" lang="{{ loc }}">{{ loc|locale_name }}</button>
    {% endif %}
  {% endfor %}
</form>
{% else %}
<span class="language-switcher">
  <span class="muted">{{ ic.icon("globe", label=_("Language")) }}</span>
  {% for loc in offered %}
    {% if loc == current %}
      <strong aria-current="true" lang="{{ loc }}">{{ loc|locale_name }}</strong>
    {% else %}
      <a href="{{ page_in_locale(here, loc) }}" hreflang="{{ loc }}" lang="{{ loc }}">{{ loc|locale_name }}</a>
    {% endif %}
  {% endfor %}
</span>
{% endif %}{% endif %}
          {{ "" }}{% if current_user.is_authenticated %}
  {% set dashboard = dashboard_link() %}
  {% if dashboard %}<a class="dashboard-link" href="{{ dashboard.url }}">{{ _("Dashboard") }}</a>{% endif %}
  <a href="{{ auth_url('profile') }}">{{ _("My account") }}</a>
  <form class="inline" method="post" action="{{ auth_url('logout') }}">
    <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
    <button type="submit" class="link">{{ _("Log out") }}</button>
  </form>
{% else %}
  {%- set back = request.full_path.rstrip('?') if request.method == 'GET' else None %}
  <a href="{{ auth_url('login', next=back) }}">{{ _("Log in") }}</a>
  <a class="button small" href="{{ auth_url('register', next=back) }}">{{ _("Sign up") }}</a>
{% endif %}
        </nav>
      </details>
    </div>
  </header>"""


@pytest.fixture
def shop(app):
    with app.app_context():
        org = make_org()
        brand = make_brand(org, logo_url='https://cdn.example/logo.png?a=1&b="2"', name="Brand <&>")
        several = make_market(org, name="Europe & <Co>", locale_keys=("en", "de", "fr"), brand=brand)
        single = make_market(org, locale_keys=("en",), country_codes=("US",), currency_code="USD")
        learner = make_user()
        make_member(org, learner)
        employee = make_user()
        make_employee(org, employee, role="admin")
        db.session.commit()
        return org.slug, several.slug, single.slug, learner.id, employee.id


@pytest.mark.parametrize("who", ["visitor", "learner", "employee"])
@pytest.mark.parametrize(("market", "locale", "query", "method"), [
    (1, "en", "", "GET"), (1, "de", "?q=%3Cx%22&page=2", "GET"), (2, "en", "?", "GET"), (1, "fr", "", "POST"),
])
def test_the_header_written_in_python_is_the_templates_html(app, shop, who, market, locale, query, method):
    from app.accounts.models import User

    org_slug, user_ids = shop[0], {"learner": shop[3], "employee": shop[4]}
    page = "sign-in" if method == "POST" else "cart"  # (the cart takes no POST)
    path = f"/{org_slug}/{shop[market]}/{locale}/{page}{query}"
    with app.test_request_context(path, method=method):
        app.preprocess_request()
        if who in user_ids:
            g._login_user = db.session.get(User, user_ids[who])  # signed in (what flask_login reads)
        count = {"visitor": 0, "learner": 3, "employee": 1}[who]
        expected = render_template_string(_OLD, cart_count=lambda: count, page_in_locale=page_in_locale)
        written = store_header(count, dashboard_link)
        nav, nav_written = render_template_string("{{ account_nav(dashboard_link) }}"), str(account_nav(dashboard_link))
    assert written == expected
    assert ("dashboard-link" in written) == (who == "employee")
    assert ("my-learning-link" in written) == (who != "visitor")
    if market == 1:  # three languages: a visitor gets links to this page in the others, a user the form
        assert ('<form class="inline language-switcher"' in written) == (who != "visitor")
        if who == "visitor" and method == "GET":
            other = "fr" if locale == "de" else "de"
            assert f'href="/{org_slug}/{shop[1]}/{other}/cart{query.replace("&", "&amp;")}" hreflang="{other}"' in written
    assert nav == nav_written and nav in written
