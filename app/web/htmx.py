"""One place that knows about htmx (htmx-flask is dormant since 2022, so it stays wrapped here).

``render(page, partial, **ctx)`` returns the partial to htmx requests that target a region
and the full page otherwise, always with ``Vary: HX-Request``.
"""

from __future__ import annotations

import json

from flask import make_response, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    if request.headers.get("HX-Request") != "true":
        return False
    if request.headers.get("HX-Boosted") == "true":
        return False
    if request.headers.get("HX-History-Restore-Request") == "true":
        return False
    return True


def target() -> str | None:
    return request.headers.get("HX-Target") if is_htmx() else None


def render(page: str, partial: str | None = None, /, *, trigger: dict | str | None = None,
           push_url: str | None = None, status: int = 200, **context):
    """Render ``partial`` for htmx, ``page`` (which includes the partial) otherwise."""
    template = partial if (partial and is_htmx()) else page
    response = make_response(render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    if trigger and is_htmx():
        response.headers["HX-Trigger"] = trigger if isinstance(trigger, str) else json.dumps(trigger)
    if push_url and is_htmx():
        response.headers["HX-Push-Url"] = push_url
    return response


def redirect(location: str, status: int = 303):
    """A redirect that htmx follows as a full navigation (HX-Redirect) and browsers as a 303."""
    from flask import redirect as flask_redirect

    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return flask_redirect(location, status)
