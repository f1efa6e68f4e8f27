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

from app.kept import Kept
from app.platform.images import avatar_tag, cover_tag, placeholder_tag
from app.web import labels
from app.web.jinja import printed, template_text

_t = template_text  # ``{{ _(string, **variables) }}`` of the template
_COVER_SIZES = "(max-width: 40rem) 100vw, 20rem"


class _Words:
    """The cards' fixed words in one language, and the parts of a card that are pure functions of
    the language and a value or two (a type's label, a price, a rating with its review count),
    escaped: kept for the process per locale (``_words``), each made when first needed with the
    template's own filters. "from %(price)s" and "Rated %(rating)s out of 5" are kept as the text
    before and after the value; a translation without the value in it (or with it twice) is
    formatted as a whole (``_t``), as the template did."""

    def __init__(self):
        self.by = str(_t("by"))
        no_reviews = _t("No reviews yet")  # outside the f-string, where `make translations` finds it
        self.no_reviews = f'\n    <p class="rating muted">{no_reviews}</p>\n  '
        self.from_parts = _parts(_t("from %(price)s", price="\x00"))
        self.rated_parts = _parts(_t("Rated %(rating)s out of 5", rating="\x00"))
        self.types = Kept()  # product type -> its label
        self.prices = Kept()  # (amount, currency) -> "from $49.00"
        self.ratings = Kept()  # (type, rating rounded, review count) -> the rating's paragraph

    def type_label(self, kind) -> str:
        label = self.types.get(kind)
        if label is None:
            label = self.types.keep(kind, str(escape(current_app.jinja_env.filters["product_type_label"](kind))))
        return label

    def price(self, amount, currency: str) -> str:
        money = current_app.jinja_env.filters["money"](amount, currency)
        if self.from_parts is not None:
            text = f"{self.from_parts[0]}{escape(money)}{self.from_parts[1]}"
        else:
            text = str(_t("from %(price)s", price=money))
        return self.prices.keep((amount, currency), text)

    def rating(self, key: tuple) -> str:
        _type, rounded, count = key
        rating = escape(current_app.jinja_env.filters["number"](rounded))
        if self.rated_parts is not None:
            rated = f"{self.rated_parts[0]}{rating}{self.rated_parts[1]}"
        else:
            rated = _t("Rated %(rating)s out of 5", rating=rating)
        words = labels.translations().ungettext("%(num)d review", "%(num)d reviews", count)
        # ``ngettext()`` of the template: an int formats the same without Markup's escaping.
        reviews = words % {"num": count} if type(count) is int else Markup(words) % {"num": count}
        return self.ratings.keep(key, f'\n    <p class="rating"><span aria-hidden="true">★ {rating}</span>'
                                        f'<span class="visually-hidden">{rated}</span> <small class="muted">'
                                        f'({reviews})</small></p>\n  ')


def _parts(text: Markup) -> tuple[str, str] | None:
    parts = text.split("\x00")
    return (str(parts[0]), str(parts[1])) if len(parts) == 2 else None


_words = labels.per_locale(_Words)


def _path_part(slug: str) -> str:
    """``slug|urlencode`` of the template, escaped (a slug of letters, digits and hyphens as it is)."""
    if slug.isascii() and slug.replace("-", "").isalnum():
        return slug
    return str(escape(quote(slug, safe="/")))


def product_cards(cards: Iterable, card_path: str, storefront) -> Markup:
    """The template's ``{% for card in page.cards %}`` loop, as it rendered it: ``card_path`` is
    the product URL without the slug, ``storefront`` the page's (its currency and tax note)."""
    words = _words()
    currency = storefront.currency_code
    card_path = printed(card_path)
    tax_note = printed(labels.tax_note(storefront))
    by, no_reviews, types, prices, ratings = words.by, words.no_reviews, words.types, words.prices, words.ratings
    out: list[str] = []
    add = out.append
    for card in cards:
        name = card.name
        slug = card.slug
        if card.image:
            picture = f"{cover_tag(card.image, name, _COVER_SIZES, 640)}\n  "
        elif card.image_url:
            picture = f'<img class="cover" src="{printed(card.image_url)}" alt="" loading="lazy">\n  '
        else:
            picture = placeholder_tag(name, 640, 360, "cover")
        if card.creators:
            credits = ", ".join([f'<span class="credit">{avatar_tag(c.avatar, c.name, 24)} {printed(c.name)}</span>'
                                 for c in card.creators])
            creators = f'<p class="creators muted">{by} {credits}</p>'
        else:
            creators = ""
        amount = card.from_price
        count = card.review_count
        if count:
            rounded = round(card.avg_rating, 1)
            key = (type(rounded), rounded, count)
            rating = ratings.get(key) or words.rating(key)
        else:
            rating = no_reviews
        path = _path_part(slug)
        add(f'\n<article class="card product-card" data-slug="{path if path is slug else printed(slug)}">\n'
            f'  {picture}\n'
            f'  <p class="muted"><span class="badge">{types.get(card.type) or words.type_label(card.type)}</span>'
            f'{f" · {printed(card.brand_name)}" if card.brand_name else ""}</p>\n'
            f'  <h2 class="h3"><a href="{card_path}{path}">{printed(name)}</a></h2>\n'
            f'  {creators}\n'
            f'  <p>{printed(card.summary)}</p>\n'
            f'  <p class="price"><strong>{prices.get((amount, currency)) or words.price(amount, currency)}</strong>\n'
            f'    <small class="muted">{tax_note}</small></p>\n'
            f'  {rating}\n</article>')
    return Markup("".join(out))
