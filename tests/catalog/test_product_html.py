"""The product page's body written in Python (app.catalog.product_html, issue 15) is the HTML the
Jinja template catalog/_product_body.html wrote (kept here as product_body_jinja.html): offers of
every kind, compare-at prices, variants, shipping facts, a course's facts, learner ratings, skills,
tiers and syllabus, creators, covers, collections and reviews, escaping, in several languages; and
the add-to-cart forms (``buy_forms``) are what checkout/_buy_forms.html wrote (buy_forms_jinja.html)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import flask_babel
import pytest
from flask import g

from app.catalog.pages import CourseFacts, ProductPage, ReviewView
from app.catalog.product_html import buy_forms, product_body
from app.catalog.queries import Creator, Offer
from app.catalog.syllabus_html import syllabus_html
from app.courses.syllabus import LessonEntry, ModuleEntry, SectionEntry, Syllabus
from app.platform.images import ImageView

_TEMPLATE = (Path(__file__).parent / "product_body_jinja.html").read_text()
_BUY_FORMS = (Path(__file__).parent / "buy_forms_jinja.html").read_text()  # was checkout/_buy_forms.html
_COVER = ImageView.of("public/images/cover/abc", "320,640,1280", 1280, 720, 'A "cover" <of> it')
_FACE = ImageView.of("public/images/avatar/def", "64,128", 128, 128, "")


def _lesson(n: int, tier: int, preview: bool = False, minutes: int | None = 12) -> LessonEntry:
    return LessonEntry(placement_id=f"p{n}", lesson_id=f"l{n}", title=f"Lesson <{n}> & co", type="video",
                       duration_minutes=minutes, tier=tier, is_free_preview=preview)


_SYLLABUS = Syllabus(modules=[
    ModuleEntry(id="m1", title="Start & <go>", description=None, tier=1, sections=[
        SectionEntry(id="s1", title="Basics", tier=1, lessons=[_lesson(1, 1, True), _lesson(2, 1, minutes=None)]),
        SectionEntry(id="s2", title="More", tier=2, lessons=[_lesson(3, 2)])]),
    ModuleEntry(id="m2", title="Deep", description="d", tier=3, sections=[
        SectionEntry(id="s3", title="VIP", tier=3, lessons=[_lesson(4, 3, True), _lesson(5, 3, minutes=45)])]),
])
_OFFERS = [
    Offer(plan_id="a1", plan_name="Once & <for all>", plan_description="All <b>in</b>.", variant_name="Std",
          variant_count=2, type="one_time", tier=1, price=Decimal("49.00"), compare_at_price=Decimal("79.5")),
    Offer(plan_id="b2", plan_name="Monthly", plan_description=None, variant_name="Pro \"x\"", variant_count=2,
          type="subscription", tier=2, price=Decimal("9.99"), interval="month", interval_count=1,
          trial_period_days=14, compare_at_price=Decimal("5")),
    Offer(plan_id="c3", plan_name="Per question", plan_description=None, variant_name="V", variant_count=1,
          type="usage_based", tier=3, price=Decimal("5"), price_per_unit=Decimal("0.1"), usage_unit="question",
          included_units=50),
]
COURSE = ProductPage(
    slug="python-for-data", type="course", name="Python & <Data>", description="First <para>.\n\nSecond & last.",
    image_url=None, image=_COVER, brand_name="Acme <Press>", offers=_OFFERS, syllabus=_SYLLABUS,
    course=CourseFacts(level="intermediate", difficulty=6, skills=("pandas & co", "SQL"), community_difficulty=4.333,
                       community_count=3, community_level="advanced"),
    reviews=[ReviewView(4, "Good <b>", "Body & more", "Ada <O>", datetime(2026, 3, 1, 23, 30, tzinfo=UTC)),
             ReviewView(2, None, None, "Bob", datetime(2025, 1, 2))],
    avg_rating=3.05, review_count=2,
    creators=[Creator(name="Ada O'Neil", slug="ada", avatar=_FACE), Creator(name="Grace <H>", slug=None)],
    collections=[("data & ai", "Data <AI>"), ("plain", "Plain")],
)
PAGES = [
    COURSE,
    dataclasses.replace(COURSE, course=dataclasses.replace(COURSE.course, community_difficulty=None, community_count=0,
                                                           community_level=None, skills=()),
                        syllabus=None, image=None, image_url="https://cdn.example/a.png?x=1&y=2", creators=[],
                        collections=[], reviews=[], review_count=0, avg_rating=None, description=None),
    dataclasses.replace(COURSE, slug="book", type="physical", course=None, syllabus=None, image=None, brand_name=None,
                        weight_grams=1250, shipping_note="By <post> & van", offers=_OFFERS[:1]),
    dataclasses.replace(COURSE, slug="book", type="physical", course=None, syllabus=None, image=None, weight_grams=None,
                        shipping_note=None, offers=[], description=""),
    dataclasses.replace(COURSE, type="digital_download", course=None, syllabus=None, weight_grams=450),
]


@pytest.mark.parametrize(("locale", "tax_inclusive", "currency"),
                         [("en", False, "USD"), ("de", True, "EUR"), ("fr", True, "EUR")])
def test_the_body_written_in_python_is_the_template_s_html(app, locale, tax_inclusive, currency):
    storefront = SimpleNamespace(org_slug="shop", market_slug="eu", default_locale=locale, currency_code=currency,
                                 tax_inclusive=tax_inclusive)
    template = app.jinja_env.from_string(_TEMPLATE)
    with app.test_request_context(f"/shop/eu/{locale}/products/x"), flask_babel.force_locale(locale):
        g.storefront, g.locale = storefront, locale
        for page in PAGES:
            expected = template.render(product=page, g=g, product_syllabus=syllabus_html)
            assert str(product_body(page, storefront)) == expected
            assert str(product_body(page, storefront)) == expected  # its texts kept per locale (issue 15)


@pytest.mark.parametrize("offers", [[], _OFFERS[:1], _OFFERS, [dataclasses.replace(_OFFERS[0], plan_id='a<"&\'>')]])
def test_the_buy_forms_written_in_python_are_the_template_s_html(app, offers):
    storefront = SimpleNamespace(org_slug="shop", market_slug="eu", default_locale="en", currency_code="USD",
                                 tax_inclusive=False)
    with app.test_request_context("/shop/eu/en/products/x"):
        g.storefront, g.locale = storefront, "en"
        expected = app.jinja_env.from_string(_BUY_FORMS).render(offers=offers)
        assert 'name="csrf_token" value="' in expected or not offers
        assert str(buy_forms(offers)) == expected


@pytest.mark.parametrize("syllabus", [
    _SYLLABUS,
    Syllabus(modules=[]),
    Syllabus(modules=[ModuleEntry(id="e", title="Empty", description=None, tier=1, sections=[]), *_SYLLABUS.modules,
                      ModuleEntry(id="x", title="Only previews", description=None, tier=2, sections=[
                          SectionEntry(id="s9", title="P", tier=2, lessons=[_lesson(9, 2, True)])])]),
])
def test_a_syllabus_counts_what_each_tier_opens_as_its_lessons_say(syllabus):
    # lessons_open_at and unlocks read counts kept once per syllabus (issue 15): the same numbers as
    # asking every lesson (locked_for) and every module.
    for tier in (None, 0, 1, 2, 3, 4):
        assert syllabus.lessons_open_at(tier) == sum(1 for lesson in syllabus.lessons if not lesson.locked_for(tier))
        if tier is None:
            continue
        unlocks = syllabus.unlocks(tier)
        assert unlocks.modules == tuple(number for number, module in enumerate(syllabus.modules, start=1)
                                        if any(lesson.tier <= tier for lesson in module.lessons))
        assert (unlocks.module_count, unlocks.lessons, unlocks.total_lessons) == (
            len(syllabus.modules), syllabus.lessons_open_at(tier), len(syllabus.lessons))
