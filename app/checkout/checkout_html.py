"""The checkout page's body and order summary (``checkout/checkout.html``, ``checkout/_summary.html``),
and the answer to an htmx "Add to cart" (``checkout/_added.html``), rendered in Python.

In Jinja the page was the costliest part of placing an order after the database (issue 15: orders
per second): a macro call per field, each with its own dictionary of attributes, tests and
lookups, then the summary's filters and translations. ``checkout_body`` and ``checkout_summary``
write exactly what the templates wrote (tests/checkout/test_checkout_html.py compares them with
the templates, kept there): every value the templates printed with ``{{ }}`` is escaped as Jinja's
autoescape does (``markupsafe.escape``: Markup stays as it is), the fields render through their
WTForms widgets as the ``forms.html`` macros called them, the money filter is the app's Jinja
environment's, and the fixed words are made once per locale (``labels.per_locale``).
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from app.web import labels
from app.web.jinja import template_text

_t = template_text  # ``{{ _(string, **variables) }}`` of the template


class _Words:
    """The page's fixed words in one language (escaped text): kept for the process per locale."""

    def __init__(self):
        self.checkout = str(_t("Checkout"))
        self.billing = str(_t("Billing details"))
        self.shipping = str(_t("Shipping address"))
        self.codes = str(_t("Codes"))
        self.apply = str(_t("Apply codes"))
        self.summary = str(_t("Order summary"))
        self.item = str(_t("Item"))
        self.price = str(_t("Price"))
        self.tax = str(_t("Tax"))
        self.discount = str(_t("Discount"))
        self.subtotal = str(_t("Subtotal"))
        self.included_vat = str(_t("Included VAT"))
        self.total = str(_t("Total"))
        self.to_pay = str(_t("To pay"))
        self.not_applicable = str(_t("The discount code does not apply to these items."))
        self.place = str(_t("Place order"))
        self.view_cart = str(_t("View cart"))


_words = labels.per_locale(_Words)


def _field(f, autocomplete: str | None = None, help=None) -> str:
    """``{{ f.field(f, autocomplete=..., help=...) }}`` of ``macros/forms.html`` for a field that is
    not a BooleanField (the checkout has none)."""
    errors = f.errors
    attrs = {}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if errors:
        attrs.update({"aria-invalid": "true", "aria-describedby": f"{f.id}-error"})
    if f.flags.required:
        first = next(iter(f.iter_choices()), None) if f.type == "SelectField" else None
        placeholder = f.type != "SelectField" or (first is not None and first.value in ("", None))
        attrs["required"] = placeholder
    help = _text(help) if help is not None else None  # (a lazy string translated once)
    shown_help = f'<small class="help">{help}</small>' if help else ""
    shown_errors = "".join(f'<p class="error" id="{escape(f.id)}-error">{escape(error)}</p>' for error in errors)
    return (f'\n<div class="field{" has-error" if errors else ""}">\n  \n    {_label(f)}\n    \n    \n    \n'
            f'    \n    \n    \n    {escape(f(**attrs))}\n  \n  {shown_help}\n  {shown_errors}\n</div>\n')


def _label(f) -> str:
    """``f.label()``: WTForms' ``<label for="id">text</label>``, its lazy text translated once
    (``labels.text_of``) rather than through Flask-Babel's lookups and WTForms' ``html_params``. As
    WTForms' ``escape`` leaves it, a lazy string's text is printed as it is (it is ``__html__``), any
    other text escaped."""
    label = f.label
    return f'<label for="{escape(label.field_id)}">{_text(label.text)}</label>'


def _text(text) -> str:
    """``escape(text)``: a lazy string's text as it is (it is ``__html__``: not escaped), translated
    without Flask-Babel's lookups (``labels.text_of``); any other text escaped."""
    return labels.text_of(text) if isinstance(text, LazyString) else escape(text)


def _hidden_fields(form, names) -> str:
    """``{{ f.hidden_fields(form, names=names) }}`` of ``macros/forms.html``."""
    return "\n" + "".join(str(escape(hidden(id=False))) for hidden in form
                          if getattr(hidden.widget, "input_type", None) == "hidden" and (not names or hidden.name in names)) + "\n"


def checkout_body(form, cart, quote, priced, error=None) -> Markup:
    """The template's ``content`` block: the billing form and the order summary."""
    words = _words()
    action = escape(url_for("store.checkout.checkout_page"))
    out = [
        f'\n<h1>{words.checkout}</h1>\n'
        f'<form id="checkout-form" class="checkout-page" method="post" action="{action}" novalidate>\n'
        f'  {_hidden_fields(form, ("csrf_token", "submission"))}\n'
        f'  <div class="row align-start">\n'
        f'    <section class="card stack flex-320">\n'
        f'      <h2>{words.billing}</h2>\n'
        f'      {_field(form.billing_name, autocomplete="name")}\n'
        f'      {_field(form.billing_email, autocomplete="email")}\n'
        f'      <div data-hx-post="{action}" data-hx-trigger="change from:#billing_country"\n'
        f'           data-hx-target="#checkout-summary" data-hx-swap="outerHTML" data-hx-include="#checkout-form"'
        f' data-hx-vals=\'{{"action": "apply"}}\'>\n'
        f'        {_field(form.billing_country, autocomplete="country")}\n'
        f'      </div>\n'
        f'      '
    ]
    add = out.append
    if any(line.physical for line in cart.available):
        add(f'\n        <h3>{words.shipping}</h3>\n'
            f'        {_field(form.address_line1, autocomplete="address-line1")}\n'
            f'        <div class="row">{_field(form.postal_code, autocomplete="postal-code")}'
            f'{_field(form.city, autocomplete="address-level2")}</div>\n      ')
    discount, cards = form.discount_code, form.gift_card_codes
    opened = " open" if discount.data or cards.data or discount.errors or cards.errors else ""
    add(f'\n      \n'
        f'      <details class="checkout-codes" data-open-from="48rem"{opened}>\n'
        f'      <summary><h2>{words.codes}</h2></summary>\n'
        f'      {_field(discount, autocomplete="off")}\n'
        f'      {_field(cards, autocomplete="off", help=cards.description)}\n'
        f'      <button type="submit" name="action" value="apply" class="secondary"\n'
        f'              data-hx-post="{action}" data-hx-target="#checkout-summary" data-hx-swap="outerHTML">'
        f'{words.apply}</button>\n'
        f'      </details>\n'
        f'    </section>\n'
        f'    {checkout_summary(form, quote, priced, error)}\n'
        f'  </div>\n'
        f'</form>\n')
    return Markup("".join(out))


def checkout_summary(form, quote, priced, error=None) -> Markup:
    """``checkout/_summary.html``: the priced lines, the totals, the codes' errors and the button."""
    words = _words()
    money = current_app.jinja_env.filters["money"]
    cur = quote.currency
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    out = [f'\n<section id="checkout-summary" class="card stack flex-380" aria-live="polite">\n'
           f'  <h2>{words.summary}</h2>\n'
           f'  {alert}\n'
           f'  <table class="summary">\n'
           f'    <thead><tr><th>{words.item}</th><th class="num">{words.price}</th>'
           f'<th class="num">{words.tax}</th></tr></thead>\n'
           f'    <tbody>\n    ']
    add = out.append
    for line in quote.lines:
        item = line.input
        quantity = f" × {escape(item.quantity)}" if item.quantity > 1 else ""
        discount = (f'<br><small class="muted">{words.discount} −{escape(money(line.discount, cur))}</small>'
                    if line.discount else "")
        label = f'<br><small class="muted">{escape(line.tax_label)}</small>' if line.tax_label else ""
        add(f'\n      <tr data-plan="{escape(item.plan_id)}">\n'
            f'        <td>{escape(item.product_name)} · {escape(item.plan_name)}{quantity}\n'
            f'          {discount}</td>\n'
            f'        <td class="num">{escape(money(line.total, cur))}</td>\n'
            f'        <td class="num">{escape(money(line.tax, cur))}{label}</td>\n'
            f'      </tr>\n    ')
    add(f'\n    </tbody>\n'
        f'  </table>\n'
        f'  <dl class="totals">\n'
        f'    <dt>{words.subtotal}</dt><dd class="num">{escape(money(quote.subtotal, cur))}</dd>\n    ')
    if quote.discount_total:
        code = f" ({escape(quote.discount.code)})" if quote.discount else ""
        add(f'<dt>{words.discount}{code}</dt>'
            f'<dd class="num discount">−{escape(money(quote.discount_total, cur))}</dd>')
    add(f'\n    <dt>{words.included_vat if quote.tax_inclusive else words.tax}</dt>'
        f'<dd class="num tax-total">{escape(money(quote.tax_total, cur))}</dd>\n'
        f'    <dt class="grand">{words.total}</dt>'
        f'<dd class="num total"><strong>{escape(money(quote.total, cur))}</strong></dd>\n    ')
    for card, amount in quote.gift_cards:
        left = _t("%(balance)s left afterwards", balance=money(card.current_balance - amount, cur))
        add(f'\n      <dt>{escape(_t("Gift card %(code)s", code=card.code))}</dt>\n'
            f'      <dd class="num gift-card">−{escape(money(amount, cur))} <small class="muted">{escape(left)}</small></dd>\n'
            f'    ')
    add(f'\n    <dt>{words.to_pay}</dt>'
        f'<dd class="num amount-due"><strong>{escape(money(quote.amount_due, cur))}</strong></dd>\n'
        f'  </dl>\n  ')
    if priced.discount_error:
        add(f'<p class="error code-error">{escape(priced.discount_error)}</p>')
    elif quote.discount and not quote.discount_total:
        add(f'<p class="muted">{words.not_applicable}</p>')
    add("\n  ")
    for _code, message in priced.gift_card_errors.items():
        add(f'<p class="error code-error">{escape(message)}</p>')
    if quote.amount_due:
        button = escape(_t("Place order and pay %(amount)s", amount=money(quote.amount_due, cur)))
    else:
        button = words.place
    add(f'\n  \n'
        f'  {escape(form.cart_fingerprint())}\n'
        f'  <button type="submit" name="action" value="place" form="checkout-form" class="button place-order">\n'
        f'    {button}\n'
        f'  </button>\n'
        f'</section>')
    return Markup("".join(out))


def added(message: str | None = None, error: str | None = None) -> str:
    """``checkout/_added.html``: the offer's status line after an htmx "Add to cart": the error, or
    the message with a link to the cart (written in Python: Flask's template rendering cost more
    than the line; tests/checkout/test_checkout_html.py compares it with the template, kept there)."""
    if error:
        return f'\n\n<span class="error" role="alert">{escape(error)}</span>\n'
    return (f'\n\n<span class="added" role="status">{escape(message)} <a href="{escape(url_for("store.checkout.cart"))}">'
            f'{_words().view_cart}</a></span>\n')
