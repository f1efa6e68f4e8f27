"""Security headers from Flask-Talisman: Content-Security-Policy, X-Content-Type-Options,
X-Frame-Options (with CSP frame-ancestors), Referrer-Policy and, in production, HSTS.

The CSP has no ``'unsafe-inline'`` and no nonces: scripts and styles come from app/static, htmx
does not inject its indicator styles (``htmx-config`` meta tag in layouts/base.html), and a
market's brand colour is a stylesheet of its own (``platform.brand_css``). (A nonce'd inline style
would be reported as a violation whenever htmx parses a full page with another request's nonce,
as on a history restore.)
"""

from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman

# Stripe Checkout is a redirect (no Stripe.js): the checkout and "pay now" forms answer 303 to
# checkout.stripe.com, and browsers check form-action against every redirect of a form submission.
STRIPE_CHECKOUT = "https://checkout.stripe.com"
# Lesson videos: YouTube and Vimeo embeds (app/templates/learn/_video.html).
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
