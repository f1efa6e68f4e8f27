"""A tax line's label states the rate's percentage as Flask-Babel formats it in the request's
language (app.pricing.pipeline._tax_label, its formatting kept per process for each rate and locale)."""

from __future__ import annotations

from decimal import Decimal

import flask_babel
import pytest

from app.pricing.pipeline import _percent, _tax_label


@pytest.mark.parametrize("locale", ["en", "de", "fr", "de_CH"])
def test_the_percentage_is_flask_babel_s(app, locale):
    with app.test_request_context("/"), flask_babel.force_locale(locale):
        for rate in ("0.19", "0.1900", "0.055", "0.0775", "0.2", "0.12345", "1", "0"):
            expected = flask_babel.format_percent(Decimal(rate), format="#,##0.###%")
            assert _percent(rate, flask_babel.get_locale()) == expected
            label = _tax_label(type("Rate", (), {"type": "percent", "name": "VAT", "rate": Decimal(rate)})())
            assert label == f"VAT {expected}"
