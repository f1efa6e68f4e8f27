"""Security headers from Flask-Talisman: Content-Security-Policy, X-Content-Type-Options,
X-Frame-Options (with CSP frame-ancestors), Referrer-Policy and, in production, HSTS.

The CSP has no ``'unsafe-inline'`` and no nonces: scripts and styles come from app/static, htmx
does not inject its indicator styles (``htmx-config`` meta tag in layouts/base.html), and a
market's brand colour is a stylesheet of its own (``platform.brand_css``). (A nonce'd inline style
would be reported as a violation whenever htmx parses a full page with another request's nonce,
as on a history restore.)
"""

from __future__ import annotations

import flask
from flask import Flask
from flask_talisman import Talisman
from werkzeug.datastructures import Headers

# Stripe Checkout is a redirect (no Stripe.js): the checkout and "pay now" forms answer 303 to
# checkout.stripe.com, and browsers check form-action against every redirect of a form submission.
STRIPE_CHECKOUT = "https://checkout.stripe.com"
# Lesson videos: YouTube and Vimeo embeds (app/learn/lesson_html.py, _video).
VIDEO_EMBEDS = "https://www.youtube.com https://www.youtube-nocookie.com https://player.vimeo.com"

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Product images, brand logos and lesson videos are URLs the orgs enter (https only).
    "img-src": "'self' data: https:",
    "media-src": "'self' https:",
    "frame-src": VIDEO_EMBEDS,
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": f"'self' {STRIPE_CHECKOUT}",
    "frame-ancestors": "'none'",
}


class _Talisman(Talisman):
    """Talisman sends HSTS only on requests it sees as HTTPS. In production the app sits behind a
    TLS-terminating proxy, so with ``HSTS`` on the header goes on every response (browsers ignore
    it on plain HTTP, RFC 6797 §8.1)."""

    def _set_hsts_headers(self, headers):
        if self.strict_transport_security:
            headers["Strict-Transport-Security"] = f"max-age={self.strict_transport_security_max_age}"

    # Per request Talisman resolves each view's options and re-renders the same policy strings
    # (parsing the CSP dict, then joining it) for every response. No view here sets options of its
    # own (``@talisman(...)``) and no CSP nonce is used, so the headers of a response are the same
    # on every request: built once, then copied.
    _static_headers: tuple[tuple[str, str], ...] | None = None

    def _has_view_options(self) -> bool:
        view = flask.current_app.view_functions.get(flask.request.endpoint)
        return hasattr(view, "talisman_view_options")

    def _force_https(self):
        if self.force_https or self._has_view_options():
            return super()._force_https()
        if self.session_cookie_secure and not self.app.debug:  # what Talisman does on every request
            self.app.config["SESSION_COOKIE_SECURE"] = True
        return None  # no redirect to https

    def _make_nonce(self):
        if self.content_security_policy_nonce_in or self._has_view_options():
            super()._make_nonce()

    def _set_response_headers(self, response):
        if self.content_security_policy_nonce_in or self._has_view_options():
            return super()._set_response_headers(response)
        if self._static_headers is None:
            built = Headers()
            options = self._get_local_options()
            self._set_feature_policy_headers(built, options)
            self._set_permissions_policy_headers(built, options)
            self._set_document_policy_headers(built, options)
            self._set_frame_options_headers(built, options)
            self._set_content_security_policy_headers(built, options)
            self._set_hsts_headers(built)
            self._set_referrer_policy_headers(built)
            self._static_headers = tuple(built.items())
        headers = response.headers
        for name, value in self._static_headers:
            headers[name] = value
        return response


def init_security_headers(app: Flask) -> None:
    """One Talisman per app (it keeps its options on the instance, and tests build several apps)."""
    config = app.config
    app.extensions["talisman"] = _Talisman(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
        strict_transport_security=bool(config.get("HSTS")),
        strict_transport_security_max_age=int(config.get("HSTS_MAX_AGE", 31536000)),
        strict_transport_security_include_subdomains=False,  # market domains belong to customers
        force_https=bool(config.get("FORCE_HTTPS")),
        # Talisman would otherwise overwrite the cookie settings of app/config.py.
        session_cookie_secure=bool(config.get("SESSION_COOKIE_SECURE")),
        session_cookie_http_only=True,
        session_cookie_samesite=config.get("SESSION_COOKIE_SAMESITE", "Lax"),
    )
