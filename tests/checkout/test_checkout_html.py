"""The checkout page's body and summary written in Python (app.checkout.checkout_html, issue 15) are
the HTML the Jinja templates wrote (kept here: checkout_body_jinja.html, the content block of
checkout/checkout.html, and checkout_summary_jinja.html, checkout/_summary.html): the fields with
their errors and help, the shipping address of physical items, the codes folded or open, lines with
discounts, quantities and tax labels, gift cards, the codes' errors, a stale-cart error, nothing to
pay, escaping, in several languages."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import flask_babel
import pytest
from flask import g
from werkzeug.datastructures import MultiDict
from wtforms.fields import SelectChoice

from app.checkout.checkout_html import checkout_body, checkout_summary
from app.checkout.forms import CheckoutForm

_HERE = Path(__file__).parent
_BODY = (_HERE / "checkout_body_jinja.html").read_text()
_SUMMARY = (_HERE / "checkout_summary_jinja.html").read_text()
D = Decimal


def _line(plan_id, product, plan, quantity=1, *, total="99.00", tax="15.81", discount="0", label="USt <19%>"):
    return SimpleNamespace(input=SimpleNamespace(plan_id=plan_id, product_name=product, plan_name=plan, quantity=quantity),
                           total=D(total), tax=D(tax), discount=D(discount), tax_label=label)


def _quote(lines, *, inclusive=True, discount=None, discount_total="0", gift_cards=(), due="99.00", currency="EUR"):
    return SimpleNamespace(currency=currency, lines=lines, subtotal=D("109.00"), discount=discount,
                           discount_total=D(discount_total), tax_inclusive=inclusive, tax_total=D("15.81"),
                           total=D("99.00"), gift_cards=list(gift_cards), amount_due=D(due))


_CARD = SimpleNamespace(code="ABCD-<EFGH>", current_balance=D("20.00"))
_WELCOME = SimpleNamespace(code="WELCOME<10>")
CASES = [
    # (form data or None (a GET), physical, quote, priced, error)
    (None, False, _quote([_line("p1", "Data & <Science>", "Premium \"x\"")]), {}, None),
    ({"billing_name": "", "billing_email": "not-an-email", "billing_country": "FR", "discount_code": "WELCOME<10>",
      "gift_card_codes": "ABCD-<EFGH>", "address_line1": "<Main> St", "city": "", "postal_code": "x" * 30},
     True, _quote([_line("p1", "Book", "Hardcover", 3, discount="9.90"), _line("p2", "Course", "Basic", label="")],
                  discount=_WELCOME, discount_total="9.90", gift_cards=[(_CARD, D("20.00"))], due="0", inclusive=False),
     {"discount_error": "Expired <code>", "gift_card_errors": {"X": "No such card & <co>", "Y": "Used up"}},
     "Your cart <changed>."),
    ({"billing_name": "Bea", "billing_email": "bea@example.com", "billing_country": "DE", "discount_code": "NOPE",
      "gift_card_codes": ""}, False, _quote([_line("p1", "Course", "Basic")], discount=_WELCOME), {}, None),
    ({"billing_name": "Bea", "billing_email": "bea@example.com", "billing_country": "DE", "discount_code": "",
      "gift_card_codes": " "}, False, _quote([], currency="USD", due="0"), {}, None),
]


@pytest.mark.parametrize("locale", ["en", "de", "fr"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_checkout_written_in_python_is_the_templates_html(app, locale, case):
    data, physical, quote, priced_values, error = CASES[case]
    priced = SimpleNamespace(**{"quote": quote, "discount_error": None, "gift_card_errors": {}, **priced_values})
    cart = SimpleNamespace(available=[SimpleNamespace(physical=False), SimpleNamespace(physical=physical)])
    summary = app.jinja_env.from_string(_SUMMARY)
    body = app.jinja_env.from_string(_BODY)
    path = f"/shop/eu/{locale}/checkout"
    with app.test_request_context(path, method="POST" if data else "GET", data=data), \
            flask_babel.force_locale(locale):
        g.locale = locale
        g.storefront = SimpleNamespace(org_slug="shop", market_slug="eu", default_locale=locale)
        for csrf in (False, True):
            form = CheckoutForm(formdata=MultiDict(data) if data else None, meta={"csrf": csrf})
            form.billing_country.choices = [SelectChoice("DE", "Deutschland"), SelectChoice("FR", "France <&>")]
            if data:
                form.validate()
            else:
                form.billing_name.data, form.billing_email.data, form.billing_country.data = "Bea <B>", "b@x.de", "FR"
                form.submission.data = "abc123"
            form.cart_fingerprint.data = "f1ng3r"
            context = dict(form=form, cart=cart, quote=quote, priced=priced, error=error, summary_template=summary)
            assert str(checkout_summary(form, quote, priced, error)) == summary.render(**context)
            assert str(checkout_body(form, cart, quote, priced, error)) == body.render(**context)


@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_field_s_label_is_wtforms_label(app, locale):
    """``_label``: what ``field.label()`` writes, for a translated (lazy) label, which WTForms prints
    as it is, and for a plain text label with characters to escape."""
    from app.checkout.checkout_html import _label

    with app.test_request_context("/"), flask_babel.force_locale(locale):
        form = CheckoutForm(formdata=None)
        for field in form:
            assert _label(field) == str(field.label())
        form.billing_name.label.text = 'Name <"&>'
        form.billing_name.label.field_id = 'id"<'
        assert _label(form.billing_name) == str(form.billing_name.label())


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_added_line_written_in_python_is_the_templates_html(app, locale):
    """``added``: the answer to an htmx "Add to cart" is what checkout/_added.html wrote (kept here:
    added_jinja.html), for a message and an error, escaped."""
    from app.checkout.checkout_html import added

    template = app.jinja_env.from_string((_HERE / "added_jinja.html").read_text())
    with app.test_request_context(f"/shop/eu/{locale}/cart/items", method="POST"), flask_babel.force_locale(locale):
        g.locale = locale
        g.storefront = SimpleNamespace(org_slug="shop", market_slug="eu", default_locale=locale)
        for message, error in (("Added <Data & Science> · \"VIP\" to your cart.", None), (None, "No <such> plan & co."),
                               ("Added x.", "")):
            assert added(message=message, error=error) == template.render(message=message, error=error)
