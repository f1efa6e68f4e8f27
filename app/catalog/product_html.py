"""The product page's body (what the template ``catalog/_product_body.html`` wrote), rendered in Python.

In Jinja the body was some three hundred attribute lookups, tests, filter calls and escapes (each
offer card, the course facts, the reviews): after the syllabus (app.catalog.syllabus_html), the
costliest part of an uncached product page (issue 15). ``product_body`` writes exactly what the
template wrote: every value the template printed with ``{{ }}`` is escaped as Jinja's autoescape
does (``markupsafe.escape``: Markup stays as it is), the filters are the template's own (the app's
Jinja environment's), translations are Markup as the templates' ``_()`` makes them, and the page's
fixed words are made once per locale (``labels.per_locale``).
"""

from __future__ import annotations

import functools

from flask import current_app, url_for
from markupsafe import Markup

from app.catalog.syllabus_html import syllabus_html, syllabus_labels
from app.kept import Kept
from app.platform.images import avatar_tag, cover_tag, placeholder_tag
from app.web import labels
from app.web.jinja import printed, template_text
from app.web.session_cookie import csrf_token

_t = template_text  # ``{{ _(string, **variables) }}`` of the template
_HERO_SIZES = "(max-width: 64rem) 100vw, 64rem"


class _Words:
    """The body's fixed words in one language (escaped text): kept for the process per locale."""

    def __init__(self):
        self.catalog = str(_t("Catalog"))
        self.created_by = str(_t("Created by"))
        self.buy = str(_t("Buy"))
        self.choose = str(_t("Choose your plan"))
        self.inclusive = str(_t("All prices include VAT."))
        self.exclusive = str(_t("Prices exclude tax; tax is added at checkout."))
        self.shipping = str(_t("Shipping"))
        self.shipped = str(_t("Shipped to the address you enter at checkout; shipping is included in the price."))
        self.weight = str(_t("Weight"))
        self.add_to_cart = str(_t("Add to cart"))
        self.quantity = str(_t("Quantity"))
        self.not_on_sale = str(_t("This product is not on sale in this market."))
        self.about = str(_t("About this course"))
        self.level = str(_t("Level"))
        self.difficulty = str(_t("Difficulty"))
        self.no_ratings = str(_t("no learner ratings yet"))
        self.content = str(_t("Content"))
        self.skills = str(_t("Skills"))
        self.syllabus = str(_t("Syllabus"))
        self.collections = str(_t("Collections"))
        self.reviews = str(_t("Reviews"))
        self.no_reviews = str(_t("No reviews yet."))
        # Texts that are pure functions of their key and the language (an offer's billing in a
        # currency, what a tier unlocks, "12 lessons"): made once per process (issue 15).
        self.kept = Kept()

    def text(self, key: tuple, make) -> str:
        """The text under ``key``, ``make()`` the first time."""
        return self.kept.made(key, make)


_words = labels.per_locale(_Words)


def _plural(words: _Words, singular: str, plural: str, num: int) -> str:
    """``{{ ngettext(singular, plural, num) }}`` of the template: Markup, printed as it is."""
    if type(num) is int:
        return words.text((singular, plural, num), functools.partial(_ngettext, singular, plural, num))
    return _ngettext(singular, plural, num)


def _ngettext(singular: str, plural: str, num: int) -> str:
    words = labels.translations().ungettext(singular, plural, num)
    return words % {"num": num} if type(num) is int else str(Markup(words) % {"num": num})


def _joined(items) -> str:
    """``{{ items|join(" · ") }}`` of the template."""
    return " · ".join([printed(item) for item in items])


def _billing(offer, currency: str) -> str:
    return _joined(offer.billing(currency))


def _unlocks(unlocked) -> str:
    return _joined(unlocked.parts())


def product_body(product, storefront) -> Markup:
    """The template's body for ``product`` (app.catalog.pages.ProductPage) in ``storefront``."""
    words = _words()
    filters = current_app.jinja_env.filters
    money, number = filters["money"], filters["number"]
    currency = storefront.currency_code
    out: list[str] = []
    add = out.append
    name = printed(product.name)

    # ---- the head: type, brand, name, creators, rating, picture
    brand = f' · <span class="product-brand">{printed(product.brand_name)}</span>' if product.brand_name else ""
    add(f'\n<article class="product stack" data-product="{printed(product.slug)}" data-type="{printed(product.type)}">\n'
        '  <div class="product-head stack">\n'
        f'  <p class="muted"><a href="{printed(url_for("store.catalog.index"))}">{words.catalog}</a> ›\n'
        f'    <span class="badge">{printed(filters["product_type_label"](product.type))}</span>\n'
        f'    {brand}</p>\n'
        f'  <h1>{name}</h1>\n  ')
    if product.creators:
        credits = []
        for c in product.creators:
            who = (f'<a href="{printed(url_for("creators.profile", slug=c.slug))}">{printed(c.name)}</a>' if c.slug
                   else printed(c.name))
            credits.append(f'<span class="credit">{avatar_tag(c.avatar, c.name, 32)} {who}</span>')
        add(f'\n  <p class="creators">{words.created_by}\n    {", ".join(credits)}\n  </p>\n  ')
    add('\n  ')
    if product.review_count:
        rating = printed(number(round(product.avg_rating, 1)))
        reviews = _plural(words, "%(num)d review", "%(num)d reviews", product.review_count)
        add(f'\n  <p class="rating">★ {rating} · {reviews}</p>\n  ')
    add('\n  ')
    if product.image:
        add(f'{cover_tag(product.image, product.name, _HERO_SIZES, 1280, "hero", "eager")}\n  ')
    elif product.image_url:
        add(f'<img class="hero" src="{printed(product.image_url)}" alt="">\n  ')
    else:
        add(placeholder_tag(product.name, 640, 360, "cover hero"))
    add('\n  </div>\n  \n  \n  <div class="product-side stack">\n  <section class="offers stack" id="offers">\n'
        f'    <h2>{words.buy if product.ships else words.choose}</h2>\n'
        f'    <p class="muted tax-note">{words.inclusive if storefront.tax_inclusive else words.exclusive}</p>\n    ')

    # ---- the offers
    syllabus, course = product.syllabus, product.course
    if product.ships:
        weight = (f'<dt>{words.weight}</dt><dd class="weight">{printed(filters["weight"](product.weight_grams))}</dd>'
                  if product.weight_grams else "")
        note = printed(product.shipping_note) if product.shipping_note else words.shipped
        add(f'\n    <dl class="facts shipping">\n      <dt>{words.shipping}</dt>\n'
            f'      <dd class="shipping-note">{note}</dd>\n      {weight}\n    </dl>\n    ')
    add('\n    <div class="grid">\n    ')
    tax_note = printed(labels.tax_note(storefront))
    physical = product.type == "physical"
    for offer in product.offers:
        plan_id = printed(offer.plan_id)
        variant = f'<p class="muted variant">{printed(offer.variant_name)}</p>' if offer.variant_count > 1 else ""
        compare = (f'<s class="muted compare-at">{printed(money(offer.compare_at_price, currency))}</s>'
                   if offer.compare_at_price and offer.compare_at_price > offer.price else "")
        billing = ""
        if not product.ships:
            billing = words.text(("billing", offer, currency), functools.partial(_billing, offer, currency))
            billing = f'<p class="billing">{billing}</p>'
        unlocks = ""
        if syllabus:
            unlocked = syllabus.unlocks(offer.tier)
            unlocks = f'<p class="unlocks">{words.text(("unlocks", unlocked), functools.partial(_unlocks, unlocked))}</p>'
        described = f'<p>{printed(offer.plan_description)}</p>' if offer.plan_description else ""
        quantity = (f'\n  <label>{words.quantity}\n'
                    f'    <input type="number" name="quantity" form="buy-{plan_id}" value="1" min="1" max="99" step="1"'
                    ' inputmode="numeric" size="3">\n  </label>\n  ') if physical else ""
        add(f'\n      <div class="card offer" data-plan="{plan_id}" data-plan-type="{printed(offer.type)}"'
            f' data-tier="{offer.tier:d}">\n'
            f'        <h3>{printed(offer.plan_name)}</h3>\n'
            f'        {variant}\n'
            f'        <p class="price"><strong>{printed(money(offer.price, currency))}</strong>'
            f' <small class="muted">{tax_note}</small>\n'
            f'          {compare}</p>\n'
            f'        {billing}\n'
            f'        {unlocks}\n'
            f'        {described}\n'
            '        \n'
            f'<div class="buy row" data-buy="{plan_id}">\n'
            f'  {quantity}\n'
            f'  <button type="submit" class="button" form="buy-{plan_id}">{words.add_to_cart}</button>\n'
            f'  <span id="buy-status-{plan_id}" class="buy-status" aria-live="polite"></span>\n'
            '</div>\n      </div>\n    ')
    if not product.offers:
        add(f'\n      <p>{words.not_on_sale}</p>\n    ')
    add('\n    </div>\n  </section>\n\n  ')

    # ---- a course's facts
    if course:
        level = filters["level_label"]
        # (texts to translate stay outside f-strings, where `make translations` finds them)
        said = ""
        if course.community_level:
            said = _t("learners say: %(level)s", level=level(course.community_level))
            said = f'<small class="muted">· {said}</small>'
        if course.community_count:
            learners = _t("%(value)s of 10 from %(count)d learners",
                          value=number(round(course.community_difficulty, 1)), count=course.community_count)
            rated = f'<small class="muted">· {learners}</small>\n        '
        else:
            rated = f'<small class="muted">· {words.no_ratings}</small>'
        difficulty = _t("%(value)s of 10 (creator)", value=course.difficulty)
        add(f'\n  <section class="card course-facts">\n    <h2>{words.about}</h2>\n'
            '    <dl class="facts summary-facts">\n'
            f'      <dt>{words.level}</dt>\n'
            f'      <dd class="level">{printed(level(course.level))}\n        {said}</dd>\n'
            f'      <dt>{words.difficulty}</dt>\n'
            f'      <dd class="difficulty">{difficulty}\n'
            f'        {rated}</dd>\n      ')
        if syllabus:
            minutes = syllabus.total_minutes
            duration = ""
            if minutes:
                duration = _t("%(minutes)d minutes", minutes=minutes)
                duration = f" · {duration}"
            lessons = _plural(words, "%(num)d lesson", "%(num)d lessons", len(syllabus.lessons))
            add(f'\n      <dt>{words.content}</dt>\n      <dd>{lessons}{duration}</dd>\n      ')
        add('\n      ')
        if course.skills:
            skills = "".join([f'<span class="badge">{printed(skill)}</span> ' for skill in course.skills])
            add(f'\n      <dt>{words.skills}</dt>\n      <dd>{skills}</dd>\n      ')
        add('\n    </dl>\n  </section>\n  ')
    add('\n  </div>\n\n  <div class="product-rest stack">\n  <div class="description prose">')
    add("".join([f"<p>{printed(para)}</p>" for para in (product.description or "").split("\n\n")]))
    add('</div>\n\n  ')

    # ---- the syllabus, collections and reviews
    if syllabus:
        add(f'\n  <section class="syllabus stack" id="syllabus">\n    <h2>{words.syllabus}</h2>\n    ')
        tiers = product.tiers
        if tiers:
            tier_label = syllabus_labels().tier  # ``{{ tier|tier_label }}``, escaped, kept per locale
            items = "".join([
                f'<li data-tier="{tier:d}">{tier_label(tier)}: {lessons}</li>'  # a tier is an int: nothing to escape
                for tier in tiers
                for lessons in [_plural(words, "%(num)d lesson", "%(num)d lessons", syllabus.lessons_open_at(tier))]])
            add(f'\n    <ul class="tier-summary">\n      {items}\n    </ul>\n    ')
        add(f'\n    {syllabus_html(syllabus)}\n  </section>\n  ')
    add('\n\n  ')
    if product.collections:
        links = "".join([f'<a class="badge" href="{printed(url_for("store.catalog.index", collection=slug))}">'
                         f'{printed(title)}</a> ' for slug, title in product.collections])
        add(f'\n  <section class="collections">\n    <h2>{words.collections}</h2>\n    <p>{links}</p>\n'
            '  </section>\n  ')
    add(f'\n\n  <section class="reviews stack" id="reviews">\n    <h2>{words.reviews}</h2>\n    ')
    date = filters["date"]
    for review in product.reviews:
        stars = printed("★" * review.rating) + printed("☆" * (5 - review.rating))
        title = printed(review.title) if review.title else ""
        body = f'<p>{printed(review.body)}</p>' if review.body else ""
        add(f'\n      <blockquote class="card review" data-rating="{review.rating:d}">\n'
            f'        <p><strong>{stars}</strong> {title}</p>\n'
            f'        {body}\n'
            f'        <footer class="muted">{printed(review.author)} · {printed(date(review.created_at))}</footer>\n'
            '      </blockquote>\n    ')
    if not product.reviews:
        add(f'\n      <p class="muted">{words.no_reviews}</p>\n    ')
    add('\n  </section>\n  </div>\n</article>')
    return Markup("".join(out))


def buy_forms(offers) -> Markup:
    """One add-to-cart form per offer of the product page, rendered per request (they carry the
    session's CSRF token), so outside the cached body. The quantity field and the button live in the
    offer cards (``product_body``) and belong to these forms through their ``form`` attribute; without
    JavaScript the browser posts them and gets a 303 to the cart, with htmx the answer goes to the
    offer's status line and the header badge refreshes on "cart-changed". What the template
    checkout/_buy_forms.html wrote (tests/catalog/buy_forms_jinja.html), without its dozen yields
    per form through the page's three layouts (issue 15)."""
    add_url = printed(url_for("store.checkout.add_item"))
    token = printed(csrf_token())
    forms = []
    for offer in offers:
        plan_id = printed(offer.plan_id)
        forms.append(f'\n  <form id="buy-{plan_id}" class="add-to-cart" method="post" action="{add_url}"\n'
                     f'        data-hx-post="{add_url}" data-hx-target="#buy-status-{plan_id}"'
                     ' data-hx-swap="innerHTML">\n'
                     f'    <input type="hidden" name="csrf_token" value="{token}">\n'
                     f'    <input type="hidden" name="plan_id" value="{plan_id}">\n  </form>\n')
    return Markup(f'\n\n<div class="buy-forms" hidden>\n{"".join(forms)}\n</div>')
