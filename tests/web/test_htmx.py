"""app/web/htmx.py: which requests get the fragment, and the htmx response headers (STYLE.md §10)."""

from __future__ import annotations

import json

import pytest

from app.web import htmx

FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}


@pytest.fixture(autouse=True)
def _template_names(monkeypatch):
    """The response body is the name of the template that was rendered."""
    monkeypatch.setattr(htmx, "render_template", lambda name, **context: name)


def _render(app, headers, **kwargs):
    with app.test_request_context("/", headers=headers):
        return htmx.render("page.html", "_part.html", **kwargs), htmx.target()


@pytest.mark.parametrize("headers", [
    {},
    {**FRAGMENT, "HX-Boosted": "true"},  # a boosted link navigates: it wants the whole page
    {**FRAGMENT, "HX-History-Restore-Request": "true"},  # so does a history restore after a cache miss
], ids=["browser", "boosted", "history-restore"])
def test_a_whole_page_for_browsers_boosted_links_and_history_restores(app, headers):
    response, target = _render(app, headers, trigger={"cart-changed": {"count": 2}}, push_url="/shop")
    assert response.get_data(as_text=True) == "page.html" and response.status_code == 200
    assert response.headers["Vary"] == "HX-Request"
    assert "HX-Trigger" not in response.headers and "HX-Push-Url" not in response.headers
    assert target is None


def test_the_fragment_with_its_events_and_url_for_an_htmx_request(app):
    response, target = _render(app, FRAGMENT, trigger={"cart-changed": {"count": 2}}, push_url="/shop",
                               status=422)
    assert response.get_data(as_text=True) == "_part.html" and response.status_code == 422
    assert response.headers["Vary"] == "HX-Request"
    assert json.loads(response.headers["HX-Trigger"]) == {"cart-changed": {"count": 2}}
    assert response.headers["HX-Push-Url"] == "/shop"
    assert target == "results"


def test_a_page_without_a_fragment_is_the_page_for_htmx_too(app):
    with app.test_request_context("/", headers=FRAGMENT):
        response = htmx.render("page.html", trigger="saved")
    assert response.get_data(as_text=True) == "page.html"
    assert response.headers["HX-Trigger"] == "saved"


def test_redirect_is_a_303_for_browsers_and_hx_redirect_for_htmx(app):
    with app.test_request_context("/", headers=FRAGMENT):
        response = htmx.redirect("/account/orders")
    assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/account/orders")
    with app.test_request_context("/"):
        response = htmx.redirect("/account/orders")
    assert (response.status_code, response.headers["Location"]) == (303, "/account/orders")
