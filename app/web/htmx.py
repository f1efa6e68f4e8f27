"""One place that knows about htmx. It reads the request through htmx-flask's ``request.htmx``
(the extension in app/extensions.py installs that request class) and writes the response
headers with htmx-flask's ``make_response``; htmx-flask is dormant since 2022, so it stays
wrapped here.

``render(page, partial, **ctx)`` returns the partial to htmx requests that target a region
and the full page otherwise, always with ``Vary: HX-Request``; ``fragment(html)`` a partial
written in Python, ``page(html)`` a whole page written in Python.
"""

from __future__ import annotations

from flask import redirect as flask_redirect
from flask import render_template, request
from htmx_flask import make_response


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def target() -> str | None:
    """The id of the element a fragment request swaps (``HX-Target``), None for any other request."""
    return request.htmx.target if is_htmx() else None


def render(page: str, partial: str | None = None, /, *, trigger: dict | str | None = None,
           push_url: str | None = None, status: int = 200, **context):
    """Render ``partial`` for htmx, ``page`` (which includes the partial) otherwise."""
    fragment = is_htmx()
    template = partial if (partial and fragment) else page
    response = make_response(render_template(template, **context), status,
                             trigger=trigger if fragment else None, push_url=push_url if fragment else None)
    response.headers["Vary"] = "HX-Request"
    return response


def fragment(html: str, /, *, trigger: dict | str | None = None, push_url: str | None = None, status: int = 200):
    """An htmx request's fragment written in Python (no template), with the headers ``render`` gives
    a fragment (app.catalog.views: the catalog's results)."""
    response = make_response(html, status, trigger=trigger, push_url=push_url)
    response.headers["Vary"] = "HX-Request"
    return response


def page(html: str, /, *, status: int = 200):
    """A whole page written in Python (no template: app.markets.layout_html's ``store_page``), with
    the headers ``render`` gives a page."""
    return fragment(html, status=status)


def redirect(location: str, status: int = 303):
    """A redirect that htmx follows as a full navigation (HX-Redirect) and browsers as a 303."""
    if is_htmx():
        return make_response("", 204, redirect=location)
    return flask_redirect(location, status)
