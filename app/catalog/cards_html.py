"""The catalog's product cards (the loop of ``catalog/_results.html``), rendered in Python.

Every catalog page, filtered or not, draws twelve cards, and in Jinja each card was some sixty
attribute lookups, tests, filter calls and escapes: the cards were the costliest part of an
uncached catalog page (issue 15). ``product_cards`` writes exactly what the template's loop wrote:
every value the template printed with ``{{ }}`` is escaped as Jinja's autoescape does
(``markupsafe.escape``: Markup stays as it is), the filters are the template's own (``money``,
``number``, ``product_type_label``: the app's Jinja environment's), translations are Markup as the
templates' ``_()`` makes them, and the cards' fixed words are made once per locale. The product
page's syllabus is app.catalog.syllabus_html (the same approach).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from flask import current_app
from markupsafe import Markup, escape

from app.platform.images import avatar_tag, cover_tag, placeholder_tag
from app.web import labels
from app.web.jinja import template_text

_t = template_text  # ``{{ _(string, **variables) }}`` of the template
_COVER_SIZES = "(max-width: 40rem) 100vw, 20rem"


class _Words:
    """The cards' fixed words in one language: pure functions of the language, kept for the process
    per locale (``_words``). "from %(price)s" and "Rated %(rating)s out of 5" are kept as the text
    before and after the value; a translation without the value in it (or with it twice) is
    formatted per card instead (``from_parts``/``rated_parts`` None)."""

    def __init__(self):
        self.by = str(_t("by"))
        self.no_reviews = f'\n    <p class="rating muted">{_t("No reviews yet")}</p>\n  '
        self.from_parts = _parts(_t("from %(price)s", price="\x00"))
        self.rated_parts = _parts(_t("Rated %(rating)s out of 5", rating="\x00"))
        self.reviews: dict[int, str] = {}  # count -> "(3 reviews)"

    def review_count(self, count) -> str:
        text = self.reviews.get(count) if type(count) is int else None
        if text is None:
            words = labels.translations().ungettext("%(num)d review", "%(num)d reviews", count)
            # ``ngettext()`` of the template: an int formats the same without Markup's escaping.
            text = words % {"num": count} if type(count) is int else str(Markup(words) % {"num": count})
            if type(count) is int and len(self.reviews) < 1024:
                self.reviews[count] = text
        return text


def _parts(text: Markup) -> tuple[str, str] | None:
    parts = text.split("\x00")
    return (str(parts[0]), str(parts[1])) if len(parts) == 2 else None


_by_locale: dict[str, _Words] = {}


def _words() -> _Words:
    locale = labels.locale_key()
    if locale is None:
        return _Words()
    found = _by_locale.get(locale)
    if found is None:
        if len(_by_locale) >= 256:
            _by_locale.clear()
        found = _by_locale[locale] = _Words()
    return found


def product_cards(cards: Iterable, card_path: str, storefront) -> Markup:
    """The template's ``{% for card in page.cards %}`` loop, as it rendered it: ``card_path`` is
    the product URL without the slug, ``storefront`` the page's (its currency and tax note)."""
    words = _words()  # (``quote``: what the template's ``urlencode`` gives a string; nothing to escape in it)
    filters = current_app.jinja_env.filters
    money, number, type_label = filters["money"], filters["number"], filters["product_type_label"]
    currency = storefront.currency_code
    card_path = escape(card_path)
    tax_note = escape(labels.tax_note(storefront))
    by, no_reviews, from_parts, rated_parts = words.by, words.no_reviews, words.from_parts, words.rated_parts
    reviews = words.reviews
    out: list[str] = []
    add = out.append
    for card in cards:
        name = card.name
        slug = card.slug
        if card.image:
            picture = f"{cover_tag(card.image, name, _COVER_SIZES, 640)}\n  "
        elif card.image_url:
            picture = f'<img class="cover" src="{escape(card.image_url)}" alt="" loading="lazy">\n  '
        else:
            picture = placeholder_tag(name, 640, 360, "cover")
        brand = f" · {escape(card.brand_name)}" if card.brand_name else ""
        if card.creators:
            credits = ", ".join([f'<span class="credit">{avatar_tag(c.avatar, c.name, 24)} {escape(c.name)}</span>'
                                 for c in card.creators])
            creators = f'<p class="creators muted">{by} {credits}</p>'
        else:
            creators = ""
        price = escape(money(card.from_price, currency))
        if from_parts is not None:
            price = f"{from_parts[0]}{price}{from_parts[1]}"
        else:
            price = _t("from %(price)s", price=money(card.from_price, currency))
        count = card.review_count
        if count:
            rating = escape(number(round(card.avg_rating, 1)))
            if rated_parts is not None:
                rated = f"{rated_parts[0]}{rating}{rated_parts[1]}"
            else:
                rated = _t("Rated %(rating)s out of 5", rating=rating)
            rating_html = (f'\n    <p class="rating"><span aria-hidden="true">★ {rating}</span>'
                           f'<span class="visually-hidden">{rated}</span> <small class="muted">'
                           f'({reviews.get(count) or words.review_count(count)})</small></p>\n  ')
        else:
            rating_html = no_reviews
        add(f'\n<article class="card product-card" data-slug="{escape(slug)}">\n  {picture}\n'
            f'  <p class="muted"><span class="badge">{escape(type_label(card.type))}</span>{brand}</p>\n'
            f'  <h2 class="h3"><a href="{card_path}{quote(slug, safe="/")}">{escape(name)}</a></h2>\n'
            f'  {creators}\n'
            f'  <p>{escape(card.summary)}</p>\n'
            f'  <p class="price"><strong>{price}</strong>\n'
            f'    <small class="muted">{tax_note}</small></p>\n'
            f'  {rating_html}\n</article>')
    return Markup("".join(out))
