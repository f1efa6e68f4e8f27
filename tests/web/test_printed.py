"""``printed`` (app.web.jinja) is what ``{{ value }}`` prints in an autoescaped template, for HTML
written in Python: markupsafe's escape of any value, a str escaped in one call (issue 15)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext
from markupsafe import Markup

from app.web.jinja import printed


class _Html:
    def __html__(self):
        return "<b>as it is</b>"


def test_printed_is_what_an_autoescaped_template_prints(app):
    values = ["", "plain", "a & b <c> \"d\" 'e'", "ünïcödé ★ &amp;", Markup("<i>kept</i>"), 7, 0, Decimal("9.90"),
              None, 4.5, _Html(), type("S", (str,), {})("<sub>")]
    template = app.jinja_env.from_string("{{ value }}")
    with app.test_request_context("/"):
        values.append(lazy_gettext("Catalog"))
        for value in values:
            assert printed(value) == template.render(value=value)
            assert type(printed(value)) is str
