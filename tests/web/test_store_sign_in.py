"""Sign-in, sign-up, password reset and error pages reached from a store keep the store: its name,
navigation and language stay, and signing in returns to the store page the visitor came from
(issue 16, point 8). The checkout's own account step is in tests/checkout/test_checkout.py."""

from __future__ import annotations

import re

from tests import test_translations
from tests.factories import PASSWORD
from tests.learn import player_fixtures
from tests.learn.player_fixtures import LEARNER

school = player_fixtures.school  # the fixtures
compiled_catalogs = test_translations.compiled_catalogs


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_the_stores_sign_in_link_stays_in_the_store_and_in_its_language(client, school, compiled_catalogs):
    de = school.prefix.replace("/en", "/de")
    product = f"{de}/products/{school.slug}"
    page = _html(client.get(product))
    link = re.search(r'<a href="([^"]*)">' + re.escape(compiled_catalogs["de"]["Log in"].string) + "</a>", page)
    assert link is not None and link.group(1) == f"{de}/sign-in?next={product}"
    sign_in = client.get(link.group(1))
    html = _html(sign_in)
    assert sign_in.status_code == 200 and '<html lang="de"' in html
    assert "layout-store" in html and "School" in html  # the store's header, not the platform's
    assert compiled_catalogs["de"]["Forgot your password?"].string in html
    assert f'href="{de}/forgot-password"' in html and f'href="{de}/sign-up?next=' in html
    done = client.post(f"{de}/sign-in", data={"email": LEARNER, "password": PASSWORD, "next": product})
    assert done.status_code == 303 and done.headers["Location"] == product  # back on the product page


def test_signing_in_without_a_page_to_return_to_lands_in_the_stores_catalog(client, school):
    done = client.post(f"{school.prefix}/sign-in", data={"email": LEARNER, "password": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == f"{school.prefix}/"
    out = client.post(f"{school.prefix}/sign-out")
    assert out.status_code == 303 and out.headers["Location"] == f"{school.prefix}/"


def test_a_wrong_password_in_the_store_keeps_the_store_and_the_return_page(client, school):
    r = client.post(f"{school.prefix}/sign-in", data={"email": LEARNER, "password": "wrong one", "next": "/x"})
    html = _html(r)
    assert r.status_code == 422 and "layout-store" in html and "The email or password is not correct." in html
    assert 'name="next" type="hidden" value="/x"' in html


def test_sign_up_and_password_reset_from_the_store_come_back_to_it(client, school):
    page = f"{school.prefix}/learn/"
    form = _html(client.get(f"{school.prefix}/sign-up?next={page}"))
    assert "layout-store" in form and f'action="{school.prefix}/sign-up?next=' in form
    r = client.post(f"{school.prefix}/sign-up?next={page}", data={
        "display_name": "Nora New", "email": "nora@example.com", "password": "a long passphrase here",
        "confirm": "a long passphrase here"})
    assert r.status_code == 303 and r.headers["Location"] == f"{school.prefix}/sign-in?next={page}"
    forgot = client.post(f"{school.prefix}/forgot-password", data={"email": LEARNER})
    assert forgot.status_code == 303 and forgot.headers["Location"] == f"{school.prefix}/sign-in"


def test_a_page_that_needs_sign_in_sends_the_visitor_to_the_stores_sign_in(client, school):
    r = client.get(f"{school.prefix}/learn/")
    assert r.status_code == 302 and r.headers["Location"] == f"{school.prefix}/sign-in?next={school.prefix}/learn/"
    # the platform's own pages keep the platform's sign-in
    r = client.get("/account/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/account/login?next=")


def test_a_missing_page_in_the_store_keeps_the_store(client, school, compiled_catalogs):
    de = school.prefix.replace("/en", "/de")
    r = client.get(f"{de}/products/no-such-product")
    html = _html(r)
    assert r.status_code == 404 and '<html lang="de"' in html and "layout-store" in html
    assert compiled_catalogs["de"]["Page not found"].string in html
    # outside a store, the platform's page
    platform = _html(client.get("/no-such-page"))
    assert "layout-store" not in platform
