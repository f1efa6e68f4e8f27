"""The catalog's cards written in Python (app.catalog.cards_html, issue 15) are the HTML the Jinja
loop of catalog/_results.html wrote: covers, external images and placeholders, brands, creators
with and without avatars, prices, ratings and plurals, escaping, in several languages, and with
translations that do not hold the price or the rating once."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import flask_babel
import pytest

from app.catalog import cards_html
from app.catalog.queries import Creator, ProductCard
from app.platform.images import ImageView
from app.web import labels

# The loop as catalog/_results.html wrote it before app.catalog.cards_html took it over (the
# storefront and the product path passed in, as the page computed them).
_CARD_LOOP = """
    {% set card_tax_note = storefront|tax_note -%}
    {% set card_currency = storefront.currency_code -%}
    {% set card_by = _("by") -%}
    {% set card_no_reviews = _("No reviews yet") -%}
    {% set card_from = _("from %(price)s", price="\x00").split("\x00") -%}
    {% set card_rated = _("Rated %(rating)s out of 5", rating="\x00").split("\x00") -%}
    {% set cover, avatar, placeholder = im.cover, im.avatar, im.placeholder -%}
    {% for card in cards %}
<article class="card product-card" data-slug="{{ card.slug }}">
  {% if card.image %}{{ cover(card.image, card.name, "(max-width: 40rem) 100vw, 20rem", 640) }}
  {% elif card.image_url %}<img class="cover" src="{{ card.image_url }}" alt="" loading="lazy">
  {% else %}{{ placeholder(card.name, 640, 360, "cover") }}{% endif %}
  <p class="muted"><span class="badge">{{ card.type|product_type_label }}</span>{% if card.brand_name %} · {{ card.brand_name }}{% endif %}</p>
  <h2 class="h3"><a href="{{ card_path }}{{ card.slug|urlencode }}">{{ card.name }}</a></h2>
  {% if card.creators %}<p class="creators muted">{{ card_by }} {% for c in card.creators %}<span class="credit">{{ avatar(c.avatar, c.name, 24) }} {{ c.name }}</span>{% if not loop.last %}, {% endif %}{% endfor %}</p>{% endif %}
  <p>{{ card.summary }}</p>
  <p class="price"><strong>{% if card_from|length == 2 %}{{ card_from[0] }}{{ card.from_price|money(card_currency) }}{{ card_from[1] }}{% else %}{{ _("from %(price)s", price=card.from_price|money(card_currency)) }}{% endif %}</strong>
    <small class="muted">{{ card_tax_note }}</small></p>
  {% if card.review_count %}
    {% set rating = card.avg_rating|round(1)|number %}<p class="rating"><span aria-hidden="true">★ {{ rating }}</span><span class="visually-hidden">{% if card_rated|length == 2 %}{{ card_rated[0] }}{{ rating }}{{ card_rated[1] }}{% else %}{{ _('Rated %(rating)s out of 5', rating=rating) }}{% endif %}</span> <small class="muted">({{ ngettext("%(num)d review", "%(num)d reviews", card.review_count) }})</small></p>
  {% else %}
    <p class="rating muted">{{ card_no_reviews }}</p>
  {% endif %}
</article>
    {%- endfor %}"""

_COVER = ImageView.of("public/images/cover/abc", "320,640,1280", 1280, 720, 'A "cover" <of> it')
_FACE = ImageView.of("public/images/avatar/def", "64,128", 128, 128, "")
CARDS = [
    ProductCard(slug="python-for-data", type="course", image_url=None, name="Python & <Data>",
                summary="Learn 'pandas' & \"numpy\".", from_price=Decimal("49.00"), avg_rating=4.25, review_count=3,
                brand_name="Acme <Press>", image=_COVER,
                creators=[Creator(name="Ada O'Neil", slug="ada", avatar=_FACE), Creator(name="Grace <H>", slug=None)]),
    ProductCard(slug="über uns/ä", type="physical", image_url="https://cdn.example/a.png?x=1&y=\"2\"", name="Buch",
                summary="", from_price=Decimal("1234.5"), avg_rating=5.0, review_count=1, brand_name=None),
    ProductCard(slug="plain", type="digital_download", image_url=None, name="1:1 coaching", summary="Talk.",
                from_price=Decimal("0"), avg_rating=None, review_count=0, brand_name="",
                creators=[Creator(name="Solo", slug="solo")]),
    ProductCard(slug="odd", type="no-such-type", image_url="", name="Odd", summary="x", from_price=None,
                avg_rating=3.04999, review_count=21, brand_name="B"),
]


def _both(app, locale: str, tax_inclusive: bool, currency: str) -> tuple[str, str]:
    storefront = SimpleNamespace(currency_code=currency, tax_inclusive=tax_inclusive)
    card_path = "/shop/eu/de/products/<x>/"
    with app.test_request_context("/"), flask_babel.force_locale(locale):
        expected = app.jinja_env.from_string(_CARD_LOOP).render(cards=CARDS, storefront=storefront,
                                                                 card_path=card_path)
        written = "\n    " + cards_html.product_cards(CARDS, card_path, storefront)
    return written, expected


@pytest.mark.parametrize(("locale", "tax_inclusive", "currency"),
                         [("en", False, "USD"), ("de", True, "EUR"), ("fr", True, "EUR"), ("es", False, "MXN")])
def test_the_cards_written_in_python_are_the_template_loop_s_html(app, locale, tax_inclusive, currency):
    written, expected = _both(app, locale, tax_inclusive, currency)
    assert written == expected
    assert written.count('class="card product-card"') == len(CARDS)


class _Odd:
    """Translations whose "from" price holds the price twice and whose rating holds none."""

    def __init__(self, real):
        self.real = real

    def ugettext(self, string):
        return {"from %(price)s": "%(price)s (%(price)s)", "Rated %(rating)s out of 5": "Rated"}.get(
            string, self.real.ugettext(string))

    def ungettext(self, singular, plural, num):
        return self.real.ungettext(singular, plural, num)


def test_a_translation_without_the_value_once_is_formatted_per_card(app, monkeypatch):
    real = labels.translations
    monkeypatch.setattr(labels, "translations", lambda: _Odd(real()))
    monkeypatch.setattr(cards_html, "_words", labels.per_locale(cards_html._Words))  # none kept yet
    written, expected = _both(app, "en", False, "USD")
    assert written == expected
    assert "$49.00 ($49.00)" in written and '<span class="visually-hidden">Rated</span>' in written
