"""The account links of every header (what layouts/_account_nav.html wrote), in Python.

Signed in: the dashboard link (for employees), "My account" and the log-out form; else "Log in" and
"Sign up", each coming back to the page. The storefront header (app.markets.header_html) and the
platform's and dashboard's layouts write them with ``account_nav``: the same HTML the template
wrote, escaped as autoescape does, its words made once per locale (issue 15).
"""

from __future__ import annotations

from flask import request
from markupsafe import Markup, escape

from app.accounts.signin import request_user
from app.accounts.views import auth_url
from app.web import labels
from app.web.jinja import template_text as _t
from app.web.session_cookie import csrf_token


class _Words:
    def __init__(self):
        self.dashboard = _t("Dashboard")
        self.my_account = _t("My account")
        self.log_out = _t("Log out")
        self.log_in = _t("Log in")
        self.sign_up = _t("Sign up")


_words = labels.per_locale(_Words)


def account_nav(dashboard_link=None) -> Markup:
    """The links: ``dashboard_link`` is the staff layer's ``dashboard_link()`` (asked only for a
    signed-in user; None: no dashboard link)."""
    words = _words()
    if getattr(request_user(), "is_authenticated", False):  # None outside a full request, as in templates
        dashboard = dashboard_link() if dashboard_link is not None else None
        link = (f'<a class="dashboard-link" href="{escape(dashboard.url)}">{words.dashboard}</a>'
                if dashboard else "")
        return Markup(
            f'\n  \n  {link}\n  <a href="{escape(auth_url("profile"))}">{words.my_account}</a>\n'
            f'  <form class="inline" method="post" action="{escape(auth_url("logout"))}">\n'
            f'    <input type="hidden" name="csrf_token" value="{escape(csrf_token())}">\n'
            f'    <button type="submit" class="link">{words.log_out}</button>\n  </form>\n')
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return Markup(
        f'\n  <a href="{escape(auth_url("login", next=back))}">{words.log_in}</a>\n'
        f'  <a class="button small" href="{escape(auth_url("register", next=back))}">{words.sign_up}</a>\n')
